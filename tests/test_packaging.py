"""Project hygiene: Binder pins in step with pyproject, public names, the sandbox core's imports."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

import codat_nb
import codat_nb.sandbox

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _binder_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement = Requirement(line)
            [specifier] = list(requirement.specifier)
            assert specifier.operator == "==", f"binder pins must be exact: {line}"
            pins[requirement.name.lower()] = specifier.version
    return pins


def test_binder__pins_every_runtime_dependency_within_bounds() -> None:
    pins = _binder_pins()
    for text in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(text)
        name = requirement.name.lower()
        assert name in pins, f"binder/requirements.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name]), f"binder pins {name}=={pins[name]}, outside {requirement.specifier}"


def test_binder__lab_pins_within_the_lab_extra() -> None:
    pins = _binder_pins()
    for text in _pyproject()["project"]["optional-dependencies"]["lab"]:
        requirement = Requirement(text)
        assert requirement.specifier.contains(pins[requirement.name.lower()])


def test_every_dependency_has_version_bounds() -> None:
    project = _pyproject()["project"]
    every = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    for text in every:
        operators = {s.operator for s in Requirement(text).specifier}
        assert operators & {"<", "<=", "==", "~="} and operators & {">", ">=", "==", "~="}, f"{text} needs both bounds"


def test_public_names__sorted_all() -> None:
    for module in (codat_nb, codat_nb.sandbox):
        assert list(module.__all__) == sorted(module.__all__), module.__name__
        assert all(hasattr(module, name) for name in module.__all__)


def test_sandbox_core__imports_neither_httpx_nor_uvicorn() -> None:
    """The emulator's core is standard library only; transports load their libraries on demand."""
    code = (
        "import sys, codat_nb.sandbox, codat_nb.sandbox.app\n"
        "e = codat_nb.sandbox.Emulator()\n"
        "print(sorted(m for m in ('httpx', 'uvicorn', 'pandas', 'codat_nb.client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_readme__binder_links_open_files_that_exist() -> None:
    import re

    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=(?:lab/tree|voila/render)/([^)\s]+)", readme)
    assert {"notebooks/03_connect_with_forms.ipynb", "notebooks/app.ipynb"} <= set(targets)
    for target in targets:
        assert (ROOT / target).is_file(), target
