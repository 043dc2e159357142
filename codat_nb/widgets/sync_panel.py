"""SyncPanel: queue a sync (all data types or chosen ones), watch it live, then read what it did;
with Codat's Read history beside it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as widgets

from ..charts import SyncProgressChart
from ..client import AsyncClient, Client
from ..errors import SyncFailedError, ValidationError
from ..linking import linked_connections
from ..progress import SyncProgress
from ..reads import READABLE
from ..records import Company, DataStatus, PullOperation
from . import _html
from ._base import LABELS, CodatWidget, button, on_click

#: How long a sync is followed before giving up (the pulls carry on in Codat).
DEFAULT_TIMEOUT = 3600.0
HISTORY_ROWS = 40


# -- logic (no widgets) ----------------------------------------------------------------------------------


def data_type_options(supported: Iterable[str], statuses: Mapping[str, DataStatus]) -> list[tuple[str, str]]:
    """The data types to choose from, those with a pull still running marked as such."""
    options = []
    for data_type in sorted(set(supported)):
        status = statuses.get(data_type)
        running = status is not None and status.current_status is not None and not status.is_terminal
        options.append((f"{data_type} (syncing: {status.current_status})" if running else data_type, data_type))
    return options


def running_types(statuses: Mapping[str, DataStatus]) -> set[str]:
    return {t for t, s in statuses.items() if s.current_status is not None and not s.is_terminal}


@dataclass(frozen=True)
class SummaryRow:
    data_type: str
    status: str | None
    errored: bool
    records: int | None
    duration: Any
    error_message: str | None = None


def summary_rows(
    statuses: Mapping[str, DataStatus], pulls: Mapping[str, PullOperation], counts: Mapping[str, int | None]
) -> list[SummaryRow]:
    """One row per watched data type: its final status, records now readable and the pull's duration."""
    rows = []
    for data_type, status in sorted(statuses.items()):
        pull = pulls.get(status.latest_sync_id or "")
        rows.append(SummaryRow(
            data_type, status.current_status, status.is_errored, counts.get(data_type),
            pull.duration if pull is not None else None, pull.error_message if pull is not None else None,
        ))  # fmt: skip
    return rows


def summary_html(rows: Sequence[SummaryRow]) -> str:
    table = _html.table(
        ("Data type", "Status", "Records", "Duration"),
        (
            (_html.text(r.data_type), _html.status_badge(r.status, r.errored), "—" if r.records is None else f"{r.records:,}", _html.duration(r.duration))
            for r in rows
        ),
        "codat-nb-summary",
    )
    failed = [r for r in rows if r.errored]
    notes = "".join(
        f"<li><b>{_html.text(r.data_type)}</b> ended {_html.text(r.status)}: {_html.text(r.error_message or 'no error message')}</li>"
        for r in failed
    )
    done = sum(1 for r in rows if not r.errored)
    head = f"<h4 style='margin:8px 0 4px'>Sync summary: {done} of {len(rows)} data types ended without error</h4>"
    return head + table + (f"<p style='margin:6px 0 2px'>Failed pulls:</p><ul class='codat-nb-failed'>{notes}</ul>" if failed else "")


def history_html(pulls: Sequence[PullOperation], platforms: Mapping[str, str]) -> str:
    """Codat Portal's Read history: Type (platform below), ID (short), Requested, Time to complete, Status."""
    if not pulls:
        return "<h4 style='margin:4px 0'>Read history</h4><p style='color:#555'>No data has been read yet.</p>"
    rows = []
    for pull in pulls[:HISTORY_ROWS]:
        platform = platforms.get(pull.connection_id, "")
        kind = f"{_html.text(pull.data_type)}<br><small style='color:#666'>{_html.text(platform)}</small>"
        took = _html.duration(pull.duration) if pull.is_terminal else "running…"
        note = f"<br><small style='color:#7a1010'>{_html.text(pull.error_message)}</small>" if pull.error_message else ""
        rows.append((kind, f"<code title='{_html.text(pull.id)}'>{_html.text(pull.id[:8])}</code>", _html.when_html(pull.requested), took,
                     _html.status_badge(pull.status, pull.is_errored) + note))  # fmt: skip
    more = f"<small style='color:#666'>Latest {HISTORY_ROWS} of {len(pulls)}.</small>" if len(pulls) > HISTORY_ROWS else ""
    return "<h4 style='margin:4px 0'>Read history</h4>" + _html.table(("Type", "ID", "Requested", "Time to complete", "Status"), rows, "codat-nb-history") + more


def progress_text(progress: SyncProgress) -> str:
    failed = sum(1 for s in progress.statuses.values() if s is not None and s.is_errored)
    text = f"{len(progress.done)} of {len(progress.statuses)} data types ended ({progress.overall:.0f}%) · poll {progress.polls}"
    return text + (f" · {failed} failed" if failed else "")


# -- the widget -----------------------------------------------------------------------------------------------


class SyncPanel(CodatWidget):
    """The Synchronise step: "Refresh all" or "Refresh selected" data types (only those the linked
    integration supplies; running ones marked), a live sync chart, then a summary (data type,
    status, records, duration, failed pulls with Codat's errorMessage); "Cancel" stops the wait."""

    def __init__(
        self, client: Client | AsyncClient | None = None, company: Company | str | None = None, *, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any
    ) -> None:
        super().__init__(client, **kwargs)
        self.timeout = timeout
        self._company_id: str | None = None
        self.company: Company | None = None
        self.statuses: dict[str, DataStatus] = {}
        self.result: dict[str, DataStatus] | None = None
        #: The latest poll of the running (or last) sync, for code that looks in while it runs.
        self.last_progress: SyncProgress | None = None
        self.rows: list[SummaryRow] = []  # the last sync's summary
        self.pulls: list[PullOperation] = []  # the Read history shown
        self._platforms: dict[str, str] = {}
        self._history_task: asyncio.Task[Any] | None = None
        self._synced: list[Callable[[Company, dict[str, DataStatus]], Any]] = []
        self.title = widgets.HTML("<h3 style='margin:4px 0'>Synchronise</h3>")
        self.refresh_all_button = button("Refresh all", "primary", tooltip="Queue every data type set to fetch on first link")
        self.data_types = widgets.SelectMultiple(description="Data types", rows=8, style=LABELS)
        self.refresh_selected_button = button("Refresh selected")
        self.watch_button = button("Watch sync", tooltip="Follow the pulls already running, queueing nothing")
        self.cancel_button = button("Cancel", "warning", tooltip="Stop waiting (the pulls carry on in Codat)")
        self.chart = SyncProgressChart()
        self.chart_box = widgets.VBox([self.chart.figure], layout=widgets.Layout(display="none"))
        self.progress = widgets.HTML()
        self.summary = widgets.HTML()
        self.history = widgets.HTML(layout=widgets.Layout(min_width="420px"))
        on_click(self.refresh_all_button, lambda: self.run(self.refresh_all))
        on_click(self.refresh_selected_button, lambda: self.run(self.refresh_selected))
        on_click(self.watch_button, lambda: self.run(self.watch))
        on_click(self.cancel_button, self.cancel)
        controls = widgets.VBox([
            widgets.HBox([self.refresh_all_button, self.watch_button, self.cancel_button]),
            widgets.HBox([self.data_types, self.refresh_selected_button]),
            self.progress, self.chart_box, self.summary, self.feedback,
        ], layout=widgets.Layout(flex="1 1 auto"))  # fmt: skip
        self.children = [self.title, widgets.HBox([controls, self.history])]
        self._set_busy(False)
        if company is not None:
            self.show(company)

    # -- loading --------------------------------------------------------------------------------------

    def show(self, company: Company | str) -> Any:
        """Sync this company: load what its integrations supply and its read history."""
        company_id = self.company_id_of(company)
        if company_id is None:
            return None
        self._company_id = company_id
        self.cancel()
        self.summary.value = self.progress.value = ""
        return self.run(self.load)

    async def load(self) -> None:
        company = await self.client.get_company(self._require_company())
        self.company = company
        self.title.value = f"<h3 style='margin:4px 0'>Synchronise {_html.text(company.name)}</h3>"
        self._platforms = {c.id: c.platform_name for c in company.data_connections}
        linked = linked_connections(company)
        supported: set[str] = set()
        for key in {c.integration_key for c in linked if c.integration_key}:
            supported.update((await self.client.get_integration(key)).supported_data_types)
        self.statuses = await self.client.data_status(company.id)
        self.data_types.options = data_type_options(supported, self.statuses)
        await self._refresh_history()
        if not linked:
            self.show_info(f"{company.name} has no Linked connection yet: link it first (LinkPanel), then sync.")

    # -- syncing -------------------------------------------------------------------------------------------

    async def refresh_all(self) -> dict[str, DataStatus]:
        """Queue every fetch-on-first-link data type (Codat skips those still running) and follow them."""
        self._require_linked()
        await self.client.refresh_all(self._require_company())
        return await self._follow(None)

    async def refresh_selected(self, data_types: Iterable[str] | None = None) -> dict[str, DataStatus]:
        """Queue the chosen data types (those still running are followed, not queued again)."""
        chosen = tuple(self.data_types.value if data_types is None else data_types)
        if not chosen:
            raise ValidationError("Choose one or more data types in the list first, or press Refresh all.")
        company_id = self._require_company()
        running = running_types(await self.client.data_status(company_id))
        for data_type in chosen:
            if data_type not in running:
                await self.client.refresh_data_type(company_id, data_type)
        return await self._follow(chosen)

    async def watch(self) -> dict[str, DataStatus]:
        """Follow whatever is queued, queueing nothing."""
        return await self._follow(None)

    async def _follow(self, watched: Sequence[str] | None) -> dict[str, DataStatus]:
        company_id = self._require_company()
        self.summary.value, self.result = "", None
        self.chart = SyncProgressChart(watched or ())
        self.chart_box.children = [self.chart.figure]
        self.chart_box.layout.display = ""
        try:
            statuses = await self.client.wait_for_sync(company_id, watched, timeout=self.timeout, on_progress=self._on_progress)
        except SyncFailedError as failed:
            await self._summarise({**failed.completed, **self._final_statuses(failed.failed)})
            raise
        await self._summarise(statuses)
        self.result = statuses
        for callback in self._synced:
            callback(self.company, statuses)  # type: ignore[arg-type]
        return statuses

    def _final_statuses(self, failed: Mapping[str, Any]) -> dict[str, DataStatus]:
        """SyncFailedError holds pull operations for the failed types; the summary wants statuses."""
        out = {}
        for data_type, item in failed.items():
            if isinstance(item, PullOperation):
                out[data_type] = DataStatus.from_json({"dataType": data_type, "currentStatus": item.status, "latestSyncId": item.id})
            else:
                out[data_type] = item
        return out

    def _on_progress(self, progress: SyncProgress) -> None:
        self.last_progress = progress
        self.chart.update(progress)
        self.progress.value = f"<small>{_html.text(progress_text(progress))}</small>"
        if self._history_task is None or self._history_task.done():  # one history read at a time
            self._history_task = asyncio.ensure_future(self._refresh_history())

    async def _summarise(self, statuses: Mapping[str, DataStatus]) -> None:
        company_id = self._require_company()
        pulls = await self._refresh_history()
        by_id = {p.id: p for p in pulls}
        readable = [t for t, s in statuses.items() if t in READABLE and s.current_status == "Complete"]
        counts = await asyncio.gather(*(self.client.count_records(company_id, t) for t in readable), return_exceptions=True)
        records = {t: (n if isinstance(n, int) else None) for t, n in zip(readable, counts)}
        self.rows = summary_rows(statuses, by_id, records)
        self.summary.value = summary_html(self.rows)
        self.statuses = await self.client.data_status(company_id)
        self.data_types.options = data_type_options([v for _, v in self.data_types.options], self.statuses)

    async def _refresh_history(self) -> list[PullOperation]:
        if self._company_id is None:
            return []
        pulls = await self.client.list_pull_operations(self._company_id, order_by="-requested", page_size=5000)
        self.pulls = pulls
        self.history.value = history_html(pulls, self._platforms)
        return pulls

    # -- state ---------------------------------------------------------------------------------------------

    def on_synced(self, callback: Callable[[Company, dict[str, DataStatus]], Any]) -> None:
        """Call ``callback(company, statuses)`` after each sync that ended without a failure."""
        self._synced.append(callback)

    def _require_company(self) -> str:
        if self._company_id is None:
            raise ValidationError("No company to sync yet: link one first (or pass company= to SyncPanel).")
        return self._company_id

    def _require_linked(self) -> None:
        if self.company is not None and not linked_connections(self.company):
            raise ValidationError(f"{self.company.name} has no Linked connection yet: link it first, then sync.")

    def _set_busy(self, busy: bool) -> None:
        idle_without_company = not busy and self._company_id is None
        for control in (self.refresh_all_button, self.refresh_selected_button, self.watch_button, self.data_types):
            control.disabled = busy or idle_without_company
        self.cancel_button.disabled = not busy
        if not busy and self._history_task is not None and not self._history_task.done():
            self._history_task.cancel()

    def _cancelled(self) -> None:
        self.show_info("Stopped waiting. The pulls carry on in Codat: press Watch sync to follow them again.")

