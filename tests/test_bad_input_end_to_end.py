"""Bad input end to end: through the Python API, straight to the Sandbox over HTTP, the CLI and the widgets.

Each case gives a bad value where a user would (an empty or 100 kB name, an unknown data type, an id
with ``../``, a wrong key, a malformed query, a page size out of range, bad tags, bad sync settings,
NaN, a bad date, a lone surrogate, a wrong type, ...) and checks three things: the failure is one of
codat_nb's own (CodatError; for the CLI a non-zero exit with one paragraph on stderr; in a widget a
message in the widget itself), the message names the bad thing and says what to fix, and the
Sandbox's whole state is the same afterwards (tests/_state_snapshot.py: every tenant in memory, or
every row of the ``--state`` file). The cases run in-process; API cases marked ``more`` also through
an AsyncClient and against the same Sandbox served on a loopback port, raw cases marked ``served``
against the served one, and CLI cases marked ``process`` as a real ``python -m codat_nb``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import os
import shutil
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator

import httpx
import pytest

import codat_nb
from codat_nb.embedded import SANDBOX_KEY
from codat_nb.errors import APIError, CodatError, ConfigError, NotFoundError, ValidationError
from codat_nb.sandbox import DEFAULT_BASE_URL
from codat_nb.validation import CompanyNameWarning
from codat_nb.widgets import CompanyPicker, CreateCompanyForm, DataExplorer, LinkPanel, SyncPanel, SyncSettingsEditor
from codat_nb.widgets._feedback import ERROR_STYLE

from ._state_snapshot import emulator_state, sqlite_state

UNKNOWN = "0b6f0c1e-4d3a-4c5b-9e7f-1a2b3c4d5e6f"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class World:
    """One seeded Sandbox for the module: a synced company, a pending one, a locked profile setting."""

    sandbox: codat_nb.Sandbox
    client: codat_nb.Client
    ids: dict[str, str]
    url: str


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    client = sandbox.client(retries=False)
    linked = client.create_company("Platypus Properties", tags={"region": "uk"})
    connection = client.create_connection(linked.id, "mqjo")
    sandbox.authorize(linked.id, connection.id)
    client.wait_for_sync(linked.id)
    pending = client.create_company("Bank of Dave")
    pending_connection = client.create_connection(pending.id, "mqjo")
    profile = [s.to_json() for s in client.get_sync_settings().settings]
    for setting in profile:
        setting["isLocked"] = setting["dataType"] == "customers"
    client.set_sync_settings(profile, overrides_defaults=True)
    pull = client.list_pull_operations(linked.id)[0]
    ids = {"cid": linked.id, "conn": connection.id, "pending": pending.id, "pconn": pending_connection.id, "pull": pull.id}
    with sandbox.serve() as url:
        yield World(sandbox, client, ids, url)
    client.close()
    sandbox.close()


def _state(world: World) -> str:
    return emulator_state(world.sandbox.emulator)


def _assert_clear(message: str, words: tuple[str, ...]) -> None:
    assert message.strip(), "an empty message"
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "Traceback" not in message and 'File "' not in message, message
    assert len(message) < 2000, f"the message echoes too much ({len(message)} characters)"


def _assert_codat_chain(error: BaseException) -> None:
    """No library's exception hangs under the CodatError, unless the CodatError hid it on purpose."""
    inner = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    assert inner is None or isinstance(inner, CodatError), f"{type(error).__name__} carries {type(inner).__name__}: {inner}"


# -- the Python API ------------------------------------------------------------------------------------


Api = Callable[..., Any]  # api("method", *args, **kwargs) on the client of the mode


@dataclass(frozen=True)
class ApiCase:
    id: str
    call: Callable[[Api, dict[str, str], World], Any]
    error: type[CodatError]
    words: tuple[str, ...]
    more: bool = False  # also through an AsyncClient and against the served Sandbox


def _settings(**changes: Any) -> list[dict[str, Any]]:
    return [{"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0, **changes}]


API_CASES: list[ApiCase] = [
    # -- company names and fields ----------------------------------------------------------------
    ApiCase("name_empty", lambda api, i, w: api("create_company", ""), ValidationError, ("company name", "no allowed characters", "use letters, digits"), more=True),
    ApiCase("name_blank", lambda api, i, w: api("create_company", "   \t"), ValidationError, ("no allowed characters",)),
    ApiCase("name_only_disallowed", lambda api, i, w: api("create_company", "(([]))"), ValidationError, ("'(([]))'", "no allowed characters")),
    ApiCase("name_100_kb", lambda api, i, w: api("create_company", "A" * 100_000), APIError, ("name is 100000 characters long", "at most 255"), more=True),
    ApiCase("name_wrong_type", lambda api, i, w: api("create_company", 12345), ValidationError, ("name must be a string", "int")),
    ApiCase("name_lone_surrogate", lambda api, i, w: api("create_company", "Acme\ud800"), ValidationError, ("name holds", "surrogate", "remove it"), more=True),
    ApiCase("description_5000", lambda api, i, w: api("create_company", "Acme", description="d" * 5000), APIError, ("description is 5000 characters", "4000")),
    ApiCase("description_wrong_type", lambda api, i, w: api("create_company", "Acme", description=42), ValidationError, ("description must be a string", "int")),
    ApiCase("description_lone_surrogate", lambda api, i, w: api("create_company", "Acme", description="caf\udce9"), ValidationError, ("description holds", "position 3", "remove it")),
    ApiCase("rename_to_nothing", lambda api, i, w: api("update_company", i["cid"], name="()"), ValidationError, ("no allowed characters",)),
    ApiCase("update_without_fields", lambda api, i, w: api("update_company", i["cid"]), ValidationError, ("at least one of name=, description= or tags=",)),
    # -- tags ------------------------------------------------------------------------------------
    ApiCase("tags_eleven", lambda api, i, w: api("create_company", "Acme", tags={f"k{n}": "v" for n in range(11)}), ValidationError, ("at most 10 tags", "got 11"), more=True),
    ApiCase("tag_name_28", lambda api, i, w: api("create_company", "Acme", tags={"k" * 28: "v"}), ValidationError, ("tag name", "1 to 27 characters")),
    ApiCase("tag_name_empty", lambda api, i, w: api("create_company", "Acme", tags={"": "v"}), ValidationError, ("1 to 27 characters", "got ''")),
    ApiCase("tag_value_number", lambda api, i, w: api("replace_company", i["cid"], "Acme", tags={"region": 5}), ValidationError, ("Tag 'region'", "string value")),
    ApiCase("tag_value_101", lambda api, i, w: api("update_company", i["cid"], tags={"region": "u" * 101}), ValidationError, ("at most 100 characters",)),
    ApiCase("tags_not_a_mapping", lambda api, i, w: api("create_company", "Acme", tags=["region=uk"]), ValidationError, ("tags must be a mapping", "list")),
    ApiCase("tag_value_lone_surrogate", lambda api, i, w: api("create_company", "Acme", tags={"region": "\udfff"}), ValidationError, ("Tag 'region'", "value holds")),
    # -- ids -------------------------------------------------------------------------------------
    ApiCase("company_id_traversal", lambda api, i, w: api("get_company", "../../etc/passwd"), ValidationError, ("company_id must be a UUID", "'../../etc/passwd'"), more=True),
    ApiCase("company_id_encoded_traversal", lambda api, i, w: api("delete_company", "..%2F..%2Fcompanies"), ValidationError, ("company_id must be a UUID",)),
    ApiCase("company_id_uuid_then_path", lambda api, i, w: api("delete_company", i["cid"] + "/../" + i["pending"]), ValidationError, ("company_id must be a UUID",)),
    ApiCase("company_id_bytes", lambda api, i, w: api("delete_company", i["cid"].encode()), ValidationError, ("UUID string", "bytes")),
    ApiCase("company_unknown", lambda api, i, w: api("delete_company", UNKNOWN), NotFoundError, (f"No company was found with ID {UNKNOWN}",), more=True),
    ApiCase("connection_id_dot_dot", lambda api, i, w: api("delete_connection", i["cid"], ".."), ValidationError, ("connection_id must be a UUID",)),
    ApiCase("dataset_id_not_uuid", lambda api, i, w: api("get_pull_operation", i["cid"], "latest"), ValidationError, ("dataset_id must be a UUID", "'latest'")),
    ApiCase("record_id_traversal", lambda api, i, w: api("get_record", i["cid"], "invoices", "../../accounts"), ValidationError, ("record_id must not contain '/'",), more=True),
    ApiCase("record_id_empty", lambda api, i, w: api("get_record", i["cid"], "invoices", ""), ValidationError, ("record_id must be a non-empty string",)),
    ApiCase("pull_of_another_company", lambda api, i, w: api("get_pull_operation", i["pending"], i["pull"]), NotFoundError, ("No pull operation was found with ID", "for company")),
    ApiCase("connection_of_another_company", lambda api, i, w: api("unlink_connection", i["pending"], i["conn"]), NotFoundError, ("Data connection", "not found")),
    # -- keys ------------------------------------------------------------------------------------
    ApiCase("key_empty", lambda api, i, w: codat_nb.Client("", w.url), ConfigError, ("The API key is empty", "CODAT_API_KEY")),
    ApiCase("key_with_header_injection", lambda api, i, w: codat_nb.Client("abc\r\nX-Evil: 1", w.url), ConfigError, ("outside printable ASCII", "copy it again")),
    ApiCase("key_of_another_tenant", lambda api, i, w: _other_key(w, "delete_company", i["cid"]), NotFoundError, ("No company was found with ID",)),
    ApiCase("base_url_not_http", lambda api, i, w: codat_nb.Client("k", "ftp://api.codat.io"), ConfigError, ("base_url must start with http:// or https://",)),
    ApiCase("timeout_nan", lambda api, i, w: codat_nb.Client("k", w.url, timeout=math.nan), ConfigError, ("timeout must be a positive number of seconds", "nan")),
    ApiCase("concurrency_zero", lambda api, i, w: codat_nb.Client("k", w.url, concurrency=0), ValidationError, ("concurrency must be a whole number from 1 to 100",)),
    # -- data types ------------------------------------------------------------------------------
    ApiCase("data_type_typo", lambda api, i, w: api("list_records", i["cid"], "invoice"), ValidationError, ("Unknown data type 'invoice'", "Did you mean 'invoices'?"), more=True),
    ApiCase("data_type_case", lambda api, i, w: api("refresh_data_type", i["cid"], "Invoices"), ValidationError, ("Unknown data type 'Invoices'", "Did you mean 'invoices'?")),
    ApiCase("data_type_nonsense", lambda api, i, w: api("refresh_data_type", i["cid"], "zzzzzz"), ValidationError, ("Unknown data type 'zzzzzz'", "Known data types:")),
    ApiCase("data_type_none", lambda api, i, w: api("list_records", i["cid"], None), ValidationError, ("data_type must be a string", "NoneType")),
    ApiCase("data_type_report_as_records", lambda api, i, w: api("count_records", i["cid"], "balanceSheet"), ValidationError, ("is a report", "balance_sheet(company_id")),
    ApiCase("wait_for_unknown_type", lambda api, i, w: api("wait_for_sync", i["cid"], data_types=["invoicez"]), ValidationError, ("Unknown data type 'invoicez'",)),
    # -- queries and orderBy -------------------------------------------------------------------------
    ApiCase("query_missing_value", lambda api, i, w: api("list_companies", query="name="), APIError, ("Error parsing query", "Malformed query"), more=True),
    ApiCase("query_unclosed_brace", lambda api, i, w: api("list_companies", query="{name=Acme"), APIError, ("Malformed query",)),
    ApiCase("query_bad_date", lambda api, i, w: api("list_pull_operations", i["cid"], query="requested>2024-02-30"), APIError, ("'2024-02-30' is not a date", "YYYY-MM-DD")),
    ApiCase("query_order_on_text", lambda api, i, w: api("list_companies", query="name>abc"), APIError, ("needs a number or date", "Use = != or ~")),
    ApiCase("query_unknown_property", lambda api, i, w: api("list_companies", query="colour=red"), APIError, ("Could not resolve property colour on Company",)),
    ApiCase("query_contains_on_number", lambda api, i, w: api("list_pull_operations", i["cid"], query="progress~5"), APIError, ("only applies to text",)),
    ApiCase("query_blank", lambda api, i, w: api("list_companies", query="  "), ValidationError, ("query must be a non-empty string",)),
    ApiCase("query_too_long", lambda api, i, w: api("list_companies", query="name=" + "x" * 3000), APIError, ("the limit is 2047",)),
    ApiCase("query_lone_surrogate", lambda api, i, w: api("list_companies", query="name~\ud83d"), ValidationError, ("query holds", "surrogate")),
    ApiCase("order_by_unknown", lambda api, i, w: api("list_companies", order_by="-colour"), APIError, ("Error parsing orderBy", "Could not resolve property colour")),
    ApiCase("order_by_dash_only", lambda api, i, w: api("list_companies", order_by="-"), ValidationError, ("order_by must name a field",)),
    # -- page sizes and pages -----------------------------------------------------------------------
    ApiCase("page_size_zero", lambda api, i, w: api("list_companies", page_size=0), ValidationError, ("page_size must be a whole number from 1 to 5000", "got 0"), more=True),
    ApiCase("page_size_5001", lambda api, i, w: api("list_records", i["cid"], "invoices", page_size=5001), ValidationError, ("from 1 to 5000", "5001")),
    ApiCase("page_size_nan", lambda api, i, w: api("list_companies", page_size=math.nan), ValidationError, ("page_size must be a whole number", "nan")),
    ApiCase("page_size_text", lambda api, i, w: api("list_companies", page_size="100"), ValidationError, ("page_size must be a whole number", "'100'")),
    ApiCase("page_size_bool", lambda api, i, w: api("list_companies", page_size=True), ValidationError, ("page_size must be a whole number", "True")),
    ApiCase("page_zero", lambda api, i, w: api("get_page", i["cid"], "invoices", page=0), ValidationError, ("page must be a whole number from 1",)),
    # -- platform keys -------------------------------------------------------------------------------
    ApiCase("platform_by_name", lambda api, i, w: api("create_connection", i["pending"], "xero"), ValidationError, ("Did you mean 'gbol'?", "four lowercase letters")),
    ApiCase("platform_upper_case", lambda api, i, w: api("create_connection", i["pending"], "MQJO"), ValidationError, ("four lowercase letters", "'MQJO'")),
    ApiCase("platform_not_offline", lambda api, i, w: api("create_connection", i["pending"], "gbol"), APIError, ("cannot be linked offline", "Sandbox integrations"), more=True),
    ApiCase("platform_unknown", lambda api, i, w: api("get_integration", "zzzz"), NotFoundError, ("No integration was found with key 'zzzz'",)),
    # -- sync settings -------------------------------------------------------------------------------
    ApiCase("sync_unknown_data_type", lambda api, i, w: api("set_sync_settings", _settings(dataType="invoice"), i["cid"]), ValidationError, ("Unknown data type 'invoice'", "Did you mean 'invoices'?"), more=True),
    ApiCase("sync_schedule_nan", lambda api, i, w: api("set_sync_settings", _settings(syncSchedule=math.nan), i["cid"]), ValidationError, ("settings[0].syncSchedule is nan", "finite number")),
    ApiCase("sync_schedule_infinite", lambda api, i, w: api("set_sync_settings", _settings(syncSchedule=math.inf)), ValidationError, ("settings[0].syncSchedule is inf", "finite number")),
    ApiCase("sync_schedule_negative", lambda api, i, w: api("set_sync_settings", _settings(syncSchedule=-1), i["cid"]), APIError, ("settings[0].syncSchedule must be a whole number of at least 0",), more=True),
    ApiCase("sync_schedule_fraction", lambda api, i, w: api("set_sync_settings", _settings(syncSchedule=1.5), i["cid"]), APIError, ("syncSchedule must be a whole number",)),
    ApiCase("sync_fields_missing", lambda api, i, w: api("set_sync_settings", [{"dataType": "invoices"}], i["cid"]), APIError, ("settings[0].fetchOnFirstLink is required", "syncOrder is required")),
    ApiCase("sync_fetch_not_boolean", lambda api, i, w: api("set_sync_settings", _settings(fetchOnFirstLink="yes"), i["cid"]), APIError, ("fetchOnFirstLink must be true or false",)),
    ApiCase("sync_from_bad_date", lambda api, i, w: api("set_sync_settings", _settings(syncFromUtc="2024-02-30T00:00:00Z"), i["cid"]), APIError, ("syncFromUtc must be an ISO 8601 date-time",)),
    ApiCase("sync_unknown_property", lambda api, i, w: api("set_sync_settings", _settings(colour="red"), i["cid"]), APIError, ("settings[0].colour is not a SyncSetting property",)),
    ApiCase("sync_data_type_twice", lambda api, i, w: api("set_sync_settings", _settings() + _settings(), i["cid"]), APIError, ("settings[1].dataType 'invoices' appears twice",)),
    ApiCase("sync_settings_a_string", lambda api, i, w: api("set_sync_settings", "invoices", i["cid"]), ValidationError, ("settings must be a SyncSettings or a list", "str")),
    ApiCase("sync_setting_without_data_type", lambda api, i, w: api("set_sync_settings", [{"syncSchedule": 24}]), ValidationError, ("needs a dataType",)),
    # -- reports, waits and the Sandbox's own controls -------------------------------------------------
    ApiCase("report_start_month_bad_date", lambda api, i, w: api("balance_sheet", i["cid"], start_month="2024-13-01"), ValidationError, ("start_month must be a date or 'YYYY-MM-DD'", "'2024-13-01'")),
    ApiCase("report_period_length_zero", lambda api, i, w: api("profit_and_loss", i["cid"], period_length=0), ValidationError, ("period_length must be a whole number from 1 to 12",)),
    ApiCase("report_periods_infinite", lambda api, i, w: api("balance_sheet", i["cid"], periods_to_compare=math.inf), ValidationError, ("periods_to_compare must be a whole number from 1 to 60", "inf")),
    ApiCase("wait_timeout_nan", lambda api, i, w: api("wait_for_sync", i["cid"], timeout=math.nan), ValidationError, ("timeout must be a number of seconds", "nan")),
    ApiCase("wait_for_link_negative", lambda api, i, w: api("wait_for_link", i["pending"], timeout=-1), ValidationError, ("timeout must be a number of seconds", "-1")),
    ApiCase("advance_clock_nan", lambda api, i, w: w.sandbox.advance(math.nan), ValidationError, ("seconds must be a finite number", "nan")),
    ApiCase("advance_clock_back", lambda api, i, w: w.sandbox.advance(-5), ValidationError, ("seconds must be a number from 0",)),
    ApiCase("authorize_unknown_sample", lambda api, i, w: w.sandbox.authorize(i["pending"], i["pconn"], dataset="nope"), APIError, ("dataset must be one of small-uk",)),
    ApiCase("authorize_invoices_nan", lambda api, i, w: w.sandbox.authorize(i["pending"], i["pconn"], invoices=math.nan), ValidationError, ("invoices must be a whole number from 1 to 1000000", "nan")),
    ApiCase("wait_for_types_not_a_list", lambda api, i, w: api("wait_for_sync", i["cid"], data_types=5), ValidationError, ("data_types must be a list of data types", "int")),
    ApiCase("sandbox_speed_nan", lambda api, i, w: codat_nb.Sandbox(speed=math.nan, browser_links=False), ValidationError, ("speed must be a finite number", "nan")),
    ApiCase("sandbox_error_rate_above_one", lambda api, i, w: codat_nb.Sandbox(error_rate=2, browser_links=False), ValidationError, ("error_rate must be a share of pulls from 0 to 1", "got 2")),
    ApiCase("sandbox_seed_text", lambda api, i, w: codat_nb.Sandbox(seed="42", browser_links=False), ValidationError, ("seed must be a whole number", "'42'")),
    ApiCase("sandbox_state_not_sqlite", lambda api, i, w: codat_nb.Sandbox(state_path=ROOT / "pyproject.toml", browser_links=False), ValidationError, ("pyproject.toml is not a Sandbox state file",)),
    ApiCase("sandbox_state_folder_missing", lambda api, i, w: codat_nb.Sandbox(state_path=ROOT / "no-such-folder" / "s.db", browser_links=False), ValidationError, ("no-such-folder does not exist", "create it")),
    ApiCase("sandbox_start_naive", lambda api, i, w: codat_nb.Sandbox(start="2026-01-05T09:00:00"), ValidationError, ("start must be timezone-aware",)),
]  # fmt: skip


def _other_key(world: World, method: str, *args: Any) -> Any:
    """The same call with another key: the company is not that key's, so Codat answers 404."""
    transport = world.sandbox.emulator.transport()
    with codat_nb.Client("another-tenant-key", DEFAULT_BASE_URL, transport=transport, retries=False) as other:
        return getattr(other, method)(*args)


def _api_params() -> list[Any]:
    params = [pytest.param(case, "client", id=f"client-{case.id}") for case in API_CASES]
    params += [pytest.param(case, "async", id=f"async-{case.id}") for case in API_CASES if case.more]
    params += [pytest.param(case, "served", id=f"served-{case.id}", marks=pytest.mark.served) for case in API_CASES if case.more]
    return params


def _runner(world: World, mode: str) -> tuple[Api, Callable[[], None]]:
    """api("method", ...) on a client of ``mode``, and how to close it."""
    if mode == "client":
        client = world.sandbox.client(retries=False)
        return (lambda method, *a, **k: getattr(client, method)(*a, **k)), client.close
    if mode == "served":
        client = codat_nb.Client(SANDBOX_KEY, world.url, retries=False)
        return (lambda method, *a, **k: getattr(client, method)(*a, **k)), client.close
    aclient = world.sandbox.async_client(retries=False)

    def call(method: str, *args: Any, **kwargs: Any) -> Any:
        return asyncio.run(getattr(aclient, method)(*args, **kwargs))

    return call, lambda: asyncio.run(aclient.aclose())


@pytest.mark.parametrize(("case", "mode"), _api_params())
def test_bad_input_api(world: World, case: ApiCase, mode: str) -> None:
    api, close = _runner(world, mode)
    before = _state(world)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompanyNameWarning)  # Codat strips; the warning says so
            with pytest.raises(CodatError) as caught:
                case.call(api, world.ids, world)
    finally:
        close()
    error = caught.value
    assert isinstance(error, case.error), f"{type(error).__name__}: {error}"
    _assert_clear(str(error), case.words)
    _assert_codat_chain(error)
    assert _state(world) == before, "a refused call changed the Sandbox's state"


# -- raw HTTP: the Sandbox itself, without the client's checks ---------------------------------------------


@dataclass(frozen=True)
class RawCase:
    id: str
    method: str
    path: str  # formatted with the world's ids; sent as the raw path
    words: tuple[str, ...]
    status: int = 400
    body: bytes | None = None
    params: dict[str, str] | None = None
    served: bool = False


def _json(text: str) -> bytes:
    return text.encode()


RAW_CASES: list[RawCase] = [
    RawCase("body_nan", "POST", "/companies", ("NaN or Infinity", "send valid JSON"), body=_json('{"name": NaN}'), served=True),
    RawCase("body_infinity_in_settings", "POST", "/companies/{cid}/syncSettings", ("NaN or Infinity",),
            body=_json('{"companyId": "{cid}", "overridesDefaults": true, "settings": [{"dataType": "invoices", "fetchOnFirstLink": true, "syncSchedule": Infinity, "syncOrder": 0}]}')),
    RawCase("body_number_overflow", "POST", "/profile/syncSettings", ("NaN or Infinity",),
            body=_json('{"clientId": "x", "overridesDefaults": true, "settings": [{"dataType": "invoices", "fetchOnFirstLink": true, "syncSchedule": 1e400, "syncOrder": 0}]}')),
    RawCase("description_lone_surrogate", "POST", "/companies", ("lone surrogate", "valid JSON"), body=_json('{"name": "Acme", "description": "\\ud800"}'), served=True),
    RawCase("tag_lone_surrogate", "PATCH", "/companies/{cid}", ("lone surrogate",), body=_json('{"tags": {"region": "\\udc00"}}')),
    RawCase("body_not_utf8", "PUT", "/companies/{cid}", ("not UTF-8",), body=b'{"name": "Caf\xe9"}'),
    RawCase("name_null_on_put", "PUT", "/companies/{cid}", ("name is required",), body=_json('{"name": null}')),
    RawCase("description_number", "PATCH", "/companies/{cid}", ("description must be a string, not a number",), body=_json('{"description": 5}')),
    RawCase("tags_array", "PATCH", "/companies/{cid}", ("tags must be an object",), body=_json('{"tags": ["region=uk"]}')),
    RawCase("platform_type_number", "POST", "/companies", ("platformType must be a 4-letter lowercase key",), body=_json('{"name": "Acme", "platformType": 123}')),
    RawCase("platform_key_array", "POST", "/companies/{pending}/connections", ("platformKey must be a 4-letter lowercase key",), body=_json('{"platformKey": ["mqjo"]}')),
    RawCase("unlink_status_number", "PATCH", "/companies/{cid}/connections/{conn}", ("status can only be set to 'Unlinked'", "got 0"), body=_json('{"status": 0}')),
    RawCase("record_id_traversal", "GET", "/companies/{cid}/data/invoices/..%2F..%2Faccounts", ("No invoice was found with ID ../../accounts",), status=404, served=True),
    RawCase("company_id_dot_segments", "DELETE", "/companies/%2e%2e", ("companyId must be a UUID",), served=True),
    RawCase("page_size_underscore", "GET", "/companies", ("pageSize must be a whole number from 1 to 5000", "'1_0'"), params={"pageSize": "1_0"}),
    RawCase("page_size_other_digits", "GET", "/companies", ("pageSize must be a whole number",), params={"pageSize": "\u0661\u0660"}),
    RawCase("page_5000_digits", "GET", "/companies", ("page must be a whole number of at least 1",), params={"page": "9" * 5000}),
    RawCase("query_bad_month", "GET", "/companies/{cid}/data/history", ("'2024-13-01' is not a date", "YYYY-MM-DD"), params={"query": "requested>2024-13-01"}, served=True),
    RawCase("query_nan_date", "GET", "/companies", ("'NaN' is not a date",), params={"query": "created>NaN"}),
    RawCase("query_dangling_and", "GET", "/companies", ("Malformed query",), params={"query": "name=a&&"}),
    RawCase("tags_filter_malformed", "GET", "/companies", ("Malformed query",), params={"tags": "region="}),
    RawCase("order_by_empty_part", "GET", "/companies", ("Error parsing orderBy", "is not a property name"), params={"orderBy": "name,,created"}),
    RawCase("sync_settings_from_and_window", "POST", "/companies/{cid}/syncSettings", ("set syncFromUtc or syncFromWindow, not both",),
            body=_json('{"companyId": "{cid}", "overridesDefaults": true, "settings": [{"dataType": "invoices", "fetchOnFirstLink": true, "syncSchedule": 24, "syncOrder": 0, "syncFromUtc": "2024-01-01T00:00:00Z", "syncFromWindow": 3}]}')),
    RawCase("sync_settings_overrides_missing", "POST", "/companies/{cid}/syncSettings", ("overridesDefaults is required",),
            body=_json('{"companyId": "{cid}", "settings": []}')),
]  # fmt: skip


def _raw_params() -> list[Any]:
    params = [pytest.param(case, "inprocess", id=f"inprocess-{case.id}") for case in RAW_CASES]
    params += [pytest.param(case, "served", id=f"served-{case.id}", marks=pytest.mark.served) for case in RAW_CASES if case.served]
    return params


def _fill(text: str, ids: dict[str, str]) -> str:
    for key, value in ids.items():
        text = text.replace("{" + key + "}", value)
    return text


@pytest.mark.parametrize(("case", "mode"), _raw_params())
def test_bad_input_raw_http(world: World, case: RawCase, mode: str) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(SANDBOX_KEY.encode()).decode()}
    if mode == "inprocess":
        http = httpx.Client(transport=world.sandbox.emulator.transport(), base_url=DEFAULT_BASE_URL, headers=auth)
    else:
        http = httpx.Client(base_url=world.url, headers=auth, timeout=10)
    path = _fill(case.path, world.ids)
    before = _state(world)
    with http:
        url = http.base_url.copy_with(raw_path=path.encode("ascii"))
        headers = {"Content-Type": "application/json"} if case.body is not None else {}
        body = _fill(case.body.decode("latin-1"), world.ids).encode("latin-1") if case.body is not None else None
        response = http.request(case.method, url, content=body, params=case.params, headers=headers)
        assert response.status_code == case.status, response.text[:500]
        assert response.headers["content-type"].startswith("application/json"), response.headers
        answer = response.json()
        assert set(answer) >= {"statusCode", "service", "error", "correlationId", "validation", "canBeRetried"}, answer
        assert answer["statusCode"] == case.status
        _assert_clear(answer["error"], case.words)
        assert http.get("/companies").status_code == 200, "the Sandbox stopped answering after a bad request"
    assert _state(world) == before, "a refused request changed the Sandbox's state"


# -- the CLI, on a --state file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliCase:
    id: str
    argv: tuple[str, ...]  # formatted with {state}, {cid}, {out} and {missing}
    words: tuple[str, ...]
    code: int = 2
    process: bool = False  # also as a real ``python -m codat_nb`` process


CLI_CASES: list[CliCase] = [
    CliCase("export_company_traversal", ("export", "--sandbox-state", "{state}", "--company", "../../etc/passwd", "--out", "{out}"), ("--company must be a UUID", "'../../etc/passwd'"), process=True),
    CliCase("export_company_not_utf8", ("export", "--sandbox-state", "{state}", "--company", "caf\udce9", "--out", "{out}"), ("--company must be a UUID", "caf"), process=True),
    CliCase("export_company_empty", ("export", "--sandbox-state", "{state}", "--company", "", "--out", "{out}"), ("--company must be a UUID",)),
    CliCase("export_data_type_typo", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--data-type", "invoice", "--out", "{out}"), ("invoice", "invoices")),
    CliCase("export_data_type_100_kb", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--data-type", "x" * 100_000, "--out", "{out}"), ("Unknown data type", "xxx..."), process=True),
    CliCase("export_format_unknown", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--format", "xlsx", "--out", "{out}"), ("xlsx", "parquet", "csv")),
    CliCase("export_report_periods_61", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--report-periods", "61", "--out", "{out}"), ("--report-periods must be a whole number from 1 to 60",)),
    CliCase("export_report_periods_nan", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--report-periods", "nan", "--out", "{out}"), ("'nan' is not a whole number",)),
    CliCase("export_seed_negative", ("export", "--sandbox-state", "{state}", "--sandbox-seed", "-1", "--company", "{cid}", "--out", "{out}"), ("must not be negative",)),
    CliCase("export_out_parent_missing", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--out", "{missing}/deeper/out"), ("does not exist (create it first)",)),
    CliCase("export_state_missing", ("export", "--sandbox-state", "{missing}/state.db", "--company", "{cid}", "--out", "{out}"), ("no state file at", "codat-nb sandbox serve --state")),
    CliCase("export_state_not_sqlite", ("export", "--sandbox-state", str(ROOT / "pyproject.toml"), "--company", "{cid}", "--out", "{out}"), ("pyproject.toml is not a Sandbox state file",)),
    CliCase("export_two_sources", ("export", "--sandbox-state", "{state}", "--base-url", "http://127.0.0.1:9", "--company", "{cid}", "--out", "{out}"), ("two different sources",)),
    CliCase("export_company_unknown", ("export", "--sandbox-state", "{state}", "--company", UNKNOWN, "--out", "{out}"), ("No company was found with ID", "CODAT_API_KEY"), code=1, process=True),
    CliCase("export_unknown_option", ("export", "--sandbox-state", "{state}", "--company", "{cid}", "--out", "{out}", "--colour", "red"), ("unrecognized arguments: --colour red",), process=True),
    CliCase("walkthrough_name_empty", ("walkthrough", "--name", "  "), ("the company name is empty",)),
    CliCase("walkthrough_name_disallowed", ("walkthrough", "--name", "((()))"), ("has no character Codat keeps",)),
    CliCase("walkthrough_speed_nan", ("walkthrough", "--speed", "nan"), ("'nan' is not a number", "finite number"), process=True),
    CliCase("walkthrough_timeout_zero", ("walkthrough", "--timeout", "0"), ("0 s would not wait at all",)),
    CliCase("walkthrough_sample_unknown", ("walkthrough", "--sample", "big-corp"), ("invalid choice: 'big-corp'", "small-uk")),
    CliCase("serve_port_out_of_range", ("sandbox", "serve", "--state", "{state}", "--port", "70000"), ("70000 is not a port number", "0-65535"), process=True),
    CliCase("serve_error_rate_above_one", ("sandbox", "serve", "--state", "{state}", "--error-rate", "2"), ("must be from 0 to 1",)),
    CliCase("serve_speed_infinite", ("sandbox", "serve", "--state", "{state}", "--speed", "inf"), ("'inf' is not a number", "finite number")),
]  # fmt: skip


@pytest.fixture(scope="module")
def state_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A --state file with one synced company, written and closed as a served Sandbox would leave it."""
    path = tmp_path_factory.mktemp("state") / "sandbox.db"
    with codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False, state_path=path) as sandbox:
        with sandbox.client(retries=False) as client:
            company = client.create_company("Platypus Properties")
            connection = client.create_connection(company.id, "mqjo")
            sandbox.authorize(company.id, connection.id)
            client.wait_for_sync(company.id)
            client.list_companies()
    return path, company.id


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str
    before: str  # the state file's rows before the command, and after it
    after: str
    folder: Path


def _cli_run(case: CliCase, source: Path, company_id: str, folder: Path, process: bool) -> CliRun:
    """The command on its own copy of the state file, in this process (main(argv)) or a new one."""
    import contextlib
    import io

    from codat_nb.cli import main

    folder.mkdir(parents=True)
    state = folder / "sandbox.db"
    shutil.copyfile(source, state)
    names = {"state": str(state), "cid": company_id, "out": str(folder / "out"), "missing": str(folder / "missing")}
    argv = [arg.format(**names) if "{" in arg else arg for arg in case.argv]
    before = sqlite_state(state)
    if process:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODAT_")}
        done = subprocess.run([sys.executable, "-m", "codat_nb", *argv], capture_output=True, text=True, env=env, cwd=folder, timeout=120)
        return CliRun(done.returncode, done.stdout, done.stderr, before, sqlite_state(state), folder)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse's refusals
            code = exit.code if isinstance(exit.code, int) else 1
    return CliRun(code, stdout.getvalue(), stderr.getvalue(), before, sqlite_state(state), folder)


@pytest.fixture(scope="module")
def cli_processes(state_file: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliRun]:
    """The cases marked ``process`` as real ``python -m codat_nb`` runs, three at a time (an export's
    argument check imports pandas, two seconds each)."""
    source, company_id = state_file
    base = tmp_path_factory.mktemp("cli")
    chosen = [case for case in CLI_CASES if case.process]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = pool.map(lambda case: _cli_run(case, source, company_id, base / case.id, True), chosen)
        return dict(zip((case.id for case in chosen), runs))


def _cli_params() -> list[Any]:
    params = [pytest.param(case, "inprocess", id=f"inprocess-{case.id}") for case in CLI_CASES]
    return params + [pytest.param(case, "process", id=f"process-{case.id}") for case in CLI_CASES if case.process]


@pytest.mark.parametrize(("case", "mode"), _cli_params())
def test_bad_input_cli(state_file: tuple[Path, str], tmp_path: Path, request: pytest.FixtureRequest, case: CliCase, mode: str) -> None:
    if mode == "process":
        run = request.getfixturevalue("cli_processes")[case.id]
    else:
        run = _cli_run(case, *state_file, tmp_path / "run", False)
    assert run.code == case.code, f"exit {run.code}; stderr: {run.stderr[-1500:]}"
    stderr = run.stderr.strip()
    _assert_clear(stderr, case.words)
    assert "\n\n" not in stderr, f"more than one paragraph on stderr:\n{stderr}"
    assert not run.stdout.strip(), f"a refused command wrote to stdout: {run.stdout[:300]}"
    assert not (run.folder / "out").exists(), "a refused export wrote its folder"
    assert run.after == run.before, "a refused command changed the state file"


# -- the widgets -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WidgetCase:
    id: str
    scenario: Callable[[codat_nb.Client, dict[str, str]], Awaitable[tuple[Any, str]]]  # (widget, the inline text shown)
    words: tuple[str, ...]


async def _form(client: codat_nb.Client, name: str = "Platypus Properties", tags: str = "", description: str = "", key: Any = "mqjo") -> CreateCompanyForm:
    form = CreateCompanyForm(client)
    await form.wait()
    form.name.value, form.tags.value, form.description.value = name, tags, description
    form.integration.value = key
    return form


async def _pressed(form: CreateCompanyForm) -> tuple[Any, str]:
    """Press Create company; the text of the form's error area."""
    form.create_button.click()
    await form.wait()
    assert form.company is None, "the form created a company"
    return form, _alert(form.feedback.value)


async def _hint(form: CreateCompanyForm, hint: Any) -> tuple[Any, str]:
    """The hint under a field, and Create company disabled (so pressing it does nothing)."""
    assert form.create_button.disabled, "Create company stays enabled with a bad field"
    assert ERROR_STYLE in hint.value, hint.value
    form.create_button.click()
    assert form.submit() is None and not form.runner.busy
    return form, hint.value


def _alert(html: str) -> str:
    assert "role='alert'" in html, f"no inline error: {html!r}"
    return html


async def _name_empty(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    form = await _form(client, name="   ")
    return await _hint(form, form.name_hint)


async def _name_disallowed(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    form = await _form(client, name="<>(){}[]")
    return await _hint(form, form.name_hint)


async def _name_100_kb(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    return await _pressed(await _form(client, name="A" * 100_000))


async def _description_5000(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    return await _pressed(await _form(client, description="d" * 5000))


async def _description_surrogate(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    return await _pressed(await _form(client, description="Caf\udce9 owner"))


async def _tags(client: codat_nb.Client, ids: dict[str, str], text: str) -> tuple[Any, str]:
    form = await _form(client, tags=text)
    return await _hint(form, form.tags_hint)


async def _integration_unavailable(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    form = await _form(client, key="gbol")
    return await _hint(form, form.integration_hint)


async def _picker_search_surrogate(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    picker = CompanyPicker(client)
    await picker.wait()
    shown = list(picker.rows)
    picker.search.value = "Platypus \ud800"
    await picker.wait()
    assert picker.rows == shown, "the table changed on a refused search"
    return picker, _alert(picker.feedback.value)


async def _settings_bad_company(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    editor = SyncSettingsEditor(client, company="../../profile")
    await editor.wait()
    assert editor.draft is None and editor.company_id is None, "the editor loaded something for a bad id"
    return editor, _alert(editor.feedback.value)


async def _settings_locked(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    editor = SyncSettingsEditor(client)
    await editor.wait()
    locked = editor.fetch["customers"]
    assert locked.disabled, "a locked setting's control is enabled"
    locked.value = not locked.value  # as code (or a stale front end) could
    assert editor.draft.changed() == () and editor.save_button.disabled
    return editor, _alert(editor.feedback.value)


async def _explorer_bad_company(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    explorer = DataExplorer(client)
    await explorer.wait()
    explorer.show("1; DROP TABLE companies")
    assert explorer.company_id is None and not explorer.runner.busy
    return explorer, _alert(explorer.feedback.value)


async def _link_panel_bad_company(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    panel = LinkPanel(client, company="..%2F..%2Fetc")
    await panel.wait()
    assert not panel.watcher.busy and panel.authorise_button.disabled
    panel.close()
    return panel, _alert(panel.feedback.value)


async def _sync_panel_bad_company(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    panel = SyncPanel(client, company=ids["cid"].upper() + "/..")
    await panel.wait()
    assert panel.company is None
    return panel, _alert(panel.feedback.value)


async def _sync_panel_nothing_chosen(client: codat_nb.Client, ids: dict[str, str]) -> tuple[Any, str]:
    panel = SyncPanel(client, company=ids["cid"])
    await panel.wait()
    panel.data_types.value = ()
    panel.refresh_selected_button.click()
    await panel.wait()
    return panel, _alert(panel.feedback.value)


WIDGET_CASES: list[WidgetCase] = [
    WidgetCase("create_name_blank", _name_empty, ("Enter the company", "name")),
    WidgetCase("create_name_disallowed", _name_disallowed, ("Nothing would be left of this name", "use letters, digits")),
    WidgetCase("create_name_100_kb", _name_100_kb, ("Codat answered 400", "name is 100000 characters long", "at most 255")),
    WidgetCase("create_description_5000", _description_5000, ("Codat answered 400", "description is 5000 characters", "4000")),
    WidgetCase("create_description_surrogate", _description_surrogate, ("Check the input", "description holds", "remove it")),
    WidgetCase("create_tag_without_value", lambda c, i: _tags(c, i, "region"), ("Write each tag as key=value", "region=uk")),
    WidgetCase("create_tags_eleven", lambda c, i: _tags(c, i, ", ".join(f"k{n}=v" for n in range(11))), ("at most 10 tags",)),
    WidgetCase("create_tag_name_28", lambda c, i: _tags(c, i, "k" * 28 + "=v"), ("1 to 27 characters",)),
    WidgetCase("create_tag_twice", lambda c, i: _tags(c, i, "region=uk, region=us"), ("The tag region appears twice", "give each tag once")),
    WidgetCase("create_integration_unavailable", _integration_unavailable, ("Xero", "needs the real Codat API")),
    WidgetCase("picker_search_surrogate", _picker_search_surrogate, ("Check the input", "The search text holds", "position 9", "remove it")),
    WidgetCase("settings_company_traversal", _settings_bad_company, ("company must be a UUID", "../../profile", "Correct the value")),
    WidgetCase("settings_locked_edit", _settings_locked, ("Customers (customers) is locked", "cannot be changed")),
    WidgetCase("explorer_company_not_uuid", _explorer_bad_company, ("company must be a UUID", "DROP TABLE")),
    WidgetCase("link_panel_company_traversal", _link_panel_bad_company, ("company must be a UUID", "..%2F..%2Fetc")),
    WidgetCase("sync_panel_company_with_path", _sync_panel_bad_company, ("company must be a UUID",)),
    WidgetCase("sync_panel_nothing_chosen", _sync_panel_nothing_chosen, ("Choose one or more data types",)),
]  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in WIDGET_CASES])
def test_bad_input_widget(world: World, case: WidgetCase, caplog: pytest.LogCaptureFixture) -> None:
    before = _state(world)
    with world.sandbox.client(retries=False) as client, caplog.at_level(logging.ERROR, logger="codat_nb.widgets"):
        widget, shown = asyncio.run(case.scenario(client, world.ids))
    _assert_clear(shown, tuple(_escaped(word) for word in case.words))
    assert "Unexpected error" not in shown, shown
    assert not caplog.records, [r.getMessage() for r in caplog.records]  # only non-Codat errors are logged
    assert widget.problem is None or "Traceback" not in str(widget.problem)
    assert _state(world) == before, "a refused input changed the Sandbox's state"


def _escaped(word: str) -> str:
    from html import escape

    return escape(word)


# -- the count -----------------------------------------------------------------------------------------------------


def test_bad_input_cases_are_many_and_named_once() -> None:
    """At least 40 bad inputs over the four surfaces, each id once; the count per surface is printed."""
    surfaces = {"API": API_CASES, "raw HTTP": RAW_CASES, "CLI": CLI_CASES, "widgets": WIDGET_CASES}
    for name, cases in surfaces.items():
        ids = [case.id for case in cases]
        assert len(ids) == len(set(ids)), f"{name}: a case id appears twice"
    runs = {
        "API": len(API_CASES) + 2 * sum(case.more for case in API_CASES),
        "raw HTTP": len(RAW_CASES) + sum(case.served for case in RAW_CASES),
        "CLI": len(CLI_CASES) + sum(case.process for case in CLI_CASES),
        "widgets": len(WIDGET_CASES),
    }
    inputs = sum(len(cases) for cases in surfaces.values())
    print(f"\nbad inputs: {inputs} ({', '.join(f'{name} {len(cases)}' for name, cases in surfaces.items())}); "
          f"runs: {sum(runs.values())} ({', '.join(f'{name} {count}' for name, count in runs.items())})")  # fmt: skip
    assert inputs >= 40 and all(len(cases) >= 10 for cases in surfaces.values())
