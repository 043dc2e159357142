"""The Link pages in a real browser: Debian's Chromium, driven by Playwright, against a served emulator.

These must run in CI: if Chromium is missing they fail (never skip) and say how to install it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import uuid
import zlib
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


def test_connect_sandbox_from_the_company_link_page(page: Page, api: httpx.Client, live_url: str):
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
    xero = card.get_by_role("radio", name=re.compile(r"^Xero"))
    expect(xero).to_be_disabled()
    sandbox = card.get_by_role("radio", name="Sandbox", exact=True)
    expect(sandbox).to_be_enabled()
    sandbox.check()
    expect(sandbox).to_be_checked()
    card.get_by_role("button", name="Connect", exact=True).click()

    # Codat's success state: "{Platform} connected", the company's name, Continue; no live form.
    expect(page).to_have_url(f"{live_url}/link/company/{company['id']}?connected=mqjo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    expect(page.get_by_text("Platypus Properties's accounting data is now shared through Codat.")).to_be_visible()
    expect(page.get_by_role("button", name="Connect")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_linked_with_first_link_pulls(api, company["id"])

    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{live_url}/link/company/{company['id']}")
    accounting = page.get_by_role("region", name="Accounting")
    expect(accounting.get_by_role("heading")).to_contain_text("Sandbox connected")
    expect(accounting.get_by_role("button", name="Connect")).to_have_count(0)  # Connect again is not offered
    expect(page.get_by_role("button", name="Connect")).to_have_count(2)  # Commerce and Banking still are
    assert page.request.get(f"{live_url}/favicon.ico").status == 200  # what browsers ask every origin for: no 401
    assert failed == [], failed  # nothing on the pages failed to load


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
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect to Sandbox")
    expect(page.get_by_text("Connect to Sandbox to share Perfect Plasterers, ltd's data.")).to_be_visible()
    page.get_by_role("button", name="Connect", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    expect(page.get_by_text("Perfect Plasterers, ltd's accounting data is now shared through Codat.")).to_be_visible()
    expect(page).to_have_url(link_url)
    expect(page.get_by_role("button", name="Connect")).to_have_count(0)
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
