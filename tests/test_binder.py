"""Binder, proven: the environment built from ``binder/`` alone, as repo2docker builds it (a fresh
virtual environment; ``binder/requirements.txt``, then ``binder/postBuild``; the root pyproject.toml is
ignored), runs every notebook with no key, and its JupyterLab reaches the Sandbox's Link page through
jupyter-server-proxy (``/proxy/<port>/``), where a customer presses Connect."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from ._jupyterlab import TOKEN, chromium, free_port, jupyterlab
from .test_notebook_forms_lab import press_connect_on_the_link_page

ROOT = Path(__file__).resolve().parents[1]
VOILA_CDNS = ("https://cdn.jsdelivr.net/npm/@fortawesome/", "https://cdnjs.cloudflare.com/ajax/libs/mathjax/")
KEY_HEADER = {"Authorization": "Basic YmluZGVyLXRlc3Q="}  # base64("binder-test")


def _tracked_files(into: Path) -> None:
    """The repository as repo2docker gets it: the committed files, nothing built or installed."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODAT_", "VIRTUAL_ENV", "PYTHON", "JUPYTER"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def binder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(repo, venv): a copy of the repo, and the environment binder/ builds for it."""
    repo, venv = tmp_path_factory.mktemp("binder_repo"), tmp_path_factory.mktemp("binder_env") / "env"
    _tracked_files(repo)
    runtime = (repo / "binder" / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", runtime  # the Python repo2docker picks
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = _clean_env(venv)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, check=True, timeout=900)
    subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, check=True, timeout=300)
    yield repo, venv


def test_postbuild_stops_on_the_first_error() -> None:
    assert re.search(r"^set -e", (ROOT / "binder" / "postBuild").read_text(), re.M)


def test_binder_files_alone_build_an_environment_that_runs_every_notebook(binder: tuple[Path, Path], tmp_path: Path) -> None:
    repo, venv = binder
    python = str(venv / "bin" / "python")
    found = subprocess.run([python, "-c", "import codat_nb, jupyter_server_proxy, voila, duckdb; print(codat_nb.__file__)"],
                           cwd=tmp_path, env=_clean_env(venv), capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert found.strip() == str(repo / "codat_nb" / "__init__.py")  # postBuild installed the repo itself
    notebooks = sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))
    assert {"00_sandbox_api.ipynb", "03_connect_with_forms.ipynb", "app.ipynb"} <= set(notebooks)
    for name in notebooks:
        run = subprocess.run(
            [python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output-dir", str(tmp_path),
             "--ExecutePreprocessor.timeout=600", f"notebooks/{name}"],
            cwd=repo, env=_clean_env(venv), capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert run.returncode == 0, f"{name} failed in the Binder environment:\n{run.stderr[-3000:]}"
        assert '"output_type": "error"' not in (tmp_path / name).read_text(), name


def test_binder_jupyterlab_opens_the_link_page_through_jupyter_server_proxy(binder: tuple[Path, Path], tmp_path: Path) -> None:
    repo, venv = binder
    port = free_port()
    serve = subprocess.Popen(
        [str(venv / "bin" / "codat-nb"), "sandbox", "serve", "--port", str(port), "--speed", "0"],
        env=_clean_env(venv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert "ready at" in (serve.stdout.readline() if serve.stdout else "")
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=KEY_HEADER, timeout=10)
        company = api.post("/companies", json={"name": "Binder Demo Ltd"}).json()
        with jupyterlab(repo, tmp_path, python=str(venv / "bin" / "python")) as lab, chromium("http://127.0.0.1:", 60_000) as (context, blocked):
            page = context.new_page()
            page.goto(f"{lab}lab?token={TOKEN}")  # signs the browser in to the notebook server
            page.wait_for_selector(".jp-LauncherCard, .jp-Notebook", timeout=60_000)
            proxied = f"{lab}proxy/{port}/link/company/{company['id']}"
            response = page.goto(proxied)
            assert response is not None and response.status == 200, proxied
            expect(page).to_have_title("Link - Binder Demo Ltd")
            press_connect_on_the_link_page(page, "Binder Demo Ltd")
            assert page.url.startswith(f"{lab}proxy/{port}/link/"), page.url  # every redirect stayed under the proxy
            # The app, as the README's Binder link opens it: Voila's server extension in the same JupyterLab.
            page.goto(f"{lab}voila/render/notebooks/app.ipynb")
            expect(page.locator(".codat-nb-portal")).to_contain_text("Platypus Properties", timeout=90_000)
            expect(page.locator(".codat-nb-portal")).to_contain_text("Sandbox: Linked")
            # Voila's own template asks CDNs for Font Awesome and MathJax (unused here; online on Binder); nothing else left.
            assert not [url for url in blocked if not url.startswith(VOILA_CDNS)], blocked
        deadline = time.monotonic() + 10
        while api.get(f"/companies/{company['id']}").json()["dataConnections"][0]["status"] != "Linked":
            assert time.monotonic() < deadline, "the connection did not become Linked"
            time.sleep(0.2)
        api.close()
    finally:
        serve.terminate()
        serve.communicate(timeout=20)  # also closes its output pipe
