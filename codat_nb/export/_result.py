"""What an export wrote: each table's file and row count, and each data type left out with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd


@dataclass(frozen=True)
class WrittenTable:
    """One table's partition for one company.

    Attributes:
        name: the frames key, e.g. ``invoices.line_items``.
        folder: the table's folder in the export, e.g. ``invoices__line_items``.
        data_type: the Codat data type (or platform kind, e.g. ``dataStatus``) it was built from;
            None for tables given to :func:`write_tables`.
        rows: rows written.
        path: the file written (``<out>/<folder>/company_id=<id>/part-0.<format>``).
    """

    name: str
    folder: str
    data_type: str | None
    rows: int
    path: Path


@dataclass(frozen=True)
class ExportResult:
    """The outcome of :func:`export_company` or :func:`write_tables` for one company.

    Attributes:
        company_id, company_name: which company (the name when it was read).
        out_dir: the export folder; format: ``parquet`` or ``csv``.
        tables: what was written, in order.
        skipped: Codat data type -> why it was not exported (its earlier partitions, if any, are untouched).
        removed: table folders whose partition for this company was removed because the data type no
            longer produces them.
        manifest: the company's ``_manifests/<company_id>.json``.
    """

    company_id: str
    out_dir: Path
    format: str
    tables: tuple[WrittenTable, ...]
    skipped: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    removed: tuple[str, ...] = ()
    company_name: str | None = None
    manifest: Path | None = None

    @property
    def rows(self) -> dict[str, int]:
        """Rows written per table name."""
        return {t.name: t.rows for t in self.tables}

    @property
    def paths(self) -> dict[str, Path]:
        """The file written per table name."""
        return {t.name: t.path for t in self.tables}

    @property
    def data_types(self) -> tuple[str, ...]:
        """What the tables written were built from, in order: ``companies`` and ``dataStatus`` (always
        written), then each Codat data type exported."""
        return tuple(dict.fromkeys(t.data_type for t in self.tables if t.data_type is not None))

    def to_frame(self) -> pd.DataFrame:
        """One row per table written: name, folder, data_type, rows, path."""
        return pd.DataFrame(
            {
                "name": pd.array([t.name for t in self.tables], dtype="str"),
                "folder": pd.array([t.folder for t in self.tables], dtype="str"),
                "data_type": pd.array([t.data_type for t in self.tables], dtype="str"),
                "rows": pd.array([t.rows for t in self.tables], dtype="Int64"),
                "path": pd.array([str(t.path) for t in self.tables], dtype="str"),
            }
        )

    def summary(self) -> str:
        """A short text table of what was written and what was skipped."""
        who = f"{self.company_name} ({self.company_id})" if self.company_name else self.company_id
        lines = [
            f"Exported {who}: {len(self.tables)} tables, {sum(self.rows.values()):,} rows, as {self.format} in",
            f"  {self.out_dir}/<table>/company_id={self.company_id}/part-0.{self.format}",
        ]
        if self.tables:
            width = max(len("table"), *(len(t.folder) for t in self.tables))
            lines.append(f"  {'table':<{width}}  {'rows':>9}")
            lines += [f"  {t.folder:<{width}}  {t.rows:>9,}" for t in self.tables]
        for data_type, reason in self.skipped.items():
            lines.append(f"  skipped {data_type}: {reason}")
        if self.removed:
            lines.append(f"  removed this company's partition of {', '.join(self.removed)} (no longer produced)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        skipped = f", skipped={sorted(self.skipped)}" if self.skipped else ""
        return (
            f"ExportResult(company_id={self.company_id!r}, format={self.format!r}, out_dir={str(self.out_dir)!r}, "
            f"tables={len(self.tables)}, rows={sum(self.rows.values())}{skipped})"
        )
