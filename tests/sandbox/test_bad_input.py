"""Malformed requests, table-driven: each must get a Codat-shaped error that says what to fix.

Every case runs in-process and against the served app (the ``api`` fixture). For each one
we check the status, that the answer is JSON in Codat's ``ErrorMessage`` shape, that the
message contains a fragment telling the user what to fix, that the server still answers,
and that nothing the tenant can see (or the emulator keeps) has changed.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
import pytest

from codat_nb.sandbox.app import MAX_BODY_BYTES

from .._state_snapshot import emulator_state
from .conftest import SandboxAPI

CORRELATION_ID = re.compile(r"^[0-9a-f]{32}$")
UNKNOWN_UUID = "0b6f0c1e-4d3a-4c5b-9e7f-1a2b3c4d5e6f"
_UNSET: Any = object()

Ids = dict[str, str]
Setup = Callable[[SandboxAPI], Ids]


# -- setups: each returns the ids formatted into the case's path (and body) --------------------


def company(api: SandboxAPI) -> Ids:
    return {"cid": api.create_company("Bad Input Ltd")["id"]}


def pending_connection(api: SandboxAPI) -> Ids:
    cid = api.create_company("Bad Input Ltd")["id"]
    response = api.post(f"/companies/{cid}/connections", json={"platformKey": "mqjo"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "PendingAuth"
    return {"cid": cid, "conn": response.json()["id"]}


def linked(api: SandboxAPI) -> Ids:
    """A Linked Sandbox connection whose first-link pulls are still running (the clock is manual)."""
    created, connection = api.linked_company("Bad Input Ltd")
    assert connection["status"] == "Linked"
    return {"cid": created["id"], "conn": connection["id"]}


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # formatted with the setup's ids; sent byte for byte when raw
    status: int
    fragment: str  # the part of ``error`` that tells the user what to fix
    setup: Setup | None = None
    raw: bool = False  # send ``path`` as the raw path so httpx cannot normalise it
    params: dict[str, str] | None = None
    json: Any = _UNSET  # may be a callable of the ids
    content: bytes | None = None
    headers: dict[str, str | None] = field(default_factory=dict)  # None removes the header
    service: str | None = None
    check: Callable[[httpx.Response], None] | None = None


def _basic(key: bytes) -> str:
    # HTTP drops trailing whitespace from header values (h11 refuses to send it), so
    # base64 of an empty key arrives as plain "Basic".
    return ("Basic " + base64.b64encode(key).decode()).strip()


def _allow_header(response: httpx.Response) -> None:
    allowed = {method.strip() for method in response.headers.get("allow", "").split(",")}
    assert {"GET", "POST"} <= allowed, response.headers


def _settings_body(company_id: str, *settings: dict[str, Any]) -> dict[str, Any]:
    return {"companyId": company_id, "settings": list(settings), "overridesDefaults": True}


def _setting(data_type: str) -> dict[str, Any]:
    return {"dataType": data_type, "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0}


JSON = {"Content-Type": "application/json"}

CASES: list[Case] = [
    # -- authentication ---------------------------------------------------------------------
    Case("missing_authorization", "GET", "/companies", 401, "No Authorization header",
         headers={"Authorization": None}, service="PublicApi"),
    Case("bearer_token", "GET", "/companies", 401, "must be 'Basic <base64 of your API key>'",
         headers={"Authorization": "Bearer x"}, service="PublicApi"),
    Case("basic_not_base64", "GET", "/companies", 401, "not valid base64",
         headers={"Authorization": "Basic %%%not-base64!!!"}, service="PublicApi"),
    Case("basic_empty_key", "GET", "/companies", 401, "Basic <base64 of your API key>",
         headers={"Authorization": _basic(b"")}, service="PublicApi"),
    Case("basic_blank_key", "GET", "/companies", 401, "API key in the Authorization header is empty",
         headers={"Authorization": _basic(b"   ")}, service="PublicApi"),
    # -- path ids -----------------------------------------------------------------------------
    Case("company_id_not_uuid", "GET", "/companies/not-a-uuid", 400, "companyId must be a UUID"),
    Case("company_id_encoded_traversal", "GET", "/companies/..%2F..%2Fetc", 400, "companyId must be a UUID", raw=True),
    Case("company_id_encoded_dot_dot", "GET", "/companies/%2e%2e", 400, "companyId must be a UUID", raw=True),
    Case("company_id_traversal_in_subpath", "GET", "/companies/%2e%2e%2f%2e%2e/connections", 400,
         "companyId must be a UUID", raw=True),
    Case("company_unknown", "GET", f"/companies/{UNKNOWN_UUID}", 404, f"No company was found with ID {UNKNOWN_UUID}",
         service="ClientsApi"),
    Case("company_unknown_delete", "DELETE", f"/companies/{UNKNOWN_UUID}", 404, "No company was found with ID",
         setup=company),
    Case("connection_unknown", "GET", f"/companies/{{cid}}/connections/{UNKNOWN_UUID}", 404,
         f"Data connection {UNKNOWN_UUID} not found", setup=company),
    Case("dataset_id_not_uuid", "GET", "/companies/{cid}/data/history/abc", 400, "datasetId must be a UUID",
         setup=company),
    Case("integration_unknown", "GET", "/integrations/zzzz", 404, "GET /integrations lists the keys"),
    # -- data types ---------------------------------------------------------------------------
    Case("queue_data_type_typo", "POST", "/companies/{cid}/data/queue/invoice", 400, "Did you mean 'invoices'",
         setup=linked),
    Case("queue_data_type_unknown", "POST", "/companies/{cid}/data/queue/zzzzzz", 400, "is not a Codat data type",
         setup=linked),
    # -- paging -------------------------------------------------------------------------------
    Case("page_size_zero", "GET", "/companies", 400, "pageSize must be a whole number from 1 to 5000",
         params={"pageSize": "0"}),
    Case("page_size_too_big", "GET", "/companies", 400, "pageSize must be a whole number from 1 to 5000",
         params={"pageSize": "5001"}),
    Case("page_size_not_number", "GET", "/companies", 400, "pageSize must be a whole number from 1 to 5000",
         params={"pageSize": "abc"}),
    Case("page_zero", "GET", "/companies", 400, "page must be a whole number of at least 1", params={"page": "0"}),
    Case("page_negative", "GET", "/companies", 400, "page must be a whole number of at least 1", params={"page": "-1"}),
    # -- query and orderBy ----------------------------------------------------------------------
    Case("query_missing_value", "GET", "/companies", 400, "Error parsing query - Malformed query",
         params={"query": "name="}),
    Case("query_unclosed_brace", "GET", "/companies", 400, "Error parsing query - Malformed query",
         params={"query": "{name=x"}),
    Case("query_triple_equals", "GET", "/companies", 400, "Error parsing query - Malformed query",
         params={"query": "name==="}),
    Case("query_unknown_property", "GET", "/companies/{cid}/data/history", 400,
         "Error parsing query - Could not resolve property isCompleted on Dataset",
         setup=linked, params={"query": "isCompleted=true"}),
    Case("query_contains_on_number", "GET", "/companies/{cid}/data/history", 400, "only applies to text",
         setup=linked, params={"query": "progress~5"}),
    Case("query_greater_on_string", "GET", "/companies", 400, "Use = != or ~", params={"query": "name>abc"}),
    Case("query_bad_boolean", "GET", "/companies/{cid}/data/history", 400, "use true or false",
         setup=linked, params={"query": "isErrored=maybe"}),
    Case("query_bad_date", "GET", "/companies/{cid}/data/history", 400, "write dates as YYYY-MM-DD",
         setup=linked, params={"query": "requested>yesterday"}),
    Case("query_too_long", "GET", "/companies", 400, "the limit is 2047",
         params={"query": "name=" + "x" * 2100}),
    Case("order_by_unknown_field", "GET", "/companies", 400, "Could not resolve property colour on Company",
         params={"orderBy": "-colour"}),
    # -- bodies -------------------------------------------------------------------------------
    Case("body_invalid_json", "POST", "/companies", 400, "not valid JSON", content=b'{"name": "Acme"', headers=JSON),
    Case("body_json_array", "POST", "/companies", 400, "must be a JSON object, not an array",
         json=[{"name": "Acme"}]),
    Case("body_text_plain", "POST", "/companies", 415, "Content-Type: application/json",
         content=b"name=Acme", headers={"Content-Type": "text/plain"}),
    Case("body_empty", "POST", "/companies", 400, "body is empty", content=b"", headers=JSON),
    Case("body_not_utf8", "POST", "/companies", 400, "not UTF-8", content=b'{"name": "\xff\xfe"}', headers=JSON),
    Case("body_over_1_mib", "POST", "/companies", 413, f"limit of {MAX_BODY_BYTES} bytes",
         content=b'{"name": "' + b"a" * (MAX_BODY_BYTES + 16) + b'"}', headers=JSON),
    # -- company fields -------------------------------------------------------------------------
    Case("name_100_kb", "POST", "/companies", 400, "at most 255", json={"name": "A" * 100_000}),
    Case("name_only_disallowed_characters", "POST", "/companies", 400, "no allowed characters left",
         json={"name": "()[]{}"}),
    Case("name_wrong_type", "POST", "/companies", 400, "name must be a string", json={"name": 123}),
    Case("name_missing", "POST", "/companies", 400, "name is required", json={"description": "no name"}),
    Case("put_without_name", "PUT", "/companies/{cid}", 400, "name is required", setup=company,
         json={"description": "replaced"}),
    Case("tags_too_many", "POST", "/companies", 400, "at most 10 tags",
         json={"name": "Tagged", "tags": {f"k{i}": "v" for i in range(11)}}),
    Case("tag_key_too_long", "POST", "/companies", 400, "must be 1 to 27 characters",
         json={"name": "Tagged", "tags": {"k" * 28: "v"}}),
    # -- connections ----------------------------------------------------------------------------
    Case("platform_key_unknown", "POST", "/companies/{cid}/connections", 404, "No integration was found with key 'zzzz'",
         setup=company, json={"platformKey": "zzzz"}),
    Case("platform_key_not_sandbox", "POST", "/companies/{cid}/connections", 400,
         "only emulates the Sandbox integrations", setup=company, json={"platformKey": "gbol"}),
    Case("platform_key_malformed", "POST", "/companies/{cid}/connections", 400, "4-letter lowercase key",
         setup=company, json={"platformKey": "MQJO"}),
    Case("platform_key_missing", "POST", "/companies/{cid}/connections", 400, "platformKey is required",
         setup=company, json={}),
    Case("second_accounting_connection", "POST", "/companies/{cid}/connections", 400,
         "already has an accounting connection", setup=pending_connection, json={"platformKey": "mqjo"}),
    Case("unlink_pending_auth", "PATCH", "/companies/{cid}/connections/{conn}", 400,
         "Only a Linked connection can be unlinked", setup=pending_connection, json={"status": "Unlinked"}),
    Case("unlink_to_linked", "PATCH", "/companies/{cid}/connections/{conn}", 400,
         "status can only be set to 'Unlinked'", setup=linked, json={"status": "Linked"}),
    # -- queueing pulls -------------------------------------------------------------------------
    Case("queue_while_syncing", "POST", "/companies/{cid}/data/queue/invoices", 400,
         "DatasetAlreadyInProgressException: Cannot queue invoices sync for", setup=linked, service="PullApi"),
    Case("queue_connection_id_not_uuid", "POST", "/companies/{cid}/data/queue/invoices", 400,
         "connectionId must be a UUID", setup=linked, params={"connectionId": "not-a-uuid"}),
    Case("queue_connection_id_unknown", "POST", "/companies/{cid}/data/queue/invoices", 404,
         f"Data connection {UNKNOWN_UUID} not found", setup=linked, params={"connectionId": UNKNOWN_UUID}),
    Case("queue_without_linked_connection", "POST", "/companies/{cid}/data/queue/invoices", 400,
         "no Linked accounting connection", setup=pending_connection),
    # -- sync settings --------------------------------------------------------------------------
    Case("sync_settings_company_id_mismatch", "POST", "/companies/{cid}/syncSettings", 400,
         f"companyId {UNKNOWN_UUID} does not match", setup=company,
         json=lambda ids: _settings_body(UNKNOWN_UUID, _setting("invoices"))),
    Case("sync_settings_unknown_data_type", "POST", "/companies/{cid}/syncSettings", 400,
         "'invoice' is not a Codat data type", setup=company,
         json=lambda ids: _settings_body(ids["cid"], _setting("invoice"))),
    Case("profile_sync_settings_empty_object", "POST", "/profile/syncSettings", 400, "clientId is required", json={}),
    # -- routing --------------------------------------------------------------------------------
    Case("unknown_route", "GET", "/companiez", 404, "No endpoint matches GET /companiez"),
    Case("wrong_method", "DELETE", "/companies", 405, "use GET, POST", check=_allow_header),
]  # fmt: skip


# -- the checks ---------------------------------------------------------------------------------


def _send(api: SandboxAPI, case: Case, ids: Ids) -> httpx.Response:
    path = case.path.format(**ids)
    url: httpx.URL | str = api.http.base_url.copy_with(raw_path=path.encode("ascii")) if case.raw else path
    if case.raw:
        assert url.raw_path == path.encode("ascii"), "httpx normalised the raw path"
    kwargs: dict[str, Any] = {}
    if case.json is not _UNSET:
        kwargs["json"] = case.json(ids) if callable(case.json) else case.json
    if case.content is not None:
        kwargs["content"] = case.content
    if case.params:
        kwargs["params"] = case.params
    request = api.http.build_request(case.method, url, **kwargs)
    for name, value in case.headers.items():
        if value is None:
            del request.headers[name]
        else:
            request.headers[name] = value
    return api.http.send(request)


def _internal_state(api: SandboxAPI) -> str:
    """What the emulator keeps per tenant (including id counters and pending pulls), as JSON."""
    return emulator_state(api.emulator)


def _assert_error_shape(response: httpx.Response, case: Case) -> None:
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/json"), f"content-type {content_type!r}: {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("statusCode") == response.status_code, body
    assert isinstance(body.get("service"), str) and body["service"], body
    if case.service is not None:
        assert body["service"] == case.service, body
    error = body.get("error")
    assert isinstance(error, str) and error.strip(), body
    assert len(error) < 2000, f"the error echoes too much input ({len(error)} characters)"
    assert "Traceback" not in error, error
    assert isinstance(body.get("correlationId"), str) and CORRELATION_ID.match(body["correlationId"]), body
    assert isinstance(body.get("canBeRetried"), str), body
    detailed = body.get("detailedErrorCode")
    assert isinstance(detailed, int) and not isinstance(detailed, bool), body
    assert "validation" in body, body
    validation = body["validation"]
    if validation is not None:
        assert isinstance(validation, dict), body
        assert isinstance(validation.get("errors"), list), body
        assert isinstance(validation.get("warnings"), list), body
        for item in validation["errors"]:
            assert isinstance(item, dict) and isinstance(item.get("message"), str), body


def test_bad_input__table_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", [pytest.param(case, id=f"test_bad_input__{case.id}") for case in CASES])
def test_bad_input(api: SandboxAPI, case: Case) -> None:
    ids = case.setup(api) if case.setup is not None else {}
    before = api.snapshot()
    internal_before = _internal_state(api)

    response = _send(api, case, ids)

    assert response.status_code == case.status, f"expected {case.status}, got {response.status_code}: {response.text[:500]}"
    _assert_error_shape(response, case)
    error = response.json()["error"]
    assert case.fragment in error, f"{case.fragment!r} not in {error!r}"
    if case.check is not None:
        case.check(response)

    alive = api.get("/companies")
    assert alive.status_code == 200, alive.text
    assert api.snapshot() == before, "a refused request changed what the tenant can see"
    assert _internal_state(api) == internal_before, "a refused request changed the emulator's state"
