"""One DataFrame to one file: Parquet through pyarrow (dtypes kept), or CSV (ISO 8601 times, offsets kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")
#: The one file written in each partition folder.
PART_FILE = {"parquet": "part-0.parquet", "csv": "part-0.csv"}
#: Ticks per second of each numpy datetime unit, coarsest first.
_UNITS = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def write(frame: pd.DataFrame, path: Path, fmt: str, what: str) -> None:
    """Write ``frame`` (its columns; the index is not kept) to ``path``; ``what`` names it in errors."""
    if fmt == "parquet":
        _parquet(frame, path, what)
    else:
        _csv(frame, path)


def _parquet(frame: pd.DataFrame, path: Path, what: str) -> None:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise ValueError(f"{what} cannot be written to Parquet: {exc}") from exc
    # Microseconds: what Spark reads (it refuses nanosecond Parquet timestamps) and what
    # codat_nb.frames keeps; the pandas metadata still records each column's own unit.
    pq.write_table(table, path, coerce_timestamps="us", allow_truncated_timestamps=True)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    columns = {name: _csv_column(column) for name, column in frame.items()}
    text = pd.DataFrame(columns, index=frame.index, columns=list(frame.columns))
    text.to_csv(path, index=False, na_rep="", lineterminator="\n", encoding="utf-8")


def _csv_column(column: pd.Series) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return iso_8601(column)
    if pd.api.types.is_bool_dtype(dtype):
        # true/false, as SQL engines and Spark read them (pandas reads both spellings).
        return column.map({True: "true", False: "false"}).astype(object)
    if dtype == object:
        return column.map(_json_if_nested)
    return column


def _json_if_nested(value: Any) -> Any:
    return json.dumps(value, default=str) if isinstance(value, (dict, list, tuple)) else value


def iso_8601(column: pd.Series) -> pd.Series:
    """Datetimes as ISO 8601 text: ``2024-01-08T10:32:29`` for naive ones, ``...+00:00`` for aware ones
    (converted to UTC), with as many fraction digits as the column needs; missing values become None."""
    aware = isinstance(column.dtype, pd.DatetimeTZDtype)
    if aware:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    values = column.to_numpy()
    missing = np.isnat(values)
    unit = _shortest_unit(values, missing)
    text = np.datetime_as_string(values, unit=unit).astype(object)
    if aware:
        text = text + "+00:00"
    text[missing] = None
    return pd.Series(text, index=column.index, dtype=object)


def _shortest_unit(values: np.ndarray, missing: np.ndarray) -> str:
    own, _ = np.datetime_data(values.dtype)
    ticks = values[~missing].view("i8")
    for unit, per_second in _UNITS.items():
        step = _UNITS.get(own, per_second) // per_second
        if step <= 1 or not (ticks % step).any():
            return unit
    return own  # pragma: no cover - the loop always reaches the column's own unit
