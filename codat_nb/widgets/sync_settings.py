"""SyncSettingsEditor: Codat Portal's "Data type settings" page (Settings > Data types) for the
profile (every company's defaults) or for one company, with unsaved changes in plain sight."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..errors import ValidationError
from ..records import Company, SyncSetting, SyncSettings
from ..validation import DATA_TYPES
from . import _html
from ._base import CodatWidget, button, on_click

TABS = ("Accounting", "Banking", "Commerce")
#: The Portal's "Sync frequency" choices, in its order, as Codat's syncSchedule (hours between syncs).
FREQUENCIES: tuple[tuple[str, int], ...] = (("None", 0), ("Monthly", 720), ("Weekly", 168), ("Daily", 24), ("Hourly", 1))
COLUMNS = ("Data type", "Fetch on first link", "Sync frequency")
_HOURS = dict(FREQUENCIES)
_LABELS = {hours: label for label, hours in FREQUENCIES}
_EVERY = re.compile(r"Every (\d+) (hours|days)")
_SHOWN_NAMES = 5


# -- logic (no widgets) ----------------------------------------------------------------------------------


def tab_of(data_type: str) -> str:
    """Codat's grouping by key: ``banking-*`` Banking, ``commerce-*`` Commerce, the rest Accounting."""
    prefix = data_type.partition("-")[0] if "-" in data_type else ""
    return {"banking": "Banking", "commerce": "Commerce"}.get(prefix, "Accounting")


def _words(camel: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", camel)
    return " ".join(word[:1].upper() + word[1:] for word in spaced.split())


def display_name(data_type: str) -> str:
    """The Portal's name for a key: ``accountTransactions`` -> "Account Transactions",
    ``banking-accountBalances`` -> "Banking - Account Balances"."""
    prefix, sep, rest = data_type.partition("-")
    if sep and rest:
        return f"{_words(prefix)} - {_words(rest)}"
    return _words(data_type)


def frequency_of(hours: int) -> str:
    """The dropdown label for a syncSchedule; a value the Portal has no name for is named, not rounded."""
    if hours in _LABELS:
        return _LABELS[hours]
    if hours > 0 and hours % 24 == 0:
        return f"Every {hours // 24} days"
    return f"Every {hours} hours"


def hours_of(label: str) -> int:
    """The syncSchedule for a dropdown label (the inverse of :func:`frequency_of`)."""
    if label in _HOURS:
        return _HOURS[label]
    match = _EVERY.fullmatch(label)
    if match is None:
        raise ValidationError(f"Unknown sync frequency {label!r}: choose one of {', '.join(_HOURS)}.")
    count = int(match.group(1))
    return count * 24 if match.group(2) == "days" else count


def frequency_options(*schedules: int) -> list[tuple[str, int]]:
    """The Portal's choices, plus any stored schedule that is none of them, so it is shown as it is."""
    extra = sorted({hours for hours in schedules if hours not in _LABELS}, reverse=True)
    return list(FREQUENCIES) + [(frequency_of(hours), hours) for hours in extra]


def rows_by_tab(data_types: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The rows of each tab: Codat's order (DATA_TYPES), then any other type the API returned."""
    known = {name: index for index, name in enumerate(DATA_TYPES)}
    ordered = sorted(dict.fromkeys(data_types), key=lambda name: (known.get(name, len(known)), name))
    return {tab: tuple(name for name in ordered if tab_of(name) == tab) for tab in TABS}


@dataclass(frozen=True)
class SettingsDraft:
    """The settings as loaded and the user's edits: which data types changed, and the body to POST
    (every field the user did not touch, syncOrder to isLocked and any unknown one, as it came)."""

    loaded: SyncSettings
    edits: Mapping[str, SyncSetting] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def data_types(self) -> tuple[str, ...]:
        return tuple(setting.data_type for setting in self.loaded.settings)

    def original(self, data_type: str) -> SyncSetting:
        found = next((s for s in self.loaded.settings if s.data_type == data_type), None)
        if found is None:
            raise ValidationError(f"No sync setting for {data_type!r} was loaded.")
        return found

    def current(self, data_type: str) -> SyncSetting:
        return self.edits.get(data_type) or self.original(data_type)

    def edit(self, data_type: str, *, fetch: bool | None = None, hours: int | None = None) -> SettingsDraft:
        """A draft with this change; one that puts a setting back as it was loaded is no change."""
        setting = self.current(data_type)
        if setting.is_locked:
            raise ValidationError(f"{display_name(data_type)} ({data_type}) is locked: its setting cannot be changed here.")
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int) or hours < 0):
            raise ValidationError(f"A sync frequency is a whole number of hours of at least 0; got {hours!r}.")
        changes: dict[str, Any] = {}
        if fetch is not None:
            changes["fetch_on_first_link"] = bool(fetch)
        if hours is not None:
            changes["sync_schedule"] = hours
        edited = replace(setting, **changes)
        edits = {name: value for name, value in self.edits.items() if name != data_type}
        if edited != self.original(data_type):
            edits[data_type] = edited
        return SettingsDraft(self.loaded, MappingProxyType(edits))

    def is_changed(self, data_type: str) -> bool:
        return data_type in self.edits

    def changed(self) -> tuple[str, ...]:
        """The data types whose setting differs from the loaded one (the unsaved changes)."""
        return tuple(name for name in self.data_types if name in self.edits)

    def to_post(self) -> SyncSettings:
        return replace(self.loaded, settings=tuple(self.current(name) for name in self.data_types))

    def discarded(self) -> SettingsDraft:
        return SettingsDraft(self.loaded)

    def saved(self) -> SettingsDraft:
        """What is stored once the POST succeeded: the edits become the loaded settings."""
        return SettingsDraft(self.to_post())


def _names(data_types: tuple[str, ...]) -> str:
    shown = ", ".join(display_name(name) for name in data_types[:_SHOWN_NAMES])
    more = len(data_types) - _SHOWN_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def unsaved_text(draft: SettingsDraft | None) -> str:
    """"3 unsaved changes: …": one change per data type edited, whichever of its controls changed."""
    changed = draft.changed() if draft is not None else ()
    if not changed:
        return "No unsaved changes"
    count = len(changed)
    return f"{count} unsaved change{'s' if count != 1 else ''}: {_names(changed)}"


def saved_text(changed: tuple[str, ...]) -> str:
    count = len(changed)
    return f"Saved: {count} data type{'s' if count != 1 else ''} changed ({_names(changed)})."


def name_html(data_type: str, changed: bool = False, locked: bool = False) -> str:
    """A row's label: the display name over the key; a dot and bold while changed and unsaved."""
    name = _html.text(display_name(data_type))
    if changed:
        name = f"<span title='Unsaved change' style='color:#c05600'>●</span> <b>{name}</b>"
    lock = " <small style='color:#555' title='Locked: cannot be changed'>🔒 locked</small>" if locked else ""
    css = "codat-nb-setting codat-nb-changed" if changed else "codat-nb-setting"
    return f"<div class='{css}' style='line-height:1.25'>{name}{lock}<br><code style='font-size:11px;color:#555'>{_html.text(data_type)}</code></div>"


def heading_html(company_id: str | None, company_name: str | None = None) -> str:
    if company_id is None:
        return (
            "<h3 style='margin:4px 0'>Data type settings: profile</h3><small style='color:#555'>Every company's defaults "
            "(Codat Portal > Settings > Data types); a company with settings of its own keeps those.</small>"
        )
    title = _html.text(company_name) if company_name else "one company"
    return (
        f"<h3 style='margin:4px 0'>Data type settings: {title}</h3><small style='color:#555'>Company id "
        f"<code>{_html.text(company_id)}</code>: this company's own settings, in place of the profile's.</small>"
    )


# -- the widget -----------------------------------------------------------------------------------------------


def _grid_layout() -> widgets.Layout:
    return widgets.Layout(grid_template_columns="minmax(240px, 1fr) 150px 190px", grid_gap="2px 12px", align_items="center")


class SyncSettingsEditor(CodatWidget):
    """Tabs Accounting / Banking / Commerce, a row per data type with "Fetch on first link" and
    "Sync frequency", the unsaved changes counted and marked, "Save changes" and "Discard changes".

    Example:
        >>> SyncSettingsEditor(client)                    # the profile's settings
        >>> SyncSettingsEditor(client, company=company)   # one company's
    """

    def __init__(self, client: Client | AsyncClient | None = None, company: Company | str | None = None, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.draft: SettingsDraft | None = None
        self.company_id: str | None = None
        self.company_name: str | None = None
        self.fetch: dict[str, widgets.Checkbox] = {}
        self.frequency: dict[str, widgets.Dropdown] = {}
        self.names: dict[str, widgets.HTML] = {}
        self._quiet = False
        self.heading = widgets.HTML()
        self.grids = {tab: widgets.GridBox(layout=_grid_layout()) for tab in TABS}
        self.tabs = widgets.Tab(children=[self.grids[tab] for tab in TABS], titles=TABS)
        self.unsaved = widgets.HTML()
        self.unsaved.add_class("codat-nb-unsaved")
        self.save_button = button("Save changes", "primary")
        self.discard_button = button("Discard changes")
        self.reload_button = button("Reload", tooltip="Load the settings from Codat again (unsaved changes are dropped)")
        on_click(self.save_button, self.submit)
        on_click(self.discard_button, self.discard)
        on_click(self.reload_button, lambda: self.run(self.load))
        buttons = widgets.HBox([self.save_button, self.discard_button, self.reload_button])
        self.children = [self.heading, self.tabs, self.unsaved, buttons, self.feedback]
        self.show(company)

    # -- what is edited -----------------------------------------------------------------------------------

    def show(self, company: Company | str | None = None) -> Any:
        """Edit the profile's settings (None) or this company's; unsaved edits of the last are dropped."""
        if self.runner.busy:
            return None
        company_id = None if company is None else self.company_id_of(company)
        if company is not None and company_id is None:
            return None
        self.company_id = company_id
        self.company_name = company.name if isinstance(company, Company) else None
        self.draft = None
        self.heading.value = heading_html(self.company_id, self.company_name)
        self._render()
        return self.run(self.load)

    async def load(self) -> SyncSettings:
        """Read the settings (and, given only its id, the company's name for the heading)."""
        if self.company_id is not None and self.company_name is None:
            self.company_name = (await self.client.get_company(self.company_id)).name
            self.heading.value = heading_html(self.company_id, self.company_name)
        settings = await self.client.get_sync_settings(self.company_id)
        self.draft = SettingsDraft(settings)
        self._render()
        return settings

    # -- actions --------------------------------------------------------------------------------------

    def submit(self) -> Any:
        """What pressing "Save changes" does: start :meth:`save` if there is something to save."""
        if self.runner.busy or self.draft is None or not self.draft.changed():
            return None
        return self.run(self.save)

    async def save(self) -> int:
        """POST the whole list with the edits, then read it back; a refused POST keeps the edits."""
        draft = self.draft
        changed = draft.changed() if draft is not None else ()
        if draft is None or not changed:
            self.show_info("No unsaved changes: nothing to save.")
            return 0
        # A company's own settings take effect only when they override the profile's; the profile's flag is kept.
        overrides = True if self.company_id is not None else draft.loaded.overrides_defaults
        await self.client.set_sync_settings(draft.to_post(), self.company_id, overrides_defaults=overrides)
        self.draft = draft.saved()  # stored now, even if reading it back fails below
        self._render()
        self.draft = SettingsDraft(await self.client.get_sync_settings(self.company_id))
        self._render()
        self.show_success(saved_text(changed))
        return len(changed)

    def discard(self) -> None:
        """Put every control back as loaded."""
        if self.runner.busy or self.draft is None:
            return
        count = len(self.draft.changed())
        self.draft = self.draft.discarded()
        self._render()
        self.show_info(f"Discarded {count} unsaved change{'s' if count != 1 else ''}." if count else "No unsaved changes to discard.")

    # -- showing the draft ------------------------------------------------------------------------------

    def _render(self) -> None:
        types = self.draft.data_types if self.draft is not None else ()
        if set(types) != set(self.fetch):
            self._build_rows(types)
        for data_type in types:
            self._render_row(data_type)
        self._render_summary()

    def _build_rows(self, types: tuple[str, ...]) -> None:
        for control in [*self.fetch.values(), *self.frequency.values(), *self.names.values()]:
            control.close()
        self.fetch, self.frequency, self.names = {}, {}, {}
        for tab, names in rows_by_tab(types).items():
            cells: list[widgets.Widget] = [widgets.HTML(f"<b>{_html.text(column)}</b>") for column in COLUMNS]
            for data_type in names:
                self.names[data_type] = widgets.HTML()
                self.fetch[data_type] = widgets.Checkbox(indent=False, layout=widgets.Layout(width="auto"))
                self.frequency[data_type] = widgets.Dropdown(layout=widgets.Layout(width="180px"))
                self.fetch[data_type].observe(lambda change, name=data_type: self._edited(name, fetch=change["new"]), "value")
                self.frequency[data_type].observe(lambda change, name=data_type: self._edited(name, hours=change["new"]), "value")
                cells += [self.names[data_type], self.fetch[data_type], self.frequency[data_type]]
            if not names:
                cells.append(widgets.HTML("<small style='color:#555'>No data types of this kind.</small>"))
            self.grids[tab].children = cells

    def _render_row(self, data_type: str) -> None:
        assert self.draft is not None
        setting, original = self.draft.current(data_type), self.draft.original(data_type)
        locked = bool(original.is_locked)
        menu, options = self.frequency[data_type], frequency_options(original.sync_schedule, setting.sync_schedule)
        self._quiet = True
        try:
            if list(menu.options) != options:
                menu.options = options
            menu.value = setting.sync_schedule
            self.fetch[data_type].value = setting.fetch_on_first_link
        finally:
            self._quiet = False
        menu.disabled = self.fetch[data_type].disabled = locked or self.runner.busy
        self.names[data_type].value = name_html(data_type, self.draft.is_changed(data_type), locked)

    def _render_summary(self) -> None:
        changed = bool(self.draft is not None and self.draft.changed())
        text = "Loading the settings…" if self.draft is None and self.runner.busy else unsaved_text(self.draft)
        colour = "#c05600" if changed else "#555"
        self.unsaved.value = f"<div role='status' style='margin:6px 0;color:{colour}'>{_html.text(text)}</div>"
        self.save_button.disabled = self.discard_button.disabled = self.runner.busy or not changed
        self.reload_button.disabled = self.runner.busy

    def _edited(self, data_type: str, fetch: bool | None = None, hours: int | None = None) -> None:
        """A control changed: record it in the draft (or put the control back if it cannot change now)."""
        if self._quiet or self.draft is None:
            return
        if self.runner.busy:
            self._render_row(data_type)
            return
        try:
            self.draft = self.draft.edit(data_type, fetch=fetch, hours=hours)
        except ValidationError as error:
            self.show_error(error)
        self._render_row(data_type)
        self._render_summary()

    def _set_busy(self, busy: bool) -> None:
        if self.draft is not None:
            for data_type in self.draft.data_types:
                locked = bool(self.draft.original(data_type).is_locked)
                self.fetch[data_type].disabled = self.frequency[data_type].disabled = busy or locked
        self._render_summary()
