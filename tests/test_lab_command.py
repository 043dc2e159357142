"""``codat-nb lab`` and ``codat-nb app``: which notebooks they open (the checkout's in place, else working copies
of the installed ones, also from a real wheel), the commands they run, and a real JupyterLab and Voilà."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from codat_nb import notebook_files
from codat_nb.cli import main
from codat_nb.errors import ConfigError
from codat_nb.notebook_files import NotebookFolder, copy_missing, working_folder

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIRST = "00_sandbox_api.ipynb"
ROOT_FLAG = ["--allow-root"] if os.geteuid() == 0 else []


def _command(out: str) -> list[str]:
    [line] = out.splitlines()
    return shlex.split(line)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CODAT_")}


# -- which folder, in-process -------------------------------------------------------------------------------------------


def test_lab__in_the_checkout__opens_its_notebooks_in_place(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--print-command"]) == 0
    out, err = capsys.readouterr()
    assert _command(out) == [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={NOTEBOOKS}", f"--LabApp.default_url=/lab/tree/{FIRST}",
    ]  # fmt: skip
    assert "the checkout's notebooks" in err and "edits land in the repository" in err


def test_lab__jupyter_arguments_after_double_dash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--print-command", "--", "--allow-root", "--port=8890", "--no-browser"]) == 0
    assert _command(capsys.readouterr().out)[-3:] == ["--allow-root", "--port=8890", "--no-browser"]
    with pytest.raises(SystemExit) as caught:
        main(["lab", "--print-command", "--allow-root"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: codat-nb lab") and "go after --: codat-nb lab -- --allow-root" in err


def test_lab__dir__copies_out_and_keeps_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "mine"
    assert main(["lab", "--print-command", "--dir", str(work)]) == 0
    out, err = capsys.readouterr()
    shipped = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert sorted(p.name for p in work.iterdir()) == shipped
    assert f"--ServerApp.root_dir={work}" in _command(out) and f"Copied {len(shipped)} guided notebook(s)" in err

    (work / FIRST).write_text('{"edited": true}')
    (work / "01_connect.ipynb").unlink()
    assert main(["lab", "--print-command", "--dir", str(work)]) == 0
    assert (work / FIRST).read_text() == '{"edited": true}'  # never copied over an edit
    assert (work / "01_connect.ipynb").read_bytes() == (NOTEBOOKS / "01_connect.ipynb").read_bytes()  # a missing one comes back
    assert "Copied 1 guided notebook(s)" in capsys.readouterr().err


def test_working_folder__installed_notebooks_are_never_opened_where_they_are(tmp_path: Path) -> None:
    installed = tmp_path / "share" / "codat-nb" / "notebooks"
    installed.mkdir(parents=True)
    for name in ("01_b.ipynb", "00_a.ipynb", "app.ipynb"):
        (installed / name).write_text("{}")
    with pytest.raises(ConfigError, match="holds the installed notebooks, which stay as shipped"):
        working_folder(installed, source=installed)
    folder = working_folder(tmp_path / "work", source=installed)
    assert folder == NotebookFolder(tmp_path / "work", installed, ("00_a.ipynb", "01_b.ipynb", "app.ipynb"), ("00_a.ipynb", "01_b.ipynb", "app.ipynb"))
    assert folder.first == "00_a.ipynb" and not folder.in_place
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError, match="is a file: pass a folder"):
        copy_missing(installed, tmp_path / "a-file")


def test_working_folder__default_is_codat_nb_notebooks_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "installed"
    installed.mkdir()
    (installed / FIRST).write_text("{}")
    monkeypatch.chdir(tmp_path)
    folder = working_folder(source=installed)
    assert folder.path == tmp_path / "codat-nb-notebooks" and folder.copied == (FIRST,)


def test_checkout_notebooks__needs_a_pyproject_beside_them(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "codat_nb"
    package.mkdir(parents=True)
    (tmp_path / "site-packages" / "notebooks").mkdir()
    (tmp_path / "site-packages" / "notebooks" / "x.ipynb").write_text("{}")
    assert notebook_files.checkout_notebooks(package) is None  # someone else's notebooks/ in site-packages
    assert notebook_files.checkout_notebooks() == NOTEBOOKS


def test_shipped_notebooks__none_found_says_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="The guided notebooks are not installed with codat_nb"):
        notebook_files.shipped_notebooks(tmp_path / "codat_nb")


# -- codat-nb app ----------------------------------------------------------------------------------------------------------


def test_app__print_command_serves_app_ipynb_with_voila(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["app", "--print-command", "--port", "8899", "--", "--theme=dark"]) == 0
    assert _command(capsys.readouterr().out) == [
        sys.executable, "-m", "voila", str(NOTEBOOKS / "app.ipynb"), "--no-browser", "--port=8899", "--theme=dark",
    ]  # fmt: skip


def test_app__missing_app_notebook_is_one_line_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / FIRST).write_text("{}")
    monkeypatch.setattr(notebook_files, "checkout_notebooks", lambda package_dir=None: tmp_path)
    assert main(["app", "--print-command"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"codat-nb app: there is no app.ipynb in {tmp_path}" in err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_app__bad_port_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["app", "--port", port])
    assert caught.value.code == 2 and "argument --port" in capsys.readouterr().err


def test_lab__without_jupyterlab_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("jupyterlab", "voila") else real(name, *a))
    assert main(["lab"]) == 1
    assert "codat-nb lab: JupyterLab is not installed in this environment" in capsys.readouterr().err
    assert main(["app"]) == 1
    assert "pip install 'codat-nb[lab]'" in capsys.readouterr().err


# -- from a wheel ----------------------------------------------------------------------------------------------------------


def _build_wheel(tmp: Path) -> Path:
    """A wheel of this checkout, built from a copy so the build leaves nothing (build/, *.egg-info) in the tree."""
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for folder in ("codat_nb", "notebooks"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"), str(source)]
    if _has_build_backend():
        command.insert(4, "--no-build-isolation")  # no index needed
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    [wheel] = (tmp / "dist").glob("codat_nb-*.whl")
    return wheel


def _has_build_backend() -> bool:
    try:
        return int(importlib.metadata.version("setuptools").split(".")[0]) >= 77  # build-system.requires
    except importlib.metadata.PackageNotFoundError:
        return False


def test_lab__installed_from_a_wheel__copies_the_notebooks_out(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    # Install first, while the new environment sees nothing else: pip then has nothing of this checkout to replace.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    # The dependencies come from this environment's site-packages: a path line only, so its .pth files (the
    # editable install of this checkout among them) are not run.
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    Path(purelib, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    shipped = venv / "share" / "codat-nb" / "notebooks"
    assert sorted(p.name for p in shipped.glob("*.ipynb")) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    where = subprocess.run([str(python), "-c", "import codat_nb.notebook_files as n; print(n.PACKAGE_DIR); print(n.shipped_notebooks())"],
                           capture_output=True, text=True, check=True, env=_env(), cwd=tmp_path).stdout.split()  # fmt: skip
    assert where == [f"{purelib}/codat_nb", str(shipped.resolve())]

    cwd = tmp_path / "somewhere"  # no notebooks/ folder here
    cwd.mkdir()
    codat_nb = str(venv / "bin" / "codat-nb")
    run = subprocess.run([codat_nb, "lab", "--print-command"], capture_output=True, text=True, env=_env(), cwd=cwd, timeout=60)
    assert run.returncode == 0, run.stderr
    work = cwd / "codat-nb-notebooks"
    assert sorted(p.name for p in work.iterdir()) == sorted(p.name for p in shipped.iterdir())
    assert _command(run.stdout) == [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={work}", f"--LabApp.default_url=/lab/tree/{FIRST}"]
    assert "Copied" in run.stderr and str(shipped.resolve()) in run.stderr

    chosen = tmp_path / "chosen"
    again = subprocess.run([codat_nb, "lab", "--print-command", "--dir", str(chosen), "--", "--allow-root"],
                           capture_output=True, text=True, env=_env(), cwd=cwd, timeout=60)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (chosen / FIRST).read_bytes() == (shipped / FIRST).read_bytes()
    assert _command(again.stdout)[3:] == [f"--ServerApp.root_dir={chosen}", f"--LabApp.default_url=/lab/tree/{FIRST}", "--allow-root"]

    app = subprocess.run([codat_nb, "app", "--print-command"], capture_output=True, text=True, env=_env(), cwd=cwd, timeout=60)
    assert _command(app.stdout)[3:5] == [str(work / "app.ipynb"), "--no-browser"]
    version = subprocess.run([codat_nb, "--version"], capture_output=True, text=True, env=_env(), timeout=60)
    assert version.stdout == f"codat-nb {importlib.metadata.version('codat-nb')}\n"


# -- the real servers -----------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(process: subprocess.Popen[str], pattern: str, seconds: float = 60) -> str:
    """Lines of the server's merged output until one matches ``pattern`` (the server prints its URL when ready)."""
    deadline = time.monotonic() + seconds
    seen = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"no line matching {pattern!r}:\n{''.join(seen)}")


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)  # the server itself: codat-nb replaced itself with it (exec)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def test_lab__really_opens_the_first_notebook(tmp_path: Path) -> None:
    port, token = _free_port(), "lab-test-token"
    server = subprocess.Popen(
        [sys.executable, "-m", "codat_nb", "lab", "--dir", str(tmp_path / "work"), "--",
         "--no-browser", f"--port={port}", f"--ServerApp.token={token}", *ROOT_FLAG],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip
    try:
        _wait_for(server, rf"http://127\.0\.0\.1:{port}/lab/tree/{FIRST}\?token=")
        home = httpx.get(f"http://127.0.0.1:{port}/?token={token}", timeout=10)
        assert home.status_code == 302 and home.headers["location"].startswith(f"/lab/tree/{FIRST}")
        page = httpx.get(f"http://127.0.0.1:{port}/lab/tree/{FIRST}?token={token}", timeout=10)
        config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page.text, re.S).group(1))
        assert config["treePath"] == FIRST
        contents = httpx.get(f"http://127.0.0.1:{port}/api/contents/{FIRST}?content=0&token={token}", timeout=10)
        assert contents.status_code == 200  # served from the working copy
    finally:
        _stop(server)


def test_app__really_serves_the_app_notebook_with_voila(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    stub = {"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                       "source": ["print('the app, served by Voila')"]}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    (work / "app.ipynb").write_text(json.dumps(stub))  # kept: working copies are never overwritten
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "codat_nb", "app", "--dir", str(work), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())  # fmt: skip
    try:
        said = _wait_for(server, r"Voilà serves")
        assert f"at http://localhost:{port}/" in said
        _wait_for(server, rf"http://localhost:{port}/")
        page = httpx.get(f"http://localhost:{port}/", timeout=60)
        assert page.status_code == 200 and "the app, served by Voila" in page.text
    finally:
        _stop(server)
