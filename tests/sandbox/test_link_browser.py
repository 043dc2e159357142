"""The Link pages in a real browser: Debian's Chromium, driven by Playwright, against a served emulator.

These must run in CI: if Chromium is missing they fail (never skip) and say how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from codat_nb.sandbox.catalog import INTEGRATIONS

from .conftest import auth_header

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def chromium_path() -> str:
    for candidate in (CHROMIUM, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        f"Chromium was not found at {CHROMIUM} (nor as 'chromium' on PATH). The browser tests need Debian's "
        "Chromium: run `apt-get install chromium` (Playwright cannot download browsers offline). "
        "These tests are never skipped.",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole module, closed however the tests end."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context per test (no cookies or history carried over)."""
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    try:
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def api(live_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_url, headers=auth_header(), timeout=10) as client:
        yield client


def create_company(api: httpx.Client, name: str) -> dict[str, Any]:
    response = api.post("/companies", json={"name": name})
    assert response.status_code == 200, response.text
    return response.json()


def assert_linked_with_first_link_pulls(api: httpx.Client, company_id: str, connection_id: str | None = None) -> None:
    company = api.get(f"/companies/{company_id}")
    assert company.status_code == 200, company.text
    connections = company.json()["dataConnections"]
    assert len(connections) == 1, connections
    assert connections[0]["status"] == "Linked"
    assert connections[0]["integrationKey"] == "mqjo"
    if connection_id is not None:
        assert connections[0]["id"] == connection_id
    history = api.get(f"/companies/{company_id}/data/history").json()
    assert history["totalResults"] > 0
    assert {pull["connectionId"] for pull in history["results"]} == {connections[0]["id"]}


SETTINGS = "/_sandbox/link/settings"


class _MyBank(BaseHTTPRequestHandler):
    """The client's own site, where Link sends the customer: records each path it is asked for."""

    landed: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
        if self.path != "/favicon.ico":  # what Chromium asks every origin for
            self.landed.append(self.path)
        body = b"<!doctype html><title>MyBank</title><h1>Welcome back to MyBank</h1>"
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep the test output quiet
        pass


@pytest.fixture
def mybank() -> Iterator[tuple[str, list[str]]]:
    """A local page for the redirect to land on (no network here): its base URL, and the paths asked for."""
    landed: list[str] = []
    handler = type("MyBank", (_MyBank,), {"landed": landed})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="mybank", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", landed
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def set_redirect(api: httpx.Client, url: str | None) -> None:
    response = api.post(SETTINGS, json={"redirectUrl": url})
    assert response.status_code == 200, response.text


def connect_on_the_accounting_card(page: Page) -> None:
    card = page.get_by_role("region", name="Accounting")
    sandbox = card.get_by_role("radio", name="Sandbox", exact=True)
    sandbox.check()
    card.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign into your account")


def test_connect_sandbox_from_the_company_link_page(page: Page, api: httpx.Client, live_url: str):
    """The whole flow: main page, Connect, the sign-in card (a wrong password first), Login,
    "Sandbox connected", Continue, Complete."""
    company = create_company(api, "Platypus Properties")
    assert company["redirect"] == f"{live_url}/link/company/{company['id']}"
    failed: list[str] = []
    page.on("response", lambda answer: failed.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None)

    response = page.goto(company["redirect"])
    assert response is not None and response.status == 200
    expect(page).to_have_title("Link - Platypus Properties")
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your financial information")
    for name in ("Accounting", "Commerce", "Banking"):
        expect(page.get_by_role("region", name=name)).to_be_visible()
    expect(page.get_by_role("status")).to_have_count(0)
    card = page.get_by_role("region", name="Accounting")
    expect(card.get_by_role("radio", name=re.compile(r"^Xero"))).to_be_disabled()
    expect(card.get_by_role("radio", name="Sandbox", exact=True)).to_be_checked()
    connect_on_the_accounting_card(page)

    # The Sandbox's sign-in card: the banner, Email, Password, the dataset, Login / Cancel.
    (pending,) = api.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert pending["status"] == "PendingAuth"
    expect(page).to_have_url(pending["linkUrl"])
    expect(page.get_by_role("note")).to_contain_text("Sandbox data is consistent between links")
    email, password, dataset = page.get_by_label("Email"), page.get_by_label("Password"), page.get_by_label("Dataset")
    expect(email).to_have_attribute("placeholder", "login@codat.io")
    expect(page.get_by_text("Use password")).to_be_visible()
    expect(dataset.locator("option")).to_have_text([re.compile(r"^Small UK Company"), re.compile(r"^US Retailer"), re.compile(r"^Multi-currency Wholesaler")])
    expect(dataset).to_have_value("small-uk")
    expect(page.get_by_role("button", name="Login")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()

    email.fill("finance@platypus.example")
    password.fill("letmein")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("alert")).to_have_text("That password is not right: the Sandbox's password is 'password'. Nothing was changed.")
    expect(email).to_have_value("finance@platypus.example")
    assert api.get(f"/companies/{company['id']}/connections/{pending['id']}").json()["status"] == "PendingAuth"

    page.get_by_label("Password").fill("password")
    page.get_by_label("Dataset").select_option("us-retailer")
    page.get_by_role("button", name="Login").click()

    # Codat's success state: "{Platform} connected", the company's name, Continue; no live form.
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    expect(page.get_by_text("Platypus Properties's accounting data is now shared through Codat.")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_linked_with_first_link_pulls(api, company["id"], pending["id"])

    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complete")
    expect(page.get_by_text("You can close this window.")).to_be_visible()
    page.get_by_role("link", name="Connect another platform").click()
    expect(page).to_have_url(f"{live_url}/link/company/{company['id']}")
    accounting = page.get_by_role("region", name="Accounting")
    expect(accounting.get_by_role("heading")).to_contain_text("Sandbox connected")
    expect(accounting.get_by_role("button", name="Connect")).to_have_count(0)  # Connect again is not offered
    expect(page.get_by_role("button", name="Connect")).to_have_count(2)  # Commerce and Banking still are
    assert page.request.get(f"{live_url}/favicon.ico").status == 200  # what browsers ask every origin for: no 401
    assert failed == [f"400 {pending['linkUrl']}"], failed  # only the wrong password was refused


def test_complete_follows_the_clients_redirect_settings(page: Page, api: httpx.Client, mybank: tuple[str, list[str]]):
    site, landed = mybank
    set_redirect(api, site + "/{sourceType}?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}&company={companyId}&ref={ref}")
    company = create_company(api, "Platypus Properties")

    page.goto(company["redirect"] + "?ref=abc%20123")
    connect_on_the_accounting_card(page)
    page.get_by_label("Email").fill("login@codat.io")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    with page.expect_navigation(url=re.compile("^" + re.escape(site + "/"))):
        page.get_by_role("link", name="Continue").click()  # the Complete step: a 303 to the client's site

    expected = f"/Accounting?flow=Codat&statuscode=200&errormessage=&company={company['id']}&ref=abc%20123"
    expect(page).to_have_url(site + expected)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back to MyBank")
    assert landed == [expected]
    assert_linked_with_first_link_pulls(api, company["id"])


def test_cancel_returns_to_the_client_with_403_and_leaves_the_connection_pending(page: Page, api: httpx.Client, mybank: tuple[str, list[str]]):
    site, landed = mybank
    set_redirect(api, site + "/accounting?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}")
    company = create_company(api, "Platypus Properties")

    page.goto(company["redirect"])
    connect_on_the_accounting_card(page)
    page.get_by_label("Password").fill("typed, then thought better of it")
    page.get_by_role("button", name="Cancel").click()  # the empty, required Email does not stop it

    expect(page).to_have_url(f"{site}/accounting?flow=Codat&statuscode=403&errormessage=User%20cancelled")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back to MyBank")
    assert landed == ["/accounting?flow=Codat&statuscode=403&errormessage=User%20cancelled"]
    (connection,) = api.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert connection["status"] == "PendingAuth"
    assert api.get(f"/companies/{company['id']}/data/history").json()["totalResults"] == 0


def test_cancel_and_exit_without_redirect_settings_end_on_connection_cancelled(page: Page, api: httpx.Client, live_url: str):
    company = create_company(api, "Platypus Properties")

    page.goto(company["redirect"])
    connect_on_the_accounting_card(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connection cancelled")
    expect(page.get_by_text("Sandbox was not connected")).to_be_visible()
    page.get_by_role("link", name="Connect again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign into your account")

    page.goto(company["redirect"])
    page.get_by_role("button", name="Exit").click()
    expect(page).to_have_url(f"{live_url}/link/company/{company['id']}/cancel?")  # a GET form with no fields
    expect(page.get_by_role("heading", level=1)).to_have_text("Connection cancelled")
    (connection,) = api.get(f"/companies/{company['id']}").json()["dataConnections"]
    assert connection["status"] == "PendingAuth"


def test_connect_through_a_connections_link_url(page: Page, api: httpx.Client, live_url: str):
    company = create_company(api, "Perfect Plasterers, ltd")
    created = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"})
    assert created.status_code == 200, created.text
    connection = created.json()
    assert connection["status"] == "PendingAuth"
    link_url = connection["linkUrl"]
    assert link_url == f"{live_url}/link/companies/{company['id']}/connections/{connection['id']}/start"

    response = page.goto(link_url)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign into your account")
    expect(page.get_by_text("Sign in to Sandbox to share Perfect Plasterers, ltd's data.")).to_be_visible()
    page.get_by_label("Email").fill("login@codat.io")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Login", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    expect(page.get_by_text("Perfect Plasterers, ltd's accounting data is now shared through Codat.")).to_be_visible()
    expect(page).to_have_url(link_url)
    expect(page.get_by_role("button")).to_have_count(0)
    assert_linked_with_first_link_pulls(api, company["id"], connection["id"])


@pytest.mark.parametrize(
    ("company_id", "status", "message"),
    [
        (str(uuid.UUID(int=0x8A210B68698811EDA1EB0242AC120002)), 404, "No company was found with ID"),
        ("not-a-company", 400, "companyId must be a UUID"),
    ],
    ids=["unknown", "malformed"],
)
def test_unknown_company_shows_an_error_page_not_a_traceback(page: Page, live_url: str, company_id, status, message):
    response = page.goto(f"{live_url}/link/company/{company_id}")
    assert response is not None
    assert response.status == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    expect(page).to_have_title("Link error")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.locator("body")).to_contain_text(message)
    expect(page.locator("body")).to_contain_text(re.compile(r"Correlation id [0-9a-f]{32}"))
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "{" not in body  # neither a Python traceback nor raw JSON


def png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct bytes in the decoded scanlines) of a PNG, checking its structure."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks: dict[bytes, list[bytes]] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + payload) == crc, f"bad CRC in {kind!r}"
        chunks.setdefault(kind, []).append(payload)
        offset += 12 + length
    assert b"IEND" in chunks
    width, height = struct.unpack(">II", chunks[b"IHDR"][0][:8])
    pixels = zlib.decompress(b"".join(chunks[b"IDAT"]))
    return width, height, len(set(pixels))


def test_screenshot_of_the_link_page(page: Page, api: httpx.Client, tmp_path: Path):
    company = create_company(api, "Platypus Properties")
    page.goto(company["redirect"])
    expect(page.get_by_role("region", name="Banking")).to_be_visible()
    # Every logo is a served SVG the browser could decode.
    logos = page.locator("label.option img")
    expect(logos).to_have_count(len(INTEGRATIONS))
    widths = logos.evaluate_all("imgs => imgs.map(img => img.complete ? img.naturalWidth : -1)")
    assert widths == [64] * len(INTEGRATIONS)

    shot = tmp_path / "link.png"
    page.screenshot(path=str(shot), full_page=True)

    data = shot.read_bytes()
    assert len(data) > 20_000, f"screenshot is only {len(data)} bytes"
    width, height, distinct = png_facts(data)
    assert width == 900
    assert height >= 1000
    assert distinct > 50, "the screenshot is (nearly) a single colour"
