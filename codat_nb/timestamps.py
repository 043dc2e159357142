"""Reading Codat's ISO 8601 date-times (7-digit fractions, ``Z``, offsets, unzoned local time)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .errors import SchemaError

__all__ = ["format_duration", "parse_datetime"]

# Strict on purpose: Python 3.11's fromisoformat also takes week dates ("2022-W01"), basic
# format ("20220429T000000") and "," fractions, none of which Codat writes; accepting them
# would let a wrong field (an invoice number, say) pass as a date.
_PATTERN = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
_EXPECTED = (
    "an ISO 8601 date-time such as '2022-11-10T10:45:18.1950523Z', "
    "'2021-11-15T01:00:00-05:00', '2022-04-29T00:00:00' or a date '2022-04-29'"
)


def parse_datetime(value: str | None) -> datetime | None:
    """Turn a Codat date-time string into a ``datetime``, keeping what it says about the zone.

    ``Z`` gives an aware UTC datetime and an offset an aware datetime with that offset.
    An unzoned value stays naive, because Codat means the business's local time there and
    guessing a zone would invent information. A date alone is naive midnight. Fractions of
    up to nine digits are accepted and truncated to microseconds (Codat writes seven).

    Args:
        value: the string from the JSON, or None for an absent or null field.

    Returns:
        The datetime, or None when ``value`` is None.

    Raises:
        SchemaError: ``value`` is not a string in one of those forms, or names no real
            date or time (month 13, hour 25); the message quotes the value.

    Example:
        >>> parse_datetime("2022-11-10T10:45:18.1950523Z")
        datetime.datetime(2022, 11, 10, 10, 45, 18, 195052, tzinfo=datetime.timezone.utc)
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(f"Cannot read {_shown(value)} ({type(value).__name__}) as a date-time: expected {_EXPECTED}.")
    match = _PATTERN.fullmatch(value)
    if match is None:
        raise SchemaError(f"Cannot read {_shown(value)} as a date-time: expected {_EXPECTED}.")
    try:
        day = datetime(int(match["year"]), int(match["month"]), int(match["day"]))
        if match["hour"] is None:
            return day
        return day.replace(
            hour=int(match["hour"]),
            minute=int(match["minute"]),
            second=int(match["second"] or 0),
            microsecond=int((match["fraction"] or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(match["zone"]),
        )
    except ValueError as exc:
        raise SchemaError(f"Cannot read {_shown(value)} as a date-time ({exc}): expected {_EXPECTED}.") from None


def _zone(text: str | None) -> timezone | None:
    """``Z`` and ``+00:00`` are both plain UTC; no zone means naive (the business's local time)."""
    if text is None:
        return None
    if text == "Z":
        return timezone.utc
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def _shown(value: object) -> str:
    """The value as a message quotes it: repr'd and cut to 60 characters, so a huge blob stays readable."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 60:
        text = text[:59] + "…"
    return repr(text) if isinstance(value, str) else text


def format_duration(span: timedelta | None, missing: str = "—") -> str:
    """A pull's duration as people read it: ``4.2 s``, ``2 min 05 s``, ``3 h 04 min`` (terminal and widgets alike)."""
    if span is None:
        return missing
    seconds = span.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
