"""RetryPolicy: how long each wait is, when retrying stops, and how Retry-After is read."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from codat_nb.errors import CodatError, ValidationError
from codat_nb.retries import RETRY_STATUSES, RateLimit, RetryPolicy, as_policy, parse_rate_limit, parse_reset, parse_retry_after

NOW = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def policy(**kwargs: Any) -> RetryPolicy:
    """A policy with a seeded generator, so jittered waits are the same in every run."""
    kwargs.setdefault("max_elapsed", 1e9)
    kwargs.setdefault("max_attempts", 10)
    kwargs.setdefault("max_backoff", 1e9)
    return RetryPolicy(rng=random.Random(0), **kwargs)


def waits(p: RetryPolicy, elapsed: float = 0.0) -> list[float | None]:
    return [p.wait(attempt, elapsed) for attempt in range(1, p.max_attempts + 1)]


# -- defaults ---------------------------------------------------------------------------------------------


def test_defaults__documented_values() -> None:
    p = RetryPolicy()
    assert (p.max_attempts, p.backoff, p.multiplier, p.max_backoff, p.max_elapsed, p.jitter) == (4, 0.5, 2.0, 30.0, 60.0, True)
    assert p.statuses == RETRY_STATUSES == frozenset({408, 429, 500, 502, 503, 504})
    assert p.enabled


def test_equality__ignores_rng() -> None:
    assert RetryPolicy(rng=random.Random(0)) == RetryPolicy(rng=random.Random(1))
    assert "rng" not in repr(RetryPolicy())


# -- backoff ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backoff", "multiplier", "expected"),
    [
        (0.5, 2.0, [0.5, 1.0, 2.0, 4.0, 8.0]),
        (1.0, 3.0, [1.0, 3.0, 9.0, 27.0, 81.0]),
        (0.25, 1.0, [0.25] * 5),
        (0.0, 2.0, [0.0] * 5),
    ],
)
def test_wait__without_jitter_is_exact(backoff: float, multiplier: float, expected: list[float]) -> None:
    p = policy(backoff=backoff, multiplier=multiplier, jitter=False, max_attempts=6)
    assert waits(p) == [*expected, None]


@pytest.mark.parametrize(("backoff", "multiplier"), [(0.5, 2.0), (1.0, 3.0), (0.1, 1.5)])
def test_wait__with_jitter_within_half_to_full(backoff: float, multiplier: float) -> None:
    p = policy(backoff=backoff, multiplier=multiplier, max_attempts=8)
    drawn = waits(p)
    assert drawn[-1] is None
    for attempt, wait in enumerate(drawn[:-1], start=1):
        full = backoff * multiplier ** (attempt - 1)
        assert full / 2 <= wait <= full, (attempt, wait)
    assert len(set(drawn[:-1])) == len(drawn) - 1  # jitter: not one fixed step


def test_wait__jitter_is_deterministic_with_seeded_rng() -> None:
    assert waits(policy()) == waits(policy())
    # Jittered waits still grow: the lowest possible 3rd wait is the highest possible 2nd.
    drawn = waits(policy(max_attempts=6))
    assert drawn[:-1] == sorted(drawn[:-1])


def test_wait__jitter_actually_varies_across_draws() -> None:
    p = policy()
    seen = {p.wait(1, 0.0) for _ in range(50)}
    assert len(seen) > 40 and min(seen) >= 0.25 and max(seen) <= 0.5


@pytest.mark.parametrize(("jitter", "low"), [(False, 4.0), (True, 2.0)])
def test_wait__max_backoff_caps_each_wait(jitter: bool, low: float) -> None:
    p = policy(backoff=1.0, multiplier=2.0, max_backoff=4.0, jitter=jitter, max_attempts=8)
    drawn = waits(p)[:-1]
    assert all(w <= 4.0 for w in drawn)
    assert all(low <= w for w in drawn[2:])  # from the 3rd wait on, the cap is the base
    if not jitter:
        assert drawn == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]


# -- when retrying stops ----------------------------------------------------------------------------------


@pytest.mark.parametrize("max_attempts", [1, 2, 4, 7])
def test_wait__max_attempts_counts_the_first_try(max_attempts: int) -> None:
    p = policy(max_attempts=max_attempts, jitter=False)
    drawn = waits(p)
    assert drawn.count(None) == 1 and drawn[-1] is None
    assert len([w for w in drawn if w is not None]) == max_attempts - 1
    assert p.wait(max_attempts + 5, 0.0) is None
    assert p.enabled is (max_attempts > 1)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(0.0, 1.0), (8.9, 1.0), (9.0, 1.0), (9.01, None), (10.0, None), (100.0, None)],
)
def test_wait__max_elapsed_budget_stops(elapsed: float, expected: float | None) -> None:
    p = policy(backoff=1.0, jitter=False, max_elapsed=10.0)
    assert p.wait(1, elapsed) == expected


def test_wait__budget_counts_the_wait_itself() -> None:
    p = policy(backoff=1.0, multiplier=2.0, jitter=False, max_elapsed=5.0)
    # 1 + 2 = 3 s spent waiting; the 3rd wait of 4 s would end at 7 s, past the 5 s budget.
    assert p.wait(1, 0.0) == 1.0
    assert p.wait(2, 1.0) == 2.0
    assert p.wait(3, 3.0) is None


# -- Retry-After ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [0.0, 0.5, 7.0, 30.0])
def test_wait__retry_after_used_as_given(retry_after: float) -> None:
    p = policy(max_backoff=30.0)  # jitter on: still the server's value, untouched
    assert p.wait(1, 0.0, retry_after) == retry_after
    assert p.wait(3, 0.0, retry_after) == retry_after


@pytest.mark.parametrize("retry_after", [30.001, 31.0, 3600.0])
def test_wait__retry_after_above_max_backoff_gives_up(retry_after: float) -> None:
    assert policy(max_backoff=30.0).wait(1, 0.0, retry_after) is None


def test_wait__retry_after_still_bounded_by_budget_and_attempts() -> None:
    p = policy(max_backoff=30.0, max_elapsed=10.0, max_attempts=3)
    assert p.wait(1, 5.0, 5.0) == 5.0
    assert p.wait(1, 5.0, 5.1) is None
    assert p.wait(3, 0.0, 1.0) is None


# -- off / as_policy --------------------------------------------------------------------------------------


def test_off__one_attempt_never_waits() -> None:
    p = RetryPolicy.off()
    assert p.max_attempts == 1 and not p.enabled
    assert p.wait(1, 0.0) is None
    assert p.wait(1, 0.0, retry_after=0.0) is None


@pytest.mark.parametrize(
    ("retries", "max_attempts"),
    [(True, 4), (None, 4), (False, 1), (0, 1), (1, 2), (3, 4), (10, 11)],
)
def test_as_policy__shorthands(retries: Any, max_attempts: int) -> None:
    p = as_policy(retries)
    assert isinstance(p, RetryPolicy)
    assert p.max_attempts == max_attempts
    assert p.enabled is (max_attempts > 1)


def test_as_policy__policy_passes_through() -> None:
    given = RetryPolicy(max_attempts=2, backoff=0.1)
    assert as_policy(given) is given


@pytest.mark.parametrize("retries", ["x", "3", -1, 2.5, 1.0, [3], object()])
def test_as_policy__refused(retries: Any) -> None:
    with pytest.raises(ValidationError) as info:
        as_policy(retries)
    assert isinstance(info.value, ValueError) and isinstance(info.value, CodatError)
    message = str(info.value)
    assert message.startswith("retries must be True, False, a number of retries or a RetryPolicy; got ")
    assert message.endswith(f"got {retries!r}.")


# -- construction -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_attempts": 0}, "max_attempts must be a whole number of at least 1; got 0."),
        ({"max_attempts": -3}, "max_attempts must be a whole number of at least 1; got -3."),
        ({"max_attempts": 2.0}, "max_attempts must be a whole number of at least 1; got 2.0."),
        ({"max_attempts": True}, "max_attempts must be a whole number of at least 1; got True."),
        ({"max_attempts": "3"}, "max_attempts must be a whole number of at least 1; got '3'."),
        ({"backoff": -0.1}, "backoff must be a number of seconds >= 0; got -0.1."),
        ({"backoff": "1"}, "backoff must be a number of seconds >= 0; got '1'."),
        ({"backoff": None}, "backoff must be a number of seconds >= 0; got None."),
        ({"backoff": True}, "backoff must be a number of seconds >= 0; got True."),
        ({"backoff": math.nan}, "backoff must be a number of seconds >= 0; got nan."),
        ({"multiplier": -2}, "multiplier must be a number of seconds >= 0; got -2."),
        ({"multiplier": math.nan}, "multiplier must be a number of seconds >= 0; got nan."),
        ({"max_backoff": -1}, "max_backoff must be a number of seconds >= 0; got -1."),
        ({"max_backoff": math.nan}, "max_backoff must be a number of seconds >= 0; got nan."),
        ({"max_elapsed": -1}, "max_elapsed must be a number of seconds >= 0; got -1."),
        ({"max_elapsed": math.nan}, "max_elapsed must be a number of seconds >= 0; got nan."),
    ],
)
def test_construction__invalid_values_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        RetryPolicy(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 1}, {"backoff": 0}, {"max_elapsed": 0}, {"max_elapsed": math.inf}, {"max_backoff": math.inf}],
)
def test_construction__edge_values_accepted(kwargs: dict[str, Any]) -> None:
    RetryPolicy(**kwargs)


def test_construction__frozen() -> None:
    p = RetryPolicy()
    with pytest.raises(AttributeError):
        p.max_attempts = 9  # type: ignore[misc]


# -- parse_retry_after ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("0.5", 0.5),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("120", 120.0),
        ("-5", 0.0),
        (None, None),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("Mon", None),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("31 Feb 2024 00:00:00 GMT", None),
    ],
)
def test_parse_retry_after__seconds_and_garbage(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Fri, 01 Mar 2024 12:01:00 GMT", 60.0),
        ("Fri, 01 Mar 2024 13:00:00 +0100", 0.0),  # the same instant as NOW, another zone
        ("Fri, 01 Mar 2024 12:00:05 -0000", 5.0),  # -0000: a naive date, read as UTC
        ("Fri, 01 Mar 2024 11:59:00 GMT", 0.0),  # in the past: no wait
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
    ids=["future-30s", "future-60s", "other-zone", "minus-zero", "past-minute", "past-years"],
)
def test_parse_retry_after__http_date(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after__http_date_defaults_to_the_real_clock() -> None:
    ahead = datetime.now(timezone.utc) + timedelta(hours=1)
    seconds = parse_retry_after(format_datetime(ahead, usegmt=True))
    assert seconds is not None and 3590 <= seconds <= 3600


# -- rate-limit headers -------------------------------------------------------------------------------------

MIDNIGHT = datetime(2024, 3, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-02T00:00:00Z", MIDNIGHT),
        ("2024-03-02T00:00:00.000Z", MIDNIGHT),
        ("2024-03-02T01:00:00+01:00", MIDNIGHT),  # another zone: given back in UTC
        ("2024-03-02T00:00:00", MIDNIGHT),  # no zone: read as UTC
        ("2024-03-02", MIDNIGHT),
        ("Sat, 02 Mar 2024 00:00:00 GMT", MIDNIGHT),
        (str(int(MIDNIGHT.timestamp())), MIDNIGHT),  # Unix seconds
        ("43200", MIDNIGHT),  # seconds from now (12 h after NOW)
        (None, None),
        ("", None),
        ("tomorrow", None),
        ("-5", None),
        ("nan", None),
        ("2024-13-45", None),
    ],
)
def test_parse_reset__timestamps_dates_and_garbage(value: str | None, expected: datetime | None) -> None:
    assert parse_reset(value, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"x-rate-limit-limit": "2000", "x-rate-limit-remaining": "1999", "x-rate-limit-reset": "2024-03-02T00:00:00Z"},
         RateLimit(2000, 1999, MIDNIGHT)),
        ({"x-rate-limit-remaining": " 7 "}, RateLimit(None, 7, None)),
        ({"x-rate-limit-limit": "1000.0", "x-rate-limit-remaining": "lots"}, RateLimit(1000, None, None)),
        ({"x-rate-limit-limit": "-1", "x-rate-limit-remaining": "inf"}, RateLimit(None, None, None)),
    ],
    ids=["none", "all-three", "remaining-only", "float-and-garbage", "negative-and-infinite"],
)  # fmt: skip
def test_parse_rate_limit__tolerant(headers: dict[str, str], expected: RateLimit | None) -> None:
    assert parse_rate_limit(headers, now=NOW) == expected


def test_rate_limit__frozen() -> None:
    with pytest.raises(AttributeError):
        RateLimit(1, 1, None).remaining = 0  # type: ignore[misc]
