"""Declared tables straight from Codat's JSON bytes, through pyarrow's JSON reader.

Python dicts cost more than the frames made from them: parsing 100,000 invoices into dicts takes
about 6 s even with orjson, building the frames from them 5 s. pyarrow reads the page bodies into
columns in C++ (a page per core at once) with the table's declared types as its schema, and the
columns go to pandas without a Python object per value: 2.5 s for the whole way.

The result must equal what the dict route (``_engine.build``) gives for the same JSON, so this
route only takes data it can read exactly; anything else raises :class:`Unsupported` and the caller
parses the bodies into dicts and takes the dict route (which also words any error):

- JSON that does not fit a declared type (a number where text is declared, an integer beyond
  64 bits where a whole number is declared ...);
- a ``json`` column (or an undeclared field) holding anything but null or empty lists: Arrow fills
  absent keys with null and widens numbers, so its values can't be turned back into the same text.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from ._convert import STRING_DTYPE, convert, local_from_arrow, utc_from_arrow
from ._engine import Table, free_name, keyed_frame, positions, snake


class Unsupported(Exception):
    """This JSON needs the dict route."""


_TYPES = {"str": pa.string(), "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(),
          "utc": pa.string(), "local": pa.string(), "cat": pa.string()}  # fmt: skip


def record_type(spec: Table) -> pa.StructType:
    """The Arrow type of one record: declared columns nested as in the JSON, children as lists.
    ``json`` columns are left out (inferred), as they have no fixed shape."""
    tree: dict[str, Any] = {}
    for column in spec.columns:
        if column.kind == "json":
            continue
        node = tree
        for step in column.path[:-1]:
            node = node.setdefault(step, {})
            if not isinstance(node, dict):
                raise Unsupported(f"{spec.name}: {step} is declared both as a value and as an object")
        node[column.path[-1]] = _TYPES[column.kind]
    for kid in spec.children:
        tree[kid.field] = pa.list_(record_type(kid.table))
    return _struct(tree)


def _struct(tree: dict[str, Any]) -> pa.StructType:
    return pa.struct([pa.field(k, _struct(v) if isinstance(v, dict) else v) for k, v in tree.items()])


def read_records(spec: Table, bodies: Sequence[bytes]) -> tuple[pa.ChunkedArray, list[Any]]:
    """Every record of the page bodies (``{"results": [...]}`` or a bare JSON array), as structs,
    and each page's ``totalResults`` (None for an array or a page without one)."""
    lines = []
    for body in bodies:
        body = body.strip()
        if not body:
            raise Unsupported("an empty body")
        if b"\n" in body or b"\r" in body:  # JSON text can't hold raw newlines: these are spacing
            body = body.replace(b"\r", b" ").replace(b"\n", b" ")
        lines.append(b'{"results":' + body + b"}" if body[:1] == b"[" else body)
    schema = pa.schema([pa.field("results", pa.list_(record_type(spec)))])
    options = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    try:
        pages = _read_pages(lines, options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise Unsupported(str(exc)) from None
    if pages.num_rows != len(lines) or not pa.types.is_list(pages.schema.field("results").type):
        raise Unsupported("a body is not a Codat page")
    results = pages.column("results")
    if results.null_count:
        raise Unsupported("a page without results")
    totals = [None] * pages.num_rows
    if "totalResults" in pages.column_names and not pa.types.is_null(pages.schema.field("totalResults").type):
        if not pa.types.is_integer(pages.schema.field("totalResults").type):
            raise Unsupported("totalResults is not a number")
        totals = pages.column("totalResults").to_pylist()
    return pc.list_flatten(results), totals


def _read_pages(lines: list[bytes], options: pa_json.ParseOptions) -> pa.Table:
    """One row per page. Pages are parsed on every core at once, each on its own (joining them into
    one input first costs a copy of it all); the pages' inferred extra fields are then unified."""

    def read(line: bytes) -> pa.Table:
        settings = pa_json.ReadOptions(use_threads=False, block_size=len(line) + 1)
        return pa_json.read_json(pa.py_buffer(line), read_options=settings, parse_options=options)

    if len(lines) <= 1:
        return read(lines[0]) if lines else pa.table({"results": pa.array([], options.explicit_schema.field("results").type)})
    with ThreadPoolExecutor(min(len(lines), os.cpu_count() or 1)) as pool:
        return pa.concat_tables(list(pool.map(read, lines)), promote_options="permissive")


def build(spec: Table, records: pa.ChunkedArray, prefix: str = "", keys: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """What ``_engine.build`` gives for the same records (see the module's docstring)."""
    keys = dict(keys or {})
    name = prefix + spec.name
    frames = {name: keyed_frame(spec, keys, _columns(spec, records))}
    if not spec.children:
        return frames
    own_keys = dict(keys)
    if spec.key is not None:
        own_keys[spec.key] = _key(_field(records, spec.key_path), f"{spec.name}.{spec.key}")
    for kid in spec.children:
        lists = _field(records, (kid.field,))
        if not (pa.types.is_list(lists.type) or pa.types.is_null(lists.type)):
            raise Unsupported(f"{kid.field} is not a list")
        if pa.types.is_null(lists.type):
            counts = np.zeros(len(lists), dtype=np.int64)
            rows = pa.chunked_array([], type=record_type(kid.table))
        else:
            counts = pc.fill_null(pc.list_value_length(lists), 0).to_numpy().astype(np.int64)
            rows = pc.list_flatten(lists)
        parents = np.repeat(np.arange(len(counts)), counts)
        kid_keys = {k: v.take(parents) for k, v in own_keys.items()}
        kid_keys[kid.index] = pd.array(positions(counts), dtype="Int64")
        frames.update(build(kid.table, rows, name + ".", kid_keys))
    return frames


def _columns(spec: Table, records: pa.ChunkedArray) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in spec.columns:
        values = _field(records, column.path)
        name = f"{spec.name}.{column.name}"
        out[column.name] = _json(values, name) if column.kind == "json" else _convert(values, column.kind, name, column.categories)
    present = [f.name for f in records.type]
    for key in sorted(set(present) - spec.known):
        out[free_name(snake(key), out)] = _guess(_field(records, (key,)), f"{spec.name}.{key}")
    return out


def _field(records: pa.ChunkedArray, path: tuple[str, ...]) -> pa.ChunkedArray:
    """The values at ``path`` (null where a record, or an object on the way, lacks it)."""
    values = records
    for step in path:
        if not pa.types.is_struct(values.type) or values.type.get_field_index(step) < 0:
            if pa.types.is_null(values.type) or pa.types.is_struct(values.type):
                return pa.chunked_array([pa.nulls(len(records))])
            raise Unsupported(f"{'.'.join(path)}: {step} is inside a {values.type}")
        values = pc.struct_field(values, [step])
    return values


def _key(values: pa.ChunkedArray, name: str) -> Any:
    if not (pa.types.is_string(values.type) or pa.types.is_null(values.type)):
        raise Unsupported(f"{name} is {values.type}")
    return _convert(values, "str", name)


def _convert(values: pa.ChunkedArray, kind: str, name: str, categories: Sequence[str] = ()) -> Any:
    """Arrow's own conversions for the types the schema gave; anything else (and empty columns)
    goes through the dict route's converter value by value, so results and errors match it."""
    kind_type = values.type
    if len(values) and (kind_type == _TYPES[kind] or pa.types.is_null(kind_type)):
        if pa.types.is_null(kind_type):
            values = values.cast(_TYPES[kind])
        try:
            return _FAST[kind](values, categories)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    return convert(values.to_numpy(zero_copy_only=False), kind, name, categories)


def _strings(values: pa.ChunkedArray, _: Sequence[str]) -> Any:
    return pd.array(pd.arrays.ArrowStringArray(values.cast(pa.large_string())), dtype=STRING_DTYPE)


def _categories(values: pa.ChunkedArray, order: Sequence[str]) -> Any:
    known = set(order)
    unseen = sorted(v for v in pc.unique(values).drop_null().to_pylist() if v not in known)
    names = [*order, *unseen]
    codes = pc.fill_null(pc.index_in(values, value_set=pa.array(names, type=pa.string())), -1)
    return pd.Categorical.from_codes(codes.to_numpy(), categories=names, ordered=True)


_FAST = {
    "str": _strings,
    "float": lambda values, _: values.to_numpy(),
    "int": lambda values, _: pd.Int64Dtype().__from_arrow__(values),
    "bool": lambda values, _: pd.BooleanDtype().__from_arrow__(values),
    "utc": lambda values, _: utc_from_arrow(values),
    "local": lambda values, _: local_from_arrow(values),
    "cat": _categories,
}


def _json(values: pa.ChunkedArray, name: str) -> Any:
    """Only what reads back exactly: nulls, and empty lists ("[]")."""
    if pa.types.is_null(values.type):
        return convert([None] * len(values), "json", name)
    if pa.types.is_list(values.type) and pc.max(pc.fill_null(pc.list_value_length(values), 0)).as_py() in (None, 0):
        text = pc.if_else(pc.is_null(values), pa.scalar(None, pa.large_string()), pa.scalar("[]", pa.large_string()))
        return pd.array(pd.arrays.ArrowStringArray(text), dtype=STRING_DTYPE)
    raise Unsupported(f"{name} holds nested JSON")


def _guess(values: pa.ChunkedArray, name: str) -> Any:
    """The dict route's guess for an undeclared field, for the types Arrow reads exactly."""
    kind_type = values.type
    if pa.types.is_boolean(kind_type):
        return _convert(values, "bool", name)
    if pa.types.is_string(kind_type):
        return _convert(values, "str", name)
    if pa.types.is_int64(kind_type) or pa.types.is_float64(kind_type):
        return _convert(values.cast(pa.float64()), "float", name)
    return _json(values, name)
