"""Shared by the notebook tests: where the guided notebooks are, running one under papermill, and
everything an executed notebook shows as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import papermill

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_with(name: str, parameters: dict[str, Any], out_dir: Path) -> dict:
    """Execute ``notebooks/<name>.ipynb`` under papermill with ``parameters``; the executed notebook,
    after checking papermill found its parameters cell."""
    out = out_dir / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters, kernel_name="python3", cwd=str(NOTEBOOKS),
        progress_bar=False, log_output=False,
    )  # fmt: skip
    executed = json.loads(out.read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1, f"papermill found no parameters cell in {name}"
    return executed


def shown(notebook: dict) -> str:
    """Everything the executed notebook shows as text (errors as ERROR lines)."""
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                parts.append(f"ERROR {output['ename']}: {output['evalue']}")
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/html"):
                parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)
