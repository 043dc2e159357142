"""The Link pages in-process, without a browser: what they list, escape, refuse and serve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urljoin
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
        self.banners: dict[str, list[str]] = {"status": [], "alert": [], "note": []}
        self.buttons: list[str] = []
        self.forms: list[dict[str, Any]] = []  # method, action, id, and the hidden fields it sends
        self.inputs: dict[str, dict[str, str | None]] = {}  # name -> attributes, for visible fields
        self.selects: list[str] = []
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
            self.forms.append({"method": attr.get("method"), "action": attr.get("action"), "id": attr.get("id"), "hidden": []})
        if tag == "input" and attr.get("type") == "hidden":
            self.forms[-1]["hidden"].append((attr.get("name"), attr.get("value")))
        elif tag == "input" and attr.get("type") != "radio":
            self.inputs[attr.get("name") or ""] = attr
        elif tag == "select":
            self.selects.append(attr.get("name") or "")

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
    assert page.buttons == ["Connect", "Connect", "Connect", "Exit"]
    # Relative, so the page also works under a proxy's prefix; Connect leads to the sign-in card.
    select = {"method": "post", "action": f"../company/{company['id']}/select", "id": None, "hidden": []}
    exit_form = {"method": "get", "action": f"../company/{company['id']}/cancel", "id": None, "hidden": []}
    assert page.forms == [select] * 3 + [exit_form]
    assert resolve(link_path(company["id"]), select["action"]) == f"/link/company/{company['id']}/select"
    # The dataset is chosen on the Sandbox's sign-in card, as in Codat's Link, not on this page.
    assert page.selects == [] and page.inputs == {}
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
    assert page.banners == {"status": [], "alert": [], "note": []}


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


# -- Connect on a card: the sign-in card -------------------------------------------------------

SIGN_IN = {"email": "login@codat.io", "password": "password"}
SETTINGS = "/_sandbox/link/settings"
MYBANK = "https://www.mybank.io/{sourceType}?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}"
PLATFORMS = [("mqjo", "Accounting", "Sandbox"), ("aiwb", "Commerce", "Commerce Sandbox"), ("qhnd", "Banking", "Banking Sandbox")]


def select(anonymous: httpx.Client, company_id: str, key: str = "mqjo", query: str = "") -> str:
    """Press Connect on a card: returns the sign-in card's path (the connection's linkUrl)."""
    page = f"{link_path(company_id)}{query}"
    form = LinkPage(anonymous.get(page).text).forms[0]
    response = anonymous.post(resolve(page, form["action"]), data={"integration": key})
    assert response.status_code == 303, response.text
    return resolve(resolve(page, form["action"]), response.headers["location"])


def login(anonymous: httpx.Client, start: str, **fields: str) -> httpx.Response:
    response = anonymous.post(start, data={**SIGN_IN, **fields})
    assert response.status_code == 303, response.text
    return response


def set_redirect(client: httpx.Client, url: str | None) -> httpx.Response:
    response = client.post(SETTINGS, json={"redirectUrl": url})
    assert response.status_code == 200, response.text
    return response


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
@pytest.mark.parametrize("route", ["select", "connect"])
def test_connect_refusal_shows_a_readable_error_page_and_changes_nothing(client, anonymous, form, message, route):
    company = create_company(client)
    before = snapshot(client, company["id"])

    response = anonymous.post(f"{link_path(company['id'])}/{route}", data=form)

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


@pytest.mark.parametrize("route", ["select", "connect"])
def test_connect_for_an_unknown_company_is_an_html_404(anonymous, route):
    response = anonymous.post(f"{link_path(MISSING_COMPANY)}/{route}", data={"integration": "mqjo"})
    assert "No company was found" in assert_html_error(response, 404)


@pytest.mark.parametrize(("key", "card", "platform"), PLATFORMS)
def test_connect_starts_a_pending_connection_and_shows_the_sign_in_card(client, anonymous, key, card, platform):
    company = create_company(client, "Tom & Jerry's Shop")

    response = anonymous.post(f"{link_path(company['id'])}/select", data={"integration": key})

    assert response.status_code == 303
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (connection["integrationKey"], connection["status"], connection["sourceType"]) == (key, "PendingAuth", card)
    assert client.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == 0  # nothing before Login
    start = f"/link/companies/{company['id']}/connections/{connection['id']}/start"
    assert response.headers["location"] == f"../../companies/{company['id']}/connections/{connection['id']}/start"
    assert resolve(f"{link_path(company['id'])}/select", response.headers["location"]) == start == httpx.URL(connection["linkUrl"]).path

    text = anonymous.get(start).text
    card_page = LinkPage(text)
    assert card_page.headings == ["Sign into your account"]
    assert card_page.banners["note"] == ["Sandbox data is consistent between links by default: the same dataset gives the same company's data every time you link."]
    assert card_page.banners["alert"] == [] and card_page.banners["status"] == []
    assert card_page.buttons == ["Login", "Cancel"]
    email, password = card_page.inputs["email"], card_page.inputs["password"]
    assert (email["type"], email["placeholder"], "required" in email) == ("email", "login@codat.io", True)
    assert (password["type"], "required" in password) == ("password", True)
    assert "Use <code>password</code>" in text
    assert f"Sign in to {platform} to share Tom &amp; Jerry&#x27;s Shop's data." in text
    # The accounting Sandbox offers its datasets; the Commerce and Banking Sandboxes have none.
    assert card_page.selects == (["dataset"] if key == "mqjo" else [])
    # Login posts back to this URL; Cancel is a GET form of its own (no password sent with it).
    assert card_page.forms == [
        {"method": "post", "action": None, "id": None, "hidden": []},
        {"method": "get", "action": "../../../../companies/" + f"{company['id']}/connections/{connection['id']}/cancel", "id": "cancel", "hidden": []},
    ]


def test_the_sign_in_card_offers_the_three_datasets_small_uk_first(client, anonymous):
    company = create_company(client)
    text = anonymous.get(select(anonymous, company["id"])).text
    options = re.findall(r"<option value='([^']+)'( selected)?>([^<]+)</option>", text)
    assert [(value, bool(chosen), label.split(" (")[0]) for value, chosen, label in options] == [
        ("small-uk", True, "Small UK Company"),
        ("us-retailer", False, "US Retailer"),
        ("multi-currency-wholesaler", False, "Multi-currency Wholesaler"),
    ]
    assert "<label for='dataset'>Dataset</label>" in text


@pytest.mark.parametrize(("key", "card", "platform"), PLATFORMS)
def test_login_links_and_queues_first_link_pulls(client, anonymous, key, card, platform):
    company = create_company(client)
    start = select(anonymous, company["id"], key)

    response = login(anonymous, start, email="someone.else@example.org")

    assert response.headers["location"] == "start"
    assert resolve(start, response.headers["location"]) == start
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (connection["integrationKey"], connection["status"]) == (key, "Linked")
    history = client.get(f"/companies/{company['id']}/data/history", params={"pageSize": 5000}).json()
    assert history["totalResults"] > 0
    assert {pull["connectionId"] for pull in history["results"]} == {connection["id"]}
    assert {pull["status"] for pull in history["results"]} == {"Queued"}
    # Codat's success state: "{Platform} connected", a line naming the company, Continue; no form.
    text = anonymous.get(start).text
    page = LinkPage(text)
    assert page.headings == [f"{platform} connected"]
    assert "Platypus Properties" in text.split("<h1>")[1]
    assert page.buttons == [] and page.forms == [] and page.cards == {}
    assert resolve(start, page.links["Continue"]) == start.removesuffix("start") + "complete"
    # The card on the company's page now says so, and offers no Connect button for it any more.
    html = anonymous.get(link_path(company["id"])).text
    assert f"<h2>{card} <span class='tag ok'>&#10003; {platform} connected</span></h2>" in html
    main = LinkPage(html)
    assert main.cards[card] == [] and main.buttons == ["Connect", "Connect", "Exit"]


def test_login_shares_the_dataset_chosen(client, anonymous, emulator):
    company = create_company(client)
    login(anonymous, select(anonymous, company["id"]), dataset="us-retailer")
    emulator.clock.advance(3600)  # the first-link pulls complete
    assert client.get(f"/companies/{company['id']}/data/info").json()["baseCurrency"] == "USD"  # the US retailer's books


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "hunter2"}, "That password is not right: the Sandbox's password is 'password'. Nothing was changed."),
        ({"password": ""}, "That password is not right"),
        ({"password": "Password"}, "That password is not right"),
        ({"email": "not-an-address"}, "Enter your e-mail address, such as login@codat.io"),
        ({"email": ""}, "Enter your e-mail address"),
        ({"email": "a@b"}, "Enter your e-mail address"),
        ({"email": "two@@codat.io"}, "Enter your e-mail address"),
        ({"dataset": "big-corp"}, "dataset must be one of small-uk, us-retailer, multi-currency-wholesaler; got 'big-corp'."),
    ],
    ids=["wrong", "empty", "case", "not-email", "no-email", "no-domain", "two-ats", "dataset"],
)
def test_a_refused_sign_in_shows_the_card_again_with_the_reason_and_changes_nothing(client, anonymous, fields, message):
    company = create_company(client)
    start = select(anonymous, company["id"])
    before = snapshot(client, company["id"])

    response = anonymous.post(start, data={**SIGN_IN, **fields})

    text = assert_html_error(response, 400)
    assert "location" not in response.headers
    page = LinkPage(text)
    assert page.headings == ["Sign into your account"]
    (alert,) = page.banners["alert"]
    assert alert.startswith(message)
    assert page.buttons == ["Login", "Cancel"]
    assert page.inputs["email"]["value"] == fields.get("email", SIGN_IN["email"])  # kept for the retry
    assert "value" not in page.inputs["password"]  # a password is never sent back
    assert snapshot(client, company["id"]) == before
    assert before["connections"]["results"][0]["status"] == "PendingAuth"


def test_the_sign_in_card_escapes_what_it_echoes(client, anonymous):
    company = create_company(client)
    start = select(anonymous, company["id"])
    text = assert_html_error(anonymous.post(start, data={"email": "'><script>alert(1)</script>", "password": "x"}), 400)
    assert "<script>" not in text
    assert "value='&#x27;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'" in text


def test_connect_reuses_the_pending_connection_instead_of_adding_one(client, anonymous):
    company = create_company(client, platformType="mqjo")
    (pending,) = company["dataConnections"]
    assert pending["status"] == "PendingAuth"

    start = select(anonymous, company["id"])

    assert start == httpx.URL(pending["linkUrl"]).path
    login(anonymous, start)
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (connection["id"], connection["status"]) == (pending["id"], "Linked")


@pytest.mark.parametrize(("key", "card", "platform"), PLATFORMS)
@pytest.mark.parametrize("route", ["select", "connect"])
def test_connect_again_is_refused_visibly_and_changes_nothing(client, anonymous, emulator, key, card, platform, route):
    """Pressing Connect again (a stale tab, a resubmitted form) is no silent re-authorisation."""
    company = create_company(client)
    login(anonymous, select(anonymous, company["id"], key))
    emulator.clock.advance(60)
    before = snapshot(client, company["id"])

    again = anonymous.post(f"{link_path(company['id'])}/{route}", data={"integration": key})

    assert again.status_code == 409
    assert "location" not in again.headers
    page = LinkPage(again.text)
    assert page.banners["status"] == [f"{platform} is already connected for Platypus Properties; nothing was changed."]
    assert snapshot(client, company["id"]) == before


# -- one request, for scripts: unchanged ---------------------------------------------------------


@pytest.mark.parametrize(("key", "card", "platform"), PLATFORMS)
def test_scripted_connect_still_authorises_in_one_request(client, anonymous, key, card, platform):
    company = create_company(client)

    response = anonymous.post(f"{link_path(company['id'])}/connect", data={"integration": key})

    assert response.status_code == 303
    assert response.headers["location"] == f"../../company/{company['id']}?connected={key}"
    after = resolve(f"{link_path(company['id'])}/connect", response.headers["location"])
    assert after == f"{link_path(company['id'])}?connected={key}"
    page = LinkPage(anonymous.get(after).text)
    assert page.headings == [f"{platform} connected"]
    (connection,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (connection["integrationKey"], connection["status"], connection["sourceType"]) == (key, "Linked", card)
    assert resolve(after, page.links["Continue"]) == f"/link/companies/{company['id']}/connections/{connection['id']}/complete"
    assert client.get(f"/companies/{company['id']}/data/history").json()["totalResults"] > 0


def test_scripted_connect_checks_sign_in_fields_when_sent(client, anonymous):
    company = create_company(client)
    path = f"{link_path(company['id'])}/connect"
    refused = anonymous.post(path, data={"integration": "mqjo", "email": "login@codat.io", "password": "nope"})
    assert "That password is not right" in assert_html_error(refused, 400)
    assert client.get(f"/companies/{company['id']}").json()["dataConnections"] == []  # not even a PendingAuth one
    accepted = anonymous.post(path, data={"integration": "mqjo", **SIGN_IN, "dataset": "us-retailer"})
    assert accepted.status_code == 303


@pytest.mark.parametrize(
    "form",
    [{}, {"dataset": "us-retailer"}, {**SIGN_IN}, {**SIGN_IN, "dataset": "multi-currency-wholesaler"}],
    ids=["no-fields", "dataset", "email-password", "all"],
)
def test_a_post_to_the_link_url_authorises_in_one_request(client, anonymous, form):
    company = create_company(client, "Perfect Plasterers, ltd")
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path

    response = anonymous.post(path, data=form)

    assert response.status_code == 303
    assert response.headers["location"] == "start"
    text = anonymous.get(path).text
    assert "<h1>Sandbox connected</h1>" in text
    assert "Perfect Plasterers, ltd's accounting data is now shared through Codat." in text
    assert client.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
    assert client.get(f"/companies/{company['id']}/data/history").json()["totalResults"] > 0


def test_the_authorize_control_is_unchanged(client):
    company = create_company(client)
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    response = client.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
    assert response.status_code == 200
    assert response.json()["status"] == "Linked"


# -- a connection's linkUrl ------------------------------------------------------------------


def test_connection_link_url_connects_that_connection(client, anonymous):
    company = create_company(client, "Perfect Plasterers, ltd")
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path
    assert path == f"/link/companies/{company['id']}/connections/{connection['id']}/start"

    page = anonymous.get(path)
    assert page.status_code == 200
    assert LinkPage(page.text).headings == ["Sign into your account"]
    assert "Sign in to Sandbox to share Perfect Plasterers, ltd's data." in page.text
    assert "<form method='post'>" in page.text  # what the official-SDK test's browser looks for

    response = login(anonymous, path)
    assert resolve(path, response.headers["location"]) == path
    text = anonymous.get(path).text
    done = LinkPage(text)
    assert done.headings == ["Sandbox connected"]
    assert "Perfect Plasterers, ltd's accounting data is now shared through Codat." in text
    assert done.buttons == [] and done.forms == []
    (linked,) = client.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert (linked["id"], linked["status"]) == (connection["id"], "Linked")

    before = snapshot(client, company["id"])
    again = anonymous.post(path, data=SIGN_IN)
    assert again.status_code == 409
    assert LinkPage(again.text).banners["status"] == ["Sandbox was already connected for Perfect Plasterers, ltd; nothing was changed."]
    assert snapshot(client, company["id"]) == before


def test_connection_link_url_under_another_company_is_an_html_404(client, anonymous):
    owner = create_company(client, "Owner")
    other = create_company(client, "Other")
    connection = client.post(f"/companies/{owner['id']}/connections", json={"platformKey": "mqjo"}).json()
    base = f"/link/companies/{other['id']}/connections/{connection['id']}"
    assert f"Data connection {connection['id']} not found" in assert_html_error(anonymous.get(f"{base}/start"), 404)
    assert_html_error(anonymous.post(f"{base}/start"), 404)
    assert_html_error(anonymous.get(f"{base}/complete"), 404)
    assert_html_error(anonymous.get(f"{base}/cancel"), 404)
    assert client.get(f"/companies/{owner['id']}/connections/{connection['id']}").json()["status"] == "PendingAuth"


def test_unlinked_connection_link_url_reauthorises_without_a_first_link_fetch(client, anonymous):
    company = create_company(client)
    connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    path = httpx.URL(connection["linkUrl"]).path
    assert anonymous.post(path).status_code == 303
    unlinked = client.patch(f"/companies/{company['id']}/connections/{connection['id']}", json={"status": "Unlinked"})
    assert unlinked.json()["status"] == "Unlinked"
    pulls = client.get(f"/companies/{company['id']}/data/history").json()["totalResults"]
    assert LinkPage(anonymous.get(path).text).headings == ["Sign into your account"]

    login(anonymous, path)

    assert client.get(f"/companies/{company['id']}/connections/{connection['id']}").json()["status"] == "Linked"
    assert client.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == pulls


def test_reauthorising_an_unlinked_connection_is_refused_beside_another_accounting_one(client, anonymous):
    company = create_company(client)
    old = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    anonymous.post(httpx.URL(old["linkUrl"]).path)
    client.patch(f"/companies/{company['id']}/connections/{old['id']}", json={"status": "Unlinked"})
    client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"})
    before = snapshot(client, company["id"])

    for form in ({}, SIGN_IN):
        text = assert_html_error(anonymous.post(httpx.URL(old["linkUrl"]).path, data=form), 400)
        (alert,) = LinkPage(text).banners["alert"]
        assert "already has an accounting connection" in alert

    assert snapshot(client, company["id"]) == before


# -- Complete and Cancel ---------------------------------------------------------------------


def test_complete_without_redirect_settings_ends_on_the_complete_page(client, anonymous):
    company = create_company(client)
    start = select(anonymous, company["id"])
    login(anonymous, start)
    continue_to = resolve(start, LinkPage(anonymous.get(start).text).links["Continue"])

    response = anonymous.get(continue_to)

    assert response.status_code == 200
    page = LinkPage(response.text)
    assert page.headings == ["Complete"]
    assert "Platypus Properties's accounting data is shared through Sandbox. You can close this window." in response.text
    assert resolve(continue_to, page.links["Connect another platform"]) == link_path(company["id"])


def test_complete_redirects_to_the_clients_url_with_the_reserved_parameters(client, anonymous):
    template = (
        "https://www.mybank.io/{sourceType}/done?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}"
        "&company={companyId}&connection={connectionId}&client={clientId}&integration={integrationId}"
        "&source={sourceId}&platform={platform}&name={platformName}&text={statusText}&cn={data.company.companyName}#top"
    )
    set_redirect(client, template)
    company = create_company(client)
    start = select(anonymous, company["id"])
    login(anonymous, start)
    connection = client.get(f"/companies/{company['id']}").json()["dataConnections"][0]
    before = snapshot(client, company["id"])

    response = anonymous.get(start.removesuffix("start") + "complete")

    assert response.status_code == 303
    client_id = client.get("/profile/syncSettings").json()["clientId"]
    assert response.headers["location"] == (
        f"https://www.mybank.io/Accounting/done?flow=Codat&statuscode=200&errormessage="
        f"&company={company['id']}&connection={connection['id']}&client={client_id}"
        f"&integration={connection['integrationId']}&source={connection['sourceId']}&platform=mqjo&name=Sandbox"
        "&text=&cn=#top"
    )
    assert snapshot(client, company["id"]) == before  # leaving changes nothing


def test_complete_before_login_goes_back_to_the_sign_in_card(client, anonymous):
    set_redirect(client, MYBANK)
    company = create_company(client)
    start = select(anonymous, company["id"])
    response = anonymous.get(start.removesuffix("start") + "complete?ref=7")
    assert response.status_code == 303
    assert resolve(start, response.headers["location"]) == start + "?ref=7"


def test_custom_parameters_ride_from_the_link_url_to_the_redirect(client, anonymous):
    """Codat fills {x} from the Link URL's query string; names are case-sensitive; a missing one is ""."""
    set_redirect(client, "https://www.mybank.io/{journeyType}/success?ClientType={clientType}&Ref={ref}&code={statusCode}")
    company = create_company(client)
    query = "?journeyType=demo&ref=a%20b%26c&ClientType=wrong-case"
    main = f"{link_path(company['id'])}{query}"
    page = LinkPage(anonymous.get(main).text)
    assert page.forms[0]["action"] == f"../company/{company['id']}/select{query}"
    assert page.forms[-1]["hidden"] == [("journeyType", "demo"), ("ref", "a b&c"), ("ClientType", "wrong-case")]

    start = select(anonymous, company["id"], query=query)
    assert start.endswith(f"/start{query}")
    card = LinkPage(anonymous.get(start).text)
    assert card.forms[1]["hidden"] == [("journeyType", "demo"), ("ref", "a b&c"), ("ClientType", "wrong-case")]
    response = login(anonymous, start)
    assert response.headers["location"] == f"start{query}"
    success = LinkPage(anonymous.get(start).text)
    complete = resolve(start, success.links["Continue"])
    assert complete.endswith(f"/complete{query}")

    final = anonymous.get(complete)

    assert final.status_code == 303
    assert final.headers["location"] == "https://www.mybank.io/demo/success?ClientType=&Ref=a%20b%26c&code=200"


def test_cancel_on_the_sign_in_card_redirects_with_403_and_leaves_the_connection_pending(client, anonymous):
    set_redirect(client, "https://www.mybank.io/accounting?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}&p={platform}&r={ref}")
    company = create_company(client)
    start = select(anonymous, company["id"], query="?ref=42")
    before = snapshot(client, company["id"])
    cancel = LinkPage(anonymous.get(start).text).forms[1]
    target = resolve(start, cancel["action"]) + "?" + "&".join(f"{n}={v}" for n, v in cancel["hidden"])

    response = anonymous.get(target)

    assert response.status_code == 303
    assert response.headers["location"] == "https://www.mybank.io/accounting?flow=Codat&statuscode=403&errormessage=User%20cancelled&p=mqjo&r=42"
    assert snapshot(client, company["id"]) == before
    assert before["connections"]["results"][0]["status"] == "PendingAuth"


def test_cancel_without_redirect_settings_shows_connection_cancelled(client, anonymous):
    company = create_company(client)
    start = select(anonymous, company["id"], "aiwb")
    before = snapshot(client, company["id"])
    cancel_path = start.removesuffix("start") + "cancel"

    response = anonymous.get(cancel_path)

    assert response.status_code == 200
    page = LinkPage(response.text)
    assert page.headings == ["Connection cancelled"]
    assert "Commerce Sandbox was not connected, so none of Platypus Properties's data is shared through it." in response.text
    assert resolve(cancel_path, page.links["Connect again"]) == start
    assert snapshot(client, company["id"]) == before


def test_exit_on_the_main_page_is_a_cancel_without_a_connection(client, anonymous):
    set_redirect(client, MYBANK + "&company={companyId}&connection={connectionId}")
    company = create_company(client)
    exit_form = LinkPage(anonymous.get(link_path(company["id"])).text).forms[-1]
    exit_path = resolve(link_path(company["id"]), exit_form["action"])

    response = anonymous.get(exit_path)

    assert response.status_code == 303
    assert response.headers["location"] == (
        f"https://www.mybank.io/?flow=Codat&statuscode=403&errormessage=User%20cancelled&company={company['id']}&connection="
    )
    set_redirect(client, None)
    page = LinkPage(anonymous.get(exit_path).text)
    assert page.headings == ["Connection cancelled"]
    assert resolve(exit_path, page.links["Connect again"]) == link_path(company["id"])


def test_exit_with_a_connection_already_linked_is_201_no_change(client, anonymous):
    """Codat's 201: the customer came back with a connection in place and left without acting."""
    company = create_company(client)
    start = select(anonymous, company["id"])
    login(anonymous, start)
    set_redirect(client, MYBANK + "&connection={connectionId}")

    for path in (f"{link_path(company['id'])}/cancel", start.removesuffix("start") + "cancel"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "https://www.mybank.io/?flow=Codat&statuscode=201&errormessage=&connection="
    set_redirect(client, None)
    assert LinkPage(anonymous.get(f"{link_path(company['id'])}/cancel").text).headings == ["Complete"]


# -- the redirect settings control ---------------------------------------------------------------


def test_redirect_settings_are_read_and_set_per_tenant(client, emulator):
    assert client.get(SETTINGS).json() == {"redirectUrl": None}
    url = "https://www.mybank.io/accounting?flow=Codat&statuscode={statusCode}"
    assert set_redirect(client, url).json() == {"redirectUrl": url}
    assert client.get(SETTINGS).json() == {"redirectUrl": url}
    with emulator.http_client(api_key="another-key") as other:
        assert other.get(SETTINGS).json() == {"redirectUrl": None}  # another client's Link is not redirected
        company = other.post("/companies", json={"name": "Other Ltd"}).json()
    with httpx.Client(transport=emulator.transport(), base_url="http://sandbox.test") as browser:
        assert browser.get(f"{link_path(company['id'])}/cancel").status_code == 200  # its own page, not the first's URL
    assert set_redirect(client, None).json() == {"redirectUrl": None}
    assert set_redirect(client, url).json() == {"redirectUrl": url}
    assert set_redirect(client, "").json() == {"redirectUrl": None}
    assert client.get(SETTINGS).json() == {"redirectUrl": None}


def test_redirect_settings_need_the_api_key(anonymous):
    assert anonymous.get(SETTINGS).status_code == 401
    refused = anonymous.post(SETTINGS, json={"redirectUrl": "https://www.mybank.io/"})
    assert refused.status_code == 401
    assert refused.json()["error"].startswith("Unauthorized")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"redirectUrl": "ftp://www.mybank.io/"}, "redirectUrl must be an absolute http or https URL such as https://www.mybank.io/"),
        ({"redirectUrl": "/accounting?flow=Codat"}, "redirectUrl must be an absolute http or https URL"),
        ({"redirectUrl": "www.mybank.io/accounting"}, "redirectUrl must be an absolute http or https URL"),
        ({"redirectUrl": "https://"}, "redirectUrl must be an absolute http or https URL"),
        ({"redirectUrl": "https://www.mybank.io:port/"}, "redirectUrl must be an absolute http or https URL"),
        ({"redirectUrl": "javascript:alert(1)"}, "redirectUrl must be an absolute http or https URL"),
        ({"redirectUrl": "https://www.mybank.io/a b"}, "redirectUrl must not contain spaces"),
        ({"redirectUrl": "https://www.mybank.io/'><script>"}, "redirectUrl must not contain spaces, quotes"),
        ({"redirectUrl": "https://www.mybank.io/{statusCode"}, "redirectUrl has a malformed placeholder"),
        ({"redirectUrl": "https://www.mybank.io/{}"}, "redirectUrl has a malformed placeholder"),
        ({"redirectUrl": "https://{environment}.mybank.io/success"}, "redirectUrl's host cannot hold a placeholder"),
        ({"redirectUrl": "https://user:pw@www.mybank.io/"}, "redirectUrl must not carry a user name or password"),
        ({"redirectUrl": "https://www.mybank.io/" + "a" * 2000}, "redirectUrl is 2022 characters long; the limit is 2000."),
        ({"redirectUrl": 42}, "redirectUrl must be a string (or null to remove it), not a number."),
        ({"redirectUrl": ["https://www.mybank.io/"]}, "redirectUrl must be a string (or null to remove it), not an array."),
        ({}, "redirectUrl is required; send {\"redirectUrl\": \"https://www.mybank.io/{sourceType}?flow=Codat"),
        ({"redirectUrl": "https://www.mybank.io/", "url": "x"}, "Unknown Link setting(s) url; send {\"redirectUrl\":"),
    ],
    ids=["ftp", "relative", "no-scheme", "no-host", "bad-port", "javascript", "space", "markup", "unclosed", "empty-name",
         "host-placeholder", "credentials", "too-long", "number", "array", "missing", "unknown"],  # fmt: skip
)
def test_redirect_settings_refuse_what_is_not_a_redirect_url_and_keep_the_old_one(client, body, message):
    kept = set_redirect(client, MYBANK).json()

    response = client.post(SETTINGS, json=body)

    assert response.status_code == 400
    error = response.json()
    assert error["statusCode"] == 400 and error["error"].startswith(message), error["error"]
    assert error["validation"]["errors"][0]["validatorName"] == "LinkSettings"
    assert set(error) >= {"correlationId", "canBeRetried", "service"}
    assert client.get(SETTINGS).json() == kept


@pytest.mark.parametrize(("content", "status"), [(b"", 400), (b"[]", 400), (b"{", 400)])
def test_redirect_settings_refuse_a_body_that_is_not_a_json_object(client, content, status):
    response = client.post(SETTINGS, content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert "JSON" in response.json()["error"] or "empty" in response.json()["error"]


def test_redirect_settings_survive_a_restart_with_state(tmp_path):
    path = tmp_path / "sandbox.sqlite"
    first = Emulator(seed=0, state_path=path)
    with first.http_client(api_key=API_KEY) as client:
        set_redirect(client, MYBANK)
    first.close()
    second = Emulator(seed=0, state_path=path)
    with second.http_client(api_key=API_KEY) as client:
        assert client.get(SETTINGS).json() == {"redirectUrl": MYBANK}
        set_redirect(client, None)
    second.close()
    third = Emulator(seed=0, state_path=path)
    with third.http_client(api_key=API_KEY) as client:
        assert client.get(SETTINGS).json() == {"redirectUrl": None}
    third.close()


def test_reset_forgets_the_redirect_settings(client):
    set_redirect(client, MYBANK)
    assert client.post("/_sandbox/reset").status_code == 204
    assert client.get(SETTINGS).json() == {"redirectUrl": None}


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
    """One of each page a customer can see (some with a Link URL query string to carry): main,
    sign-in cards, refusals, success states, Complete, cancelled, 409s, error."""
    company = create_company(client)
    other = create_company(client, "Pending Ltd")
    main, query = link_path(company["id"]), "?ref=1&journey=a%20b"
    pages = {
        main + query: anonymous.get(main + query),
        f"{main}/select{query}": anonymous.post(f"{main}/select{query}", data={"integration": "gbol"}),
    }
    start = select(anonymous, company["id"], query=query)
    commerce = select(anonymous, other["id"], "aiwb")
    cancel_path = start.replace("/start?", "/cancel?")
    pages[start] = anonymous.get(start)
    pages[commerce] = anonymous.get(commerce)
    pages[start + "#refused"] = anonymous.post(start, data={**SIGN_IN, "password": "wrong"})
    pages[cancel_path] = anonymous.get(cancel_path)
    pages[f"{main}/cancel{query}"] = anonymous.get(f"{main}/cancel{query}")
    login(anonymous, start)
    pages[start + "#linked"] = anonymous.get(start)
    pages[start + "#again"] = anonymous.post(start, data=SIGN_IN)
    pages[start.replace("/start?", "/complete?")] = anonymous.get(start.replace("/start?", "/complete?"))
    pages[f"{main}/cancel{query}#no-change"] = anonymous.get(f"{main}/cancel{query}")
    pages[main + "#after"] = anonymous.get(main)
    pages[f"{main}/select#again"] = anonymous.post(f"{main}/select", data={"integration": "mqjo"})
    anonymous.post(f"{link_path(other['id'])}/connect", data={"integration": "qhnd"})
    pages[f"{link_path(other['id'])}?connected=qhnd"] = anonymous.get(f"{link_path(other['id'])}?connected=qhnd")
    pages[link_path(MISSING_COMPANY)] = anonymous.get(link_path(MISSING_COMPANY))
    assert all(response.status_code in (200, 400, 404, 409) for response in pages.values())
    return pages


def test_every_link_form_and_image_is_relative_and_resolves_to_a_served_page(client, anonymous):
    """Under jupyter-server-proxy the pages live at /user/<name>/proxy/<port>/link/...: an
    absolute path would leave the prefix and 404 (jupyter-server-proxy #114)."""
    prefix = "/user/someone/proxy/8787"
    pages = every_link_page(client, anonymous)
    headings = {heading for response in pages.values() for heading in LinkPage(response.text).headings}
    assert headings >= {"Share your financial information", "Sign into your account", "Sandbox connected", "Complete", "Connection cancelled"}
    for path, response in pages.items():
        page = LinkPage(response.text)
        for url in page.urls:
            if url.startswith("data:"):
                continue
            assert not url.startswith(("/", "http:", "https:", "//")), (path, url)
            behind_proxy = resolve(prefix + path.split("#")[0], url)
            assert behind_proxy.startswith(prefix + "/link/"), (path, url, behind_proxy)
            target = behind_proxy.removeprefix(prefix)
            forms = [form for form in page.forms if form["action"] == url]
            if forms and forms[0]["method"] == "post":
                continue  # a POST form's target is checked by the Connect and Login tests
            if forms:  # a GET form: the browser replaces the action's query with the form's fields
                target = target.split("?")[0] + "?" + "&".join(f"{n}={quote(v)}" for n, v in forms[0]["hidden"])
            assert anonymous.get(target).status_code == 200, (path, url)


def test_redirects_within_link_stay_under_the_prefix(client, anonymous):
    prefix = "/user/someone/proxy/8787"
    company = create_company(client)
    pending = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "aiwb"}).json()
    start = httpx.URL(pending["linkUrl"]).path
    picked = f"{link_path(company['id'])}/select"
    connect = f"{link_path(company['id'])}/connect"
    complete = start.removesuffix("start") + "complete"
    steps = (
        (picked, anonymous.post(picked, data={"integration": "mqjo"})),
        (complete, anonymous.get(complete)),  # before Login: back to the sign-in card
        (start, anonymous.post(start, data=SIGN_IN)),
        (connect, anonymous.post(connect, data={"integration": "qhnd"})),
    )
    for path, response in steps:
        assert response.status_code == 303, path
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
