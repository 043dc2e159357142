"""notebooks/02_explore.ipynb as committed, executed and exported to HTML: its charts draw in headless
Chromium with the network blocked. (Its own module: Playwright's sync API allows one instance at a
time, and test_charts_html_export keeps one open for its module.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_charts_html_export import DRAWN_CHARTS_JS, export_html, opened_offline

pytestmark = pytest.mark.browser


EXPLORE = Path(__file__).resolve().parents[1] / "notebooks" / "02_explore.ipynb"


def stored_chart_titles(notebook: Path) -> list[str]:
    """The titles of the plotly figures a saved notebook holds, in order."""
    cells = json.loads(notebook.read_text())["cells"]
    outputs = [output.get("data", {}) for cell in cells if cell["cell_type"] == "code" for output in cell.get("outputs", [])]
    return [data["application/vnd.plotly.v1+json"]["layout"]["title"]["text"] for data in outputs if "application/vnd.plotly.v1+json" in data]


def test_the_explore_notebook__its_html_export_draws_every_chart_offline(tmp_path: Path) -> None:
    """The guided notebook as committed (its figures saved as plotly JSON for JupyterLab), executed
    and exported to HTML: every chart it saved is drawn again, with the network blocked."""
    copy = tmp_path / EXPLORE.name
    copy.write_bytes(EXPLORE.read_bytes())
    titles = stored_chart_titles(EXPLORE)
    assert len(titles) == 7, titles
    with opened_offline(export_html(copy), len(titles)) as (page, attempted):
        drawn = page.evaluate(DRAWN_CHARTS_JS)
    assert [chart["title"] for chart in drawn if chart["svg"]] == titles
    assert all(chart["points"] >= 2 for chart in drawn if chart["svg"]), drawn
    assert not [url for url in attempted if "plot" in url.lower()], attempted
