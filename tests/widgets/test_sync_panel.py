"""SyncPanel without a browser: what it queues, the live chart, the summary, Read history, failures
and Cancel, checked against the Sandbox's pull history."""

from __future__ import annotations

import asyncio
import html
import re
from collections import Counter
from datetime import timedelta

import pytest

import codat_nb
from codat_nb.records import DataStatus, PullOperation
from codat_nb.widgets import SyncPanel
from codat_nb.widgets.sync_panel import data_type_options, history_html, summary_html, summary_rows

from ._helpers import linked_company


def status(data_type: str, current: str | None, sync_id: str | None = None) -> DataStatus:
    return DataStatus.from_json({"dataType": data_type, "currentStatus": current, "latestSyncId": sync_id})


def pull(data_type: str, pull_id: str, state: str, seconds: float | None = None, error: str | None = None) -> PullOperation:
    body = {
        "id": pull_id, "companyId": "c", "connectionId": "conn", "dataType": data_type, "status": state, "requested": "2026-01-05T09:00:00Z",
        "progress": 100 if seconds is not None else 40, "isCompleted": state == "Complete", "isErrored": state.endswith("Error"),
        "errorMessage": error,
    }  # fmt: skip
    if seconds is not None:
        body["completed"] = f"2026-01-05T09:00:{seconds:02.0f}Z"
    return PullOperation.from_json(body)


def test_options_are_the_supported_types_with_running_ones_marked() -> None:
    options = data_type_options(["invoices", "bills", "customers"], {"invoices": status("invoices", "Fetching"), "bills": status("bills", "Complete")})
    assert options == [("bills", "bills"), ("customers", "customers"), ("invoices (syncing: Fetching)", "invoices")]


def test_summary_rows_and_html() -> None:
    statuses = {"invoices": status("invoices", "Complete", "p1"), "bills": status("bills", "FetchError", "p2")}
    pulls = {"p1": pull("invoices", "p1", "Complete", 12), "p2": pull("bills", "p2", "FetchError", 3, "The Sandbox could not fetch bills")}
    rows = summary_rows(statuses, pulls, {"invoices": 360})
    assert [(r.data_type, r.status, r.records, r.duration) for r in rows] == [
        ("bills", "FetchError", None, timedelta(seconds=3)), ("invoices", "Complete", 360, timedelta(seconds=12))
    ]
    html = summary_html(rows)
    assert "1 of 2 data types ended without error" in html and ">360<" in html.replace("360</td>", "360<")
    assert "<b>bills</b> ended FetchError: The Sandbox could not fetch bills" in html


def test_read_history_has_the_portals_columns() -> None:
    html = history_html([pull("invoices", "0123456789abcdef", "Complete", 12), pull("bills", "fedcba9876543210", "Fetching")], {"conn": "Sandbox"})
    assert re.findall(r"<th[^>]*>([^<]+)</th>", html) == ["Type", "ID", "Requested", "Time to complete", "Status"]
    assert "invoices<br><small style='color:#666'>Sandbox</small>" in html
    assert ">01234567</code>" in html and "Jan 05, 2026 09:00:00" in html and "12.0 s" in html and "running…" in html


def queued_types(client: codat_nb.Client, company_id: str) -> Counter[str]:
    return Counter(p.data_type for p in client.list_pull_operations(company_id, page_size=5000))


def test_refresh_selected_queues_exactly_the_chosen_types(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = linked_company(sandbox, client)
    client.wait_for_sync(company.id)
    before = queued_types(client, company.id)

    async def scenario() -> SyncPanel:
        panel = SyncPanel(client, company)
        await panel.wait()
        assert {value for _, value in panel.data_types.options} >= {"invoices", "bills", "customers"}
        panel.data_types.value = ("invoices", "bills")
        panel.refresh_selected_button.click()
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    assert queued_types(client, company.id) - before == Counter({"invoices": 1, "bills": 1})
    assert [r.data_type for r in panel.rows] == ["bills", "invoices"]
    assert panel.result is not None and {s.current_status for s in panel.result.values()} == {"Complete"}
    assert panel.rows[1].records == client.count_records(company.id, "invoices")


def test_refresh_all_follows_every_supported_type_to_complete(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = linked_company(sandbox, client)
    client.wait_for_sync(company.id)
    supported = set(client.get_integration("mqjo").supported_data_types)

    async def scenario() -> SyncPanel:
        panel = SyncPanel(client, company)
        await panel.wait()
        panel.refresh_all_button.click()
        assert not panel.cancel_button.disabled and panel.refresh_all_button.disabled
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    assert {r.data_type for r in panel.rows} == supported and {r.status for r in panel.rows} == {"Complete"}
    # The live chart ended with every bar Complete.
    complete = next(trace for trace in panel.chart.figure.data if trace.name == "Complete")
    assert set(complete.y) == supported
    assert "17 of 17 data types ended without error" in panel.summary.value
    invoices = next(r for r in panel.rows if r.data_type == "invoices")
    assert invoices.records == client.count_records(company.id, "invoices") and invoices.duration is not None
    latest = client.list_pull_operations(company.id, order_by="-requested", page_size=5000)[0]
    assert latest.id[:8] in panel.history.value
    assert panel.cancel_button.disabled and not panel.refresh_all_button.disabled


def test_a_failed_pull_is_listed_with_codats_error_message(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    company = linked_company(sandbox, client)
    client.wait_for_sync(company.id)
    assert sandbox._control.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200

    async def scenario() -> SyncPanel:
        panel = SyncPanel(client, company)
        await panel.wait()
        panel.data_types.value = ("invoices", "customers")
        panel.refresh_selected_button.click()
        await panel.wait()
        return panel

    panel = asyncio.run(scenario())
    failed = client.get_pull_operation(company.id, client.data_status(company.id)["invoices"].latest_sync_id)
    assert failed.is_errored and failed.error_message
    assert "Sync failed" in panel.feedback.value and "invoices" in panel.feedback.value
    assert f"<b>invoices</b> ended {failed.status}: {html.escape(failed.error_message)}" in panel.summary.value
    assert "1 of 2 data types ended without error" in panel.summary.value


def test_running_types_are_marked_and_a_company_not_linked_is_refused(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    linked = linked_company(sandbox, client, "Busy Ltd")  # its first-link pulls are queued, not run
    lonely = client.create_company("Lonely Ltd")

    async def scenario() -> tuple[SyncPanel, SyncPanel]:
        busy, idle = SyncPanel(client, linked), SyncPanel(client, lonely)
        await busy.wait()
        await idle.wait()
        idle.refresh_all_button.click()
        await idle.wait()
        return busy, idle

    busy, idle = asyncio.run(scenario())
    assert ("invoices (syncing: Queued)", "invoices") in busy.data_types.options
    assert "Lonely Ltd has no Linked connection yet: link it first" in idle.feedback.value
    assert client.list_pull_operations(lonely.id) == []


def test_cancel_stops_the_wait_without_blocking_the_loop(client: codat_nb.Client) -> None:
    """A real clock: the first sync takes about 25 s, so the panel is still waiting when Cancel is
    pressed; meanwhile the event loop (the kernel's, in a notebook) keeps running other work."""
    with codat_nb.Sandbox(seed=0, speed=1, browser_links=False) as real_time, real_time.client() as slow:
        company = linked_company(real_time, slow)
        ticks = 0

        async def another_cell() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        async def scenario() -> SyncPanel:
            panel = SyncPanel(slow, company)
            await panel.wait()
            other = asyncio.ensure_future(another_cell())
            panel.watch_button.click()
            await asyncio.sleep(0.8)
            assert panel.runner.busy and "data types ended" in panel.progress.value
            assert ticks >= 20  # the loop kept running the other work while the panel waited
            panel.cancel_button.click()
            await panel.wait()
            other.cancel()
            return panel

        panel = asyncio.run(scenario())
        assert not panel.runner.busy and panel.runner.task.cancelled()
        assert "Stopped waiting. The pulls carry on in Codat" in panel.feedback.value
        assert not panel.refresh_all_button.disabled and panel.cancel_button.disabled
        statuses = slow.data_status(company.id)
        assert any(not s.is_terminal for s in statuses.values())  # the pulls were not cancelled: Codat has no such call


def test_no_company_yet_disables_everything(client: codat_nb.Client) -> None:
    panel = SyncPanel(client)
    assert panel.refresh_all_button.disabled and panel.refresh_selected_button.disabled and panel.watch_button.disabled
    with pytest.raises(codat_nb.ValidationError, match="No company to sync yet"):
        asyncio.run(panel.refresh_all())
