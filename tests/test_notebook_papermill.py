"""Every guided notebook runs under papermill with other parameters, and its outputs show them
(a solutions engineer renders one per prospect: papermill -p COMPANY_NAME "Acme" ...)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._notebooks import run_with, shown

CASES = {
    "00_sandbox_api": ({"COMPANY_NAME": "Papermill Properties", "SAMPLE": "us-retailer"}, ['"name": "Papermill Properties"']),
    "01_connect": (
        {"COMPANY_NAME": "Papermill Outfitters", "SAMPLE": "us-retailer", "INVOICES": 300},
        ["<td style='text-align:left'>Papermill Outfitters</td>", " USD  "],
    ),
    "02_explore": ({"COMPANY_NAME": "Papermill Foods", "INVOICES": 200, "SEED": 7}, ["Papermill Foods: ", "'invoices': (200, 24)"]),
    "app": ({"DEMO_COMPANIES": 2, "SEED": 5}, ["PortalApp(companies)"]),  # a Voila page: its widgets show in tests/test_app_voila.py
    "03_connect_with_forms": (
        {"COMPANY_NAME": "Papermill Forms [pm]", "SANDBOX_SPEED": 20.0, "SAMPLE": "multi-currency-wholesaler"},
        ["✓ Added: Papermill Forms pm", "Papermill Forms pm {'region': 'uk', 'segment': 'smb'}"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_runs_with_other_parameters_and_shows_them(name: str, tmp_path: Path) -> None:
    parameters, expected = CASES[name]
    text = shown(run_with(name, parameters, tmp_path))
    assert "ERROR" not in text
    for snippet in expected:
        assert snippet in text, snippet
