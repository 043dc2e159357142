"""CompanyPicker: choose a company from a table like Codat Portal's companies table (Company,
Platforms, Tags, Created, Last data sync), searched by name on the server and shown a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Sequence

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..errors import ValidationError
from ..records import Company
from ..validation import check_text
from . import _html
from ._base import LABELS, CodatWidget, button, on_click

#: Companies per page of the table: enough to scan, few enough that a page draws at once.
PAGE_SIZE = 20
#: Longest search text sent: Codat refuses queries of 2048 characters or more.
MAX_SEARCH = 200
HEADERS = ("Company", "Platforms", "Tags", "Created", "Last data sync")
EMPTY = "No companies yet: create one with CreateCompanyForm."
_SELECTED_BACKGROUND = "#e8eefc"
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)


# -- logic (no widgets) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyRow:
    """One row of the table, as shown."""

    id: str
    name: str
    connections: tuple[tuple[str, str], ...]  # (platform name, status), one pill each
    created: str
    last_sync: str
    tags: tuple[tuple[str, str], ...] = ()  # (name, value), as the company carries them


def company_rows(companies: Iterable[Company]) -> list[CompanyRow]:
    """The rows, newest company first (as the Portal lists them; ties: the last listed first, as Codat
    lists companies in the order they were created); "—" for a company never synced."""
    ordered = sorted(reversed(list(companies)), key=lambda c: c.created or _OLDEST, reverse=True)
    return [
        CompanyRow(
            c.id, c.name, tuple((x.platform_name, x.status) for x in c.data_connections), _html.when(c.created),
            _html.when(c.last_sync), tuple(sorted(c.tags.items())),
        )  # fmt: skip
        for c in ordered
    ]


def pills_html(row: CompanyRow) -> str:
    if not row.connections:
        return "<span style='color:#777;font-size:12px'>No connections</span>"
    return "".join(_html.connection_pill(platform, status) for platform, status in row.connections)


def tags_html(row: CompanyRow) -> str:
    if not row.tags:
        return "<span style='color:#777;font-size:12px'>—</span>"
    return "".join(_html.pill(f"{name}: {value}", ("#f1f1f4", "#333")) for name, value in row.tags)


def search_text(text: str) -> str:
    """What is searched for: spaces tidied, at most MAX_SEARCH characters, and no ``"`` (Codat keeps
    none in company names, and its query language has no escape inside quotes)."""
    return " ".join(str(text).replace('"', " ").split())[:MAX_SEARCH].strip()


def search_query(text: str) -> str | None:
    """Codat's query for names containing ``text`` (any case): ``name~"text"``, or None for no search.
    The value is quoted, so ``&&``, ``||``, braces and operators in a name are taken as text."""
    value = search_text(text)
    return f'name~"{value}"' if value else None


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Pages needed for ``total`` items (at least one, so an empty table is "page 1 of 1")."""
    return max(1, math.ceil(total / size))


def clamp_page(page: int, total: int, size: int = PAGE_SIZE) -> int:
    return min(max(1, page), page_count(total, size))


def page_slice(items: Sequence[Any], page: int, size: int = PAGE_SIZE) -> list[Any]:
    start = (clamp_page(page, len(items), size) - 1) * size
    return list(items[start : start + size])


def showing_label(page: int, total: int, size: int = PAGE_SIZE) -> str:
    """``Showing 21–40 of 45``; empty when there is nothing to show."""
    if total <= 0:
        return ""
    first = (clamp_page(page, total, size) - 1) * size + 1
    return f"Showing {first}–{min(first + size - 1, total)} of {total}"


def empty_message(search: str) -> str:
    value = search_text(search)
    if not value:
        return EMPTY
    return f"No company name contains “{value}”: clear the search, or press Refresh."


# -- the widget -----------------------------------------------------------------------------------------------


class CompanyPicker(CodatWidget):
    """The companies table: "Search" (by name, on the server), "Refresh", "Previous"/"Next" with
    "Showing 1–20 of N"; clicking a company's name picks it (the row is highlighted, ``company`` holds
    it, and each ``on_pick`` callback gets it).

    Example:
        >>> picker = CompanyPicker(client)
        >>> explorer = DataExplorer(client)
        >>> picker.on_pick(explorer.show)
        >>> widgets.VBox([picker, explorer])
    """

    def __init__(self, client: Client | AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.company: Company | None = None
        self.companies: list[Company] = []  # every company the search matched, newest first
        self.rows: list[CompanyRow] = []  # the rows on the page shown
        self._all_rows: list[CompanyRow] = []
        self.name_buttons: list[widgets.Button] = []  # one per row shown, in order
        self.page = 1
        self._picked: list[Callable[[Company], Any]] = []
        self._stale = False
        self._loaded = False  # no "No companies yet" before the first answer
        self.search = widgets.Text(description="Search", placeholder="part of a company name, then Enter", continuous_update=False, style=LABELS)
        self.search.layout.width = "360px"
        self.refresh_button = button("Refresh")
        self.previous_button = button("Previous")
        self.next_button = button("Next")
        self.showing = widgets.HTML()
        columns = "minmax(220px, 2fr) minmax(180px, 2fr) minmax(120px, 1.2fr) 1fr 1fr"
        self.table = widgets.GridBox(layout=widgets.Layout(grid_template_columns=columns, grid_gap="2px 12px", width="100%"))
        self.empty = widgets.HTML()
        self.search.observe(lambda _change: self._search_changed(), "value")
        on_click(self.refresh_button, self.refresh)
        on_click(self.previous_button, lambda: self.go_to(self.page - 1))
        on_click(self.next_button, lambda: self.go_to(self.page + 1))
        self.children = [
            widgets.HTML("<h3 style='margin:4px 0'>Companies</h3>"),
            widgets.HBox([self.search, self.refresh_button]),
            self.feedback, self.table, self.empty,
            widgets.HBox([self.previous_button, self.next_button, self.showing]),
        ]  # fmt: skip
        self._render()
        self.refresh()  # the table is what it shows: loaded at once, as a task

    # -- actions --------------------------------------------------------------------------------------

    def on_pick(self, callback: Callable[[Company], Any]) -> None:
        """Call ``callback(company)`` each time a company is picked (e.g. ``explorer.show``)."""
        self._picked.append(callback)

    def pick(self, company: Company | str) -> Company:
        """Pick a company of the table (a Company or its id), as clicking its name does."""
        wanted = company.id if isinstance(company, Company) else company
        found = next((c for c in self.companies if c.id == wanted), company if isinstance(company, Company) else None)
        if found is None:
            raise ValidationError(f"Company {wanted!r} is not in the table: search for it, or press Refresh.")
        self.company = found
        self._render()
        for callback in self._picked:
            callback(found)
        return found

    def refresh(self) -> None:
        """Load the companies again (with the search); a click while loading reloads once it ends."""
        if self.runner.busy:
            self._stale = True
            return
        self.run(self.load)

    async def load(self) -> list[Company]:
        """The companies whose names contain the search text, from Codat; back to page 1 if the
        page shown no longer exists."""
        check_text(self.search.value, "The search text")  # a lone surrogate cannot be sent: say so in its own words
        companies = await self.client.list_companies(query=search_query(self.search.value), page_size=5000)  # one request for most accounts
        self._all_rows = rows = company_rows(companies)
        by_id = {c.id: c for c in companies}
        self.companies = [by_id[r.id] for r in rows]
        if self.company is not None and self.company.id in by_id:
            self.company = by_id[self.company.id]  # the fresh record, same company: no callback
        self.page = clamp_page(self.page, len(rows))
        self._loaded = True
        self._render()
        return self.companies

    def go_to(self, page: int) -> None:
        self.page = clamp_page(page, len(self.companies))
        self._render()

    def _search_changed(self) -> None:
        self.page = 1
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------------------

    def _render(self) -> None:
        rows = self._all_rows
        self.rows = page_slice(rows, self.page)
        for old in self.table.children:
            old.close()
        self.name_buttons = [self._name_button(row) for row in self.rows]
        cells: list[widgets.Widget] = [widgets.HTML(f"<b>{_html.text(h)}</b>") for h in HEADERS]
        for row, name in zip(self.rows, self.name_buttons):
            cells += self._row_cells(row, name)
        self.table.children = cells if self.rows else []
        empty = "" if rows or not self._loaded else empty_message(self.search.value)
        self.empty.value = f"<div style='color:#555;padding:6px 0'>{_html.text(empty)}</div>" if empty else ""
        shown = showing_label(self.page, len(rows)) or ("" if self._loaded else "Loading companies…")
        self.showing.value = f"<span style='color:#555'>{_html.text(shown)}</span>"
        self._set_busy(self.runner.busy)

    def _name_button(self, row: CompanyRow) -> widgets.Button:
        picked = self.company is not None and self.company.id == row.id
        name = widgets.Button(description=("✓ " if picked else "") + row.name, tooltip=f"Pick {row.name}", button_style="info" if picked else "")
        name.layout.width = "auto"
        if not picked:  # a link, as the Portal's company names are
            name.style.button_color, name.style.text_color, name.style.text_decoration = "transparent", "#1b4fd8", "underline"
        on_click(name, lambda company_id=row.id: self.pick(company_id))
        return name

    def _row_cells(self, row: CompanyRow, name: widgets.Button) -> list[widgets.Widget]:
        picked = self.company is not None and self.company.id == row.id
        background = f"background:{_SELECTED_BACKGROUND};" if picked else ""

        def cell(html: str) -> widgets.HTML:
            made = widgets.HTML(f"<div style='{background}padding:4px 6px;min-height:44px'>{html}</div>")
            if picked:
                made.add_class("codat-nb-selected")
            return made

        ident = cell(f"<small style='color:#666'><code>{_html.text(row.id)}</code></small>")
        company = widgets.VBox([name, ident], layout=widgets.Layout(border_left="3px solid #1b4fd8" if picked else "3px solid transparent"))
        return [company, cell(pills_html(row)), cell(tags_html(row)), cell(_html.text(row.created)), cell(_html.text(row.last_sync))]

    def _set_busy(self, busy: bool) -> None:
        self.refresh_button.disabled = busy
        self.previous_button.disabled = self.page <= 1
        self.next_button.disabled = self.page >= page_count(len(self.companies))
        for name in self.name_buttons:
            name.disabled = busy
        if not busy and self._stale:  # the search changed while loading: the last one wins
            self._stale = False
            self.run(self.load)

    async def wait(self) -> Any:
        """Until no load is running, including one started because the search changed meanwhile."""
        result = None
        while self.runner.busy:
            result = await self.runner.wait()
        return result

    @property
    def rows_text(self) -> list[str]:
        """The rows shown, as plain text (for code and tests)."""
        return [f"{r.name} | {' '.join(f'{p}: {s}' for p, s in r.connections) or '—'} | {r.created} | {r.last_sync}" for r in self.rows]
