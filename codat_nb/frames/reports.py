"""Balance sheet and profit and loss as long frames: one row per report line per period.

Codat nests report lines (``{name, accountId, value, items: [...]}``) under each section of each
period. The long frame keeps that hierarchy as ``path`` (the names from the section down,
joined by "/") and ``level`` (0 for the section's own line), so ``frame[frame.level == 1]`` is the
first level of detail and ``is_leaf`` picks the account lines that add up to everything above them.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

import pandas as pd

from ..errors import SchemaError
from ._convert import convert

BALANCE_SHEET_SECTIONS = ("assets", "liabilities", "equity", "netAssets")
#: Sections in the order a profit and loss reads, with Codat's computed figures between them.
PROFIT_AND_LOSS_SECTIONS = ("income", "costOfSales", "grossProfit", "expenses", "netOperatingProfit", "otherIncome",
                            "otherExpenses", "netOtherIncome", "netProfit")  # fmt: skip
_FIGURES = {"grossProfit": "Gross Profit", "netOperatingProfit": "Net Operating Profit", "netOtherIncome": "Net Other Income",
            "netProfit": "Net Profit", "netAssets": "Net Assets"}  # fmt: skip
_LINE_COLUMNS = ("section", "path", "level", "line", "account_id", "value", "is_leaf", "currency")


def balance_sheet_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """Codat's balance sheet (as ``client.balance_sheet`` returns it) as a long frame."""
    rows = {"date": []} | {c: [] for c in _LINE_COLUMNS}
    currency = _currency(report)
    for period in _periods(report, "balance sheet"):
        for section in BALANCE_SHEET_SECTIONS:
            for line in _section(period, section):
                rows["date"].append(period.get("date"))
                _append(rows, section, line, currency)
    return _frame(rows, {"date": "local"}, BALANCE_SHEET_SECTIONS)


def profit_and_loss_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """Codat's profit and loss (as ``client.profit_and_loss`` returns it) as a long frame; the
    computed figures (gross profit, net profit, ...) are single level-0 rows."""
    rows = {"from_date": [], "to_date": []} | {c: [] for c in _LINE_COLUMNS}
    currency = _currency(report)
    for period in _periods(report, "profit and loss"):
        for section in PROFIT_AND_LOSS_SECTIONS:
            for line in _section(period, section):
                rows["from_date"].append(period.get("fromDate"))
                rows["to_date"].append(period.get("toDate"))
                _append(rows, section, line, currency)
    return _frame(rows, {"from_date": "local", "to_date": "local"}, PROFIT_AND_LOSS_SECTIONS)


def _section(period: Mapping[str, Any], section: str) -> Iterator[tuple[str, int, str, Any, Any, bool]]:
    """A section's lines; Codat's computed figures (gross profit, net assets, ...) as one line."""
    value = period.get(section)
    if section in _FIGURES:
        if value is not None:
            yield _FIGURES[section], 0, _FIGURES[section], None, value, True
        return
    yield from _lines(value, section)


def _currency(report: Mapping[str, Any]) -> Any:
    if not isinstance(report, Mapping):
        raise SchemaError(f"Expected a Codat report (a JSON object with 'reports'), got {type(report).__name__}.")
    return report.get("currency")


def _periods(report: Mapping[str, Any], what: str) -> list[Mapping[str, Any]]:
    periods = report.get("reports")
    if not isinstance(periods, list) or not all(isinstance(p, Mapping) for p in periods):
        raise SchemaError(f"Expected a {what} report with a 'reports' list of periods; got keys {sorted(report)}.")
    return periods


def _lines(top: Any, section: str) -> Iterator[tuple[str, int, str, Any, Any, bool]]:
    """(path, level, name, account id, value, is leaf) for a line and everything under it, depth first."""
    if top is None:
        return
    stack: list[tuple[Any, str, int]] = [(top, "", 0)]
    while stack:
        line, parent, level = stack.pop()
        if not isinstance(line, Mapping):
            raise SchemaError(f"A {section} report line should be a JSON object, not {line!r:.60}.")
        name = str(line.get("name") or "")
        path = f"{parent}/{name}" if parent else name
        items = line.get("items") or []
        yield path, level, name, line.get("accountId") or None, line.get("value"), not items
        stack.extend((item, path, level + 1) for item in reversed(items))


def _append(rows: dict[str, list[Any]], section: str, line: tuple[str, int, str, Any, Any, bool], currency: Any) -> None:
    path, level, name, account, value, leaf = line
    for column, item in zip(_LINE_COLUMNS, (section, path, level, name, account, value, leaf, currency)):
        rows[column].append(item)


def _frame(rows: dict[str, list[Any]], dates: dict[str, str], sections: tuple[str, ...]) -> pd.DataFrame:
    kinds = dates | {"section": "cat", "path": "str", "level": "int", "line": "str", "account_id": "str", "value": "float",
                     "is_leaf": "bool", "currency": "str"}  # fmt: skip
    data = {name: convert(values, kinds[name], name, sections if name == "section" else ()) for name, values in rows.items()}
    data["is_leaf"] = data["is_leaf"].astype(bool)
    return pd.DataFrame(data)
