"""The emulator's injectable clock: real time scaled by a speed factor, or manual time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

#: Where a manual clock starts unless told otherwise: a fixed instant keeps ids,
#: timestamps and stored notebook outputs repeatable.
MANUAL_EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)


class Clock:
    """Simulated UTC time.

    ``speed`` simulated seconds pass per wall-clock second; ``speed=0`` is a
    manual clock that moves only through :meth:`advance`. Every timestamp the
    emulator writes comes from here, so tests and notebooks can pin time.
    """

    def __init__(
        self,
        start: datetime | None = None,
        speed: float = 1.0,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError(f"speed must be 0 (manual) or positive, got {speed}")
        if start is None:
            start = MANUAL_EPOCH if speed == 0 else datetime.now(timezone.utc)
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        self._start = start.astimezone(timezone.utc)
        self._speed = float(speed)
        self._wall = wall
        self._wall0 = wall()
        self._offset = 0.0
        self._lock = threading.RLock()
        #: The latest time the keeper has made safe to hand out, and the keeper (see :meth:`keep`).
        self._mark: datetime | None = None
        self._keeper: Callable[[datetime], datetime | None] | None = None

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def is_manual(self) -> bool:
        return self._speed == 0

    def now(self) -> datetime:
        """The current simulated time, timezone-aware UTC (never past what the keeper has saved)."""
        moment = self._read()
        if self._keeper is not None and (self._mark is None or moment > self._mark):
            with self._lock:  # one renewal at a time; a racing reader re-checks against the new mark
                keeper = self._keeper
                if keeper is not None and (self._mark is None or moment > self._mark):
                    mark = keeper(moment)
                    if mark is None:  # the keeper is gone (its store closed): stop asking
                        self._keeper = self._mark = None
                    else:
                        self._mark = max(mark, moment)
        return moment

    def _read(self) -> datetime:
        if self._speed == 0:  # manual: no wall clock to read
            return self._start + timedelta(seconds=self._offset)
        elapsed = (self._wall() - self._wall0) * self._speed + self._offset
        return self._start + timedelta(seconds=elapsed)

    def keep(self, keeper: Callable[[datetime], datetime | None], mark: datetime | None = None) -> None:
        """Have ``keeper(moment)`` save a time at or after ``moment`` before :meth:`now` first returns a
        time past the last one saved (``mark``, or none yet); it returns what it saved, or None to stop.

        This is how a state file keeps time from going backwards across restarts: no answer can
        carry a time later than the file holds. A clock has one keeper; a later call replaces it.
        """
        with self._lock:
            self._keeper = keeper
            self._mark = mark

    def resume(self, at: datetime) -> datetime:
        """Move forward to ``at`` if the clock is behind it (a restart picking up a saved time); returns now."""
        with self._lock:
            behind = (at - self._read()).total_seconds()
            if behind > 0:
                self._offset += behind
        return self.now()

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward; returns the new time."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; got {seconds} seconds")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Back to the start instant (used by the emulator's reset control)."""
        with self._lock:
            self._wall0 = self._wall()
            self._offset = 0.0
            self._mark = None  # deliberately back in time: the keeper saves the rewound time next

    def __repr__(self) -> str:
        mode = "manual" if self.is_manual else f"speed={self._speed:g}"
        return f"Clock({mode}, now={format_timestamp(self._read())})"


def ManualClock(start: datetime = MANUAL_EPOCH) -> Clock:  # noqa: N802 - reads as a type
    """A clock that stands still until :meth:`Clock.advance` is called."""
    return Clock(start=start, speed=0)


def format_timestamp(moment: datetime) -> str:
    """Codat's platform timestamp: UTC with seven fractional digits and ``Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def parse_timestamp(text: str) -> datetime:
    """Read a timestamp the emulator wrote (or a client sent) back to UTC."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    head, sep, rest = value.partition(".")
    if sep:  # trim fractions beyond microseconds, which fromisoformat rejects on 3.11
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = head + "." + rest[: min(digits, 6)].ljust(6, "0") + rest[digits:]
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
