"""Where an export goes: a folder per table, a hive partition per company, swapped in only when complete.

``OUT/invoices__line_items/company_id=<id>/part-0.parquet``: the table's frames key with ``.``
written as ``__``, so every folder name is also a plain SQL, Spark and Python identifier. New
partitions are written under a hidden staging folder in OUT (ignored by Spark, Dask and pyarrow,
which skip names starting with ``.`` or ``_``) and renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ._formats import FORMATS, PART_FILE

_SEGMENT = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"
_TABLE_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
PARTITION_KEY = "company_id"
STAGING_PREFIX = ".codat-nb-staging-"
MANIFESTS = "_manifests"


def folder_of(name: str) -> str:
    """``invoices.line_items`` -> ``invoices__line_items``."""
    if not isinstance(name, str) or not _TABLE_NAME.fullmatch(name):
        raise ValidationError(
            f"Table name {name!r} cannot name a folder: use snake_case parts joined by dots, such as 'invoices.line_items'."
        )
    return name.replace(".", "__")


def name_of(folder: str) -> str:
    """``invoices__line_items`` -> ``invoices.line_items`` (snake_case names never hold ``__``)."""
    return folder.replace("__", ".")


def partition(company_id: str) -> str:
    return f"{PARTITION_KEY}={company_id}"


def check_format(fmt: Any) -> str:
    if isinstance(fmt, str) and fmt.lower() in FORMATS:
        return fmt.lower()
    raise ValidationError(f"Unknown export format {fmt!r}: use 'parquet' or 'csv'.")


def check_out_dir(out_dir: str | os.PathLike[str], fmt: str) -> Path:
    """The export folder as a Path; refused when it (or a parent) is a file, or holds the other format."""
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir).strip():
        raise ValidationError(f"out_dir must be a folder path; got {out_dir!r}.")
    out = Path(out_dir).expanduser()
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == out else f"is inside {existing}, which is a file"
        raise ValidationError(f"The export folder {out} {where}: pass a folder (it is created if missing).")
    if existing is not None:
        _probe_writable(out, existing)
    if out.is_dir():
        other = next(f for f in FORMATS if f != fmt)
        found = _first_file(out, f"*/{PARTITION_KEY}=*/*.{other}")
        if found is not None:
            raise ValidationError(
                f"{out} already holds a {other} export ({found.relative_to(out)}); readers take a table folder as one "
                f"format, so write {fmt} to another folder."
            )
    return out


def _first_file(out: Path, pattern: str) -> Path | None:
    """The first match, tolerating folders that vanish while looking (another company's export
    swapping its staging folder in at the same moment)."""
    for _ in range(5):
        try:
            return next(out.glob(pattern), None)
        except FileNotFoundError:
            continue
    return None


def _probe_writable(out: Path, folder: Path) -> None:
    """Refuse, naming the folder, an export that could not be written, before any page is read: a
    real probe (a folder made and removed in the nearest existing one) also catches read-only
    mounts and ACLs, which permission bits do not show."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".codat-nb-probe-", dir=folder))
    except OSError as exc:
        raise ValidationError(f"The export folder {out} cannot be written: the folder {folder} refuses new files ({exc.strerror}).") from None


@dataclass
class Staging:
    """New partitions for one company, written aside, then swapped in together by :meth:`commit`.

    Nothing in OUT changes until ``commit``; a failure before it (``discard``) leaves OUT as it was,
    down to removing the folders created for it.
    """

    out: Path
    company_id: str
    root: Path = field(init=False)
    _created: list[Path] = field(init=False, default_factory=list)
    _swapping: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        missing = [p for p in (self.out, *self.out.parents) if not p.exists()]
        self.out.mkdir(parents=True, exist_ok=True)
        self._created = missing  # deepest first, the order to remove them in
        self.root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.out))

    def file(self, folder: str, fmt: str) -> Path:
        """Where the new partition file of table ``folder`` is written."""
        where = self.root / "new" / folder / partition(self.company_id)
        where.mkdir(parents=True)
        return where / PART_FILE[fmt]

    def commit(self, folders: list[str], stale: list[str]) -> None:
        """Put each new partition in place of the company's old one; move ``stale`` partitions out."""
        old = self.root / "old"
        old.mkdir()
        self._swapping = True
        for folder in folders:
            target = self.out / folder / partition(self.company_id)
            target.parent.mkdir(exist_ok=True)
            if target.exists():
                # Two renames, microseconds apart: a reader sees the old partition or the new one, never a mix.
                os.rename(target, old / folder)
            os.rename(self.root / "new" / folder / partition(self.company_id), target)
        for folder in stale:
            target = self.out / folder / partition(self.company_id)
            if target.exists():
                os.rename(target, old / folder)
                _remove_if_empty(target.parent)
        self._created = []
        shutil.rmtree(self.root)

    def discard(self) -> None:
        if self._swapping:  # a swap that failed half way: keep the old partitions (under root/old) to recover
            return
        shutil.rmtree(self.root, ignore_errors=True)
        for path in self._created:
            _remove_if_empty(path)


def existing_folders(out: Path, company_id: str) -> list[str]:
    """The table folders in ``out`` that hold a partition of this company."""
    if not out.is_dir():
        return []
    return sorted(p.parent.name for p in out.glob(f"*/{partition(company_id)}") if not p.parent.name.startswith((".", "_")))


def write_manifest(out: Path, company_id: str, update: dict[str, Any], kept: set[str]) -> Path:
    """``_manifests/<company_id>.json``: what is on disk for the company, merged with earlier exports.

    Tables listed before stay listed when ``kept`` holds their folder (their partitions were not touched).
    """
    path = out / MANIFESTS / f"{company_id}.json"
    path.parent.mkdir(exist_ok=True)
    previous = read_manifest(out, company_id)
    tables = {n: t for n, t in previous.get("tables", {}).items() if t.get("folder") in kept}
    tables.update(update.pop("tables"))
    document = {**update, "tables": dict(sorted(tables.items()))}
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staged.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staged, path)
    return path


def read_manifest(out: Path, company_id: str) -> dict[str, Any]:
    path = out / MANIFESTS / f"{company_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _remove_if_empty(path: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something else lives there
        path.rmdir()
