"""Records read Codat's JSON (the spec's examples and the emulator's real output) once, and keep it."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from codat_nb import records
from codat_nb.errors import SchemaError
from codat_nb.records import (
    ERROR_STATUSES,
    PULL_STATUSES,
    TERMINAL_STATUSES,
    Company,
    Connection,
    DataConnectionError,
    DataStatus,
    Integration,
    PullOperation,
    SyncSetting,
    SyncSettings,
)
from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.timestamps import parse_datetime
from tests.reference import reference_file

SPEC_PATH = reference_file("Codat-Platform.json")
needs_spec = pytest.mark.skipif(not SPEC_PATH.is_file(), reason=f"{SPEC_PATH} is absent (Codat's OpenAPI spec)")
RECORD_TYPES = [Company, Connection, DataConnectionError, DataStatus, Integration, PullOperation, SyncSetting, SyncSettings]


# -- where the JSON comes from --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict[str, Any]]:
    """Everything a linked Sandbox company shows after ten minutes, with invoices' first pull failing."""
    emulator = Emulator(seed=0, clock=ManualClock())
    with emulator.http_client(api_key="k") as http:
        company = http.post("/companies", json={"name": "Platypus Properties", "tags": {"region": "uk"}}).json()
        cid = company["id"]
        conn = http.post(f"/companies/{cid}/connections", json={"platformKey": "mqjo"}).json()
        assert http.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200
        assert http.post(f"/_sandbox/companies/{cid}/connections/{conn['id']}/authorize", json={}).status_code == 200
        assert http.post("/_sandbox/clock/advance", json={"seconds": 600}).status_code == 200
        queued = http.post(f"/companies/{cid}/data/queue/customers").json()
        yield {
            "created": company,
            "pending": conn,
            "company": http.get(f"/companies/{cid}").json(),
            "status": http.get(f"/companies/{cid}/dataStatus").json(),
            "history": http.get(f"/companies/{cid}/data/history", params={"pageSize": 100}).json()["results"],
            "queued": queued,
            "integrations": http.get("/integrations").json()["results"],
            "profile_settings": http.get("/profile/syncSettings").json(),
            "company_settings": http.get(f"/companies/{cid}/syncSettings").json(),
        }
    emulator.close()


def _emulator_cases(out: dict[str, Any]) -> Iterator[tuple[type, dict[str, Any]]]:
    yield Company, out["created"]
    yield Company, out["company"]
    yield Connection, out["pending"]
    yield from ((Connection, c) for c in out["company"]["dataConnections"])
    yield from ((DataStatus, s) for s in out["status"].values())
    yield from ((PullOperation, p) for p in [*out["history"], out["queued"]])
    yield from ((Integration, i) for i in out["integrations"])
    yield SyncSettings, out["profile_settings"]
    yield SyncSettings, out["company_settings"]
    yield from ((SyncSetting, s) for s in out["profile_settings"]["settings"])


def _spec_cases() -> list[Any]:
    """(type, example) for every example of these objects in the spec, by where it appears."""
    if not SPEC_PATH.is_file():
        return [pytest.param(None, None, id="no-spec", marks=needs_spec)]
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas, paths = spec["components"]["schemas"], spec["paths"]

    def examples(path: str, method: str) -> list[Any]:
        content = paths[path][method]["responses"]["200"]["content"]["application/json"]
        return [item["value"] for item in content.get("examples", {}).values()]

    found: list[tuple[str, type, Any]] = []
    for name, cls in [("Company", Company), ("Integration", Integration), ("PullOperation", PullOperation),
                      ("DataStatus", DataStatus), ("SyncSetting", SyncSetting)]:  # fmt: skip
        found += [(f"schema-{name}", cls, ex) for ex in schemas[name].get("examples", [])]
    found.append(("schema-Connection", Connection, schemas["Connection"]["example"]))
    found += [("get-companies", Company, c) for page in examples("/companies", "get") for c in page["results"]]
    found += [("post-companies", Company, c) for c in examples("/companies", "post")]
    found += [("get-company", Company, c) for c in examples("/companies/{companyId}", "get")]
    found += [("get-connections", Connection, c) for page in examples("/companies/{companyId}/connections", "get") for c in page["results"]]
    found += [("get-history", PullOperation, p) for page in examples("/companies/{companyId}/data/history", "get") for p in page["results"]]
    found += [("get-dataStatus", DataStatus, s) for ex in examples("/companies/{companyId}/dataStatus", "get") for s in ex.values()]
    found += [("get-profile-syncSettings", SyncSettings, s) for s in examples("/profile/syncSettings", "get")]
    found += [("get-company-syncSettings", SyncSettings, s) for s in examples("/companies/{companyId}/syncSettings", "get")]
    return [pytest.param(cls, ex, id=f"{where}-{i}") for i, (where, cls, ex) in enumerate(found)]


def _snake(key: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), key)


def _assert_every_field_maps(record: Any, data: dict[str, Any]) -> None:
    """Each JSON key lands on the attribute of the same (snake_case) name, converted."""
    for key, value in data.items():
        if key == "platform":  # deprecated, always "" (reference §4); kept in raw only
            continue
        attr = "owner_id" if isinstance(record, SyncSettings) and key in ("clientId", "companyId") else _snake(key)
        assert hasattr(record, attr), f"{type(record).__name__} has no attribute for {key!r}"
        got = getattr(record, attr)
        if value is None:
            assert got in (None, ()), (key, got)
        elif isinstance(got, datetime):
            assert got == parse_datetime(value), key
        elif isinstance(value, list):
            assert isinstance(got, tuple) and len(got) == len(value), key
        elif isinstance(value, dict):
            assert dict(got) == value, key
        else:
            assert got == value, key


@pytest.mark.parametrize(("cls", "example"), _spec_cases())
def test_from_json__spec_examples(cls: type, example: dict[str, Any]) -> None:
    record = cls.from_json(example)
    _assert_every_field_maps(record, example)
    assert record.to_json() == example
    assert cls.from_json(record.to_json()) == record


def test_from_json__emulator_output(sandbox: dict[str, Any]) -> None:
    cases = list(_emulator_cases(sandbox))
    assert {cls for cls, _ in cases} == set(RECORD_TYPES) - {DataConnectionError}
    for cls, data in cases:
        record = cls.from_json(data)
        _assert_every_field_maps(record, data)
        assert record.to_json() == data, cls.__name__


# -- each type's fields ---------------------------------------------------------------------------


def test_company__from_emulator(sandbox: dict[str, Any]) -> None:
    data = sandbox["company"]
    company = Company.from_json(data)
    assert company.id == data["id"]
    assert company.name == "Platypus Properties"
    assert company.redirect.endswith(company.id)
    assert company.description == ""
    assert company.created == datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    assert company.last_sync is not None and company.last_sync.tzinfo is not None
    assert company.created_by_user_name is None
    assert company.products == ()
    assert company.tags == {"region": "uk"}
    assert company.reference_parent_company is None
    assert company.reference_subsidiary_companies == ()
    (connection,) = company.data_connections
    assert isinstance(connection, Connection)
    assert connection.status == "Linked" and connection.platform_name == "Sandbox"


def test_company__spec_references() -> None:
    data = {
        "id": "c8d3af58-7011-47ce-b3f2-89faf300ef6d",
        "name": "Toft stores UK",
        "redirect": "https://link.codat.io/company/c8d3af58-7011-47ce-b3f2-89faf300ef6d",
        "referenceParentCompany": {"id": "ab12c58d", "name": "Toft stores", "links": {"portal": "https://app.codat.io/x"}},
        "referenceSubsidiaryCompanies": [{"id": "s1", "name": "Sub"}],
    }
    company = Company.from_json(data)
    assert company.reference_parent_company["links"]["portal"] == "https://app.codat.io/x"
    assert company.reference_subsidiary_companies[0]["name"] == "Sub"
    assert company.created is None and company.data_connections == () and company.tags == {}
    with pytest.raises(TypeError):
        company.reference_parent_company["name"] = "changed"  # type: ignore[index]


def test_connection__from_emulator(sandbox: dict[str, Any]) -> None:
    pending = Connection.from_json(sandbox["pending"])
    assert pending.status == "PendingAuth"
    assert pending.integration_key == "mqjo"
    assert pending.source_type == "Accounting"
    assert pending.link_url.endswith(f"/connections/{pending.id}/start")
    assert pending.last_sync is None
    assert pending.created.utcoffset() == timedelta(0)
    assert pending.data_connection_errors == ()
    assert pending.connection_info is None


def test_connection__data_connection_errors() -> None:
    data = {
        "id": "ee2eb431", "integrationId": "bf083d72", "sourceId": "bdd831ce", "platformName": "Xero",
        "linkUrl": "https://link-api.codat.io/x", "status": "Deauthorized", "created": "2022-10-27T09:53:29Z",
        "sourceType": "Accounting", "connectionInfo": {"tenant": "t1"},
        "dataConnectionErrors": [{"statusCode": "401", "statusText": "Unauthorized", "errorMessage": "Token expired",
                                  "erroredOnUtc": "2022-10-28T10:00:00.1234567Z", "status": "Active", "resolvedOnUtc": None}],
    }  # fmt: skip
    connection = Connection.from_json(data)
    (error,) = connection.data_connection_errors
    assert error == DataConnectionError(
        status_code="401", status_text="Unauthorized", error_message="Token expired",
        errored_on_utc=datetime(2022, 10, 28, 10, 0, 0, 123456, timezone.utc), status="Active",
    )  # fmt: skip
    assert connection.connection_info == {"tenant": "t1"}
    assert connection.to_json() == data
    assert "Token expired" in repr(error) and "401" in repr(error)


def _pull(out: dict[str, Any], status: str) -> dict[str, Any]:
    return next(p for p in out["history"] if p["status"] == status)


def test_pull_operation__complete(sandbox: dict[str, Any]) -> None:
    data = _pull(sandbox, "Complete")
    pull = PullOperation.from_json(data)
    assert (pull.id, pull.company_id, pull.connection_id) == (data["id"], data["companyId"], data["connectionId"])
    assert pull.data_type == data["dataType"]
    assert pull.progress == 100 and pull.is_completed and not pull.is_errored
    assert pull.status_description is None and pull.error_message is None
    assert pull.is_terminal
    assert pull.duration == pull.completed - pull.requested
    assert timedelta(0) < pull.duration < timedelta(minutes=10)


def test_pull_operation__errored(sandbox: dict[str, Any]) -> None:
    data = next(p for p in sandbox["history"] if p["dataType"] == "invoices")
    pull = PullOperation.from_json(data)
    assert pull.status in ERROR_STATUSES
    assert pull.is_errored and not pull.is_completed and pull.is_terminal
    assert pull.error_message


def test_pull_operation__running(sandbox: dict[str, Any]) -> None:
    pull = PullOperation.from_json(sandbox["queued"])
    assert pull.status == "Queued" and pull.data_type == "customers"
    assert not pull.is_terminal
    assert pull.completed is None and pull.duration is None


def test_pull_operation__duration_of_mixed_zones_is_none() -> None:
    pull = _minimal_pull(requested="2022-11-14T11:18:37", completed="2022-11-14T11:19:00Z", status="Complete")
    assert pull.requested.tzinfo is None and pull.completed.tzinfo is not None
    assert pull.duration is None


@pytest.mark.parametrize("status", PULL_STATUSES)
def test_pull_operation__is_terminal__each_status(status: str) -> None:
    pull = _minimal_pull(status=status, isErrored=status in ERROR_STATUSES)
    assert pull.is_terminal == (status in ("Complete", "NotSupported", "Cancelled") or status in ERROR_STATUSES)


def test_pull_statuses__match_the_spec() -> None:
    assert len(PULL_STATUSES) == len(set(PULL_STATUSES)) == 21
    assert PULL_STATUSES[:10] == ("Initial", "Queued", "Fetching", "MapQueued", "Mapping", "ValidationQueued",
                                  "Validating", "ProcessingQueued", "Processing", "Complete")  # fmt: skip
    assert set(ERROR_STATUSES) == {"FetchError", "MapError", "ValidationError", "ProcessingError", "InternalError",
                                   "PermissionsError", "RateLimitError", "PrerequisiteNotMet", "AuthError"}  # fmt: skip
    assert set(TERMINAL_STATUSES) == set(ERROR_STATUSES) | {"Complete", "Cancelled", "NotSupported"}
    if SPEC_PATH.is_file():
        spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
        assert set(PULL_STATUSES) == set(spec["components"]["schemas"]["PullOperation"]["properties"]["status"]["enum"])


def test_data_status__from_emulator(sandbox: dict[str, Any]) -> None:
    statuses = {key: DataStatus.from_json(value) for key, value in sandbox["status"].items()}
    done = statuses["bills"]
    assert done.current_status == "Complete" and done.is_terminal and not done.is_errored
    assert done.latest_sync_id == done.latest_successful_sync_id
    assert done.last_successful_sync.utcoffset() == timedelta(0)
    failed = statuses["invoices"]
    assert failed.is_errored and failed.is_terminal
    assert failed.last_successful_sync is None and failed.latest_successful_sync_id is None
    assert failed.latest_sync_id is not None


def test_data_status__never_synced() -> None:
    status = DataStatus.from_json({"dataType": "suppliers"})
    assert status.current_status is None
    assert not status.is_terminal and not status.is_errored


def test_integration__from_emulator(sandbox: dict[str, Any]) -> None:
    by_key = {i["key"]: Integration.from_json(i) for i in sandbox["integrations"]}
    sandbox_integration = by_key["mqjo"]
    assert sandbox_integration.name == "Sandbox" and sandbox_integration.enabled
    assert sandbox_integration.source_type == "Accounting" and sandbox_integration.is_offline_connector is False
    assert sandbox_integration.logo_url.startswith("http")
    supported = sandbox_integration.supported_data_types
    assert "invoices" in supported and "accountTransactions" not in supported  # NotSupported in the emulator
    assert set(by_key["qhnd"].supported_data_types) == {f"banking-{t}" for t in ("accountBalances", "accounts", "transactionCategories", "transactions")}


@pytest.mark.parametrize("type_key", ["dataType", "datatype"])
def test_integration__supported_data_types__either_spelling(type_key: str) -> None:
    features = [
        {type_key: "invoices", "supportedFeatures": [{"featureType": "get", "featureState": "release"}]},  # spec example's case
        {type_key: "bills", "supportedFeatures": [{"featureType": "Get", "featureState": "Beta"}]},
        {type_key: "items", "supportedFeatures": [{"featureType": "Get", "featureState": "Alpha"}]},
        {type_key: "journals", "supportedFeatures": [{"featureType": "Get", "featureState": "Deprecated"}]},
        {type_key: "payments", "supportedFeatures": [{"featureType": "Post", "featureState": "Release"}]},
        {type_key: "suppliers", "supportedFeatures": []},
    ]
    integration = Integration.from_json({"key": "gbol", "logoUrl": "u", "name": "Xero", "enabled": True, "datatypeFeatures": features})
    assert integration.supported_data_types == ("invoices", "bills", "items")


def test_sync_settings__remember_their_owner(sandbox: dict[str, Any]) -> None:
    profile = SyncSettings.from_json(sandbox["profile_settings"])
    company = SyncSettings.from_json(sandbox["company_settings"])
    assert (profile.owner_key, profile.owner_id) == ("clientId", sandbox["profile_settings"]["clientId"])
    assert (company.owner_key, company.owner_id) == ("companyId", sandbox["company"]["id"])
    assert "clientId" not in company.to_json() and "companyId" not in profile.to_json()
    assert len(profile.settings) == len(sandbox["profile_settings"]["settings"]) and profile.overrides_defaults is False
    assert all(isinstance(s, SyncSetting) for s in profile.settings)


def test_sync_setting__fields() -> None:
    data = {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0,
            "syncFromUtc": "2020-01-01T12:00:00.000Z", "syncFromWindow": 24, "monthsToSync": 24, "isLocked": True}  # fmt: skip
    setting = SyncSetting.from_json(data)
    assert setting == SyncSetting(
        data_type="invoices", fetch_on_first_link=True, sync_schedule=24, sync_order=0,
        sync_from_utc=datetime(2020, 1, 1, 12, tzinfo=timezone.utc), sync_from_window=24, months_to_sync=24, is_locked=True,
    )  # fmt: skip
    assert setting.to_json() == data  # "2020-01-01T12:00:00.000Z" exactly as it came


def test_to_json__writes_replaced_fields_over_raw(sandbox: dict[str, Any]) -> None:
    data = sandbox["company_settings"]
    settings = SyncSettings.from_json(data)
    hourly = dataclasses.replace(settings.settings[0], sync_schedule=1, sync_from_utc=datetime(2021, 1, 1, tzinfo=timezone.utc))
    changed = dataclasses.replace(settings, settings=(hourly, *settings.settings[1:]), overrides_defaults=True)
    body = changed.to_json()
    assert body["companyId"] == data["companyId"] and body["overridesDefaults"] is True
    assert body["settings"][0] == {**data["settings"][0], "syncSchedule": 1, "syncFromUtc": "2021-01-01T00:00:00Z"}
    assert body["settings"][1:] == data["settings"][1:]
    built = SyncSetting(data_type="bills", fetch_on_first_link=False, sync_schedule=24, sync_order=2)
    assert built.to_json() == {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 24, "syncOrder": 2}


# -- shared behaviour -----------------------------------------------------------------------------


def _minimal_pull(**changes: Any) -> PullOperation:
    data = {"id": "p1", "companyId": "c1", "connectionId": "k1", "dataType": "invoices", "status": "Queued",
            "requested": "2022-11-14T11:18:37.2798351Z", "progress": 10, "isCompleted": False, "isErrored": False}  # fmt: skip
    return PullOperation.from_json({**data, **changes})


def _one_of_each(out: dict[str, Any]) -> list[Any]:
    firsts: dict[type, Any] = {}
    for cls, data in _emulator_cases(out):
        firsts.setdefault(cls, cls.from_json(data))
    firsts[DataConnectionError] = DataConnectionError.from_json({"statusCode": "500", "errorMessage": "boom"})
    return list(firsts.values())


def test_records__are_frozen(sandbox: dict[str, Any]) -> None:
    for record in _one_of_each(sandbox):
        first = dataclasses.fields(record)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, first, "changed")
        with pytest.raises(TypeError):
            record.raw["id"] = "changed"  # type: ignore[index]


def test_records__equality_and_hash_ignore_raw(sandbox: dict[str, Any]) -> None:
    for cls, data in _emulator_cases(sandbox):
        plain, extra = cls.from_json(data), cls.from_json({**data, "someFutureField": [1, 2]})
        assert plain == extra and hash(plain) == hash(extra)
        assert extra.raw["someFutureField"] == (1, 2) and extra.to_json()["someFutureField"] == [1, 2]
    company = Company.from_json(sandbox["company"])
    assert company != Company.from_json({**sandbox["company"], "name": "Other"})
    assert len({company, Company.from_json(sandbox["company"])}) == 1


def test_records__copy_the_input(sandbox: dict[str, Any]) -> None:
    data = copy.deepcopy(sandbox["company"])
    company = Company.from_json(data)
    before = company.to_json()
    data["name"] = "Changed"
    data["tags"]["region"] = "fr"
    data["dataConnections"][0]["status"] = "Unlinked"
    data["dataConnections"].append({"id": "x"})
    assert company.name == "Platypus Properties" and company.tags["region"] == "uk"
    assert company.data_connections[0].status == "Linked" and len(company.data_connections) == 1
    assert company.to_json() == before == sandbox["company"]


def test_to_json__returns_a_fresh_copy(sandbox: dict[str, Any]) -> None:
    company = Company.from_json(sandbox["company"])
    first = company.to_json()
    first["dataConnections"][0]["status"] = "Deauthorized"
    first["tags"]["new"] = "x"
    assert company.to_json() == sandbox["company"]
    assert json.loads(json.dumps(company.to_json())) == sandbox["company"]


def test_tags__are_read_only(sandbox: dict[str, Any]) -> None:
    company = Company.from_json(sandbox["company"])
    with pytest.raises(TypeError):
        company.tags["region"] = "fr"  # type: ignore[index]
    assert isinstance(company.products, tuple)


def test_repr__short_and_identifying(sandbox: dict[str, Any]) -> None:
    company = Company.from_json(sandbox["company"])
    assert repr(company) == f"Company(id='{company.id}', name='Platypus Properties', connections=['Sandbox: Linked'])"
    pull = PullOperation.from_json(sandbox["queued"])
    assert repr(pull) == f"PullOperation(data_type='customers', status='Queued', progress=10, id='{pull.id}')"
    status = DataStatus.from_json(sandbox["status"]["bills"])
    assert repr(status).startswith("DataStatus(data_type='bills', current_status='Complete', last_successful_sync='2026-01-05T")
    assert repr(Integration.from_json(sandbox["integrations"][0])) == "Integration(key='mqjo', name='Sandbox', source_type='Accounting', enabled=True)"
    settings = SyncSettings.from_json(sandbox["company_settings"])
    assert repr(settings) == f"SyncSettings(company_id='{settings.owner_id}', overrides_defaults=False, settings=<{len(settings.settings)} data types>)"
    for record in _one_of_each(sandbox):
        text = repr(record)
        assert text.startswith(type(record).__name__ + "(") and len(text) < 160, text
        assert "raw" not in text and "{" not in text


def test_repr_html__escapes_every_value(sandbox: dict[str, Any]) -> None:
    data = copy.deepcopy(sandbox["company"])
    data["name"] = "<script>alert('x')</script> & Co"
    data["tags"] = {"<b>": "<i>v</i>"}
    data["dataConnections"][0]["platformName"] = "<img src=x onerror=alert(1)>"
    page = Company.from_json(data)._repr_html_()
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.startswith("<table>") and page.endswith("</table>")
    for record in _one_of_each(sandbox):
        html_text = record._repr_html_()
        assert html_text.startswith("<table><caption>" + type(record).__name__)
        assert all(f">{f.name}<" in html_text for f in dataclasses.fields(record) if f.name != "raw")


# -- refusing bad JSON ----------------------------------------------------------------------------

MINIMAL = {
    Company: {"id": "co1", "name": "N", "redirect": "https://link.codat.io/company/co1"},
    Connection: {"id": "cn1", "integrationId": "i", "sourceId": "s", "platformName": "Sandbox", "linkUrl": "u",
                 "status": "Linked", "created": "2022-10-27T09:53:29Z", "sourceType": "Accounting"},
    Integration: {"key": "mqjo", "logoUrl": "u", "name": "Sandbox", "enabled": True},
    PullOperation: {"id": "p1", "companyId": "c", "connectionId": "k", "dataType": "invoices", "status": "Queued",
                    "requested": "2022-11-14T11:18:37Z", "progress": 10, "isCompleted": False, "isErrored": False},
    DataStatus: {"dataType": "invoices"},
    SyncSetting: {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0},
}  # fmt: skip
IDS = {Company: "co1", Connection: "cn1", Integration: "mqjo", PullOperation: "p1", DataStatus: "invoices", SyncSetting: "invoices"}


@pytest.mark.parametrize(("cls", "key"), [(cls, key) for cls, data in MINIMAL.items() for key in data])
def test_from_json__missing_required_field(cls: type, key: str) -> None:
    cls.from_json(MINIMAL[cls])  # the minimal record itself is fine
    data = {k: v for k, v in MINIMAL[cls].items() if k != key}
    with pytest.raises(SchemaError, match=rf"required field '{key}' is missing") as caught:
        cls.from_json(data)
    message = str(caught.value)
    assert message.startswith(cls.__name__)
    if IDS[cls] in data.values():
        assert repr(IDS[cls]) in message
    with pytest.raises(SchemaError, match=rf"required field '{key}' is null"):
        cls.from_json({**MINIMAL[cls], key: None})


@pytest.mark.parametrize(
    ("cls", "key", "value", "expected"),
    [
        (PullOperation, "progress", "ten", "an integer"),
        (PullOperation, "progress", True, "an integer"),
        (PullOperation, "isErrored", "false", "true or false"),
        (PullOperation, "status", 3, "a string"),
        (Company, "tags", {"region": 1}, "an object of strings"),
        (Company, "products", "lending", "an array of strings"),
        (Company, "dataConnections", {"id": "x"}, "an array of objects"),
        (Company, "referenceParentCompany", ["x"], "an object"),
        (Integration, "datatypeFeatures", ["invoices"], "an array of objects"),
        (SyncSetting, "syncSchedule", 24.5, "an integer"),
    ],
)
def test_from_json__wrong_type(cls: type, key: str, value: Any, expected: str) -> None:
    with pytest.raises(SchemaError) as caught:
        cls.from_json({**MINIMAL[cls], key: value})
    message = str(caught.value)
    assert message.startswith(f"{cls.__name__} {IDS[cls]!r}: field {key!r} should be {expected}, got {value!r}")


def test_from_json__bad_datetime_names_the_field() -> None:
    with pytest.raises(SchemaError) as caught:
        Company.from_json({**MINIMAL[Company], "created": "yesterday"})
    assert str(caught.value).startswith("Company 'co1': field 'created': Cannot read 'yesterday' as a date-time")


def test_from_json__nested_error_names_both_records() -> None:
    with pytest.raises(SchemaError) as caught:
        Company.from_json({**MINIMAL[Company], "dataConnections": [{**MINIMAL[Connection], "status": None}]})
    assert str(caught.value).startswith("Company 'co1': field 'dataConnections': Connection 'cn1': the required field 'status' is null")


@pytest.mark.parametrize("cls", RECORD_TYPES)
@pytest.mark.parametrize("bad", [None, [], "company", 3])
def test_from_json__not_an_object(cls: type, bad: Any) -> None:
    with pytest.raises(SchemaError, match=rf"^{cls.__name__}: expected a JSON object, got "):
        cls.from_json(bad)


def test_sync_settings__owner_must_be_a_string() -> None:
    with pytest.raises(SchemaError, match=r"^SyncSettings: field 'clientId' should be a string, got 3 \(int\)"):
        SyncSettings.from_json({"clientId": 3, "settings": []})


def test_module__exports() -> None:
    assert records.__all__ == sorted(records.__all__)
    assert all(hasattr(records, name) for name in records.__all__)
