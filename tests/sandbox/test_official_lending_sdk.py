"""Codat's official Lending SDK (``codat-lending``) reading the served emulator's accounting data.

The SDK is generated from Codat's Lending OpenAPI spec and parses every answer into pydantic
models with closed enums and ``Decimal`` amounts, so these tests prove the emulator's books are
what a real Codat lending client reads: every list paged to the end by ``_links.next``, records
by id, company info and both financial statements, and the typed errors (409 before the first
sync, 404 for a type the Sandbox does not supply). Each answer must also survive the SDK's
models losslessly: ``model.to_json()`` gives back the emulator's JSON (less its nulls), so no
field the emulator sends is dropped as unknown.

Retries are off and an ``httpx.Client`` carries every request (see test_official_sdk.py for why).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from codat_lending import CodatLending
from codat_lending.models import errors
from codat_lending.models.shared.accountstatus import AccountStatus
from codat_lending.models.shared.accounttype import AccountType
from codat_lending.models.shared.billstatus import BillStatus
from codat_lending.models.shared.invoicestatus import InvoiceStatus
from codat_lending.models.shared.security import Security
from codat_lending.utils.retries import RetryConfig

from .conftest import auth_header

pytestmark = pytest.mark.served

NO_RETRIES = RetryConfig(strategy="none")
#: A sample with several pages of invoices and bills at page size 100.
SAMPLE = {"dataset": "multi-currency-wholesaler", "invoices": 300}
MISSING_ID = "00000000-0000-4000-8000-000000000000"


# -- the SDK, and what it was sent --------------------------------------------------------------------


@dataclass
class Wire:
    """The raw JSON of every response the SDK received, captured by an httpx event hook."""

    bodies: list[Any] = field(default_factory=list)

    def hook(self, response: httpx.Response) -> None:
        response.read()
        content_type = response.headers.get("content-type", "")
        self.bodies.append(response.json() if content_type.startswith("application/json") else response.content)

    @property
    def last(self) -> Any:
        return self.bodies[-1]


@dataclass
class Lending:
    sdk: CodatLending
    wire: Wire
    company_id: str = ""
    connection_id: str = ""


@pytest.fixture
def lending(live_url: str) -> Iterator[Lending]:
    """The SDK as Codat's docs construct it, on the served emulator, retries off, over httpx."""
    wire = Wire()
    client = httpx.Client(timeout=10, event_hooks={"response": [wire.hook]})
    sdk = CodatLending(
        security=Security(auth_header=auth_header()["Authorization"]),
        server_url=live_url,
        client=client,
        retry_config=NO_RETRIES,
        timeout_ms=10_000,
    )
    try:
        yield Lending(sdk, wire)
    finally:
        client.close()  # the SDK's __exit__ does not close a client passed in


@pytest.fixture
def control(live_url: str) -> Iterator[httpx.Client]:
    """A plain client for the emulator-only ``/_sandbox`` controls (no SDK method exists for them)."""
    with httpx.Client(base_url=live_url, headers=auth_header(), timeout=10) as client:
        yield client


def connect(lending: Lending, control: httpx.Client, sample: dict[str, Any] = SAMPLE, sync: bool = True) -> Lending:
    """Create a company and a Sandbox connection with the SDK, sign in with ``sample``, let the first sync finish."""
    with strict_models():
        company = lending.sdk.companies.create(request={"name": "Lending Books"})
    # Codat's own examples (in both specs) carry the deprecated ``"platform": ""`` that neither spec's
    # Company schema declares; the SDK's model drops it, and keeps everything else.
    dropped = differences(json.loads(company.to_json()), without_nulls(lending.wire.last))
    assert dropped == ["$.platform: dropped by the SDK's model (sent '')"], dropped
    connection = read(
        lending, lambda: lending.sdk.connections.create(request={"company_id": company.id, "request_body": {"platform_key": "mqjo"}})
    )
    authorised = control.post(f"/_sandbox/companies/{company.id}/connections/{connection.id}/authorize", json=sample)
    assert authorised.status_code == 200, authorised.text
    if sync:
        assert control.post("/_sandbox/clock/advance", json={"seconds": 3600}).status_code == 200
    lending.company_id, lending.connection_id = company.id, connection.id
    return lending


@pytest.fixture
def books(lending: Lending, control: httpx.Client) -> Lending:
    """A company linked to the accounting Sandbox's multi-currency wholesaler, first sync complete."""
    return connect(lending, control)


@contextmanager
def strict_models() -> Iterator[None]:
    """Turn an SDK model rejecting an emulator answer into a clear failure naming the cause."""
    try:
        yield
    except errors.ResponseValidationError as exc:
        pytest.fail(f"The SDK's models rejected an emulator response: {exc.cause}\nBody: {exc.body[:2000]}")


def without_nulls(value: Any) -> Any:
    """The JSON as the SDK writes it back: ``to_json`` leaves out every null."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def differences(kept: Any, sent: Any, path: str = "$") -> list[str]:
    """Where the SDK's JSON differs from the emulator's: fields it dropped, added or changed."""
    if isinstance(kept, dict) and isinstance(sent, dict):
        found = [f"{path}.{key}: dropped by the SDK's model (sent {sent[key]!r:.80})" for key in sent if key not in kept]
        found += [f"{path}.{key}: added by the SDK's model ({kept[key]!r:.80})" for key in kept if key not in sent]
        for key in sent.keys() & kept.keys():
            found += differences(kept[key], sent[key], f"{path}.{key}")
        return found
    if isinstance(kept, list) and isinstance(sent, list) and len(kept) == len(sent):
        return [problem for index, pair in enumerate(zip(kept, sent)) for problem in differences(*pair, f"{path}[{index}]")]
    return [] if kept == sent else [f"{path}: the SDK's model gives {kept!r:.80}, the emulator sent {sent!r:.80}"]


def read(lending: Lending, call: Callable[[], Any]) -> Any:
    """One SDK call under strict models, whose model must give back exactly the JSON that was sent."""
    with strict_models():
        model = call()
    found = differences(json.loads(model.to_json()), without_nulls(lending.wire.last))
    assert not found, f"The SDK's {type(model).__name__} does not keep what the emulator sent:\n" + "\n".join(found[:20])
    return model


def all_pages(lending: Lending, list_page: Callable[..., Any], page_size: int, **ids: str) -> tuple[list[Any], list[Any]]:
    """Every record of a list, paging by ``_links.next`` (its page and pageSize) until it is absent."""
    request = {"company_id": lending.company_id, **ids}
    pages = [read(lending, lambda: list_page(request={**request, "page": 1, "page_size": page_size}))]
    while pages[-1].links.next is not None:
        assert len(pages) < 100, "_links.next never ran out"
        query = parse_qs(urlsplit(pages[-1].links.next.href).query)
        page, size = int(query["page"][0]), int(query["pageSize"][0])
        pages.append(read(lending, lambda: list_page(request={**request, "page": page, "page_size": size})))
    return [record for page in pages for record in page.results or []], pages


def check_paging(records: list[Any], pages: list[Any], page_size: int, path: str) -> None:
    total = pages[0].total_results
    assert {page.total_results for page in pages} == {total}
    assert [page.page_number for page in pages] == list(range(1, len(pages) + 1))
    assert {page.page_size for page in pages} == {page_size}
    assert len(pages) == -(-total // page_size) >= 2, f"{path}: pick a page size that gives several pages"
    assert [len(page.results) for page in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert len(records) == total == len({record.id for record in records}), "ids must be unique and add up to totalResults"
    assert pages[0].links.previous is None and pages[-1].links.next is None
    assert pages[-1].links.previous is not None
    assert pages[0].links.self_.href == path
    assert pages[0].links.current.href == f"{path}?page=1&pageSize={page_size}"


def cents(amount: Decimal | None) -> int:
    """Decimal amounts with at most two places, as whole cents (exact: the SDK parses via ``str``)."""
    assert isinstance(amount, Decimal), amount
    scaled = amount * 100
    assert scaled == scaled.to_integral_value(), f"{amount} has more than two decimal places"
    return int(scaled)


def line_total(line: Any) -> int:
    """A report line's value, checked to be the sum of its items (recursively) when it has any."""
    if line.items:
        assert cents(line.value) == sum(line_total(item) for item in line.items), f"{line.name}: value != sum of items"
    return cents(line.value)


# -- paging every list to the end ----------------------------------------------------------------------


def test_invoices__every_page_parsed_and_consistent(books: Lending) -> None:
    sdk = books.sdk
    invoices, pages = all_pages(books, sdk.accounts_receivable.invoices.list, 100)
    check_paging(invoices, pages, 100, f"/companies/{books.company_id}/data/invoices")
    assert len(invoices) == 300
    customers, _ = all_pages(books, sdk.accounts_receivable.customers.list, 10)
    customer_ids = {customer.id for customer in customers}
    assert {invoice.status for invoice in invoices} >= {InvoiceStatus.PAID, InvoiceStatus.SUBMITTED, InvoiceStatus.VOID}
    assert {invoice.currency for invoice in invoices} == {"GBP", "EUR", "USD", "CHF"}
    issued = [invoice.issue_date for invoice in invoices]
    assert issued == sorted(issued)  # Codat's default order: oldest first
    for invoice in invoices:
        where = f"invoice {invoice.invoice_number}"
        assert invoice.customer_ref.id in customer_ids, where
        total, due = cents(invoice.total_amount), cents(invoice.amount_due)
        assert cents(invoice.sub_total) + cents(invoice.total_tax_amount) == total, where
        assert sum(cents(line.total_amount) for line in invoice.line_items) == total, where
        allocated = -sum(cents(a.allocation.total_amount) for a in invoice.payment_allocations)
        if invoice.status == InvoiceStatus.VOID:
            assert due == 0 and not invoice.payment_allocations, where
        else:
            assert due == total - allocated, where
        if invoice.status == InvoiceStatus.PAID:
            assert due == 0 and invoice.paid_on_date is not None, where
            assert invoice.paid_on_date == max(a.payment.paid_on_date for a in invoice.payment_allocations), where
        else:
            assert invoice.paid_on_date is None, where
        if invoice.status == InvoiceStatus.SUBMITTED:
            assert due == total and allocated == 0, where
        if invoice.currency == "GBP":
            assert invoice.currency_rate == 1, where
        else:
            assert invoice.currency_rate not in (None, 1), where

    for invoice in (invoices[0], invoices[len(invoices) // 2], invoices[-1]):
        fetched = read(books, lambda: sdk.accounts_receivable.invoices.get(request={"company_id": books.company_id, "invoice_id": invoice.id}))
        assert fetched == invoice


def test_bills__every_page_parsed_and_consistent(books: Lending) -> None:
    sdk = books.sdk
    bills, pages = all_pages(books, sdk.accounts_payable.bills.list, 100)
    check_paging(bills, pages, 100, f"/companies/{books.company_id}/data/bills")
    suppliers, _ = all_pages(books, sdk.accounts_payable.suppliers.list, 5)
    supplier_ids = {supplier.id for supplier in suppliers}
    assert {bill.status for bill in bills} >= {BillStatus.PAID, BillStatus.OPEN, BillStatus.VOID}
    for bill in bills:
        where = f"bill {bill.reference}"
        assert bill.supplier_ref.id in supplier_ids, where
        total, due = cents(bill.total_amount), cents(bill.amount_due)
        assert cents(bill.sub_total) + cents(bill.tax_amount) == total, where
        assert sum(cents(line.total_amount) for line in bill.line_items) == total, where
        assert due == (total if bill.status == BillStatus.OPEN else 0), where
        assert len(bill.payment_allocations) == (bill.status == BillStatus.PAID), where
    fetched = read(books, lambda: sdk.accounts_payable.bills.get(request={"company_id": books.company_id, "bill_id": bills[-1].id}))
    assert fetched == bills[-1]


def test_customers_and_suppliers__every_page_parsed(books: Lending) -> None:
    sdk = books.sdk
    customers, pages = all_pages(books, sdk.accounts_receivable.customers.list, 10)
    check_paging(customers, pages, 10, f"/companies/{books.company_id}/data/customers")
    assert all(customer.customer_name and customer.default_currency for customer in customers)
    assert {customer.default_currency for customer in customers} == {"GBP", "EUR", "USD", "CHF"}
    suppliers, pages = all_pages(books, sdk.accounts_payable.suppliers.list, 5)
    check_paging(suppliers, pages, 5, f"/companies/{books.company_id}/data/suppliers")
    assert all(supplier.supplier_name for supplier in suppliers)

    customer = read(books, lambda: sdk.accounts_receivable.customers.get(request={"company_id": books.company_id, "customer_id": customers[-1].id}))
    assert customer == customers[-1]
    supplier = read(books, lambda: sdk.accounts_payable.suppliers.get(request={"company_id": books.company_id, "supplier_id": suppliers[0].id}))
    assert supplier == suppliers[0]


def test_chart_of_accounts__every_page_parsed_and_balanced(books: Lending) -> None:
    sdk = books.sdk
    accounts, pages = all_pages(books, sdk.financial_statements.accounts.list, 10)
    check_paging(accounts, pages, 10, f"/companies/{books.company_id}/data/accounts")
    assert sum(cents(account.current_balance) for account in accounts) == 0  # debits equal credits
    assert {account.type for account in accounts} == {
        AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY, AccountType.INCOME, AccountType.EXPENSE
    }  # fmt: skip
    assert {account.status for account in accounts} == {AccountStatus.ACTIVE}
    assert {account.currency for account in accounts} == {"GBP"}
    account = read(books, lambda: sdk.financial_statements.accounts.get(request={"company_id": books.company_id, "account_id": accounts[3].id}))
    assert account == accounts[3]


def test_payments_credit_notes_and_journal_entries__parsed_and_linked(books: Lending) -> None:
    """The other record types the Sandbox supplies, one big page each, and the links between them."""
    sdk = books.sdk

    def everything(list_page: Callable[..., Any]) -> list[Any]:
        records, pages = all_pages(books, list_page, 2000)
        assert len(pages) == 1 and records
        return records

    invoices = {invoice.id: invoice for invoice in everything(sdk.accounts_receivable.invoices.list)}
    notes = {note.id: note for note in everything(sdk.accounts_receivable.credit_notes.list)}
    bills = {bill.id: bill for bill in everything(sdk.accounts_payable.bills.list)}
    for payment in everything(sdk.accounts_receivable.payments.list):
        [line] = payment.lines
        [target] = line.links
        linked = invoices if target.type.value == "Invoice" else notes
        assert target.type.value in {"Invoice", "CreditNote"} and target.id in linked, payment.id
        assert payment.customer_ref.id == linked[target.id].customer_ref.id, payment.id
        assert cents(line.amount) == cents(payment.total_amount) == -cents(target.amount), payment.id
    for payment in everything(sdk.accounts_payable.bill_payments.list):
        [line] = payment.lines
        [target] = line.links
        assert target.type.value == "Bill" and bills[target.id].status == BillStatus.PAID, payment.id
        assert cents(payment.total_amount) == cents(bills[target.id].total_amount), payment.id
    request = {"company_id": books.company_id, "page_size": 300}
    entries = read(books, lambda: sdk.transactions.journal_entries.list(request=request))
    assert len(entries.results) == 300 and entries.links.next is not None
    for entry in entries.results:
        assert sum(cents(line.net_amount) for line in entry.journal_lines) == 0, f"journal entry {entry.id} does not balance"


def test_bank_accounts_and_transactions__running_balance_ends_at_the_balance(books: Lending) -> None:
    sdk = books.sdk
    ids = {"connection_id": books.connection_id}
    banks, _ = all_pages(books, sdk.accounting_bank_data.accounts.list, 1, **ids)
    assert [bank.account_name for bank in banks] == ["Business Current Account", "Business Savings Account"]
    current = banks[0]
    fetched = read(books, lambda: sdk.accounting_bank_data.accounts.get(request={"company_id": books.company_id, **ids, "account_id": current.id}))
    assert fetched == current
    movements, pages = all_pages(books, sdk.accounting_bank_data.list_transactions, 100, account_id=current.id, **ids)
    assert len(pages) >= 2 and len(movements) == pages[0].total_results == len({m.id for m in movements})
    assert {m.account_id for m in movements} == {current.id}
    running = 0
    for movement in movements:
        running += cents(movement.amount)
        assert cents(movement.balance) == running, f"transaction {movement.id}: running balance"
    assert running == cents(current.balance)


# -- company info and the financial statements -------------------------------------------------------


def test_company_info(books: Lending) -> None:
    info = read(books, lambda: books.sdk.company_info.get_accounting_profile(request={"company_id": books.company_id}))
    assert info.base_currency == "GBP"
    assert info.company_legal_name and info.company_name and info.company_legal_name.startswith(info.company_name)
    assert info.financial_year_start_date == "2026-01-01T00:00:00"
    assert info.created_date <= info.ledger_lock_date < info.financial_year_start_date


def test_balance_sheet__identities_hold_in_every_period(books: Lending) -> None:
    sheet = read(
        books,
        lambda: books.sdk.financial_statements.balance_sheet.get(
            request={"company_id": books.company_id, "period_length": 1, "periods_to_compare": 6}
        ),
    )
    assert sheet.currency == "GBP" and len(sheet.reports) == 6
    dates = [report.date_ for report in sheet.reports]
    assert dates == sorted(dates, reverse=True)  # latest first
    for report in sheet.reports:
        assets, liabilities, equity = line_total(report.assets), line_total(report.liabilities), line_total(report.equity)
        assert cents(report.net_assets) == assets - liabilities == equity, report.date_
        assert [line.name for line in report.equity.items][-2:] == ["Retained Earnings", "Current Year Earnings"]


def test_profit_and_loss__identities_and_ties_to_the_balance_sheet(books: Lending) -> None:
    sdk, company = books.sdk, books.company_id
    info = read(books, lambda: sdk.company_info.get_accounting_profile(request={"company_id": company}))
    pnl = read(
        books,
        lambda: sdk.financial_statements.profit_and_loss.get(request={"company_id": company, "period_length": 1, "periods_to_compare": 12}),
    )
    assert pnl.report_basis.value == "Accrual" and pnl.currency == "GBP" and len(pnl.reports) == 12
    for report in pnl.reports:
        income, cost, expenses = line_total(report.income), line_total(report.cost_of_sales), line_total(report.expenses)
        other = line_total(report.other_income) - line_total(report.other_expenses)
        assert cents(report.gross_profit) == income - cost, report.from_date
        assert cents(report.net_operating_profit) == income - cost - expenses, report.from_date
        assert cents(report.net_other_income) == other, report.from_date
        assert cents(report.net_profit) == income - cost - expenses + other, report.from_date

    sheet = read(
        books,
        lambda: sdk.financial_statements.balance_sheet.get(request={"company_id": company, "period_length": 1, "periods_to_compare": 1}),
    )
    earnings = next(line for line in sheet.reports[0].equity.items if line.name == "Current Year Earnings")
    this_year = [report for report in pnl.reports if report.from_date >= info.financial_year_start_date]
    assert this_year, "the twelve months reach into the current financial year"
    assert cents(earnings.value) == sum(cents(report.net_profit) for report in this_year)


# -- errors, typed ------------------------------------------------------------------------------------------


def test_read_before_first_sync__typed_409(lending: Lending, control: httpx.Client) -> None:
    connect(lending, control, sync=False)
    sdk, company = lending.sdk, lending.company_id
    for name, call in {
        "invoices": lambda: sdk.accounts_receivable.invoices.list(request={"company_id": company}),
        "company": lambda: sdk.company_info.get_accounting_profile(request={"company_id": company}),
        "balanceSheet": lambda: sdk.financial_statements.balance_sheet.get(
            request={"company_id": company, "period_length": 1, "periods_to_compare": 1}
        ),
    }.items():
        with pytest.raises(errors.ErrorMessage) as caught:
            call()
        assert caught.value.status_code == 409, name
        assert caught.value.data.status_code == 409, name
        assert caught.value.data.error.startswith("The data set has not been requested."), name
        assert "still running" in caught.value.data.error, name


def test_types_the_sandbox_lacks__typed_404(books: Lending) -> None:
    sdk, company = books.sdk, books.company_id
    with pytest.raises(errors.ErrorMessage) as journals:
        sdk.transactions.journals.list(request={"company_id": company})
    with pytest.raises(errors.ErrorMessage) as cash_flow:
        sdk.financial_statements.cash_flow.get(request={"company_id": company, "period_length": 1, "periods_to_compare": 1})
    for caught, data_type in ((journals, "journals"), (cash_flow, "cashFlowStatement")):
        assert caught.value.status_code == caught.value.data.status_code == 404
        assert caught.value.data.error == f"Datatype {data_type} not supported by platform(s) Sandbox"


def test_unknown_record__typed_404(books: Lending) -> None:
    with pytest.raises(errors.ErrorMessage) as caught:
        books.sdk.accounts_receivable.invoices.get(request={"company_id": books.company_id, "invoice_id": MISSING_ID})
    assert caught.value.status_code == caught.value.data.status_code == 404
    assert caught.value.data.error == f"No invoice was found with ID {MISSING_ID}"


def test_bad_period_length__undeclared_400_is_a_plain_sdk_error(books: Lending) -> None:
    """The spec lists no 400 for the financial statements, so the SDK raises SDKError, not ErrorMessage."""
    with pytest.raises(errors.SDKError) as caught:
        books.sdk.financial_statements.profit_and_loss.get(
            request={"company_id": books.company_id, "period_length": 13, "periods_to_compare": 1}
        )
    assert not isinstance(caught.value, errors.ErrorMessage)
    assert caught.value.status_code == 400
    body = errors.ErrorMessageData.model_validate_json(caught.value.body)  # still Codat's error shape
    assert body.status_code == 400 and "periodLength must be from 1 to 12" in (body.error or "")
