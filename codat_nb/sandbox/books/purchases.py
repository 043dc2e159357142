"""Bills (monthly overheads, rent, stock for trading businesses) and the payments that settle them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import add_months, months_between
from .datasets import SampleCompany
from .parties import Item, Party
from .sales import round_half_up


@dataclass
class Purchases:
    # bills (sorted by issue day, then time)
    day: np.ndarray
    seconds: np.ndarray
    supplier: np.ndarray
    due: np.ndarray
    void: np.ndarray
    reference: np.ndarray  # a number printed on the supplier's bill
    line_start: np.ndarray
    sub: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    # lines
    line_account: np.ndarray  # index into the chart
    line_item: np.ndarray  # -1 for none
    line_quantity: np.ndarray
    line_unit: np.ndarray
    line_sub: np.ndarray
    line_tax: np.ndarray
    line_tax_code: np.ndarray
    # bill payments (sorted by day): one per paid bill
    pay_day: np.ndarray
    pay_seconds: np.ndarray
    pay_bill: np.ndarray
    pay_method: np.ndarray
    bill_pay: np.ndarray  # per bill: its payment row, -1 while unpaid

    @property
    def count(self) -> int:
        return int(self.day.size)


def draw_purchases(
    company: SampleCompany,
    rng: np.random.Generator,
    suppliers: list[Party],
    items: list[Item],
    account_index: dict[str, int],
    monthly_revenue: dict[int, int],
    start: int,
    end: int,
) -> Purchases:
    """Overheads bill monthly; stock bills follow each month's sales at the cost-of-sales share."""
    bills: list[tuple[int, int, list[tuple[int, int, int, int]]]] = []  # day, supplier, lines
    stock = [i for i, s in enumerate(suppliers) if s.account == "costOfSales"]
    buyable = [i for i, item in enumerate(items) if item.buys]
    for month in months_between(start, end):
        length = add_months(month, 1) - month
        for index, supplier in enumerate(suppliers):
            if supplier.account == "costOfSales":
                continue
            day = month if supplier.account == "rent" else month + int(rng.integers(0, min(length, 28)))
            if start <= day <= end:
                amount = int(supplier.typical_cents * (1.0 if supplier.account == "rent" else rng.uniform(0.8, 1.25)))
                bills.append((day, index, [(account_index[supplier.account], -1, 1, amount)]))
        if stock and buyable:
            spend = company.cost_of_sales * monthly_revenue.get(month, 0) * rng.uniform(0.9, 1.1)
            count = max(2, int(round(spend / 2_500_000)))
            shares = rng.dirichlet(np.ones(count)) * spend
            for share in shares:
                day = month + int(rng.integers(0, length))
                if share < 100 or not start <= day <= end:
                    continue
                lines = _stock_lines(rng, items, buyable, account_index["costOfSales"], int(share))
                bills.append((day, stock[int(rng.integers(0, len(stock)))], lines))
    return _columns(company, rng, bills, end)


def _stock_lines(
    rng: np.random.Generator, items: list[Item], buyable: list[int], account: int, amount: int
) -> list[tuple[int, int, int, int]]:
    parts = int(rng.integers(1, 4))
    lines = []
    for share in rng.dirichlet(np.ones(parts)) * amount:
        item = buyable[int(rng.integers(0, len(buyable)))]
        cost = max(int(items[item].price_cents * 0.55), 1)
        quantity = max(int(share // cost), 1)
        lines.append((account, item, quantity, cost))
    return lines


def _columns(
    company: SampleCompany, rng: np.random.Generator, bills: list[tuple[int, int, list[tuple[int, int, int, int]]]], end: int
) -> Purchases:
    bills.sort(key=lambda bill: bill[0])
    n = len(bills)
    day = np.array([b[0] for b in bills], dtype=np.int64)
    seconds = rng.integers(8 * 3600, 18 * 3600, n)
    order = np.lexsort((seconds, day))
    bills = [bills[i] for i in order]
    day, seconds = day[order], seconds[order]
    supplier = np.array([b[1] for b in bills], dtype=np.int64)
    per_bill = np.array([len(b[2]) for b in bills], dtype=np.int64)
    line_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_bill, out=line_start[1:])
    flat = [line for b in bills for line in b[2]]
    line_account = np.array([f[0] for f in flat], dtype=np.int64)
    line_item = np.array([f[1] for f in flat], dtype=np.int64)
    quantity = np.array([f[2] for f in flat], dtype=np.int64)
    unit = np.array([f[3] for f in flat], dtype=np.int64)
    line_sub = quantity * unit
    # Every purchase carries the standard rate (domestic suppliers); code 0 in the tax rates.
    line_tax_code = np.zeros(line_sub.size, dtype=np.int64)
    line_tax = round_half_up(line_sub * company.tax_rates[0].percent / 100.0)
    heads = line_start[:-1]
    sub = np.add.reduceat(line_sub, heads) if n else np.zeros(0, dtype=np.int64)
    tax = np.add.reduceat(line_tax, heads) if n else np.zeros(0, dtype=np.int64)
    void = rng.random(n) < 0.01
    due = day + 30
    u = rng.random(n)
    paid_on = np.where(
        u < 0.85, day + np.floor(rng.random(n) * 31), due + 1 + np.floor(rng.random(n) * 45)
    ).astype(np.int64)
    paid = (u < 0.97) & ~void & (paid_on <= end)
    pay_bill = np.flatnonzero(paid)
    pay_day = paid_on[paid]
    pay_seconds = rng.integers(8 * 3600, 18 * 3600, pay_bill.size)
    same_day = pay_day == day[pay_bill]  # paid the day it arrived: after it arrived
    pay_seconds = np.where(same_day, np.minimum(seconds[pay_bill] + 60 + pay_seconds % 3600, 86_399), pay_seconds)
    pay_order = np.lexsort((pay_seconds, pay_day))
    pay_bill, pay_day, pay_seconds = pay_bill[pay_order], pay_day[pay_order], pay_seconds[pay_order]
    bill_pay = np.full(n, -1)
    bill_pay[pay_bill] = np.arange(pay_bill.size)
    return Purchases(
        day=day, seconds=seconds, supplier=supplier, due=due, void=void,
        reference=rng.integers(10_000, 99_999, n), line_start=line_start, sub=sub, tax=tax, total=sub + tax,
        line_account=line_account, line_item=line_item, line_quantity=quantity, line_unit=unit, line_sub=line_sub,
        line_tax=line_tax, line_tax_code=line_tax_code, pay_day=pay_day, pay_seconds=pay_seconds, pay_bill=pay_bill,
        pay_method=rng.integers(0, 4, pay_bill.size), bill_pay=bill_pay,
    )  # fmt: skip
