"""The charts in an nbconvert HTML export, opened in Debian's Chromium with every http(s) request blocked.

A notebook with one cell per chart is executed and exported by ``jupyter nbconvert --execute
--to html`` with ``PLOTLY_RENDERER=plotly_mimetype+notebook``, the renderer that embeds plotly.js
(the default ``plotly_mimetype`` draws nothing in an export). The page must then draw every chart
without the network, and a screenshot must show them. Like the Link page tests, these fail (never
skip) when Chromium is missing.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest
from playwright.sync_api import Page, sync_playwright

from codat_nb import Sandbox, charts

from . import test_charts as hand
from .sandbox.test_link_browser import CHROMIUM_ARGS, chromium_path, png_facts

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
#: Each chart's cell, in order: (function, frames passed); the cell ends with the figure, which the renderer shows.
CHARTS = {
    "sync": ("sync_progress_figure", ("status",)),
    "timeline": ("pull_timeline_figure", ("pulls",)),
    "monthly": ("monthly_invoiced_vs_billed_figure", ("invoices", "bills")),
    "aging": ("receivables_aging_figure", ("invoices",)),
    "top": ("top_customers_figure", ("invoices",)),
    "waterfall": ("profit_and_loss_waterfall_figure", ("pnl",)),
    "balance": ("balance_sheet_composition_figure", ("balance",)),
}
#: Colours every export must show in its pixels: Complete/Current green, Failed/90+ red, Invoiced/totals blue.
COLOURS = {"green": (44, 160, 44), "red": (214, 39, 40), "blue": (31, 119, 180)}


def chart_frames() -> dict[str, pd.DataFrame]:
    """The Sandbox's multi-currency books through codat_nb.frames, or the hand-built frames without it."""
    try:
        from codat_nb import frames
    except ImportError:
        invoices, bills = hand.sales()
        return {
            "status": hand.data_status_frame([("invoices", "Complete"), ("bills", "Fetching"), ("payments", "FetchError")]),
            "pulls": hand.pulls(), "invoices": pd.concat([invoices, hand.receivables(), hand.customers_invoices()], ignore_index=True),
            "bills": bills, "pnl": hand.pnl_frame(), "balance": hand.balance_sheet_frame(),
        }  # fmt: skip
    polls: list[Any] = []
    with Sandbox(seed=1, manual_clock=True) as sandbox, sandbox.client() as client:
        company = client.create_company("Export Charts Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="multi-currency-wholesaler", invoices=300)
        client.wait_for_sync(company.id, on_progress=polls.append)
        return {
            "status": charts.sync_progress_frame(polls[len(polls) // 2]),  # mid-sync: several colours
            "pulls": frames.pull_operations_frame(client.list_pull_operations(company.id)),
            "invoices": frames.invoices_frame(client.list_records(company.id, "invoices")),
            "bills": frames.bills_frame(client.list_records(company.id, "bills")),
            "pnl": frames.profit_and_loss_frame(client.profit_and_loss(company.id)),
            "balance": frames.balance_sheet_frame(client.balance_sheet(company.id)),
        }


def write_notebook(folder: Path) -> Path:
    """A notebook (nbformat 4.5 JSON, written directly: importing nbformat costs 4 s here, as jsonschema
    compiles rfc3987-syntax's grammars) whose cells load the frames and draw one chart each."""
    sources = [
        "import pandas as pd\nfrom codat_nb import charts\n\ndata = pd.read_pickle('frames.pkl')",
        *(f"charts.{function}({', '.join(f'data[{name!r}]' for name in names)})" for function, names in CHARTS.values()),
    ]
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# Charts offline\nEvery chart of `codat_nb.charts`."}]
    cells += [
        {"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
        for i, source in enumerate(sources)
    ]  # fmt: skip
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec}, "cells": cells}
    path = folder / "charts.ipynb"
    path.write_text(json.dumps(notebook, indent=1))
    return path


def export_html(notebook: Path) -> Path:
    """Execute and export with the venv's jupyter, on the renderer that embeds plotly.js."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PLOTLY_RENDERER": "plotly_mimetype+notebook", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [
        str(bin_dir / "jupyter"), "nbconvert", "--execute", "--to", "html", "--ExecutePreprocessor.timeout=120",
        "--ExecutePreprocessor.kernel_name=python3", str(notebook),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"nbconvert failed:\n{done.stderr[-3000:]}"
    return notebook.with_suffix(".html")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("charts_export")
    data = chart_frames()
    pd.to_pickle(data, folder / "frames.pkl")
    html = export_html(write_notebook(folder))
    # The same figures drawn here, for their titles.
    titles = [getattr(charts, function)(*(data[n] for n in names)).layout.title.text for function, names in CHARTS.values()]
    return {"html": html, "titles": titles}


@contextmanager
def opened_offline(html: Path, charts_expected: int) -> Iterator[tuple[Page, list[str]]]:
    """``html`` in headless Chromium once ``charts_expected`` charts are drawn; every http(s)
    request is aborted and recorded."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            attempted: list[str] = []

            def block(route: Any) -> None:
                if route.request.url.startswith(("http://", "https://")):
                    attempted.append(route.request.url)
                    route.abort()
                else:
                    route.continue_()

            context.route("**/*", block)
            page = context.new_page()
            page.goto(html.as_uri())
            page.wait_for_function(
                "n => [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('svg.main-svg')).length >= n",
                arg=charts_expected,
            )
            yield page, attempted
        finally:
            browser.close()


@pytest.fixture(scope="module")
def offline_page(export: dict[str, Any]) -> Iterator[tuple[Page, list[str]]]:
    with opened_offline(export["html"], len(CHARTS)) as opened:
        yield opened


DRAWN_CHARTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
    svg: gd.querySelectorAll('svg.main-svg').length,
    title: (gd.querySelector('.gtitle') || {}).textContent,
    traces: gd.data.length,
    points: gd.querySelectorAll('.point').length,
}))"""


def test_html_export__every_chart_drawn_with_the_network_blocked(offline_page, export):
    page, attempted = offline_page
    drawn = page.evaluate(DRAWN_CHARTS_JS)
    assert len(drawn) == len(CHARTS)
    assert [chart["title"] for chart in drawn] == export["titles"]
    for name, chart in zip(CHARTS, drawn):
        assert chart["svg"] >= 1 and chart["traces"] >= 1, name
        assert chart["points"] >= 2, f"{name}: no bars drawn"
    # plotly.js came from the page itself; what was blocked is only the nbconvert template's
    # require.js and MathJax, which the charts do not need.
    assert not [url for url in attempted if "plot" in url.lower()], attempted
    assert all("cdnjs.cloudflare.com" in url and ("mathjax" in url or "require" in url) for url in attempted), attempted


def test_html_export__screenshot_shows_the_charts(offline_page, tmp_path: Path):
    page, _ = offline_page
    shot = tmp_path / "charts.png"
    data = page.screenshot(path=str(shot), full_page=True)

    assert len(data) > 50_000, f"screenshot is only {len(data)} bytes"
    width, height, distinct = png_facts(data)
    assert width == 1000 and height > 7 * 400
    assert distinct > 50, "the screenshot is (nearly) a single colour"
    # Decode the PNG in the browser itself (a data: URL, no network) and count the charts' colours.
    counts = page.evaluate(
        """async ([png, colours]) => {
            const img = new Image();
            img.src = 'data:image/png;base64,' + png;
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            const counts = Object.fromEntries(Object.keys(colours).map(k => [k, 0]));
            for (let i = 0; i < pixels.length; i += 4) {
                for (const [name, [r, g, b]] of Object.entries(colours)) {
                    if (pixels[i] === r && pixels[i + 1] === g && pixels[i + 2] === b) counts[name]++;
                }
            }
            return counts;
        }""",
        [base64.b64encode(data).decode(), COLOURS],
    )
    for name, count in counts.items():
        assert count > 500, f"hardly any {name} pixels in the screenshot: {counts}"

