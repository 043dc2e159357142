"""Declared tables of Codat records to DataFrames, a column at a time.

A :class:`Table` lists its columns (a JSON path, an output name and a kind) and its child tables
(a list field of each record, e.g. ``lineItems``). Building works column-wise over the whole
list of records: one list comprehension per JSON key, no per-cell function calls, which is what
makes 100,000 invoices fast. Child rows carry their parents' key columns first, so they join back.

Fields a table does not declare are not dropped: they become extra columns after the declared ones
(sorted, snake_case; nested values as JSON text), so a field Codat adds later still shows up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ._convert import convert


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    kind: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Child:
    field: str
    table: Table
    #: The column numbering each child within its parent (0, 1, ...).
    index: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    children: tuple[Child, ...] = ()
    #: The column children use to name this table's row (e.g. invoice_id), taken from ``key_path``.
    key: str | None = None
    key_path: tuple[str, ...] = ("id",)
    #: JSON keys read elsewhere (e.g. by a report), not to be repeated as extra columns.
    ignored: frozenset[str] = field(default_factory=frozenset)

    @property
    def known(self) -> frozenset[str]:
        return frozenset({c.path[0] for c in self.columns} | {c.field for c in self.children}) | self.ignored


def snake(name: str) -> str:
    """``sourceModifiedDate`` -> ``source_modified_date``; ``iBan`` -> ``i_ban``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace(".", "_").lower()


def table(name: str, spec: str, *, categories: Mapping[str, Sequence[str]] | None = None, key: str | None = None,
          children: Iterable[Child] = (), ignored: Iterable[str] = (), key_path: str = "id") -> Table:  # fmt: skip
    """A Table from lines of ``json.path[ as name] kind[ CATEGORIES]``, e.g.
    ``customerRef.id as customer_id str`` or ``status cat INVOICE_STATUS``."""
    columns = []
    for line in spec.strip().splitlines():
        words = line.split()
        if not words:
            continue
        path, rest = words[0], words[1:]
        out = snake(path)
        if rest[0] == "as":
            out, rest = rest[1], rest[2:]
        kind = rest[0]
        order = tuple((categories or {})[rest[1]]) if kind == "cat" else ()
        columns.append(Column(out, tuple(path.split(".")), kind, order))
    names = [c.name for c in columns]
    assert len(set(names)) == len(names), f"{name}: a column is declared twice"
    return Table(name, tuple(columns), tuple(children), key, tuple(key_path.split(".")), frozenset(ignored))


def child(json_field: str, index: str, built: Table) -> Child:
    return Child(json_field, built, index)


def build(spec: Table, records: Sequence[Mapping[str, Any]], prefix: str = "", keys: dict[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The table's frame under ``prefix + name``, then its children's (depth first)."""
    if not isinstance(records, list):
        records = list(records)
    if not set(map(type, records)) <= {dict}:
        wrong = next(r for r in records if not isinstance(r, dict))
        raise SchemaError(f"{spec.name}: expected Codat records (JSON objects) but got {type(wrong).__name__}: {wrong!r:.80}")
    keys = dict(keys or {})
    name = prefix + spec.name
    frames = {name: keyed_frame(spec, keys, _columns(spec, records))}
    if not spec.children:
        return frames
    own_keys = dict(keys)
    if spec.key is not None:
        own_keys[spec.key] = _pluck(records, spec.key_path)
    for kid in spec.children:
        lists = [r.get(kid.field) or () for r in records]
        if not set(map(type, lists)) <= {list, tuple}:
            wrong = next(x for x in lists if not isinstance(x, (list, tuple)))
            raise SchemaError(f"{name}.{kid.table.name}: {kid.field} should be a list but is {wrong!r:.80}")
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        rows = [item for items in lists for item in items]
        kid_keys = {k: _repeat(v, counts) for k, v in own_keys.items()}
        kid_keys[kid.index] = pd.array(positions(counts), dtype="Int64")
        frames.update(build(kid.table, rows, name + ".", kid_keys))
    return frames


def keyed_frame(spec: Table, keys: Mapping[str, Any], columns: Mapping[str, Any]) -> pd.DataFrame:
    """The parents' key columns, then the table's own (renamed ``<column>_<table>`` on a clash)."""
    data: dict[str, Any] = dict(keys)
    for name, values in columns.items():
        data[f"{name}_{spec.name}" if name in data else name] = values
    return pd.DataFrame(data, copy=False)


def _columns(spec: Table, records: list[Mapping[str, Any]]) -> dict[str, Any]:
    values = _values(records, [c.path for c in spec.columns])
    out: dict[str, Any] = {}
    for column in spec.columns:
        out[column.name] = convert(values[column.path], column.kind, f"{spec.name}.{column.name}", column.categories)
    for key in _extra_keys(spec, records):
        out[free_name(snake(key), out)] = _guess([r.get(key) for r in records], f"{spec.name}.{key}")
    return out


def _values(records: list[Mapping[str, Any]], paths: list[tuple[str, ...]]) -> dict[tuple[str, ...], Any]:
    """Each path's values (an object array; absent -> None or NaN), a level of nesting at a time."""
    heads = list(dict.fromkeys(p[0] for p in paths))
    table = _rows(records, heads)
    found: dict[tuple[str, ...], Any] = {}
    for i, head in enumerate(heads):
        column = table[:, i]
        deeper = [p[1:] for p in paths if p[0] == head and len(p) > 1]
        if (head,) in paths:
            found[(head,)] = column
        if deeper:
            nested = [v if v.__class__ is dict else _EMPTY for v in column]
            for path, inner in _values(nested, deeper).items():
                found[(head, *path)] = inner
    return found


_EMPTY: dict[str, Any] = {}


def _rows(records: list[Mapping[str, Any]], keys: list[str]) -> Any:
    """A records x keys object array: pandas' own C loop over the dicts (5x a comprehension)."""
    if _dicts_to_array is not None:  # build() made sure every record is a dict
        return _dicts_to_array(records, keys)
    table = np.empty((len(records), len(keys)), dtype=object)
    for i, record in enumerate(records):
        for j, key in enumerate(keys):
            table[i, j] = record.get(key)
    return table


try:  # private, but it is what pd.DataFrame(list_of_dicts) runs; the comprehension is the fallback
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover
    _dicts_to_array = None


def _extra_keys(spec: Table, records: list[Mapping[str, Any]]) -> list[str]:
    return sorted(set().union(*records) - spec.known)  # the union runs in C over each dict's keys


def free_name(name: str, taken: Mapping[str, Any]) -> str:
    while name in taken:
        name += "_extra"
    return name


def _guess(values: list[Any], name: str) -> Any:
    """A column nobody declared: text, numbers or booleans as such, anything nested as JSON text."""
    present = [v for v in values if v is not None]
    for kind, kinds in (("bool", bool), ("str", str), ("float", (int, float))):
        if present and all(isinstance(v, kinds) and (kind == "bool" or not isinstance(v, bool)) for v in present):
            return convert(values, kind, name)
    return convert(values, "json", name)


def _pluck(records: list[Mapping[str, Any]], path: tuple[str, ...]) -> list[Any]:
    values: list[Any] = [r.get(path[0]) for r in records]
    for step in path[1:]:
        values = [v.get(step) if v.__class__ is dict else None for v in values]
    return values


def _repeat(values: Any, counts: np.ndarray) -> Any:
    if isinstance(values, list):
        return pd.array(np.repeat(np.array(values, dtype=object), counts), dtype="str")
    return values.take(np.repeat(np.arange(len(values)), counts))


def positions(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each parent's n children, in one array."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


__all__ = ["Child", "Column", "Table", "build", "child", "free_name", "keyed_frame", "positions", "snake", "table"]
