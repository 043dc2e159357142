"""ConnectWizard: Codat's Connect guide in one widget, a stepper over the three step widgets."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..records import Company, Connection
from . import _html
from ._backend import async_client
from .create_company import CreateCompanyForm
from .link_panel import LinkPanel
from .sync_panel import SyncPanel

STEPS = ("Add a company", "Link", "Synchronise")


def stepper_html(current: int, done: set[int]) -> str:
    """1 Add a company → 2 Link → 3 Synchronise: the current step highlighted, done ones ticked."""
    parts = []
    for index, name in enumerate(STEPS):
        mark = "✓" if index in done else str(index + 1)
        if index == current:
            background, colour = "#1b4fd8", "#fff"
        elif index in done:
            background, colour = "#dff5e9", "#0b6b3a"
        else:
            background, colour = "#eef0f7", "#555"
        aria = " aria-current='step'" if index == current else ""
        parts.append(
            f"<span class='codat-nb-step'{aria} style='display:inline-block;padding:4px 12px;border-radius:14px;"
            f"background:{background};color:{colour}'><b>{mark}</b> {_html.text(name)}</span>"
        )
    return "<div class='codat-nb-stepper' style='margin:4px 0 8px'>" + " <span style='color:#999'>→</span> ".join(parts) + "</div>"


class ConnectWizard(widgets.VBox):
    """The three steps of the guide, each the widget of its own: it moves on by itself when a step
    is done (a company created → Link; a connection Linked → Synchronise). Press a step's button
    to go back to it."""

    def __init__(self, client: Client | AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        shared = async_client(client)
        self.create = CreateCompanyForm(shared)
        self.link = LinkPanel(shared)
        self.sync = SyncPanel(shared)
        self.company: Company | None = None
        self.step = 0
        self.done: set[int] = set()
        self.stepper = widgets.HTML()
        # On Synchronise the company and its connections stay in sight (the Link panel's own pills),
        # so what the customer does on the Link page still shows once the wizard has moved on.
        self.company_bar = widgets.HBox(
            [widgets.HTML(), self.link.pills], layout=widgets.Layout(display="none", align_items="center", grid_gap="8px")
        )
        self.step_buttons = [widgets.Button(description=f"{i + 1} {name}", layout=widgets.Layout(width="auto")) for i, name in enumerate(STEPS)]
        for index, control in enumerate(self.step_buttons):
            control.on_click(lambda _button, index=index: self.go(index))
        self.pages = [self.create, self.link, self.sync]
        self.body = widgets.VBox()
        self.children = [
            widgets.HTML("<h2 style='margin:4px 0'>Connect a company</h2>"), self.stepper, widgets.HBox(self.step_buttons),
            self.company_bar, self.body,
        ]  # fmt: skip
        self.add_class("codat-nb")
        self.add_class("codat-nb-wizard")
        self.create.on_created(self._created)
        self.link.on_linked(self._linked)
        self.sync.on_synced(self._synced)
        self.go(0)

    def go(self, step: int) -> None:
        """Show step ``step`` (0-2); later steps open only once a company exists."""
        if step > 0 and self.company is None:
            return
        self.step = step
        self.stepper.value = stepper_html(step, self.done)
        for index, control in enumerate(self.step_buttons):
            control.disabled = index > 0 and self.company is None
            control.button_style = "info" if index == step else ""
        # On Link, the form's answer stays above the panel: "✓ Added" and the Link URL to send.
        self.body.children = [self.create.result, self.link] if step == 1 else [self.pages[step]]
        self.company_bar.layout.display = "" if step == 2 and self.company is not None else "none"

    def _created(self, company: Company, connection: Connection | None) -> None:
        self.company = company
        self.done = {0}  # a new company starts the guide again from its second step
        self.company_bar.children[0].value = f"<b>{_html.text(company.name)}</b>"
        self.link.show(company)
        self.go(1)

    def _linked(self, company: Company, connection: Connection) -> None:
        if self.company is None or company.id != self.company.id or 1 in self.done:
            return
        self.company = company
        self.done.add(1)
        self.sync.show(company)
        self.go(2)

    def __repr__(self) -> str:
        company = f", company={self.company.name!r}" if self.company is not None else ""
        return f"ConnectWizard(step={self.step + 1} {STEPS[self.step]}{company})"

    def _synced(self, company: Company, statuses: dict[str, Any]) -> None:
        if self.company is not None and company.id == self.company.id:
            self.done.add(2)
            self.go(self.step)
