"""A sync as it runs: a rich progress bar per data type and one overall in a terminal, else a line per data type that ends."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ..progress import SyncProgress

OVERALL = "All data types"


class SyncView:
    """wait_for_sync's ``on_progress``, drawn on ``console``; use it as a context manager around the wait.

    In a terminal the bars redraw in place and vanish at the end (the summary table replaces them).
    Anywhere else (a pipe, a log, CI) redrawing would only leave escape codes, so each data type
    gets one line when it ends, in the order they end.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live = console.is_terminal and not console.is_dumb_terminal
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._ended: set[str] = set()

    def __enter__(self) -> SyncView:
        if self._live:
            self._progress = Progress(
                TextColumn("  {task.description:<20}"),
                BarColumn(bar_width=32),
                TaskProgressColumn(),
                TextColumn("{task.fields[status]:<18}"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._tasks[OVERALL] = self._progress.add_task(OVERALL, total=100, status="")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __call__(self, progress: SyncProgress) -> None:
        if self._progress is not None:
            self._draw(self._progress, progress)
        else:
            self._write_ended(progress)

    def _draw(self, bars: Progress, progress: SyncProgress) -> None:
        for data_type, status in progress.statuses.items():
            if data_type not in self._tasks:
                self._tasks[data_type] = bars.add_task(data_type, total=100, status="")
            shown = status.current_status if status is not None and status.current_status else "not queued"
            bars.update(self._tasks[data_type], completed=progress.percent(data_type), status=shown)
        done = f"{len(progress.done)}/{len(progress.statuses)} done"
        bars.update(self._tasks[OVERALL], completed=progress.overall, status=done)
        if not bars.live.is_started:  # started once the first poll's bars exist: one frame, not one per bar
            bars.start()

    def _write_ended(self, progress: SyncProgress) -> None:
        if progress.polls == 1:
            self._console.print(f"  Syncing {len(progress.statuses)} data types; a line as each one ends:")
        total = len(progress.statuses)
        for data_type in progress.done:
            if data_type not in self._ended:
                self._ended.add(data_type)
                status = progress.statuses[data_type]
                current = status.current_status if status is not None else ""
                self._console.print(f"  {data_type:<20} {current:<18} {len(self._ended):>2}/{total}")
