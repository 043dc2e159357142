"""CreateCompanyForm: add a company as Codat's Portal does ("Add new company"), with its Link URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..errors import ValidationError
from ..records import Company, Connection, Integration
from ..validation import check_tags, company_name_parts
from . import _html
from ._backend import Backend
from ._base import LABELS, CodatWidget, button, on_click
from ._feedback import ERROR_STYLE, INFO_STYLE, SUCCESS_STYLE

#: The choice that creates the company alone: the customer picks a platform on the Link page.
NO_CONNECTION = None
_NO_CONNECTION_LABEL = "No connection yet (the customer picks on the Link page)"
_SANDBOXES_FIRST = ("mqjo", "aiwb", "qhnd")
_UNAVAILABLE = " – unavailable here"


# -- logic (no widgets) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameCheck:
    """What the form says about a company name as it is typed."""

    valid: bool
    saved_as: str
    stripped: tuple[str, ...]
    message: str


def check_name(text: str) -> NameCheck:
    """Codat's rule: characters outside ``A-Z a-z 0-9 space - ' , & @ . ? !`` are stripped, and a
    name with nothing left is refused."""
    if not text.strip():
        return NameCheck(False, "", (), "Enter the company's name.")
    kept, stripped = company_name_parts(text)
    if not kept:
        return NameCheck(False, "", stripped, "Nothing would be left of this name: use letters, digits, spaces and - ' , & @ . ? !")
    if stripped:
        shown = " ".join(stripped[:20])
        return NameCheck(True, kept, stripped, f"Codat will strip {shown} from the name: it will be saved as “{kept}”.")
    return NameCheck(True, kept, (), "")


def parse_tags(text: str) -> dict[str, str]:
    """``region=uk, segment=smb`` (commas or new lines) as Codat's tags; ValidationError says what to fix."""
    tags: dict[str, str] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ValidationError(f"Write each tag as key=value, such as region=uk; “{item[:40]}” is not.")
        if key in tags:
            raise ValidationError(f"The tag {key} appears twice; give each tag once.")
        tags[key] = value
    return check_tags(tags)


@dataclass(frozen=True)
class IntegrationChoice:
    key: str | None
    label: str
    linkable: bool
    reason: str = ""

    @property
    def refusal(self) -> str:
        """Why this choice cannot be created here ("" when it can)."""
        return "" if self.linkable else f"{self.label.removesuffix(_UNAVAILABLE)} {self.reason}."


def integration_choices(integrations: Iterable[Integration], backend: Backend) -> list[IntegrationChoice]:
    """The Integration dropdown: the Sandbox first, then the other Sandboxes, then the rest by name;
    those this backend cannot link are listed with the reason, and refused if chosen."""

    def order(integration: Integration) -> tuple[int, str]:
        key = integration.key
        return (_SANDBOXES_FIRST.index(key) if key in _SANDBOXES_FIRST else len(_SANDBOXES_FIRST), integration.name.lower())

    choices = []
    for integration in sorted(integrations, key=order):
        linkable, reason = backend.can_link(integration)
        label = f"{integration.name} ({integration.key})" + ("" if linkable else _UNAVAILABLE)
        choices.append(IntegrationChoice(integration.key, label, linkable, reason))
    choices.append(IntegrationChoice(NO_CONNECTION, _NO_CONNECTION_LABEL, True))
    return choices


def result_html(company: Company, connection: Connection | None) -> str:
    """The Portal's answer to "Add new company": ✓ Added, the id, the Link URL to send (new tab, copy)."""
    rows = [
        ("Company id", f"<code>{_html.text(company.id)}</code>"),
        ("Link URL", _html.new_tab_link(company.redirect, company.redirect) + _html.copy_button(company.redirect)),
    ]
    if connection is not None:
        rows.append(("Connection", _html.connection_pill(connection.platform_name, connection.status)))
    table = "".join(f"<tr><th style='text-align:left;padding:2px 12px 2px 0'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f"<div class='codat-nb-added' role='status' style='{SUCCESS_STYLE}'><b>✓ Added: {_html.text(company.name)}</b></div>"
        f"<table style='font-size:13px'>{table}</table>"
        "<p style='margin:4px 0;color:#555'>Send the Link URL to the business (or open it): it chooses a platform, presses Connect and signs in.</p>"
    )


def _problems(name: NameCheck, tags: str, integration: str) -> list[str]:
    return [text for text in ("" if name.valid else name.message, tags, integration) if text]


def _hint(text: str, style: str) -> str:
    return f"<div style='{style};padding:2px 8px;font-size:12px'>{_html.text(text)}</div>" if text else ""


# -- the widget -----------------------------------------------------------------------------------------------


class CreateCompanyForm(CodatWidget):
    """"Company name", "Description", "Tags", "Integration", "Create company"; then "✓ Added: {name}"
    with the Link URL (new tab, copy button) and "Add another company".

    Example:
        >>> form = CreateCompanyForm(client)
        >>> form                       # fill it in and press Create company, or from code:
        >>> form.name.value = "Platypus Properties"; await form.create()
    """

    def __init__(self, client: Client | AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.company: Company | None = None
        self.connection: Connection | None = None
        self.choices: list[IntegrationChoice] = [IntegrationChoice(NO_CONNECTION, _NO_CONNECTION_LABEL, True)]
        self._created: list[Callable[[Company, Connection | None], Any]] = []
        self._loading = True
        self.name = widgets.Text(description="Company name", placeholder="e.g. Platypus Properties", continuous_update=True, style=LABELS)
        self.name_hint = widgets.HTML()
        self.description = widgets.Textarea(description="Description", placeholder="optional", rows=2, style=LABELS)
        self.tags = widgets.Text(description="Tags", placeholder="key=value, such as region=uk, segment=smb", style=LABELS)
        self.tags_hint = widgets.HTML()
        self.integration = widgets.Dropdown(description="Integration", options=[("Loading integrations…", NO_CONNECTION)], style=LABELS)
        self.integration_hint = widgets.HTML()
        self.create_button = button("Create company", "primary")
        self.another_button = button("Add another company")
        self.result = widgets.HTML()
        for control in (self.name, self.description, self.tags, self.integration):
            control.layout.width = "460px"
        self.fields = widgets.VBox([
            self.name, self.name_hint, self.description, self.tags, self.tags_hint, self.integration, self.integration_hint,
            self.create_button,
        ])  # fmt: skip
        self.done = widgets.VBox([self.result, self.another_button], layout=widgets.Layout(display="none"))
        self.children = [widgets.HTML("<h3 style='margin:4px 0'>Add a company</h3>"), self.fields, self.feedback, self.done]
        self.name.observe(lambda _change: self._validate(), "value")
        self.tags.observe(lambda _change: self._validate(), "value")
        self.integration.observe(lambda _change: self._validate(), "value")
        on_click(self.create_button, self.submit)
        on_click(self.another_button, self.reset)
        self._validate()
        self.run(self._load_integrations)  # what the dropdown shows; nothing else is requested until Create

    # -- what the form checks as the user types -----------------------------------------------------------

    def problems(self) -> list[str]:
        """Why "Create company" is disabled now (empty when it can be pressed)."""
        return _problems(*self._checks())

    def _checks(self) -> tuple[NameCheck, str, str]:
        """The name's check, the tags' problem and the integration's refusal ("" when fine)."""
        try:
            parse_tags(self.tags.value)
            tags = ""
        except ValidationError as error:
            tags = str(error)
        choice = next((c for c in self.choices if c.key == self.integration.value), None)
        return check_name(self.name.value), tags, choice.refusal if choice is not None else ""

    def _validate(self) -> None:
        name, tags, integration = self._checks()
        # Before anything is typed the hint only says what to do; it turns red once the name is wrong.
        self.name_hint.value = _hint(name.message, ERROR_STYLE if self.name.value and not name.valid else INFO_STYLE)
        self.tags_hint.value = _hint(tags, ERROR_STYLE)
        self.integration_hint.value = _hint(integration, ERROR_STYLE)
        self.create_button.disabled = self.runner.busy or self._loading or bool(_problems(name, tags, integration))

    def _set_busy(self, busy: bool) -> None:
        if not busy:
            self._loading = False
        for control in (self.name, self.description, self.tags, self.integration):
            control.disabled = busy
        self._validate()

    # -- actions --------------------------------------------------------------------------------------

    def on_created(self, callback: Callable[[Company, Connection | None], Any]) -> None:
        """Call ``callback(company, connection)`` after each company is created (connection may be None)."""
        self._created.append(callback)

    def submit(self) -> Any:
        """What pressing "Create company" does: start :meth:`create` unless it is running or invalid."""
        if self.runner.busy or self.problems():
            return None
        return self.run(self.create)

    async def _load_integrations(self) -> None:
        try:
            integrations = await self.client.list_integrations()
        finally:
            self._loading = False
        self.choices = integration_choices(integrations, self.backend)
        self.integration.options = [(c.label, c.key) for c in self.choices]
        self.integration.value = self.choices[0].key

    async def create(self) -> Company:
        """Create the company (and a connection to the chosen integration) and show the result."""
        problems = self.problems()
        if problems:
            raise ValidationError(" ".join(problems))
        name = check_name(self.name.value).saved_as  # what Codat would keep; the form has shown it
        description = self.description.value.strip() or None
        tags = parse_tags(self.tags.value) or None
        key = self.integration.value
        company = await self.client.create_company(name, description=description, tags=tags)
        self.company, self.connection = company, None
        try:
            if key is not NO_CONNECTION:
                self.connection = await self.client.create_connection(company.id, key)
        finally:  # the company exists either way: show it, with the connection's error below if any
            self.result.value = result_html(company, self.connection)
            self.fields.layout.display = "none"
            self.done.layout.display = ""
        for callback in self._created:
            callback(company, self.connection)
        return company

    def reset(self) -> None:
        """"Add another company": an empty form again."""
        if self.runner.busy:
            return
        self.name.value = self.description.value = self.tags.value = ""
        self.result.value = ""
        self.clear_feedback()
        self.done.layout.display = "none"
        self.fields.layout.display = ""
        self._validate()

    @property
    def result_text(self) -> str:
        """The result as plain text (for code and notebooks)."""
        if self.company is None:
            return ""
        lines = [f"✓ Added: {self.company.name}", f"Company id: {self.company.id}", f"Link URL: {self.company.redirect}"]
        if self.connection is not None:
            lines.append(f"Connection: {self.connection.platform_name} ({self.connection.status})")
        return "\n".join(lines)
