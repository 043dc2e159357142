"""Sales and purchases charts from invoices and bills: monthly totals, receivables aging, top customers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ValidationError
from ._common import (
    BLUE, GREEN, RED, amount_title, base_currency_of, dates, empty_figure, in_base_currency, layout, numbers, require_frame, to_timestamp,
)  # fmt: skip

#: Documents that are not (yet) sales or purchases: Codat's Void (cancelled, deleted, written off) and Draft.
NOT_BOOKED = ("Void", "Draft")
#: Days overdue on the due date: Current is not yet overdue.
AGING_BUCKETS = ("Current", "1-30", "31-60", "61-90", "90+")
AGING_COLORS = (GREEN, "#bcbd22", "#ffa600", "#ff6b00", RED)
_INVOICES_HINT = "Pass frames.invoices_frame(client.list_records(company_id, 'invoices'))."
_BILLS_HINT = "Pass frames.bills_frame(client.list_records(company_id, 'bills'))."


def monthly_invoiced_vs_billed_figure(
    invoices: pd.DataFrame, bills: pd.DataFrame, *, base_currency: str | None = None, amount: str = "total_amount"
) -> go.Figure:
    """Sales invoiced and purchases billed per month of issue, side by side, with the difference as a line.

    Void and Draft documents are left out. Every month between the first and the last is shown,
    so a month with nothing stands out instead of vanishing. Amounts in another currency are
    converted to the base currency as Codat defines ``currencyRate``: base = amount x rate.

    Args:
        invoices: an invoices frame (``issue_date``, ``status``, ``amount``; ``currency`` and
            ``currency_rate`` for multi-currency books).
        bills: a bills frame with the same columns.
        base_currency: the company's base currency (``company_info``'s ``baseCurrency``); needed
            only when the books hold several currencies and the rates do not show which is base.
        amount: ``total_amount`` (with tax, the default) or ``sub_total`` (before tax).

    Raises:
        ValidationError: a frame is missing a column, or foreign amounts cannot be converted.
    """
    caller = "monthly_invoiced_vs_billed_figure"
    columns = ["issue_date", "status", amount]
    require_frame(invoices, columns, caller=caller, what="an invoices frame", hint=_INVOICES_HINT)
    require_frame(bills, columns, caller=caller, what="a bills frame", hint=_BILLS_HINT)
    invoices, bills = _booked(invoices), _booked(bills)
    title = "Invoiced vs billed per month"
    if invoices.empty and bills.empty:
        return empty_figure(title, "No invoices or bills yet")
    base = base_currency_of([invoices, bills], base_currency, "invoices and bills", caller)
    sold = _monthly(invoices, amount, base, "invoices", caller)
    bought = _monthly(bills, amount, base, "bills", caller)
    first, last = min(s.index.min() for s in (sold, bought) if len(s)), max(s.index.max() for s in (sold, bought) if len(s))
    months = [str(m) for m in pd.period_range(first, last, freq="M")]
    sold, bought = sold.reindex(months, fill_value=0.0), bought.reindex(months, fill_value=0.0)
    net = (sold - bought).round(2)
    money = "%{y:,.2f}" + (f" {base}" if base else "")
    figure = go.Figure(layout=layout(title, barmode="group", hovermode="x unified"))
    figure.add_trace(go.Bar(name="Invoiced", x=months, y=sold.tolist(), marker={"color": BLUE}, hovertemplate=money))
    figure.add_trace(go.Bar(name="Billed", x=months, y=bought.tolist(), marker={"color": "#ff7f0e"}, hovertemplate=money))
    figure.add_trace(go.Scatter(
        name="Invoiced - billed", x=months, y=net.tolist(), mode="lines+markers", line={"color": "#444444", "width": 2}, hovertemplate=money,
    ))  # fmt: skip
    figure.update_xaxes(type="category", title_text="Month of issue")
    figure.update_yaxes(title_text=amount_title("Amount", base), tickformat=",.0f")
    return figure


def _booked(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["status"].astype("string").isin(NOT_BOOKED).fillna(False).astype(bool)]


def _monthly(frame: pd.DataFrame, amount: str, base: str | None, what: str, caller: str) -> pd.Series:
    """Sums per month, indexed "YYYY-MM", in the base currency."""
    if frame.empty:
        return pd.Series(dtype="float64")
    issued = dates(frame, "issue_date", caller).to_numpy()
    known = ~pd.isna(issued)
    months = np.datetime_as_string(issued[known].astype("datetime64[M]"), unit="M")
    values = in_base_currency(frame, amount, base, what, caller).to_numpy()[known]
    return pd.Series(values).groupby(months, sort=True).sum().round(2)


def receivables_aging_figure(
    invoices: pd.DataFrame, as_of: Any = None, *, base_currency: str | None = None
) -> go.Figure:
    """What customers owe, by how many days past due: Current, 1-30, 31-60, 61-90 and 90+ days.

    Counts ``amount_due`` on invoices still owed (not Paid, Void or Draft). An invoice without a
    due date is taken as due on its issue date. ``amount_due`` is what is owed at the sync, so
    with an ``as_of`` in the past, invoices paid since then are not counted.

    Args:
        invoices: an invoices frame (``issue_date``, ``due_date``, ``amount_due``, ``status``).
        as_of: the day to age at. Default: the latest issue or payment date in the data, never
            today, so a stored notebook shows the same buckets when it is run again.
        base_currency: as for :func:`monthly_invoiced_vs_billed_figure`.

    Raises:
        ValidationError: a column is missing, or ``as_of`` is not a date.
    """
    caller = "receivables_aging_figure"
    require_frame(invoices, ["issue_date", "due_date", "amount_due", "status"], caller=caller, what="an invoices frame", hint=_INVOICES_HINT)
    if invoices.empty:
        return empty_figure("Accounts receivable aging", "No invoices yet")
    issued = dates(invoices, "issue_date", caller)
    day = _as_of(invoices, issued, as_of, caller)
    title = f"Accounts receivable aging at {day:%Y-%m-%d}"
    base = base_currency_of([invoices], base_currency, "invoices", caller)
    due = numbers(invoices, "amount_due", caller)
    status = invoices["status"].astype("string")
    owed = ((due > 0) & ~status.isin(("Paid", *NOT_BOOKED)).fillna(False)).to_numpy(dtype=bool)
    owed = owed & (issued.dt.normalize() <= day).fillna(False).to_numpy(dtype=bool)  # issued after as_of: not owed yet on that day
    amounts = in_base_currency(invoices[owed], "amount_due", base, "invoices", caller)
    due_on = dates(invoices, "due_date", caller)[owed].fillna(issued[owed]).dt.normalize()
    late = (day - due_on).dt.days.to_numpy()
    bucket = np.select([late <= 0, late <= 30, late <= 60, late <= 90], [0, 1, 2, 3], default=4)
    totals = [round(float(amounts.to_numpy()[bucket == i].sum()), 2) for i in range(len(AGING_BUCKETS))]
    counts = [int((bucket == i).sum()) for i in range(len(AGING_BUCKETS))]
    figure = go.Figure(layout=layout(title, showlegend=False))
    figure.add_trace(go.Bar(
        name="Amount due", x=list(AGING_BUCKETS), y=totals, marker={"color": list(AGING_COLORS)}, customdata=counts,
        texttemplate="%{y:,.0f}", textposition="outside",
        hovertemplate="%{x} days: %{y:,.2f} on %{customdata} invoices<extra></extra>",
    ))  # fmt: skip
    figure.update_xaxes(type="category", title_text="Days overdue")
    figure.update_yaxes(title_text=amount_title("Amount due", base), tickformat=",.0f")
    if not owed.any():
        figure.add_annotation(text=f"No unpaid invoices at {day:%Y-%m-%d}", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    return figure


def _as_of(invoices: pd.DataFrame, issued: pd.Series, as_of: Any, caller: str) -> pd.Timestamp:
    if as_of is not None:
        return to_timestamp(as_of, "as_of", caller).normalize()
    latest = [issued.max()]
    if "paid_on_date" in invoices.columns:
        latest.append(dates(invoices, "paid_on_date", caller).max())
    found = [stamp for stamp in latest if stamp is not pd.NaT and stamp == stamp]
    if not found:
        raise ValidationError(f"{caller}: the invoices have no issue dates to age them at; pass as_of='2025-12-31'.")
    return max(found).normalize()


def top_customers_figure(
    invoices: pd.DataFrame, n: int = 10, *, base_currency: str | None = None, amount: str = "total_amount"
) -> go.Figure:
    """The ``n`` customers with the most revenue: the sum of their invoices, Void and Draft left out.

    Args:
        invoices: an invoices frame (``customer_id`` and/or ``customer_name``, ``status``, ``amount``).
        n: how many customers to show, largest at the top.
        base_currency: as for :func:`monthly_invoiced_vs_billed_figure`.
        amount: ``total_amount`` (with tax, the default) or ``sub_total`` (before tax). Credit
            notes are not subtracted: this is what was invoiced.

    Raises:
        ValidationError: ``n`` is not a positive whole number, or a column is missing.
    """
    caller = "top_customers_figure"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValidationError(f"{caller}: n must be a whole number of customers >= 1, such as 10; got {n!r}.")
    key = "customer_id" if isinstance(invoices, pd.DataFrame) and "customer_id" in invoices.columns else "customer_name"
    require_frame(invoices, [key, "status", amount], caller=caller, what="an invoices frame", hint=_INVOICES_HINT)
    booked = _booked(invoices)
    if booked.empty:
        return empty_figure("Top customers by revenue", "No invoices yet")
    base = base_currency_of([booked], base_currency, "invoices", caller)
    ids = booked[key].astype("string").fillna("(no customer)")
    names = booked["customer_name"].astype("string") if "customer_name" in booked.columns else ids
    amounts = in_base_currency(booked, amount, base, "invoices", caller)
    revenue = pd.DataFrame({"key": ids.to_numpy(), "name": names.fillna(ids).to_numpy(), "revenue": amounts.to_numpy()})
    per = revenue.groupby("key", sort=True).agg(name=("name", "first"), revenue=("revenue", "sum")).reset_index()
    per["revenue"] = per["revenue"].round(2)
    per["share"] = (per["revenue"] / per["revenue"].sum() * 100).round(1) if per["revenue"].sum() else 0.0
    per = per.sort_values(["revenue", "name", "key"], ascending=[False, True, True], kind="stable").head(int(n))
    twice = per["name"].duplicated(keep=False)  # two customers with one name: tell them apart by id
    labels = [f"{name} ({k[:8]})" if dup else name for name, k, dup in zip(per["name"], per["key"], twice)]
    figure = go.Figure(layout=layout(f"Top {len(per)} customers by revenue", showlegend=False, height=max(300, 110 + 28 * len(per))))
    figure.add_trace(go.Bar(
        name="Revenue", orientation="h", x=per["revenue"].tolist(), y=labels, marker={"color": BLUE},
        customdata=per["share"].tolist(), texttemplate="%{x:,.0f}", textposition="auto",
        hovertemplate="%{y}: %{x:,.2f} (%{customdata}% of revenue)<extra></extra>",
    ))  # fmt: skip
    figure.update_yaxes(type="category", autorange="reversed", title_text=None)
    figure.update_xaxes(title_text=amount_title("Revenue invoiced", base), tickformat=",.0f")
    return figure

