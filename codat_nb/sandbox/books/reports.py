"""Balance sheet and profit and loss, summed from the ledger, in Codat's report shapes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .calendar import add_months, date_of, day_of, local_date, month_start
from .chart import SECTIONS
from .records import Reader, money

PNL_SECTIONS = (
    ("income", "Income", -1), ("costOfSales", "Cost of Sales", 1), ("expenses", "Expenses", 1),
    ("otherIncome", "Other Income", -1), ("otherExpenses", "Other Expenses", 1),
)  # fmt: skip


def periods(last_start: int, length: int, count: int) -> list[tuple[int, int]]:
    """(first day, last day) of ``count`` periods of ``length`` months, the latest starting at
    ``last_start``; latest first, as Codat lists them."""
    result = []
    for back in range(count):
        first = add_months(last_start, -back * length)
        result.append((first, add_months(first, length) - 1))
    return result


def _line(reader: Reader, index: int, value: int) -> dict[str, Any]:
    return {"accountId": reader.id("accounts", index), "name": reader.books.accounts[index].name,
            "value": money(value), "items": []}  # fmt: skip


def _group(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    total = round(sum(item["value"] for item in items), 2)
    return {"accountId": "", "name": name, "value": total, "items": items}


def profit_and_loss(reader: Reader, length: int, count: int, last_start: int) -> dict[str, Any]:
    books = reader.books
    reports = []
    for first, last in periods(last_start, length, count):
        movement = reader.snap.balances_between(first, last)
        report: dict[str, Any] = {"fromDate": local_date(first), "toDate": local_date(last)}
        values: dict[str, float] = {}
        for key, title, sign in PNL_SECTIONS:
            items = [
                _line(reader, i, sign * int(movement[i]))
                for i, account in enumerate(books.accounts)
                if SECTIONS[account.category][1] == key
            ]
            report[key] = _group(title, items)
            values[key] = report[key]["value"]
        gross = round(values["income"] - values["costOfSales"], 2)
        operating = round(gross - values["expenses"], 2)
        other = round(values["otherIncome"] - values["otherExpenses"], 2)
        report.update(grossProfit=gross, netOperatingProfit=operating, netOtherIncome=other,
                      netProfit=round(operating + other, 2))  # fmt: skip
        reports.append(report)
    return {
        "reports": reports,
        "reportBasis": "Accrual",
        "currency": books.company.currency,
        "mostRecentAvailableMonth": local_date(month_start(reader.snap.day)),
        "earliestAvailableMonth": local_date(month_start(books.spec.start)),
    }


def balance_sheet(reader: Reader, length: int, count: int, last_start: int) -> dict[str, Any]:
    books = reader.books
    reports = []
    for _, last in periods(last_start, length, count):
        day = min(last, reader.snap.day)
        balances = reader.snap.balances_between(books.spec.start, day)
        reports.append(_balance_sheet_at(reader, day, balances))
    return {
        "currency": books.company.currency,
        "reports": reports,
        "mostRecentAvailableMonth": local_date(month_start(reader.snap.day)),
        "earliestAvailableMonth": local_date(month_start(books.spec.start)),
    }


def _balance_sheet_at(reader: Reader, day: int, balances: np.ndarray) -> dict[str, Any]:
    books = reader.books
    groups: dict[str, list[dict[str, Any]]] = {"Fixed Assets": [], "Current Assets": [], "Bank": [], "Current Liabilities": []}
    equity: list[dict[str, Any]] = []
    for i, account in enumerate(books.accounts):
        statement, section, group = SECTIONS[account.category]
        if statement != "balanceSheet" or account.key == "retained":
            continue
        if section == "equity":
            equity.append(_line(reader, i, -int(balances[i])))
        elif group is not None:
            groups[group].append(_line(reader, i, int(balances[i]) if section == "assets" else -int(balances[i])))
    fy_start = _financial_year_start(books.company.financial_year_start_month, day)
    profit = [i for i, a in enumerate(books.accounts) if SECTIONS[a.category][0] == "profitAndLoss"]
    before = reader.snap.balances_between(books.spec.start, fy_start - 1) if fy_start > books.spec.start else balances * 0
    retained = -int(before[profit].sum())
    current_year = -int(balances[profit].sum()) - retained
    equity.append(_line(reader, books.account_index["retained"], retained))
    equity.append({"accountId": reader.id("currentYearEarnings", 0), "name": "Current Year Earnings",
                   "value": money(current_year), "items": []})  # fmt: skip
    current = groups["Current Assets"] + [_group("Bank", groups["Bank"])]
    assets = _group("Assets", [_group("Fixed Assets", groups["Fixed Assets"]), _group("Current Assets", current)])
    liabilities = _group("Liabilities", [_group("Current Liabilities", groups["Current Liabilities"])])
    equity_node = _group("Equity", equity)
    return {
        "date": local_date(day),
        "assets": assets,
        "liabilities": liabilities,
        "netAssets": round(assets["value"] - liabilities["value"], 2),
        "equity": equity_node,
    }


def _financial_year_start(month: int, day: int) -> int:
    today = date_of(day)
    year = today.year if today.month >= month else today.year - 1
    return day_of(today.replace(year=year, month=month, day=1))
