"""The widgets' HTML pieces: escaped, and links that open a new tab."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from codat_nb.widgets import _html


def test_new_tab_links_and_copy_buttons_escape_what_they_hold() -> None:
    url = "http://127.0.0.1:1/link/company/x?a=1&b='2'"
    link = _html.new_tab_link(url, "Open <Link>", as_button=True)
    assert "target='_blank' rel='noopener noreferrer'" in link and "&lt;Link&gt;" in link and "&#x27;2&#x27;" in link
    copy = _html.copy_button("</script><b>")
    assert "<b>" not in copy and "navigator.clipboard.writeText(" in copy


@pytest.mark.parametrize(("status", "colour"), [("Linked", "#dff5e9"), ("Deauthorized", "#fff1d6"), ("Unlinked", "#ececec"), ("PendingAuth", "#e8eefc")])
def test_connection_pills_use_the_portals_colours(status: str, colour: str) -> None:
    assert f"background:{colour}" in _html.connection_pill("Sandbox", status)


@pytest.mark.parametrize(
    ("span", "shown"), [(None, "—"), (timedelta(seconds=4.25), "4.2 s"), (timedelta(seconds=125), "2 min 05 s"), (timedelta(hours=3, minutes=4), "3 h 04 min")]
)
def test_durations(span: timedelta | None, shown: str) -> None:
    assert _html.duration(span) == shown


def test_dates_as_the_portal_writes_them() -> None:
    moment = datetime(2024, 9, 13, 10, 0, 52, tzinfo=timezone.utc)
    assert _html.when(moment) == "Sep 13, 2024 10:00:52"
    assert _html.when_html(moment) == "<span style='white-space:nowrap'>Sep 13, 2024 10:00:52</span>"
    assert _html.when(None) == "—"


def test_tables_escape_their_headers() -> None:
    assert "<th" in _html.table(["<a>"], [["x"]]) and "&lt;a&gt;" in _html.table(["<a>"], [["x"]])
