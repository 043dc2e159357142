"""Every guided notebook runs under papermill with other parameters, and its outputs show them
(a solutions engineer renders one per prospect: papermill -p COMPANY_NAME "Acme" ...)."""

from __future__ import annotations

import json
from pathlib import Path

import papermill
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

CASES = {
    "00_sandbox_api": ({"COMPANY_NAME": "Papermill Properties", "SAMPLE": "us-retailer"}, ['"name": "Papermill Properties"']),
    "01_connect": (
        {"COMPANY_NAME": "Papermill Outfitters", "SAMPLE": "us-retailer", "INVOICES": 300},
        ["<td style='text-align:left'>Papermill Outfitters</td>", " USD  "],
    ),
    "02_explore": ({"COMPANY_NAME": "Papermill Foods", "INVOICES": 200, "SEED": 7}, ["Papermill Foods: ", "'invoices': (200, 24)"]),
    "03_connect_with_forms": (
        {"COMPANY_NAME": "Papermill Forms [pm]", "SANDBOX_SPEED": 20.0, "SAMPLE": "multi-currency-wholesaler"},
        ["✓ Added: Papermill Forms pm", "Papermill Forms pm {'region': 'uk', 'segment': 'smb'}"],
    ),
}


def shown(notebook: dict) -> str:
    """Everything the executed notebook shows as text."""
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                parts.append(f"ERROR {output['ename']}: {output['evalue']}")
            parts.append("".join(output.get("text", "")))
            for kind in ("text/plain", "text/html"):
                parts.append("".join(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_runs_with_other_parameters_and_shows_them(name: str, tmp_path: Path) -> None:
    parameters, expected = CASES[name]
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters, kernel_name="python3", cwd=str(NOTEBOOKS),
        progress_bar=False, log_output=False,
    )  # fmt: skip
    executed = json.loads(out.read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1, "papermill found no parameters cell"
    text = shown(executed)
    assert "ERROR" not in text
    for snippet in expected:
        assert snippet in text, snippet
