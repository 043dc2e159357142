"""Tenant isolation on the served Sandbox: nothing one API key made shows to another, on any path.

One real uvicorn server, two keys. The owner makes companies (with tags), a Linked Sandbox
connection with synced data, a PendingAuth commerce connection, pulls, company and profile sync
settings and a Link redirect. The other key then calls every route in the emulator's router
(``Emulator().router.routes``), so a route added later is covered without editing this file:

- a route that takes a company, connection or pull id, called with the owner's ids, answers 404
  for every method, and so does each mix of the other key's own company with the owner's
  connection or pull. The owner, calling the same GET, gets an answer, so each of these 404s comes
  from isolation and not from a path that does not exist;
- a GET without such ids (lists, settings, catalog, controls) shows none of the owner's
  ids, names, tags, client id or redirect URL, and ``query``, ``orderBy`` and ``tags`` on the
  other key's lists find nothing of the owner's;
- a write without ids (create a company, the profile's sync settings, the Link redirect) changes
  only the other key's own state. The owner's whole state is compared before and after;
- the process-wide controls (reset, the clock, faults) are listed in ``GLOBAL_CONTROLS``. They
  hold no tenant data, and ``serve --control-key`` restricts them. A route that fits none of
  these groups fails the test until it is put in one.

The Link pages (``/link/...``) need no key: as in Codat, anyone who holds a company's Link URL
may open it. What the holder sees is limited to that one company: its name, and its own
connections' platform names and statuses, which are what the customer links. It does not include
the company's tags, description, other companies (of the same tenant or another), synced data,
sync settings or the key. A connection id only opens under its own company. Leaving Link goes to
the redirect URL of the company's own tenant, never to another tenant's.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.routing import Route
from codat_nb.sandbox.server import BackgroundServer

pytestmark = pytest.mark.served

OWNER_KEY = "owner-key-7c1d0e9b2a4f4e31"
OTHER_KEY = "other-key-51ab93f0d2c64e8a"
#: Path parameters that name something a tenant made: another key must get 404 for them.
TENANT_PARAMETERS = ("companyId", "connectionId", "datasetId")
#: Writes without tenant ids: each one acts on the caller's own state (checked against the owner's snapshot).
OWN_WRITES = {("POST", "/companies"), ("POST", "/profile/syncSettings"), ("POST", "/_sandbox/link/settings")}
#: Process-wide controls: no tenant data; `serve --control-key` limits them to the operator.
GLOBAL_CONTROLS = {
    ("POST", "/_sandbox/reset"): "forgets every tenant by design (the operator's reset)",
    ("POST", "/_sandbox/clock/advance"): "the one simulated clock all tenants share",
    ("POST", "/_sandbox/faults"): "fault injection is process-wide",
    ("DELETE", "/_sandbox/faults"): "fault injection is process-wide",
}
#: Owner GETs that answer 404 by design (the Sandbox integration does not supply the type).
OWNER_NOT_SUPPLIED = {"/companies/{companyId}/data/financials/cashFlowStatement"}
REPORT_QUERY = {"periodLength": "1", "periodsToCompare": "1"}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def template(route: Route) -> str:
    return "/" + "/".join(route.pattern)


@dataclass
class Tenants:
    url: str
    owner: httpx.Client
    other: httpx.Client
    public: httpx.Client  # no key: the Link URL holder
    ids: dict[str, str] = field(default_factory=dict)  # the owner's ids, by path parameter
    markers: dict[str, str] = field(default_factory=dict)  # what of the owner's must never show to the other key
    other_company: str = ""
    other_second_company: str = ""

    def owner_snapshot(self) -> dict[str, Any]:
        """Everything the owner can see, to prove the other key's calls changed none of it."""
        owner = self.owner
        companies = _json(owner.get("/companies", params={"pageSize": 5000}))["results"]
        snapshot: dict[str, Any] = {
            "companies": companies,
            "profile": _json(owner.get("/profile/syncSettings")),
            "link": _json(owner.get("/_sandbox/link/settings")),
        }
        for company in companies:
            cid = company["id"]
            snapshot[cid] = {
                "connections": _json(owner.get(f"/companies/{cid}/connections")),
                "history": _json(owner.get(f"/companies/{cid}/data/history", params={"pageSize": 5000})),
                "status": _json(owner.get(f"/companies/{cid}/dataStatus")),
                "settings": _json(owner.get(f"/companies/{cid}/syncSettings")),
            }
        return snapshot


def _json(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:300]}"
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def tenants() -> Iterator[Tenants]:
    emulator = Emulator(seed=0, clock=ManualClock())
    with BackgroundServer(emulator) as url:
        clients = [httpx.Client(base_url=url, headers=auth(key), timeout=30) for key in (OWNER_KEY, OTHER_KEY)]
        clients.append(httpx.Client(base_url=url, timeout=30))
        world = Tenants(url, *clients)
        _populate(world)
        yield world
        for client in clients:
            client.close()
    emulator.close()


def _populate(world: Tenants) -> None:
    owner, other = world.owner, world.other
    company = _json(owner.post("/companies", json={"name": "Ownerly Alpha Holdings", "description": "owner-description-q8",
                                                   "tags": {"team": "owner-tag-z3"}}))  # fmt: skip
    second = _json(owner.post("/companies", json={"name": "Ownerly Second Branch"}))
    cid = company["id"]
    connection = _json(owner.post(f"/companies/{cid}/connections", json={"platformKey": "mqjo"}))
    _json(owner.post(f"/_sandbox/companies/{cid}/connections/{connection['id']}/authorize"))
    commerce = _json(owner.post(f"/companies/{cid}/connections", json={"platformKey": "aiwb"}))
    second_connection = _json(owner.post(f"/companies/{second['id']}/connections", json={"platformKey": "mqjo"}))
    _json(owner.post("/_sandbox/clock/advance", json={"seconds": 3600}))
    pulls = _json(owner.get(f"/companies/{cid}/data/history", params={"pageSize": 5000}))["results"]
    assert pulls and all(pull["status"] == "Complete" for pull in pulls)
    invoice = _json(owner.get(f"/companies/{cid}/data/invoices", params={"pageSize": 1}))["results"][0]
    accounts = owner.get(f"/companies/{cid}/connections/{connection['id']}/data/bankAccounts", params={"pageSize": 1})
    account_id = accounts.json()["results"][0]["id"] if accounts.status_code == 200 and accounts.json()["results"] else "no-account"
    client_id = _json(owner.get("/profile/syncSettings"))["clientId"]
    setting = {"dataType": "invoices", "fetchOnFirstLink": True, "syncSchedule": 7771, "syncOrder": 0}
    assert owner.post("/profile/syncSettings", json={"clientId": client_id, "settings": [setting], "overridesDefaults": False}).status_code == 204
    company_setting = {**setting, "syncSchedule": 7772}
    body = {"companyId": cid, "settings": [company_setting], "overridesDefaults": True}
    assert owner.post(f"/companies/{cid}/syncSettings", json=body).status_code == 204
    redirect = "https://owner-redirect.example/done?company={companyId}&status={statusCode}"
    _json(owner.post("/_sandbox/link/settings", json={"redirectUrl": redirect}))

    world.ids = {"companyId": cid, "connectionId": connection["id"], "datasetId": pulls[0]["id"], "dataType": "invoices",
                 "dataPath": "invoices", "recordId": invoice["id"], "accountId": account_id, "platformKey": "mqjo"}  # fmt: skip
    world.markers = {
        "company id": cid, "second company id": second["id"], "connection id": connection["id"],
        "commerce connection id": commerce["id"], "second company's connection id": second_connection["id"],
        "company name": "Ownerly", "description": "owner-description-q8", "tag": "owner-tag-z3",
        "client id": client_id, "redirect URL": "owner-redirect.example", "profile sync schedule": "7771",
        "company sync schedule": "7772", **{f"pull id {n}": pull["id"] for n, pull in enumerate(pulls)},
    }  # fmt: skip
    # The other key is a tenant with state of its own: a company with a Linked connection and a redirect.
    mine = _json(other.post("/companies", json={"name": "Othery Beta"}))
    mine_connection = _json(other.post(f"/companies/{mine['id']}/connections", json={"platformKey": "mqjo"}))
    _json(other.post(f"/_sandbox/companies/{mine['id']}/connections/{mine_connection['id']}/authorize"))
    _json(other.post("/_sandbox/link/settings", json={"redirectUrl": "https://other-redirect.example/back?s={statusCode}"}))
    world.other_company = mine["id"]
    world.other_second_company = _json(other.post("/companies", json={"name": "Othery Gamma"}))["id"]


def _routes(public: bool) -> list[Route]:
    emulator = Emulator(seed=0, clock=ManualClock())
    routes = [route for route in emulator.router.routes if route.public == public]
    emulator.close()
    return routes


def _fill(route: Route, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template(route))


def _body(route: Route, ids: dict[str, str]) -> dict[str, Any] | None:
    """A valid body for the route's write, so a refusal can only come from whose ids they are."""
    if route.method not in ("POST", "PUT", "PATCH"):
        return None
    path = template(route)
    if path.endswith("/syncSettings"):
        setting = {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 1}
        return {"companyId": ids["companyId"], "settings": [setting], "overridesDefaults": False}
    if path.endswith("/connections"):
        return {"platformKey": "aiwb"}
    if path.endswith("/connections/{connectionId}"):
        return {"status": "Unlinked"}
    if path.endswith("/authorize") or "/data/" in path:
        return None
    return {"name": "Taken Over Ltd", "tags": {"team": "taken"}}


def _leaks(text: str, markers: dict[str, str], sent: str = "") -> list[str]:
    """The owner's markers in ``text``, except ids the caller itself sent in the path. Whole words only:
    a number such as the sync schedule 7772 may turn up inside a random correlation id."""
    return [name for name, value in markers.items() if re.search(rf"\b{re.escape(value)}\b", text) and value not in sent]


def _scoped(route: Route) -> bool:
    return any("{" + name + "}" in template(route) for name in TENANT_PARAMETERS)


@pytest.mark.parametrize("route", [r for r in _routes(public=False) if _scoped(r)], ids=lambda r: f"{r.method} {template(r)}")
def test_route_with_another_tenants_ids__is_404_and_changes_nothing(tenants: Tenants, route: Route) -> None:
    before = tenants.owner_snapshot()
    params = REPORT_QUERY if "/financials/" in template(route) else None
    variants = {"the owner's ids": tenants.ids}
    for name in ("connectionId", "datasetId"):  # the other key's own company, with the owner's connection or pull
        if "{" + name + "}" in template(route):
            variants[f"its own company, the owner's {name}"] = {**tenants.ids, "companyId": tenants.other_company}
    if route.method == "GET":
        reached = tenants.owner.get(_fill(route, tenants.ids), params=params)
        expected_owner = 404 if template(route) in OWNER_NOT_SUPPLIED else None
        assert reached.status_code != 404 or reached.status_code == expected_owner, (
            f"the owner cannot reach {route.method} {_fill(route, tenants.ids)} ({reached.status_code} {reached.text[:200]}), "
            "so this case would prove nothing"
        )
    for label, values in variants.items():
        path = _fill(route, values)
        response = tenants.other.request(route.method, path, params=params, json=_body(route, values))
        assert response.status_code == 404, f"other key, {label}: {route.method} {path} -> {response.status_code} {response.text[:300]}"
        assert response.json()["statusCode"] == 404
        assert not (leaked := _leaks(response.text, tenants.markers, path)), f"{route.method} {path} shows the owner's {leaked}"
    assert tenants.owner_snapshot() == before, f"the other key's {route.method} {template(route)} changed the owner's state"


def _unscoped_gets() -> list[Route]:
    return [r for r in _routes(public=False) if not _scoped(r) and r.method == "GET"]


@pytest.mark.parametrize("route", _unscoped_gets(), ids=lambda r: f"{r.method} {template(r)}")
def test_list_and_settings_routes__show_nothing_of_another_tenant(tenants: Tenants, route: Route) -> None:
    path = _fill(route, tenants.ids)
    response = tenants.other.get(path, params={"pageSize": 5000} if route.pattern[0] in ("companies", "integrations") else None)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    assert not (leaked := _leaks(response.text, tenants.markers)), f"{path} shows the other key the owner's {leaked}"


def test_every_route__is_classified_for_isolation() -> None:
    """A new route must be scoped by a tenant id, a GET (checked above), an own write, or a named control."""
    unclassified = [
        f"{r.method} {template(r)}"
        for r in _routes(public=False)
        if not _scoped(r) and r.method != "GET" and (r.method, template(r)) not in OWN_WRITES | set(GLOBAL_CONTROLS)
    ]
    assert not unclassified, f"classify these routes in test_isolation.py (OWN_WRITES or GLOBAL_CONTROLS): {unclassified}"
    public = [f"{r.method} {template(r)}" for r in _routes(public=True) if not template(r).startswith("/link/")]
    assert sorted(public) == ["GET /", "GET /favicon.ico"], f"public routes outside /link/: {public}"


def test_own_writes__change_only_the_callers_state(tenants: Tenants) -> None:
    before = tenants.owner_snapshot()
    other = tenants.other
    created = _json(other.post("/companies", json={"name": "Othery Delta", "tags": {"team": "owner-tag-z3"}}))
    client_id = _json(other.get("/profile/syncSettings"))["clientId"]
    assert client_id != tenants.markers["client id"]
    setting = {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 3, "syncOrder": 2}
    assert other.post("/profile/syncSettings", json={"clientId": client_id, "settings": [setting], "overridesDefaults": True}).status_code == 204
    owners = other.post("/profile/syncSettings", json={"clientId": tenants.markers["client id"], "settings": [], "overridesDefaults": True})
    assert owners.status_code == 400 and "does not match" in owners.text  # the owner's client id is not the caller's
    _json(other.post("/_sandbox/link/settings", json={"redirectUrl": "https://other-redirect.example/back?s={statusCode}"}))
    assert tenants.owner_snapshot() == before
    mine = _json(other.get("/companies", params={"tags": "team=owner-tag-z3"}))["results"]
    assert [c["id"] for c in mine] == [created["id"]]  # the same tag value finds only the caller's own company
    assert _json(other.delete(f"/companies/{created['id']}")) is None


@pytest.mark.parametrize(
    "params",
    [
        {"query": "id={companyId}"},
        {"query": "name~Ownerly"},
        {"query": "dataConnections.id={connectionId}"},
        {"query": "name!=nobody", "orderBy": "-created"},
        {"tags": "team=owner-tag-z3"},
        {"tags": "team~owner"},
    ],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()),
)
def test_queries_on_companies__find_nothing_of_another_tenant(tenants: Tenants, params: dict[str, str]) -> None:
    filled = {name: value.format(**tenants.ids) for name, value in params.items()}
    assert _json(tenants.owner.get("/companies", params=filled))["totalResults"] >= 1  # the owner's query does match
    body = _json(tenants.other.get("/companies", params=filled))
    assert not _leaks(str(body["results"]), tenants.markers)  # (_links echo the caller's own query)
    assert all(c["id"] in (tenants.other_company, tenants.other_second_company) for c in body["results"])
    assert body["totalResults"] == len(body["results"])


def test_data_history_query__finds_nothing_of_another_tenant(tenants: Tenants) -> None:
    own = f"/companies/{tenants.other_company}/data/history"
    for query in (f"id={tenants.ids['datasetId']}", f"companyId={tenants.ids['companyId']}", f"connectionId={tenants.ids['connectionId']}"):
        body = _json(tenants.other.get(own, params={"query": query}))
        assert body["totalResults"] == 0 and body["results"] == [], query
    mine = _json(tenants.other.get(own, params={"pageSize": 5000}))["results"]
    assert mine and not _leaks(str(mine), tenants.markers)


# -- the Link pages: public by company id, as in Codat -------------------------------------------------


@pytest.mark.parametrize("route", [r for r in _routes(public=True) if "{connectionId}" in template(r)], ids=lambda r: f"{r.method} {template(r)}")
def test_link_page_with_a_connection_of_another_company__is_404(tenants: Tenants, route: Route) -> None:
    before = tenants.owner_snapshot()
    other_connection = _json(tenants.other.get(f"/companies/{tenants.other_company}/connections"))["results"][0]["id"]
    second_connection = tenants.markers["second company's connection id"]
    mixes = {
        "another tenant's connection under the owner's company": {"companyId": tenants.ids["companyId"], "connectionId": other_connection},
        "the owner's connection under another tenant's company": {"companyId": tenants.other_company, "connectionId": tenants.ids["connectionId"]},
        "a connection of the owner's other company": {"companyId": tenants.ids["companyId"], "connectionId": second_connection},
    }  # fmt: skip
    for label, values in mixes.items():
        path = _fill(route, values)
        response = tenants.public.request(route.method, path, data={"email": "me@example.com", "password": "password"} if route.method == "POST" else None)
        assert response.status_code == 404, f"{label}: {route.method} {path} -> {response.status_code}"
        assert not (leaked := _leaks(response.text, tenants.markers, path)), f"{label}: {path} shows {leaked}"
    assert tenants.owner_snapshot() == before


def test_link_pages__show_only_the_company_the_url_names(tenants: Tenants) -> None:
    cid = tenants.ids["companyId"]
    allowed = {"company id", "company name", "connection id", "commerce connection id"}  # the customer's own company and its links
    shown = {f"/link/company/{cid}": tenants.public.get(f"/link/company/{cid}")}
    for connection in ("connection id", "commerce connection id"):
        path = f"/link/companies/{cid}/connections/{tenants.markers[connection]}/start"
        shown[path] = tenants.public.get(path)
    for path, response in shown.items():
        assert response.status_code == 200, f"{path}: {response.status_code}"
        leaked = [name for name in _leaks(response.text, tenants.markers) if name not in allowed]
        assert not leaked, f"the Link page {path} shows {leaked}"
        assert OWNER_KEY not in response.text and OTHER_KEY not in response.text
        assert "Othery" not in response.text and tenants.other_company not in response.text


def test_leaving_link__goes_to_the_companys_own_tenants_redirect(tenants: Tenants) -> None:
    owner_exit = tenants.public.get(f"/link/company/{tenants.ids['companyId']}/cancel")
    other_exit = tenants.public.get(f"/link/company/{tenants.other_company}/cancel")
    assert owner_exit.status_code == other_exit.status_code == 303
    assert owner_exit.headers["location"].startswith("https://owner-redirect.example/done?company=" + tenants.ids["companyId"])
    assert other_exit.headers["location"].startswith("https://other-redirect.example/back?s=201")
    assert tenants.ids["companyId"] not in other_exit.headers["location"]
