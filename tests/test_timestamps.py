"""parse_datetime reads every date-time form Codat writes and refuses anything else by name."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from codat_nb.errors import SchemaError
from codat_nb.timestamps import parse_datetime

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2022-11-10T10:45:18.1950523Z", datetime(2022, 11, 10, 10, 45, 18, 195052, UTC), id="7-digit-fraction"),
        pytest.param("2022-01-01T12:00:00.000Z", datetime(2022, 1, 1, 12, tzinfo=UTC), id="3-digit-zero-fraction"),
        pytest.param("2022-01-01T12:00:00.123Z", datetime(2022, 1, 1, 12, 0, 0, 123000, UTC), id="3-digit-fraction"),
        pytest.param("2022-01-01T12:00:00.5Z", datetime(2022, 1, 1, 12, 0, 0, 500000, UTC), id="1-digit-fraction"),
        pytest.param("2022-01-01T12:00:00.123456789Z", datetime(2022, 1, 1, 12, 0, 0, 123456, UTC), id="9-digit-fraction"),
        pytest.param("2022-01-01T12:00:00.9999999Z", datetime(2022, 1, 1, 12, 0, 0, 999999, UTC), id="truncated-not-rounded"),
        pytest.param("2022-10-27T09:53:29Z", datetime(2022, 10, 27, 9, 53, 29, tzinfo=UTC), id="no-fraction"),
        pytest.param("2022-10-27T09:53:29+00:00", datetime(2022, 10, 27, 9, 53, 29, tzinfo=UTC), id="plus-zero-offset"),
        pytest.param("2022-04-29T00:00:00", datetime(2022, 4, 29), id="unzoned"),
        pytest.param("2022-04-29T00:00:00.1950523", datetime(2022, 4, 29, 0, 0, 0, 195052), id="unzoned-fraction"),
        pytest.param("2022-04-29", datetime(2022, 4, 29), id="date-only"),
    ],
)
def test_parse_datetime__accepts(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert (parsed.tzinfo is None) == (expected.tzinfo is None)


def test_parse_datetime__z_is_aware_utc() -> None:
    parsed = parse_datetime("2022-11-10T10:45:18.1950523Z")
    assert parsed.tzinfo is not None
    assert parsed.utcoffset() == timedelta(0)


def test_parse_datetime__offset_is_kept() -> None:
    parsed = parse_datetime("2021-11-15T01:00:00-05:00")
    assert parsed.utcoffset() == timedelta(hours=-5)
    assert (parsed.hour, parsed.minute) == (1, 0)
    assert parsed == datetime(2021, 11, 15, 6, tzinfo=UTC)
    assert parse_datetime("2021-11-15T06:30:00+05:30").utcoffset() == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize("text", ["2022-04-29T00:00:00", "2022-04-29"])
def test_parse_datetime__unzoned_is_naive(text: str) -> None:
    parsed = parse_datetime(text)
    assert parsed.tzinfo is None
    assert parsed == datetime(2022, 4, 29, 0, 0)


def test_parse_datetime__none_is_none() -> None:
    assert parse_datetime(None) is None


@pytest.mark.parametrize(
    "bad",
    [
        "yesterday",
        "",
        "2022-13-01T00:00:00Z",
        "2022-02-30",
        "2022-01-01T24:00:00Z",
        "2022-01-01T00:00:00+24:00",
        "2022-W01",  # Python 3.11's fromisoformat takes these; Codat never writes them
        "20220429T000000",
        "2022-04-29 00:00:00",
        "2022-04-29T00:00:00,5",
        "2022-04-29T00:00:00.Z",
        "2022-04-29T00:00:00.1234567890Z",
        " 2022-04-29",
        "2022-04-29T00:00:00z",
        "２０２２-04-29",
    ],
)
def test_parse_datetime__refuses_bad_strings(bad: str) -> None:
    with pytest.raises(SchemaError, match="ISO 8601") as caught:
        parse_datetime(bad)
    assert repr(bad) in str(caught.value)


@pytest.mark.parametrize("bad", [12, 12.5, b"2022-04-29", datetime(2022, 4, 29), ["2022-04-29"], True])
def test_parse_datetime__refuses_non_strings(bad: object) -> None:
    with pytest.raises(SchemaError, match="ISO 8601") as caught:
        parse_datetime(bad)  # type: ignore[arg-type]
    message = str(caught.value)
    assert repr(bad)[:40] in message
    assert type(bad).__name__ in message


def test_parse_datetime__long_value_is_cut_in_message() -> None:
    bad = "x" * 500
    with pytest.raises(SchemaError) as caught:
        parse_datetime(bad)
    message = str(caught.value)
    assert "x" * 59 + "…" in message
    assert "x" * 61 not in message
