"""Writing one company's tables: checked first, staged, then swapped in with a manifest."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from .. import __version__
from ..errors import ValidationError
from ._formats import write
from ._layout import PARTITION_KEY, Staging, existing_folders, folder_of, now_iso, write_manifest
from ._result import ExportResult, WrittenTable


def prepared(name: str, frame: object, company_id: str) -> pd.DataFrame:
    """``frame`` ready to write in the company's partition: refused when it cannot be, and without a
    ``company_id`` column, which readers take from the partition folder instead."""
    folder_of(name)
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"Table {name!r} is a {type(frame).__name__}, not a pandas DataFrame.")
    if any(not isinstance(c, str) for c in frame.columns) or frame.columns.has_duplicates:
        raise ValidationError(f"Table {name!r} needs unique text column names; got {list(frame.columns)[:10]!r}.")
    if PARTITION_KEY not in frame.columns:
        return frame
    values = frame[PARTITION_KEY].astype("str").str.lower()
    others = values[values.ne(company_id).fillna(True)]
    if len(others):
        raise ValidationError(
            f"Table {name!r} has a company_id column holding {others.iloc[0]!r}, not {company_id}: "
            "an export partition holds one company, so write each company's rows separately."
        )
    return frame.drop(columns=PARTITION_KEY)


class PartitionWriter:
    """Stages a company's tables under ``out`` and swaps them in on :meth:`commit`."""

    def __init__(self, out: Path, company_id: str, fmt: str) -> None:
        self.out, self.company_id, self.format = out, company_id, fmt
        self._staging: Staging | None = None
        self._written: list[tuple[str, str, str | None, int]] = []

    def add(self, name: str, frame: pd.DataFrame, data_type: str | None) -> None:
        frame = prepared(name, frame, self.company_id)
        folder = folder_of(name)
        if any(w[1] == folder for w in self._written):
            raise ValidationError(f"Table {name!r} is given twice.")
        if self._staging is None:
            self._staging = Staging(self.out, self.company_id)
        write(frame, self._staging.file(folder, self.format), self.format, f"Table {name!r}")
        self._written.append((name, folder, data_type, len(frame)))

    def commit(
        self,
        replaces: Mapping[str, str] | None = None,
        skipped: Mapping[str, str] | None = None,
        company_name: str | None = None,
    ) -> ExportResult:
        """Swap the staged partitions in. ``replaces`` maps a main table's folder to its data type: this
        company's partitions of that table's children that were not written again are removed."""
        folders = [w[1] for w in self._written]
        before = existing_folders(self.out, self.company_id)
        stale = [
            f for f in before
            if f not in folders and any(f.startswith(main + "__") for main in (replaces or {}))
        ]  # fmt: skip
        if self._staging is not None:
            self._staging.commit(folders, stale)
            self._staging = None
        tables = tuple(
            WrittenTable(name, folder, data_type, rows, self.out / folder / f"{PARTITION_KEY}={self.company_id}" / _part(self.format))
            for name, folder, data_type, rows in self._written
        )
        manifest = None
        if tables or stale:
            kept = set(existing_folders(self.out, self.company_id)) - set(folders)
            manifest = write_manifest(self.out, self.company_id, _manifest(self, tables, skipped, company_name), kept)
        return ExportResult(
            company_id=self.company_id,
            out_dir=self.out,
            format=self.format,
            tables=tables,
            skipped=MappingProxyType(dict(skipped or {})),
            removed=tuple(stale),
            company_name=company_name,
            manifest=manifest,
        )

    def discard(self) -> None:
        if self._staging is not None:
            self._staging.discard()
            self._staging = None


def _part(fmt: str) -> str:
    return f"part-0.{fmt}"


def _manifest(writer: PartitionWriter, tables: tuple[WrittenTable, ...], skipped: Mapping[str, str] | None, name: str | None) -> dict:
    when = now_iso()
    return {
        "company_id": writer.company_id,
        "company_name": name,
        "format": writer.format,
        "exported_at": when,
        "codat_nb_version": __version__,
        "skipped": dict(skipped or {}),
        "tables": {
            t.name: {
                "folder": t.folder,
                "data_type": t.data_type,
                "rows": t.rows,
                "file": t.path.relative_to(writer.out).as_posix(),
                "exported_at": when,
            }
            for t in tables
        },
    }
