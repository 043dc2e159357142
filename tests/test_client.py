"""One table of behaviour cases, run for Client and AsyncClient, in-process and against the served emulator."""

from __future__ import annotations

import uuid
import warnings
from typing import Any, Callable, Iterator

import pytest

from codat_nb import (
    APIError,
    AuthError,
    Company,
    ConflictError,
    Connection,
    DataStatus,
    Integration,
    LinkTimeoutError,
    NotFoundError,
    NotLinkedError,
    PullOperation,
    RateLimitError,
    SyncFailedError,
    SyncSettings,
    SyncTimeoutError,
    ValidationError,
)
from codat_nb.validation import CompanyNameWarning

from .clients import API_KEY, KINDS, Codat, make_codat

CASES: dict[str, Callable[[Codat], None]] = {}


def case(function: Callable[[Codat], None]) -> Callable[[Codat], None]:
    CASES[function.__name__] = function
    return function


@pytest.fixture(params=KINDS)
def codat(request: pytest.FixtureRequest) -> Iterator[Codat]:
    yield from make_codat(request, request.param)


# -- the Connect guide -----------------------------------------------------------------------------------


@case
def connect_guide_end_to_end(codat: Codat) -> None:
    company = codat.create_company("Platypus Properties", description="Codat's Connect guide")
    assert isinstance(company, Company) and company.name == "Platypus Properties"
    connection = codat.create_connection(company.id, "mqjo")
    assert isinstance(connection, Connection) and connection.status == "PendingAuth"
    codat.authorize(company.id, connection.id)
    linked = codat.get_company(company.id)
    assert [c.status for c in linked.data_connections] == ["Linked"]
    finished = codat.wait_for_sync(company.id, timeout=3600)
    assert finished and all(isinstance(s, DataStatus) for s in finished.values())
    assert {s.current_status for s in finished.values()} <= {"Complete", "NotSupported"}
    assert finished["invoices"].current_status == "Complete"
    pull = codat.refresh_data_type(company.id, "invoices")
    assert isinstance(pull, PullOperation) and pull.data_type == "invoices" and not pull.is_completed
    status = codat.data_status(company.id)
    assert status["invoices"].latest_sync_id == pull.id
    history = codat.list_pull_operations(company.id)
    assert pull.id in {p.id for p in history} and all(isinstance(p, PullOperation) for p in history)
    codat.wait_for_sync(company.id, ["invoices"], timeout=3600)
    done = codat.get_pull_operation(company.id, pull.id)
    assert done.status == "Complete" and done.progress == 100 and done.is_completed and done.completed is not None
    assert codat.refresh_all(company.id) is None
    again = codat.wait_for_sync(company.id, timeout=3600)
    assert again["invoices"].latest_sync_id != pull.id and again["invoices"].current_status == "Complete"


@case
def companies_are_listed_across_pages_in_order(codat: Codat) -> None:
    made = [codat.create_company(f"Company {n}") for n in range(7)]
    listed = codat.list_companies(page_size=3)
    assert [c.id for c in listed] == [c.id for c in made]
    assert [c.name for c in codat.list_companies(order_by="-name", page_size=2)] == [f"Company {n}" for n in reversed(range(7))]
    assert [c.name for c in codat.list_companies(query="name=Company 4")] == ["Company 4"]


@case
def update_replace_and_delete_a_company(codat: Codat) -> None:
    company = codat.create_company("Before", description="old", tags={"region": "uk"})
    updated = codat.update_company(company.id, name="After")
    assert (updated.name, updated.description, dict(updated.tags)) == ("After", "old", {"region": "uk"})
    replaced = codat.replace_company(company.id, "Replaced")
    assert replaced.name == "Replaced" and not replaced.description and not replaced.tags
    assert codat.delete_company(company.id) is None
    with pytest.raises(NotFoundError) as caught:
        codat.get_company(company.id)
    assert caught.value.status == 404 and company.id in str(caught.value) and "list_companies" in str(caught.value)


@case
def connections_list_get_unlink_delete(codat: Codat) -> None:
    company, connection = codat.linked()
    assert [c.id for c in codat.list_connections(company.id)] == [connection.id]
    assert codat.get_connection(company.id, connection.id).status == "Linked"
    assert codat.unlink_connection(company.id, connection.id).status == "Unlinked"
    assert codat.delete_connection(company.id, connection.id) is None
    with pytest.raises(NotFoundError):
        codat.get_connection(company.id, connection.id)


@case
def integrations(codat: Codat) -> None:
    integrations = codat.list_integrations()
    assert all(isinstance(i, Integration) for i in integrations)
    assert {"mqjo", "aiwb", "gbol"} <= {i.key for i in integrations}
    sandbox = codat.get_integration("mqjo")
    assert sandbox.name == "Sandbox" and "invoices" in sandbox.supported_data_types
    with pytest.raises(NotFoundError):
        codat.get_integration("zzzz")


@case
def sync_settings_profile_and_company(codat: Codat) -> None:
    profile = codat.get_sync_settings()
    assert isinstance(profile, SyncSettings) and profile.settings
    changed = [s.to_json() | ({"fetchOnFirstLink": False} if s.data_type == "invoices" else {}) for s in profile.settings]
    assert codat.set_sync_settings(changed) is None
    again = {s.data_type: s for s in codat.get_sync_settings().settings}
    assert again["invoices"].fetch_on_first_link is False
    company = codat.create_company("Settings Ltd")
    own = codat.get_sync_settings(company.id)
    assert own.owner_id == company.id
    codat.set_sync_settings(own, company_id=company.id, overrides_defaults=True)
    assert codat.get_sync_settings(company.id).overrides_defaults is True


@case
def queueing_a_type_that_is_still_syncing_is_refused(codat: Codat) -> None:
    company, _ = codat.linked()
    with pytest.raises(APIError) as caught:
        codat.refresh_data_type(company.id, "invoices")
    assert "in progress" in str(caught.value) and caught.value.correlation_id


# -- wait_for_sync ---------------------------------------------------------------------------------------


@case
def wait_for_sync_polls_data_status_once_per_poll_and_reports_progress(codat: Codat) -> None:
    company, _ = codat.linked()
    seen: list[Any] = []
    before = codat.requests_sent
    result = codat.wait_for_sync(company.id, on_progress=seen.append, timeout=3600)
    assert codat.requests_sent - before == len(seen) == seen[-1].polls > 2
    assert seen[-1].finished and seen[-1].overall == 100 and set(result) == set(seen[-1].statuses)
    overall = [p.overall for p in seen]
    assert overall == sorted(overall) and overall[0] < 100
    assert codat.sleeps == sorted(codat.sleeps) and codat.sleeps[0] < codat.sleeps[-1] <= 5


@case
def wait_for_sync_names_each_failed_type_and_keeps_what_completed(codat: Codat) -> None:
    codat.faults(failPulls={"invoices": 1, "bills": 1})
    company, _ = codat.linked()
    with pytest.raises(SyncFailedError) as caught:
        codat.wait_for_sync(company.id, timeout=3600)
    error = caught.value
    assert set(error.failed) == {"invoices", "bills"}
    for name, pull in error.failed.items():
        assert pull.is_errored and pull.error_message and name in str(error) and pull.error_message in str(error)
    assert "customers" in error.completed and error.completed["customers"].current_status == "Complete"
    assert "refresh_data_type" in str(error)


@case
def wait_for_sync_times_out_with_what_is_pending(codat: Codat) -> None:
    company, _ = codat.linked(dataset="us-retailer", invoices=20_000)
    with pytest.raises(SyncTimeoutError) as caught:
        codat.wait_for_sync(company.id, ["invoices"], timeout=2)
    assert "invoices" in str(caught.value) and caught.value.progress.pending == ("invoices",)
    assert isinstance(caught.value, TimeoutError)


@case
def wait_for_sync_on_a_type_never_queued_says_so(codat: Codat) -> None:
    company, _ = codat.linked("Nothing Queued")  # the accounting Sandbox queues no commerce type
    with pytest.raises(SyncTimeoutError, match=r"still waiting for commerce-orders \(never queued: call refresh_data_type\)"):
        codat.wait_for_sync(company.id, ["commerce-orders"], timeout=1)


@case
def wait_for_sync_on_a_company_not_linked_says_link_it_first(codat: Codat) -> None:
    """Not "0/0 data types done (100%)": nothing can ever sync, so say what to do."""
    company = codat.create_company("Never Linked")
    codat.create_connection(company.id, "mqjo")
    before = codat.requests_sent
    seen: list[Any] = []
    with pytest.raises(NotLinkedError, match=r"^Company 'Never Linked' \([0-9a-f-]{36}\) has nothing to sync") as raised:
        codat.wait_for_sync(company.id, on_progress=seen.append)
    message = str(raised.value)
    assert "no Linked connection (connections: Sandbox PendingAuth)" in message
    assert company.redirect in message and "wait_for_link" in message
    assert (raised.value.company_id, raised.value.redirect) == (company.id, company.redirect)
    assert codat.requests_sent - before == 2  # one dataStatus poll, one look at the company
    assert seen == []  # no progress was reported, let alone 100%
    with pytest.raises(NotLinkedError, match="has nothing to sync"):
        codat.wait_for_sync(company.id, ["invoices"])


@case
def wait_for_sync_on_a_linked_company_with_nothing_queued_says_queue_it(codat: Codat) -> None:
    company = codat.create_company("Nothing First")
    settings = codat.get_sync_settings(company.id)
    codat.set_sync_settings([{**s.to_json(), "fetchOnFirstLink": False} for s in settings.settings], company.id)
    connection = codat.create_connection(company.id, "mqjo")
    codat.authorize(company.id, connection.id)
    seen: list[Any] = []
    with pytest.raises(SyncTimeoutError, match=r"Nothing was queued for company .* queue its data with refresh_all\(company_id\)"):
        codat.wait_for_sync(company.id, timeout=5, on_progress=seen.append)
    assert seen and all(p.overall == 0 and not p.finished for p in seen)


@case
def wait_for_link_returns_the_connection_once_the_customer_connects(codat: Codat) -> None:
    company = codat.create_company("Linking Ltd")
    connection = codat.create_connection(company.id, "mqjo")
    polls: list[Any] = []

    def press_connect_on_the_second_poll(seen: Company) -> None:
        polls.append([c.status for c in seen.data_connections])
        if len(polls) == 2:
            codat.authorize(company.id, connection.id)

    linked = codat.wait_for_link(company.id, timeout=30, poll_interval=0.01, on_progress=press_connect_on_the_second_poll)
    assert (linked.id, linked.status) == (connection.id, "Linked")
    assert polls == [["PendingAuth"], ["PendingAuth"], ["Linked"]]


@case
def wait_for_link_times_out_saying_which_url_to_open(codat: Codat) -> None:
    company = codat.create_company("Waiting Ltd")
    codat.create_connection(company.id, "mqjo")
    sleeps_before = list(codat.sleeps)
    with pytest.raises(LinkTimeoutError, match=r"^Company 'Waiting Ltd' \([0-9a-f-]{36}\) still has no Linked connection after 0.2 s") as raised:
        codat.wait_for_link(company.id, timeout=0.2, poll_interval=0.05)
    message = str(raised.value)
    assert "(connections: Sandbox PendingAuth)" in message and company.redirect in message and "press Connect" in message
    assert raised.value.company.id == company.id
    # A person is waited for: real time passed; the Sandbox's clock was not moved instead.
    assert codat.sleeps == sleeps_before
    with pytest.raises(ValidationError, match="timeout must be a number of seconds"):
        codat.wait_for_link(company.id, timeout=-1)


@case
def count_records_and_get_page_read_one_page_not_the_records(codat: Codat) -> None:
    company, _ = codat.synced(dataset="small-uk", invoices=230)
    before = codat.requests_sent
    assert codat.count_records(company.id, "invoices") == 230
    assert codat.count_records(company.id, "invoices", query="status=Paid") == codat.raw(
        f"/companies/{company.id}/data/invoices", query="status=Paid", pageSize=1)["totalResults"]
    assert codat.requests_sent - before == 2  # one request each, whatever the size
    assert codat.count_records(company.id, "company") == 1
    accounts = codat.list_records(company.id, "bankAccounts")
    assert codat.count_records(company.id, "bankAccounts") == len(accounts)
    assert codat.count_records(company.id, "bankTransactions") == len(codat.list_records(company.id, "bankTransactions"))
    page = codat.get_page(company.id, "invoices", page=3, page_size=40)
    expected = codat.raw(f"/companies/{company.id}/data/invoices", page=3, pageSize=40)
    assert page == expected and page["pageNumber"] == 3 and len(page["results"]) == 40
    transactions = codat.get_page(company.id, "bankTransactions", account_id=accounts[0]["id"], page_size=5)
    assert len(transactions["results"]) == 5
    with pytest.raises(ValidationError, match="paged per bank account: pass account_id="):
        codat.get_page(company.id, "bankTransactions")
    with pytest.raises(ValidationError, match="balanceSheet is a report"):
        codat.count_records(company.id, "balanceSheet")
    with pytest.raises(ValidationError, match="page must be a whole number from 1"):
        codat.get_page(company.id, "invoices", page=0)


@case
def count_records_before_the_first_sync_is_a_conflict(codat: Codat) -> None:
    company, _ = codat.linked("Not Synced Ltd")
    with pytest.raises(ConflictError):
        codat.count_records(company.id, "invoices")


# -- reads -----------------------------------------------------------------------------------------------


@case
def invoices_read_whole_and_in_order(codat: Codat) -> None:
    company, _ = codat.synced(dataset="small-uk", invoices=230)
    expected = []
    page = 1
    while True:
        body = codat.raw(f"/companies/{company.id}/data/invoices", page=page, pageSize=40)
        expected += body["results"]
        if "next" not in body["_links"]:
            break
        page += 1
    before = codat.requests_sent
    records = codat.list_records(company.id, "invoices", page_size=40)
    assert records == expected and len({r["id"] for r in records}) == body["totalResults"] == 230
    assert codat.requests_sent - before == 6  # ceil(230 / 40): no page twice
    assert codat.iter_records(company.id, "invoices", page_size=5000) == expected if codat.is_async else list(
        codat.iter_records(company.id, "invoices", page_size=5000)
    ) == expected


@case
def reads_query_and_order(codat: Codat) -> None:
    company, _ = codat.synced()
    paid = codat.list_records(company.id, "invoices", query="status=Paid", order_by="-totalAmount", page_size=7)
    assert paid and {r["status"] for r in paid} == {"Paid"}
    totals = [r["totalAmount"] for r in paid]
    assert totals == sorted(totals, reverse=True)


@case
def every_served_type_reads(codat: Codat) -> None:
    company, connection = codat.synced()
    for data_type in ("customers", "suppliers", "bills", "payments", "billPayments", "creditNotes", "items",
                      "taxRates", "trackingCategories", "journalEntries", "chartOfAccounts"):  # fmt: skip
        assert codat.list_records(company.id, data_type, page_size=5000), data_type
    banks = codat.list_records(company.id, "bankAccounts")
    assert banks == codat.list_records(company.id, "bankAccounts", connection_id=connection.id)
    transactions = codat.list_records(company.id, "bankTransactions", page_size=500)
    one = codat.list_records(company.id, "bankTransactions", account_id=banks[0]["id"])
    assert one and len(transactions) > len(one) and {t["accountId"] for t in transactions} == {b["id"] for b in banks}
    info = codat.list_records(company.id, "company")
    assert info == [codat.company_info(company.id)] and info[0]["companyName"]
    invoice = codat.list_records(company.id, "invoices", page_size=1)[0]
    assert codat.get_record(company.id, "invoices", invoice["id"]) == invoice
    assert codat.get_record(company.id, "bankAccounts", banks[0]["id"]) == banks[0]
    sheet = codat.balance_sheet(company.id, period_length=1, periods_to_compare=3)
    assert len(sheet["reports"]) == 3
    pnl = codat.profit_and_loss(company.id, period_length=3, periods_to_compare=2, start_month="2025-10-01")
    assert [r["fromDate"][:10] for r in pnl["reports"]] == ["2025-10-01", "2025-07-01"]


@case
def reading_before_the_first_sync_says_to_sync(codat: Codat) -> None:
    company = codat.create_company("Unsynced")
    codat.create_connection(company.id, "mqjo")
    with pytest.raises(ConflictError) as caught:
        codat.list_records(company.id, "invoices")
    assert caught.value.status == 409 and "refresh_data_type" in str(caught.value) and "wait_for_sync" in str(caught.value)


@case
def a_type_the_sandbox_lacks_and_an_unknown_record_are_404(codat: Codat) -> None:
    company, _ = codat.synced()
    with pytest.raises(NotFoundError):
        codat.list_records(company.id, "purchaseOrders")
    with pytest.raises(NotFoundError):
        codat.get_record(company.id, "invoices", "no-such-invoice")


# -- refused before sending ------------------------------------------------------------------------------

BAD_CALLS: list[tuple[str, Callable[[Codat], Any], str]] = [
    ("company id not a uuid", lambda c: c.get_company("not-a-uuid"), "company_id must be a UUID"),
    ("path traversal in a company id", lambda c: c.get_company("../../profile"), "company_id must be a UUID"),
    ("connection id not a uuid", lambda c: c.get_connection(str(uuid.UUID(int=1)), "x/../y"), "connection_id"),
    ("unknown data type", lambda c: c.refresh_data_type(str(uuid.UUID(int=1)), "invoice"), "Did you mean 'invoices'"),
    ("unknown data type on a read", lambda c: c.list_records(str(uuid.UUID(int=1)), "Invoices"), "Did you mean 'invoices'"),
    ("page size 0", lambda c: c.list_companies(page_size=0), "page_size must be a whole number from 1 to 5000"),
    ("page size 5001", lambda c: c.list_records(str(uuid.UUID(int=1)), "invoices", page_size=5001), "1 to 5000"),
    ("page size text", lambda c: c.list_companies(page_size="abc"), "page_size"),
    ("empty company name", lambda c: c.create_company("(((***)))"), "no allowed characters"),
    ("record id with a slash", lambda c: c.get_record(str(uuid.UUID(int=1)), "invoices", "a/../b"), "must not contain"),
    ("platform key", lambda c: c.create_connection(str(uuid.UUID(int=1)), "Sandbox"), "four lowercase letters"),
    ("period length 0", lambda c: c.balance_sheet(str(uuid.UUID(int=1)), period_length=0), "period_length"),
    ("report as records", lambda c: c.list_records(str(uuid.UUID(int=1)), "balanceSheet"), "balance_sheet("),
    ("nothing to update", lambda c: c.update_company(str(uuid.UUID(int=1))), "at least one of"),
    ("empty data types", lambda c: c.wait_for_sync(str(uuid.UUID(int=1)), []), "data_types is empty"),
]


@case
def bad_arguments_are_refused_before_any_request(codat: Codat) -> None:
    for label, call, message in BAD_CALLS:
        before = codat.requests_sent
        with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace("'", "'")) as caught:
            call(codat)
        assert isinstance(caught.value, ValueError), label
        assert codat.requests_sent == before, f"{label}: a request was sent"


@case
def a_name_codat_would_strip_warns_naming_the_characters(codat: Codat) -> None:
    with pytest.warns(CompanyNameWarning, match=r"'\(' '\)' '\[' '\]'.*'Company Codat1'"):
        company = codat.create_company("Company (Codat[1])")
    assert company.name == "Company Codat1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        codat.create_company("Clean & Simple Ltd.")


# -- errors and retries ----------------------------------------------------------------------------------


@case
def transient_server_errors_are_retried_with_backoff(codat: Codat) -> None:
    company = codat.create_company("Retry Ltd")
    codat.faults(failNext=[{"status": 503, "count": 2, "method": "GET"}])
    before = codat.requests_sent
    assert codat.get_company(company.id).id == company.id
    assert codat.requests_sent - before == 3 and len(codat.sleeps) == 2 and codat.sleeps[1] > codat.sleeps[0] / 4


@case
def retry_after_is_honoured(codat: Codat) -> None:
    codat.faults(failNext=[{"status": 429, "count": 1, "retryAfter": 3}])
    assert codat.list_companies() == []
    assert codat.sleeps == [3.0]


@case
def a_create_after_a_server_error_is_checked_then_sent_again_and_after_429_retried(codat: Codat) -> None:
    # A 5xx on a create may follow the create: it is sent again only once a check shows no new company.
    codat.faults(failNext=[{"status": 500, "count": 1, "method": "POST", "path": "/companies"}])
    assert codat.create_company("Maybe Created Ltd").name == "Maybe Created Ltd"
    assert [c.name for c in codat.list_companies()] == ["Maybe Created Ltd"] and len(codat.sleeps) == 1
    assert codat.retries_by_cause == {"HTTP 500": 1}
    codat.delete_company(codat.list_companies()[0].id)
    codat.faults(failNext=[{"status": 429, "count": 1, "method": "POST", "path": "/companies", "retryAfter": 1}])
    assert codat.create_company("Created Once Ltd").name == "Created Once Ltd"
    assert [c.name for c in codat.list_companies()] == ["Created Once Ltd"]


@case
def retries_give_up_and_say_so(codat: Codat) -> None:
    codat.faults(failNext=[{"status": 429, "count": 4}])
    with pytest.raises(RateLimitError) as caught:
        codat.list_companies()
    assert len(codat.sleeps) == 3 and caught.value.status == 429 and "Too many requests" in str(caught.value)
    codat.faults(failNext=[{"status": 401, "count": 1}])
    with pytest.raises(AuthError, match="CODAT_API_KEY"):
        codat.list_companies()


@case
def curl_shows_the_last_request_without_the_key(codat: Codat) -> None:
    codat.create_company("Curl Ltd")
    command = codat.last_request_as_curl()
    assert command.startswith("curl -X POST ") and "/companies" in command and '"name":"Curl Ltd"' in command
    assert "$CODAT_API_KEY" in command and API_KEY not in command


# Last, so that every case above is in the table.
@case
def a_read_option_it_does_not_take_gets_a_clear_message(codat: Codat) -> None:
    company = codat.create_company("Options Ltd")
    for read in (codat.list_records, codat.iter_records, codat.read_frame, codat.read_tables):
        with pytest.raises(ValidationError, match=r"Unknown read option\(s\) 'colour': a read takes query, order_by"):
            read(company.id, "invoices", colour="blue")


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(codat: Codat, name: str) -> None:
    CASES[name](codat)
