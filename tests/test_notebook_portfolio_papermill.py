"""notebooks/04_portfolio.ipynb runs under papermill for another portfolio, and its outputs show it
(papermill 04_portfolio.ipynb out.ipynb -p NAME_PREFIX Acme -p PORTFOLIO_SIZE 6)."""

from __future__ import annotations

from pathlib import Path

from ._notebooks import run_with, shown


def _figures(notebook: dict) -> list[dict]:
    return [
        output["data"]["application/vnd.plotly.v1+json"]
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "application/vnd.plotly.v1+json" in output.get("data", {})
    ]


def test_portfolio_notebook_runs_for_another_name_and_a_smaller_portfolio(tmp_path: Path) -> None:
    executed = run_with("04_portfolio", {"NAME_PREFIX": "Acme", "PORTFOLIO_SIZE": 6}, tmp_path)
    text = shown(executed)
    assert "ERROR" not in text
    assert "6 companies, " in text
    assert "6 of 6 companies created, linked and synced; all 17 data types Complete: True" in text
    assert "Acme Studio 01" in text and "Acme Outfitters 02" in text and "Acme Wholesale 06" in text
    assert "Portfolio Studio" not in text
    assert "Read 6 companies:" in text and "6 companies exported" in text
    assert "invoices in 6 partitions; row counts differing from the frames: none" in text
    assert 'tags.portfolio="Acme" && tags.region=uk && {tags.segment=mid || tags.segment=small} -> 3 companies' in text
    assert "4 companies with tags.region=uk: Acme Studio 01, Acme Studio 04, Acme Wholesale 03, Acme Wholesale 06" in text
    figures = _figures(executed)
    progress = figures[0]
    assert progress["layout"]["title"]["text"] == "Onboarding: 6 of 6 companies synced (100%)"
    heatmap = figures[-1]["data"][0]
    assert heatmap["type"] == "heatmap" and len(heatmap["x"]) == 6 and all(name.startswith("Acme ") for name in heatmap["x"])
