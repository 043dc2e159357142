"""The Link pages in-process, without a browser: what they list, escape, refuse and serve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin
from html.parser import HTMLParser
from typing import Any, Iterator

import httpx
import pytest

from codat_nb.sandbox import Emulator
from codat_nb.sandbox.catalog import INTEGRATIONS

API_KEY = "link-test-key"
MISSING_COMPANY = "8a210b68-6988-11ed-a1eb-0242ac120002"


class LinkPage(HTMLParser):
    """The parts of a Link page the tests look at: cards with their radios, banners, forms."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: dict[str, list[dict[str, Any]]] = {}
        self.banners: dict[str, list[str]] = {"status": [], "alert": []}
        self.buttons: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self.headings: list[str] = []
        self.links: dict[str, str] = {}  # text -> href
        self.urls: list[str] = []  # every href, src and action, to check they are all relative
        self._heading: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None
        self._card: str | None = None
        self._label: dict[str, Any] | None = None
        self._banner: str | None = None
        self._button: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("href", "src", "action") and value is not None]
        if tag == "h1":
            self._heading = []
        elif tag == "a":
            self._link = (attr.get("href") or "", [])
        if tag == "section" and "card" in (attr.get("class") or ""):
            self._card = attr.get("aria-label") or ""
            self.cards[self._card] = []
        elif tag == "input" and attr.get("type") == "radio" and self._card is not None:
            self._label = {
                "value": attr.get("value"),
                "name": attr.get("name"),
                "disabled": "disabled" in attr,
                "checked": "checked" in attr,
                "text": "",
            }
            self.cards[self._card].append(self._label)
        elif tag == "div" and attr.get("role") in self.banners:
            self._banner = attr["role"]
            self.banners[self._banner].append("")
        elif tag == "button":
            self._button = []
        elif tag == "form":
            self.forms.append({"method": attr.get("method"), "action": attr.get("action")})

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "a" and self._link is not None:
            self.links["".join(self._link[1]).strip()] = self._link[0]
            self._link = None
        if tag == "section":
            self._card = None
        elif tag == "label":
            self._label = None
        elif tag == "div":
            self._banner = None
        elif tag == "button" and self._button is not None:
            self.buttons.append("".join(self._button).strip())
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if self._link is not None:
            self._link[1].append(data)
        if self._label is not None:
            self._label["text"] += data
        if self._banner is not None:
            self.banners[self._banner][-1] += data
        if self._button is not None:
            self._button.append(data)

    def radio(self, card: str, key: str) -> dict[str, Any]:
        (found,) = [r for r in self.cards[card] if r["value"] == key]
        return found


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    """An API client (Basic auth) that does not follow redirects, so tests see the 303s."""
    with emulator.http_client(api_key=API_KEY) as http:
        yield http


@pytest.fixture
def anonymous(emulator: Emulator) -> Iterator[httpx.Client]:
    """What the customer's browser is: no API key at all."""
    with httpx.Client(transport=emulator.transport(), base_url="http://sandbox.test") as http:
        yield http


def create_company(client: httpx.Client, name: str = "Platypus Properties", **body: Any) -> dict[str, Any]:
    response = client.post("/companies", json={"name": name, **body})
    assert response.status_code == 200, response.text
    return response.json()


def link_path(company_id: str) -> str:
    return f"/link/company/{company_id}"


def resolve(page_path: str, reference: str) -> str:
    """What a browser on ``page_path`` makes of a relative href, action or Location."""
    return urljoin("http://browser.test" + page_path, reference).removeprefix("http://browser.test")


def snapshot(client: httpx.Client, company_id: str) -> dict[str, Any]:
    return {
        "company": client.get(f"/companies/{company_id}").json(),
        "connections": client.get(f"/companies/{company_id}/connections", params={"pageSize": 5000}).json(),
        "history": client.get(f"/companies/{company_id}/data/history", params={"pageSize": 5000}).json(),
    }


def assert_html_error(response: httpx.Response, status: int) -> str:
    """A readable HTML page (not JSON, not a traceback) with the given status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = response.text
    assert text.startswith("<!doctype html>")
    assert "Traceback" not in text and 'File "' not in text
    return text


# -- the page --------------------------------------------------------------------------------


def test_page_lists_the_integrations_with_only_the_sandboxes_enabled(client, anonymous):
    company = create_company(client)
    response = anonymous.get(link_path(company["id"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = LinkPage(response.text)

    assert list(page.cards) == ["Accounting", "Commerce", "Banking"]
    assert page.buttons == ["Connect", "Connect", "Connect"]
    # Relative, so the page also works under a proxy's prefix; it resolves to the connect route.
    assert page.forms == [{"method": "post", "action": f"../company/{company['id']}/connect"}] * 3
    assert resolve(link_path(company["id"]), page.forms[0]["action"]) == f"/link/company/{company['id']}/connect"
    for integration in INTEGRATIONS:
        radio = page.radio(integration.source_type, integration.key)
        assert radio["name"] == "integration"
        assert radio["text"].startswith(integration.name)
        assert radio["disabled"] is (not integration.linkable), integration.key
        assert radio["checked"] is integration.linkable, integration.key
    # Every integration sits in exactly one card.
    assert sum(len(radios) for radios in page.cards.values()) == len(INTEGRATIONS)

    sandbox = page.radio("Accounting", "mqjo")
    assert sandbox["text"] == "Sandbox" and not sandbox["disabled"] and sandbox["checked"]
    xero = page.radio("Accounting", "gbol")
    assert xero["disabled"] and not xero["checked"]
    assert xero["text"] == "Xero needs the real Codat API"
    assert page.radio("Commerce", "aiwb")["text"] == "Commerce Sandbox"
    assert page.radio("Banking", "qhnd")["text"] == "Banking Sandbox"
    assert page.banners == {"status": [], "alert": []}


def test_page_shows_the_company_name_html_escaped(client, anonymous):
    company = create_company(client, "Tom & Jerry's Shop", description="<b>bold</b> & <script>alert(1)</script>")
    assert company["name"] == "Tom & Jerry's Shop"
    text = anonymous.get(link_path(company["id"])).text
    assert "<title>Link - Tom &amp; Jerry&#x27;s Shop</title>" in text
    assert "<p class='sub'>Tom &amp; Jerry&#x27;s Shop: sign in" in text
    assert "Tom & Jerry" not in text and "Jerry's" not in text
    # The description is not shown at all, so its markup cannot reach the page.
    assert "<script" not in text and "<b>" not in text


def test_disallowed_characters_in_a_name_never_reach_the_page_as_markup(client, anonymous):
    company = create_company(client, "<img src=x onerror=alert(1)> Acme")
    assert "<" not in company["name"] and ">" not in company["name"]
    text = anonymous.get(link_path(company["id"])).text
    assert "<img src=x" not in text and "onerror=alert(1)>" not in text


def test_page_needs_no_api_key_but_works_with_one(client, anonymous):
    company = create_company(client)
    assert anonymous.get(link_path(company["id"])).status_code == 200
    assert client.get(link_path(company["id"])).status_code == 200


def test_redirect_url_is_the_link_page_on_the_callers_origin(client):
    company = create_company(client)
    assert company["redirect"] == f"http://sandbox.codat.local/link/company/{company['id']}"


@pytest.mark.parametrize(
    ("company_id", "status", "message"),
    [
        (MISSING_COMPANY, 404, f"No company was found with ID {MISSING_COMPANY}"),
        ("not-a-uuid", 400, "companyId must be a UUID"),
        ("%3Cscript%3E", 400, "companyId must be a UUID such as 8a210b68-6988-11ed-a1eb-0242ac120002; got &#x27;&lt;script&gt;&#x27;"),
    ],
)
def test_unknown_or_malformed_company_gives_an_html_error_page(anonymous, company_id, status, message):
    text = assert_html_error(anonymous.get(link_path(company_id)), status)
    assert "<h1>Something went wrong</h1>" in text
    assert message in text
    assert "<script>" not in text
    assert re.search(r"Correlation id [0-9a-f]{32}", text)


def test_link_errors_are_html_even_for_wrong_methods_and_paths(anonymous, client):
    company = create_company(client)
    assert "use POST" in assert_html_error(anonymous.get(f"{link_path(company['id'])}/connect"), 405)
    assert "use GET" in assert_html_error(anonymous.put(link_path(company["id"])), 405)
    assert_html_error(anonymous.get("/link/nothing-here"), 404)


# -- the Connect button ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "platformKey must be a 4-letter lowercase key such as &#x27;mqjo&#x27; (the Sandbox); got &#x27;&#x27;."),
        ({"integration": ""}, "platformKey must be a 4-letter lowercase key"),
        ({"integration": "MQJO"}, "platformKey must be a 4-letter lowercase key"),
        ({"integration": "../x"}, "platformKey must be a 4-letter lowercase key"),
        ({"integration": "gbol"}, "Xero (gbol) cannot be linked offline"),
        ({"integration": "suuo"}, "Plaid (suuo) cannot be linked offline"),
        ({"integration": "exgd"}, "Stripe (exgd) cannot be linked offline"),
        ({"integration": "zzzz"}, "No integration was found with key &#x27;zzzz&#x27;."),
    ],
    ids=["no-integration", "empty", "upper-case", "path", "xero", "plaid", "stripe", "unknown"],
)
def test_connect_refusal_shows_a_readable_error_page_and_changes_nothing(client, anonymous, form, message):
    company = create_company(client)
    before = snapshot(client, company["id"])

    response = anonymous.post(f"{link_path(company['id'])}/connect", data=form)

    text = assert_html_error(response, 400)
    assert "location" not in response.headers
    page = LinkPage(text)
    assert page.banners["status"] == []
    (alert,) = page.banners["alert"]
    assert message.replace("&#x27;", "'") in alert
    assert message in text  # escaped in the markup
    # It is still the Link page, so the customer can pick again.
    assert list(page.cards) == ["Accounting", "Commerce", "Banking"]
    assert snapshot(client, company["id"]) == before
    assert before["company"]["dataConnections"] == []
    assert before["history"]["totalResults"] == 0


def test_connect_for_an_unknown_company_is_an_html_404(anonymous):
    response = anonymous.post(f"{link_path(MISSING_COMPANY)}/connect", data={"integration": "mqjo"})
    assert "No company was found" in assert_html_error(response, 404)


@pytest.mark.parametrize(
    ("key", "card", "platform"),
    [("mqjo", "Accounting", "Sandbox"), ("aiwb", "Commerce", "Commerce Sandbox"), ("qhnd", "Banking", "Banking Sandbox")],
)
def test_connect_links_a_sandbox_and_queues_first_link_pulls(client, anonymous, key, card, platform):
    company = create_company(client)

    response = anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": key})

    assert response.status_code == 303
    assert response.headers["location"] == f"../../company/{company['id']}?connected={key}"
    after = resolve(f"{link_path(company['id'])}/connect", response.headers["location"])
    assert after == f"{link_path(company['id'])}?connected={key}"
    # Codat's success state: "{Platform} connected", a line naming the company, Continue; no form.
    page = LinkPage(anonymous.get(after).text)
    assert page.headings == [f"{platform} connected"]
    assert "Platypus Properties" in anonymous.get(after).text.split("<h1>")[1]
    assert page.buttons == [] and page.forms == [] and page.cards == {}
    assert resolve(after, page.links["Continue"]) == link_path(company["id"])
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (connection["integrationKey"], connection["status"], connection["sourceType"]) == (key, "Linked", card)
    history = client.get(f"/companies/{company['id']}/data/history", params={"pageSize": 5000}).json()
    assert history["totalResults"] > 0
    assert {pull["connectionId"] for pull in history["results"]} == {connection["id"]}
    assert {pull["status"] for pull in history["results"]} == {"Queued"}
    # The card now says so, and offers no Connect button for it any more.
    html = anonymous.get(link_path(company["id"])).text
    assert f"<h2>{card} <span class='tag ok'>&#10003; {platform} connected</span></h2>" in html
    main = LinkPage(html)
    assert main.cards[card] == [] and main.buttons == ["Connect", "Connect"]


def test_connect_authorises_the_pending_connection_instead_of_adding_one(client, anonymous):
    company = create_company(client, platformType="mqjo")
    (pending,) = company["dataConnections"]
    assert pending["status"] == "PendingAuth"

    response = anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": "mqjo"})

    assert response.status_code == 303
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert connection["id"] == pending["id"]
    assert connection["status"] == "Linked"


@pytest.mark.parametrize(("key", "platform"), [("mqjo", "Sandbox"), ("aiwb", "Commerce Sandbox"), ("qhnd", "Banking Sandbox")])
def test_connect_again_is_refused_visibly_and_changes_nothing(client, anonymous, emulator, key, platform):
    """Pressing Connect again (a stale tab, a resubmitted form) is no silent re-authorisation."""
    company = create_company(client)
    anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": key})
    emulator.clock.advance(60)
    before = snapshot(client, company["id"])

    again = anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": key})

    assert again.status_code == 409
    assert "location" not in again.headers
    page = LinkPage(again.text)
    assert page.banners["status"] == [f"{platform} is already connected for Platypus Properties; nothing was changed."]
    assert snapshot(client, company["id"]) == before


# -- a connection's linkUrl ------------------------------------------------------------------


def test_connection_link_url_connects_that_connection(client, anonymous):
    company = create_company(client, "Perfect Plasterers, ltd")
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path
    assert path == f"/link/companies/{company['id']}/connections/{connection['id']}/start"

    page = anonymous.get(path)
    assert page.status_code == 200
    assert "<h1>Connect to Sandbox</h1>" in page.text
    assert "Connect to Sandbox to share Perfect Plasterers, ltd's data." in page.text
    assert LinkPage(page.text).buttons == ["Connect"]

    response = anonymous.post(path)
    assert response.status_code == 303
    assert response.headers["location"] == "start"
    assert resolve(path, response.headers["location"]) == path
    text = anonymous.get(path).text
    done = LinkPage(text)
    assert done.headings == ["Sandbox connected"]
    assert "Perfect Plasterers, ltd's accounting data is now shared through Codat." in text
    assert done.buttons == [] and done.forms == []
    assert resolve(path, done.links["Continue"]) == link_path(company["id"])
    (linked,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (linked["id"], linked["status"]) == (connection["id"], "Linked")
    pulls = client.get(f"/companies/{company['id']}/data/history").json()["totalResults"]
    assert pulls > 0

    before = snapshot(client, company["id"])
    again = anonymous.post(path)
    assert again.status_code == 409
    assert LinkPage(again.text).banners["status"] == ["Sandbox was already connected for Perfect Plasterers, ltd; nothing was changed."]
    assert snapshot(client, company["id"]) == before


def test_connection_link_url_offers_the_sample_companies_and_shares_the_one_chosen(client, anonymous, emulator):
    company = create_company(client)
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path
    assert "<select id='dataset' name='dataset'>" in anonymous.get(path).text

    assert anonymous.post(path, data={"dataset": "us-retailer"}).status_code == 303

    assert client.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
    emulator.clock.advance(3600)  # the first-link pulls complete
    assert client.get(f"/companies/{company['id']}/data/info").json()["baseCurrency"] == "USD"  # the US retailer's books


def test_connection_link_url_under_another_company_is_an_html_404(client, anonymous):
    owner = create_company(client, "Owner")
    other = create_company(client, "Other")
    connection = client.post(f"/companies/{owner['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = f"/link/companies/{other['id']}/connections/{connection['id']}/start"
    assert f"Data connection {connection['id']} not found" in assert_html_error(anonymous.get(path), 404)
    assert_html_error(anonymous.post(path), 404)
    assert client.get(f"/companies/{owner['id']}/connections/{connection['id']}").json()["status"] == "PendingAuth"


def test_unlinked_connection_link_url_reauthorises_without_a_first_link_fetch(client, anonymous):
    company = create_company(client)
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path
    assert anonymous.post(path).status_code == 303
    unlinked = client.patch(f"/companies/{company['id']}/connections/{connection['id']}", json={"status": "Unlinked"})
    assert unlinked.json()["status"] == "Unlinked"
    pulls = client.get(f"/companies/{company['id']}/data/history").json()["totalResults"]

    assert anonymous.post(path).status_code == 303

    assert client.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
    assert client.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == pulls


def test_reauthorising_an_unlinked_connection_is_refused_beside_another_accounting_one(client, anonymous):
    company = create_company(client)
    old = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    anonymous.post(httpx.URL(old["linkUrl"]).path)
    client.patch(f"/companies/{company['id']}/connections/{old['id']}", json={"status": "Unlinked"})
    client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"})
    before = snapshot(client, company["id"])

    text = assert_html_error(anonymous.post(httpx.URL(old["linkUrl"]).path), 400)

    assert "already has an accounting connection" in text
    assert snapshot(client, company["id"]) == before


# -- logos -----------------------------------------------------------------------------------


@pytest.mark.parametrize("integration", INTEGRATIONS, ids=lambda i: i.key)
def test_logo_is_an_svg(anonymous, integration):
    response = anonymous.get(f"/link/logos/{integration.key}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("64", "64")
    initials = "".join(word[0] for word in integration.name.split()[:2]).upper()
    assert root.find("{http://www.w3.org/2000/svg}text").text == initials


def test_integrations_api_points_at_the_served_logos(client, anonymous):
    integrations = client.get("/integrations", params={"pageSize": 100}).json()["results"]
    assert integrations
    for integration in integrations:
        logo = anonymous.get(httpx.URL(integration["logoUrl"]).path)
        assert logo.status_code == 200, integration["key"]


@pytest.mark.parametrize("name", ["nope.svg", "mqjo.png", "mqjo", "MQJO.svg", ".svg", "mqjo.svg.svg"])
def test_unknown_logo_is_an_html_404(anonymous, name):
    text = assert_html_error(anonymous.get(f"/link/logos/{name}"), 404)
    assert "No logo named" in text


# -- emulator bug ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["mqjo", "gbol"])
def test_connected_banner_only_shows_for_an_integration_that_is_linked(client, anonymous, key):
    """BUG: the "X connected." banner trusts the ``connected`` query parameter.

    ``/link/company/{id}?connected=gbol`` says "Xero connected." although Xero cannot be
    linked offline, and ``?connected=mqjo`` says "Sandbox connected." on a company with no
    connection at all: a shared or bookmarked URL shows a false success.
    """
    company = create_company(client)
    page = LinkPage(anonymous.get(f"{link_path(company['id'])}?connected={key}").text)
    assert client.get(f"/companies/{company['id']}").json()["dataConnections"] == []
    assert page.banners["status"] == []


# -- relative URLs, favicon, public URL ---------------------------------------------------------


def every_link_page(client: httpx.Client, anonymous: httpx.Client) -> dict[str, httpx.Response]:
    """One of each page a customer can see: main, success, sign-in, refusal, error."""
    company = create_company(client)
    pending = create_company(client, "Pending Ltd")
    connection = client.post(f"/companies/{pending['id']}/connections", json={"platformKey": "mqjo"}).json()
    start = httpx.URL(connection["linkUrl"]).path
    pages = {
        link_path(company["id"]): anonymous.get(link_path(company["id"])),
        start: anonymous.get(start),
        f"{link_path(company['id'])}/connect": anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": "gbol"}),
    }
    anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": "mqjo"})
    pages[f"{link_path(company['id'])}?connected=mqjo"] = anonymous.get(f"{link_path(company['id'])}?connected=mqjo")
    pages[link_path(company["id"]) + "#after"] = anonymous.get(link_path(company["id"]))
    pages[f"{link_path(company['id'])}/connect#again"] = anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": "mqjo"})
    pages[link_path(MISSING_COMPANY)] = anonymous.get(link_path(MISSING_COMPANY))
    return pages


def test_every_link_form_and_image_is_relative_and_resolves_to_a_served_page(client, anonymous):
    """Under jupyter-server-proxy the pages live at /user/<name>/proxy/<port>/link/...: an
    absolute path would leave the prefix and 404 (jupyter-server-proxy #114)."""
    prefix = "/user/someone/proxy/8787"
    for path, response in every_link_page(client, anonymous).items():
        page = LinkPage(response.text)
        for url in page.urls:
            if url.startswith("data:"):
                continue
            assert not url.startswith(("/", "http:", "https:", "//")), (path, url)
            behind_proxy = resolve(prefix + path.split("#")[0], url)
            assert behind_proxy.startswith(prefix + "/link/"), (path, url, behind_proxy)
            target = behind_proxy.removeprefix(prefix)
            if any(form["action"] == url for form in page.forms):
                continue  # a form's target is a POST route, checked by the Connect tests
            assert anonymous.get(target).status_code == 200, (path, url)


def test_redirects_after_connect_stay_under_the_prefix(client, anonymous):
    prefix = "/user/someone/proxy/8787"
    company = create_company(client)
    pending = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "aiwb"}).json()
    start = httpx.URL(pending["linkUrl"]).path
    connect = f"{link_path(company['id'])}/connect"
    for path, response in ((connect, anonymous.post(connect, data={"integration": "mqjo"})), (start, anonymous.post(start))):
        assert response.status_code == 303
        assert resolve(prefix + path, response.headers["location"]).startswith(prefix + "/link/"), response.headers["location"]


def test_favicon_is_served_without_a_key(anonymous):
    response = anonymous.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert ET.fromstring(response.content).tag == "{http://www.w3.org/2000/svg}svg"


def test_pages_carry_their_icon_inline_so_the_browser_asks_for_nothing_else(client, anonymous):
    company = create_company(client)
    assert "<link rel='icon' href='data:image/svg+xml," in anonymous.get(link_path(company["id"])).text


@pytest.mark.parametrize("public_url", ["http://127.0.0.1:9999/", "/user/someone/proxy/9999", lambda origin: "https://hub.test/x"])
def test_public_url_sets_where_link_urls_and_logos_point(public_url):
    emulator = Emulator(seed=0, public_url=public_url)
    base = (public_url("http://sandbox.codat.local") if callable(public_url) else public_url).rstrip("/")
    with emulator.http_client(api_key=API_KEY) as client:
        company = client.post("/companies", json={"name": "Acme", "platformType": "mqjo"}).json()
        assert company["redirect"] == f"{base}/link/company/{company['id']}"
        (connection,) = company["dataConnections"]
        assert connection["linkUrl"] == f"{base}/link/companies/{company['id']}/connections/{connection['id']}/start"
        assert client.get("/integrations/mqjo").json()["logoUrl"] == f"{base}/link/logos/mqjo.svg"
    emulator.close()
