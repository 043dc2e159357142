"""When to retry a failed request and how long to wait: backoff with jitter, Retry-After, a time budget."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
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
