"""What the stored guided notebooks keep: nbval checks most of their outputs (at most a quarter of
the cells that show something may be excluded), and widget views are saved without output, since
their state is not saved (a reopened notebook would show "model not found" instead)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]


def _ignored(cell: dict) -> bool:
    return "".join(cell["source"]).lstrip().startswith("# NBVAL_IGNORE_OUTPUT") or "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])


#: The app is a Voila page: all it shows is widgets (its state is not saved), so nbval only runs it;
#: tests/test_app_voila.py checks what it shows in a real browser.
GUIDES = [p for p in NOTEBOOKS if p.stem != "app"]


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.stem)
def test_at_most_a_quarter_of_the_output_cells_are_excluded_from_nbval(path: Path) -> None:
    showing = [cell for cell in _code_cells(path) if cell.get("outputs") or _ignored(cell)]
    ignored = [cell for cell in showing if _ignored(cell)]
    assert showing, f"{path.name} shows nothing nbval could check"
    assert len(ignored) * 4 <= len(showing), f"{path.name}: {len(ignored)} of {len(showing)} output cells excluded"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_widget_views_are_saved_without_output_and_nothing_stores_widget_state(path: Path) -> None:
    notebook = json.loads(path.read_text())
    assert "widgets" not in notebook["metadata"]
    for cell in _code_cells(path):
        kinds = {kind for output in cell.get("outputs", []) for kind in output.get("data", {})}
        assert "application/vnd.jupyter.widget-view+json" not in kinds, "".join(cell["source"])[:80]


def test_the_forms_notebook_has_a_parameters_cell_first() -> None:
    (forms,) = [p for p in NOTEBOOKS if p.stem == "03_connect_with_forms"]
    first = _code_cells(forms)[0]
    assert first["metadata"].get("tags") == ["parameters"] and "SANDBOX_SPEED" in "".join(first["source"])
