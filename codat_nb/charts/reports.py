"""Financial report charts: a profit-and-loss waterfall and the balance sheet's composition."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..errors import ValidationError
from ._common import BLUE, GREEN, RED, amount_title, dates, empty_figure, first_text, layout, numbers, require_frame, to_timestamp

_PNL_HINT = "Pass frames.profit_and_loss_frame(client.profit_and_loss(company_id))."
_BS_HINT = "Pass frames.balance_sheet_frame(client.balance_sheet(company_id))."
_CENT = 0.005

#: The waterfall's steps: (section, label, sign); a sign of 0 marks a total.
_PNL_STEPS = (
    ("income", "Income", 1), ("costOfSales", "Cost of sales", -1), ("grossProfit", "Gross profit", 0),
    ("expenses", "Expenses", -1), ("netOperatingProfit", "Net operating profit", 0),
    ("otherIncome", "Other income", 1), ("otherExpenses", "Other expenses", -1), ("netProfit", "Net profit", 0),
)  # fmt: skip
#: Segment colours per balance sheet side, so assets, liabilities and equity read apart.
_SHADES = {
    "assets": ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef"),
    "liabilities": ("#a50f15", "#de2d26", "#fb6a4a", "#fc9272", "#fcbba1"),
    "equity": ("#006d2c", "#31a354", "#74c476", "#a1d99b", "#c7e9c0"),
}


def profit_and_loss_waterfall_figure(pnl: pd.DataFrame, period: Any = None, *, detail: bool = False) -> go.Figure:
    """How income becomes net profit in one period: income, less cost of sales, gross profit (a total),
    less expenses, net operating profit (a total), other income and expenses, net profit (a total).

    The totals are Codat's own figures. If one differs from the sum of the steps before it (a
    report that does not add up), it is drawn as an absolute bar at Codat's value rather than
    silently replaced by the sum.

    Args:
        pnl: a profit-and-loss frame (long: ``from_date``, ``to_date``, ``section``, ``level``,
            ``line``, ``value``, ``currency``).
        period: any date inside the period to show (``"2025-12"``, a date, a Timestamp). Default:
            the latest period.
        detail: one step per level-1 line (each expense account) instead of one per section.

    Raises:
        ValidationError: a column is missing, or no period contains ``period``.
    """
    caller = "profit_and_loss_waterfall_figure"
    require_frame(pnl, ["from_date", "to_date", "section", "level", "value"], caller=caller, what="a profit-and-loss frame", hint=_PNL_HINT)
    if pnl.empty:
        return empty_figure("Profit and loss", "No profit and loss report yet")
    rows, start, end = _pick_period(pnl, period, caller)
    x, y, measure = _pnl_steps(rows, detail, caller)
    currency = first_text(rows["currency"]) if "currency" in rows.columns else None
    figure = go.Figure(layout=layout(f"Profit and loss, {start:%Y-%m-%d} to {end:%Y-%m-%d}", showlegend=False))
    figure.add_trace(go.Waterfall(
        name="Profit and loss", x=x, y=y, measure=measure, textposition="outside", texttemplate="%{y:,.0f}",
        increasing={"marker": {"color": GREEN}}, decreasing={"marker": {"color": RED}}, totals={"marker": {"color": BLUE}},
        connector={"line": {"color": "#9e9e9e", "width": 1}},
        hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
    ))  # fmt: skip
    figure.update_xaxes(type="category", title_text=None)
    figure.update_yaxes(title_text=amount_title("Amount", currency), tickformat=",.0f")
    return figure


def _pick_period(pnl: pd.DataFrame, period: Any, caller: str) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    start, end = dates(pnl, "from_date", caller).dt.normalize(), dates(pnl, "to_date", caller).dt.normalize()
    periods = sorted(set(zip(start.dropna(), end.dropna())), key=lambda p: (p[1], p[0]), reverse=True)
    if not periods:
        raise ValidationError(f"{caller}: the frame's from_date/to_date are empty, so it names no period. {_PNL_HINT}")
    if period is None:
        chosen = periods[0]
    else:
        day = to_timestamp(period, "period", caller).normalize()
        inside = [p for p in periods if p[0] <= day <= p[1]]
        if not inside:
            shown = ", ".join(f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in periods[:6]) + (", ..." if len(periods) > 6 else "")
            raise ValidationError(f"{caller}: no period contains {day:%Y-%m-%d}; the report has {shown}. Pass a date inside one.")
        chosen = inside[0]
    mask = ((start == chosen[0]) & (end == chosen[1])).to_numpy(dtype=bool)
    return pnl[mask], chosen[0], chosen[1]


def _pnl_steps(rows: pd.DataFrame, detail: bool, caller: str) -> tuple[list[str], list[float], list[str]]:
    """The waterfall's x, y and measure: signed steps, and Codat's totals checked against their sum."""
    section = rows["section"].astype("string").fillna("").to_numpy(dtype=object)
    level = pd.to_numeric(rows["level"]).fillna(-1).to_numpy()
    value = numbers(rows, "value", caller).fillna(0.0).to_numpy()
    names = rows["line"].astype("string").fillna("").to_numpy(dtype=object) if "line" in rows.columns else None
    x: list[str] = []
    y: list[float] = []
    measure: list[str] = []
    running = 0.0
    for key, label, sign in _PNL_STEPS:
        top = (section == key) & (level == 0)
        if sign == 0:  # a total: Codat's figure, or the running sum when the report lacks it
            total = round(float(value[top].sum()), 2) if top.any() else round(running, 2)
            x.append(label)
            y.append(total)
            measure.append("total" if abs(total - running) < _CENT else "absolute")
            running = total
            continue
        parts = (section == key) & (level == 1)
        if detail and names is not None and parts.any():
            steps = [(str(n) or label, float(v)) for n, v in zip(names[parts], value[parts]) if abs(v) >= _CENT]
        else:
            steps = [(label, float(value[top].sum()))] if top.any() else []
        for name, amount in steps:
            x.append(_unique(name, label, x))
            y.append(round(sign * amount, 2) + 0.0)  # + 0.0: no "-0.0" in the stored JSON
            measure.append("relative")
            running += sign * amount
    return x, y, measure


def _unique(name: str, section: str, taken: list[str]) -> str:
    """Waterfall x values are categories: two lines with one name would merge into one bar."""
    return name if name not in taken else f"{name} ({section.lower()})"


def balance_sheet_composition_figure(balance_sheet: pd.DataFrame, date: Any = None) -> go.Figure:
    """What the company owns against how it is funded, at one date: two stacked bars.

    Assets on the left and liabilities plus equity on the right, each made of its level-1 lines
    (Fixed Assets, Current Assets, Current Liabilities, Retained Earnings, ...), so the two
    columns stand equal when the books balance. A section whose lines do not add up to its
    total gets an "Other ..." segment for the difference; negative lines stack below zero.

    Args:
        balance_sheet: a balance-sheet frame (long: ``date``, ``section``, ``level``, ``line``,
            ``value``, ``currency``).
        date: the report date to show (``"2025-12-31"``, a date, a Timestamp). Default: the latest.

    Raises:
        ValidationError: a column is missing, or there is no report at ``date``.
    """
    caller = "balance_sheet_composition_figure"
    require_frame(balance_sheet, ["date", "section", "level", "line", "value"], caller=caller, what="a balance-sheet frame", hint=_BS_HINT)
    if balance_sheet.empty:
        return empty_figure("Balance sheet", "No balance sheet yet")
    when = dates(balance_sheet, "date", caller).dt.normalize()
    available = sorted({pd.Timestamp(d) for d in when.dropna()}, reverse=True)
    if date is None:
        day = available[0] if available else None
    else:
        day = to_timestamp(date, "date", caller).normalize()
    if day is None or day not in available:
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in available[:8]) + (", ..." if len(available) > 8 else "")
        raise ValidationError(f"{caller}: there is no balance sheet at {date!r}; the frame has {shown or 'no dates'}.")
    rows = balance_sheet[(when == day).to_numpy(dtype=bool)]
    currency = first_text(rows["currency"]) if "currency" in rows.columns else None
    figure = go.Figure(layout=layout(f"Balance sheet at {day:%Y-%m-%d}", barmode="relative", legend={"traceorder": "grouped"}))
    for section, column in (("assets", "Assets"), ("liabilities", "Liabilities and equity"), ("equity", "Liabilities and equity")):
        for index, (line, amount) in enumerate(_segments(rows, section, caller)):
            figure.add_trace(go.Bar(
                name=line, x=[column], y=[amount], legendgroup=section, legendgrouptitle={"text": section.capitalize()},
                marker={"color": _SHADES[section][index % len(_SHADES[section])]},
                hovertemplate=f"{section.capitalize()}: %{{fullData.name}} %{{y:,.2f}}<extra></extra>",
            ))  # fmt: skip
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=["Assets", "Liabilities and equity"], title_text=None)
    figure.update_yaxes(title_text=amount_title("Amount", currency), tickformat=",.0f")
    return figure


def _segments(rows: pd.DataFrame, section: str, caller: str) -> list[tuple[str, float]]:
    """A section's level-1 lines, plus "Other <section>" for whatever they leave of its total."""
    mine = rows[(rows["section"].astype("string") == section).fillna(False).to_numpy(dtype=bool)]
    level = pd.to_numeric(mine["level"]).fillna(-1).to_numpy()
    value = numbers(mine, "value", caller).fillna(0.0).to_numpy()
    names = mine["line"].astype("string").fillna("").to_numpy()
    lines = [(str(name), round(float(v), 2)) for name, v in zip(names[level == 1], value[level == 1])]
    total = round(float(value[level == 0].sum()), 2) if (level == 0).any() else round(sum(v for _, v in lines), 2)
    rest = round(total - sum(v for _, v in lines), 2)
    if abs(rest) >= 0.01 or not lines:
        lines.append((f"Other {section}" if lines else section.capitalize(), rest))
    return lines
