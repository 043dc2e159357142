"""Exporting one company: read each synced data type with the client, build its frames, write them."""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

from .. import frames
from ..errors import ValidationError
from ..validation import DATA_TYPES, check_data_type, check_positive_int, check_uuid
from ._layout import check_format, check_out_dir, folder_of
from ._result import ExportResult
from ._writer import PartitionWriter

#: The Codat data types an export can write, in the order they are read (reference data first).
EXPORTABLE_DATA_TYPES: tuple[str, ...] = (
    "company", "chartOfAccounts", "taxRates", "trackingCategories", "items", "customers", "suppliers",
    "invoices", "creditNotes", "payments", "bills", "billPayments", "journalEntries", "bankAccounts",
    "bankTransactions", "balanceSheet", "profitAndLoss",
)  # fmt: skip
REPORT_READERS = {"balanceSheet": "balance_sheet", "profitAndLoss": "profit_and_loss"}
COMPLETE = "Complete"


def check_data_types(data_types: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """The data types asked for, once each, in order; an unknown one names the nearest exportable type."""
    if data_types is None:
        return None
    if isinstance(data_types, str):
        data_types = [data_types]
    checked: list[str] = []
    for data_type in data_types:
        if isinstance(data_type, str) and data_type in DATA_TYPES and data_type not in EXPORTABLE_DATA_TYPES:
            raise ValidationError(
                f"{data_type} is a Codat data type that codat_nb cannot export yet; it exports "
                f"{', '.join(EXPORTABLE_DATA_TYPES)}."
            )
        checked.append(check_data_type(data_type, EXPORTABLE_DATA_TYPES))
    if not checked:
        raise ValidationError("data_types is empty: leave it out (None) to export every synced data type.")
    return tuple(dict.fromkeys(checked))


def export_company(
    client: Any,
    company_id: str,
    out_dir: str | os.PathLike[str],
    data_types: Iterable[str] | None = None,
    format: str = "parquet",  # noqa: A002 - the word users reach for; mirrors the CLI's --format
    *,
    report_periods: int = 12,
    on_progress: Callable[[str], Any] | None = None,
) -> ExportResult:
    """Write a company's frames and child frames to ``out_dir``, one hive partition per table.

    Each table goes to ``out_dir/<table>/company_id=<company_id>/part-0.<format>`` (child tables such
    as ``invoices.line_items`` in ``invoices__line_items``), so a folder of several companies reads as
    one dataset in DuckDB, Spark, Dask or pyarrow, with ``company_id`` taken from the path. The
    company's earlier partitions of the tables written are replaced, together, once everything has
    been read and written; other companies' partitions are not touched. The tables ``companies``
    (the company and its connections) and ``data_status`` (when each type last synced) are always
    written; ``_manifests/<company_id>.json`` records what is on disk.

    Args:
        client: a :class:`codat_nb.Client` (the real API, a served Sandbox, or ``Sandbox().client()``).
        company_id: the company's id (a UUID).
        out_dir: the export folder; created if missing.
        data_types: Codat data types to export, e.g. ``["invoices", "bills"]``; by default every
            exportable type that Codat's dataStatus lists. A type whose latest sync is not Complete
            is skipped (and its earlier export left as it was); the result says why.
        format: ``"parquet"`` (dtypes kept: UTC timestamps, categoricals, nullable ints and booleans)
            or ``"csv"`` (ISO 8601 times with their UTC offset, true/false, empty for missing).
        report_periods: months of balance sheet and profit and loss to export (1-60).
        on_progress: called with each data type's name before it is read.

    Returns:
        An :class:`ExportResult`: the files written with their row counts, and what was skipped.

    Raises:
        ValidationError: a bad argument (before anything is read or written).
        CodatError: the API refused (e.g. NotFoundError for an unknown company); nothing was written.

    Example:
        >>> result = export_company(client, company.id, "exports")       # doctest: +SKIP
        >>> duckdb.sql("SELECT company_id, count(*) FROM read_parquet('exports/invoices/*/*.parquet', "
        ...            "hive_partitioning = true) GROUP BY ALL")            # doctest: +SKIP
    """
    company_id = check_uuid(company_id, "company_id")
    fmt = check_format(format)
    wanted = check_data_types(data_types)
    out = check_out_dir(out_dir, fmt)
    report_periods = check_positive_int(report_periods, "report_periods", 1, 60)
    if not callable(getattr(client, "list_records", None)) or _is_async(client):
        raise ValidationError(f"client must be a codat_nb.Client (export reads synchronously); got {type(client).__name__}.")

    company = client.get_company(company_id)  # a 404 ends here, before anything is written
    statuses = client.data_status(company_id)
    plan, skipped = _plan(wanted, statuses)
    writer = PartitionWriter(out, company_id, fmt)
    replaces: dict[str, str] = {}
    try:
        for kind, records in (("companies", [company]), ("dataStatus", statuses)):
            _add(writer, kind, records, replaces)
        for data_type in plan:
            if on_progress is not None:
                on_progress(data_type)
            _add(writer, data_type, _read(client, company_id, data_type, report_periods), replaces)
        return writer.commit(replaces, skipped, company.name)
    finally:
        writer.discard()


def _plan(wanted: tuple[str, ...] | None, statuses: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The data types to read, and the reason each other one is left out."""
    skipped: dict[str, str] = {}
    if wanted is None:
        for data_type in statuses:
            if data_type not in EXPORTABLE_DATA_TYPES:
                skipped[data_type] = "codat_nb has no frames for it yet"
        wanted = tuple(t for t in EXPORTABLE_DATA_TYPES if t in statuses)
    plan = []
    for data_type in wanted:
        status = statuses.get(data_type)
        current = getattr(status, "current_status", None)
        if status is None:
            skipped[data_type] = "never synced (Codat's dataStatus does not list it)"
        elif current != COMPLETE:
            skipped[data_type] = f"its latest sync is {current or 'not started'}, not {COMPLETE}"
        else:
            plan.append(data_type)
    return plan, dict(sorted(skipped.items(), key=lambda item: _order(item[0])))


def _order(data_type: str) -> tuple[int, str]:
    known = EXPORTABLE_DATA_TYPES.index(data_type) if data_type in EXPORTABLE_DATA_TYPES else len(EXPORTABLE_DATA_TYPES)
    return known, data_type


def _read(client: Any, company_id: str, data_type: str, periods: int) -> Any:
    if data_type in REPORT_READERS:
        return getattr(client, REPORT_READERS[data_type])(company_id, periods_to_compare=periods)
    if data_type == "company":
        return client.company_info(company_id)
    return client.list_records(company_id, data_type, page_size=1000)


def _add(writer: PartitionWriter, data_type: str, records: Any, replaces: dict[str, str]) -> None:
    built = frames.tables(data_type, records)
    main = next(iter(built))
    replaces[folder_of(main)] = data_type
    for name, frame in built.items():
        writer.add(name, frame, data_type)


def _is_async(client: Any) -> bool:
    from ..client import AsyncClient

    return isinstance(client, AsyncClient)
