"""Reading a company's accounting records: the path of each data type, every page in order,
fetched concurrently when the running client allows, never a page twice."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from .errors import DataChangedError, SchemaError, ValidationError
from .operations import DEFAULT_PAGE_SIZE, collect, company_path, list_params, results_of
from .records import Connection
from .responses import RawBody
from .steps import Concurrency, Emit, Gather, Operation, Prefetch, Send, Take
from .validation import check_data_type, check_positive_int, check_record_id, check_uuid

#: Data types read at /companies/{id}/data/{path}.
COMPANY_PATHS = {
    "invoices": "invoices", "bills": "bills", "customers": "customers", "suppliers": "suppliers",
    "payments": "payments", "billPayments": "billPayments", "creditNotes": "creditNotes", "items": "items",
    "taxRates": "taxRates", "trackingCategories": "trackingCategories", "journalEntries": "journalEntries",
    "chartOfAccounts": "accounts", "journals": "journals", "purchaseOrders": "purchaseOrders",
    "salesOrders": "salesOrders", "billCreditNotes": "billCreditNotes", "itemReceipts": "itemReceipts",
    "paymentMethods": "paymentMethods", "directCosts": "directCosts", "directIncomes": "directIncomes",
    "transfers": "transfers", "accountTransactions": "accountTransactions",
}  # fmt: skip
CONNECTION_TYPES = ("bankAccounts", "bankTransactions")
REPORTS = {"balanceSheet": "balance_sheet", "profitAndLoss": "profit_and_loss", "cashFlowStatement": "cash_flow_statement"}
READABLE = (*COMPANY_PATHS, *CONNECTION_TYPES, "company")
#: Pages started but not yet handed to the caller, per request allowed in flight: enough that a
#: slow page does not leave the other slots idle, few enough to bound what an iterator holds.
PAGES_AHEAD_PER_SLOT = 8


def records(
    company_id: str,
    data_type: str,
    query: str | None = None,
    order_by: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    connection_id: str | None = None,
    account_id: str | None = None,
    raw: bool = False,
) -> Operation[None]:
    """Emit every record of ``data_type``, in the order Codat pages them; with ``raw``, emit each
    page's body as bytes instead (see :func:`raw_pages`)."""
    base = company_path(company_id)
    data_type = check_data_type(data_type)
    params = list_params(query, order_by, page_size)
    if data_type in REPORTS:
        raise ValidationError(f"{data_type} is a report, not a list of records: use {REPORTS[data_type]}(company_id, ...).")
    if data_type == "company":
        info = yield Send("GET", f"{base}/data/info", raw=raw)
        yield Emit([(info.content, None)] if raw else [info])
        return
    paged = raw_pages if raw else pages
    if data_type in COMPANY_PATHS:
        yield from paged(f"{base}/data/{COMPANY_PATHS[data_type]}", params)
        return
    if data_type not in CONNECTION_TYPES:
        raise ValidationError(
            f"codat_nb reads accounting data types ({', '.join(READABLE)}); {data_type} is not one of them yet."
        )
    if connection_id is None:
        connection_id = (yield from accounting_connection(company_id)).id
    banks = f"{base}/connections/{check_uuid(connection_id, 'connection_id')}/data/bankAccounts"
    if data_type == "bankAccounts":
        yield from paged(banks, params)
        return
    if account_id is not None:
        accounts = [check_record_id(account_id, "account_id")]
    else:
        accounts = [a["id"] for a in (yield from collect(pages(banks, list_params(None, None, 5000)), dict))]
    for account in accounts:
        yield from paged(f"{banks}/{quote(account, safe='')}/bankTransactions", params)


def pages(path: str, params: dict[str, Any]) -> Operation[None]:
    """Page 1, then the rest: by ``_links.next`` one at a time, or planned from ``totalResults``
    and prefetched (a sliding window, consumed in order) when the client runs requests concurrently."""
    concurrency = yield Concurrency()
    first = yield Send("GET", path, params)
    yield Emit(results_of(first, path))
    total, size = first.get("totalResults"), first.get("pageSize") or params["pageSize"]
    if concurrency <= 1 or not isinstance(total, int) or not isinstance(size, int) or size < 1:
        following = (first.get("_links") or {}).get("next")
        while following and following.get("href"):
            body = yield Send("GET", following["href"])
            yield Emit(results_of(body, path))
            following = (body.get("_links") or {}).get("next")
        return
    last = math.ceil(total / size)
    numbers = range(2, last + 1)
    yield Prefetch(tuple(Send("GET", path, {**params, "page": n}) for n in numbers), concurrency * PAGES_AHEAD_PER_SLOT)
    for number in numbers:
        body = yield Take()
        if body.get("totalResults") != total:
            raise changed_while_read(path, total, body.get("totalResults"), number)
        yield Emit(results_of(body, path))


def changed_while_read(what: str, before: Any, after: Any, number: int) -> DataChangedError:
    return DataChangedError(
        f"{what} changed while it was being read (totalResults went from {before} to {after} by page {number}): "
        "a sync probably completed; read it again."
    )


def check_page_totals(what: str, expected: list[int | None], totals: list[Any]) -> None:
    """After :func:`raw_pages`: each page's parsed totalResults against the one page 1 planned with."""
    for number, (before, after) in enumerate(zip(expected, totals), start=1):
        if before is not None and after != before:
            raise changed_while_read(what, before, after, number)


def raw_pages(path: str, params: dict[str, Any]) -> Operation[None]:
    """Each page's body unparsed, emitted as ``(body, totalResults expected)``, for frames' pyarrow
    reader, which checks the totals as it parses. The client hands each body over only once it is
    whole JSON (a body cut short is fetched again: :func:`codat_nb.responses.raw_body`), with its
    paging envelope, which plans the rest by number (prefetched as in :func:`pages`); without a
    total, pages follow ``_links.next``."""
    concurrency = yield Concurrency()
    body = yield Send("GET", path, params, raw=True)
    first = _envelope(body, path)
    total, size = first.get("totalResults"), first.get("pageSize") or params["pageSize"]
    yield Emit([(body.content, total if isinstance(total, int) else None)])
    if not isinstance(total, int) or not isinstance(size, int) or size < 1:
        following = (first.get("_links") or {}).get("next")
        while following and following.get("href"):
            body = yield Send("GET", following["href"], raw=True)
            yield Emit([(body.content, None)])
            following = (_envelope(body, path).get("_links") or {}).get("next")
        return
    numbers = range(2, math.ceil(total / size) + 1)
    yield Prefetch(tuple(Send("GET", path, {**params, "page": n}, raw=True) for n in numbers), max(concurrency, 1) * PAGES_AHEAD_PER_SLOT)
    for _ in numbers:
        yield Emit([((yield Take()).content, total)])


def _envelope(body: RawBody, path: str) -> dict[str, Any]:
    page = body.envelope
    results_of(page, path)  # the same check as a parsed read: a Codat page, with a list of results
    return page


def get_record(company_id: str, data_type: str, record_id: str, connection_id: str | None = None) -> Operation[dict[str, Any]]:
    base = company_path(company_id)
    data_type = check_data_type(data_type)
    record_id = quote(check_record_id(record_id), safe="")
    if data_type in COMPANY_PATHS:
        return (yield Send("GET", f"{base}/data/{COMPANY_PATHS[data_type]}/{record_id}"))
    if data_type == "bankAccounts":
        if connection_id is None:
            connection_id = (yield from accounting_connection(company_id)).id
        path = f"{base}/connections/{check_uuid(connection_id, 'connection_id')}/data/bankAccounts/{record_id}"
        return (yield Send("GET", path))
    raise ValidationError(f"{data_type} records cannot be read one by one; use list_records(company_id, {data_type!r}).")


def get_page(
    company_id: str,
    data_type: str,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    query: str | None = None,
    order_by: str | None = None,
    connection_id: str | None = None,
    account_id: str | None = None,
) -> Operation[dict[str, Any]]:
    """One page of a data type as Codat answers it (``results``, ``pageNumber``, ``pageSize``,
    ``totalResults``, ``_links``): for previews that must not read every record."""
    base = company_path(company_id)
    data_type = check_data_type(data_type)
    params = {**list_params(query, order_by, page_size), "page": check_positive_int(page, "page", 1, 10_000_000)}
    if data_type in COMPANY_PATHS:
        path = f"{base}/data/{COMPANY_PATHS[data_type]}"
    elif data_type in CONNECTION_TYPES:
        if connection_id is None:
            connection_id = (yield from accounting_connection(company_id)).id
        path = f"{base}/connections/{check_uuid(connection_id, 'connection_id')}/data/bankAccounts"
        if data_type == "bankTransactions":
            if account_id is None:
                raise ValidationError("bankTransactions are paged per bank account: pass account_id= (list_records(company_id, 'bankAccounts') gives the ids).")
            path += f"/{quote(check_record_id(account_id, 'account_id'), safe='')}/bankTransactions"
    else:
        raise ValidationError(f"{data_type} has no pages: " + ("it is one record, read with company_info." if data_type == "company" else f"read it with {REPORTS.get(data_type, 'list_records')}."))
    body = yield Send("GET", path, params)
    results_of(body, path)
    return body


def count_records(
    company_id: str, data_type: str, query: str | None = None, connection_id: str | None = None
) -> Operation[int]:
    """How many records a data type holds, from ``totalResults`` of one one-record page each (one
    request; bank transactions one per bank account), without reading the records."""
    base = company_path(company_id)
    data_type = check_data_type(data_type)
    params = list_params(query, None, 1)
    if data_type in REPORTS:
        raise ValidationError(f"{data_type} is a report, not a list of records: use {REPORTS[data_type]}(company_id, ...).")
    if data_type == "company":
        yield Send("GET", f"{base}/data/info")  # 409 before the first sync, like the other types
        return 1
    if data_type in COMPANY_PATHS:
        return _total((yield Send("GET", f"{base}/data/{COMPANY_PATHS[data_type]}", params)), data_type)
    if data_type not in CONNECTION_TYPES:
        raise ValidationError(f"codat_nb reads accounting data types ({', '.join(READABLE)}); {data_type} is not one of them yet.")
    if connection_id is None:
        connection_id = (yield from accounting_connection(company_id)).id
    banks = f"{base}/connections/{check_uuid(connection_id, 'connection_id')}/data/bankAccounts"
    if data_type == "bankAccounts":
        return _total((yield Send("GET", banks, params)), data_type)
    accounts = [a["id"] for a in (yield from collect(pages(banks, list_params(None, None, 5000)), dict))]
    sends = tuple(Send("GET", f"{banks}/{quote(account, safe='')}/bankTransactions", params) for account in accounts)
    return sum(_total(body, data_type) for body in ((yield Gather(sends)) if sends else []))


def _total(body: Any, data_type: str) -> int:
    total = body.get("totalResults") if isinstance(body, dict) else None
    if isinstance(total, bool) or not isinstance(total, int):
        raise SchemaError(f"The {data_type} page carries no totalResults to count by; check base_url points at the Codat API.")
    return total


def company_info(company_id: str) -> Operation[dict[str, Any]]:
    return (yield Send("GET", f"{company_path(company_id)}/data/info"))


def financial_report(
    company_id: str, report: str, period_length: int, periods_to_compare: int, start_month: date | str | None
) -> Operation[dict[str, Any]]:
    params: dict[str, Any] = {
        "periodLength": check_positive_int(period_length, "period_length", 1, 12),
        "periodsToCompare": check_positive_int(periods_to_compare, "periods_to_compare", 1, 60),
    }
    if start_month is not None:
        params["startMonth"] = _month(start_month)
    return (yield Send("GET", f"{company_path(company_id)}/data/financials/{report}", params))


def accounting_connection(company_id: str) -> Operation[Connection]:
    """The company's accounting connection (Linked first): bank accounts hang off it."""
    from .operations import list_connections

    connections = [c for c in (yield from list_connections(company_id)) if c.source_type == "Accounting"]
    connections.sort(key=lambda c: c.status != "Linked")
    if not connections:
        raise ValidationError(
            f"Company {company_id} has no accounting connection: create one with create_connection(company_id, 'mqjo') "
            "and link it, or pass connection_id=."
        )
    return connections[0]


def _month(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1).isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).replace(day=1).isoformat()
        except ValueError:
            pass
    raise ValidationError(f"start_month must be a date or 'YYYY-MM-DD' such as '2025-01-01'; got {value!r}.")
