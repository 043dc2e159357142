"""DataExplorer: one company's synced data as Codat Portal's data viewer shows it: a data type, its
record count, a page of it as DataFrames (child frames one click away), a chart where one fits,
the API request as curl beneath, and an export with a download link."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .. import frames as _frames
from ..client import AsyncClient, Client
from ..errors import ValidationError
from ..export import ExportResult, write_tables
from ..records import Company
from . import _html
from ._base import LABELS, CodatWidget, button, on_click
from ._feedback import describe
from .company_picker import clamp_page, page_count

from ._explorer import (  # the logic, re-exported: tests and code import it from here too
    charts_for,
    ChartSpec,
    curl_html,
    DATA_TYPES,
    DOWNLOAD_LIMIT,
    download_link,
    export_folder,
    EXPORT_FORMATS,
    export_html,
    frame_page,
    next_step_for,
    page_label,
    PAGE_SIZE,
    preview_html,
    PREVIEW_ROWS,
    REPORT_PERIODS,
    REPORT_TYPES,
    summary,
    title_html,
    View,
    _FULL_PAGE_SIZE,
    _REPORT_READERS,
)


# -- the widget -----------------------------------------------------------------------------------------------


class DataExplorer(CodatWidget):
    """"Data type" (and "Bank account" for bankTransactions), the record count, a page of frames with
    "Previous"/"Next" and "Page 2 of 18", the frames as toggle buttons, "Chart" + "Show chart", the
    API request as curl, and "Format" + "Export" with download links.

    Exports go to ``export_dir/<format>/`` (default ``exports`` in the current folder); files up to
    ``download_limit`` bytes in all (20 MB) also get a download link.
    """

    def __init__(
        self, client: Client | AsyncClient | None = None, company: Company | str | None = None, *,
        export_dir: str | os.PathLike[str] = "exports", download_limit: int = DOWNLOAD_LIMIT, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(client, **kwargs)
        self.export_dir, self.download_limit = Path(export_dir), download_limit
        self.company: Company | None = None
        self.company_id: str | None = None
        self.view: View | None = None
        self.figure: Any = None  # the plotly FigureWidget shown, if any
        self.exported: ExportResult | None = None
        self._page, self._stale, self._quiet = 1, False, False
        self._full: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}  # full reads, for charts and export
        self._build()
        self._draw()
        if company is not None:
            self.show(company)

    def _build(self) -> None:
        types = [(t + (" (report)" if t in REPORT_TYPES else ""), t) for t in DATA_TYPES]
        self.title, self.count_info, self.page_info, self.preview, self.curl, self.export_result = (widgets.HTML() for _ in range(6))
        self.data_type = widgets.Dropdown(description="Data type", options=types, value=None, style=LABELS)
        self.account = widgets.Dropdown(description="Bank account", options=[], style=LABELS, layout=widgets.Layout(display="none"))
        self.table_choice = widgets.ToggleButtons(options=[], style={"button_width": "auto"})
        self.chart_choice = widgets.Dropdown(description="Chart", options=[], style=LABELS)
        self.export_format = widgets.ToggleButtons(description="Format", options=EXPORT_FORMATS, value="parquet", style=LABELS)
        self.refresh_button, self.previous_button, self.next_button = button("Refresh"), button("Previous"), button("Next")
        self.chart_button, self.export_button = button("Show chart"), button("Export", "primary")
        self.chart_box = widgets.VBox()
        self.chart_panel = widgets.VBox([widgets.HBox([self.chart_choice, self.chart_button]), self.chart_box], layout=widgets.Layout(display="none"))
        self.data_type.observe(lambda _c: self._choose(), "value")
        self.account.observe(lambda _c: None if self._quiet else self._choose(), "value")
        self.table_choice.observe(lambda _c: self._draw_preview(), "value")
        for control, action in (
            (self.refresh_button, self.refresh), (self.previous_button, lambda: self.go_to(self._page - 1)),
            (self.next_button, lambda: self.go_to(self._page + 1)), (self.chart_button, self.show_chart), (self.export_button, self.export),
        ):  # fmt: skip
            on_click(control, action)
        self.children = [
            self.title, widgets.HBox([self.data_type, self.account, self.refresh_button]), self.count_info, self.feedback,
            self.table_choice, self.preview, widgets.HBox([self.previous_button, self.next_button, self.page_info]),
            self.chart_panel, self.curl, widgets.HBox([self.export_format, self.export_button]), self.export_result,
        ]  # fmt: skip

    # -- choosing what to show --------------------------------------------------------------------------

    def show(self, company: Company | str) -> None:
        """Explore this company (a Company or its id): what ``CompanyPicker.on_pick`` calls."""
        company_id = self.company_id_of(company)
        if company_id is None:
            return
        self.company_id = company_id
        self.company = company if isinstance(company, Company) else None
        self.view, self._full, self.exported = None, {}, None
        self._set_accounts([])  # the last company's
        self._clear_chart()
        self._choose()

    def select(self, data_type: str) -> None:
        self.data_type.value = data_type

    def go_to(self, page: int) -> None:
        """Show page ``page`` (a report's pages are its frame's, and need no request)."""
        self._page = clamp_page(page, self.view.total if self.view else 0)
        if self.view is not None and self.view.is_report and self.view.data_type == self.data_type.value:
            self.view.page = self._page
            return self._draw()
        self._request()

    def refresh(self) -> None:
        """Read the data type again (count and page), forgetting the full reads kept for charts and export."""
        self.view, self._full = None, {}
        self._request()

    def _choose(self) -> None:
        self._page = 1
        self._request()

    def _request(self) -> None:
        """Load what the controls say; while a load runs, once it ends (the last choice wins)."""
        if self.runner.busy:
            self._stale = True
        elif self.company_id is not None and self.data_type.value is not None:
            self.run(self._load)
        else:
            self._draw()

    # -- reading -------------------------------------------------------------------------------------

    async def _load(self) -> View:
        company_id, data_type = self.company_id, self.data_type.value
        assert company_id is not None and data_type is not None
        if self.company is None or self.company.id != company_id:
            self.company = await self.client.get_company(company_id)
        old = self.view if self.view is not None and (self.view.company_id, self.view.data_type) == (company_id, data_type) else None
        if old is None:
            self.view = None
            self._clear_chart()
            self._draw()  # nothing of the last type stays under the new one's name
        view = View(company_id, data_type, count=old.count if old else None)
        if data_type in (*REPORT_TYPES, "company"):  # no pages: read whole, kept for chart and export
            self._full.pop((company_id, data_type), None)
            view.tables = await self._full_tables(data_type, company_id)
            view.curl = self.client.last_request_as_curl()
            view.total = len(next(iter(view.tables.values())))
            view.count = None if view.is_report else view.total
        else:
            await self._read_page(view, old)
        self.view = view
        self._draw()
        if view.is_report and charts_for(data_type):
            await self._draw_chart()  # from the report already read: no request
        return view

    async def _read_page(self, view: View, old: View | None) -> None:
        company_id, data_type, extra = view.company_id, view.data_type, {}
        if data_type == "bankTransactions":
            if old is None:
                accounts = await self.client.list_records(company_id, "bankAccounts")
                self._set_accounts([(f"{a.get('accountName') or a['id']} ({a.get('currency') or '?'})", a["id"]) for a in accounts])
            view.account_id = extra["account_id"] = self.account.value
            if view.account_id is None:  # no bank accounts: nothing to page
                view.count = 0
                return
        if view.count is None:
            view.count = await self.client.count_records(company_id, data_type)
        view.page = self._page
        body = await self.client.get_page(company_id, data_type, page=view.page, page_size=PAGE_SIZE, **extra)
        view.curl = self.client.last_request_as_curl()  # the page's request, before any other is sent
        view.total = int(body.get("totalResults") or 0)
        view.tables = _frames.tables(data_type, body["results"])

    def _set_accounts(self, options: list[tuple[str, str]]) -> None:
        self._quiet = True  # chosen by the load itself: no load of its own
        try:
            self.account.options = options
            self.account.value = options[0][1] if options else None
        finally:
            self._quiet = False

    async def _full_tables(self, data_type: str, company_id: str | None = None) -> dict[str, pd.DataFrame]:
        """Every record of ``data_type`` as frames, read once per company (Refresh forgets them)."""
        key = (company_id or self._require_view().company_id, data_type)
        if key not in self._full:
            if data_type in REPORT_TYPES:
                report = await getattr(self.client, _REPORT_READERS[data_type])(key[0], periods_to_compare=REPORT_PERIODS)
                self._full[key] = _frames.tables(data_type, report)
            elif data_type == "company":
                self._full[key] = _frames.tables("company", await self.client.company_info(key[0]))
            else:
                self._full[key] = await self.client.read_tables(key[0], data_type, page_size=_FULL_PAGE_SIZE)
        return self._full[key]

    # -- chart and export ---------------------------------------------------------------------------------

    def show_chart(self) -> Any:
        """What "Show chart" does: read what the chosen chart needs (every record), then draw it."""
        return self.run(self._draw_chart)

    async def _draw_chart(self) -> Any:
        view = self._require_view()
        spec = next((s for s in charts_for(view.data_type) if s.label == self.chart_choice.value), None)
        if spec is None:
            return None
        data = {t: await self._full_tables(t) for t in (spec.reads or (view.data_type,))}
        import plotly.graph_objects as go

        self._clear_chart()
        self.figure = go.FigureWidget(spec.build(data))
        self.chart_box.children = [self.figure]
        return self.figure

    def export(self) -> Any:
        """What "Export" does: write the data type's frames (every record) in the chosen format."""
        return self.run(self._export)

    async def _export(self) -> ExportResult:
        view, fmt = self._require_view(), self.export_format.value
        tables = await self._full_tables(view.data_type)

        def write() -> tuple[ExportResult, str]:  # disk and base64 work, off the event loop
            result = write_tables(tables, export_folder(self.export_dir, fmt), view.company_id, fmt)
            return result, export_html(result, self.download_limit)

        self.exported, self.export_result.value = await asyncio.to_thread(write)
        return self.exported

    # -- drawing -------------------------------------------------------------------------------------

    def _draw(self) -> None:
        """Everything shown, from ``self.view`` and the choices."""
        view, data_type = self.view, self.data_type.value
        self.title.value = title_html(self.company_id, self.company.name if self.company is not None else None)
        self.account.layout.display = "" if data_type == "bankTransactions" else "none"
        self._draw_chart_choice(data_type)
        names = list(view.tables) if view is not None else []
        if names != list(self.table_choice.options):
            kept = self.table_choice.value if self.table_choice.value in names else None
            self.table_choice.options = names
            self.table_choice.value = kept or (names[0] if names else None)
        self.table_choice.layout.display = "" if len(names) > 1 else "none"
        self.curl.value = curl_html(view.curl) if view is not None else ""
        self.count_info.value = f"<b>{_html.text(summary(view))}</b>" if view is not None else ""
        self.page_info.value = f"<span style='color:#555'>{_html.text(page_label(view.page, view.total))}</span>" if view is not None else ""
        if view is None or data_type != view.data_type:
            self.export_result.value = ""
        self._draw_preview()
        self._set_busy(self.runner.busy)

    def _draw_chart_choice(self, data_type: str | None) -> None:
        specs = charts_for(data_type)
        self.chart_panel.layout.display = "" if specs and self.view is not None else "none"
        self.chart_button.layout.display = "none" if data_type in REPORT_TYPES else ""  # a report's chart is drawn at once
        if [s.label for s in specs] != list(self.chart_choice.options):
            self.chart_choice.options = [s.label for s in specs]
            self.chart_choice.value = specs[0].label if specs else None
            self._clear_chart()

    def _clear_chart(self) -> None:
        for old in self.chart_box.children:
            old.close()
        self.chart_box.children, self.figure = [], None

    def _draw_preview(self) -> None:
        frame = self.shown_frame
        self.preview.value = "" if frame is None else preview_html(frame)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames of the page shown (a report: its whole long frame)."""
        return dict(self.view.tables) if self.view is not None else {}

    @property
    def shown_frame(self) -> pd.DataFrame | None:
        """The frame in the preview: the chosen one of the page's frames."""
        return self.view.frame(self.table_choice.value) if self.view is not None else None

    # -- state ---------------------------------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        """As every widget shows errors, with what to do for a type not synced yet or not provided."""
        problem = describe(error, self.backend.secret())
        step = next_step_for(error, self.data_type.value)
        self.problem = dataclasses.replace(problem, next_step=step) if step else problem
        self.feedback.value = self.problem.to_html()

    def _require_view(self) -> View:
        if self.view is None:
            raise ValidationError("Nothing is shown yet: pick a company and a data type first.")
        return self.view

    def _set_busy(self, busy: bool) -> None:
        view = self.view
        self.refresh_button.disabled = busy or self.company_id is None or self.data_type.value is None
        self.previous_button.disabled = busy or view is None or view.page <= 1
        self.next_button.disabled = busy or view is None or view.page >= page_count(view.total)
        self.chart_button.disabled = self.export_button.disabled = busy or view is None
        if not busy and self._stale:  # a choice made while loading: load it now
            self._stale = False
            self._request()

    async def wait(self) -> Any:
        """Until no work runs, including a load started for a choice made meanwhile."""
        result = None
        while self.runner.busy:
            result = await self.runner.wait()
        return result
