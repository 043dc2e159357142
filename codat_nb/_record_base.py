"""The machinery behind records.py: typed fields read from camelCase JSON, written back, and shown."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, TypeVar, dataclass_transform

from .errors import SchemaError
from .timestamps import parse_datetime

_R = TypeVar("_R", bound="Record")


# -- reading and writing JSON values -------------------------------------------------------------


class _Mismatch(Exception):
    """Internal: a JSON value of the wrong type; ``read_field`` turns it into a SchemaError with context."""


def _want(ok: bool, expected: str) -> None:
    if not ok:
        raise _Mismatch(expected)


def freeze(value: Any) -> Any:
    """A deep, read-only copy of JSON: objects become mappingproxies and arrays tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def _thaw(value: Any) -> Any:
    """Plain, mutable JSON again (a fresh copy every time), ready for ``json.dumps`` or a request body."""
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


def _format_datetime(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if moment.utcoffset() == timedelta(0) and text.endswith("+00:00") else text


def _load_str(value: Any) -> str:
    _want(isinstance(value, str), "a string")
    return value


def _load_bool(value: Any) -> bool:
    _want(isinstance(value, bool), "true or false")
    return value


def _load_int(value: Any) -> int:
    _want(isinstance(value, int) and not isinstance(value, bool), "an integer")
    return value


def _load_strs(value: Any) -> tuple[str, ...]:
    _want(isinstance(value, list) and all(isinstance(item, str) for item in value), "an array of strings")
    return tuple(value)


def _load_tags(value: Any) -> Mapping[str, str]:
    _want(isinstance(value, Mapping) and all(isinstance(item, str) for item in value.values()), "an object of strings")
    return MappingProxyType(dict(value))


def _load_object(value: Any) -> Mapping[str, Any]:
    _want(isinstance(value, Mapping), "an object")
    return freeze(value)


def _load_objects(value: Any) -> tuple[Mapping[str, Any], ...]:
    _want(isinstance(value, list) and all(isinstance(item, Mapping) for item in value), "an array of objects")
    return freeze(value)


class _Kind(NamedTuple):
    """How one JSON field becomes a Python value and back; ``empty`` is its value when absent or null."""

    load: Callable[[Any], Any]
    dump: Callable[[Any], Any] = lambda value: value
    empty: Callable[[], Any] = lambda: None


STR = _Kind(_load_str)
BOOL = _Kind(_load_bool)
INT = _Kind(_load_int)
DATETIME = _Kind(parse_datetime, _format_datetime)
STRS = _Kind(_load_strs, list, tuple)
TAGS = _Kind(_load_tags, dict, lambda: MappingProxyType({}))
OBJECT = _Kind(_load_object, _thaw)
OBJECTS = _Kind(_load_objects, _thaw, tuple)


def records_of(cls: type[Record]) -> _Kind:
    """A JSON array of nested records (a company's connections, a profile's settings)."""

    def load(value: Any) -> tuple[Any, ...]:
        _want(isinstance(value, list), "an array of objects")
        return tuple(cls.from_json(item) for item in value)

    return _Kind(load, lambda items: [item.to_json() for item in items], tuple)


def json_field(key: str, kind: _Kind, *, required: bool = False) -> Any:
    """A dataclass field read from the camelCase JSON ``key``."""
    return field(default_factory=kind.empty, metadata={"key": key, "kind": kind, "required": required})


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def read_field(data: Mapping[str, Any], key: str, kind: _Kind, required: bool, where: str) -> Any:
    """One field of ``data``, type-checked; a SchemaError names the record (``where``) and the JSON key."""
    value = data.get(key)
    if value is None:
        if required:
            state = "is null" if key in data else "is missing"
            raise SchemaError(f"{where}: the required field {key!r} {state}; this does not look like Codat's JSON.")
        return kind.empty()
    try:
        return kind.load(value)
    except _Mismatch as exc:
        raise SchemaError(f"{where}: field {key!r} should be {exc}, got {_shown(value)} ({type(value).__name__}).") from None
    except SchemaError as exc:
        raise SchemaError(f"{where}: field {key!r}: {exc}") from None


# -- the records ---------------------------------------------------------------------------------


@dataclass_transform(frozen_default=True, field_specifiers=(field, json_field))
def record(cls: type[_R]) -> type[_R]:
    """A frozen, slotted dataclass whose hash is its id, so records with tags or nested JSON still hash."""
    made = dataclass(frozen=True, slots=True, repr=False)(cls)
    made.__hash__ = Record.__hash__  # type: ignore[method-assign]
    return made


@dataclass(frozen=True, slots=True, repr=False)
class Record:
    """What every record shares: ``from_json``/``to_json``, the kept ``raw`` JSON and notebook reprs."""

    #: The response exactly as it came, as a read-only deep copy (``to_json()`` gives a plain dict);
    #: not shown and not compared, so two reads of the same object are equal.
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False, kw_only=True)

    _ID_KEYS: ClassVar[tuple[str, ...]] = ("id",)  # JSON keys naming the record in error messages
    _ID_ATTR: ClassVar[str] = "id"
    _SHOWN: ClassVar[tuple[str, ...]] = ("id",)  # what __repr__ shows

    @classmethod
    def from_json(cls: type[_R], data: Mapping[str, Any]) -> _R:
        """Read Codat's JSON for this type once; unknown extra fields are kept in ``raw``.

        Raises:
            SchemaError: ``data`` is not an object, lacks a field Codat's spec requires or has
                a field of the wrong type; the message names the type, the field and the id.
        """
        where = cls._where(data)
        return cls(**cls._values(data, where), raw=freeze(data))

    @classmethod
    def _where(cls, data: Any) -> str:
        if not isinstance(data, Mapping):
            raise SchemaError(f"{cls.__name__}: expected a JSON object, got {_shown(data)} ({type(data).__name__}).")
        ident = next((data[key] for key in cls._ID_KEYS if isinstance(data.get(key), str)), None)
        return cls.__name__ if ident is None else f"{cls.__name__} {ident!r}"

    @classmethod
    def _values(cls, data: Mapping[str, Any], where: str) -> dict[str, Any]:
        return {
            f.name: read_field(data, f.metadata["key"], f.metadata["kind"], f.metadata["required"], where)
            for f in fields(cls)
            if "key" in f.metadata
        }

    def to_json(self) -> dict[str, Any]:
        """camelCase JSON to send back to Codat: a fresh copy of ``raw``, so nothing is lost, with any
        field changed since (``dataclasses.replace(setting, sync_schedule=1)``) written over it."""
        out = _thaw(self.raw)
        for f in fields(self):
            if "key" in f.metadata:
                key, kind, current = f.metadata["key"], f.metadata["kind"], getattr(self, f.name)
                if (kind.empty() if out.get(key) is None else kind.load(out[key])) != current:
                    out[key] = kind.dump(current)
        return out

    def __hash__(self) -> int:
        return hash((type(self).__name__, getattr(self, self._ID_ATTR)))

    def _summary(self) -> list[str]:
        return [f"{name}={_brief(getattr(self, name))}" for name in self._SHOWN]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._summary())})"

    def _repr_html_(self) -> str:
        """A small two-column table of the fields, every value escaped (names come from customers)."""
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(f.name)}</th><td style='text-align:left'>{_cell(getattr(self, f.name))}</td></tr>"
            for f in fields(self)
            if f.name != "raw"
        )
        return f"<table><caption>{html.escape(type(self).__name__)}</caption>{rows}</table>"


def _brief(value: Any) -> str:
    """A value as a repr shows it: datetimes as short ISO strings, long strings cut."""
    if isinstance(value, datetime):
        value = _format_datetime(value.replace(microsecond=0))
    return _shown(value)


def _cell(value: Any) -> str:
    """One escaped table cell; nested records become a nested table, one row each."""
    if isinstance(value, tuple) and value and all(isinstance(item, Record) for item in value):
        names = [f.name for f in fields(value[0]) if f.name != "raw"]
        head = "".join(f"<th>{html.escape(name)}</th>" for name in names)
        body = "".join("<tr>" + "".join(f"<td>{_cell(getattr(item, n))}</td>" for n in names) + "</tr>" for item in value)
        return f"<table><tr>{head}</tr>{body}</table>"
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        text = _format_datetime(value) or ""
    elif isinstance(value, tuple) and all(isinstance(item, str) for item in value):
        text = ", ".join(value)
    elif isinstance(value, (Mapping, tuple)):
        text = json.dumps(_thaw(value), ensure_ascii=False)
    else:
        text = str(value)
    return html.escape(text)
