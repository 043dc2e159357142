"""notebooks/02_explore.ipynb in a real JupyterLab (loopback server, Debian's Chromium), with every
request off the loopback blocked: the charts saved in the notebook draw when it is reopened, and
running it draws the live sync chart (a FigureWidget) as well."""

from __future__ import annotations

import shutil
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page

from ._jupyterlab import chromium, error_outputs, jupyterlab, notebook_url, run_all
from .test_notebook_explore_export import EXPLORE, stored_chart_titles

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server on a copy of the notebook; yields its base URL."""
    root = tmp_path_factory.mktemp("lab_root")
    shutil.copy(EXPLORE, root / EXPLORE.name)
    with jupyterlab(root, tmp_path_factory.mktemp("lab_state")) as url:
        yield url


@pytest.fixture
def page(lab: str) -> Iterator[tuple[Page, list[str]]]:
    """Chromium on the notebook; requests that leave the loopback server are aborted and recorded."""
    with chromium(lab, TIMEOUT_MS) as (context, blocked):
        opened = context.new_page()
        opened.goto(notebook_url(lab, EXPLORE.name))
        opened.wait_for_selector(".jp-Notebook .jp-Cell")
        yield opened, blocked


DRAWN = """() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')]
    .filter(gd => gd.querySelector('svg.main-svg'))
    .map(gd => ({title: (gd.querySelector('.gtitle') || {}).textContent, points: gd.querySelectorAll('.point').length,
                 bars: (gd.data || []).reduce((n, trace) => n + ((trace.y || []).length), 0)}))"""


def _drawn(page: Page, at_least: int) -> list[dict[str, Any]]:
    page.wait_for_function(f"() => ({DRAWN})().length >= {at_least}")
    return page.evaluate(DRAWN)


def test_reopened__the_saved_charts_draw_offline(page: tuple[Page, list[str]]) -> None:
    opened, blocked = page
    titles = stored_chart_titles(EXPLORE)
    drawn = _drawn(opened, len(titles))
    assert [chart["title"] for chart in drawn] == titles
    assert all(chart["points"] >= 2 for chart in drawn), drawn
    assert not blocked, f"JupyterLab tried to reach the network: {blocked}"


def test_run_all__the_live_sync_chart_draws_and_no_cell_fails(page: tuple[Page, list[str]]) -> None:
    opened, blocked = page
    run_all(opened)
    assert error_outputs(opened) == []
    titles = stored_chart_titles(EXPLORE)
    drawn = _drawn(opened, len(titles) + 1)
    live = drawn[0]  # the FigureWidget comes first, fed by wait_for_sync's progress callback
    assert live["title"] == titles[0] and live["bars"] == 17, drawn[0]
    assert [chart["title"] for chart in drawn[1:]] == titles
    assert not blocked, f"JupyterLab tried to reach the network: {blocked}"
