"""LinkPanel: a company's connections as status pills that follow the customer's Link page, the
page itself one click away, and on the embedded Sandbox "Authorise as the customer"."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..linking import linked_connections
from ..records import Company, Connection
from . import _html
from ._base import LABELS, CodatWidget, button, on_click
from ._tasks import TaskRunner

#: How long the pills keep following a pending connection by themselves, and how often.
WATCH_SECONDS = 600.0
FIRST_POLL, LAST_POLL = 1.0, 5.0


# -- logic (no widgets) ----------------------------------------------------------------------------------


def needs_watching(company: Company) -> bool:
    """Keep polling while a connection waits for the customer, or none is Linked yet."""
    return not linked_connections(company) or any(c.status == "PendingAuth" for c in company.data_connections)


def pills_html(company: Company) -> str:
    if not company.data_connections:
        return "<span style='color:#555'>No connections yet: the customer creates one by pressing Connect on the Link page.</span>"
    return "".join(_html.connection_pill(c.platform_name, c.status) for c in company.data_connections)


def sandbox_connection_to_authorise(company: Company) -> Connection | None:
    """The accounting Sandbox connection the customer would sign in to: a pending or lapsed one
    (None: create one first). A Linked one needs nothing."""
    usable = [c for c in company.data_connections if c.integration_key == "mqjo" and c.status != "Linked"]
    order = ("PendingAuth", "Deauthorized", "Unlinked")
    return min(usable, key=lambda c: order.index(c.status) if c.status in order else len(order), default=None)


def sample_options() -> list[tuple[str, str]]:
    from ..sandbox.books.datasets import SAMPLE_COMPANIES

    return [(f"{c.label} ({c.currency}, about {c.invoices:,} invoices)", c.key) for c in SAMPLE_COMPANIES]


def sample_size(key: str) -> int:
    from ..sandbox.books.datasets import SAMPLE_COMPANIES_BY_KEY

    return SAMPLE_COMPANIES_BY_KEY[key].invoices


# -- the widget -----------------------------------------------------------------------------------------------


class LinkPanel(CodatWidget):
    """The Link step: pills (PendingAuth / Linked / Unlinked / Deauthorized) that refresh by
    themselves while a connection is pending, "Open Link" (a new tab), "Refresh", and on the
    embedded Sandbox "Authorise as the customer" with the sample company and its size."""

    def __init__(self, client: Client | AsyncClient | None = None, company: Company | str | None = None, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.company: Company | None = None
        self._company_id: str | None = None
        self._linked: list[Callable[[Company, Connection], Any]] = []
        self._announced: set[str] = set()
        self.watcher = TaskRunner(self._set_watching, self.show_error, lambda: self._set_watch_note("Stopped checking."))
        self.title = widgets.HTML("<h3 style='margin:4px 0'>Link the company</h3>")
        self.pills = widgets.HTML()
        self.pills.add_class("codat-nb-pills")
        self.open_link = widgets.HTML()
        self.refresh_button = button("Refresh")
        self.stop_button = button("Stop checking", disabled=True)
        self.watch_note = widgets.HTML()
        self.sample = widgets.Dropdown(description="Sandbox company", options=sample_options(), style=LABELS)
        self.invoices = widgets.BoundedIntText(description="Invoices", value=sample_size(self.sample.value), min=1, max=1_000_000, style=LABELS)
        self.authorise_button = button("Authorise as the customer", "primary")
        self.customer = widgets.VBox([
            widgets.HTML("<small>What the customer does on the Link page, from here: sign in to the Sandbox and share a sample company's books.</small>"),
            widgets.HBox([self.sample, self.invoices]),
            widgets.HBox([self.authorise_button]),
        ], layout=widgets.Layout(display="" if self.backend.is_embedded else "none"))  # fmt: skip
        self.sample.observe(lambda change: setattr(self.invoices, "value", sample_size(change["new"])), "value")
        on_click(self.refresh_button, lambda: self.run(self.refresh))
        on_click(self.stop_button, self.watcher.cancel)
        on_click(self.authorise_button, lambda: self.run(self._authorise_chosen))
        self.children = [
            self.title, self.pills, widgets.HBox([self.open_link, self.refresh_button, self.stop_button]), self.watch_note,
            self.customer, self.feedback,
        ]  # fmt: skip
        self._set_busy(False)
        if company is not None:
            self.show(company)

    # -- showing a company ------------------------------------------------------------------------------

    def show(self, company: Company | str) -> None:
        """Follow this company: show its connections, and keep them current while one is pending."""
        company_id = self.company_id_of(company)
        if company_id is None:
            return
        self.watcher.cancel()
        self.company = company if isinstance(company, Company) else None
        self._company_id = company_id
        if self.company is not None:
            self._render(self.company)
        self._set_busy(False)
        self.watch()

    def watch(self) -> Any:
        """Poll the company until a connection is Linked and none is pending (at most WATCH_SECONDS)."""
        return self.watcher.start(self._watch)

    async def _watch(self) -> None:
        interval, started = FIRST_POLL, time.monotonic()
        while True:
            company = await self.client.get_company(self._company_id)
            self._render(company)
            if not needs_watching(company):
                self._set_watch_note("")
                return
            if time.monotonic() - started > WATCH_SECONDS:
                self._set_watch_note(f"Stopped checking after {WATCH_SECONDS / 60:g} minutes: press Refresh once the customer has connected.")
                return
            self._set_watch_note("Waiting for the customer to connect on the Link page… (this panel updates by itself)")
            await asyncio.sleep(interval)
            interval = min(LAST_POLL, interval * 1.5)

    async def refresh(self) -> Company:
        company = await self.client.get_company(self._require_company())
        self._render(company)
        if needs_watching(company) and not self.watcher.busy:
            self.watch()
        return company

    def _render(self, company: Company) -> None:
        self.company = company
        self.title.value = (
            f"<h3 style='margin:4px 0'>Link {_html.text(company.name)}</h3>"
            f"<small style='color:#555'>Company id <code>{_html.text(company.id)}</code></small>"
        )
        self.pills.value = pills_html(company)
        self.open_link.value = _html.new_tab_link(company.redirect, "Open Link", as_button=True)
        for connection in linked_connections(company):
            if connection.id not in self._announced:
                self._announced.add(connection.id)
                for callback in self._linked:
                    callback(company, connection)

    # -- acting as the customer (embedded Sandbox) ----------------------------------------------------------

    async def _authorise_chosen(self) -> Connection:
        return await self.authorise(self.sample.value, self.invoices.value)

    async def authorise(self, dataset: str = "small-uk", invoices: int | None = None) -> Connection:
        """What pressing Connect on the Link page does, with the sample company chosen there."""
        sandbox = self.backend.sandbox
        if sandbox is None:
            from ..errors import ConfigError

            raise ConfigError("Only the embedded Sandbox can authorise as the customer: open the Link URL, press Connect and sign in.")
        company = await self.client.get_company(self._require_company())
        already = [c for c in linked_connections(company) if c.source_type == "Accounting"]
        if already:
            self._render(company)
            self.show_info(f"{already[0].platform_name} is already connected for {company.name}; nothing was changed.")
            return already[0]
        connection = sandbox_connection_to_authorise(company) or await self.client.create_connection(company.id, "mqjo")
        sandbox.authorize(company.id, connection.id, dataset=dataset, invoices=invoices)
        linked = await self.refresh()
        self.show_success(f"Signed in to the Sandbox as {linked.name}'s customer: the connection is Linked and its first sync is queued.")
        return await self.client.get_connection(company.id, connection.id)

    # -- state ---------------------------------------------------------------------------------------------

    def on_linked(self, callback: Callable[[Company, Connection], Any]) -> None:
        """Call ``callback(company, connection)`` once for each connection seen Linked."""
        self._linked.append(callback)

    def _require_company(self) -> str:
        if self._company_id is None:
            from ..errors import ValidationError

            raise ValidationError("No company to link yet: create one first (or pass company= to LinkPanel).")
        return self._company_id

    def _set_busy(self, busy: bool) -> None:
        no_company = self._company_id is None
        self.refresh_button.disabled = busy or no_company
        self.authorise_button.disabled = busy or no_company

    def _set_watching(self, watching: bool) -> None:
        self.stop_button.disabled = not watching

    def _set_watch_note(self, text: str) -> None:
        self.watch_note.value = f"<small style='color:#555'>{_html.text(text)}</small>" if text else ""

    def close(self) -> None:
        self.watcher.cancel()
        super().close()
