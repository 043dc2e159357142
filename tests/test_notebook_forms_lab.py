"""notebooks/03_connect_with_forms.ipynb in a real JupyterLab (loopback server, Debian's Chromium):
Run All, then the Connect guide by hand in the wizard, as a user does it. Type a company name,
press Create company, follow the Link URL into a new tab and press Connect there, see the panel
in the notebook turn Linked with no cell re-run, press Refresh all, run another cell while the
sync runs, and see the chart reach Complete and the summary appear. The Link round trip also
passes under a URL prefix, as JupyterHub and Binder serve notebooks (through jupyter-server-proxy).
Screenshots of each step go to test-screenshots/ (git-ignored)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from ._jupyterlab import chromium, error_outputs, jupyterlab, notebook_url, run_all

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "notebooks" / "03_connect_with_forms.ipynb"
SCREENSHOTS = ROOT / "test-screenshots" / FORMS.stem
TIMEOUT_MS = 60_000
#: Slower than the notebook's own 4x, so the sync is surely still running when the test runs another cell.
SPEED = 2.0
HUB_PREFIX = "/user/tester/"
SUPPORTED_TYPES = 17  # what the accounting Sandbox supplies

COMPLETE_BARS = """(root) => {
    const plots = [...root.querySelectorAll('.js-plotly-plot')].filter(gd => gd.querySelector('svg.main-svg'));
    const complete = plots.flatMap(gd => (gd.data || []).filter(trace => trace.name === 'Complete'));
    return complete.length ? Math.max(...complete.map(trace => (trace.y || []).length)) : -1;
}"""


def _copy_notebook(root: Path) -> None:
    notebook = json.loads(FORMS.read_text())
    (parameters,) = [c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    source = "".join(parameters["source"])
    assert "SANDBOX_SPEED = 4.0" in source
    parameters["source"] = source.replace("SANDBOX_SPEED = 4.0", f"SANDBOX_SPEED = {SPEED}")
    (root / FORMS.name).write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("forms_root")
    _copy_notebook(root)
    with jupyterlab(root, tmp_path_factory.mktemp("forms_state")) as url:
        yield url


@pytest.fixture(scope="module")
def hub_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab under /user/tester/ with jupyter-server-proxy, and the kernel told so as JupyterHub tells it."""
    root = tmp_path_factory.mktemp("hub_root")
    _copy_notebook(root)
    with jupyterlab(root, tmp_path_factory.mktemp("hub_state"), base_url=HUB_PREFIX, env={"JUPYTERHUB_SERVICE_PREFIX": HUB_PREFIX}) as url:
        yield url


@pytest.fixture
def context() -> Iterator[tuple[BrowserContext, list[str]]]:
    """Chromium where every request off the loopback is aborted and recorded."""
    with chromium("http://127.0.0.1:", TIMEOUT_MS, viewport=(1280, 1100)) as made:
        yield made


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def open_and_run_all(context: BrowserContext, lab: str) -> tuple[Page, Locator]:
    page = context.new_page()
    page.goto(notebook_url(lab, FORMS.name))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    run_all(page)
    assert error_outputs(page) == []
    wizard = page.locator(".codat-nb-wizard")
    expect(wizard).to_be_visible()
    wizard.scroll_into_view_if_needed()
    return page, wizard


def create_company(page: Page, wizard: Locator, name: str) -> str:
    """Type the name, press Create company; returns the Link URL the form shows."""
    field = wizard.locator(".widget-inline-hbox", has=page.locator("label.widget-label", has_text=re.compile("^Company name$"))).locator("input")
    field.fill(name)
    create = wizard.locator("button.jupyter-button", has_text="Create company")
    expect(create).to_be_enabled()
    create.click()
    expect(wizard.locator(".codat-nb-added")).to_have_text(f"✓ Added: {name}")
    link = wizard.locator("a.codat-nb-link").first
    expect(link).to_have_attribute("target", "_blank")
    return link.get_attribute("href") or ""


def press_connect_on_the_link_page(customer: Page, name: str) -> None:
    """What the customer does on the company's Link page: Connect on the Accounting card, sign in to
    the Sandbox (any e-mail, the password `password`), Login, then Codat's success state."""
    customer.get_by_role("region", name="Accounting").get_by_role("button", name="Connect", exact=True).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Sign into your account")
    customer.get_by_label("Email").fill("login@codat.io")
    customer.get_by_label("Password").fill("password")
    customer.get_by_role("button", name="Login").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Sandbox connected")
    expect(customer.get_by_text(f"{name}'s accounting data is now shared through Codat.")).to_be_visible()


def connect_in_a_new_tab(context: BrowserContext, wizard: Locator, name: str) -> Page:
    """Follow the Link URL into a new tab, as the customer, and press Connect on the Link page."""
    with context.expect_page() as opened:
        wizard.locator("a.codat-nb-link").first.click()
    customer = opened.value
    customer.wait_for_load_state()
    expect(customer).to_have_title(f"Link - {name}")
    press_connect_on_the_link_page(customer, name)
    return customer


def test_the_connect_guide_by_hand_in_the_wizard(context: tuple[BrowserContext, list[str]], lab: str) -> None:
    browser, blocked = context
    page, wizard = open_and_run_all(browser, lab)
    shot(page, "1-run-all")

    href = create_company(page, wizard, "Browser Test Ltd")
    assert href.startswith("http://127.0.0.1:") and "/link/company/" in href
    shot(page, "2-created")

    customer = connect_in_a_new_tab(browser, wizard, "Browser Test Ltd")
    shot(customer, "3-link-page-connected")
    page.bring_to_front()
    # The panel turns Linked by itself: no cell was run since Run All.
    expect(wizard.locator(".codat-nb-pills").first).to_contain_text("Sandbox: Linked", timeout=30_000)
    shot(page, "4-linked")

    wizard.locator("button.jupyter-button", has_text="Refresh all").click()
    expect(wizard.locator(".js-plotly-plot svg.main-svg").first).to_be_visible()
    # Another cell, run while the sync runs: the kernel answers at once.
    probe = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text="wizard.sync.runner.busy"))
    probe.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(probe.locator(".jp-OutputArea-output")).to_contain_text("A sync is running in the wizard, and this cell ran anyway")
    assert wizard.locator(".codat-nb-summary").count() == 0, "the sync had already ended: the cell did not run during it"
    shot(page, "5-another-cell-during-the-sync")

    wizard.scroll_into_view_if_needed()
    page.wait_for_function(f"(root) => ({COMPLETE_BARS})(root) === {SUPPORTED_TYPES}", arg=wizard.element_handle(), timeout=120_000)
    expect(wizard.locator(".codat-nb-summary")).to_be_visible()
    expect(wizard.locator("h4", has_text="Sync summary")).to_have_text(f"Sync summary: {SUPPORTED_TYPES} of {SUPPORTED_TYPES} data types ended without error")
    expect(wizard.locator(".codat-nb-history")).to_contain_text("Complete")
    shot(page, "6-synced")
    assert error_outputs(page) == []
    assert not blocked, f"the notebook tried to reach the network: {blocked}"


def test_the_link_round_trip_under_a_url_prefix(context: tuple[BrowserContext, list[str]], hub_lab: str) -> None:
    browser, blocked = context
    assert hub_lab.endswith(HUB_PREFIX)
    page, wizard = open_and_run_all(browser, hub_lab)

    href = create_company(page, wizard, "Hub Test Ltd")
    assert re.fullmatch(rf"{HUB_PREFIX}proxy/\d+/link/company/[0-9a-f-]{{36}}", href), href  # through jupyter-server-proxy
    customer = connect_in_a_new_tab(browser, wizard, "Hub Test Ltd")
    assert customer.url.startswith(hub_lab + "proxy/")  # every redirect kept the prefix
    assert re.search(r"/link/companies/[0-9a-f-]{36}/connections/[0-9a-f-]{36}/start$", customer.url), customer.url
    customer.get_by_role("link", name="Continue").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Complete")
    customer.get_by_role("link", name="Connect another platform").click()
    expect(customer.get_by_role("region", name="Accounting").get_by_role("heading")).to_contain_text("Sandbox connected")
    assert customer.url.startswith(hub_lab + "proxy/")
    shot(customer, "hub-link-page")
    page.bring_to_front()
    expect(wizard.locator(".codat-nb-pills").first).to_contain_text("Sandbox: Linked", timeout=30_000)
    shot(page, "hub-linked")
    assert not blocked, f"the notebook tried to reach the network: {blocked}"
