"""ConnectWizard without a browser: the three steps, moving on by themselves."""

from __future__ import annotations

import asyncio

import codat_nb
from codat_nb.widgets import ConnectWizard
from codat_nb.widgets.wizard import stepper_html


def test_stepper_marks_the_current_step_and_ticks_the_done_ones() -> None:
    html = stepper_html(1, {0})
    assert html.count("codat-nb-step'") == 3
    assert "<b>✓</b> Add a company" in html and "aria-current='step'" in html and "<b>2</b> Link" in html and "<b>3</b> Synchronise" in html


def test_the_guide_by_hand_moves_on_by_itself(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    async def scenario() -> ConnectWizard:
        wizard = ConnectWizard(client)
        assert wizard.step == 0 and wizard.body.children == (wizard.create,)
        assert [b.disabled for b in wizard.step_buttons] == [False, True, True]
        wizard.go(2)  # nothing to sync before a company exists
        assert wizard.step == 0
        await wizard.create.wait()
        wizard.create.name.value = "Wizard Ltd"
        wizard.create.create_button.click()
        await wizard.create.wait()
        assert wizard.step == 1 and wizard.body.children == (wizard.create.result, wizard.link)  # step 2: Link, under "✓ Added"
        assert "✓ Added: Wizard Ltd" in wizard.create.result.value
        assert wizard.link.company is not None and wizard.link.company.name == "Wizard Ltd"
        wizard.link.authorise_button.click()  # as the customer
        await wizard.link.wait()
        assert wizard.step == 2 and wizard.body.children == (wizard.sync,)  # step 3: Synchronise
        await wizard.sync.wait()
        wizard.sync.refresh_all_button.click()
        await wizard.sync.wait()
        wizard.go(0)  # back to the first step, the company kept
        assert wizard.company is not None and wizard.step == 0
        wizard.link.watcher.cancel()
        await wizard.link.watcher.wait()
        return wizard

    wizard = asyncio.run(scenario())
    (company,) = client.list_companies()
    assert company.name == "Wizard Ltd" and [c.status for c in company.data_connections] == ["Linked"]
    assert {s.current_status for s in client.data_status(company.id).values()} == {"Complete"}
    assert "17 of 17 data types ended without error" in wizard.sync.summary.value
    assert wizard.done == {0, 1, 2}
    assert all(f"<b>✓</b> {name}" in wizard.stepper.value for name in ("Add a company", "Link", "Synchronise"))
