"""SyncSettingsEditor against the embedded Sandbox: the pure mapping first, then the widget driven by
setting control values and clicking, with the Sandbox's stored settings checked afterwards."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Awaitable, Callable, Iterator

import pytest

import codat_nb
from codat_nb.errors import ValidationError
from codat_nb.validation import DATA_TYPES
from codat_nb.widgets.sync_settings import (
    COLUMNS,
    FREQUENCIES,
    TABS,
    SettingsDraft,
    SyncSettingsEditor,
    display_name,
    frequency_of,
    frequency_options,
    heading_html,
    hours_of,
    rows_by_tab,
    tab_of,
    unsaved_text,
)


@pytest.fixture
def client(sandbox: codat_nb.Sandbox) -> Iterator[codat_nb.Client]:
    with sandbox.client() as made:  # default retries: the faults used below are ones Codat's clients do not retry
        yield made


def drive(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``scenario`` on an event loop, as the kernel's loop runs a widget's tasks."""
    return asyncio.run(scenario())


def settings_json(client: codat_nb.Client, company_id: str | None = None) -> dict[str, dict[str, Any]]:
    """dataType -> the SyncSetting exactly as the Sandbox returns it."""
    return {s.data_type: s.to_json() for s in client.get_sync_settings(company_id).settings}


def arrange_profile(client: codat_nb.Client, **changes: dict[str, Any]) -> None:
    """Store unusual values in the profile's settings, as another tool (or Codat support) might have."""
    items = [{**s.to_json(), **changes.get(s.data_type, {})} for s in client.get_sync_settings().settings]
    client.set_sync_settings(items, overrides_defaults=False)


def fail_next(sandbox: codat_nb.Sandbox, status: int, method: str, path: str) -> None:
    answer = sandbox._control.post("/_sandbox/faults", json={"failNext": [{"status": status, "count": 1, "method": method, "path": path}]})
    assert answer.status_code == 200, answer.text


def tab_rows(editor: SyncSettingsEditor, tab: str) -> list[str]:
    """The data types shown in a tab, in order, read from the grid's label cells."""
    grid = editor.tabs.children[TABS.index(tab)]
    labels = [cell.value for cell in grid.children[len(COLUMNS) :: 3]]
    return [re.search(r"<code[^>]*>([^<]+)</code>", label).group(1) for label in labels]


# -- the logic, no widget ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "tab"),
    [
        ("accountTransactions", "Accounting"), ("invoices", "Accounting"), ("company", "Accounting"),
        ("banking-accountBalances", "Banking"), ("banking-transactions", "Banking"),
        ("commerce-orders", "Commerce"), ("commerce-companyInfo", "Commerce"),
    ],
)  # fmt: skip
def test_tab_of(data_type: str, tab: str) -> None:
    assert tab_of(data_type) == tab


@pytest.mark.parametrize(
    ("data_type", "name"),
    [
        ("accountTransactions", "Account Transactions"),
        ("chartOfAccounts", "Chart Of Accounts"),
        ("invoices", "Invoices"),
        ("profitAndLoss", "Profit And Loss"),
        ("banking-accountBalances", "Banking - Account Balances"),
        ("banking-transactionCategories", "Banking - Transaction Categories"),
        ("commerce-orders", "Commerce - Orders"),
        ("commerce-companyInfo", "Commerce - Company Info"),
    ],
)
def test_display_name(data_type: str, name: str) -> None:
    assert display_name(data_type) == name


@pytest.mark.parametrize(
    ("hours", "label"),
    [
        (0, "None"), (1, "Hourly"), (24, "Daily"), (168, "Weekly"), (720, "Monthly"),
        (12, "Every 12 hours"), (48, "Every 2 days"), (5, "Every 5 hours"),
    ],  # fmt: skip
)
def test_frequency_mapping_both_ways(hours: int, label: str) -> None:
    assert frequency_of(hours) == label
    assert hours_of(label) == hours


def test_frequency_choices_are_the_portals_in_its_order() -> None:
    assert [label for label, _ in FREQUENCIES] == ["None", "Monthly", "Weekly", "Daily", "Hourly"]
    assert frequency_options(24, 168) == list(FREQUENCIES)
    assert frequency_options(12, 24) == [*FREQUENCIES, ("Every 12 hours", 12)]
    with pytest.raises(ValidationError, match="Unknown sync frequency"):
        hours_of("Fortnightly")


def test_every_data_type_is_in_exactly_one_tab() -> None:
    tabs = rows_by_tab(reversed(DATA_TYPES))
    assert tuple(tabs) == TABS == ("Accounting", "Banking", "Commerce")
    shown = [name for names in tabs.values() for name in names]
    assert sorted(shown) == sorted(DATA_TYPES) and len(shown) == len(set(shown))
    assert tabs["Banking"] == ("banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions")
    assert all(name.startswith("commerce-") for name in tabs["Commerce"]) and len(tabs["Commerce"]) == 11
    assert tabs["Accounting"][0] == "accountTransactions" and len(tabs["Accounting"]) == 28  # Codat's order, not the input's


def test_draft_counts_data_types_and_forgets_an_edit_put_back(client: codat_nb.Client) -> None:
    draft = SettingsDraft(client.get_sync_settings())
    was = draft.original("invoices")
    edited = draft.edit("invoices", fetch=not was.fetch_on_first_link).edit("invoices", hours=168).edit("bills", hours=0)
    assert edited.changed() == ("bills", "invoices")  # two controls of invoices are one change
    assert unsaved_text(edited) == "2 unsaved changes: Bills, Invoices"
    back = edited.edit("invoices", fetch=was.fetch_on_first_link, hours=was.sync_schedule)
    assert back.changed() == ("bills",) and unsaved_text(back) == "1 unsaved change: Bills"
    assert draft.changed() == () and unsaved_text(draft) == "No unsaved changes"  # frozen: the first is untouched
    posted = {s["dataType"]: s for s in edited.to_post().to_json()["settings"]}
    assert posted["invoices"] == {**was.to_json(), "fetchOnFirstLink": not was.fetch_on_first_link, "syncSchedule": 168}
    assert edited.saved().changed() == () and edited.saved().current("bills").sync_schedule == 0
    assert edited.discarded() == draft


def test_draft_refuses_locked_and_bad_values(client: codat_nb.Client) -> None:
    arrange_profile(client, customers={"isLocked": True})
    draft = SettingsDraft(client.get_sync_settings())
    with pytest.raises(ValidationError, match="Customers .customers. is locked"):
        draft.edit("customers", fetch=False)
    with pytest.raises(ValidationError, match="whole number of hours"):
        draft.edit("invoices", hours=-1)
    with pytest.raises(ValidationError, match="No sync setting"):
        draft.edit("notAType", hours=1)


def test_heading_says_what_is_edited_and_escapes() -> None:
    assert "Data type settings: profile" in heading_html(None)
    company = heading_html("8a210b68-6988-11ed-a1eb-0242ac120002", "<Platypus & Co>")
    assert "&lt;Platypus &amp; Co&gt;" in company and "<Platypus" not in company and "8a210b68-6988-11ed-a1eb-0242ac120002" in company


# -- the widget ----------------------------------------------------------------------------------------------


def test_tabs_rows_and_labels(client: codat_nb.Client) -> None:
    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        await editor.wait()
        return editor

    editor = drive(scenario)
    assert editor.tabs.titles == ("Accounting", "Banking", "Commerce")
    assert editor.feedback.value == ""
    shown = {tab: tab_rows(editor, tab) for tab in TABS}
    assert sorted(sum(shown.values(), [])) == sorted(DATA_TYPES)
    assert all(tab_of(name) == tab for tab, names in shown.items() for name in names)
    for tab in TABS:
        headers = [cell.value for cell in editor.tabs.children[TABS.index(tab)].children[:3]]
        assert headers == ["<b>Data type</b>", "<b>Fetch on first link</b>", "<b>Sync frequency</b>"]
    assert "Account Transactions" in editor.names["accountTransactions"].value and "accountTransactions" in editor.names["accountTransactions"].value
    assert "Banking - Account Balances" in editor.names["banking-accountBalances"].value
    assert "Commerce - Orders" in editor.names["commerce-orders"].value
    stored = settings_json(client)
    assert all(editor.fetch[t].value == stored[t]["fetchOnFirstLink"] for t in DATA_TYPES)
    assert all(editor.frequency[t].value == stored[t]["syncSchedule"] == 24 and editor.frequency[t].label == "Daily" for t in DATA_TYPES)
    assert "Data type settings: profile" in editor.heading.value
    assert "No unsaved changes" in editor.unsaved.value and editor.save_button.disabled and editor.discard_button.disabled


def test_profile_edits_are_saved_exactly(client: codat_nb.Client) -> None:
    arrange_profile(client, invoices={"syncOrder": 3, "syncFromUtc": "2023-01-01T00:00:00Z"}, bills={"syncFromWindow": 6, "syncOrder": 1})
    before = settings_json(client)

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        await editor.wait()
        editor.fetch["invoices"].value = not before["invoices"]["fetchOnFirstLink"]
        editor.fetch["commerce-orders"].value = not before["commerce-orders"]["fetchOnFirstLink"]
        editor.frequency["bills"].value = hours_of("Weekly")
        assert "3 unsaved changes" in editor.unsaved.value  # one per data type edited
        assert editor.draft.changed() == ("bills", "invoices", "commerce-orders")
        assert all("●" in editor.names[t].value and "<b>" in editor.names[t].value for t in ("invoices", "bills", "commerce-orders"))
        assert "●" not in editor.names["customers"].value
        assert not editor.save_button.disabled
        assert settings_json(client) == before  # nothing is sent before Save changes
        editor.save_button.click()
        await editor.wait()
        return editor

    editor = drive(scenario)
    after = settings_json(client)
    expected = {
        **before,
        "invoices": {**before["invoices"], "fetchOnFirstLink": not before["invoices"]["fetchOnFirstLink"]},
        "commerce-orders": {**before["commerce-orders"], "fetchOnFirstLink": not before["commerce-orders"]["fetchOnFirstLink"]},
        "bills": {**before["bills"], "syncSchedule": 168},
    }
    assert after == expected  # every other field of every setting as it was, syncFromUtc and syncFromWindow included
    assert after["invoices"]["syncFromUtc"] == "2023-01-01T00:00:00Z" and after["bills"]["syncFromWindow"] == 6
    assert "Saved: 3 data types changed" in editor.feedback.value
    assert "No unsaved changes" in editor.unsaved.value and editor.save_button.disabled
    assert "●" not in editor.names["bills"].value and editor.frequency["bills"].label == "Weekly"


def test_company_and_profile_settings_are_separate(client: codat_nb.Client) -> None:
    company = client.create_company("Platypus Properties")
    profile_before = settings_json(client)

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client, company=company.id)  # an id: the heading reads the name
        await editor.wait()
        assert "Platypus Properties" in editor.heading.value and company.id in editor.heading.value
        editor.frequency["invoices"].value = 1
        editor.save_button.click()
        await editor.wait()
        assert client.get_sync_settings(company.id).overrides_defaults is True
        assert settings_json(client) == profile_before  # the company's save left the profile alone
        editor.show(None)  # now the profile's
        await editor.wait()
        assert "Data type settings: profile" in editor.heading.value and editor.frequency["invoices"].label == "Daily"
        editor.frequency["bills"].value = 720
        editor.save_button.click()
        await editor.wait()
        return editor

    editor = drive(scenario)
    assert "Saved: 1 data type changed" in editor.feedback.value
    company_after, profile_after = settings_json(client, company.id), settings_json(client)
    assert company_after["invoices"]["syncSchedule"] == 1 and company_after["bills"]["syncSchedule"] == 24
    assert profile_after == {**profile_before, "bills": {**profile_before["bills"], "syncSchedule": 720}}


def test_save_disabled_without_changes_and_while_saving_and_discard_restores(client: codat_nb.Client) -> None:
    before = settings_json(client)

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        assert editor.save_button.disabled and "Loading" in editor.unsaved.value
        await editor.wait()
        assert editor.save_button.disabled and editor.discard_button.disabled
        assert editor.submit() is None  # nothing to save: no request
        editor.frequency["items"].value = 0
        editor.fetch["suppliers"].value = not before["suppliers"]["fetchOnFirstLink"]
        assert not editor.save_button.disabled and not editor.discard_button.disabled
        editor.discard_button.click()
        assert "No unsaved changes" in editor.unsaved.value and "Discarded 2 unsaved changes" in editor.feedback.value
        assert editor.frequency["items"].value == 24 and editor.fetch["suppliers"].value == before["suppliers"]["fetchOnFirstLink"]
        assert editor.save_button.disabled and "●" not in editor.names["items"].value
        editor.frequency["items"].value = 0
        editor.save_button.click()
        task = editor.runner.task
        assert editor.save_button.disabled and editor.discard_button.disabled and editor.frequency["items"].disabled
        editor.save_button.click()  # a second click while saving starts nothing
        assert editor.runner.task is task
        editor.fetch["invoices"].value = not editor.fetch["invoices"].value  # an edit while saving is put back
        assert editor.fetch["invoices"].value == before["invoices"]["fetchOnFirstLink"]
        await editor.wait()
        assert not editor.frequency["items"].disabled and editor.save_button.disabled
        return editor

    drive(scenario)
    assert settings_json(client) == {**before, "items": {**before["items"], "syncSchedule": 0}}


def test_refused_save_is_shown_inline_and_keeps_the_edits(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    before = settings_json(client)

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        await editor.wait()
        editor.frequency["journals"].value = 168
        editor.fetch["taxRates"].value = not before["taxRates"]["fetchOnFirstLink"]
        fail_next(sandbox, 403, "POST", "/profile/syncSettings")
        editor.save_button.click()
        await editor.wait()
        feedback = editor.feedback.value
        assert "Codat answered 403" in feedback and "not associated with that resource" in feedback
        assert re.search(r"Correlation id <code>[0-9a-f]{32}</code>", feedback)
        assert "role='alert'" in feedback
        assert settings_json(client) == before  # the refused POST stored nothing
        assert editor.draft.changed() == ("journals", "taxRates") and "2 unsaved changes" in editor.unsaved.value
        assert editor.frequency["journals"].label == "Weekly" and "●" in editor.names["taxRates"].value
        assert not editor.save_button.disabled  # usable: fix and retry
        editor.save_button.click()
        await editor.wait()
        return editor

    editor = drive(scenario)
    assert "Saved: 2 data types changed" in editor.feedback.value and "alert" not in editor.feedback.value
    assert settings_json(client) == {
        **before,
        "journals": {**before["journals"], "syncSchedule": 168},
        "taxRates": {**before["taxRates"], "fetchOnFirstLink": not before["taxRates"]["fetchOnFirstLink"]},
    }


def test_save_for_a_deleted_company_is_refused_inline(client: codat_nb.Client) -> None:
    company = client.create_company("Bank of Dave")

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client, company=company)
        await editor.wait()
        assert "Bank of Dave" in editor.heading.value
        editor.frequency["invoices"].value = 0
        client.delete_company(company.id)
        editor.save_button.click()
        await editor.wait()
        return editor

    editor = drive(scenario)
    assert "Codat answered 404" in editor.feedback.value and "Check the id" in editor.feedback.value
    assert editor.draft.changed() == ("invoices",) and "1 unsaved change" in editor.unsaved.value


def test_a_non_standard_schedule_is_shown_and_survives_a_save(client: codat_nb.Client) -> None:
    arrange_profile(client, invoices={"syncSchedule": 12})
    before = settings_json(client)

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        await editor.wait()
        menu = editor.frequency["invoices"]
        assert menu.value == 12 and menu.label == "Every 12 hours"
        assert ("Every 12 hours", 12) in menu.options and "Every 12 hours" not in editor.frequency["bills"].label
        menu.value = 24
        assert editor.draft.changed() == ("invoices",)
        menu.value = 12  # still offered, and choosing it again is no change
        assert editor.draft.changed() == () and "No unsaved changes" in editor.unsaved.value
        editor.frequency["bills"].value = 720
        editor.save_button.click()
        await editor.wait()
        assert editor.frequency["invoices"].label == "Every 12 hours"
        return editor

    drive(scenario)
    after = settings_json(client)
    assert after["invoices"] == before["invoices"] and after["invoices"]["syncSchedule"] == 12
    assert after == {**before, "bills": {**before["bills"], "syncSchedule": 720}}


def test_locked_settings_show_disabled_controls(client: codat_nb.Client) -> None:
    arrange_profile(client, customers={"isLocked": True})

    async def scenario() -> SyncSettingsEditor:
        editor = SyncSettingsEditor(client)
        await editor.wait()
        assert editor.fetch["customers"].disabled and editor.frequency["customers"].disabled
        assert "locked" in editor.names["customers"].value and not editor.fetch["suppliers"].disabled
        editor.frequency["suppliers"].value = 0
        editor.save_button.click()
        await editor.wait()
        return editor

    editor = drive(scenario)
    assert editor.fetch["customers"].disabled and editor.frequency["customers"].disabled  # still, after busy ended
    assert settings_json(client)["customers"]["isLocked"] is True


def test_without_a_running_loop_the_widget_says_so() -> None:
    with codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False) as sandbox, sandbox.client() as client:
        editor = SyncSettingsEditor(client)
        assert "event loop" in editor.feedback.value and editor.draft is None and editor.save_button.disabled
