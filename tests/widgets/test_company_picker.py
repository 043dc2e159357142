"""CompanyPicker without a browser: the Portal's companies table, searched on the server, paged,
and a click on a name that picks the company for whatever is wired to it."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import codat_nb
from codat_nb.records import Company
from codat_nb.widgets.company_picker import (
    EMPTY, HEADERS, CompanyPicker, clamp_page, company_rows, empty_message, page_count, page_slice, pills_html, search_query, showing_label,
)  # fmt: skip

from ._helpers import fail_next, linked_company

PILL_TEXT = re.compile(r"class='codat-nb-pill' title='([^']+)'[^>]*>([^<]+)</span>")


def company(name: str, created: str | None, *statuses: str, last_sync: str | None = None) -> Company:
    connections = [
        {"id": f"00000000-0000-0000-0000-00000000000{i}", "integrationId": "i", "sourceId": "s", "sourceType": "Accounting",
         "platformName": f"P{i}", "linkUrl": "http://x", "status": status, "created": "2026-01-05T09:00:00Z"}
        for i, status in enumerate(statuses)
    ]  # fmt: skip
    return Company.from_json({"id": f"11111111-1111-1111-1111-{abs(hash(name)) % 10**12:012d}", "name": name, "redirect": "http://x",
                              "created": created, "lastSync": last_sync, "dataConnections": connections})  # fmt: skip


# -- logic -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("", None), ("   ", None), ("platypus", 'name~"platypus"'), ("  Bob's   & Co! ", 'name~"Bob\'s & Co!"'),
        ('a "quoted" name', 'name~"a quoted name"'), ('"', None), ("x&&y||{z}", 'name~"x&&y||{z}"'),
    ],
)  # fmt: skip
def test_search_is_a_quoted_contains_query(typed: str, query: str | None) -> None:
    assert search_query(typed) == query


def test_a_long_search_stays_under_codats_query_limit() -> None:
    assert len(search_query("a" * 5000) or "") < 2048


def test_rows_are_newest_first_with_a_dash_when_never_synced() -> None:
    rows = company_rows([
        company("Old", "2025-01-01T00:00:00Z", "Linked", last_sync="2025-02-03T04:05:06Z"),
        company("New", "2026-01-01T00:00:00Z"),
        company("Undated", None),
    ])  # fmt: skip
    assert [r.name for r in rows] == ["New", "Old", "Undated"]
    assert rows[1].created == "Jan 01, 2025 00:00:00" and rows[1].last_sync == "Feb 03, 2025 04:05:06"
    assert rows[0].last_sync == "—" and rows[2].created == "—"


def test_each_connection_is_a_pill_in_the_portals_colours() -> None:
    [row] = company_rows([company("A", None, "Linked", "Deauthorized", "Unlinked", "PendingAuth")])
    html = pills_html(row)
    assert PILL_TEXT.findall(html) == [
        ("Linked", "P0: Linked"), ("Deauthorized", "P1: Deauthorized"), ("Unlinked", "P2: Unlinked"), ("PendingAuth", "P3: PendingAuth"),
    ]  # fmt: skip
    for colour in ("#dff5e9", "#fff1d6", "#ececec", "#e8eefc"):  # green, amber, grey, neutral
        assert colour in html
    assert "No connections" in pills_html(company_rows([company("B", None)])[0])


def test_names_and_ids_are_escaped() -> None:
    [row] = company_rows([company("<script>alert(1)</script>", None, "<b>")])
    assert "<script>" not in pills_html(row) and "<b>" not in pills_html(row)


def test_paging_logic() -> None:
    assert [page_count(n) for n in (0, 1, 20, 21, 45)] == [1, 1, 1, 2, 3]
    assert clamp_page(9, 45) == 3 and clamp_page(0, 45) == 1
    assert page_slice(list(range(45)), 3) == list(range(40, 45))
    assert showing_label(1, 45) == "Showing 1–20 of 45"
    assert showing_label(3, 45) == "Showing 41–45 of 45"
    assert showing_label(1, 0) == ""
    assert empty_message("") == EMPTY and "“zz”" in empty_message(" zz ")


# -- the widget -----------------------------------------------------------------------------------------


def cells_text(picker: CompanyPicker) -> list[str]:
    return [getattr(c, "value", "") for c in picker.table.children]


def test_the_table_shows_each_company_with_its_pills_and_dates(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    linked = linked_company(sandbox, client, "Platypus Properties")
    client.wait_for_sync(linked.id)
    pending = client.create_company("Bank of Dave")
    client.create_connection(pending.id, "mqjo")
    client.create_company("Superapp")

    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        await picker.wait()
        return picker

    picker = asyncio.run(scenario())
    assert picker.feedback.value == ""
    assert [r.name for r in picker.rows] == ["Superapp", "Bank of Dave", "Platypus Properties"]  # newest first
    assert [b.description for b in picker.name_buttons] == ["Superapp", "Bank of Dave", "Platypus Properties"]
    cells = cells_text(picker)
    assert [re.sub("<[^>]+>", "", c) for c in cells[:5]] == list(HEADERS)
    assert len(picker.table.children) == 4 * 5
    platforms = "".join(cells[4:])
    assert PILL_TEXT.findall(platforms) == [("PendingAuth", "Sandbox: PendingAuth"), ("Linked", "Sandbox: Linked")]
    synced = picker.rows[2]
    assert synced.last_sync == codat_nb.widgets._html.when(client.get_company(linked.id).last_sync) != "—"
    assert picker.rows[0].last_sync == "—"
    company_cells = picker.table.children[5::5]  # the Company column: the name as a link, the id small below
    assert [c.children[0] for c in company_cells] == picker.name_buttons
    assert [r.id for r in picker.rows] == [re.search(r"<code>([^<]+)</code>", c.children[1].value).group(1) for c in company_cells]
    assert picker.rows[2].id == linked.id
    assert "Showing 1–3 of 3" in picker.showing.value
    assert picker.empty.value == ""


def test_clicking_a_name_picks_the_company_highlights_its_row_and_calls_back(client: codat_nb.Client) -> None:
    for name in ("Alpha", "Beta", "Gamma"):
        client.create_company(name)
    picked: list[Company] = []

    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        picker.on_pick(picked.append)
        await picker.wait()
        picker.name_buttons[1].click()
        return picker

    picker = asyncio.run(scenario())
    assert picker.company is not None and picker.company.name == picker.rows[1].name
    assert [c.id for c in picked] == [picker.company.id]
    assert picker.name_buttons[1].description.startswith("✓ ") and picker.name_buttons[1].button_style == "info"
    assert not picker.name_buttons[0].description.startswith("✓ ")
    highlighted = [c for c in picker.table.children if "codat-nb-selected" in c._dom_classes]
    assert len(highlighted) == 4  # the row's Platforms, Tags, Created and Last data sync cells
    assert picker.pick(picker.rows[2].id).name == picker.rows[2].name and len(picked) == 2


def test_search_filters_by_name_on_the_server(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    for name in ("Platypus Properties", "Platypus Payments", "Bob's & Co!", "Superapp"):
        client.create_company(name)

    async def scenario() -> tuple[CompanyPicker, list[list[str]], str]:
        picker = CompanyPicker(client)
        await picker.wait()
        seen = []
        for text in ("platypus", "bob's & co", "nothing like it"):
            picker.search.value = text
            await picker.wait()
            seen.append([r.name for r in picker.rows])
        return picker, seen, picker.client.last_request_as_curl()

    picker, seen, curl = asyncio.run(scenario())
    assert seen == [["Platypus Payments", "Platypus Properties"], ["Bob's & Co!"], []]
    url = re.search(r"curl '([^']+)'", curl).group(1)
    assert parse_qs(urlsplit(url).query)["query"] == ['name~"nothing like it"']
    assert "No company name contains “nothing like it”" in picker.empty.value
    assert picker.table.children == ()


def test_the_last_search_wins_when_typed_while_loading(client: codat_nb.Client) -> None:
    for name in ("Alpha", "Beta"):
        client.create_company(name)

    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        picker.search.value = "alp"  # while the first load runs
        picker.search.value = "bet"
        await picker.wait()
        return picker

    assert [r.name for r in asyncio.run(scenario()).rows] == ["Beta"]


def test_many_companies_are_shown_a_page_at_a_time(client: codat_nb.Client) -> None:
    for n in range(45):
        client.create_company(f"Company {n:02d}")

    async def scenario() -> list[tuple[str, int, bool, bool]]:
        picker = CompanyPicker(client)
        await picker.wait()
        states = []
        for press in (None, picker.next_button, picker.next_button, picker.previous_button):
            if press is not None:
                press.click()
            await picker.wait()
            text = re.sub("<[^>]+>", "", picker.showing.value)
            states.append((text, len(picker.name_buttons), picker.previous_button.disabled, picker.next_button.disabled))
        return states

    assert asyncio.run(scenario()) == [
        ("Showing 1–20 of 45", 20, True, False),
        ("Showing 21–40 of 45", 20, False, False),
        ("Showing 41–45 of 45", 5, False, True),
        ("Showing 21–40 of 45", 20, False, False),
    ]


def test_no_companies_says_how_to_create_one(client: codat_nb.Client) -> None:
    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        assert "Loading companies" in picker.showing.value and picker.empty.value == ""
        await picker.wait()
        return picker

    picker = asyncio.run(scenario())
    assert "No companies yet: create one with CreateCompanyForm" in picker.empty.value
    assert picker.rows == [] and picker.next_button.disabled and picker.previous_button.disabled


def test_refresh_shows_new_companies_and_keeps_the_pick(client: codat_nb.Client) -> None:
    first = client.create_company("First")

    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        await picker.wait()
        picker.name_buttons[0].click()
        client.create_company("Second")
        picker.refresh_button.click()
        await picker.wait()
        return picker

    picker = asyncio.run(scenario())
    assert [r.name for r in picker.rows] == ["Second", "First"]
    assert picker.company is not None and picker.company.id == first.id
    assert picker.name_buttons[1].description == "✓ First"


def test_an_api_error_is_shown_with_its_correlation_id_and_refresh_recovers(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    client.create_company("Alpha")
    fail_next(sandbox, 500, "GET", "/companies")

    async def scenario() -> tuple[str, CompanyPicker]:
        picker = CompanyPicker(client)
        await picker.wait()
        failed = picker.feedback.value
        assert picker.empty.value == ""  # a failed load is not "No companies yet"
        assert not picker.refresh_button.disabled
        picker.refresh_button.click()
        await picker.wait()
        return failed, picker

    failed, picker = asyncio.run(scenario())
    assert "Codat answered 500" in failed and re.search(r"Correlation id <code>[0-9a-f]{8,}</code>", failed)
    assert picker.feedback.value == "" and [r.name for r in picker.rows] == ["Alpha"]


def test_the_table_shows_each_companys_tags(client: codat_nb.Client) -> None:
    client.create_company("Tagged Ltd", tags={"segment": "smb", "region": "uk"})

    async def scenario() -> CompanyPicker:
        picker = CompanyPicker(client)
        await picker.wait()
        return picker

    picker = asyncio.run(scenario())
    assert picker.rows[0].tags == (("region", "uk"), ("segment", "smb"))
    assert re.findall(r"class='codat-nb-pill'[^>]*>([^<]+)</span>", picker.table.children[5 + 2].value) == ["region: uk", "segment: smb"]
