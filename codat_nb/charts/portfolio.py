"""Portfolio charts across companies: onboarding progress (static or live), revenue vs overdue, a metric per company, data freshness."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ValidationError
from ._common import BLUE, GREEN, GREY, RED, empty_figure, layout, numbers, require_frame

_SUMMARY_HINT = "Pass codat_nb.portfolio.summary_frame(books)."
_FRESHNESS_HINT = "Pass codat_nb.portfolio.freshness_frame(await fetch_statuses(client, companies))."
_PROGRESS_HINT = "Pass the OnboardProgress that codat_nb.portfolio.onboard gives on_progress."

#: Onboarding stages drawn together, in legend order, and their colours.
ONBOARD_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "Waiting": ("Waiting",), "Setting up": ("Created", "Connected", "Linked"), "Syncing": ("Syncing",),
    "Synced": ("Synced",), "Failed": ("Failed",),
})  # fmt: skip
ONBOARD_COLORS: Mapping[str, str] = MappingProxyType({
    "Waiting": "#d9d9d9", "Setting up": "#ffa600", "Syncing": BLUE, "Synced": GREEN, "Failed": RED,
})  # fmt: skip
_GROUP_OF_STAGE = {stage: group for group, stages in ONBOARD_GROUPS.items() for stage in stages}

#: One colour per freshness level of codat_nb.portfolio.FRESHNESS: greens to red as data ages, then the statuses.
FRESHNESS_COLORS: Mapping[str, str] = MappingProxyType({
    "< 1 hour": "#1a9850", "1-24 hours": "#91cf60", "1-7 days": "#fee08b", "> 7 days": "#fc8d59",
    "Syncing": BLUE, "Failed": RED, "Not supported": GREY, "Never synced": "#eeeeee",
})  # fmt: skip

#: What each summary column means on an axis.
METRIC_LABELS: Mapping[str, str] = MappingProxyType({
    "revenue": "Revenue, trailing 12 months", "receivables_overdue": "Receivables overdue", "receivables": "Receivables",
    "dso_days": "Days sales outstanding (days)", "gross_margin": "Gross margin", "net_profit": "Net profit, trailing 12 months",
    "cash": "Cash at bank", "overdue_share": "Share of receivables overdue",
})  # fmt: skip
_RATIOS = ("gross_margin", "overdue_share")


# -- onboarding progress -------------------------------------------------------------------------------


def onboard_progress_figure(progress: Any) -> go.Figure:
    """One horizontal bar per company: how far its onboarding has got (percent), coloured by stage.

    Args:
        progress: an :class:`codat_nb.portfolio.OnboardProgress` (what ``onboard`` passes to ``on_progress``).

    Returns:
        A figure with one bar trace per stage group of :data:`ONBOARD_GROUPS`, always in that order,
        titled with the companies done and the overall percent.
    """
    traces, updates = _progress_parts(progress, "onboard_progress_figure")
    return go.Figure(data=[go.Bar(**trace) for trace in traces], layout=updates)


class OnboardProgressChart:
    """A live :func:`onboard_progress_figure`: pass ``on_progress=chart.update`` to ``onboard``.

    ``figure`` is a plotly FigureWidget whose traces change in place. onboard reports every step
    of every company (hundreds of times for a large portfolio), so the chart redraws at most every
    ``min_interval`` seconds, and always for the last report.
    """

    def __init__(self, min_interval: float = 0.25) -> None:
        if isinstance(min_interval, bool) or not isinstance(min_interval, (int, float)) or min_interval < 0:
            raise ValidationError(f"min_interval must be a number of seconds >= 0; got {min_interval!r}.")
        traces, updates = _progress_parts(None, "OnboardProgressChart")
        self.figure = go.FigureWidget(data=[go.Bar(**trace) for trace in traces], layout=updates)
        self.min_interval = float(min_interval)
        self.reports = 0
        self.last: Any = None
        self._drawn = float("-inf")

    def update(self, progress: Any) -> None:
        """onboard's ``on_progress`` callback: remember the report, redraw when it is time."""
        self.reports += 1
        self.last = progress
        now = time.monotonic()
        if getattr(progress, "finished", False) or now - self._drawn >= self.min_interval:
            self._drawn = now
            self.draw(progress)

    def draw(self, progress: Any) -> None:
        traces, updates = _progress_parts(progress, "OnboardProgressChart.draw")
        with self.figure.batch_update():
            for widget_trace, trace in zip(self.figure.data, traces):
                widget_trace.update(trace)
            changed = {key: updates[key] for key in ("title", "height", "yaxis")}  # not the template: a large message per redraw
            self.figure.update_layout(changed, annotations=updates.get("annotations", ()), overwrite=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.figure._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"OnboardProgressChart({self.reports} reports, last {self.last!r})"


def _progress_parts(progress: Any, caller: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    companies = [] if progress is None else getattr(progress, "companies", None)
    if companies is None or isinstance(companies, (str, bytes)):
        raise ValidationError(f"{caller} takes an OnboardProgress; got {type(progress).__name__}. {_PROGRESS_HINT}")
    names = [str(c.name) for c in companies]
    traces = []
    for group, color in ONBOARD_COLORS.items():
        mine = [c for c in companies if _GROUP_OF_STAGE.get(c.stage, "Setting up") == group]
        traces.append({
            "name": group, "orientation": "h", "x": [round(float(c.percent), 1) for c in mine], "y": [str(c.name) for c in mine],
            "marker": {"color": color}, "customdata": [c.stage for c in mine], "showlegend": bool(mine),
            "hovertemplate": "%{y}: %{customdata} (%{x:.0f}%)<extra></extra>",
        })  # fmt: skip
    updates = layout(
        _progress_title(companies), barmode="stack", height=max(260, 110 + 22 * len(names)),
        xaxis={"range": [0, 100], "ticksuffix": "%", "title": {"text": "Onboarding done"}},
        yaxis={"categoryorder": "array", "categoryarray": names[::-1], "title": {"text": None}},
    )  # fmt: skip
    if not names:
        updates["annotations"] = [{"text": "No companies yet", "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False}]
    return traces, updates


def _progress_title(companies: list[Any]) -> str:
    if not companies:
        return "Onboarding"
    synced = sum(c.stage == "Synced" for c in companies)
    failed = sum(c.stage == "Failed" for c in companies)
    overall = sum(float(c.percent) for c in companies) / len(companies)
    return f"Onboarding: {synced} of {len(companies)} companies synced ({overall:.0f}%)" + (f", {failed} failed" if failed else "")


# -- across companies ----------------------------------------------------------------------------------


def revenue_vs_overdue_figure(
    summary: pd.DataFrame, *, color: str = "currency", log_axes: bool = True, shares: tuple[float, ...] = (0.05, 0.2)
) -> go.Figure:
    """Each company as a point: revenue (x) against receivables overdue (y), one colour per ``color`` value.

    Amounts are in each company's own base currency (``currency``), so colouring by currency
    (the default) keeps GBP and USD apart. Dotted lines mark overdue receivables of ``shares`` of
    revenue (5% and 20%): points above a line owe more than that share of a year's sales.

    Args:
        summary: :func:`codat_nb.portfolio.summary_frame`'s frame (``company_name``, ``revenue``,
            ``receivables_overdue``, ``currency``, ``dso_days`` and the ``color`` column).
        color: the column that picks each point's trace (``currency``, ``region``, ``segment``...).
        log_axes: logarithmic axes (the default), for portfolios of very different sizes; a
            company with nothing overdue cannot sit on them, and an annotation says how many.
        shares: the reference lines; ``()`` for none.

    Raises:
        ValidationError: a needed column is missing, or a share is not between 0 and 10.
    """
    caller = "revenue_vs_overdue_figure"
    columns = ["company_name", "revenue", "receivables_overdue", "dso_days", color]
    require_frame(summary, columns, caller=caller, what="a portfolio summary", hint=_SUMMARY_HINT)
    if any(isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 < s <= 10 for s in shares):
        raise ValidationError(f"{caller}: shares are fractions of revenue such as (0.05, 0.2); got {shares!r}.")
    title = "Revenue against overdue receivables"
    revenue, overdue = numbers(summary, "revenue", caller), numbers(summary, "receivables_overdue", caller)
    drawable = (revenue > 0) & (overdue > 0) if log_axes else revenue.notna() & overdue.notna()
    if summary.empty or not drawable.any():
        return empty_figure(title, "No company has revenue and overdue receivables to show")
    figure = go.Figure(layout=layout(title, hovermode="closest"))
    groups = summary[color].astype("string").fillna("(none)")
    for value in sorted(groups[drawable].unique()):
        mine = (drawable & (groups == value)).to_numpy(dtype=bool)
        rows = summary[mine]
        figure.add_trace(go.Scatter(
            name=str(value), mode="markers", x=revenue[mine].round(2).tolist(), y=overdue[mine].round(2).tolist(),
            text=rows["company_name"].astype(str).tolist(), marker={"size": 11, "line": {"width": 1, "color": "#ffffff"}},
            customdata=[[_text(d, "{:.0f}")] for d in numbers(rows, "dso_days", caller)],
            hovertemplate="%{text}<br>Revenue %{x:,.0f}<br>Overdue %{y:,.0f}<br>DSO %{customdata[0]} days<extra>" + str(value) + "</extra>",
        ))  # fmt: skip
    low, high = float(revenue[drawable].min()), float(revenue[drawable].max())
    for share in shares:
        figure.add_trace(go.Scatter(
            name=f"{share:.0%} of revenue overdue", mode="lines", x=[low, high], y=[round(low * share, 2), round(high * share, 2)],
            line={"dash": "dot", "width": 1, "color": GREY}, hoverinfo="skip",
        ))  # fmt: skip
    # Log axes label the powers of ten (100k, 1M) and mark 2 and 5 between them; linear ones read 200k, 400k, ...
    ticks = {"type": "log", "exponentformat": "SI", "dtick": "D2"} if log_axes else {"type": "linear", "tickformat": "~s"}
    figure.update_xaxes(title_text="Revenue, trailing 12 months (base currency)", **ticks)
    figure.update_yaxes(title_text="Receivables overdue (base currency)", **ticks)
    hidden = int((~drawable).sum())
    if hidden:
        figure.add_annotation(text=f"{hidden} compan{'y' if hidden == 1 else 'ies'} with nothing overdue or no revenue not shown (log axes)",
                              x=0, y=-0.18, xref="paper", yref="paper", showarrow=False, xanchor="left", font={"color": GREY})  # fmt: skip
    return figure


def portfolio_metric_figure(summary: pd.DataFrame, metric: str = "dso_days", *, color: str = "region") -> go.Figure:
    """One bar per company for one summary metric, largest at the top, coloured by ``color`` (a tag, currency...).

    Raises:
        ValidationError: an unknown metric (the summary's numeric columns are listed) or a missing column.
    """
    caller = "portfolio_metric_figure"
    require_frame(summary, ["company_name", color], caller=caller, what="a portfolio summary", hint=_SUMMARY_HINT)
    if metric not in summary.columns or not pd.api.types.is_numeric_dtype(summary[metric]):
        known = [c for c in summary.columns if pd.api.types.is_numeric_dtype(summary[c])]
        raise ValidationError(f"{caller}: metric must be a numeric column of the summary, one of {', '.join(known)}; got {metric!r}.")
    label = METRIC_LABELS.get(metric, metric)
    values = numbers(summary, metric, caller)
    known = values.notna().to_numpy(dtype=bool)
    if not known.any():
        return empty_figure(f"{label} by company", f"No company has a {metric}")
    rows = summary[known].assign(_value=values[known].round(4)).sort_values(["_value", "company_name"], ascending=[False, True], kind="stable")
    groups = rows[color].astype("string").fillna("(none)")
    figure = go.Figure(layout=layout(f"{label} by company", barmode="overlay", height=max(300, 110 + 22 * len(rows))))
    fmt = ".1%" if metric in _RATIOS else ",.0f"
    for value in sorted(groups.unique()):
        mine = (groups == value).to_numpy(dtype=bool)
        figure.add_trace(go.Bar(
            name=str(value), orientation="h", x=rows["_value"][mine].tolist(), y=rows["company_name"][mine].astype(str).tolist(),
            texttemplate=f"%{{x:{fmt}}}", textposition="outside", textangle=0, cliponaxis=False, hovertemplate=f"%{{y}}: %{{x:{fmt}}}<extra>{value}</extra>",
        ))  # fmt: skip
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=rows["company_name"].astype(str).tolist()[::-1], title_text=None)
    figure.update_xaxes(title_text=label, tickformat=".0%" if metric in _RATIOS else ",.0f")
    return figure


def freshness_heatmap_figure(freshness: pd.DataFrame) -> go.Figure:
    """Data types (rows) x companies (columns), each cell coloured by how fresh that data is.

    The levels are those of :data:`codat_nb.portfolio.FRESHNESS` (age of the last successful sync:
    under an hour, a day, a week, older; or Syncing, Failed, Not supported, Never synced), one
    fixed colour each (:data:`FRESHNESS_COLORS`), named on the colour bar. Ages are not drawn as
    numbers, so the chart reads the same however long after the sync it is drawn within a level.

    Args:
        freshness: :func:`codat_nb.portfolio.freshness_frame`'s frame (``company_name``, ``data_type``,
            ``freshness``, ``current_status``).

    Raises:
        ValidationError: a column is missing, or a freshness level this chart has no colour for.
    """
    caller = "freshness_heatmap_figure"
    columns = ["company_name", "data_type", "freshness", "current_status"]
    require_frame(freshness, columns, caller=caller, what="a freshness frame", hint=_FRESHNESS_HINT)
    if freshness.empty:
        return empty_figure("Data freshness", "No companies yet")
    levels = list(FRESHNESS_COLORS)
    found = set(freshness["freshness"].astype("string").dropna()) - set(levels)
    if found:
        raise ValidationError(
            f"{caller}: unknown freshness level(s) {', '.join(sorted(found))}; the levels are {', '.join(levels)}. {_FRESHNESS_HINT}"
        )
    companies = list(dict.fromkeys(freshness["company_name"].astype(str)))
    types = sorted(set(freshness["data_type"].astype(str)))
    cells = freshness.assign(
        _company=freshness["company_name"].astype(str), _type=freshness["data_type"].astype(str),
        _level=freshness["freshness"].astype("string").fillna("Never synced"),
        _status=freshness["current_status"].astype("string").fillna("never queued"),
    ).drop_duplicates(["_company", "_type"], keep="last").set_index(["_type", "_company"])  # fmt: skip
    full = pd.MultiIndex.from_product([types, companies])
    level = cells["_level"].reindex(full).fillna("Never synced").to_numpy().reshape(len(types), len(companies))
    status = cells["_status"].reindex(full).fillna("never queued").to_numpy().reshape(len(types), len(companies))
    z = np.vectorize(levels.index)(level)
    n = len(levels)
    scale = [step for i, c in enumerate(FRESHNESS_COLORS.values()) for step in ((i / n, c), ((i + 1) / n, c))]
    figure = go.Figure(layout=layout(_freshness_title(level, len(companies), len(types)), height=max(320, 160 + 22 * len(types))))
    figure.add_trace(go.Heatmap(
        x=companies, y=types, z=z.tolist(), zmin=-0.5, zmax=n - 0.5, colorscale=scale, xgap=1, ygap=1,
        customdata=np.dstack([level, status]).tolist(),
        colorbar={"tickvals": list(range(n)), "ticktext": levels, "title": {"text": "Freshness"}, "len": 0.9},
        hovertemplate="%{x}<br>%{y}: %{customdata[0]} (%{customdata[1]})<extra></extra>",
    ))  # fmt: skip
    figure.update_xaxes(type="category", tickangle=-45, title_text=None)
    figure.update_yaxes(type="category", autorange="reversed", title_text=None)
    return figure


def _freshness_title(level: np.ndarray, companies: int, types: int) -> str:
    counts = pd.Series(level.ravel()).value_counts()
    worst = [f"{int(counts[name])} {name.lower()}" for name in ("Failed", "> 7 days") if name in counts]
    return f"Data freshness: {types} data types x {companies} companies" + (f" ({', '.join(worst)})" if worst else "")


def _text(value: float, fmt: str) -> str:
    return fmt.format(value) if value == value else "n/a"
