"""PortalApp: a Portal-like app made of the widgets: the companies table, and a company's page with
tabs Connections, Data status, Read history, Sync settings and Data; ``?company=<id>`` deep links."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as widgets

from ..client import AsyncClient, Client
from ..errors import ValidationError
from ..records import Company, DataStatus
from ..validation import check_uuid
from . import _html
from ._backend import async_client
from ._base import CodatWidget, button, on_click
from .company_picker import CompanyPicker
from .data_explorer import DataExplorer
from .link_panel import LinkPanel
from .sync_panel import SyncPanel, history_html
from .sync_settings import SyncSettingsEditor

TABS = ("Connections", "Data status", "Read history", "Sync settings", "Data")
#: The demo companies the app adds to an empty embedded Sandbox: name, sample company, size, tags.
DEMO_COMPANIES = (
    ("Platypus Properties", "small-uk", None, {"region": "uk", "segment": "smb"}),
    ("Copperleaf Outfitters", "us-retailer", 1500, {"region": "us", "segment": "retail"}),
    ("Northwind Fine Foods", "multi-currency-wholesaler", 600, {"region": "eu", "segment": "wholesale"}),
    ("Bank of Dave", "small-uk", 120, {"region": "uk", "segment": "smb"}),
    ("Perfect Plasterers, ltd", "small-uk", 200, {"region": "uk", "segment": "trades"}),
)


# -- logic (no widgets) ----------------------------------------------------------------------------------


def company_from_query(query_string: str | None) -> str | None:
    """The ``company`` of a deep link's query string (Voila passes it as $QUERY_STRING); ValidationError
    for one that is not a company id, so the page can say so."""
    values = parse_qs(query_string or "").get("company")
    if not values or not values[-1].strip():
        return None
    return check_uuid(values[-1].strip(), "company (in the page's ?company=)")


def deep_link(company_id: str) -> str:
    """A link to this company's page, relative to the app's own URL (works under any prefix)."""
    return f"?company={company_id}"


def data_status_html(statuses: Mapping[str, DataStatus]) -> str:
    if not statuses:
        return "<p style='color:#555'>No data type has been synced yet: link the company, then Refresh all.</p>"
    rows = [
        (_html.text(t), _html.status_badge(s.current_status, s.is_errored), _html.when_html(s.last_successful_sync))
        for t, s in sorted(statuses.items())
    ]
    return _html.table(("Data type", "Status", "Last successful sync"), rows, "codat-nb-data-status")


async def add_demo_companies(client: AsyncClient, count: int = 3) -> list[Company]:
    """On an empty embedded Sandbox: ``count`` companies of the sample kinds, linked as their customers
    would and synced, so the app has something to show (a real API's companies are left alone)."""
    sandbox = client.sandbox
    if sandbox is None or count <= 0 or await client.list_companies():
        return []
    if count > len(DEMO_COMPANIES):
        raise ValidationError(f"There are {len(DEMO_COMPANIES)} demo companies; ask for at most that many.")

    async def one(name: str, dataset: str, invoices: int | None, tags: dict[str, str]) -> Company:
        company = await client.create_company(name, description="A demo company of the embedded Sandbox", tags=tags)
        connection = await client.create_connection(company.id, "mqjo")
        sandbox.authorize(company.id, connection.id, dataset=dataset, invoices=invoices)
        await client.wait_for_sync(company.id, timeout=900)
        return await client.get_company(company.id)

    made = []
    for spec in DEMO_COMPANIES[:count]:  # started in order (the ids stay the same run to run), then synced together
        made.append(asyncio.ensure_future(one(*spec)))
        await asyncio.sleep(0)
    return list(await asyncio.gather(*made))


# -- the widgets -----------------------------------------------------------------------------------------------


class CompanyPage(CodatWidget):
    """One company: its name, id and deep link, and the tabs; each tab is the widget of its own."""

    def __init__(self, client: Client | AsyncClient | None, company: Company | str, **kwargs: Any) -> None:
        super().__init__(client, **kwargs)
        self.company_id = company.id if isinstance(company, Company) else check_uuid(company, "company")
        self.company = company if isinstance(company, Company) else None
        self.back_button = button("← All companies")
        self.heading = widgets.HTML()
        self.link = LinkPanel(self.client, company)
        self.status = widgets.HTML()
        self.sync = SyncPanel(self.client, company)
        self.history = widgets.HTML()
        self.refresh_button = button("Refresh")
        self.settings = SyncSettingsEditor(self.client, company)
        self.explorer = DataExplorer(self.client, company)
        self.tabs = widgets.Tab(children=[
            self.link, widgets.VBox([self.status, self.sync]), widgets.VBox([self.refresh_button, self.history]), self.settings, self.explorer,
        ])  # fmt: skip
        self.tabs.titles = TABS
        self.add_class("codat-nb-company-page")
        on_click(self.refresh_button, lambda: self.run(self.load))
        self.sync.on_synced(lambda _company, _statuses: self.run(self.load))
        self.children = [widgets.HBox([self.back_button, self.heading]), self.feedback, self.tabs]
        self._draw_heading()
        self.run(self.load)

    async def load(self) -> Company:
        company = await self.client.get_company(self.company_id)
        self.company = company
        self._draw_heading()
        self.status.value = data_status_html(await self.client.data_status(company.id))
        pulls = await self.client.list_pull_operations(company.id, order_by="-requested", page_size=5000)
        self.history.value = history_html(pulls, {c.id: c.platform_name for c in company.data_connections})
        return company

    def _draw_heading(self) -> None:
        name = self.company.name if self.company is not None else "…"
        self.heading.value = (
            f"<h2 style='margin:0 12px'>{_html.text(name)}</h2><small style='margin:0 12px;color:#555'>Company id "
            f"<code>{_html.text(self.company_id)}</code> · <a href='{_html.text(deep_link(self.company_id))}'>link to this page</a></small>"
        )

    def close(self) -> None:
        # Also called by ipywidgets' __del__ on a page whose __init__ refused its company id.
        if hasattr(self, "sync"):
            self.link.close()
            self.sync.cancel()
        super().close()


class PortalApp(widgets.VBox):
    """The companies table; picking one (or a ``company`` given, e.g. from ``?company=``) opens its page."""

    def __init__(self, client: Client | AsyncClient | None = None, company: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = async_client(client)
        self.picker = CompanyPicker(self.client)
        self.page: CompanyPage | None = None
        self.picker.on_pick(self.open_company)
        self.add_class("codat-nb")
        self.add_class("codat-nb-portal")
        self.children = [self.picker]
        if company is not None:
            self.open_company(company)

    def open_company(self, company: Company | str) -> CompanyPage:
        """Show a company's page in place of the table."""
        if self.page is not None:
            self.page.close()
        self.page = CompanyPage(self.client, company)
        on_click(self.page.back_button, self.back)
        self.children = [self.page]
        return self.page

    def back(self) -> None:
        """Back to the companies table (reloaded: a sync may have changed it)."""
        if self.page is not None:
            self.page.close()
            self.page = None
        self.children = [self.picker]
        self.picker.refresh()

    def __repr__(self) -> str:
        where = f"company={self.page.company_id!r}" if self.page is not None else "companies"
        return f"PortalApp({where})"
