"""Days as integers (days since 1970-01-01) and the unzoned date strings Codat writes for them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

_EPOCH = date(1970, 1, 1)


def day_of(moment: date | datetime) -> int:
    if isinstance(moment, datetime):
        moment = moment.astimezone(timezone.utc).date()
    return (moment - _EPOCH).days


def date_of(day: int) -> date:
    return _EPOCH + timedelta(days=int(day))


@lru_cache(maxsize=8192)
def _day_text(day: int) -> str:
    return date_of(day).isoformat()


def local_datetime(day: int, seconds: int = 0) -> str:
    """Codat's unzoned local time: ``2025-03-14T13:04:02``."""
    s = int(seconds)
    return f"{_day_text(int(day))}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def local_date(day: int) -> str:
    """Midnight of a day, as Codat writes dates without a time: ``2025-03-14T00:00:00``."""
    return _day_text(int(day)) + "T00:00:00"


def month_start(day: int) -> int:
    d = date_of(day)
    return day_of(d.replace(day=1))


def add_months(day: int, months: int) -> int:
    d = date_of(day)
    index = d.year * 12 + d.month - 1 + months
    return day_of(date(index // 12, index % 12 + 1, 1))


def month_end(day: int) -> int:
    return add_months(month_start(day), 1) - 1


def months_between(start: int, end: int) -> list[int]:
    """The first day of every month from ``start``'s month to ``end``'s month, inclusive."""
    months, current = [], month_start(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months
