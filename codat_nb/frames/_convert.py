"""One column of Codat JSON values to the pandas dtype that fits it.

Kinds: ``str`` (pandas' string dtype), ``float`` (amounts, rates: float64, NaN when absent),
``int`` (nullable Int64), ``bool`` (nullable boolean), ``utc`` (Codat's timestamps, such as
``modifiedDate``: tz-aware UTC), ``local`` (Codat's unzoned local dates, such as ``issueDate``:
naive), ``cat`` (statuses: an ordered Categorical in Codat's order) and ``json`` (anything nested
that has no frame of its own, kept as JSON text so nothing is lost).

Values arrive as an object array or a list; None and NaN both mean absent. The common case goes
through pyarrow's C loops (text, dates), which also check the values' types; what they refuse
takes the slower pandas path, and a value that fits no path raises SchemaError naming the column,
never a silent NaN.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
from pandas.api.types import infer_dtype

from ..errors import SchemaError

#: Datetimes keep microseconds (Codat writes 7 fraction digits; the 7th is 100 ns, beyond what
#: any platform records) and reach years 1-9999, which Codat uses as placeholders.
DATETIME_UNIT = "us"
STRING_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas 3 calls "str"


class _Misfit(Exception):
    """A value of the wrong type for its column."""


def convert(values: Sequence[Any], kind: str, name: str, categories: Sequence[str] = ()) -> Any:
    """``values`` as an array of ``kind``; ``name`` is for error messages."""
    values = _objects(values)
    try:
        return _CONVERTERS[kind](values, categories)
    except (_Misfit, TypeError, ValueError, OverflowError, pa.ArrowException) as exc:
        example = _first_misfit(values, kind, categories)
        raise SchemaError(
            f"Column {name} expects {_DESCRIPTIONS[kind]} but got {example!r:.80}: the data does not have the "
            "shape Codat documents; read it as raw JSON (client.list_records) to see it."
        ) from exc


def _objects(values: Sequence[Any]) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = list(values) if len(values) else []
    return array


def _check(values: np.ndarray, allowed: set[str]) -> None:
    if len(values) and infer_dtype(values, skipna=True) not in allowed:
        raise _Misfit()


def _strings(values: np.ndarray, _: Sequence[str]) -> Any:
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        # Some platforms send numbers where Codat documents text (a lineNumber of 1): keep their text.
        if any(isinstance(v, (dict, list)) for v in values):
            raise _Misfit() from None
        text = pa.array([None if _absent(v) else _scalar_text(v) for v in values], type=pa.large_string())
    return pd.array(pd.arrays.ArrowStringArray(text), dtype=STRING_DTYPE) if len(text) else pd.array([], dtype=STRING_DTYPE)


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _floats(values: np.ndarray, _: Sequence[str]) -> Any:
    _check(values, {"floating", "integer", "mixed-integer-float", "decimal", "empty"})
    return values.astype("float64")


def _ints(values: np.ndarray, _: Sequence[str]) -> Any:
    _check(values, {"integer", "floating", "mixed-integer-float", "empty"})
    floats = values.astype("float64")
    present = floats[~np.isnan(floats)]
    if (present != np.floor(present)).any():
        raise _Misfit()
    return pd.array(np.where(np.isnan(floats), None, values), dtype="Int64")


def _bools(values: np.ndarray, _: Sequence[str]) -> Any:
    _check(values, {"boolean", "empty"})
    return pd.array(np.where(pd.isna(values), None, values), dtype="boolean")


def _utc(values: np.ndarray, _: Sequence[str]) -> Any:
    try:
        return utc_from_arrow(pa.array(values, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _pandas_timestamps(values).array


def utc_from_arrow(text: pa.Array | pa.ChunkedArray) -> Any:
    """pyarrow's C parser: ISO 8601 with "Z" or an offset, or all unzoned (taken as UTC).
    Raises ArrowInvalid for mixed forms, which take pandas' parser."""
    try:
        stamps = text.cast(pa.timestamp("ns", tz="UTC")).cast(pa.timestamp("ns"))
    except pa.ArrowInvalid:
        stamps = text.cast(pa.timestamp("ns"))
    naive = stamps.cast(pa.timestamp(DATETIME_UNIT), safe=False).to_numpy(zero_copy_only=False)
    return pd.DatetimeIndex(naive).tz_localize("UTC").array


def _local(values: np.ndarray, _: Sequence[str]) -> Any:
    try:
        return local_from_arrow(pa.array(values, type=pa.large_string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # A value that does carry an offset is taken to UTC; unzoned ones keep their wall-clock time.
        return _pandas_timestamps(values).tz_localize(None).array


def local_from_arrow(text: pa.Array | pa.ChunkedArray) -> Any:
    """Unzoned wall-clock times, as Codat writes local dates; raises ArrowInvalid for any other form."""
    stamps = text.cast(pa.timestamp("ns"))
    return stamps.cast(pa.timestamp(DATETIME_UNIT), safe=False).to_numpy(zero_copy_only=False)


def _pandas_timestamps(values: np.ndarray) -> pd.DatetimeIndex:
    """Mixed forms (some zoned, some not; dates without times): pandas' slower ISO 8601 parser.
    utc=True reads "Z" and offsets, and takes unzoned text as UTC wall time."""
    if any(not (_absent(v) or isinstance(v, str)) for v in values):
        raise _Misfit()
    cleaned = pd.Index([None if _absent(v) else v for v in values], dtype=object)
    return pd.to_datetime(cleaned, utc=True, format="ISO8601").as_unit(DATETIME_UNIT)


def _categories(values: np.ndarray, order: Sequence[str]) -> Any:
    known = set(order)
    present = values[~pd.isna(values)]
    unseen = sorted({v for v in set(present.tolist()) if v not in known}, key=str)
    if any(not isinstance(v, str) for v in unseen):
        raise _Misfit()
    # A status Codat adds later is kept (after the documented ones), never turned into NaN.
    return pd.Categorical(np.where(pd.isna(values), None, values), categories=[*order, *unseen], ordered=True)


def _json(values: np.ndarray, _: Sequence[str]) -> Any:
    text = [_json_text(v) for v in values]
    return pd.array(text, dtype=STRING_DTYPE)


def _json_text(value: Any) -> str | None:
    if value is None or value is np.nan:
        return None
    if value.__class__ is list and not value:  # the common case: an empty list of refs
        return "[]"
    if isinstance(value, float) and value != value:
        return None
    return orjson.dumps(value).decode()


_CONVERTERS = {
    "str": _strings, "float": _floats, "int": _ints, "bool": _bools, "utc": _utc, "local": _local,
    "cat": _categories, "json": _json,
}  # fmt: skip
_DESCRIPTIONS = {
    "str": "text", "float": "numbers", "int": "whole numbers", "bool": "true/false", "utc": "ISO 8601 date-times",
    "local": "ISO 8601 dates", "cat": "status names", "json": "JSON",
}  # fmt: skip


def _first_misfit(values: np.ndarray, kind: str, categories: Sequence[str]) -> Any:
    for value in values:
        if _absent(value):
            continue
        try:
            _CONVERTERS[kind](_objects([value]), categories)
        except (_Misfit, TypeError, ValueError, OverflowError, pa.ArrowException):
            return value
    return next((v for v in values if not _absent(v)), None)
