"""Sync charts: progress bars per data type (static or live) and the pull-operation timeline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ValidationError
from ..progress import SyncProgress
from ._common import (
    CANCELLED, COMPLETE, FAILED, GROUP_COLORS, NOT_QUEUED, NOT_SUPPORTED, RED, empty_figure, layout, require_frame, status_group,
    status_percent, utc_times,
)  # fmt: skip

_PROGRESS_HINT = (
    "Pass frames.data_status_frame(client.data_status(company_id)), frames.pull_operations_frame(...), "
    "or sync_progress_frame(progress) for a SyncProgress."
)
_ENDED = (COMPLETE, FAILED, NOT_SUPPORTED, CANCELLED)
_LIVE_LAYOUT_KEYS = ("title", "height", "xaxis", "yaxis")
_TIMELINE_HINT = "Pass frames.pull_operations_frame(client.list_pull_operations(company_id))."


def sync_progress_frame(progress: SyncProgress) -> pd.DataFrame:
    """One wait_for_sync poll as a data-status frame, so the live chart draws what the static one does.

    Args:
        progress: what wait_for_sync passes to ``on_progress``.

    Returns:
        Columns ``data_type``, ``current_status`` (<NA> if not queued yet), ``progress`` (0-100,
        as ``progress.percent`` counts it), ``last_successful_sync`` and ``latest_sync_id``.
    """
    statuses = getattr(progress, "statuses", None)
    if not hasattr(statuses, "items") or not callable(getattr(progress, "percent", None)):
        raise ValidationError(
            f"sync_progress_frame takes the SyncProgress that wait_for_sync passes to on_progress; got {type(progress).__name__}."
        )
    rows = []
    for data_type, status in statuses.items():
        rows.append({
            "data_type": data_type,
            "current_status": getattr(status, "current_status", None),
            "progress": progress.percent(data_type),
            "last_successful_sync": getattr(status, "last_successful_sync", None),
            "latest_sync_id": getattr(status, "latest_sync_id", None),
        })  # fmt: skip
    return pd.DataFrame({
        "data_type": pd.array([row["data_type"] for row in rows], dtype="string"),
        "current_status": pd.array([row["current_status"] for row in rows], dtype="string"),
        "progress": pd.array([row["progress"] for row in rows], dtype="Int64"),
        "last_successful_sync": pd.to_datetime([row["last_successful_sync"] for row in rows], utc=True),
        "latest_sync_id": pd.array([row["latest_sync_id"] for row in rows], dtype="string"),
    })  # fmt: skip


def sync_progress_figure(frame: pd.DataFrame) -> go.Figure:
    """One horizontal bar per data type: how far its sync has got (percent), coloured by status.

    Args:
        frame: a data-status frame (``data_type``, ``current_status``), a pull-operations frame
            (``data_type``, ``status``, ``progress``; the latest pull of each type counts), or
            :func:`sync_progress_frame`'s.

    Returns:
        A figure with one bar trace per status group (Complete, In progress, Queued, Failed, ...),
        always in the same order, so a live chart can update them in place.

    Raises:
        ValidationError: not a DataFrame, or no ``data_type``/status column.
    """
    traces, updates = _progress_parts(frame, "sync_progress_figure")
    return go.Figure(data=[go.Bar(**trace) for trace in traces], layout=updates)


class SyncProgressChart:
    """A live sync_progress_figure: pass ``on_progress=chart.update`` to wait_for_sync.

    ``figure`` is a plotly FigureWidget (needs anywidget) whose traces are updated in place, so
    the chart in the notebook moves instead of being drawn again after every poll.

    Example:
        >>> chart = SyncProgressChart()
        >>> chart.figure                                    # show it, then
        >>> client.wait_for_sync(company.id, on_progress=chart.update)
    """

    def __init__(self, data_types: Iterable[str] = ()) -> None:
        names = [data_types] if isinstance(data_types, str) else list(data_types)
        start = pd.DataFrame({"data_type": pd.array(names, dtype="string"), "current_status": pd.array([None] * len(names), dtype="string")})
        traces, updates = _progress_parts(start, "SyncProgressChart", empty="Waiting for the first poll")
        self.figure = go.FigureWidget(data=[go.Bar(**trace) for trace in traces], layout=updates)
        self.polls = 0

    def update(self, progress: SyncProgress) -> None:
        """Redraw from one poll (wait_for_sync's ``on_progress`` callback)."""
        self.update_frame(sync_progress_frame(progress))
        self.polls = getattr(progress, "polls", self.polls + 1)

    def update_frame(self, frame: pd.DataFrame) -> None:
        """Redraw from a data-status frame, changing the existing traces in one batch."""
        traces, updates = _progress_parts(frame, "SyncProgressChart.update_frame")
        with self.figure.batch_update():
            for widget_trace, trace in zip(self.figure.data, traces):
                widget_trace.update(trace)
            # Only what a poll changes: sending the template again would cost a large message per poll.
            changed = {key: updates[key] for key in _LIVE_LAYOUT_KEYS if key in updates}
            self.figure.update_layout(changed, annotations=updates.get("annotations", ()), overwrite=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.figure._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"SyncProgressChart({len(self._data_types())} data types, {self.polls} polls)"

    def _data_types(self) -> tuple[str, ...]:
        return tuple(self.figure.layout.yaxis.categoryarray or ())


def _progress_parts(
    frame: pd.DataFrame, caller: str, empty: str = "No data types queued yet"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The traces (one per status group, fixed order) and layout of a progress chart."""
    rows = _latest_per_type(frame, caller)
    traces = []
    for group, color in GROUP_COLORS.items():
        mine = rows[rows["group"] == group]
        traces.append({
            "name": group, "orientation": "h", "x": mine["percent"].tolist(), "y": mine["data_type"].tolist(),
            "marker": {"color": color}, "customdata": mine["status"].tolist(), "showlegend": not mine.empty,
            "text": [f"{s} {p}%" for s, p in zip(mine["status"], mine["percent"])], "textposition": "auto",
            "hovertemplate": "%{y}: %{customdata} (%{x}%)<extra></extra>",
        })  # fmt: skip
    title = _progress_title(rows)
    updates = layout(
        title, barmode="stack", height=max(260, 110 + 24 * len(rows)),
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0, "traceorder": "normal"},
        xaxis={"range": [0, 100], "ticksuffix": "%", "title": {"text": "Progress"}},
        yaxis={"categoryorder": "array", "categoryarray": rows["data_type"].tolist()[::-1], "title": {"text": None}},
    )  # fmt: skip
    if rows.empty:
        updates["annotations"] = [{"text": empty, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False}]
    return traces, updates


def _progress_title(rows: pd.DataFrame) -> str:
    """How many data types have ended (a failed pull has ended too), and the share done as SyncProgress counts it."""
    if rows.empty:
        return "Sync progress"
    ended = rows["group"].isin(_ENDED).to_numpy()
    overall = float(np.where(ended, 100, rows["percent"]).mean())
    failed = int((rows["group"] == FAILED).sum())
    return f"Sync progress: {int(ended.sum())} of {len(rows)} data types ended ({overall:.0f}%)" + (f", {failed} failed" if failed else "")


def _latest_per_type(frame: pd.DataFrame, caller: str) -> pd.DataFrame:
    """data_type, status, percent and group per data type, sorted by name (stable, whatever the input order)."""
    require_frame(frame, ["data_type"], caller=caller, what="a data-status frame", hint=_PROGRESS_HINT)
    column = "current_status" if "current_status" in frame.columns else "status" if "status" in frame.columns else None
    if column is None:
        require_frame(frame, ["data_type", "current_status"], caller=caller, what="a data-status frame", hint=_PROGRESS_HINT)
    rows = pd.DataFrame({"data_type": frame["data_type"].astype("string"), "status": frame[column].astype("object")})
    rows["percent"] = [status_percent(s) for s in rows["status"]]
    if "progress" in frame.columns:  # a pull's own progress is better than the stage estimate
        given = pd.to_numeric(frame["progress"], errors="coerce").astype("float64")
        rows["percent"] = [int(g) if g == g else p for g, p in zip(given, rows["percent"])]
    if "requested" in frame.columns:  # pull history: keep each type's latest pull
        rows["requested"] = utc_times(frame, "requested", caller)
        rows = rows.sort_values("requested", kind="stable").drop_duplicates("data_type", keep="last")
    rows = rows.dropna(subset=["data_type"]).drop_duplicates("data_type", keep="last").sort_values("data_type", kind="stable")
    rows["status"] = [None if status_group(s) == NOT_QUEUED else str(s) for s in rows["status"]]
    rows["group"] = [status_group(s) for s in rows["status"]]
    rows["status"] = rows["status"].fillna(NOT_QUEUED)
    return rows.reset_index(drop=True)


def pull_timeline_figure(frame: pd.DataFrame) -> go.Figure:
    """When each pull was requested and when it ended, one row per data type, errors marked with a red x.

    A pull still running is drawn up to the latest time in the frame (never the clock), so
    a stored notebook draws the same chart again.

    Args:
        frame: a pull-operations frame: ``data_type``, ``status``, ``requested``, and usually
            ``completed``, ``is_errored``, ``error_message``.

    Raises:
        ValidationError: not a DataFrame or a needed column missing.
    """
    caller = "pull_timeline_figure"
    require_frame(frame, ["data_type", "status", "requested"], caller=caller, what="a pull-operations frame", hint=_TIMELINE_HINT)
    if frame.empty:
        return empty_figure("Pull operations", "No pull operations yet")
    pulls = _timeline_rows(frame, caller)
    figure = go.Figure(layout=layout(_timeline_title(pulls), barmode="overlay", height=max(280, 110 + 24 * pulls["data_type"].nunique())))
    for group, color in GROUP_COLORS.items():
        mine = pulls[pulls["group"] == group]
        if not mine.empty:
            figure.add_trace(_timeline_bars(mine, group, color))
    failed = pulls[pulls["failed"]]
    if not failed.empty:
        figure.add_trace(go.Scatter(
            name="Errors", mode="markers", x=failed["end_text"].tolist(), y=failed["data_type"].tolist(),
            marker={"symbol": "x", "size": 12, "color": RED, "line": {"width": 1, "color": "#7f0000"}},
            customdata=failed[["status", "message"]].to_numpy().tolist(),
            hovertemplate="%{y}: %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        ))  # fmt: skip
    names = sorted(pulls["data_type"].unique())
    figure.update_xaxes(type="date", title_text="Time (UTC)")
    figure.update_yaxes(categoryorder="array", categoryarray=names[::-1], title_text=None)
    return figure


def _timeline_rows(frame: pd.DataFrame, caller: str) -> pd.DataFrame:
    start = utc_times(frame, "requested", caller)
    end = utc_times(frame, "completed", caller) if "completed" in frame.columns else pd.Series(pd.NaT, index=frame.index)
    latest = max(start.max(), end.max()) if end.notna().any() else start.max()
    status = frame["status"].astype("object").where(frame["status"].notna(), None)
    pulls = pd.DataFrame({"data_type": frame["data_type"].astype("string"), "status": status, "start": start, "end": end.fillna(latest)})
    pulls["running"] = end.isna().to_numpy()
    pulls["group"] = [status_group(s) for s in pulls["status"]]
    errored = frame["is_errored"].fillna(False).astype(bool) if "is_errored" in frame.columns else False
    pulls["failed"] = (pulls["group"] == FAILED) | errored
    pulls.loc[pulls["failed"], "group"] = FAILED
    message = frame["error_message"].astype("object") if "error_message" in frame.columns else pd.Series(None, index=frame.index)
    pulls["message"] = [m if isinstance(m, str) and m else "no error message" for m in message]
    pulls["end_text"] = pulls["end"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    return pulls.dropna(subset=["data_type", "start"]).sort_values(["data_type", "start"], kind="stable").reset_index(drop=True)


def _timeline_bars(rows: pd.DataFrame, group: str, color: str) -> go.Bar:
    """Bars on a date axis: ``base`` is when the pull was requested and ``x`` its duration in ms."""
    seconds = (rows["end"] - rows["start"]).dt.total_seconds().round(3)
    state = ["running" if running else "ended" for running in rows["running"]]
    return go.Bar(
        name=group, orientation="h", y=rows["data_type"].tolist(), marker={"color": color},
        base=rows["start"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3].tolist(), x=(seconds * 1000).round().astype(int).tolist(),
        customdata=[[s, d, r] for s, d, r in zip(rows["status"], seconds, state)],
        hovertemplate="%{y}: %{customdata[0]}, %{customdata[1]} s (%{customdata[2]})<extra></extra>",
    )  # fmt: skip


def _timeline_title(pulls: pd.DataFrame) -> str:
    failed = int(pulls["failed"].sum())
    running = int(pulls["running"].sum())
    parts = [f"{len(pulls)} pulls of {pulls['data_type'].nunique()} data types"]
    if failed:
        parts.append(f"{failed} failed")
    if running:
        parts.append(f"{running} running")
    return "Pull operations: " + ", ".join(parts)
