"""CreateCompanyForm without a browser: typed values and clicks, checked against the Sandbox's state."""

from __future__ import annotations

import asyncio
import re

import pytest

import codat_nb
from codat_nb.errors import ValidationError
from codat_nb.records import Integration
from codat_nb.widgets import CreateCompanyForm
from codat_nb.widgets._backend import Backend
from codat_nb.widgets.create_company import NO_CONNECTION, check_name, integration_choices, parse_tags

from ._helpers import fail_next


# -- logic --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "valid", "saved_as", "message"),
    [
        ("Platypus Properties", True, "Platypus Properties", ""),
        ("Company (Codat[1])", True, "Company Codat1", "Codat will strip ( ) [ ] from the name: it will be saved as “Company Codat1”."),
        ("Tom & Jerry's, Ltd.", True, "Tom & Jerry's, Ltd.", ""),
        ("", False, "", "Enter the company's name."),
        ("   ", False, "", "Enter the company's name."),
        ("(((", False, "", "Nothing would be left of this name: use letters, digits, spaces and - ' , & @ . ? !"),
        ("<b>Acme</b>", True, "bAcmeb", "Codat will strip / < > from the name: it will be saved as “bAcmeb”."),
    ],
)
def test_check_name_follows_codats_rule(typed: str, valid: bool, saved_as: str, message: str) -> None:
    check = check_name(typed)
    assert (check.valid, check.saved_as, check.message) == (valid, saved_as, message)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("", {}), ("region=uk", {"region": "uk"}), (" region = uk ,segment=smb,\nchannel=", {"region": "uk", "segment": "smb", "channel": ""})],
)
def test_parse_tags(typed: str, expected: dict[str, str]) -> None:
    assert parse_tags(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("region", "Write each tag as key=value, such as region=uk; “region” is not."),
        ("=uk", "Write each tag as key=value"),
        ("a=1, a=2", "The tag a appears twice"),
        (", ".join(f"k{i}=v" for i in range(11)), "at most 10 tags"),
        ("x" * 28 + "=v", "1 to 27 characters"),
        ("k=" + "v" * 101, "at most 100 characters"),
    ],
)
def test_parse_tags_refuses_what_codat_would(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_tags(typed)


def test_integration_choices_put_the_sandbox_first_and_say_why_others_are_unavailable(client: codat_nb.Client) -> None:
    choices = integration_choices(client.list_integrations(), Backend(client.as_async()))
    assert [c.key for c in choices[:3]] == ["mqjo", "aiwb", "qhnd"]
    assert all(c.linkable for c in choices[:3]) and choices[-1].key is NO_CONNECTION
    xero = next(c for c in choices if c.key == "gbol")
    assert not xero.linkable and xero.label == "Xero (gbol) – unavailable here" and "needs the real Codat API" in xero.reason
    names = [c.label for c in choices[3:-1]]
    assert names == sorted(names, key=str.lower)


def test_on_the_real_api_only_switched_off_integrations_are_unavailable() -> None:
    real = codat_nb.AsyncClient("a-key", "https://api.codat.io")
    on = Integration.from_json({"key": "gbol", "name": "Xero", "logoUrl": "x", "enabled": True})
    off = Integration.from_json({"key": "tgff", "name": "Sage", "logoUrl": "x", "enabled": False})
    choices = {c.key: c for c in integration_choices([on, off], Backend(real))}
    assert choices["gbol"].linkable and not choices["tgff"].linkable
    assert "switched off" in choices["tgff"].reason


# -- the form ---------------------------------------------------------------------------------------------


async def loaded(client: codat_nb.Client) -> CreateCompanyForm:
    form = CreateCompanyForm(client)
    assert form.create_button.disabled  # nothing typed, integrations still loading
    await form.wait()
    return form


def test_a_double_click_creates_the_typed_company_once_with_its_sandbox_connection(client: codat_nb.Client) -> None:
    created: list[tuple[str, str | None]] = []

    async def scenario() -> CreateCompanyForm:
        form = await loaded(client)
        form.on_created(lambda company, connection: created.append((company.id, connection.status if connection else None)))
        assert form.integration.value == "mqjo"
        form.name.value = "Platypus Properties"
        form.description.value = "From the form"
        form.tags.value = "region=uk, segment=smb"
        assert not form.create_button.disabled
        form.create_button.click()
        assert form.create_button.disabled  # pending: a second click does nothing
        form.create_button.click()
        await form.wait()
        return form

    form = asyncio.run(scenario())
    (company,) = client.list_companies()
    assert (company.name, company.description, dict(company.tags)) == ("Platypus Properties", "From the form", {"region": "uk", "segment": "smb"})
    (connection,) = client.list_connections(company.id)
    assert (connection.integration_key, connection.status) == ("mqjo", "PendingAuth")
    assert created == [(company.id, "PendingAuth")]
    # The Portal's answer: ✓ Added, the id, the Link URL as a link to a new tab with a copy button.
    assert "✓ Added: Platypus Properties" in form.result.value and company.id in form.result.value
    assert f"href='{company.redirect}' target='_blank'" in form.result.value
    assert "navigator.clipboard.writeText(&quot;" + company.redirect + "&quot;)" in form.result.value
    assert form.fields.layout.display == "none" and form.done.layout.display == ""
    assert form.result_text.splitlines() == [
        "✓ Added: Platypus Properties", f"Company id: {company.id}", f"Link URL: {company.redirect}", "Connection: Sandbox (PendingAuth)"
    ]


def test_inline_validation_as_the_name_is_typed(client: codat_nb.Client) -> None:
    async def scenario() -> None:
        form = await loaded(client)
        form.name.value = "Company (Codat[1])"
        assert "it will be saved as “Company Codat1”" in form.name_hint.value and not form.create_button.disabled
        form.name.value = "((( )))"
        assert "Nothing would be left of this name" in form.name_hint.value and form.create_button.disabled
        assert form.problems() == ["Nothing would be left of this name: use letters, digits, spaces and - ' , & @ . ? !"]
        form.name.value = "Fine Ltd"
        form.tags.value = "region"
        assert "Write each tag as key=value" in form.tags_hint.value and form.create_button.disabled
        form.tags.value = ""
        form.integration.value = "gbol"
        assert "Xero (gbol) needs the real Codat API" in form.integration_hint.value and form.create_button.disabled
        form.submit()  # pressing it anyway (e.g. from code) does nothing
        assert form.runner.task is not None and form.runner.task.done()
        form.integration.value = "mqjo"
        assert not form.create_button.disabled and form.integration_hint.value == ""

    asyncio.run(scenario())
    assert client.list_companies() == []  # nothing was sent while the form was invalid


def test_the_saved_name_is_what_the_form_said_it_would_be(client: codat_nb.Client) -> None:
    async def scenario() -> None:
        form = await loaded(client)
        form.name.value = "Company (Codat[1])"
        form.integration.value = NO_CONNECTION
        await form.create()

    asyncio.run(scenario())
    (company,) = client.list_companies()
    assert company.name == "Company Codat1" and company.data_connections == ()


def test_an_api_failure_is_shown_in_the_form_which_stays_usable(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    fail_next(sandbox, 500, "POST", "/companies")

    async def scenario() -> CreateCompanyForm:
        form = await loaded(client)
        form.name.value = "Retry Ltd"
        form.create_button.click()
        await form.wait()
        assert "Codat answered 500" in form.feedback.value and "Correlation id <code>" in form.feedback.value
        assert "Traceback" not in form.feedback.value
        assert form.fields.layout.display != "none" and not form.create_button.disabled  # still the form, still usable
        form.create_button.click()
        await form.wait()
        return form

    form = asyncio.run(scenario())
    assert [c.name for c in client.list_companies()] == ["Retry Ltd"] and form.feedback.value == ""


def test_a_connection_refused_after_the_company_was_created_shows_both(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    async def scenario() -> CreateCompanyForm:
        form = await loaded(client)
        form.name.value = "Half Done Ltd"
        form.integration.value = "mqjo"
        original = form.client.create_connection

        async def refused(*args, **kwargs):
            raise codat_nb.ValidationError("platform_key refused for this test")

        form.client.create_connection = refused  # type: ignore[method-assign]
        try:
            form.create_button.click()
            await form.wait()
        finally:
            form.client.create_connection = original  # type: ignore[method-assign]
        return form

    form = asyncio.run(scenario())
    assert "✓ Added: Half Done Ltd" in form.result.value and "platform_key refused for this test" in form.feedback.value
    assert form.connection is None and form.company is not None


def test_add_another_company_gives_an_empty_form(client: codat_nb.Client) -> None:
    async def scenario() -> CreateCompanyForm:
        form = await loaded(client)
        form.name.value = "First Ltd"
        await form.create()
        form.another_button.click()
        assert (form.name.value, form.fields.layout.display, form.done.layout.display) == ("", "", "none")
        assert form.create_button.disabled
        form.name.value = "Second Ltd"
        form.create_button.click()
        await form.wait()
        return form

    asyncio.run(scenario())
    assert sorted(c.name for c in client.list_companies()) == ["First Ltd", "Second Ltd"]


def test_the_api_key_never_shows_in_an_error(sandbox: codat_nb.Sandbox) -> None:
    key = "sk_live_" + "q" * 40
    real = codat_nb.Client(key, "http://127.0.0.1:9", retries=False, timeout=2)  # nothing listens on port 9

    async def scenario() -> CreateCompanyForm:
        form = CreateCompanyForm(real)
        await form.wait()
        form.name.value = key  # pasted into the wrong field
        form.integration.value = NO_CONNECTION
        form.create_button.click()
        await form.wait()
        return form

    form = asyncio.run(scenario())
    # Refused before any request: sent, Codat would keep the key as the company's name.
    assert "Check the input" in form.feedback.value and "must not hold the API key" in form.feedback.value
    assert key not in form.feedback.value and key not in repr(form)
    assert repr(form) == "CreateCompanyForm()"
