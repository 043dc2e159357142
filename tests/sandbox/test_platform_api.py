"""Behaviour of the emulated Platform API, each case run in-process and against the served app."""

from __future__ import annotations

import re

import httpx

from codat_nb.sandbox import Emulator, ManualClock

from .conftest import API_KEY, SandboxAPI, auth_header

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
NORMAL_ORDER = [
    "Queued", "Fetching", "MapQueued", "Mapping", "ValidationQueued", "Validating",
    "ProcessingQueued", "Processing", "Complete",
]  # fmt: skip


def _pull(api: SandboxAPI, company_id: str, dataset_id: str) -> dict:
    response = api.get(f"/companies/{company_id}/data/history/{dataset_id}")
    assert response.status_code == 200, response.text
    return response.json()


# -- companies ------------------------------------------------------------------------------------


def test_create_company__codat_shape(api: SandboxAPI) -> None:
    company = api.create_company("Technicalium", description="Web design")
    assert company["name"] == "Technicalium"
    assert company["description"] == "Web design"
    assert company["platform"] == ""
    assert company["redirect"] == f"{api.http.base_url}".rstrip("/") + f"/link/company/{company['id']}"
    assert TIMESTAMP.match(company["created"])
    assert "lastSync" not in company and "tags" not in company
    assert company["dataConnections"] == [] and company["products"] == []


def test_create_company__strips_disallowed_characters(api: SandboxAPI) -> None:
    assert api.create_company("Company (Codat[1])")["name"] == "Company Codat1"


def test_create_company__guide_request_with_platform_type(api: SandboxAPI) -> None:
    company = api.create_company("Platypus Properties", platformType="mqjo")
    assert company["platform"] == "Sandbox"
    [connection] = company["dataConnections"]
    assert connection["status"] == "PendingAuth"
    assert connection["platformName"] == "Sandbox" and connection["integrationKey"] == "mqjo"
    assert connection["sourceType"] == "Accounting"


def test_get_company__round_trip(api: SandboxAPI) -> None:
    company = api.create_company("Bank of Dave", tags={"region": "uk"})
    fetched = api.get(f"/companies/{company['id']}").json()
    assert fetched == company


def test_list_companies__paging_envelope_and_links(api: SandboxAPI) -> None:
    for index in range(5):
        api.create_company(f"Company {index}")
    first = api.get("/companies", params={"pageSize": 2}).json()
    assert first["totalResults"] == 5 and first["pageNumber"] == 1 and first["pageSize"] == 2
    assert first["_links"]["self"] == {"href": "/companies"}
    assert first["_links"]["current"] == {"href": "/companies?page=1&pageSize=2"}
    assert first["_links"]["next"] == {"href": "/companies?page=2&pageSize=2"}
    assert "previous" not in first["_links"]
    last = api.get("/companies", params={"page": 3, "pageSize": 2}).json()
    assert [c["name"] for c in last["results"]] == ["Company 4"]
    assert "next" not in last["_links"] and last["_links"]["previous"]["href"] == "/companies?page=2&pageSize=2"
    followed = api.get(first["_links"]["next"]["href"]).json()
    assert [c["name"] for c in followed["results"]] == ["Company 2", "Company 3"]


def test_list_companies__query_orderby_and_tags(api: SandboxAPI) -> None:
    api.create_company("Alpha Ltd", tags={"region": "uk"})
    api.create_company("Beta Inc", tags={"region": "us"})
    api.create_company("Gamma Ltd")
    ltd = api.get("/companies", params={"query": "name~ltd", "orderBy": "-name"}).json()
    assert [c["name"] for c in ltd["results"]] == ["Gamma Ltd", "Alpha Ltd"]
    assert ltd["totalResults"] == 2
    assert "query=name~ltd" in ltd["_links"]["current"]["href"] or "query=name%7Eltd" in ltd["_links"]["current"]["href"]
    grouped = api.get("/companies", params={"query": "{name=Beta Inc || name=Gamma Ltd} && name!=gamma ltd"}).json()
    assert [c["name"] for c in grouped["results"]] == ["Beta Inc"]
    tagged = api.get("/companies", params={"tags": "region=us"}).json()
    assert [c["name"] for c in tagged["results"]] == ["Beta Inc"]
    by_tag_query = api.get("/companies", params={"query": "tags.region=uk"}).json()
    assert [c["name"] for c in by_tag_query["results"]] == ["Alpha Ltd"]


def test_list_companies__query_on_connection_status(api: SandboxAPI) -> None:
    api.linked_company("Linked One")
    api.create_company("Pending One", platformType="mqjo")
    pending = api.get("/companies", params={"query": "dataConnections.status=PendingAuth"}).json()
    assert [c["name"] for c in pending["results"]] == ["Pending One"]


def test_replace_company__clears_what_is_left_out(api: SandboxAPI) -> None:
    company = api.create_company("Old", description="d", tags={"a": "b"})
    replaced = api.request("PUT", f"/companies/{company['id']}", json={"name": "New"}).json()
    assert replaced["name"] == "New" and replaced["description"] == "" and "tags" not in replaced
    assert replaced["created"] == company["created"] and replaced["id"] == company["id"]


def test_update_company__changes_only_given_fields(api: SandboxAPI) -> None:
    company = api.create_company("Old", description="keep", tags={"a": "b"})
    updated = api.request("PATCH", f"/companies/{company['id']}", json={"name": "New", "description": None}).json()
    assert updated["name"] == "New" and updated["description"] == "keep" and updated["tags"] == {"a": "b"}


def test_delete_company__removes_it_and_its_connections(api: SandboxAPI) -> None:
    company, connection = api.linked_company()
    assert api.request("DELETE", f"/companies/{company['id']}").status_code == 204
    assert api.get(f"/companies/{company['id']}").status_code == 404
    assert api.get(f"/companies/{company['id']}/connections/{connection['id']}").status_code == 404
    assert api.get("/companies").json()["totalResults"] == 0


def test_tenants__one_key_cannot_see_another(api: SandboxAPI) -> None:
    company = api.create_company("Mine")
    other = auth_header("another-key")
    assert api.get(f"/companies/{company['id']}", headers=other).status_code == 404
    assert api.get("/companies", headers=other).json()["totalResults"] == 0
    assert api.get(f"/companies/{company['id']}").status_code == 200


def test_auth__restricted_keys() -> None:
    emulator = Emulator(clock=ManualClock(), api_keys=["only-this-key"])
    transport = emulator.transport()
    with httpx.Client(transport=transport, base_url="http://sandbox.test") as http:
        refused = http.get("/companies", headers=auth_header("another-key"))
        assert refused.status_code == 401 and refused.json()["statusCode"] == 401
        assert http.get("/companies", headers=auth_header("only-this-key")).status_code == 200


# -- connections and the Link step ------------------------------------------------------------------


def test_connections__create_get_list(api: SandboxAPI) -> None:
    company = api.create_company()
    created = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"})
    assert created.status_code == 200
    connection = created.json()
    assert connection["status"] == "PendingAuth" and connection["lastSync"] is None
    assert connection["linkUrl"].endswith(f"/link/companies/{company['id']}/connections/{connection['id']}/start")
    assert api.get(f"/companies/{company['id']}/connections/{connection['id']}").json() == connection
    listed = api.get(f"/companies/{company['id']}/connections").json()
    assert listed["results"] == [connection] and listed["totalResults"] == 1


def test_authorize__links_and_queues_first_link_pulls(api: SandboxAPI) -> None:
    company, connection = api.linked_company()
    assert connection["status"] == "Linked" and TIMESTAMP.match(connection["lastSync"])
    fetched = api.get(f"/companies/{company['id']}").json()
    assert fetched["dataConnections"][0]["status"] == "Linked"
    assert fetched["lastSync"] == connection["lastSync"]
    history = api.get(f"/companies/{company['id']}/data/history", params={"pageSize": 100}).json()
    queued = {pull["dataType"] for pull in history["results"]}
    assert "invoices" in queued and "company" in queued and "balanceSheet" in queued
    assert "journals" not in queued  # fetchOnFirstLink is off for types the Sandbox lacks
    assert {pull["requested"] for pull in history["results"]} == {connection["lastSync"]}


def test_authorize__twice_changes_nothing(api: SandboxAPI) -> None:
    company, connection = api.linked_company()
    before = api.get(f"/companies/{company['id']}/data/history").json()["totalResults"]
    again = api.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
    assert again.status_code == 200 and again.json()["status"] == "Linked"
    assert api.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == before


def test_commerce_sandbox__second_connection_beside_accounting(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    commerce = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "aiwb"})
    assert commerce.status_code == 200 and commerce.json()["sourceType"] == "Commerce"


def test_unlink_and_delete_connection(api: SandboxAPI) -> None:
    company, connection = api.linked_company()
    path = f"/companies/{company['id']}/connections/{connection['id']}"
    unlinked = api.request("PATCH", path, json={"status": "Unlinked"})
    assert unlinked.status_code == 200 and unlinked.json()["status"] == "Unlinked"
    deleted = api.request("DELETE", path)
    assert deleted.status_code == 200 and deleted.content == b""
    assert api.get(path).status_code == 404
    # With the accounting connection unlinked, a new one may be made.
    assert api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).status_code == 200


# -- integrations ------------------------------------------------------------------------------------


def test_integrations__list_query_and_get(api: SandboxAPI) -> None:
    everything = api.get("/integrations", params={"pageSize": 100}).json()
    keys = {item["key"] for item in everything["results"]}
    assert {"mqjo", "aiwb", "qhnd", "gbol", "qhyg"} <= keys
    accounting = api.get("/integrations", params={"query": "sourceType=Accounting&&enabled=true"}).json()
    assert all(item["sourceType"] == "Accounting" for item in accounting["results"])
    sandbox = api.get("/integrations/mqjo").json()
    assert sandbox["name"] == "Sandbox" and sandbox["enabled"] is True
    supported = {f["datatype"] for f in sandbox["datatypeFeatures"] if f["supportedFeatures"][0]["featureState"] == "Release"}
    assert "invoices" in supported and "journals" not in supported
    assert api.get("/integrations/zzzz").status_code == 404
    assert api.get("/integrations/mqjo/branding").json()["logo"]["full"]["image"]["src"].endswith("/link/logos/mqjo.svg")


# -- sync settings -----------------------------------------------------------------------------------


def test_sync_settings__profile_and_company_override(api: SandboxAPI) -> None:
    profile = api.get("/profile/syncSettings").json()
    assert {s["dataType"] for s in profile["settings"]} >= {"invoices", "commerce-orders", "banking-accounts"}
    invoices = next(s for s in profile["settings"] if s["dataType"] == "invoices")
    assert invoices == {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 24, "syncOrder": 0, "isLocked": False}
    off = dict(invoices, fetchOnFirstLink=False)
    body = {"clientId": profile["clientId"], "settings": [off], "overridesDefaults": True}
    assert api.post("/profile/syncSettings", json=body).status_code == 204
    company = api.create_company()
    company_settings = api.get(f"/companies/{company['id']}/syncSettings").json()
    assert next(s for s in company_settings["settings"] if s["dataType"] == "invoices")["fetchOnFirstLink"] is False
    bills_off = {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 24, "syncOrder": 0}
    set_company = {"companyId": company["id"], "settings": [bills_off], "overridesDefaults": True}
    assert api.post(f"/companies/{company['id']}/syncSettings", json=set_company).status_code == 204
    connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    api.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
    queued = {p["dataType"] for p in api.get(f"/companies/{company['id']}/data/history", params={"pageSize": 100}).json()["results"]}
    assert "invoices" not in queued and "bills" not in queued and "customers" in queued


# -- refresh and pull operations -------------------------------------------------------------------------


def test_pull__moves_through_codat_statuses_to_complete(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    api.advance(60)
    pull = api.post(f"/companies/{company['id']}/data/queue/invoices").json()
    assert pull["status"] == "Queued" and pull["progress"] == 10 and pull["isCompleted"] is False
    assert "completed" not in pull
    seen, progress = [], []
    for _ in range(400):
        current = _pull(api, company["id"], pull["id"])
        if not seen or seen[-1] != current["status"]:
            seen.append(current["status"])
        progress.append(current["progress"])
        if current["status"] == "Complete":
            break
        api.advance(0.1)
    assert seen == NORMAL_ORDER
    assert progress == sorted(progress) and progress[-1] == 100
    assert current["isCompleted"] is True and current["isErrored"] is False
    assert TIMESTAMP.match(current["completed"]) and current["completed"] > current["requested"]


def test_refresh_all__queues_each_first_link_type_and_skips_running(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    first = api.get(f"/companies/{company['id']}/data/history").json()["totalResults"]
    assert api.post(f"/companies/{company['id']}/data/all").status_code == 204
    assert api.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == first  # all still running
    api.advance(120)
    response = api.post(f"/companies/{company['id']}/data/all")
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == 2 * first


def test_queue__while_running_is_refused(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    refused = api.post(f"/companies/{company['id']}/data/queue/invoices")
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("DatasetAlreadyInProgressException: Cannot queue invoices sync for")


def test_queue__type_the_integration_lacks_ends_not_supported(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    pull = api.post(f"/companies/{company['id']}/data/queue/journals").json()
    api.advance(2)
    ended = _pull(api, company["id"], pull["id"])
    assert ended["status"] == "NotSupported" and ended["isErrored"] is False and ended["isCompleted"] is False


def test_queue__with_connection_id(api: SandboxAPI) -> None:
    company, connection = api.linked_company()
    api.advance(60)
    pull = api.post(f"/companies/{company['id']}/data/queue/customers", params={"connectionId": connection["id"]})
    assert pull.status_code == 200 and pull.json()["connectionId"] == connection["id"]


def test_queue__before_linking_is_refused(api: SandboxAPI) -> None:
    company = api.create_company(platformType="mqjo")
    refused = api.post(f"/companies/{company['id']}/data/queue/invoices")
    assert refused.status_code == 400 and "no Linked accounting connection" in refused.json()["error"]


def test_failing_pulls__end_errored_with_message(api: SandboxAPI) -> None:
    assert api.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200
    company, _ = api.linked_company()
    api.advance(60)
    history = api.get(f"/companies/{company['id']}/data/history", params={"query": "dataType=invoices"}).json()
    [pull] = history["results"]
    assert pull["status"] in {"FetchError", "MapError", "ValidationError", "ProcessingError"}
    assert pull["isErrored"] is True and pull["isCompleted"] is False and "invoices" in pull["errorMessage"]
    status = api.get(f"/companies/{company['id']}/dataStatus").json()["invoices"]
    assert status["currentStatus"] == pull["status"] and "latestSuccessfulSyncId" not in status
    failed = api.get(
        f"/companies/{company['id']}/data/history", params={"query": "status!=Complete&&status!=NotSupported"}
    ).json()
    assert [p["id"] for p in failed["results"]] == [pull["id"]]


def test_error_rate__share_of_pulls_fail() -> None:
    emulator = Emulator(clock=ManualClock(), error_rate=1.0)
    with emulator.http_client(api_key=API_KEY) as http:
        company = http.post("/companies", json={"name": "Doomed", "platformType": "mqjo"}).json()
        http.post(f"/_sandbox/companies/{company['id']}/connections/{company['dataConnections'][0]['id']}/authorize")
        emulator.clock.advance(60)
        pulls = http.get(f"/companies/{company['id']}/data/history", params={"pageSize": 100}).json()["results"]
    assert pulls and all(p["isErrored"] for p in pulls)


def test_data_status__never_queued_types_left_out_then_ids_agree(api: SandboxAPI) -> None:
    company = api.create_company()
    assert api.get(f"/companies/{company['id']}/dataStatus").json() == {}
    company, _ = api.linked_company("Second")
    running = api.get(f"/companies/{company['id']}/dataStatus").json()
    assert "journals" not in running and running["invoices"]["currentStatus"] == "Queued"
    api.advance(60)
    done = api.get(f"/companies/{company['id']}/dataStatus").json()["invoices"]
    assert done["currentStatus"] == "Complete" and done["latestSyncId"] == done["latestSuccessfulSyncId"]
    assert TIMESTAMP.match(done["lastSuccessfulSync"])
    refreshed = api.get(f"/companies/{company['id']}").json()
    assert refreshed["lastSync"] == max(
        s["lastSuccessfulSync"] for s in api.get(f"/companies/{company['id']}/dataStatus").json().values()
    )


def test_first_sync__finishes_within_thirty_simulated_seconds(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    api.advance(30)
    history = api.get(f"/companies/{company['id']}/data/history", params={"pageSize": 100}).json()["results"]
    assert history and all(p["status"] == "Complete" for p in history)


def test_history__query_order_and_paging(api: SandboxAPI) -> None:
    company, _ = api.linked_company()
    ordered = api.get(
        f"/companies/{company['id']}/data/history", params={"orderBy": "-dataType", "pageSize": 3, "page": 2}
    ).json()
    everything = api.get(f"/companies/{company['id']}/data/history", params={"pageSize": 100}).json()["results"]
    expected = sorted((p["dataType"] for p in everything), key=str.casefold, reverse=True)[3:6]
    assert [p["dataType"] for p in ordered["results"]] == expected


# -- faults and determinism ------------------------------------------------------------------------------


def test_faults__injected_429_with_retry_after_then_recovery(api: SandboxAPI) -> None:
    rule = {"status": 429, "count": 1, "retryAfter": 2, "path": "/companies"}
    assert api.post("/_sandbox/faults", json={"failNext": [rule]}).status_code == 200
    limited = api.get("/companies")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert limited.json()["error"].startswith("You have made too many requests")
    assert api.get("/companies").status_code == 200
    assert api.request("DELETE", "/_sandbox/faults").status_code == 204


def test_determinism__same_seed_same_ids() -> None:
    def run(seed: int) -> list[str]:
        emulator = Emulator(seed=seed, clock=ManualClock())
        with emulator.http_client(api_key=API_KEY) as http:
            company = http.post("/companies", json={"name": "A", "platformType": "mqjo"}).json()
            http.post(f"/_sandbox/companies/{company['id']}/connections/{company['dataConnections'][0]['id']}/authorize")
            pulls = http.get(f"/companies/{company['id']}/data/history").json()["results"]
        return [company["id"], company["dataConnections"][0]["id"], *(p["id"] for p in pulls)]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_reset__forgets_everything(api: SandboxAPI) -> None:
    api.create_company()
    api.advance(100)
    assert api.post("/_sandbox/reset").status_code == 204
    assert api.get("/companies").json()["totalResults"] == 0
    assert api.get("/_sandbox/clock").json()["now"] == "2026-01-05T09:00:00.0000000Z"
