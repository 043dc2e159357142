"""``codat-nb lab`` (JupyterLab on the guided notebooks, the first one open) and ``codat-nb app`` (the app in Voilà)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import _types

if TYPE_CHECKING:  # pragma: no cover
    from ..notebook_files import NotebookFolder

DEFAULT_APP_PORT = 8866  # Voilà's own default
_INSTALL_HINT = "install it with pip install 'codat-nb[lab]' (JupyterLab and Voilà)"

_LAB_EPILOG = """\
JupyterLab's own options go after --, for example:
  codat-nb lab -- --allow-root --port 8890 --no-browser

Installed from a wheel, the notebooks are copied to DIR (default ./codat-nb-notebooks) on first use,
and later only notebooks new in codat_nb are added: your edits are kept. In a checkout of the
repository, its notebooks/ folder is opened in place."""


def add_parsers(commands: argparse._SubParsersAction) -> None:
    lab = commands.add_parser(
        "lab",
        help="JupyterLab on the guided notebooks, the first one open",
        description="Open the guided notebooks (00_sandbox_api.ipynb first) in JupyterLab.",
        epilog=_LAB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(lab, "JupyterLab")
    lab.set_defaults(run=run_lab, parser=lab)
    app = commands.add_parser(
        "app",
        help="the Portal-like app (notebooks/app.ipynb) in Voilà",
        description="Serve notebooks/app.ipynb as a web app with Voilà and print its URL.",
        epilog="Voilà's own options go after --, for example: codat-nb app -- --theme=dark",
    )
    app.add_argument("--port", type=_types.fixed_port, default=DEFAULT_APP_PORT, help=f"the port to serve on (default {DEFAULT_APP_PORT})")
    _common(app, "Voilà")
    app.set_defaults(run=run_app, parser=app)


def _common(parser: argparse.ArgumentParser, tool: str) -> None:
    parser.add_argument("--dir", type=Path, default=None, metavar="DIR",
                        help="the working folder for the notebooks (default: the checkout's notebooks/, else ./codat-nb-notebooks)")  # fmt: skip
    parser.add_argument("--print-command", "--dry-run", action="store_true", help=f"print the {tool} command instead of running it")
    parser.add_argument("extra", nargs="*", metavar="-- ARGS", help=f"{tool}'s own options, after --")


def lab_command(root: Path, first: str, extra: list[str]) -> list[str]:
    """JupyterLab serving ``root`` and opening ``first``: default_url is also where the browser is sent."""
    return [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}", f"--LabApp.default_url=/lab/tree/{quote(first)}", *extra,
    ]  # fmt: skip


def app_command(notebook: Path, port: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", *extra]


def run_lab(args: argparse.Namespace) -> int:
    folder = _folder("lab", args.dir)
    if folder is None:
        return 1
    command = lab_command(folder.path, folder.first, args.extra)
    return _launch("lab", command, args.print_command, "jupyterlab", "JupyterLab")


def run_app(args: argparse.Namespace) -> int:
    from ..notebook_files import APP_NOTEBOOK

    folder = _folder("app", args.dir)
    if folder is None:
        return 1
    notebook = folder.path / APP_NOTEBOOK
    if not notebook.is_file():
        return _fail("app", f"there is no {APP_NOTEBOOK} in {folder.path} (it comes with codat_nb's notebooks): "
                            "update codat_nb, or pass --dir to a folder that holds it.")  # fmt: skip
    if not args.print_command:
        _say("app", f"Voilà serves {notebook} at http://localhost:{args.port}/ (Ctrl-C stops it).")
    return _launch("app", app_command(notebook, args.port, args.extra), args.print_command, "voila", "Voilà")


def _folder(command: str, work_dir: Path | None) -> NotebookFolder | None:
    from ..errors import ConfigError
    from ..notebook_files import working_folder

    try:
        folder = working_folder(work_dir)
    except ConfigError as exc:
        _fail(command, str(exc))
        return None
    if folder.in_place:
        _say(command, f"Using the checkout's notebooks in {folder.path} (edits land in the repository).")
    elif folder.copied:
        _say(command, f"Copied {len(folder.copied)} guided notebook(s) from {folder.source} to {folder.path}: work there, the originals stay as they are.")
    else:
        _say(command, f"Using your copies of the guided notebooks in {folder.path}.")
    return folder


def _launch(command: str, argv: list[str], print_only: bool, module: str, tool: str) -> int:
    if print_only:
        print(shlex.join(argv), flush=True)
        return 0
    if importlib.util.find_spec(module) is None:
        return _fail(command, f"{tool} is not installed in this environment ({sys.executable}): {_INSTALL_HINT}.")
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(argv[0], argv)  # the server takes over this process: its Ctrl-C handling, its exit status
    return subprocess.call(argv)


def _say(command: str, message: str) -> None:
    from ..masking import mask_text  # a message may quote an argument: never the API key in it

    print(f"codat-nb {command}: {mask_text(message)}", file=sys.stderr, flush=True)


def _fail(command: str, message: str) -> int:
    _say(command, message)
    return 1
