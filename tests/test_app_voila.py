"""notebooks/app.ipynb served by Voila, in Debian's Chromium: the companies table lists the demo
companies, ``?company=<id>`` opens that company's page, its Read history shows its pulls, and a bad
deep link gets a readable message, not a blank page or a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from ._jupyterlab import chromium, free_port, wait_until_serving

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[1] / "notebooks" / "app.ipynb"
DEMO = ("Platypus Properties", "Copperleaf Outfitters", "Northwind Fine Foods")
TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("app")
    shutil.copy(APP, root / APP.name)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODAT_")}
    command = [sys.executable, "-m", "voila", str(root / APP.name), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    log = (root / "voila.log").open("w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(server, f"{url}voila/static/", root / "voila.log", "Voila")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()


#: Voila's own "lab" template links Font Awesome's CSS from a CDN on every page; offline the request
#: fails and only widget icons would be missing (the app uses none). Nothing else may leave the machine.
VOILA_TEMPLATE_CDN = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"


@pytest.fixture
def page(voila: str) -> Iterator[Page]:
    with chromium("http://127.0.0.1:", TIMEOUT_MS) as (context, blocked):
        yield context.new_page()
        others = [url for url in blocked if not url.startswith(VOILA_TEMPLATE_CDN)]
        assert not others, f"the app tried to reach the network: {others}"


def test_the_companies_table_then_a_companys_page_by_its_deep_link(page: Page, voila: str) -> None:
    page.goto(voila)
    portal = page.locator(".codat-nb-portal")
    expect(portal).to_be_visible(timeout=TIMEOUT_MS)
    for name in DEMO:
        expect(portal.locator("button.jupyter-button", has_text=name)).to_be_visible()
    expect(portal).to_contain_text("Sandbox: Linked")
    expect(portal).to_contain_text("region: uk")
    ids = portal.locator("code").all_inner_texts()
    names = [portal.locator("button.jupyter-button", has_text=name) for name in DEMO]
    assert len(ids) == 3 and all(len(i) == 36 for i in ids)
    # The table lists the newest first; Copperleaf Outfitters is the second company made.
    copperleaf = ids[1]
    assert names[1].count() == 1

    page.goto(f"{voila}?company={copperleaf}")
    company = page.locator(".codat-nb-company-page")
    expect(company).to_be_visible(timeout=TIMEOUT_MS)
    expect(company.locator("h2")).to_have_text("Copperleaf Outfitters")
    expect(company).to_contain_text(copperleaf)
    page.locator(".lm-TabBar-tab", has_text="Read history").click()
    history = company.locator(".codat-nb-history:visible")
    expect(history).to_be_visible()
    expect(history).to_contain_text("invoices")
    assert history.locator("tbody tr").count() == 17  # one pull per data type of the first sync
    expect(history.locator("tbody tr").first).to_contain_text("Complete")
    page.locator(".lm-TabBar-tab", has_text="Data status").click()
    expect(company.locator(".codat-nb-data-status:visible")).to_contain_text("Complete")


def test_a_bad_deep_link_gets_a_readable_message(page: Page, voila: str) -> None:
    page.goto(f"{voila}?company=not-a-company")
    expect(page.locator(".codat-nb-error")).to_contain_text("company (in the page's ?company=) must be a UUID", timeout=TIMEOUT_MS)
    assert "Traceback" not in page.locator("body").inner_text()
