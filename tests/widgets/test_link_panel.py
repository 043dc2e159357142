"""LinkPanel without a browser: the pills follow the customer's Connect on the Link page by
themselves, and on the embedded Sandbox the panel can authorise as the customer."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

import codat_nb
from codat_nb.records import Company
from codat_nb.widgets import LinkPanel
from codat_nb.widgets import link_panel as link_panel_module
from codat_nb.widgets.link_panel import needs_watching, pills_html, sandbox_connection_to_authorise

from ._helpers import fail_next


def company_with(*statuses: str) -> Company:
    connections = [
        {"id": f"00000000-0000-0000-0000-00000000000{i}", "integrationId": "i", "integrationKey": "mqjo" if i == 0 else "aiwb",
         "sourceId": "s", "sourceType": "Accounting" if i == 0 else "Commerce", "platformName": "Sandbox" if i == 0 else "Commerce Sandbox",
         "linkUrl": "http://x", "status": status, "created": "2026-01-05T09:00:00Z"}
        for i, status in enumerate(statuses)
    ]  # fmt: skip
    return Company.from_json({"id": "11111111-1111-1111-1111-111111111111", "name": "Acme", "redirect": "http://x", "dataConnections": connections})


@pytest.mark.parametrize(
    ("statuses", "watch"),
    [((), True), (("PendingAuth",), True), (("Linked",), False), (("Linked", "PendingAuth"), True), (("Unlinked",), True), (("Linked", "Unlinked"), False)],
)
def test_needs_watching_while_pending_or_not_linked(statuses: tuple[str, ...], watch: bool) -> None:
    assert needs_watching(company_with(*statuses)) is watch


def test_pills_show_each_connection_in_the_portals_colours() -> None:
    html = pills_html(company_with("Linked", "PendingAuth"))
    assert re.findall(r">([^<]+)</span>", html) == ["Sandbox: Linked", "Commerce Sandbox: PendingAuth"]
    assert "background:#dff5e9" in html  # Linked is green
    assert "No connections yet" in pills_html(company_with())


def test_the_connection_to_authorise_is_the_pending_sandbox_one() -> None:
    assert sandbox_connection_to_authorise(company_with("PendingAuth")).status == "PendingAuth"
    assert sandbox_connection_to_authorise(company_with("Linked")) is None
    assert sandbox_connection_to_authorise(company_with()) is None


@pytest.fixture
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_panel_module, "FIRST_POLL", 0.02)
    monkeypatch.setattr(link_panel_module, "LAST_POLL", 0.05)


def test_pressing_connect_on_the_link_page_turns_the_panel_linked_without_a_rerun(sandbox: codat_nb.Sandbox, client: codat_nb.Client, fast_polls: None) -> None:
    company = client.create_company("Platypus Properties")
    connection = client.create_connection(company.id, "mqjo")
    linked: list[str] = []
    with sandbox.serve() as url:
        link_url = connection.link_url.replace(codat_nb.sandbox.DEFAULT_BASE_URL, url)

        async def scenario() -> LinkPanel:
            panel = LinkPanel(client, company)
            panel.on_linked(lambda seen, conn: linked.append(conn.id))
            await asyncio.sleep(0.1)
            assert "Sandbox: PendingAuth" in panel.pills.value and panel.watcher.busy
            assert "Waiting for the customer to connect on the Link page" in panel.watch_note.value
            assert f"href='{company.redirect}' target='_blank'" in panel.open_link.value and ">Open Link<" in panel.open_link.value
            # The customer, in another browser tab: open the link and press Connect.
            async with httpx.AsyncClient() as browser:
                assert (await browser.post(link_url)).status_code == 303
            await asyncio.wait_for(panel.watcher.wait(), 5)
            return panel

        panel = asyncio.run(scenario())
    assert "Sandbox: Linked" in panel.pills.value and not panel.watcher.busy and panel.watch_note.value == ""
    assert linked == [connection.id]
    assert client.get_connection(company.id, connection.id).status == "Linked"


def test_authorise_as_the_customer_links_the_chosen_sample_company(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = client.create_company("Outfitters Ltd")

    async def scenario() -> LinkPanel:
        panel = LinkPanel(client, company.id)
        assert panel.customer.layout.display != "none"
        panel.sample.value = "us-retailer"
        assert panel.invoices.value == 24_000  # the sample's own size, until changed
        panel.invoices.value = 300
        await asyncio.sleep(0)
        panel.authorise_button.click()
        await panel.wait()
        await panel.watcher.wait()
        return panel

    panel = asyncio.run(scenario())
    (connection,) = client.list_connections(company.id)
    assert (connection.integration_key, connection.status) == ("mqjo", "Linked")
    assert "Sandbox: Linked" in panel.pills.value and "first sync is queued" in panel.feedback.value
    client.wait_for_sync(company.id)
    assert client.company_info(company.id)["baseCurrency"] == "USD"
    assert client.count_records(company.id, "invoices") < 1000  # the size chosen, not the sample's 24,000


def test_authorise_again_changes_nothing_and_says_so(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = client.create_company("Twice Ltd")

    async def scenario() -> LinkPanel:
        panel = LinkPanel(client, company)
        await panel.authorise()
        before = client.list_pull_operations(company.id)
        await panel.authorise()
        assert client.list_pull_operations(company.id) == before
        return panel

    panel = asyncio.run(scenario())
    assert "already connected for Twice Ltd; nothing was changed" in panel.feedback.value
    assert len(client.list_connections(company.id)) == 1


def test_a_failed_refresh_is_shown_and_the_panel_stays_usable(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = client.create_company("Flaky Ltd")

    async def scenario() -> LinkPanel:
        panel = LinkPanel(client, company)
        panel.watcher.cancel()
        await panel.watcher.wait()
        fail_next(sandbox, 503, "GET", f"/companies/{company.id}")
        panel.refresh_button.click()
        await panel.wait()
        assert "Codat answered 503" in panel.feedback.value and "Correlation id" in panel.feedback.value
        assert not panel.refresh_button.disabled
        panel.refresh_button.click()
        await panel.wait()
        assert panel.watcher.busy  # still nothing linked: it follows the company again
        panel.watcher.cancel()
        await panel.watcher.wait()
        return panel

    panel = asyncio.run(scenario())
    assert panel.feedback.value == "" and "Sandbox" not in panel.pills.value and "No connections yet" in panel.pills.value


def test_stop_checking_ends_the_watch(client: codat_nb.Client) -> None:
    company = client.create_company("Patient Ltd")

    async def scenario() -> LinkPanel:
        panel = LinkPanel(client, company)
        await asyncio.sleep(0.05)
        assert not panel.stop_button.disabled
        panel.stop_button.click()
        await panel.watcher.wait()
        return panel

    panel = asyncio.run(scenario())
    assert panel.stop_button.disabled and "Stopped checking." in panel.watch_note.value


def test_no_authorise_as_the_customer_on_the_real_api() -> None:
    panel = LinkPanel(codat_nb.AsyncClient("a-key", "https://api.codat.io"))
    assert panel.customer.layout.display == "none"
    assert panel.refresh_button.disabled  # no company yet
