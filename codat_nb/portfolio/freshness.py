"""Data freshness: for each company and data type, how long ago its last successful sync was, or why there is none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..errors import ValidationError
from ..records import Company, DataStatus, ERROR_STATUSES, TERMINAL_STATUSES

#: Freshness levels, freshest first, then the reasons a data type has no age: what the heatmap's colours follow.
FRESHNESS: tuple[str, ...] = ("< 1 hour", "1-24 hours", "1-7 days", "> 7 days", "Syncing", "Failed", "Not supported", "Never synced")
#: Upper bounds, in hours, of the age levels (the last one is open).
AGE_LIMITS: tuple[tuple[float, str], ...] = ((1.0, "< 1 hour"), (24.0, "1-24 hours"), (24.0 * 7, "1-7 days"))


def freshness_level(status: DataStatus | None, age_hours: float | None) -> str:
    """One cell's level. A failed latest sync shows as Failed even when older data exists (it is
    what needs attention); else the age of the last successful sync; else Syncing (a first sync
    under way), Not supported, or Never synced."""
    current = getattr(status, "current_status", None)
    if current in ERROR_STATUSES or current in ("RateLimited", "NotFound"):
        return "Failed"
    if age_hours is not None and age_hours == age_hours:
        return next((name for limit, name in AGE_LIMITS if age_hours < limit), "> 7 days")
    if current == "NotSupported":
        return "Not supported"
    if current is not None and current not in TERMINAL_STATUSES:
        return "Syncing"
    return "Never synced"


def freshness_frame(portfolio: Iterable[Any], now: Any = None) -> pd.DataFrame:
    """A long frame, one row per company and data type: how fresh each data type's data is.

    Args:
        portfolio: ``(Company, {data_type: DataStatus})`` pairs (what :func:`fetch_statuses` returns),
            or anything with ``.company`` and ``.statuses`` (Books, Onboarded).
        now: the moment ages are measured to (aware datetime or ISO 8601 text). Default: the latest
            successful sync in the data, never the clock, so a stored notebook shows the same again;
            pass the clock's time (``sandbox.emulator.clock.now()`` or ``datetime.now(timezone.utc)``)
            for ages as of now.

    Returns:
        Columns company_id, company_name, data_type, current_status, last_successful_sync (UTC),
        age_hours (empty when never synced) and freshness (an ordered category of :data:`FRESHNESS`).
        Every data type any company lists is a row for every company (Never synced where absent);
        sorted by company name, then data type.
    """
    pairs = [_pair(item) for item in portfolio]
    if not pairs:
        raise ValidationError("freshness_frame got no companies: pass fetch_statuses(client, companies)'s result.")
    types = sorted({t for _, statuses in pairs for t in statuses})
    moment = _moment(now, pairs)
    rows = []
    for company, statuses in sorted(pairs, key=lambda p: (p[0].name.casefold(), p[0].id)):
        for data_type in types:
            status = statuses.get(data_type)
            synced = getattr(status, "last_successful_sync", None)
            age = None if synced is None or moment is None else (moment - pd.Timestamp(synced)).total_seconds() / 3600
            rows.append({
                "company_id": company.id, "company_name": company.name, "data_type": data_type,
                "current_status": getattr(status, "current_status", None), "last_successful_sync": synced,
                "age_hours": age, "freshness": freshness_level(status, age),
            })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["last_successful_sync"] = pd.to_datetime(frame["last_successful_sync"], utc=True)
    frame["age_hours"] = pd.to_numeric(frame["age_hours"]).astype("float64")
    frame["current_status"] = frame["current_status"].astype("string")
    frame["freshness"] = pd.Categorical(frame["freshness"], categories=FRESHNESS, ordered=True)
    return frame


def _pair(item: Any) -> tuple[Company, Mapping[str, DataStatus]]:
    if hasattr(item, "company") and hasattr(item, "statuses"):
        company, statuses = item.company, item.statuses
    elif isinstance(item, tuple) and len(item) == 2:
        company, statuses = item
    else:
        raise ValidationError(f"freshness_frame takes (Company, data_status) pairs or Books; got {type(item).__name__}.")
    if not isinstance(company, Company) or not isinstance(statuses, Mapping):
        raise ValidationError("freshness_frame takes (Company, {data_type: DataStatus}) pairs, as fetch_statuses returns them.")
    return company, statuses


def _moment(now: Any, pairs: list[tuple[Company, Mapping[str, DataStatus]]]) -> pd.Timestamp | None:
    if now is None:
        synced = [pd.Timestamp(s.last_successful_sync) for _, st in pairs for s in st.values() if s.last_successful_sync is not None]
        return max(synced) if synced else None
    try:
        moment = pd.Timestamp(now)
    except (TypeError, ValueError):
        moment = pd.NaT
    if moment is pd.NaT or moment.tzinfo is None:
        raise ValidationError(f"now must be a timezone-aware time such as '2026-01-05T09:00:00Z'; got {now!r:.60}.")
    return moment.tz_convert("UTC")
