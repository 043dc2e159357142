"""Portfolio metrics from one company's frames (revenue, margin, profit, receivables, DSO, cash), each defined once.

Every metric is in the company's base currency and describes one day, ``as_of``, and one period,
the twelve full calendar months before the month of ``as_of`` (trailing twelve months, TTM):
for ``as_of`` 2026-01-05 that is 2025-01-01 to 2025-12-31. The definitions, as :data:`METRICS`
states them, are what the notebook prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError
from .books import Books

#: Invoice statuses that owe nothing: paid, cancelled (Void) or not yet issued (Draft).
NOT_OWED = ("Paid", "Void", "Draft")
#: Invoices that are not sales: Void and Draft.
NOT_BOOKED = ("Void", "Draft")

#: Each column of summary_frame and how it is computed.
METRICS: Mapping[str, str] = MappingProxyType({
    "as_of": "The day described: by default the UTC date of the company's latest successful invoices sync, "
             "since amount_due is what was owed at that sync.",
    "period_start, period_end": "The trailing twelve months: the twelve full calendar months before the month of as_of.",
    "months": "Monthly periods of the profit and loss inside the period (12 when the books cover it all).",
    "revenue": "Sum of the profit and loss's Income total (its income section, not other income) over the period's months.",
    "gross_margin": "Gross profit / revenue over the period, as a fraction (0.25 = 25%); Codat's grossProfit is income "
                    "less cost of sales. Empty when revenue is 0.",
    "net_profit": "Sum of the profit and loss's netProfit over the period's months.",
    "receivables": "Sum of amount_due on invoices still owed at as_of: issued on or before as_of, amount_due > 0, status "
                   "not Paid, Void or Draft; amounts in another currency times their currency_rate (Codat: base = amount x rate).",
    "receivables_overdue": "The part of receivables on invoices past due at as_of: due date (issue date when it has none) "
                           "before as_of; an invoice due on as_of is not overdue yet.",
    "overdue_share": "receivables_overdue / receivables (empty when nothing is owed).",
    "dso_days": "Days sales outstanding: receivables / invoiced x days in the period, where invoiced is the sum of "
                "total_amount (with tax, as receivables are) of the invoices issued in the period, not Void or Draft, "
                "in the base currency. Empty when nothing was invoiced.",
    "cash": "Sum of the balance sheet's asset account lines that are bank accounts in the chart of accounts "
            "(isBankAccount), at the latest balance sheet date on or before as_of.",
    "last_sync": "The latest lastSuccessfulSync over the company's data types (UTC).",
})  # fmt: skip


_METRIC_COLUMNS = ("as_of", "period_start", "period_end", "months", "revenue", "gross_margin", "net_profit", "receivables",
                   "receivables_overdue", "overdue_share", "dso_days", "cash")  # fmt: skip
_OTHER_COLUMNS = ("company_id", "company_name", "currency", "invoices", "last_sync")


def ttm_period(as_of: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The twelve full calendar months before ``as_of``'s month: (first day, last day)."""
    day = _day(as_of, "as_of")
    start = (day.to_period("M") - 12).to_timestamp()
    end = day.to_period("M").to_timestamp() - pd.Timedelta(days=1)
    return start, end


def company_metrics(
    *,
    invoices: pd.DataFrame,
    profit_and_loss: pd.DataFrame,
    balance_sheet: pd.DataFrame,
    chart_of_accounts: pd.DataFrame,
    base_currency: str | None,
    as_of: Any,
) -> dict[str, Any]:
    """One company's metrics (see :data:`METRICS`) from its frames: invoices, profit and loss and
    balance sheet long frames (``frames.profit_and_loss_frame`` ...) and the chart of accounts.

    Raises:
        ValidationError: ``as_of`` is not a date, or an invoice in another currency has no usable rate.
    """
    day = _day(as_of, "as_of")
    start, end = ttm_period(day)
    pnl = _pnl_totals(profit_and_loss, start, end)
    owed, overdue = _receivables(invoices, day, base_currency)
    invoiced = _invoiced(invoices, start, end, base_currency)
    days = (end - start).days + 1
    return {
        "as_of": day, "period_start": start, "period_end": end, "months": pnl["months"],
        "revenue": _money(pnl["income"]),
        "gross_margin": _ratio(pnl["grossProfit"], pnl["income"], 4),
        "net_profit": _money(pnl["netProfit"]),
        "receivables": _money(owed), "receivables_overdue": _money(overdue), "overdue_share": _ratio(overdue, owed, 4),
        "dso_days": _ratio(owed * days, invoiced, 1),
        "cash": _money(_cash(balance_sheet, chart_of_accounts, day)),
    }  # fmt: skip


def summary_frame(portfolio: Iterable[Books], as_of: Any = None, *, tags: Iterable[str] | None = None) -> pd.DataFrame:
    """ONE frame of the portfolio: a row per company (sorted by name), the metrics of :data:`METRICS` as columns.

    Args:
        portfolio: :class:`Books` as read_portfolio returns them (each needs invoices,
            profitAndLoss, balanceSheet, chartOfAccounts; company for the base currency).
        as_of: one day for every company (a date or ``"2026-01-05"``); default: each company's own
            (the date of its latest successful invoices sync).
        tags: the company tags to show as columns after the name (default: every tag name any
            company has, sorted).

    Columns: company_id, company_name, the tags, currency, invoices (records in the books), then
    as_of, period_start, period_end, months, revenue, gross_margin, net_profit, receivables,
    receivables_overdue, overdue_share, dso_days, cash, last_sync.
    """
    portfolio = list(portfolio)
    wrong = next((b for b in portfolio if not isinstance(b, Books)), None)
    if wrong is not None:
        raise ValidationError(f"summary_frame takes the Books that read_portfolio returns; got {type(wrong).__name__}.")
    names = sorted({k for b in portfolio for k in b.company.tags}) if tags is None else list(tags)
    clash = sorted(set(names) & {*_METRIC_COLUMNS, *_OTHER_COLUMNS})
    if clash:
        raise ValidationError(f"The tag(s) {', '.join(clash)} would hide a metric column of the same name: pass tags= without them.")
    rows = [_row(books, as_of, names) for books in sorted(portfolio, key=lambda b: (b.company.name.casefold(), b.company.id))]
    frame = pd.DataFrame(rows, columns=["company_id", "company_name", *names, "currency", "invoices", *_METRIC_COLUMNS, "last_sync"])
    frame["months"] = frame["months"].astype("Int64")
    frame["invoices"] = frame["invoices"].astype("Int64")
    frame["last_sync"] = pd.to_datetime(frame["last_sync"], utc=True)
    for column in ("as_of", "period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame



def _row(books: Books, as_of: Any, tags: list[str]) -> dict[str, Any]:
    company = books.company
    statuses = books.statuses
    day = as_of if as_of is not None else _sync_day(books)
    try:
        metrics = company_metrics(
            invoices=books["invoices"], profit_and_loss=books["profit_and_loss"], balance_sheet=books["balance_sheet"],
            chart_of_accounts=books["chart_of_accounts"], base_currency=books.base_currency, as_of=day,
        )  # fmt: skip
    except ValidationError as error:
        raise ValidationError(f"{company.name} ({company.id}): {error}") from None
    synced = [s.last_successful_sync for s in statuses.values() if s.last_successful_sync is not None]
    return {
        "company_id": company.id, "company_name": company.name, **{t: company.tags.get(t) for t in tags},
        "currency": books.base_currency, "invoices": len(books["invoices"]), **metrics,
        "last_sync": max(synced) if synced else None,
    }  # fmt: skip


def _sync_day(books: Books) -> pd.Timestamp:
    status = books.statuses.get("invoices")
    when = getattr(status, "last_successful_sync", None)
    if when is None:
        raise ValidationError(f"{books.company.name}: its invoices have never synced, so there is no as-of day; pass as_of='2026-01-05'.")
    return pd.Timestamp(when).tz_convert("UTC").tz_localize(None).normalize()


def _pnl_totals(pnl: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, Any]:
    """Codat's income, grossProfit and netProfit summed over the report's periods inside [start, end]."""
    _require(pnl, ("from_date", "to_date", "section", "level", "value"), "profit and loss")
    inside = (pnl["from_date"].dt.normalize() >= start) & (pnl["to_date"].dt.normalize() <= end) & (pnl["level"] == 0)
    rows = pnl[inside.fillna(False).to_numpy(dtype=bool)]
    section = rows["section"].astype("string")
    totals = {
        name: float(rows["value"][(section == name).fillna(False).to_numpy(dtype=bool)].sum()) for name in ("income", "grossProfit", "netProfit")
    }
    months = int(rows["from_date"].nunique())
    if months == 0:
        totals = dict.fromkeys(totals, float("nan"))
    return {**totals, "months": months}


def _in_base(invoices: pd.DataFrame, column: str, base: str | None) -> np.ndarray:
    """Amounts in the base currency: amount x currency_rate for invoices in another currency."""
    amounts = pd.to_numeric(invoices[column]).astype("float64").to_numpy()
    if base is None or "currency" not in invoices.columns:
        return amounts
    currency = invoices["currency"].astype("string").str.strip().str.upper()
    foreign = (currency.notna() & (currency != base.upper())).fillna(False).to_numpy(dtype=bool)
    if not foreign.any():
        return amounts
    if "currency_rate" in invoices.columns:
        rate = pd.to_numeric(invoices["currency_rate"]).astype("float64").to_numpy()
    else:
        rate = np.full(len(invoices), np.nan)
    bad = foreign & ~(rate > 0)
    if bad.any():
        raise ValidationError(f"{int(bad.sum())} invoice(s) not in {base} have no usable currency_rate, so they cannot be converted to {base}.")
    return np.where(foreign, amounts * rate, amounts)


def _receivables(invoices: pd.DataFrame, day: pd.Timestamp, base: str | None) -> tuple[float, float]:
    """(owed, overdue) at ``day`` in the base currency."""
    _require(invoices, ("issue_date", "due_date", "amount_due", "status"), "invoices")
    if invoices.empty:
        return 0.0, 0.0
    issued = invoices["issue_date"].dt.normalize()
    status = invoices["status"].astype("string")
    due = pd.to_numeric(invoices["amount_due"]).astype("float64")
    owed = ((due > 0) & ~status.isin(NOT_OWED) & (issued <= day)).fillna(False).to_numpy(dtype=bool)
    late = (invoices["due_date"].dt.normalize().fillna(issued) < day).fillna(False).to_numpy(dtype=bool)
    amounts = _in_base(invoices, "amount_due", base)
    return float(amounts[owed].sum()), float(amounts[owed & late].sum())


def _invoiced(invoices: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, base: str | None) -> float:
    """total_amount of the invoices issued in [start, end], not Void or Draft, in the base currency."""
    _require(invoices, ("issue_date", "total_amount", "status"), "invoices")
    if invoices.empty:
        return 0.0
    issued = invoices["issue_date"].dt.normalize()
    booked = ~invoices["status"].astype("string").isin(NOT_BOOKED)
    inside = ((issued >= start) & (issued <= end) & booked).fillna(False).to_numpy(dtype=bool)
    return float(_in_base(invoices, "total_amount", base)[inside].sum())


def _cash(balance_sheet: pd.DataFrame, chart_of_accounts: pd.DataFrame, day: pd.Timestamp) -> float:
    """The bank accounts' lines of the latest balance sheet on or before ``day``."""
    _require(balance_sheet, ("date", "section", "account_id", "value", "is_leaf"), "balance sheet")
    _require(chart_of_accounts, ("id", "is_bank_account"), "chart of accounts")
    dates = balance_sheet["date"].dt.normalize()
    known = dates[(dates <= day).fillna(False)]
    if known.empty:
        return float("nan")
    banks = set(chart_of_accounts["id"][chart_of_accounts["is_bank_account"].fillna(False).astype(bool)].astype(str))
    lines = (
        (dates == known.max()) & (balance_sheet["section"].astype("string") == "assets") & balance_sheet["is_leaf"].astype(bool)
        & balance_sheet["account_id"].astype("string").isin(banks)
    ).fillna(False).to_numpy(dtype=bool)  # fmt: skip
    return float(pd.to_numeric(balance_sheet["value"]).to_numpy()[lines].sum())


def _require(frame: Any, columns: tuple[str, ...], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"Expected the {what} as a DataFrame (codat_nb.frames); got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(f"The {what} frame lacks the column(s) {', '.join(missing)}: build it with codat_nb.frames.")


def _day(value: Any, what: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT or value is None:
        raise ValidationError(f"{what} must be a date such as '2026-01-05'; got {value!r:.60}.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def _money(value: float) -> float:
    return round(value, 2) + 0.0 if value == value else float("nan")


def _ratio(numerator: float, denominator: float, digits: int) -> float:
    if not (denominator == denominator) or denominator == 0 or not (numerator == numerator):
        return float("nan")
    return round(numerator / denominator, digits) + 0.0
