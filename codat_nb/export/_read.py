"""Reading a Parquet export back into pandas with the dtypes the frames had, company_id first."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

import pandas as pd
import pyarrow.parquet as pq

from ..errors import ValidationError
from ..validation import check_uuid
from ._layout import PARTITION_KEY, folder_of, name_of


def read_table(
    out_dir: str | os.PathLike[str], name: str, company_id: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """One exported table, every company's rows (or those of ``company_id``), as one DataFrame.

    The columns are ``company_id`` (from the partition folder), then the frame's own, with the
    dtypes it was written with: a frame exported and read back is equal to the original. Companies
    whose frames differ (a status or an extra field only one of them has) are aligned: categories
    are merged in order and a column one company lacks is missing (NA) for it.

    Args:
        out_dir: the export folder.
        name: the table, as the frames key (``invoices.line_items``) or its folder (``invoices__line_items``).
        company_id: one company's id, or several; by default every company in the export.

    Raises:
        ValidationError: no such table, no Parquet partition of it, or a company not in it.
    """
    folder = folder_of(name_of(name))
    where = Path(out_dir).expanduser() / folder
    partitions = {p.name.split("=", 1)[1]: p for p in sorted(where.glob(f"{PARTITION_KEY}=*")) if p.is_dir()}
    if not partitions:
        raise ValidationError(f"{where} holds no exported partitions: check the folder and the table name ({name!r}).")
    wanted = list(partitions) if company_id is None else _ids(company_id)
    frames = []
    for cid in wanted:
        if cid not in partitions:
            raise ValidationError(f"Company {cid} is not in {where}; it has {len(partitions)} companies.")
        files = sorted(partitions[cid].glob("*.parquet"))
        if not files:
            raise ValidationError(
                f"{partitions[cid]} holds no Parquet file: read_table reads Parquet exports (read CSV with DuckDB or pandas)."
            )
        for file in files:
            frame = _frame(file)
            frame.insert(0, PARTITION_KEY, pd.array([cid] * len(frame), dtype="str"))
            frames.append(frame)
    return _concat(frames)


def _ids(company_id: str | Iterable[str]) -> list[str]:
    ids = [company_id] if isinstance(company_id, str) else list(company_id)
    return [check_uuid(cid, "company_id") for cid in ids]


def _frame(path: Path) -> pd.DataFrame:
    table = pq.read_table(path)
    frame = table.to_pandas()
    metadata = json.loads((table.schema.metadata or {}).get(b"pandas", b"{}"))
    for column in metadata.get("columns", []):
        name, numpy_type = column.get("name"), column.get("numpy_type") or ""
        if name in frame.columns and numpy_type.startswith("datetime64[") and frame[name].dtype.kind == "M":
            unit = numpy_type[len("datetime64[") : -1]
            frame[name] = frame[name].dt.as_unit(unit)  # Parquet holds microseconds; give back the frame's unit
    return frame


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    for column in columns:
        dtypes = [f[column].dtype for f in frames if column in f.columns]
        if all(isinstance(d, pd.CategoricalDtype) for d in dtypes) and len(set(dtypes)) > 1:
            merged = list(dict.fromkeys(c for d in dtypes for c in d.categories))
            ordered = all(d.ordered for d in dtypes)
            for f in frames:
                if column in f.columns:
                    f[column] = f[column].cat.set_categories(merged, ordered=ordered)
    for f in frames:
        for column in columns:
            if column not in f.columns:
                dtype = next(g[column].dtype for g in frames if column in g.columns)
                f[column] = _missing(len(f), dtype)
    return pd.concat([f[columns] for f in frames], ignore_index=True)


def _missing(length: int, dtype: object) -> pd.Series:
    """A column of NA in ``dtype`` (numpy booleans become pandas' nullable ones, which can hold NA)."""
    if dtype == bool:
        dtype = "boolean"
    return pd.Series([None] * length, dtype=dtype)  # type: ignore[call-overload]
