"""The injectable clock and Codat's timestamp format."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from codat_nb.sandbox.clock import MANUAL_EPOCH, Clock, ManualClock, format_timestamp, parse_timestamp


class FakeWall:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_scaled_clock__speed_multiplies_wall_time() -> None:
    wall = FakeWall()
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    clock = Clock(start=start, speed=10, wall=wall)
    wall.now += 3
    assert clock.now() == start + timedelta(seconds=30)
    clock.advance(5)
    assert clock.now() == start + timedelta(seconds=35)


def test_manual_clock__moves_only_when_told() -> None:
    clock = ManualClock()
    assert clock.now() == MANUAL_EPOCH and clock.is_manual
    assert clock.advance(1.5) == MANUAL_EPOCH + timedelta(seconds=1.5)
    clock.reset()
    assert clock.now() == MANUAL_EPOCH


@pytest.mark.parametrize("bad", [-1, -0.5])
def test_clock__refuses_negative(bad: float) -> None:
    with pytest.raises(ValueError, match="speed must be 0"):
        Clock(speed=bad)
    with pytest.raises(ValueError, match="only moves forward"):
        ManualClock().advance(bad)


def test_format_timestamp__seven_fractional_digits() -> None:
    moment = datetime(2022, 11, 10, 10, 45, 18, 195052, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "2022-11-10T10:45:18.1950520Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-11-10T10:45:18.1950523Z", datetime(2022, 11, 10, 10, 45, 18, 195052, tzinfo=timezone.utc)),
        ("2021-11-15T01:00:00-05:00", datetime(2021, 11, 15, 6, 0, tzinfo=timezone.utc)),
        ("2021-11-15T06:00:00", datetime(2021, 11, 15, 6, 0, tzinfo=timezone.utc)),
        ("2022-01-01T12:00:00.000Z", datetime(2022, 1, 1, 12, 0, tzinfo=timezone.utc)),
    ],
)
def test_parse_timestamp__codat_forms(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


class Keeper:
    """Saves whatever it is asked to, ``ahead`` seconds beyond it, and remembers the calls."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead
        self.calls: list[datetime] = []

    def __call__(self, moment: datetime) -> datetime:
        self.calls.append(moment)
        return moment + timedelta(seconds=self.ahead)


def test_keep__asked_before_a_time_past_the_saved_one_is_returned() -> None:
    wall = FakeWall()
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    clock = Clock(start=start, speed=10, wall=wall)
    keeper = Keeper(ahead=5)
    clock.keep(keeper)
    assert clock.now() == start and keeper.calls == [start]
    wall.now += 0.5  # 5 simulated seconds: exactly the saved time, still covered
    assert clock.now() == start + timedelta(seconds=5) and len(keeper.calls) == 1
    wall.now += 0.1
    assert clock.now() == start + timedelta(seconds=6) and keeper.calls[-1] == start + timedelta(seconds=6)
    clock.advance(100)  # a jump is saved too
    assert keeper.calls[-1] == start + timedelta(seconds=106)


def test_keep__none_from_the_keeper_stops_asking() -> None:
    clock = ManualClock()
    calls: list[datetime] = []
    clock.keep(lambda moment: calls.append(moment))  # returns None: its store is closed
    clock.advance(1)
    clock.advance(1)
    assert calls == [MANUAL_EPOCH + timedelta(seconds=1)] and clock.now() == MANUAL_EPOCH + timedelta(seconds=2)


def test_keep__reset_asks_again_with_the_rewound_time() -> None:
    clock = ManualClock()
    keeper = Keeper(ahead=0)
    clock.keep(keeper, mark=MANUAL_EPOCH)
    clock.advance(30)
    clock.reset()
    assert clock.now() == MANUAL_EPOCH and keeper.calls == [MANUAL_EPOCH + timedelta(seconds=30), MANUAL_EPOCH]


def test_resume__moves_forward_only() -> None:
    wall = FakeWall()
    clock = Clock(start=MANUAL_EPOCH, speed=4, wall=wall)
    assert clock.resume(MANUAL_EPOCH - timedelta(hours=1)) == MANUAL_EPOCH
    assert clock.resume(MANUAL_EPOCH + timedelta(hours=1)) == MANUAL_EPOCH + timedelta(hours=1)
    wall.now += 10
    assert clock.now() == MANUAL_EPOCH + timedelta(hours=1, seconds=40)
    manual = ManualClock()
    exact = MANUAL_EPOCH + timedelta(days=3, seconds=0.123456)
    assert manual.resume(exact) == exact
