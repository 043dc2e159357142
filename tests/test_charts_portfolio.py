"""codat_nb.charts.portfolio: checked on fig.data (trace types, values, colours, names), never on pixels.

The summary and freshness frames are built by hand in the shape codat_nb.portfolio gives them, so these
tests do not depend on the Sandbox; the last test draws the real frames of a small onboarded portfolio.
"""

from __future__ import annotations

import asyncio

import pandas as pd
import plotly.graph_objects as go
import pytest

import codat_nb
from codat_nb import ValidationError
from codat_nb import portfolio as pf
from codat_nb.charts import portfolio as charts

GREEN, RED, BLUE, GREY = "#2ca02c", "#d62728", "#1f77b4", "#7f7f7f"


def summary(rows: list[tuple[str, str, str, float, float, float]]) -> pd.DataFrame:
    """rows: company_name, currency, region, revenue, receivables_overdue, dso_days."""
    return pd.DataFrame({
        "company_id": [f"00000000-0000-4000-8000-{i:012d}" for i in range(len(rows))],
        "company_name": [r[0] for r in rows], "currency": [r[1] for r in rows], "region": [r[2] for r in rows],
        "revenue": [r[3] for r in rows], "receivables_overdue": [r[4] for r in rows], "dso_days": [r[5] for r in rows],
        "gross_margin": [0.3 + i / 100 for i in range(len(rows))],
    })  # fmt: skip


SUMMARY = summary([
    ("Beta Ltd", "GBP", "uk", 1_000_000.0, 50_000.0, 40.0), ("Alpha Inc", "USD", "us", 200_000.0, 30_000.0, 55.5),
    ("Gamma Ltd", "GBP", "uk", 500_000.0, 0.0, 12.0), ("Delta Inc", "USD", "us", 300_000.0, 90_000.0, float("nan")),
])  # fmt: skip


def freshness(cells: dict[tuple[str, str], tuple[str, str | None]]) -> pd.DataFrame:
    """cells: (company, data_type) -> (freshness level, current_status)."""
    keys = sorted(cells, key=lambda k: (k[0], k[1]))
    return pd.DataFrame({
        "company_id": [f"id-{k[0]}" for k in keys], "company_name": [k[0] for k in keys], "data_type": [k[1] for k in keys],
        "current_status": pd.array([cells[k][1] for k in keys], dtype="string"),
        "freshness": pd.Categorical([cells[k][0] for k in keys], categories=pf.FRESHNESS, ordered=True),
    })  # fmt: skip


def progress(*companies: tuple[str, str, float]) -> pf.OnboardProgress:
    return pf.OnboardProgress(tuple(pf.CompanyProgress(name, stage, percent) for name, stage, percent in companies))


# -- revenue against overdue ---------------------------------------------------------------------------


def test_revenue_vs_overdue__one_trace_per_currency_and_reference_lines() -> None:
    figure = charts.revenue_vs_overdue_figure(SUMMARY)
    assert isinstance(figure, go.Figure)
    points = [t for t in figure.data if t.mode == "markers"]
    assert [t.name for t in points] == ["GBP", "USD"]
    gbp, usd = points
    assert gbp.x == (1_000_000.0,) and gbp.y == (50_000.0,) and gbp.text == ("Beta Ltd",)  # Gamma owes nothing overdue: not on log axes
    assert usd.x == (200_000.0, 300_000.0) and usd.y == (30_000.0, 90_000.0) and usd.text == ("Alpha Inc", "Delta Inc")
    assert [row[0] for row in usd.customdata] == ["56", "n/a"]
    lines = [t for t in figure.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["5% of revenue overdue", "20% of revenue overdue"]
    assert lines[0].x == (200_000.0, 1_000_000.0) and lines[0].y == (10_000.0, 50_000.0) and lines[1].y == (40_000.0, 200_000.0)
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    assert [a.text for a in figure.layout.annotations] == ["1 company with nothing overdue or no revenue not shown (log axes)"]


def test_revenue_vs_overdue__linear_axes_show_every_company_coloured_by_a_tag() -> None:
    figure = charts.revenue_vs_overdue_figure(SUMMARY, color="region", log_axes=False, shares=())
    assert [t.name for t in figure.data] == ["uk", "us"]
    assert figure.data[0].text == ("Beta Ltd", "Gamma Ltd") and figure.data[0].y == (50_000.0, 0.0)
    assert figure.layout.xaxis.type == "linear" and not figure.layout.annotations


def test_revenue_vs_overdue__refuses_a_frame_without_the_columns_and_draws_an_empty_one() -> None:
    with pytest.raises(ValidationError, match="needs a portfolio summary with the columns .* lacks receivables_overdue"):
        charts.revenue_vs_overdue_figure(SUMMARY.drop(columns="receivables_overdue"))
    with pytest.raises(ValidationError, match=r"shares are fractions of revenue such as \(0.05, 0.2\)"):
        charts.revenue_vs_overdue_figure(SUMMARY, shares=(5.0, -1.0))
    empty = charts.revenue_vs_overdue_figure(SUMMARY.iloc[0:0])
    assert not empty.data and "No company has revenue" in empty.layout.annotations[0].text


# -- a metric per company ------------------------------------------------------------------------------


def test_portfolio_metric__bars_sorted_largest_first_coloured_by_group() -> None:
    figure = charts.portfolio_metric_figure(SUMMARY, "dso_days", color="region")
    assert [t.name for t in figure.data] == ["uk", "us"]
    assert figure.data[0].y == ("Beta Ltd", "Gamma Ltd") and figure.data[0].x == (40.0, 12.0)
    assert figure.data[1].y == ("Alpha Inc",)  # Delta has no DSO
    assert list(figure.layout.yaxis.categoryarray) == ["Gamma Ltd", "Beta Ltd", "Alpha Inc"]  # largest at the top
    assert figure.layout.title.text == "Days sales outstanding (days) by company"
    margin = charts.portfolio_metric_figure(SUMMARY, "gross_margin", color="currency")
    assert margin.layout.xaxis.tickformat == ".0%" and margin.data[0].texttemplate == "%{x:.1%}"


def test_portfolio_metric__an_unknown_metric_lists_the_numeric_columns() -> None:
    known = "revenue, receivables_overdue, dso_days, gross_margin"
    with pytest.raises(ValidationError, match=f"metric must be a numeric column of the summary, one of {known}; got 'ebitda'"):
        charts.portfolio_metric_figure(SUMMARY, "ebitda")


# -- freshness heatmap ---------------------------------------------------------------------------------


def test_freshness_heatmap__cells_coloured_by_level_with_a_named_colour_bar() -> None:
    frame = freshness({
        ("Alpha", "bills"): ("Failed", "FetchError"), ("Alpha", "invoices"): ("< 1 hour", "Complete"),
        ("Beta", "bills"): ("1-7 days", "Complete"), ("Beta", "invoices"): ("> 7 days", "Complete"),
        ("Beta", "payments"): ("Never synced", None),
    })  # fmt: skip
    figure = charts.freshness_heatmap_figure(frame)
    (heat,) = figure.data
    assert heat.type == "heatmap" and heat.x == ("Alpha", "Beta") and heat.y == ("bills", "invoices", "payments")
    index = list(pf.FRESHNESS).index
    expected = [[index("Failed"), index("1-7 days")], [index("< 1 hour"), index("> 7 days")], [index("Never synced")] * 2]
    assert [list(row) for row in heat.z] == expected
    assert heat.customdata[0][0] == ["Failed", "FetchError"] and heat.customdata[2][0] == ["Never synced", "never queued"]
    assert list(heat.colorbar.ticktext) == list(pf.FRESHNESS) and list(heat.colorbar.tickvals) == list(range(len(pf.FRESHNESS)))
    assert (heat.zmin, heat.zmax) == (-0.5, len(pf.FRESHNESS) - 0.5)
    colours = [heat.colorscale[2 * i][1] for i in range(len(pf.FRESHNESS))]
    assert colours == [charts.FRESHNESS_COLORS[level] for level in pf.FRESHNESS]
    assert charts.FRESHNESS_COLORS["Failed"] == RED and charts.FRESHNESS_COLORS["Syncing"] == BLUE
    assert figure.layout.title.text == "Data freshness: 3 data types x 2 companies (1 failed, 1 > 7 days)"


def test_freshness_heatmap__has_a_colour_for_every_level_of_the_portfolio_module() -> None:
    assert tuple(charts.FRESHNESS_COLORS) == pf.FRESHNESS


def test_freshness_heatmap__refuses_unknown_levels_and_missing_columns() -> None:
    frame = freshness({("A", "invoices"): ("< 1 hour", "Complete")})
    frame["freshness"] = ["stale"]
    with pytest.raises(ValidationError, match="unknown freshness level\\(s\\) stale; the levels are < 1 hour"):
        charts.freshness_heatmap_figure(frame)
    with pytest.raises(ValidationError, match="lacks freshness"):
        charts.freshness_heatmap_figure(frame.drop(columns="freshness"))
    assert "No companies yet" in charts.freshness_heatmap_figure(frame.iloc[0:0]).layout.annotations[0].text


# -- onboarding progress -------------------------------------------------------------------------------


def test_onboard_progress__one_bar_per_company_in_fixed_stage_traces() -> None:
    figure = charts.onboard_progress_figure(progress(("A", "Synced", 100.0), ("B", "Syncing", 52.5), ("C", "Created", 5.0), ("D", "Failed", 100.0)))
    assert [t.name for t in figure.data] == list(charts.ONBOARD_GROUPS) == ["Waiting", "Setting up", "Syncing", "Synced", "Failed"]
    by_name = {t.name: t for t in figure.data}
    assert by_name["Synced"].y == ("A",) and by_name["Synced"].x == (100.0,) and by_name["Synced"].marker.color == GREEN
    assert by_name["Syncing"].x == (52.5,) and by_name["Setting up"].customdata == ("Created",)
    assert by_name["Failed"].marker.color == RED and not by_name["Waiting"].showlegend
    assert list(figure.layout.yaxis.categoryarray) == ["D", "C", "B", "A"]
    assert figure.layout.title.text == "Onboarding: 1 of 4 companies synced (64%), 1 failed"


def test_onboard_progress_chart__redraws_in_place_at_most_every_interval_and_always_at_the_end() -> None:
    chart = charts.OnboardProgressChart(min_interval=3600)
    traces = list(chart.figure.data)
    chart.update(progress(("A", "Waiting", 0.0), ("B", "Waiting", 0.0)))
    assert chart.figure.layout.title.text == "Onboarding: 0 of 2 companies synced (0%)"
    chart.update(progress(("A", "Syncing", 50.0), ("B", "Waiting", 0.0)))  # within the interval: remembered, not drawn
    assert chart.figure.layout.title.text == "Onboarding: 0 of 2 companies synced (0%)" and chart.last.overall == 25
    chart.update(progress(("A", "Synced", 100.0), ("B", "Synced", 100.0)))  # finished: drawn
    assert chart.figure.layout.title.text == "Onboarding: 2 of 2 companies synced (100%)"
    assert list(chart.figure.data) == traces and chart.figure.data[3].y == ("A", "B")
    assert repr(chart) == "OnboardProgressChart(3 reports, last OnboardProgress(2/2 companies done, 100%))"
    with pytest.raises(ValidationError, match="takes an OnboardProgress; got str"):
        charts.onboard_progress_figure("50%")
    with pytest.raises(ValidationError, match="min_interval must be a number of seconds >= 0"):
        charts.OnboardProgressChart(min_interval=-1)


# -- the real frames -----------------------------------------------------------------------------------


def test_charts__draw_the_frames_of_a_real_portfolio() -> None:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    client = sandbox.async_client()
    reports: list[pf.OnboardProgress] = []

    async def go() -> tuple[pd.DataFrame, pd.DataFrame]:
        onboarded = await pf.onboard(client, pf.sample_specs(3, name_prefix="Chart"), on_progress=reports.append)
        books = await pf.read_portfolio(client, onboarded, data_types=pf.METRIC_DATA_TYPES)
        return pf.summary_frame(books), pf.freshness_frame(books)

    frame, fresh = asyncio.run(go())
    scatter = charts.revenue_vs_overdue_figure(frame)
    assert sorted(t.name for t in scatter.data if t.mode == "markers") == ["GBP", "USD"]
    assert sum(len(t.x) for t in scatter.data if t.mode == "markers") == 3
    heat = charts.freshness_heatmap_figure(fresh).data[0]
    assert heat.x == ("Chart Outfitters 02", "Chart Studio 01", "Chart Wholesale 03") and len(heat.y) == 17
    assert {v for row in heat.z for v in row} == {0}  # all synced under an hour before the latest sync
    final = charts.onboard_progress_figure(reports[-1])
    assert final.data[3].name == "Synced" and len(final.data[3].y) == 3
    asyncio.run(client.aclose())
    sandbox.close()
