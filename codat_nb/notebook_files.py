"""Where the guided notebooks are: a checkout's ``notebooks/`` in place, else working copies of the installed ones.

A wheel ships the notebooks as data files (``[tool.setuptools.data-files]`` in pyproject.toml),
installed to ``<prefix>/share/codat-nb/notebooks``: beside the environment, not inside the
package, and possibly read-only (a system install). So they are never opened there: the first
``codat-nb lab`` copies them to a working folder, and later runs copy only notebooks that are new
in the installed version, never over the user's edits. In a source checkout (an editable install)
the checkout's own folder is used, so edits land in the repository.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DISTRIBUTION = "codat-nb"
#: Where pip puts the wheel's data files, relative to the environment's prefix.
SHARE_PARTS = ("share", "codat-nb", "notebooks")
#: The working folder made in the current directory when none is named.
DEFAULT_WORK_DIR = Path("codat-nb-notebooks")
APP_NOTEBOOK = "app.ipynb"


@dataclass(frozen=True)
class NotebookFolder:
    """The folder to open, where its notebooks came from, and what was copied into it just now."""

    path: Path
    source: Path
    notebooks: tuple[str, ...]
    copied: tuple[str, ...] = ()

    @property
    def in_place(self) -> bool:
        """True when this is the source checkout's own folder (edits land in the repository)."""
        return self.path == self.source

    @property
    def first(self) -> str:
        """The notebook to open first: the lowest-numbered one (``00_sandbox_api.ipynb``)."""
        numbered = [name for name in self.notebooks if name[:1].isdigit()]
        return (numbered or list(self.notebooks))[0]


def checkout_notebooks(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The ``notebooks/`` folder of the source checkout this package runs from, if it does."""
    root = package_dir.parent
    folder = root / "notebooks"
    # pyproject.toml marks a checkout: a site-packages folder may hold an unrelated notebooks/ package.
    if (root / "pyproject.toml").is_file() and _names(folder):
        return folder
    return None


def installed_notebooks(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """Where the installed distribution's notebooks are (its RECORD says, whatever the install scheme)."""
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        if Path(dist.locate_file("codat_nb/__init__.py")).resolve() != package_dir / "__init__.py":
            continue  # another installation of codat-nb on sys.path, not the one running
        for file in dist.files or ():
            if file.suffix == ".ipynb" and tuple(file.parts[-4:-1]) == SHARE_PARTS:
                return Path(dist.locate_file(file)).resolve().parent
    for base in (sysconfig.get_path("data"), sys.prefix):
        folder = Path(base).joinpath(*SHARE_PARTS)
        if _names(folder):
            return folder
    return None


def shipped_notebooks(package_dir: Path = PACKAGE_DIR) -> Path:
    """The checkout's notebooks, else the installed ones; a ConfigError when neither is there."""
    found = checkout_notebooks(package_dir) or installed_notebooks(package_dir)
    if found is None:
        raise ConfigError(
            f"The guided notebooks are not installed with codat_nb ({package_dir}): reinstall it from a wheel or a "
            "checkout (pip install 'codat-nb[lab]'), or run from a checkout of the repository."
        )
    return found


def working_folder(work_dir: str | Path | None = None, source: Path | None = None) -> NotebookFolder:
    """The folder to open the notebooks in, copying them there first when they come from an installation.

    Args:
        work_dir: where to keep working copies; by default the checkout's own folder, or
            ``./codat-nb-notebooks`` when codat_nb is installed.
        source: the notebooks to start from (default :func:`shipped_notebooks`).

    Raises:
        ConfigError: no notebooks found, or ``work_dir`` cannot hold them.
    """
    source = (source or shipped_notebooks()).resolve()
    checkout = checkout_notebooks()
    in_checkout = checkout is not None and source == checkout.resolve()
    if work_dir is None:
        if in_checkout:
            return NotebookFolder(source, source, _names(source))
        work_dir = DEFAULT_WORK_DIR
    target = Path(work_dir).expanduser().resolve()
    if target == source:
        if in_checkout:
            return NotebookFolder(source, source, _names(source))
        raise ConfigError(f"{target} holds the installed notebooks, which stay as shipped: pass another folder to --dir.")
    return NotebookFolder(target, source, _names(source), copy_missing(source, target))


def copy_missing(source: Path, target: Path) -> tuple[str, ...]:
    """Copy each notebook of ``source`` that ``target`` lacks; return their names. Never overwrites."""
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} is a file: pass a folder for the notebooks (it is created if missing).")
    copied = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _names(source):
            if not (target / name).exists():
                # copyfile, not copy2: an installed file may be read-only; the working copy must be editable.
                shutil.copyfile(source / name, target / name)
                copied.append(name)
    except OSError as exc:
        raise ConfigError(f"Could not copy the notebooks to {target}: {exc.strerror or exc}. Pass another folder to --dir.") from None
    return tuple(copied)


def _names(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in folder.glob("*.ipynb"))) if folder.is_dir() else ()
