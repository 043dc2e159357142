"""Codat's rate limits, opt-in: concurrent requests per company and a daily quota per key.

- At most ``concurrent`` requests in flight per company (any path under ``/companies/{id}``). In
  flight means from arrival in the transport, through the latency wait, to the answer, so the
  count lives in the transports (``Emulator.begin`` / ``finish``), not inside the locked handler.
  One more is refused at once: 429 with ``Retry-After: 1`` (wall seconds), and it is not served.
- A daily quota per key of ``daily_base × (1 + connected companies)`` (connected: with a Linked
  connection), reset at 00:00 UTC of the *simulated* clock. Past it: 429 with ``Retry-After`` =
  the simulated seconds to midnight divided by the clock speed, i.e. the wall seconds until the
  reset. On a manual clock time moves only when told, so it is the simulated seconds themselves:
  a client whose waits move the clock (the embedded Sandbox's) wakes exactly at the reset.
- Every Codat API answer to a known key (2xx and errors; not the controls or the Link pages)
  carries ``X-Rate-Limit-Limit`` (the day's quota), ``X-Rate-Limit-Remaining`` (after this
  request) and ``X-Rate-Limit-Reset``: when the quota resets, an ISO 8601 UTC timestamp such as
  ``2026-01-06T00:00:00Z`` (Codat documents "a date" without its format).

Requests served count against the quota, whatever their status (an injected fault included);
refused ones do not. The counts live in memory: a restarted server starts the day afresh.
``GET /_sandbox`` shows the usage, the refusals and the most requests seen in flight per company, so a test can prove that nothing beyond the limits was served.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from .faults import status_error
from .http import HTTPError, Request
from .state import Tenant


@dataclass(frozen=True)
class RateLimits:
    """The limits to enforce; Codat's by default, smaller ones make tests quick."""

    concurrent: int = 10
    daily_base: int = 1000

    def __post_init__(self) -> None:
        for name in ("concurrent", "daily_base"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"RateLimits.{name} must be a whole number of at least 1; got {value!r:.30}")


@dataclass
class _Day:
    day: date
    used: int = 0


@dataclass
class RateLimiter:
    """The in-flight counts, the day's usage per tenant, and what was refused."""

    limits: RateLimits
    _in_flight: dict[str, int] = field(default_factory=dict)
    _most: dict[str, int] = field(default_factory=dict)
    _days: dict[str, _Day] = field(default_factory=dict)
    _refused: dict[str, int] = field(default_factory=lambda: {"concurrent": 0, "daily": 0})
    _served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arrive(self, request: Request) -> tuple[str | None, HTTPError | None]:
        """Claim a slot for the request's company: ``(company id, None)``, or ``(None, the 429)`` when full.

        Requests outside ``/companies/{id}`` claim nothing: ``(None, None)``.
        """
        company = company_of(request)
        if company is None:
            return None, None
        with self._lock:
            running = self._in_flight.get(company, 0)
            if running >= self.limits.concurrent:
                self._refused["concurrent"] += 1
                detail = f" (Company {company} already has {running} requests in flight; Codat allows {self.limits.concurrent} at once.)"
                return None, status_error(429, 1, detail)
            self._in_flight[company] = running + 1
            self._most[company] = max(self._most.get(company, 0), running + 1)
        return company, None

    def leave(self, company: str) -> None:
        with self._lock:
            left = self._in_flight.get(company, 0) - 1
            if left > 0:
                self._in_flight[company] = left
            else:
                self._in_flight.pop(company, None)

    def count(self, tenant: Tenant, now: datetime, speed: float) -> None:
        """Count one request against the tenant's daily quota, or raise the 429 that refuses it."""
        limit = self.quota(tenant)
        with self._lock:
            today = self._today(tenant, now)
            if today.used >= limit:
                self._refused["daily"] += 1
                reset = _midnight_after(now)
                wait = max(1, math.ceil((reset - now).total_seconds() / (speed or 1)))
                detail = f" (The daily quota of {limit} requests for this key is used up; it resets at {_stamp(reset)}.)"
                raise status_error(429, wait, detail)
            today.used += 1
            self._served += 1

    def headers(self, tenant: Tenant, now: datetime) -> list[tuple[str, str]]:
        limit = self.quota(tenant)
        with self._lock:
            used = self._today(tenant, now).used
        return [
            ("x-rate-limit-limit", str(limit)),
            ("x-rate-limit-remaining", str(max(0, limit - used))),
            ("x-rate-limit-reset", _stamp(_midnight_after(now))),
        ]

    def quota(self, tenant: Tenant) -> int:
        return self.limits.daily_base * (1 + tenant.cached("rate-limits:connected", lambda: _connected(tenant)))

    def _today(self, tenant: Tenant, now: datetime) -> _Day:
        today = self._days.get(tenant.id)
        if today is None or today.day != now.date():
            today = self._days[tenant.id] = _Day(now.date())
        return today

    def usage(self, tenant: Tenant | None, now: datetime) -> dict[str, Any]:
        """For GET /_sandbox: totals, and the caller's own quota and companies (never another key's)."""
        with self._lock:
            mine = set(tenant.companies) if tenant is not None else set()
            shown: dict[str, Any] = {
                "concurrent": self.limits.concurrent,
                "dailyBase": self.limits.daily_base,
                "served": self._served,
                "refused": dict(self._refused),
                "maxInFlight": max(self._most.values(), default=0),
                "companies": {
                    cid: {"inFlight": self._in_flight.get(cid, 0), "maxInFlight": most}
                    for cid, most in sorted(self._most.items())
                    if cid in mine
                },
            }
        if tenant is not None:
            limit = self.quota(tenant)
            with self._lock:
                used = self._today(tenant, now).used
            shown["daily"] = {"limit": limit, "used": used, "remaining": max(0, limit - used), "resetsAt": _stamp(_midnight_after(now))}
        return shown

    def clear(self) -> None:
        """Forget usage and counts (the emulator's reset); requests in flight keep their slots."""
        with self._lock:
            self._days.clear()
            self._most = {cid: n for cid, n in self._in_flight.items()}
            self._refused = {"concurrent": 0, "daily": 0}
            self._served = 0


def _connected(tenant: Tenant) -> int:
    """Companies with a Linked connection: the "connected companies" Codat's daily quota grows with."""
    return len({c["_companyId"] for c in tenant.connections.values() if c.get("status") == "Linked"})


def company_of(request: Request) -> str | None:
    """The company a Codat API request is about (``/companies/{id}...``), lower-cased as ids are."""
    path = request.raw_path
    if not path.startswith("/companies/"):
        return None
    company = path[len("/companies/") :].split("/", 1)[0]
    return company.lower() or None


def _midnight_after(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
