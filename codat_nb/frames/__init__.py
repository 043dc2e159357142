"""Codat results as tidy pandas DataFrames, in one call. Pure: no I/O.

``frame(data_type, records)`` gives the main frame: one row per record, references flattened
(``customer_id``, ``customer_name``), dtypes that fit (UTC timestamps, naive local dates, float
amounts, ordered categorical statuses, nullable integers and booleans). ``tables(data_type, records)``
adds the child frames (line items, payment allocations, addresses, ...) keyed by the parent's id,
so nothing nested is lost. Reports (balance sheet, profit and loss) become long frames.

``records`` is what the client returns: Codat's JSON dicts, or codat_nb's typed results (Company,
PullOperation, DataStatus, ...), a ``data_status`` mapping or ``SyncSettings``.
``tables_from_json`` / ``frame_from_json`` take Codat's page bodies as bytes instead and read them
with pyarrow's JSON reader, skipping Python dicts altogether (what ``Client.read_frame`` does).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from ..errors import SchemaError
from ..responses import parse_json
from ..validation import check_data_type
from . import _arrow, accounting, platform
from ._engine import Table, build
from .reports import balance_sheet_frame, profit_and_loss_frame

TABLES: dict[str, Table] = {**accounting.TABLES, **platform.TABLES}
REPORTS = {"balanceSheet": balance_sheet_frame, "profitAndLoss": profit_and_loss_frame}
_REPORT_NAMES = {"balanceSheet": "balance_sheet", "profitAndLoss": "profit_and_loss"}
#: Everything ``frame`` and ``tables`` accept as ``data_type``.
KINDS = (*TABLES, *REPORTS)


def tables(data_type: str, records: Any) -> dict[str, pd.DataFrame]:
    """The main frame (first) and every child frame, keyed ``"invoices"``, ``"invoices.line_items"``, ..."""
    if isinstance(data_type, str) and data_type in REPORTS:
        return {_REPORT_NAMES[data_type]: REPORTS[data_type](records)}
    return build(_table(data_type), _raw(records, data_type))


def frame(data_type: str, records: Any) -> pd.DataFrame:
    """Just the main frame of :func:`tables`."""
    if isinstance(data_type, str) and data_type in REPORTS:
        return REPORTS[data_type](records)
    spec = _table(data_type)
    return build(Table(spec.name, spec.columns, (), ignored=spec.known), _raw(records, data_type))[spec.name]


def tables_from_json(data_type: str, bodies: bytes | Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """:func:`tables` from Codat's JSON as it arrives: page bodies (``{"results": [...], ...}``) or
    JSON arrays of records, as bytes. The same frames as ``tables(data_type, parsed records)``."""
    return pages_to_tables(data_type, bodies)[0]


def frame_from_json(data_type: str, bodies: bytes | Iterable[bytes]) -> pd.DataFrame:
    """Just the main frame of :func:`tables_from_json`."""
    return next(iter(pages_to_tables(data_type, bodies, main_only=True)[0].values()))


def pages_to_tables(data_type: str, bodies: bytes | Iterable[bytes], main_only: bool = False) -> tuple[dict[str, pd.DataFrame], list[Any]]:
    """The frames and each page's ``totalResults`` (None where a body has none), so a reader can
    tell the pages came from one version of the data."""
    if isinstance(data_type, str) and data_type in REPORTS:
        return tables(data_type, _parse_all(_bodies(bodies), data_type)), []
    spec = _table(data_type)
    if main_only:
        spec = Table(spec.name, spec.columns, (), ignored=spec.known)
    bodies = _bodies(bodies)
    try:
        records, totals = _arrow.read_records(spec, bodies)
        return _arrow.build(spec, records), totals
    except _arrow.Unsupported:  # JSON that pyarrow can't read exactly as the dict route would
        pages = [_parse(body) for body in bodies]
        totals = [page.get("totalResults") if isinstance(page, dict) else None for page in pages]
        return build(spec, [r for page in pages for r in _raw(page, data_type)]), totals


def _bodies(bodies: Any) -> Sequence[bytes]:
    if isinstance(bodies, (bytes, bytearray, memoryview)):
        return [bytes(bodies)]
    if isinstance(bodies, str) or not isinstance(bodies, Iterable):
        raise SchemaError(f"Expected Codat's JSON as bytes (a page body, or a list of them), got {type(bodies).__name__}.")
    bodies = list(bodies)
    wrong = next((b for b in bodies if not isinstance(b, (bytes, bytearray, memoryview))), None)
    if wrong is not None:
        raise SchemaError(f"Expected each page body as bytes (response.content), got {type(wrong).__name__}: {wrong!r:.60}")
    return [bytes(b) for b in bodies]


def _parse(body: bytes) -> Any:
    try:
        return parse_json(body)
    except ValueError as exc:
        raise SchemaError(f"A page body is not JSON ({exc}): pass response.content of a Codat read.") from None


def _parse_all(bodies: Sequence[bytes], data_type: str) -> Any:
    if len(bodies) != 1:
        raise SchemaError(f"{data_type} is one report: pass its one body, not {len(bodies)}.")
    return _parse(bodies[0])


def _table(data_type: str) -> Table:
    return TABLES[check_data_type(data_type, KINDS)]


def _raw(records: Any, data_type: str) -> list[dict[str, Any]]:
    """Codat JSON dicts from whatever the client returned."""
    if hasattr(records, "settings") and not isinstance(records, Mapping):  # SyncSettings
        records = records.settings
    if isinstance(records, Mapping):
        if "results" in records and isinstance(records["results"], list):  # one page of Codat's JSON
            records = records["results"]
        elif data_type == "company" or "id" in records:
            records = [records]
        else:  # data_status's {dataType: DataStatus}
            records = list(records.values())
    if isinstance(records, (str, bytes)) or not isinstance(records, Iterable):
        raise SchemaError(f"Expected a list of {data_type} records (as the client returns them), got {type(records).__name__}.")
    return [_plain(getattr(r, "raw", r)) for r in records]


def _plain(value: Any) -> Any:
    """Typed records keep their JSON read-only (mappingproxy); frames read plain dicts and lists.
    Codat's own JSON (already plain dicts) is passed through as it is, uncopied."""
    if value.__class__ is dict:
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) if isinstance(v, Mapping) else _plain_list(v) for k, v in value.items()}
    return value


def _plain_list(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value


def _named(data_type: str):  # -> Callable[[Any], pd.DataFrame]
    def main_frame(records: Any) -> pd.DataFrame:
        return frame(data_type, records)

    main_frame.__name__ = f"{TABLES[data_type].name}_frame"
    main_frame.__doc__ = f"Codat's {data_type} as a DataFrame, one row per record (see :func:`frame`)."
    return main_frame


companies_frame = _named("companies")
connections_frame = _named("connections")
integrations_frame = _named("integrations")
pull_operations_frame = _named("pullOperations")
data_status_frame = _named("dataStatus")
sync_settings_frame = _named("syncSettings")
invoices_frame = _named("invoices")
credit_notes_frame = _named("creditNotes")
bills_frame = _named("bills")
customers_frame = _named("customers")
suppliers_frame = _named("suppliers")
payments_frame = _named("payments")
bill_payments_frame = _named("billPayments")
items_frame = _named("items")
tax_rates_frame = _named("taxRates")
tracking_categories_frame = _named("trackingCategories")
journal_entries_frame = _named("journalEntries")
chart_of_accounts_frame = _named("chartOfAccounts")
bank_accounts_frame = _named("bankAccounts")
bank_transactions_frame = _named("bankTransactions")
company_info_frame = _named("company")

__all__ = [
    "KINDS", "balance_sheet_frame", "bank_accounts_frame", "bank_transactions_frame", "bill_payments_frame", "bills_frame",
    "chart_of_accounts_frame", "companies_frame", "company_info_frame", "connections_frame", "credit_notes_frame",
    "customers_frame", "data_status_frame", "frame", "integrations_frame", "invoices_frame", "items_frame",
    "journal_entries_frame", "payments_frame", "profit_and_loss_frame", "pull_operations_frame", "suppliers_frame",
    "sync_settings_frame", "tables", "tables_from_json", "frame_from_json", "tax_rates_frame", "tracking_categories_frame",
]  # fmt: skip
