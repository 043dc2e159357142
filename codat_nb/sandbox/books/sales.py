"""Invoices with their lines, customer payments and credit notes, drawn as columns with numpy.

Money is held in integer cents, so every total is an exact sum of its lines; the base-currency
amounts the ledger books are rounded once per line and then summed, never re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import SampleCompany
from .parties import Item, Party

#: Seasonality by month (Jan..Dec) and by weekday (Mon..Sun) for each kind of business.
SEASONS = {
    "services": ([1.0, 1.0, 1.05, 1.0, 1.0, 1.0, 0.95, 0.75, 1.0, 1.05, 1.05, 0.7], [1, 1, 1, 1, 1, 0.05, 0.03]),
    "retail": ([0.8, 0.75, 0.9, 0.95, 1.0, 1.0, 1.0, 1.05, 1.0, 1.1, 1.45, 1.8], [0.9, 0.9, 0.95, 1.0, 1.15, 1.4, 1.2]),
    "wholesale": ([0.9, 0.95, 1.0, 1.0, 1.0, 0.95, 0.9, 0.85, 1.05, 1.15, 1.2, 1.05], [1, 1, 1, 1, 1, 0.02, 0.0]),
}


def round_half_up(values: np.ndarray) -> np.ndarray:
    """Money rounding: halves go away from zero, as accounting packages round."""
    return (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)


@dataclass
class Sales:
    # invoices (sorted by issue day, then time)
    day: np.ndarray
    seconds: np.ndarray
    customer: np.ndarray
    terms: np.ndarray
    rate: np.ndarray  # float: base = amount x rate
    void: np.ndarray
    number_codes: np.ndarray  # (n, 8) uint8 indices into the invoice-number alphabet
    line_start: np.ndarray  # n + 1 offsets into the line arrays
    sub: np.ndarray
    tax: np.ndarray
    discount: np.ndarray
    total: np.ndarray
    total_base: np.ndarray
    tax_base: np.ndarray
    # lines
    line_item: np.ndarray
    line_quantity: np.ndarray
    line_unit: np.ndarray
    line_discount: np.ndarray
    line_discount_percent: np.ndarray
    line_tax_code: np.ndarray  # index into SampleCompany.tax_rates
    line_sub: np.ndarray
    line_tax: np.ndarray
    line_sub_base: np.ndarray
    line_tracking: np.ndarray  # index into the tracking options, -1 for none
    # payments: invoice instalments and credit-note refunds (sorted by day, then time)
    pay_day: np.ndarray
    pay_seconds: np.ndarray
    pay_invoice: np.ndarray  # -1 for a refund
    pay_credit_note: np.ndarray  # -1 for an invoice payment
    pay_amount: np.ndarray  # signed, in the document's currency
    pay_base: np.ndarray  # signed, base currency
    pay_method: np.ndarray
    # an invoice's payments: pay rows in order, and offsets per invoice
    inv_pays: np.ndarray
    inv_pay_start: np.ndarray
    # credit notes (sorted by day)
    cn_day: np.ndarray
    cn_seconds: np.ndarray
    cn_invoice: np.ndarray
    cn_sub: np.ndarray
    cn_tax: np.ndarray
    cn_total: np.ndarray
    cn_sub_base: np.ndarray
    cn_tax_base: np.ndarray
    cn_refund: np.ndarray  # pay row of the refund, -1 while unrefunded

    @property
    def count(self) -> int:
        return int(self.day.size)


def issue_days(
    company: SampleCompany, rng: np.random.Generator, start: int, as_of: int, end: int, count: int
) -> np.ndarray:
    """``count`` issue days up to ``as_of`` (and the same rate on to ``end``), weighted by season."""
    days = np.arange(start, end + 1)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weekdays = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    by_month, by_weekday = SEASONS[company.business]
    growth = 1.0 + 0.35 * (days - start) / max(as_of - start, 1)
    weight = growth * np.asarray(by_month)[months] * np.asarray(by_weekday)[weekdays]
    history = days <= as_of
    counts = np.zeros(days.size, dtype=np.int64)
    counts[history] = rng.multinomial(count, weight[history] / weight[history].sum())
    future_count = int(round(count * weight[~history].sum() / weight[history].sum()))
    if future_count and (~history).any():
        counts[~history] = rng.multinomial(future_count, weight[~history] / weight[~history].sum())
    return np.repeat(days, counts)


def draw_sales(
    company: SampleCompany,
    rng: np.random.Generator,
    days: np.ndarray,
    customers: list[Party],
    items: list[Item],
    rates: dict[str, np.ndarray],
    start: int,
    end: int,
    tracking_options: int,
) -> Sales:
    n = int(days.size)
    seconds = rng.integers(8 * 3600, 18 * 3600, n)
    order = np.lexsort((seconds, days))
    days, seconds = days[order], seconds[order]

    weights = rng.pareto(1.16, len(customers)) + 1.0
    weights[[i for i, c in enumerate(customers) if c.archived]] *= 0.2
    customer = rng.choice(len(customers), size=n, p=weights / weights.sum())
    currency_of = np.array([c.currency for c in customers])
    invoice_currency = currency_of[customer]
    rate = np.ones(n)
    for code, series in rates.items():
        mask = invoice_currency == code
        rate[mask] = series[days[mask] - start]
    terms = np.asarray(company.payment_terms)[rng.integers(0, len(company.payment_terms), n)]

    # Lines.
    lo, hi = company.lines
    per_invoice = rng.integers(lo, hi + 1, n)
    line_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_invoice, out=line_start[1:])
    line_invoice = np.repeat(np.arange(n), per_invoice)
    lines = int(line_start[-1])
    sellable = np.array([i for i, item in enumerate(items) if item.sells])
    line_item = sellable[rng.integers(0, sellable.size, lines)]
    price = np.array([item.price_cents for item in items], dtype=np.float64)
    service = np.array([item.is_service for item in items])
    most = np.where(service & (price < 20_000), 24, np.where(service, 1, 3 if company.business == "retail" else 30))
    quantity = 1 + np.floor(rng.random(lines) ** 2 * most[line_item]).astype(np.int64)
    line_rate = rate[line_invoice]
    unit = np.maximum(round_half_up(price[line_item] * rng.uniform(0.92, 1.08, lines) / line_rate), 1)
    discount_percent = np.where(rng.random(lines) < 0.12, rng.choice([5, 10, 15], lines), 0)
    gross = unit * quantity
    line_discount = round_half_up(gross * discount_percent / 100.0)
    line_sub = gross - line_discount
    tax_index = {rate.code: i for i, rate in enumerate(company.tax_rates)}
    market_tax = np.array([tax_index[c.tax_code] for c in customers])[customer]
    line_tax_code = market_tax[line_invoice].copy()
    domestic_zero = [i for i, rate in enumerate(company.tax_rates) if rate.code in ("ZR", "EX")]
    if domestic_zero:  # a few standard-rated sales at home are zero-rated or exempt
        line_tax_code[(line_tax_code == 0) & (rng.random(lines) < 0.06)] = domestic_zero[0]
    percent = np.array([rate.percent for rate in company.tax_rates])[line_tax_code]
    line_tax = round_half_up(line_sub * percent / 100.0)
    line_sub_base = round_half_up(line_sub * line_rate)
    line_tracking = _tracking(company, rng, customers, customer, tracking_options)[line_invoice]

    heads = line_start[:-1]
    sub = np.add.reduceat(line_sub, heads)
    tax = np.add.reduceat(line_tax, heads)
    discount = np.add.reduceat(line_discount, heads)
    total = sub + tax
    tax_base = round_half_up(tax * rate)
    total_base = np.add.reduceat(line_sub_base, heads) + tax_base
    void = rng.random(n) < 0.015
    number_codes = rng.integers(0, 62, (n, 8)).astype(np.uint8)

    pays = _instalments(rng, days, terms, void, total, total_base, rate, end)
    notes = _credit_notes(rng, days, void, line_start, line_sub, percent, rate, end)
    return _assemble(
        locals(), pays, notes, n
    )


def _tracking(
    company: SampleCompany, rng: np.random.Generator, customers: list[Party], customer: np.ndarray, options: int
) -> np.ndarray:
    """One tracking option per invoice: the customer's region for a wholesaler, else drawn."""
    if company.business == "wholesale":
        region = {"GB": 0, "IE": 0, "DE": 1, "CH": 1, "NL": 2, "FR": 3, "US": 4}
        by_customer = np.array([region.get(c.address.country, 0) for c in customers])
        return by_customer[customer]
    return rng.integers(0, options, customer.size)


def _instalments(
    rng: np.random.Generator,
    days: np.ndarray,
    terms: np.ndarray,
    void: np.ndarray,
    total: np.ndarray,
    total_base: np.ndarray,
    rate: np.ndarray,
    end: int,
) -> dict[str, np.ndarray]:
    """When each invoice gets paid: on time, late, in two parts, or not at all."""
    n = days.size
    due = days + terms
    u = rng.random(n)
    till = terms == 0
    on_time = np.where(till, u < 0.97, u < 0.68) & ~void
    late = ~till & (u >= 0.68) & (u < 0.85) & ~void
    partial = ~till & (u >= 0.85) & (u < 0.92) & ~void
    spread = np.floor(rng.random(n) * (terms + 1)).astype(np.int64)
    first_day = np.where(late, due + 1 + np.floor(rng.random(n) * 75).astype(np.int64), days + spread)
    share = rng.uniform(0.3, 0.7, n)
    first_amount = np.where(partial, round_half_up(total * share), total)
    first_base = np.where(partial, round_half_up(first_amount * rate), total_base)
    second_day = first_day + 20 + np.floor(rng.random(n) * 100).astype(np.int64)
    paid = on_time | late | partial
    invoice = np.concatenate([np.flatnonzero(paid), np.flatnonzero(partial)])
    day = np.concatenate([first_day[paid], second_day[partial]])
    amount = np.concatenate([first_amount[paid], (total - first_amount)[partial]])
    base = np.concatenate([first_base[paid], (total_base - first_base)[partial]])
    keep = day <= end
    return {"invoice": invoice[keep], "day": day[keep], "amount": amount[keep], "base": base[keep]}


def _credit_notes(
    rng: np.random.Generator,
    days: np.ndarray,
    void: np.ndarray,
    line_start: np.ndarray,
    line_sub: np.ndarray,
    percent: np.ndarray,
    rate: np.ndarray,
    end: int,
) -> dict[str, np.ndarray]:
    """A few invoices are part-credited later; most credits are refunded, some stay unused."""
    n = days.size
    chosen = np.flatnonzero((rng.random(n) < 0.02) & ~void)
    day = days[chosen] + 3 + np.floor(rng.random(chosen.size) * 37).astype(np.int64)
    chosen, day = chosen[day <= end], day[day <= end]
    first_line = line_start[chosen]
    sub = np.maximum(round_half_up(line_sub[first_line] * rng.uniform(0.2, 1.0, chosen.size)), 1)
    tax = round_half_up(sub * percent[first_line] / 100.0)
    sub_base = round_half_up(sub * rate[chosen])
    tax_base = round_half_up(tax * rate[chosen])
    refund_day = day + 1 + np.floor(rng.random(chosen.size) * 20).astype(np.int64)
    refunded = (rng.random(chosen.size) < 0.6) & (refund_day <= end)
    order = np.argsort(day, kind="stable")
    return {
        "invoice": chosen[order], "day": day[order], "sub": sub[order], "tax": tax[order],
        "sub_base": sub_base[order], "tax_base": tax_base[order],
        "refund_day": refund_day[order], "refunded": refunded[order],
    }  # fmt: skip


def _assemble(v: dict, pays: dict[str, np.ndarray], notes: dict[str, np.ndarray], n: int) -> Sales:
    rng: np.random.Generator = v["rng"]
    notes_count = notes["day"].size
    refund_rows = np.flatnonzero(notes["refunded"])
    refund_total = notes["sub"] + notes["tax"]
    refund_base = notes["sub_base"] + notes["tax_base"]
    day = np.concatenate([pays["day"], notes["refund_day"][refund_rows]])
    invoice = np.concatenate([pays["invoice"], np.full(refund_rows.size, -1)])
    credit_note = np.concatenate([np.full(pays["day"].size, -1), refund_rows])
    amount = np.concatenate([pays["amount"], -refund_total[refund_rows]])
    base = np.concatenate([pays["base"], -refund_base[refund_rows]])
    seconds = rng.integers(8 * 3600, 18 * 3600, day.size)
    # A payment on the day of its invoice comes after it: between the invoice and 23:59.
    source_seconds = np.concatenate([v["seconds"][pays["invoice"]], np.zeros(refund_rows.size, dtype=np.int64)])
    same_day = np.concatenate([v["days"][pays["invoice"]] == pays["day"], np.zeros(refund_rows.size, dtype=bool)])
    later = source_seconds + 60 + (rng.random(day.size) * np.maximum(86_339 - source_seconds - 60, 0)).astype(np.int64)
    seconds = np.where(same_day, later, seconds)
    method = rng.integers(0, 4, day.size)
    order = np.lexsort((seconds, day))
    day, seconds, invoice, credit_note, amount, base, method = (
        a[order] for a in (day, seconds, invoice, credit_note, amount, base, method)
    )
    rows = np.arange(day.size)
    by_invoice = rows[invoice >= 0]
    by_invoice = by_invoice[np.argsort(invoice[by_invoice], kind="stable")]  # stays in day order per invoice
    inv_pay_start = np.searchsorted(invoice[by_invoice], np.arange(n + 1))
    refund_of = np.full(notes_count, -1)
    refund_of[credit_note[credit_note >= 0]] = rows[credit_note >= 0]
    return Sales(
        day=v["days"], seconds=v["seconds"], customer=v["customer"], terms=v["terms"], rate=np.round(v["rate"], 6),
        void=v["void"], number_codes=v["number_codes"], line_start=v["line_start"], sub=v["sub"], tax=v["tax"],
        discount=v["discount"], total=v["total"], total_base=v["total_base"], tax_base=v["tax_base"],
        line_item=v["line_item"], line_quantity=v["quantity"], line_unit=v["unit"], line_discount=v["line_discount"],
        line_discount_percent=v["discount_percent"], line_tax_code=v["line_tax_code"], line_sub=v["line_sub"],
        line_tax=v["line_tax"], line_sub_base=v["line_sub_base"], line_tracking=v["line_tracking"],
        pay_day=day, pay_seconds=seconds, pay_invoice=invoice, pay_credit_note=credit_note, pay_amount=amount,
        pay_base=base, pay_method=method, inv_pays=by_invoice, inv_pay_start=inv_pay_start,
        cn_day=notes["day"], cn_seconds=rng.integers(8 * 3600, 18 * 3600, notes_count), cn_invoice=notes["invoice"],
        cn_sub=notes["sub"], cn_tax=notes["tax"], cn_total=notes["sub"] + notes["tax"], cn_sub_base=notes["sub_base"],
        cn_tax_base=notes["tax_base"], cn_refund=refund_of,
    )  # fmt: skip
