"""Simulated time kept in the SQLite state: never backwards across restarts, in-process (no subprocess).

A restart is simulated by opening a second Emulator on the same file without closing the first,
as after a SIGKILL: only what the first committed is there. The crash test proper, with a real
served process killed at random, is test_crashes.py.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from codat_nb.sandbox import MANUAL_EPOCH, Clock, Emulator, ManualClock
from codat_nb.sandbox.clock import parse_timestamp
from codat_nb.sandbox.state import LEASE_WALL_SECONDS
from codat_nb.sandbox.store import SqliteStore

from .conftest import auth_header

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class FakeWall:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def client(emulator: Emulator) -> httpx.Client:
    return httpx.Client(transport=emulator.transport(), base_url="http://sandbox.test", headers=auth_header())


def saved_clock(path: Path) -> dict[str, datetime]:
    """The clock docs a restart would read, through a connection of its own (committed data only)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT kind, body FROM docs WHERE tenant = '*' AND kind IN ('clock', 'lease')").fetchall()
    finally:
        db.close()
    return {kind: parse_timestamp(json.loads(body)["now"]) for kind, body in rows}


def linked_company(http: httpx.Client, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    company = http.post("/companies", json={"name": name}).json()
    connection = http.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    authorised = http.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize", json={"invoices": 20})
    assert authorised.status_code == 200, authorised.text
    return company, authorised.json()


def answered_times(http: httpx.Client, company_id: str) -> list[datetime]:
    history = http.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]
    times = [parse_timestamp(p[k]) for p in history for k in ("requested", "completed") if p.get(k)]
    return times + [parse_timestamp(http.get("/_sandbox/clock").json()["now"])]


def test_running_clock__a_restart_never_goes_back_in_time(tmp_path: Path) -> None:
    """The reported defect: speed 50, a restart used to start the clock from its start again."""
    path = tmp_path / "state.sqlite"
    first_wall = FakeWall()
    first = Emulator(seed=0, clock=Clock(start=START, speed=50, wall=first_wall), state_path=path)
    http = client(first)
    company, _ = linked_company(http, "Before Ltd")
    first_wall.now += 100  # 5000 simulated seconds: the first-link pulls are all done
    status = http.get(f"/companies/{company['id']}/dataStatus").json()
    assert {s["currentStatus"] for s in status.values()} == {"Complete"}
    latest = max(answered_times(http, company["id"]))
    # Killed here: ``first`` is abandoned, not closed.

    second_wall = FakeWall()
    second = Emulator(seed=0, clock=Clock(start=START, speed=50, wall=second_wall), state_path=path)
    resumed = second.clock.now()
    assert latest <= resumed <= latest + timedelta(seconds=50 * LEASE_WALL_SECONDS)
    with client(second) as again:
        assert again.get(f"/companies/{company['id']}/dataStatus").json() == status  # Complete stays Complete
        queued = again.post(f"/companies/{company['id']}/data/queue/invoices")
        assert queued.status_code == 200, queued.text  # not "already in progress"
        newer = again.post("/companies", json={"name": "After Ltd"}).json()
        assert parse_timestamp(newer["created"]) >= latest >= parse_timestamp(company["created"])
        second_wall.now += 2  # and it runs on at its speed from there
        assert second.clock.now() == resumed + timedelta(seconds=100)
    second.close()
    http.close()
    first.close()


def test_running_clock__every_time_answered_is_on_file_first_and_reads_rarely_write(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    wall = FakeWall()
    emulator = Emulator(seed=0, clock=Clock(start=START, speed=40, wall=wall), state_path=path)
    rng = random.Random(12)
    leases = set()
    requests = 300
    with client(emulator) as http:
        for i in range(requests):
            wall.now += rng.uniform(0, 0.02)
            if i % 10 == 0:
                answered = parse_timestamp(http.post("/companies", json={"name": f"Co {i}"}).json()["created"])
            else:
                answered = parse_timestamp(http.get("/_sandbox/clock").json()["now"])
            lease = saved_clock(path)["lease"]
            assert answered <= lease, f"request {i} answered {answered} but only {lease} is on file"
            leases.add(lease)
    # About 3 s of wall time at 0.5 s a lease: a handful of clock writes, not one per request.
    assert 2 <= len(leases) <= 3 / LEASE_WALL_SECONDS + 2
    emulator.close()


def test_manual_clock__a_restart_resumes_exactly_where_it_stood(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Emulator(seed=0, clock=ManualClock(), state_path=path)
    with client(first) as http:
        assert http.post("/_sandbox/clock/advance", json={"seconds": 90.25}).status_code == 200
    first.clock.advance(10)  # a notebook moving the clock from Python, outside any request
    assert saved_clock(path) == {"clock": MANUAL_EPOCH + timedelta(seconds=100.25)}

    second = Emulator(seed=0, clock=ManualClock(), state_path=path)
    assert second.clock.now() == MANUAL_EPOCH + timedelta(seconds=100.25)
    second.close()
    first.close()


def test_pulls_that_were_running__resume_where_they_were(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Emulator(seed=0, clock=ManualClock(), state_path=path)
    with client(first) as http:
        company, _ = linked_company(http, "Midway Ltd")
        http.post("/_sandbox/clock/advance", json={"seconds": 0.5})
        before = http.get(f"/companies/{company['id']}/data/history", params={"pageSize": 500}).json()["results"]
    assert before and not any("completed" in p for p in before)  # all under way when killed

    second = Emulator(seed=0, clock=ManualClock(), state_path=path)
    with client(second) as http:
        assert http.get(f"/companies/{company['id']}/data/history", params={"pageSize": 500}).json()["results"] == before
        http.post("/_sandbox/clock/advance", json={"seconds": 86400})
        after = http.get(f"/companies/{company['id']}/dataStatus").json()
    assert {s["currentStatus"] for s in after.values()} == {"Complete"}
    second.close()
    first.close()


def test_manual_state_reopened_on_a_running_clock__keeps_the_later_time(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Emulator(seed=0, clock=ManualClock(), state_path=path)
    first.state.advance_clock(3600)
    first.close()

    wall = FakeWall()
    running = Emulator(seed=0, clock=Clock(start=MANUAL_EPOCH - timedelta(days=1), speed=2, wall=wall), state_path=path)
    assert running.clock.now() == MANUAL_EPOCH + timedelta(hours=1)
    # Now kept by a running clock: the manual mark ('codat-nb export' reopens such files on a manual clock) is gone.
    assert saved_clock(path) == {"lease": MANUAL_EPOCH + timedelta(hours=1, seconds=2 * LEASE_WALL_SECONDS)}
    running.close()


def test_reset__rewinds_on_purpose_and_a_restart_keeps_the_rewind(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = Emulator(seed=0, clock=ManualClock(), state_path=path)
    with client(first) as http:
        http.post("/_sandbox/clock/advance", json={"seconds": 500})
        assert http.post("/_sandbox/reset").status_code == 204
        assert parse_timestamp(http.get("/_sandbox/clock").json()["now"]) == MANUAL_EPOCH
    second = Emulator(seed=0, clock=ManualClock(), state_path=path)
    assert second.clock.now() == MANUAL_EPOCH
    second.close()
    first.close()


def test_closed_state__the_clock_still_reads_and_moves(tmp_path: Path) -> None:
    emulator = Emulator(seed=0, clock=ManualClock(), state_path=tmp_path / "state.sqlite")
    emulator.close()
    assert emulator.clock.advance(5) == MANUAL_EPOCH + timedelta(seconds=5)
    assert emulator.clock.now() == MANUAL_EPOCH + timedelta(seconds=5)


def test_store_put_now__joins_an_open_request_instead_of_committing_half_of_it(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = SqliteStore(path)
    reader = sqlite3.connect(path)
    count = "SELECT count(*) FROM docs"
    store.put_now("*", "lease", "clock", {"now": "x"})  # no request open: committed at once
    assert reader.execute(count).fetchone() == (1,)
    store.put("t", "company", "c1", {"id": "c1"})  # a request's first write...
    store.put_now("*", "lease", "clock", {"now": "y"})  # ...then the clock, inside that request
    assert reader.execute(count).fetchone() == (1,)  # nothing of the half-done request is on file
    store.commit()
    assert reader.execute(count).fetchone() == (2,)
    reader.close()
    store.close()
