"""The double-entry ledger behind the books: one balanced journal entry per document or journal.

Every report is a sum over these postings, so the balance sheet balances and profit and loss
agrees with the invoices and bills by construction rather than by adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calendar import add_months, date_of, month_end, months_between
from .purchases import Purchases
from .sales import Sales

#: Entry kinds, in the order entries of the same moment are listed.
INVOICE, PAYMENT, CREDIT_NOTE, BILL, BILL_PAYMENT, MANUAL = range(6)
JOURNAL_NAMES = ("Sales Journal", "Cash Receipts", "Sales Journal", "Purchases Journal", "Cash Payments", "General Journal")
RECORD_TYPES = ("invoices", "payments", "creditNotes", "bills", "billPayments", None)


@dataclass
class ManualJournal:
    day: int
    description: str
    lines: list[tuple[int, int]]  # (account index, signed base cents): debits positive


@dataclass
class Ledger:
    entry_day: np.ndarray
    entry_seconds: np.ndarray
    entry_kind: np.ndarray
    entry_source: np.ndarray
    entry_start: np.ndarray  # offsets into the postings, one more than the entries
    post_account: np.ndarray
    post_amount: np.ndarray  # base cents, debit positive
    post_day: np.ndarray
    manual: list[ManualJournal] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return int(self.entry_day.size)


class _Builder:
    def __init__(self) -> None:
        self.entries: list[tuple[np.ndarray, ...]] = []  # (day, seconds, kind, source)
        self.posts: list[tuple[np.ndarray, ...]] = []  # (entry, account, amount)
        self.count = 0

    def add(self, day: np.ndarray, seconds: np.ndarray, kind: int, source: np.ndarray) -> int:
        """Register entries; returns the global id of the first one."""
        first = self.count
        self.entries.append((day, seconds, np.full(day.size, kind), source))
        self.count += int(day.size)
        return first

    def post(self, entry: np.ndarray, account: int | np.ndarray, amount: np.ndarray) -> None:
        keep = amount != 0
        accounts = np.broadcast_to(np.asarray(account), entry.shape)
        self.posts.append((entry[keep], accounts[keep], amount[keep]))


def build_ledger(
    sales: Sales, purchases: Purchases, accounts: dict[str, int], manual: list[ManualJournal]
) -> Ledger:
    b = _Builder()
    _sales_entries(b, sales, accounts)
    _purchase_entries(b, purchases, accounts)
    if manual:
        days = np.array([m.day for m in manual], dtype=np.int64)
        first = b.add(days, np.full(days.size, 9 * 3600), MANUAL, np.arange(days.size))
        for index, journal in enumerate(manual):
            entry = np.full(len(journal.lines), first + index)
            b.post(entry, np.array([a for a, _ in journal.lines]), np.array([c for _, c in journal.lines], dtype=np.int64))
    day, seconds, kind, source = (np.concatenate(parts) for parts in zip(*b.entries))
    order = np.lexsort((source, kind, seconds, day))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    entry, account, amount = (np.concatenate(parts) for parts in zip(*b.posts))
    entry = rank[entry]
    by_entry = np.argsort(entry, kind="stable")
    entry, account, amount = entry[by_entry], account[by_entry], amount[by_entry]
    start = np.searchsorted(entry, np.arange(order.size + 1))
    day = day[order]
    return Ledger(day, seconds[order], kind[order], source[order], start, account, amount, day[entry], manual)


def _sales_entries(b: _Builder, s: Sales, accounts: dict[str, int]) -> None:
    live = np.flatnonzero(~s.void)
    first = b.add(s.day[live], s.seconds[live], INVOICE, live)
    local = np.full(s.count, -1)
    local[live] = first + np.arange(live.size)
    b.post(local[live], accounts["receivable"], s.total_base[live])
    b.post(local[live], accounts["tax"], -s.tax_base[live])
    line_invoice = np.repeat(np.arange(s.count), np.diff(s.line_start))
    lines = np.flatnonzero(~s.void[line_invoice])
    b.post(local[line_invoice[lines]], accounts["sales"], -s.line_sub_base[lines])

    pays = np.arange(s.pay_day.size)
    first = b.add(s.pay_day, s.pay_seconds, PAYMENT, pays)
    b.post(first + pays, accounts["bank"], s.pay_base)
    b.post(first + pays, accounts["receivable"], -s.pay_base)

    notes = np.arange(s.cn_day.size)
    first = b.add(s.cn_day, s.cn_seconds, CREDIT_NOTE, notes)
    b.post(first + notes, accounts["sales"], s.cn_sub_base)
    b.post(first + notes, accounts["tax"], s.cn_tax_base)
    b.post(first + notes, accounts["receivable"], -(s.cn_sub_base + s.cn_tax_base))


def _purchase_entries(b: _Builder, p: Purchases, accounts: dict[str, int]) -> None:
    live = np.flatnonzero(~p.void)
    first = b.add(p.day[live], p.seconds[live], BILL, live)
    local = np.full(p.count, -1)
    local[live] = first + np.arange(live.size)
    b.post(local[live], accounts["payable"], -p.total[live])
    b.post(local[live], accounts["tax"], p.tax[live])
    line_bill = np.repeat(np.arange(p.count), np.diff(p.line_start))
    lines = np.flatnonzero(~p.void[line_bill])
    b.post(local[line_bill[lines]], p.line_account[lines], p.line_sub[lines])

    pays = np.arange(p.pay_day.size)
    first = b.add(p.pay_day, p.pay_seconds, BILL_PAYMENT, pays)
    amount = p.total[p.pay_bill]
    b.post(first + pays, accounts["payable"], amount)
    b.post(first + pays, accounts["bank"], -amount)


def running_journals(
    accounts: dict[str, int], start: int, end: int, monthly_revenue: int, wages_share: float, rng: np.random.Generator
) -> list[ManualJournal]:
    """Payroll, depreciation, bank fees, savings interest and a yearly donation."""
    equipment = max(250_000, int(monthly_revenue * 0.8) // 100 * 100)
    journals = [
        ManualJournal(start, "Purchase of office equipment", [(accounts["equipment"], equipment), (accounts["bank"], -equipment)]),
    ]
    savings = max(1_000_000, monthly_revenue * 2 // 100 * 100)
    journals.append(
        ManualJournal(start, "Transfer to savings", [(accounts["savings"], savings), (accounts["bank"], -savings)])
    )
    for month in months_between(start, end):
        last = month_end(month)
        wages = int(monthly_revenue * wages_share * rng.uniform(0.97, 1.03))
        depreciation = equipment // 36 if month < add_months(start, 36) else 0
        fees = int(rng.uniform(1_500, 4_500))
        interest = int(savings * 0.003 * rng.uniform(0.9, 1.1))
        for day, description, debit, credit, amount in (
            (month + 24, "Monthly payroll", "wages", "bank", wages),
            (last, "Depreciation of office equipment", "depreciationExpense", "depreciation", depreciation),
            (last, "Bank charges", "bankFees", "bank", fees),
            (last, "Interest received on savings", "savings", "interest", interest),
        ):
            if start <= day <= end and amount:
                journals.append(ManualJournal(day, description, [(accounts[debit], amount), (accounts[credit], -amount)]))
        if date_of(month).month == 12 and start <= month + 14 <= end:
            gift = int(monthly_revenue * 0.01) or 10_000
            journals.append(
                ManualJournal(month + 14, "Charitable donation", [(accounts["donations"], gift), (accounts["bank"], -gift)])
            )
    return journals


def tax_settlements(ledger: Ledger, accounts: dict[str, int], start: int, end: int) -> list[ManualJournal]:
    """Each quarter's net VAT or sales tax is paid on the 7th of the second month after it."""
    tax = ledger.post_account == accounts["tax"]
    journals = []
    for quarter in months_between(start, end):
        if date_of(quarter).month not in (1, 4, 7, 10):
            continue
        quarter_end = add_months(quarter, 3) - 1
        pay_day = add_months(quarter, 4) + 6
        if pay_day > end:
            break
        inside = tax & (ledger.post_day >= max(quarter, start)) & (ledger.post_day <= quarter_end)
        owed = -int(ledger.post_amount[inside].sum())
        if owed:
            label = f"Tax return for the quarter to {date_of(quarter_end).isoformat()}"
            journals.append(ManualJournal(pay_day, label, [(accounts["tax"], owed), (accounts["bank"], -owed)]))
    return journals


def opening_capital(ledger: Ledger, accounts: dict[str, int], start: int, floor: int) -> ManualJournal:
    """The owner's opening investment: enough that the current account never goes overdrawn."""
    bank = ledger.post_account == accounts["bank"]
    order = np.argsort(ledger.post_day[bank], kind="stable")
    lowest = int(np.minimum.accumulate(np.cumsum(ledger.post_amount[bank][order])).min()) if bank.any() else 0
    capital = max(floor, (-lowest + floor) // 100_000 * 100_000 + 100_000)
    return ManualJournal(start, "Owner's opening investment", [(accounts["bank"], capital), (accounts["capital"], -capital)])
