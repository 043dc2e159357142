"""Reading each company's synced data into frames with an AsyncClient, and writing the portfolio as one hive dataset."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from .. import frames
from ..client import AsyncClient
from ..errors import ValidationError
from ..export import EXPORTABLE_DATA_TYPES, ExportResult, write_tables
from ..records import Company, DataStatus
from ..validation import check_data_type, check_positive_int
from .onboarding import Onboarded

#: The data types the metrics need (summary_frame): read whatever else you like besides.
METRIC_DATA_TYPES: tuple[str, ...] = ("company", "chartOfAccounts", "invoices", "balanceSheet", "profitAndLoss")
_REPORTS = {"balanceSheet": "balance_sheet", "profitAndLoss": "profit_and_loss"}
_BANK_TYPES = ("bankAccounts", "bankTransactions")
COMPLETE = "Complete"


@dataclass(frozen=True)
class Books:
    """One company's synced data as frames, keyed as :func:`codat_nb.frames.tables` names them.

    ``tables`` holds each data type read (``invoices``, ``invoices.line_items``, ...,
    ``profit_and_loss``, ``balance_sheet``, ``company``), plus ``companies`` (the company and its
    connections) and ``data_status``, as :func:`codat_nb.export.export_company` writes them.
    ``skipped`` says why each data type asked for was not read (its sync was not Complete).
    """

    company: Company
    statuses: Mapping[str, DataStatus] = field(hash=False)
    tables: Mapping[str, pd.DataFrame] = field(hash=False, repr=False)
    skipped: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise ValidationError(
                f"The books of {self.company.name!r} have no table {name!r}"
                + (f" ({self.skipped[_data_type_of(name)]})" if _data_type_of(name) in self.skipped else "")
                + f"; they have {', '.join(self.tables)}."
            ) from None

    @property
    def base_currency(self) -> str | None:
        """The company's base currency (``company_info``'s ``baseCurrency``), else its reports' currency."""
        for name, column in (("company", "base_currency"), ("profit_and_loss", "currency"), ("balance_sheet", "currency")):
            table = self.tables.get(name)
            if table is not None and column in table.columns:
                found = table[column].dropna()
                if len(found):
                    return str(found.iloc[0]).strip().upper()
        return None

    def __repr__(self) -> str:
        return f"Books({self.company.name!r}, {len(self.tables)} tables)"


def _data_type_of(table: str) -> str:
    main = table.split(".", 1)[0]
    names = {"profit_and_loss": "profitAndLoss", "balance_sheet": "balanceSheet", "chart_of_accounts": "chartOfAccounts"}
    return names.get(main, main)


async def read_books(
    client: AsyncClient,
    company_id: str,
    data_types: Iterable[str] | None = None,
    *,
    connection_id: str | None = None,
    report_months: int = 13,
    page_size: int = 5000,
) -> Books:
    """Every synced data type of one company as frames, read concurrently (the client caps requests in flight).

    Args:
        client: a :class:`codat_nb.AsyncClient`.
        company_id: the company (a UUID).
        data_types: the data types to read (default: every type codat_nb exports); each is read
            only if its latest sync is Complete, else it is listed in ``skipped``.
        connection_id: the accounting connection, if known: saves a request for the bank types.
        report_months: monthly periods of profit and loss and balance sheet, latest first (1-60; 13
            covers the current month and the twelve full months before it).
        page_size: records per page (1-5000): bigger pages cost fewer of the day's requests.

    Returns:
        :class:`Books`: ``company``, ``statuses`` (dataStatus), ``tables`` and ``skipped``.
    """
    wanted = _wanted(data_types)
    report_months = check_positive_int(report_months, "report_months", 1, 60)
    company, statuses = await asyncio.gather(client.get_company(company_id), client.data_status(company_id))
    plan = [t for t in wanted if getattr(statuses.get(t), "current_status", None) == COMPLETE]
    skipped = {t: _why_skipped(statuses.get(t)) for t in wanted if t not in plan}
    reads = await _all(_read(client, company.id, t, connection_id, report_months, page_size) for t in plan)
    tables: dict[str, pd.DataFrame] = {}
    tables.update(frames.tables("companies", [company]))
    tables.update(frames.tables("dataStatus", statuses))
    for read in reads:
        tables.update(read)
    return Books(company, MappingProxyType(dict(statuses)), MappingProxyType(tables), MappingProxyType(skipped))


def _wanted(data_types: Iterable[str] | None) -> tuple[str, ...]:
    if data_types is None:
        return EXPORTABLE_DATA_TYPES
    names = [data_types] if isinstance(data_types, str) else list(data_types)
    checked = tuple(dict.fromkeys(check_data_type(name, EXPORTABLE_DATA_TYPES) for name in names))
    if not checked:
        raise ValidationError("data_types is empty: leave it out (None) to read every synced data type, or name some.")
    return checked


def _why_skipped(status: DataStatus | None) -> str:
    if status is None:
        return "never synced (Codat's dataStatus does not list it)"
    return f"its latest sync is {status.current_status or 'not started'}, not {COMPLETE}"


async def _read(
    client: AsyncClient, company_id: str, data_type: str, connection_id: str | None, months: int, page_size: int
) -> dict[str, pd.DataFrame]:
    if data_type in _REPORTS:
        report = await getattr(client, _REPORTS[data_type])(company_id, periods_to_compare=months)
        return frames.tables(data_type, report)
    if data_type == "company":
        return frames.tables("company", await client.company_info(company_id))
    options: dict[str, Any] = {"page_size": page_size}
    if connection_id is not None and data_type in _BANK_TYPES:
        options["connection_id"] = connection_id
    return await client.read_tables(company_id, data_type, **options)


async def read_portfolio(
    client: AsyncClient,
    companies: Iterable[Onboarded | Company],
    data_types: Iterable[str] | None = None,
    *,
    companies_at_once: int = 2,
    on_read: Callable[[Books], Any] | None = None,
    **options: Any,
) -> list[Books]:
    """:func:`read_books` for every company, a few companies at a time; in the order given.

    Each company's data types are read concurrently, so two companies at a time already keep
    the client's 10 request slots busy; more would only hold more companies' pages in memory at
    once. ``on_read(books)`` is called as each company is done. ``options`` go to read_books.

    Raises:
        ValidationError: a company that failed to onboard (read the ones with ``.ok``), or a bad option.
    """
    companies_at_once = check_positive_int(companies_at_once, "companies_at_once", 1, 50)
    targets = [_target(item) for item in companies]
    slots = asyncio.Semaphore(companies_at_once)

    async def one(company_id: str, connection_id: str | None) -> Books:
        async with slots:
            books = await read_books(client, company_id, data_types, connection_id=connection_id, **options)
        if on_read is not None:
            on_read(books)
        return books

    return await _all(one(company_id, connection_id) for company_id, connection_id in targets)


async def _all(calls: Iterable[Any]) -> list[Any]:
    """Run the calls as one TaskGroup (the first failure cancels the rest); their results in order.

    The failure itself is raised, not a group of one, so ``except CodatError`` works around it."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def _target(item: Onboarded | Company) -> tuple[str, str | None]:
    if isinstance(item, Onboarded):
        if not item.ok or item.company is None:
            raise ValidationError(f"{item.spec.name!r} did not onboard ({item.error}): read only the companies with .ok, or onboard it again.")
        return item.company.id, item.connection.id if item.connection is not None else None
    if isinstance(item, Company):
        return item.id, None
    raise ValidationError(f"read_portfolio takes Onboarded results or Company records; got {type(item).__name__}.")


async def fetch_statuses(client: AsyncClient, companies: Iterable[Company]) -> list[tuple[Company, dict[str, DataStatus]]]:
    """Each company with its dataStatus now (one request each, concurrently): what freshness_frame takes."""
    companies = list(companies)
    wrong = next((c for c in companies if not isinstance(c, Company)), None)
    if wrong is not None:
        raise ValidationError(f"fetch_statuses takes Company records (e.g. result.company); got {type(wrong).__name__}.")
    statuses = await asyncio.gather(*(client.data_status(c.id) for c in companies))
    return list(zip(companies, statuses))


async def export_portfolio(
    portfolio: Iterable[Books], out_dir: str | os.PathLike[str], format: str = "parquet"  # noqa: A002 - as write_tables
) -> list[ExportResult]:
    """Write every company's tables to ``out_dir`` as ONE hive-partitioned dataset (``codat_nb.export.write_tables``).

    ``out_dir/<table>/company_id=<id>/part-0.parquet`` for every table of every company, so
    ``read_parquet('out_dir/invoices/*/*.parquet', hive_partitioning = true)`` reads the whole
    portfolio's invoices with ``company_id`` from the folder names. The files are written in a
    worker thread (``asyncio.to_thread``), keeping the event loop free, one company after the
    other: write_tables checks the folder while it writes, which another company's staging folder,
    appearing and vanishing beside it, would upset.

    Returns:
        One :class:`codat_nb.export.ExportResult` per company, in the order given.

    Raises:
        ValidationError: not Books, no companies, or what write_tables refuses (a bad folder or format).
    """
    portfolio = list(portfolio)
    wrong = next((b for b in portfolio if not isinstance(b, Books)), None)
    if wrong is not None:
        raise ValidationError(f"export_portfolio takes the Books that read_portfolio returns; got {type(wrong).__name__}.")
    if not portfolio:
        raise ValidationError("export_portfolio got no companies: pass read_portfolio(...)'s result.")
    results = []
    for books in portfolio:
        results.append(await asyncio.to_thread(write_tables, dict(books.tables), out_dir, books.company.id, format))
    return results
