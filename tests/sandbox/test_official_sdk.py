"""Codat's official Python SDK (``codat-platform``) as an independent client of the served emulator.

The SDK is generated from Codat's OpenAPI spec and parses every answer into strict pydantic
models with closed enums, so these tests prove the emulator's JSON is what a real Codat
client accepts. Its retries are switched off: a retried request would hide a wrong answer
behind a second, and retried 5xx answers would make the tests sleep.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from codat_platform import CodatPlatform
from codat_platform.models import errors
from codat_platform.models.shared.company import Company
from codat_platform.models.shared.connection import Connection
from codat_platform.models.shared.dataconnectionstatus import DataConnectionStatus
from codat_platform.models.shared.datastatuses import DataStatuses
from codat_platform.models.shared.pulloperation import PullOperation
from codat_platform.models.shared.pulloperations import PullOperations
from codat_platform.models.shared.security import Security
from codat_platform.models.shared.sourcetype import SourceType
from codat_platform.utils.retries import RetryConfig

from codat_nb.sandbox import Emulator, catalog
from codat_nb.sandbox.clock import parse_timestamp
from codat_nb.sandbox.pulls import NORMAL_PATH

from .conftest import auth_header

pytestmark = pytest.mark.served

#: Codat's platform timestamps: UTC with seven fractional digits. The SDK keeps them as ``str``.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
CORRELATION_ID = re.compile(r"^[0-9a-f]{32}$")
NORMAL_ORDER = [status for status, *_ in NORMAL_PATH] + ["Complete"]
#: The data types the offline accounting Sandbox (mqjo) supplies, and so syncs on first link.
SANDBOX_TYPES = set(catalog.SANDBOX_ACCOUNTING_TYPES)
NO_RETRIES = RetryConfig(strategy="none")


# -- fixtures and helpers ---------------------------------------------------------------------------


def make_sdk(url: str, transport: str = "httpx", auth: str | None = None) -> CodatPlatform:
    """The SDK as Codat's docs construct it, on the emulator's URL, with its retries off.

    ``transport="default"`` keeps the SDK's own urllib3 pool; ``"httpx"`` passes an
    ``httpx.Client`` through the constructor's ``client`` argument. Only the second is
    free of retries: urllib3 still retries 413/429/503 answers that carry Retry-After
    (see ``test_default_transport__urllib3_retries_503_despite_retries_off``).
    """
    return CodatPlatform(
        security=Security(auth_header=auth or auth_header()["Authorization"]),
        server_url=url,
        client=httpx.Client(timeout=10) if transport == "httpx" else None,
        retry_config=NO_RETRIES,
        timeout_ms=10_000,
    )


def close_sdk(sdk: CodatPlatform) -> None:
    """Close the SDK's connections: its ``__exit__`` closes neither transport."""
    rest = sdk._api_client.rest_client
    if isinstance(getattr(rest, "client", None), httpx.Client):
        rest.client.close()
    else:
        rest.pool_manager.clear()


@pytest.fixture(params=["default", "httpx"])
def sdk(request: pytest.FixtureRequest, live_url: str) -> Iterator[CodatPlatform]:
    client = make_sdk(live_url, request.param)
    try:
        with client:
            yield client
    finally:
        close_sdk(client)


@pytest.fixture
def control(live_url: str) -> Iterator[httpx.Client]:
    """A plain client for the emulator-only ``/_sandbox`` controls (no SDK method exists for them)."""
    with httpx.Client(base_url=live_url, headers=auth_header(), timeout=10) as client:
        yield client


@pytest.fixture
def served(live_emulator: tuple[Emulator, str], live_url: str) -> Emulator:
    """The served emulator itself (reset by ``live_url``), for moving its manual clock."""
    return live_emulator[0]


@contextmanager
def strict_models() -> Iterator[None]:
    """Turn an SDK model rejecting an emulator answer into a clear failure naming the cause."""
    try:
        yield
    except errors.ResponseValidationError as exc:
        pytest.fail(f"The SDK's models rejected an emulator response: {exc.cause}\nBody: {exc.body[:2000]}")


def authorise_in_browser(link_url: str) -> None:
    """What the customer's browser does on the connection's Link page: open it, press Connect."""
    with httpx.Client(timeout=10) as browser:  # no API key: the Link pages are public
        page = browser.get(link_url)
        assert page.status_code == 200, page.text
        assert "<form method='post'>" in page.text
        submitted = browser.post(link_url, data={})
        assert submitted.status_code == 303, submitted.text
        assert urljoin(link_url, submitted.headers["location"]) == link_url  # relative: back to this page, now Linked
        done = browser.get(link_url)
        assert "<h1>Sandbox connected</h1>" in done.text


def linked_company(sdk: CodatPlatform, control: httpx.Client, name: str = "Platypus Properties") -> tuple[Company, Connection]:
    company = sdk.companies.create(request={"name": name})
    connection = sdk.connections.create(request={"company_id": company.id, "request_body": {"platform_key": "mqjo"}})
    authorised = control.post(f"/_sandbox/companies/{company.id}/connections/{connection.id}/authorize")
    assert authorised.status_code == 200, authorised.text
    return company, connection


def all_pull_operations(sdk: CodatPlatform, company_id: str, page_size: int) -> tuple[list[PullOperation], list[PullOperations]]:
    """Every pull operation, paging with the SDK by following ``_links.next`` until it is absent."""
    pages = [sdk.refresh_data.list_pull_operations(request={"company_id": company_id, "page_size": page_size})]
    while pages[-1].links.next is not None:
        assert len(pages) < 100, "_links.next never ran out"
        query = parse_qs(urlsplit(pages[-1].links.next.href).query)
        pages.append(
            sdk.refresh_data.list_pull_operations(
                request={"company_id": company_id, "page": int(query["page"][0]), "page_size": int(query["pageSize"][0])}
            )
        )
    return [operation for page in pages for operation in page.results or []], pages


def poll_until(fetch: Callable[[], PullOperation], advance: Callable[[float], Any], done: Callable[[PullOperation], bool],
               step: float = 1.0, limit: int = 300) -> list[PullOperation]:  # fmt: skip
    """``fetch`` repeatedly, moving the manual clock ``step`` seconds between calls, until ``done``."""
    seen = [fetch()]
    while not done(seen[-1]):
        assert len(seen) < limit, f"still {seen[-1].status} after {limit} polls"
        advance(step)
        seen.append(fetch())
    return seen


def statuses_of(data_status: DataStatuses) -> dict[str, Any]:
    """DataStatuses as ``{dataType: DataStatus}`` for the entries the emulator sent."""
    return {entry.data_type.value: entry for entry in vars(data_status).values() if entry is not None}


# -- Codat's Connect guide, start to finish ----------------------------------------------------------


def test_connect_guide__official_sdk_end_to_end(sdk: CodatPlatform, served: Emulator, control: httpx.Client, live_url: str) -> None:
    with strict_models():
        # 1. Create a company.
        company = sdk.companies.create(request={"name": "Platypus Properties", "description": "Connect guide"})
        assert isinstance(company, Company)
        assert company.name == "Platypus Properties"
        assert company.description == "Connect guide"
        assert company.redirect == f"{live_url}/link/company/{company.id}"
        assert TIMESTAMP.match(company.created or "")
        assert company.last_sync is None
        assert company.data_connections == []
        assert company.products == []
        assert company.reference_subsidiary_companies == []

        # 2. Create the Sandbox connection: PendingAuth until the customer signs in.
        connection = sdk.connections.create(request={"company_id": company.id, "request_body": {"platform_key": "mqjo"}})
        assert isinstance(connection, Connection)
        assert connection.status == DataConnectionStatus.PENDING_AUTH
        assert connection.platform_name == "Sandbox"
        assert connection.integration_key == "mqjo"
        assert connection.source_type == SourceType.ACCOUNTING
        assert connection.integration_id == catalog.INTEGRATIONS_BY_KEY["mqjo"].integration_id
        assert connection.source_id == catalog.INTEGRATIONS_BY_KEY["mqjo"].source_id
        assert connection.link_url == f"{live_url}/link/companies/{company.id}/connections/{connection.id}/start"
        assert connection.last_sync is None
        assert connection.additional_properties == {}  # Codat's Connection allows no other keys

        # 3. The customer authorises the connection in their browser (not an SDK call).
        authorise_in_browser(connection.link_url)

        # 4. The company now shows the connection Linked.
        linked = sdk.companies.get(request={"company_id": company.id})
        assert [(c.id, c.status) for c in linked.data_connections or []] == [(connection.id, DataConnectionStatus.LINKED)]
        assert TIMESTAMP.match(linked.last_sync or "")
        assert TIMESTAMP.match(linked.data_connections[0].last_sync or "")
        first_link = sdk.refresh_data.list_pull_operations(request={"company_id": company.id, "page_size": 100})
        assert {p.data_type for p in first_link.results or []} == SANDBOX_TYPES
        assert all(p.connection_id == connection.id for p in first_link.results or [])

        # Let the first-link sync finish (a manual clock only moves when told to).
        assert control.post("/_sandbox/clock/advance", json={"seconds": 120}).status_code == 200
        settled = statuses_of(sdk.refresh_data.get(request={"company_id": company.id}))
        assert set(settled) == SANDBOX_TYPES
        assert {entry.current_status.value for entry in settled.values()} == {"Complete"}

        # 5. Refresh all data: 204, and a new pull for every first-link type.
        assert sdk.refresh_data.all(request={"company_id": company.id}) is None
        refreshed = sdk.refresh_data.list_pull_operations(request={"company_id": company.id, "page_size": 1})
        assert refreshed.total_results == 2 * len(SANDBOX_TYPES)
        served.clock.advance(120)

        # 6. Queue one data type.
        pull = sdk.refresh_data.by_data_type(request={"company_id": company.id, "data_type": "invoices"})
        assert isinstance(pull, PullOperation)
        assert (pull.company_id, pull.connection_id, pull.data_type) == (company.id, connection.id, "invoices")
        assert pull.status.value == "Queued"
        assert (pull.progress, pull.is_completed, pull.is_errored) == (10, False, False)
        assert pull.completed is None
        assert TIMESTAMP.match(pull.requested)

        # 7. The company's data status shows the new pull, and the last good one.
        status = statuses_of(sdk.refresh_data.get(request={"company_id": company.id}))["invoices"]
        assert status.current_status.value == "Queued"
        assert status.latest_sync_id == pull.id
        assert status.latest_successful_sync_id not in (None, pull.id)
        assert TIMESTAMP.match(status.last_successful_sync or "")

        # 8. List pull operations, paging with _links.next.
        operations, pages = all_pull_operations(sdk, company.id, page_size=5)
        total = 2 * len(SANDBOX_TYPES) + 1
        assert len(pages) == -(-total // 5)
        assert [page.page_number for page in pages] == list(range(1, len(pages) + 1))
        assert {page.total_results for page in pages} == {total}
        assert len(operations) == total == len({op.id for op in operations})
        assert pull.id in {op.id for op in operations}
        assert pages[0].links.previous is None and pages[-1].links.next is None
        assert pages[1].links.previous is not None
        assert pages[0].links.self_.href == f"/companies/{company.id}/data/history"
        assert pages[0].links.current.href == f"/companies/{company.id}/data/history?page=1&pageSize=5"

        # 9. Poll the pull operation while the clock moves, until it is Complete.
        seen = poll_until(
            lambda: sdk.refresh_data.get_pull_operation(request={"company_id": company.id, "dataset_id": pull.id}),
            served.clock.advance,
            lambda op: op.status.value == "Complete",
        )
        order = [op.status.value for op in seen]
        assert order == sorted(order, key=NORMAL_ORDER.index), order
        assert len(set(order)) >= 4  # a one-second step sees the intermediate phases
        progress = [op.progress for op in seen]
        assert progress == sorted(progress) and progress[-1] == 100
        final = seen[-1]
        assert (final.is_completed, final.is_errored, final.error_message) == (True, False, None)
        assert TIMESTAMP.match(final.completed or "")
        assert parse_timestamp(final.completed) > parse_timestamp(final.requested)
        # The SDK keeps every timestamp as the raw ``str``; Python 3.11+ reads Codat's 7 digits itself.
        assert isinstance(final.completed, str)
        assert datetime.fromisoformat(final.completed) == parse_timestamp(final.completed)

        done = statuses_of(sdk.refresh_data.get(request={"company_id": company.id}))["invoices"]
        assert done.current_status.value == "Complete"
        assert done.latest_sync_id == done.latest_successful_sync_id == pull.id
        assert done.last_successful_sync == final.completed
        assert sdk.companies.get(request={"company_id": company.id}).last_sync >= final.completed


def test_pull_operation__error_and_not_supported__parse(sdk: CodatPlatform, served: Emulator, control: httpx.Client) -> None:
    """An errored pull and a NotSupported one, as the SDK's closed status enum sees them."""
    with strict_models():
        company, _ = linked_company(sdk, control)
        served.clock.advance(120)
        assert control.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200
        failing = sdk.refresh_data.by_data_type(request={"company_id": company.id, "data_type": "invoices"})
        unsupported = sdk.refresh_data.by_data_type(request={"company_id": company.id, "data_type": "journals"})

        def fetch(dataset_id: str) -> Callable[[], PullOperation]:
            return lambda: sdk.refresh_data.get_pull_operation(request={"company_id": company.id, "dataset_id": dataset_id})

        errored = poll_until(fetch(failing.id), served.clock.advance, lambda op: op.is_errored)[-1]
        assert errored.status.value in {"FetchError", "MapError", "ValidationError", "ProcessingError"}
        assert errored.is_completed is False
        assert "invoices" in (errored.error_message or "")
        assert TIMESTAMP.match(errored.completed or "")

        skipped = fetch(unsupported.id)()
        assert skipped.status.value == "NotSupported"
        assert (skipped.is_completed, skipped.is_errored, skipped.error_message) == (False, False, None)
        assert "journals" in (skipped.status_description or "")

        status = statuses_of(sdk.refresh_data.get(request={"company_id": company.id}))
        assert status["invoices"].current_status.value == errored.status.value
        assert status["invoices"].latest_sync_id == errored.id
        assert status["invoices"].latest_successful_sync_id not in (None, errored.id)
        assert status["journals"].current_status.value == "NotSupported"
        assert status["journals"].latest_successful_sync_id is None


# -- integrations, settings, company and connection management ---------------------------------------


def test_integrations__list_get_branding(sdk: CodatPlatform, live_url: str) -> None:
    with strict_models():
        listed = sdk.integrations.list(request={"page_size": 100})
        assert listed.total_results == len(catalog.INTEGRATIONS) == len(listed.results or [])
        assert {i.key for i in listed.results or []} == set(catalog.INTEGRATIONS_BY_KEY)
        assert listed.links.next is None

        sandbox = sdk.integrations.get(request={"platform_key": "mqjo"})
        assert (sandbox.key, sandbox.name, sandbox.enabled) == ("mqjo", "Sandbox", True)
        assert sandbox.source_type == SourceType.ACCOUNTING
        assert sandbox.logo_url == f"{live_url}/link/logos/mqjo.svg"
        released = {
            feature.data_type.value
            for feature in sandbox.datatype_features or []
            if feature.data_type is not None and feature.supported_features[0].feature_state.value == "Release"
        }
        # The SDK reads the spec's declared ``dataType`` key, not the ``datatype`` of Codat's examples.
        assert released == SANDBOX_TYPES

        branding = sdk.integrations.get_branding(request={"platform_key": "mqjo"})
        assert branding.source_id == sandbox.source_id
        assert branding.logo.full.image.src == sandbox.logo_url
        assert branding.button.default.image.alt == "Sandbox logo"

        with pytest.raises(errors.ErrorMessage) as caught:
            sdk.integrations.get(request={"platform_key": "zzzz"})
        assert caught.value.status_code == 404


def test_sync_settings__profile_and_company(sdk: CodatPlatform, control: httpx.Client) -> None:
    with strict_models():
        profile = sdk.settings.get_sync_settings()
        assert profile.overrides_defaults is False
        assert [s.data_type.value for s in profile.settings or []] == list(catalog.DATA_TYPES)
        invoices = next(s for s in profile.settings or [] if s.data_type.value == "invoices")
        assert (invoices.fetch_on_first_link, invoices.sync_schedule, invoices.sync_order) == (True, 24, 0)

        changed = invoices.model_copy(update={"fetch_on_first_link": False, "sync_schedule": 48})
        assert sdk.settings.update_sync_settings(
            request={"client_id": profile.client_id, "settings": [changed], "overrides_defaults": True}
        ) is None
        profile = sdk.settings.get_sync_settings()
        assert profile.overrides_defaults is True
        invoices = next(s for s in profile.settings or [] if s.data_type.value == "invoices")
        assert (invoices.fetch_on_first_link, invoices.sync_schedule) == (False, 48)

        company = sdk.companies.create(request={"name": "Settings Co"})
        settings = sdk.companies.get_company_sync_settings(request={"company_id": company.id})
        assert settings.company_id == company.id
        assert settings.overrides_defaults is False
        inherited = next(s for s in settings.settings or [] if s.data_type.value == "invoices")
        assert (inherited.fetch_on_first_link, inherited.sync_schedule) == (False, 48)  # the profile's

        bills = next(s for s in settings.settings or [] if s.data_type.value == "bills")
        assert sdk.companies.set_company_sync_settings(
            request={
                "company_id": company.id,
                "request_body": {
                    "company_id": company.id,
                    "settings": [bills.model_copy(update={"fetch_on_first_link": False, "sync_from_window": 12})],
                    "overrides_defaults": True,
                },
            }
        ) is None
        settings = sdk.companies.get_company_sync_settings(request={"company_id": company.id})
        assert settings.overrides_defaults is True
        bills = next(s for s in settings.settings or [] if s.data_type.value == "bills")
        assert (bills.fetch_on_first_link, bills.sync_from_window) == (False, 12)

        # Linking now skips both types: invoices (profile) and bills (company).
        connection = sdk.connections.create(request={"company_id": company.id, "request_body": {"platform_key": "mqjo"}})
        assert control.post(f"/_sandbox/companies/{company.id}/connections/{connection.id}/authorize").status_code == 200
        queued = sdk.refresh_data.list_pull_operations(request={"company_id": company.id})
        assert {p.data_type for p in queued.results or []} == SANDBOX_TYPES - {"invoices", "bills"}


def test_company__update_replace_delete(sdk: CodatPlatform) -> None:
    with strict_models():
        company = sdk.companies.create(
            request={"name": "Company (Codat[1])", "description": "first", "tags": {"region": "uk", "tier": "gold"}}
        )
        assert company.name == "Company Codat1"  # Codat strips disallowed characters
        assert company.tags == {"region": "uk", "tier": "gold"}

        updated = sdk.companies.update(request={"company_id": company.id, "company_update_request": {"description": "second"}})
        assert (updated.name, updated.description, updated.tags) == ("Company Codat1", "second", {"region": "uk", "tier": "gold"})

        replaced = sdk.companies.replace(request={"company_id": company.id, "company_request_body": {"name": "Renamed"}})
        assert (replaced.name, replaced.description, replaced.tags) == ("Renamed", "", None)  # PUT clears what it omits
        assert sdk.companies.get(request={"company_id": company.id}) == replaced

        listed = sdk.companies.list(request={"query": "name=Renamed"})
        assert [c.id for c in listed.results or []] == [company.id]

        assert sdk.companies.delete(request={"company_id": company.id}) is None
        with pytest.raises(errors.ErrorMessage) as caught:
            sdk.companies.get(request={"company_id": company.id})
        assert caught.value.status_code == 404
        assert sdk.companies.list(request={}).total_results == 0


def test_connection__unlink_then_delete(sdk: CodatPlatform, control: httpx.Client, served: Emulator) -> None:
    with strict_models():
        company, connection = linked_company(sdk, control)
        served.clock.advance(120)

        unlinked = sdk.connections.unlink(
            request={"company_id": company.id, "connection_id": connection.id, "update_connection_status": {"status": "Unlinked"}}
        )
        assert unlinked.id == connection.id
        assert unlinked.status == DataConnectionStatus.UNLINKED
        fetched = sdk.connections.get(request={"company_id": company.id, "connection_id": connection.id})
        assert fetched.status == DataConnectionStatus.UNLINKED
        listed = sdk.connections.list(request={"company_id": company.id})
        assert [(c.id, c.status) for c in listed.results or []] == [(connection.id, DataConnectionStatus.UNLINKED)]

        assert sdk.connections.delete(request={"company_id": company.id, "connection_id": connection.id}) is None
        with pytest.raises(errors.ErrorMessage) as caught:
            sdk.connections.get(request={"company_id": company.id, "connection_id": connection.id})
        assert caught.value.status_code == 404
        assert caught.value.data.error == f"Data connection {connection.id} not found"
        assert sdk.connections.list(request={"company_id": company.id}).total_results == 0
        assert sdk.companies.get(request={"company_id": company.id}).data_connections == []


def test_unlinked_connection__customer_can_reauthorise(sdk: CodatPlatform, control: httpx.Client, served: Emulator) -> None:
    """Codat's spec on unlink-connection: unlinking "lets you re-authorize in future if your customer
    wishes to resume sharing their data". The customer re-opens the connection's linkUrl and signs in."""
    with strict_models():
        company, connection = linked_company(sdk, control)
        served.clock.advance(120)
        sdk.connections.unlink(
            request={"company_id": company.id, "connection_id": connection.id, "update_connection_status": {"status": "Unlinked"}}
        )
        authorise_in_browser(connection.link_url)
        again = sdk.connections.get(request={"company_id": company.id, "connection_id": connection.id})
        assert again.status == DataConnectionStatus.LINKED
        assert [c.id for c in sdk.connections.list(request={"company_id": company.id}).results or []] == [connection.id]
        pull = sdk.refresh_data.by_data_type(
            request={"company_id": company.id, "data_type": "invoices", "connection_id": connection.id}
        )
        assert pull.connection_id == connection.id


# -- errors ------------------------------------------------------------------------------------------


def test_unknown_company__typed_error_with_codat_fields(sdk: CodatPlatform) -> None:
    missing = "846ed55c-0f4a-4d8f-9d7b-9c0a5b1e2f3a"
    with pytest.raises(errors.ErrorMessage) as caught:
        sdk.companies.get(request={"company_id": missing})
    error = caught.value
    assert isinstance(error, errors.CodatPlatformError)
    assert error.status_code == 404
    assert error.headers["content-type"].startswith("application/json")
    data = error.data
    assert data.status_code == 404
    assert data.error == f"No company was found with ID {missing}"
    assert data.service == "ClientsApi"
    assert CORRELATION_ID.match(data.correlation_id or "")
    assert (data.can_be_retried, data.detailed_error_code) == ("Unknown", 0)
    assert data.validation is None


def test_bad_api_key__typed_401(live_url: str) -> None:
    sdk = make_sdk(live_url, auth="Basic not-base64!")
    try:
        with pytest.raises(errors.ErrorMessage) as caught:
            sdk.companies.list(request={})
    finally:
        close_sdk(sdk)
    assert caught.value.status_code == 401
    assert caught.value.data.status_code == 401
    assert caught.value.data.error.startswith("Unauthorized")
    assert CORRELATION_ID.match(caught.value.data.correlation_id or "")


def _fail_next_company_lists(control: httpx.Client, count: int) -> None:
    rule = {"status": 503, "count": count, "path": "/companies", "method": "GET", "retryAfter": 0}
    assert control.post("/_sandbox/faults", json={"failNext": [rule]}).status_code == 200


def _failures_left(control: httpx.Client) -> int:
    return sum(rule["count"] for rule in control.get("/_sandbox/faults").json()["failNext"])


def test_injected_503__raised_at_once_because_retries_are_off(live_url: str, control: httpx.Client) -> None:
    _fail_next_company_lists(control, 2)
    sdk = make_sdk(live_url, "httpx")
    try:
        with pytest.raises(errors.ErrorMessage) as caught:
            sdk.companies.list(request={})
    finally:
        close_sdk(sdk)
    assert caught.value.status_code == 503
    assert caught.value.data.status_code == 503
    assert caught.value.data.can_be_retried == "True"
    assert caught.value.headers["retry-after"] == "0"
    assert _failures_left(control) == 1  # exactly one request reached the emulator


def test_default_transport__urllib3_retries_503_despite_retries_off(live_url: str, control: httpx.Client) -> None:
    """An SDK quirk, pinned: ``RetryConfig("none")`` stops the SDK's own loop, but its default
    urllib3 pool keeps urllib3's ``Retry(3)``, which retries 413/429/503 answers carrying
    Retry-After. Pass ``client=httpx.Client()`` to get exactly one request per call."""
    _fail_next_company_lists(control, 2)
    sdk = make_sdk(live_url, "default")
    try:
        listed = sdk.companies.list(request={})
    finally:
        close_sdk(sdk)
    assert listed.total_results == 0  # the third attempt succeeded
    assert _failures_left(control) == 0


def test_second_accounting_connection__undeclared_400_is_a_plain_sdk_error(sdk: CodatPlatform, control: httpx.Client) -> None:
    """The spec lists no 400 for create-connection, so the SDK raises SDKError, not ErrorMessage."""
    company, _ = linked_company(sdk, control)
    with pytest.raises(errors.SDKError) as caught:
        sdk.connections.create(request={"company_id": company.id, "request_body": {"platform_key": "mqjo"}})
    assert not isinstance(caught.value, errors.ErrorMessage)
    assert caught.value.status_code == 400
    body = errors.ErrorMessageData.model_validate_json(caught.value.body)  # still Codat's error shape
    assert body.status_code == 400
    assert "already has an accounting connection" in (body.error or "")
