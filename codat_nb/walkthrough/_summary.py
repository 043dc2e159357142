"""What a sync fetched, one row per data type: status, records, how long Codat took, and why it failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping

from rich.table import Table
from rich.text import Text

from ..client import Client
from ..reads import READABLE
from ..records import DataStatus, PullOperation
from ..timestamps import format_duration as _format_duration

_STYLES = {"Complete": "green", "NotSupported": "dim"}


@dataclass(frozen=True)
class SyncRow:
    data_type: str
    status: str
    records: int | None  # None: not counted (a report, or no complete sync to read)
    duration: timedelta | None  # the pull's requested -> completed, on Codat's clock
    message: str | None = None  # Codat's errorMessage for a failed pull

    @property
    def failed(self) -> bool:
        return self.status not in _STYLES


def sync_rows(
    client: Client, company_id: str, statuses: Mapping[str, DataStatus], failed: Mapping[str, Any] | None = None
) -> list[SyncRow]:
    """One row per data type, sorted by name, for the statuses wait_for_sync returned and the pulls it
    reported as failed (SyncFailedError.failed: a PullOperation each, or a DataStatus without one).

    Costs one paged request for the pull history, plus one per complete, readable type to count its records.
    """
    failed = failed or {}
    pulls = {pull.id: pull for pull in client.list_pull_operations(company_id)}
    rows = []
    for data_type in sorted({*statuses, *failed}):
        if data_type in failed:
            rows.append(_failed_row(data_type, failed[data_type], pulls))
            continue
        status = statuses[data_type]
        pull = pulls.get(status.latest_sync_id or "")
        current = status.current_status or "Unknown"
        records = client.count_records(company_id, data_type) if current == "Complete" and data_type in READABLE else None
        rows.append(SyncRow(data_type, current, records, pull.duration if pull else None))
    return rows


def _failed_row(data_type: str, what: Any, pulls: Mapping[str, PullOperation]) -> SyncRow:
    if isinstance(what, PullOperation):
        return SyncRow(data_type, what.status, None, what.duration, what.error_message or "no error message")
    pull = pulls.get(getattr(what, "latest_sync_id", None) or "")
    status = getattr(what, "current_status", None) or "Unknown"
    return SyncRow(data_type, status, None, pull.duration if pull else None, pull.error_message if pull else None)


def sync_table(rows: list[SyncRow], title: str | None = None) -> Table:
    """The rows as a rich Table; the message column appears only when a pull failed."""
    table = Table(title=title, title_justify="left", header_style="bold")
    # Only the message may wrap: names, statuses and numbers stay whole even in 80 columns (a pipe).
    table.add_column("Data type", no_wrap=True, min_width=max((len(row.data_type) for row in rows), default=9))
    table.add_column("Status", no_wrap=True)
    table.add_column("Records", justify="right", no_wrap=True)
    table.add_column("Duration", justify="right", no_wrap=True)
    messages = any(row.message for row in rows)
    if messages:
        table.add_column("Codat's message", overflow="fold")
    for row in rows:
        # Text, not markup: a message from Codat may hold square brackets.
        cells = [
            Text(row.data_type),
            Text(row.status, style=_STYLES.get(row.status, "bold red")),
            Text("-" if row.records is None else f"{row.records:,}"),
            Text(format_duration(row.duration)),
        ]
        table.add_row(*cells, *([Text(row.message or "")] if messages else []))
    return table


def format_duration(value: timedelta | None) -> str:
    return _format_duration(value, missing="-")
