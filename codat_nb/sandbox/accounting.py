"""Handlers for Codat's Accounting read paths, served from the linked sample company's books.

A data type reads as its latest completed pull saw it: 409 until one completes, 404 when the
connected integration does not supply it. The books themselves live in ``sandbox.books``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from . import catalog
from .http import HTTPError, Response, encode_records, json_bytes_response, json_response, validation_error
from .paging import paged_rows_response
from .routing import Call, Router

if TYPE_CHECKING:
    from .books.collections import Collection
    from .books.master import MasterReader

#: Path names under /companies/{companyId}/data/ and the data types they serve.
PATHS = {
    "invoices": "invoices", "bills": "bills", "customers": "customers", "suppliers": "suppliers",
    "payments": "payments", "billPayments": "billPayments", "creditNotes": "creditNotes", "items": "items",
    "taxRates": "taxRates", "trackingCategories": "trackingCategories", "journalEntries": "journalEntries",
    "accounts": "chartOfAccounts",
    # Codat paths for types the accounting Sandbox does not supply: 404, as for any platform lacking them.
    "journals": "journals", "purchaseOrders": "purchaseOrders", "salesOrders": "salesOrders",
    "billCreditNotes": "billCreditNotes", "itemReceipts": "itemReceipts", "paymentMethods": "paymentMethods",
}  # fmt: skip
#: Singular names for "No invoice was found with ID ...".
NOUNS = {
    "invoices": "invoice", "bills": "bill", "customers": "customer", "suppliers": "supplier", "payments": "payment",
    "billPayments": "bill payment", "creditNotes": "credit note", "items": "item", "taxRates": "tax rate",
    "trackingCategories": "tracking category", "journalEntries": "journal entry", "chartOfAccounts": "account",
    "bankAccounts": "bank account", "bankTransactions": "bank transaction",
}  # fmt: skip
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")


def _reader(call: Call, data_type: str, connection_id: str | None = None) -> MasterReader:
    """The books as the data type's latest completed pull saw them, or Codat's 404/409."""
    from .books.master import MasterReader
    from .books.records import make_stamp

    tenant = call.tenant
    company = tenant.company(call.params["companyId"])
    if connection_id is not None:
        connection = tenant.connection(company["id"], connection_id)
        sources = [connection] if connection["sourceType"] == "Accounting" else []
    else:
        sources = [c for c in tenant.connections_of(company["id"]) if c["sourceType"] == "Accounting"]
    supplier = next((c for c in reversed(sources) if "_books" in c), sources[-1] if sources else None)
    if supplier is not None:
        integration = catalog.INTEGRATIONS_BY_KEY[supplier["integrationKey"]]
        if not integration.supports(data_type):
            raise HTTPError(404, f"Datatype {data_type} not supported by platform(s) {integration.name}", service="PullApi")
    syncs = [s for s in company.get("_syncs", {}).get(data_type, []) if supplier and s[2] == supplier["id"]]
    if supplier is None or not syncs or "_books" not in supplier:
        raise _not_synced(call, company, data_type)
    books = supplier["_books"]
    spec = call.state.books.spec(books["sample"], books["invoices"], books["asOf"])
    snapshot = call.state.books.snapshot(spec, syncs[-1][0])
    return MasterReader(snapshot, make_stamp([(day, ended) for day, ended, _ in syncs]))


def _not_synced(call: Call, company: dict[str, Any], data_type: str) -> HTTPError:
    from .syncs import running_pull

    running = running_pull(call.state, call.tenant, company, data_type, call.now)
    if running is not None:
        status = call.state.pull_state(running, call.now)[0]
        detail = f" Its first sync, pull operation {running['id']}, is still running ({status}); read it once it is Complete."
    else:
        detail = (
            f" Queue it with POST /companies/{company['id']}/data/queue/{data_type} once an accounting"
            " connection is Linked, and read it when the pull operation is Complete."
        )
    return HTTPError(409, "The data set has not been requested." + detail, service="PullApi")


def _data_type(call: Call) -> str:
    name = call.params["dataPath"]
    if name in ("queue", "all"):
        raise HTTPError(405, f"/data/{name} takes POST.", headers=[("allow", "POST")])
    data_type = PATHS.get(name)
    if data_type is None:
        raise HTTPError(
            404,
            f"No data type is read at /data/{name[:40]}. Paths include /data/invoices, /data/accounts (chartOfAccounts), "
            "/data/info (company) and /data/financials/profitAndLoss.",
        )
    return data_type


def _list(call: Call, collection: Collection) -> Response:
    return paged_rows_response(
        call.request, collection.size, collection.schema, collection.queryables, lambda rows: encode_records(collection.records(rows))
    )


def _one(collection: Collection, record_id: str) -> Response:
    row = collection.find(record_id)
    if row is None:
        shown = record_id if len(record_id) <= 60 else record_id[:57] + "..."
        raise HTTPError(404, f"No {NOUNS[collection.data_type]} was found with ID {shown}", service="PullApi")
    return json_bytes_response(200, encode_records([collection.record(row)]))


def list_records(call: Call) -> Response:
    from .books.collections import collection

    data_type = _data_type(call)
    return _list(call, collection(_reader(call, data_type), data_type))


def get_record(call: Call) -> Response:
    from .books.collections import collection

    data_type = _data_type(call)
    return _one(collection(_reader(call, data_type), data_type), call.params["recordId"])


def company_info(call: Call) -> Response:
    return json_response(200, _reader(call, "company").company_info())


def _bank_reader(call: Call) -> MasterReader:
    return _reader(call, "bankAccounts", call.params["connectionId"])


def list_bank_accounts(call: Call) -> Response:
    from .books.collections import collection

    return _list(call, collection(_bank_reader(call), "bankAccounts"))


def get_bank_account(call: Call) -> Response:
    from .books.collections import collection

    return _one(collection(_bank_reader(call), "bankAccounts"), call.params["accountId"])


def list_bank_transactions(call: Call) -> Response:
    from .books.collections import bank_transactions, collection

    accounts = collection(_bank_reader(call), "bankAccounts")
    row = accounts.find(call.params["accountId"])
    if row is None:
        raise HTTPError(404, f"No bank account was found with ID {call.params['accountId'][:60]}", service="PullApi")
    reader = _reader(call, "bankTransactions", call.params["connectionId"])
    return _list(call, bank_transactions(reader, row))


# -- financial statements ---------------------------------------------------------------------------------


def _period_arguments(call: Call, reader: MasterReader) -> tuple[int, int, int]:
    """periodLength (1-12 months) and periodsToCompare (1-60) are required; startMonth is optional."""
    from .books.calendar import add_months, day_of, month_start

    length = _required_whole(call, "periodLength", 1, 12, "months per period")
    count = _required_whole(call, "periodsToCompare", 1, 60, "periods")
    latest = month_start(reader.snap.day)
    earliest = month_start(reader.books.spec.start)
    raw = call.request.param("startMonth")
    if raw:
        match = _MONTH.match(raw.strip())
        try:
            start = day_of(date(int(match.group(1)), int(match.group(2)), 1)) if match else None
        except ValueError:
            start = None
        if start is None:
            raise validation_error("startMonth", f"startMonth must be a date such as 2025-01-01; got '{raw[:40]}'.", "Financials")
        if not earliest <= start <= latest:
            raise validation_error(
                "startMonth",
                f"startMonth must fall between the earliest available month {_iso(earliest)} and the most recent "
                f"{_iso(latest)}.",
                "Financials",
            )
    else:
        start = add_months(latest, 1 - length)
    return length, count, max(start, earliest)


def _iso(day: int) -> str:
    from .books.calendar import date_of

    return date_of(day).isoformat()


def _required_whole(call: Call, name: str, low: int, high: int, what: str) -> int:
    raw = call.request.param(name)
    if raw is None or raw == "":
        raise validation_error(name, f"{name} is required: the number of {what}, from {low} to {high}.", "Financials")
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(name, f"{name} must be a whole number from {low} to {high}; got '{raw[:40]}'.", "Financials") from None
    if not low <= value <= high:
        raise validation_error(name, f"{name} must be from {low} to {high}; got {value}.", "Financials")
    return value


def profit_and_loss(call: Call) -> Response:
    from .books.reports import profit_and_loss as report

    reader = _reader(call, "profitAndLoss")
    return json_response(200, report(reader, *_period_arguments(call, reader)))


def balance_sheet(call: Call) -> Response:
    from .books.reports import balance_sheet as report

    reader = _reader(call, "balanceSheet")
    return json_response(200, report(reader, *_period_arguments(call, reader)))


def cash_flow_statement(call: Call) -> Response:
    """Codat serves it; the accounting Sandbox does not supply it, so this answers 404 (or 409)."""
    _reader(call, "cashFlowStatement")
    raise HTTPError(404, "Datatype cashFlowStatement not supported by platform(s) Sandbox", service="PullApi")


def register(router: Router) -> None:
    add = router.add
    company = "/companies/{companyId}"
    add("GET", f"{company}/data/info", company_info)
    add("GET", f"{company}/data/financials/profitAndLoss", profit_and_loss)
    add("GET", f"{company}/data/financials/balanceSheet", balance_sheet)
    add("GET", f"{company}/data/financials/cashFlowStatement", cash_flow_statement)
    add("GET", f"{company}/data/{{dataPath}}", list_records)
    add("GET", f"{company}/data/{{dataPath}}/{{recordId}}", get_record)
    bank = f"{company}/connections/{{connectionId}}/data/bankAccounts"
    add("GET", bank, list_bank_accounts)
    add("GET", f"{bank}/{{accountId}}", get_bank_account)
    add("GET", f"{bank}/{{accountId}}/bankTransactions", list_bank_transactions)
