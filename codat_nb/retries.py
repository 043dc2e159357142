"""When to retry a failed request and how long to wait: backoff with jitter, Retry-After, a time budget,
and the rate-limit budget Codat reports."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from .errors import ValidationError

#: Statuses worth another try: timeout, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total time.

    Args:
        max_attempts: tries in all, the first included (1 = no retries).
        backoff: the first wait in seconds; each later one is ``multiplier`` times longer.
        max_backoff: no single wait is longer (a longer Retry-After ends the retrying instead).
        max_elapsed: no retry starts after this many seconds since the first try.
        jitter: waits are drawn from [backoff/2, backoff] so clients do not retry in step.
    """

    max_attempts: int = 4
    backoff: float = 0.5
    multiplier: float = 2.0
    max_backoff: float = 30.0
    max_elapsed: float = 60.0
    jitter: bool = True
    statuses: frozenset[int] = RETRY_STATUSES
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValidationError(f"max_attempts must be a whole number of at least 1; got {self.max_attempts!r}.")
        for name in ("backoff", "multiplier", "max_backoff", "max_elapsed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:  # NaN too
                raise ValidationError(f"{name} must be a number of seconds >= 0; got {value!r}.")

    @classmethod
    def off(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    @property
    def enabled(self) -> bool:
        return self.max_attempts > 1

    def wait(self, attempt: int, elapsed: float, retry_after: float | None = None) -> float | None:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` tries made so far), or None to give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            delay = retry_after
            if delay > self.max_backoff:
                return None
        else:
            delay = min(self.max_backoff, self.backoff * self.multiplier ** (attempt - 1))
            if self.jitter:
                delay = self.rng.uniform(delay / 2, delay)
        if elapsed + delay > self.max_elapsed:
            return None
        return delay


def as_policy(retries: RetryPolicy | bool | int | None) -> RetryPolicy:
    """``True``/None: the default policy; ``False``/0: off; an int: that many retries after the first try."""
    if retries is None or retries is True:
        return RetryPolicy()
    if retries is False:
        return RetryPolicy.off()
    if isinstance(retries, RetryPolicy):
        return retries
    if isinstance(retries, int) and retries >= 0:
        return RetryPolicy(max_attempts=retries + 1)
    raise ValidationError(f"retries must be True, False, a number of retries or a RetryPolicy; got {retries!r}.")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, from either form the HTTP spec allows (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RateLimit:
    """Codat's rate-limit headers on the latest answer that carried them (``client.rate_limit``):
    the quota (``X-Rate-Limit-Limit``), what is left of it (``X-Rate-Limit-Remaining``) and when it
    starts afresh (``X-Rate-Limit-Reset``, UTC). Each is None when absent or unreadable."""

    limit: int | None
    remaining: int | None
    reset: datetime | None


def parse_rate_limit(headers: Mapping[str, str], now: datetime | None = None) -> RateLimit | None:
    """The rate-limit headers of an answer, read tolerantly; None when it carries none of them."""
    limit, remaining, reset = (headers.get(f"x-rate-limit-{name}") for name in ("limit", "remaining", "reset"))
    if limit is None and remaining is None and reset is None:
        return None
    return RateLimit(_count(limit), _count(remaining), parse_reset(reset, now))


def _count(value: str | None) -> int | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return int(number) if number == number and abs(number) != float("inf") and number >= 0 else None


def parse_reset(value: str | None, now: datetime | None = None) -> datetime | None:
    """When a quota resets: an ISO 8601 timestamp (``2026-12-05T00:00:00Z``, an offset, or a bare
    date), an HTTP date, Unix seconds, or a number of seconds from now (below 10^9). Always UTC."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if number != number or abs(number) == float("inf") or number < 0:
            return None
        if number >= 1e9:
            return datetime.fromtimestamp(number, timezone.utc)
        return (now or datetime.now(timezone.utc)) + timedelta(seconds=number)
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)
