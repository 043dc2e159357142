"""Codat's query language (``= != ~ > < >= <=``, ``&&``, ``||``, ``{ }``, dotted paths) and orderBy.

Queries compile once into predicates over JSON records. Each resource declares its
queryable properties and their kinds, so an unknown property is refused the way Codat
refuses it: ``400 Error parsing query - Could not resolve property x on Company``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from .http import HTTPError

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]

MAX_QUERY_LENGTH = 2048

_OPERATORS = ("!=", ">=", "<=", "=", "~", ">", "<")
_PATH_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Schema:
    """The queryable properties of one resource (``entity`` names it in error messages).

    Kinds are ``string``, ``number``, ``datetime`` and ``boolean``. ``*`` in a path matches any
    key (tags); ``[]`` marks an array of objects, which matches when any element does.
    """

    entity: str
    fields: Mapping[str, str]

    def resolve(self, path: str) -> tuple[str, tuple[str, ...]]:
        """The kind of ``path`` and its lookup steps, or a Codat-shaped 400."""
        if path in self.fields:
            return self.fields[path], tuple(path.split("."))
        parts = path.split(".")
        for pattern, kind in self.fields.items():
            pattern_parts = pattern.split(".")
            if len(pattern_parts) == len(parts) and all(
                p == "*" or p.rstrip("[]") == q for p, q in zip(pattern_parts, parts)
            ):
                steps = tuple(q + "[]" if p.endswith("[]") else q for p, q in zip(pattern_parts, parts))
                return kind, steps
        raise query_error(f"Could not resolve property {path} on {self.entity}")


def query_error(detail: str) -> HTTPError:
    return HTTPError(400, f"Error parsing query - {detail}")


def compile_query(text: str | None, schema: Schema) -> Predicate | None:
    """A predicate for ``text``, or ``None`` when there is no query."""
    if text is None or not text.strip():
        return None
    if len(text) >= MAX_QUERY_LENGTH:
        raise query_error(f"Query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH - 1}.")
    parser = _Parser(text, schema)
    predicate = parser.parse_or()
    parser.skip_spaces()
    if parser.pos != len(text):
        raise query_error("Malformed query.")
    return predicate


class _Parser:
    def __init__(self, text: str, schema: Schema) -> None:
        self.text = text
        self.pos = 0
        self.schema = schema

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, token: str) -> bool:
        self.skip_spaces()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def parse_or(self) -> Predicate:
        terms = [self.parse_and()]
        while self.take("||"):
            terms.append(self.parse_and())
        if len(terms) == 1:
            return terms[0]
        return lambda record: any(term(record) for term in terms)

    def parse_and(self) -> Predicate:
        factors = [self.parse_atom()]
        while self.take("&&"):
            factors.append(self.parse_atom())
        if len(factors) == 1:
            return factors[0]
        return lambda record: all(factor(record) for factor in factors)

    def parse_atom(self) -> Predicate:
        if self.take("{"):
            inner = self.parse_or()
            if not self.take("}"):
                raise query_error("Malformed query.")
            return inner
        return self.parse_condition()

    def parse_condition(self) -> Predicate:
        self.skip_spaces()
        match = _PATH_RE.match(self.text, self.pos)
        if not match:
            raise query_error("Malformed query.")
        path = match.group(0)
        self.pos = match.end()
        self.skip_spaces()
        operator = next((op for op in _OPERATORS if self.text.startswith(op, self.pos)), None)
        if operator is None:
            raise query_error("Malformed query.")
        self.pos += len(operator)
        value = self.parse_value()
        kind, steps = self.schema.resolve(path)
        return _condition(path, steps, kind, operator, value)

    def parse_value(self) -> str:
        self.skip_spaces()
        if self.pos < len(self.text) and self.text[self.pos] in "\"'":
            quote = self.text[self.pos]
            end = self.text.find(quote, self.pos + 1)
            if end < 0:
                raise query_error("Malformed query.")
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        if self.pos < len(self.text) and self.text[self.pos] in "=!<>~":
            raise query_error("Malformed query.")  # e.g. name===; quote such a value: name='=='
        start = self.pos
        while self.pos < len(self.text):
            if self.text.startswith(("&&", "||"), self.pos) or self.text[self.pos] in "{}":
                break
            self.pos += 1
        value = self.text[start : self.pos].strip()
        if not value:
            raise query_error("Malformed query.")
        return value


def _condition(path: str, steps: tuple[str, ...], kind: str, operator: str, raw: str) -> Predicate:
    if operator == "!=":
        positive = _comparator(path, kind, "=", raw)

        def predicate(record: Record) -> bool:
            return not any(positive(value) for value in _lookup(record, steps))

        return predicate

    compare = _comparator(path, kind, operator, raw)

    def predicate(record: Record) -> bool:
        return any(compare(value) for value in _lookup(record, steps))

    return predicate


def _lookup(record: Any, steps: tuple[str, ...]) -> list[Any]:
    """Every value at ``steps`` (several when the path crosses an array of objects)."""
    current = [record]
    for step in steps:
        is_array = step.endswith("[]")
        key = step[:-2] if is_array else step
        following: list[Any] = []
        for item in current:
            if not isinstance(item, Mapping):
                continue
            value = item.get(key)
            if is_array and isinstance(value, list):
                following.extend(value)
            elif value is not None:
                following.append(value)
        current = following
    return current


def _comparator(path: str, kind: str, operator: str, raw: str) -> Callable[[Any], bool]:
    if kind == "string":
        if operator in (">", "<", ">=", "<="):
            raise query_error(f"Operator {operator} needs a number or date; {path} is text. Use = != or ~.")
        needle = raw.casefold()
        if operator == "~":
            return lambda value: isinstance(value, str) and needle in value.casefold()
        return lambda value: str(value).casefold() == needle
    if kind == "boolean":
        if operator not in ("=", "!="):
            raise query_error(f"Operator {operator} is not allowed on {path}, which is true or false.")
        if raw.lower() not in ("true", "false"):
            raise query_error(f"'{raw}' is not a valid value for {path}; use true or false.")
        wanted = raw.lower() == "true"
        return lambda value: value is wanted
    if operator == "~":
        raise query_error(f"Operator ~ (contains) only applies to text; {path} is a {kind}.")
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise query_error(f"'{raw}' is not a number, which {path} needs.") from None
        return _ordered(operator, number, lambda value: float(value) if isinstance(value, (int, float)) else None)
    moment, whole_day = _parse_query_date(path, raw)
    if operator == "=" and whole_day:
        return lambda value: (_as_naive_utc(value) or datetime.min).date() == moment.date()
    return _ordered(operator, moment, _as_naive_utc)


def _ordered(operator: str, target: Any, convert: Callable[[Any], Any]) -> Callable[[Any], bool]:
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: v == target,
        ">": lambda v: v > target,
        "<": lambda v: v < target,
        ">=": lambda v: v >= target,
        "<=": lambda v: v <= target,
    }
    test = tests[operator]

    def compare(value: Any) -> bool:
        converted = convert(value)
        return converted is not None and test(converted)

    return compare


def _parse_query_date(path: str, raw: str) -> tuple[datetime, bool]:
    if _DATE_RE.match(raw):
        try:
            return datetime.combine(date.fromisoformat(raw), datetime.min.time()), True
        except ValueError:
            pass
    parsed = _as_naive_utc(raw)
    if parsed is None:
        raise query_error(f"'{raw}' is not a date, which {path} needs; write dates as YYYY-MM-DD.")
    return parsed, False


def _as_naive_utc(value: Any) -> datetime | None:
    """Codat dates (``Z``, offsets, or unzoned local) as naive datetimes for comparison."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[: min(digits, 6)].ljust(6, "0") + rest[digits:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


# --- orderBy -----------------------------------------------------------------------------


def order_records(
    records: Iterable[Any], order_by: str | None, schema: Schema, record: Callable[[Any], Record] = lambda r: r
) -> list[Any]:
    """Records (or items whose ``record`` is one) sorted by Codat's ``orderBy``: ``field`` or ``-field``."""
    result = list(records)
    if order_by is None or not order_by.strip():
        return result
    keys = [part.strip() for part in order_by.split(",")]
    for key in reversed(keys):  # stable sorts, last key first
        descending = key.startswith("-")
        path = key[1:].strip() if descending else key
        if not _PATH_RE.fullmatch(path):
            raise HTTPError(400, f"Error parsing orderBy - '{key}' is not a property name; use orderBy=field or orderBy=-field.")
        try:
            kind, steps = schema.resolve(path)
        except HTTPError:
            raise HTTPError(400, f"Error parsing orderBy - Could not resolve property {path} on {schema.entity}") from None
        if any(step.endswith("[]") for step in steps):
            raise HTTPError(400, f"Error parsing orderBy - {path} is inside an array and cannot be ordered by.")
        sort_key = _sort_key(steps, kind)
        result.sort(key=lambda item: sort_key(record(item)), reverse=descending)
    return result


def _sort_key(steps: tuple[str, ...], kind: str) -> Callable[[Record], tuple[int, Any]]:
    def key(record: Record) -> tuple[int, Any]:
        values = _lookup(record, steps)
        if not values:
            return (0, 0)  # missing values first when ascending, as SQL Server orders NULLs
        value = values[0]
        if kind == "string":
            return (1, str(value).casefold())
        if kind == "datetime":
            return (1, _as_naive_utc(value) or datetime.min)
        if kind == "boolean":
            return (1, bool(value))
        return (1, value if isinstance(value, (int, float)) else 0)

    return key
