"""Crashes: a served Sandbox with --state killed with SIGKILL at random points during creates and syncs.

Each cycle starts ``codat-nb sandbox serve --state FILE`` (one spawn), checks that everything
acknowledged before the last kill is still there, runs creates, links, syncs and reads from two
threads, and kills the process (SIGKILL) at a seeded point: after a drawn number of acknowledged
writes plus a drawn delay, so requests are usually in flight. After each kill the file must pass
``PRAGMA integrity_check``. The ledger holds only what got a 2xx answer: those must survive; what
was in flight may or may not have happened. Time must never go backwards across restarts.
"""

from __future__ import annotations

import base64
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from codat_nb.sandbox.clock import format_timestamp, parse_timestamp
from codat_nb.sandbox.pulls import NORMAL_PATH, TERMINAL_STATUSES

KEY = "crash-test-key"
HEADERS = {"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}
SEED = 20260412
KILLS = 20
#: A pull's statuses in the order they come; every terminal status ranks last.
RANK = {status: i for i, (status, *_rest) in enumerate(NORMAL_PATH)} | {s: len(NORMAL_PATH) for s in TERMINAL_STATUSES}
_CLI = Path(sys.executable).with_name("codat-nb")
COMMAND = [str(_CLI)] if _CLI.exists() else [sys.executable, "-m", "codat_nb"]


class Server:
    """One ``codat-nb sandbox serve`` process on a free port, its log in a file."""

    def __init__(self, state: Path, log: Path, *args: str) -> None:
        self.log = log
        with log.open("w") as err:
            self.process = subprocess.Popen(
                [*COMMAND, "sandbox", "serve", "--state", str(state), "--port", "0", "--seed", "7", *args],
                stdout=subprocess.PIPE, stderr=err, text=True,
            )  # fmt: skip
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        match = re.search(r"ready at (http://127\.0\.0\.1:\d+)", banner)
        if not match:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"no URL printed: {banner!r}\n{log.read_text()}")
        self.url = match.group(1)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=HEADERS, timeout=20)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)
        assert self.process.stdout is not None
        self.process.stdout.close()
        log = self.log.read_text()
        assert "Traceback" not in log, log


@dataclass
class Ledger:
    """What the Sandbox acknowledged (a 2xx answer), and the latest time any answer carried."""

    companies: dict[str, str] = field(default_factory=dict)  # id -> created
    connections: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (company id, status)
    pulls: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (company id, latest status seen)
    latest: datetime | None = None  # the latest time in any answer
    floor: datetime | None = None  # the latest time answered before the last restart
    acked_writes: int = 0
    unanswered_advance: float = 0.0  # seconds of clock advances sent whose answer was lost
    violations: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    acked: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.acked = threading.Condition(self.lock)

    def __repr__(self) -> str:  # short, for assertion messages
        return f"Ledger({len(self.companies)} companies, {len(self.connections)} connections, {len(self.pulls)} pulls)"

    def saw_time(self, text: str | None) -> None:
        if text:
            moment = parse_timestamp(text)
            with self.lock:
                self.latest = moment if self.latest is None else max(self.latest, moment)

    def wrote(self) -> None:
        with self.lock:
            self.acked_writes += 1
            self.acked.notify_all()

    def saw_pull(self, pull_id: str, company_id: str, status: str) -> None:
        with self.lock:
            before = self.pulls.get(pull_id)
            if before is not None:
                old = before[1]
                if old in TERMINAL_STATUSES and status != old:
                    self.violations.append(f"pull {pull_id} was {old} and is now {status}")
                elif RANK[status] < RANK[old]:
                    self.violations.append(f"pull {pull_id} went back from {old} to {status}")
            self.pulls[pull_id] = (company_id, status)

    def saw_history(self, company_id: str, history: list[dict[str, Any]]) -> None:
        for pull in history:
            self.saw_pull(pull["id"], company_id, pull["status"])
            self.saw_time(pull["requested"])
            self.saw_time(pull.get("completed"))

    def saw_status(self, company_id: str, status: dict[str, Any]) -> None:
        for entry in status.values():
            self.saw_pull(entry["latestSyncId"], company_id, entry["currentStatus"])
            self.saw_time(entry.get("lastSuccessfulSync"))


class Worker(threading.Thread):
    """Sends seeded random creates, links, syncs and reads until its server dies."""

    def __init__(self, url: str, ledger: Ledger, rng: random.Random, name: str, manual: bool) -> None:
        super().__init__(name=name, daemon=True)
        self.url, self.ledger, self.rng, self.manual = url, ledger, rng, manual
        self.count = 0
        self.lost = 0  # requests in flight when the server died

    def run(self) -> None:
        ops: list[tuple[Callable[[httpx.Client], None], int]] = [
            (self.create_company, 3), (self.create_connection, 3), (self.authorize, 3), (self.refresh_all, 1),
            (self.queue, 1), (self.data_status, 2), (self.history, 2), (self.advance, 2 if self.manual else 1),
        ]  # fmt: skip
        choices, weights = zip(*ops)
        with httpx.Client(base_url=self.url, headers=HEADERS, timeout=20) as http:
            while True:
                op = self.rng.choices(choices, weights)[0]
                try:
                    op(http)
                except httpx.TransportError:  # killed: this request's answer is lost
                    self.lost += 1
                    return
                except Exception as exc:  # reported by the test, not lost in a thread
                    self.ledger.violations.append(f"{self.name}: {exc!r}")
                    return

    def _pick(self, items: list[str]) -> str | None:
        return self.rng.choice(sorted(items)) if items else None

    def _check(self, response: httpx.Response, allowed: tuple[int, ...] = ()) -> bool:
        if response.is_success:
            return True
        if response.status_code not in allowed:
            request = response.request
            self.ledger.violations.append(f"{request.method} {request.url.path}: {response.status_code} {response.text[:200]}")
        return False

    def create_company(self, http: httpx.Client) -> None:
        self.count += 1
        response = http.post("/companies", json={"name": f"Crash {self.name} {self.count}"})
        if self._check(response):
            company = response.json()
            with self.ledger.lock:
                self.ledger.companies[company["id"]] = company["created"]
                floor = self.ledger.floor
            if floor is not None and parse_timestamp(company["created"]) < floor:
                self.ledger.violations.append(f"company {company['id']} created {company['created']}, before {floor}")
            self.ledger.saw_time(company["created"])
            self.ledger.wrote()

    def create_connection(self, http: httpx.Client) -> None:
        with self.ledger.lock:
            connected = {c for c, _ in self.ledger.connections.values()}
            company = self._pick([c for c in self.ledger.companies if c not in connected])
        if company is None:
            return self.create_company(http)
        response = http.post(f"/companies/{company}/connections", json={"platformKey": "mqjo"})
        # 400: the other worker, or a request whose answer a kill lost, made this company's one already.
        if self._check(response, allowed=(400,)):
            connection = response.json()
            with self.ledger.lock:
                if connection["id"] not in self.ledger.connections:
                    self.ledger.connections[connection["id"]] = (company, connection["status"])
            self.ledger.saw_time(connection["created"])
            self.ledger.wrote()
        elif response.status_code == 400 and "already has an accounting connection" not in response.text:
            self.ledger.violations.append(f"connection refused: {response.text[:200]}")

    def authorize(self, http: httpx.Client) -> None:
        with self.ledger.lock:
            pending = {i: c for i, (c, s) in self.ledger.connections.items() if s == "PendingAuth"}
        connection = self._pick(list(pending))
        if connection is None:
            return self.create_connection(http)
        company = pending[connection]
        response = http.post(f"/_sandbox/companies/{company}/connections/{connection}/authorize", json={"invoices": 12})
        if self._check(response):
            with self.ledger.lock:
                self.ledger.connections[connection] = (company, response.json()["status"])
            self.ledger.saw_time(response.json()["lastSync"])
            self.ledger.wrote()

    def _linked_company(self) -> str | None:
        with self.ledger.lock:
            return self._pick([c for c, s in self.ledger.connections.values() if s == "Linked"])

    def refresh_all(self, http: httpx.Client) -> None:
        company = self._linked_company()
        if company is not None and self._check(http.post(f"/companies/{company}/data/all")):
            self.ledger.wrote()

    def queue(self, http: httpx.Client) -> None:
        company = self._linked_company()
        if company is None:
            return
        response = http.post(f"/companies/{company}/data/queue/invoices")
        if self._check(response, allowed=(400,)):  # 400: the last one is still running
            pull = response.json()
            self.ledger.saw_pull(pull["id"], company, pull["status"])
            self.ledger.saw_time(pull["requested"])
            self.ledger.wrote()
        elif response.status_code == 400 and "DatasetAlreadyInProgressException" not in response.text:
            self.ledger.violations.append(f"queue refused: {response.text[:200]}")

    def data_status(self, http: httpx.Client) -> None:
        company = self._linked_company()
        if company is not None:
            response = http.get(f"/companies/{company}/dataStatus")
            if self._check(response):
                self.ledger.saw_status(company, response.json())

    def history(self, http: httpx.Client) -> None:
        company = self._linked_company()
        if company is not None:
            response = http.get(f"/companies/{company}/data/history", params={"pageSize": 500})
            if self._check(response):
                self.ledger.saw_history(company, response.json()["results"])

    def advance(self, http: httpx.Client) -> None:
        seconds = round(self.rng.uniform(0.5, 6), 3)
        with self.ledger.lock:
            self.ledger.unanswered_advance += seconds
        response = http.post("/_sandbox/clock/advance", json={"seconds": seconds})
        with self.ledger.lock:
            self.ledger.unanswered_advance -= seconds
        if self._check(response):
            self.ledger.saw_time(response.json()["now"])
            self.ledger.wrote()


@dataclass
class Figures:
    kills: int = 0
    restarts: int = 0
    acked_writes: int = 0
    checks: int = 0
    lost_in_flight: int = 0
    done_unanswered: int = 0  # companies a kill cut the answer of, found after the restart
    pulls: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"spawn": 0.0, "verify": 0.0, "work": 0.0})

    def timed(self, part: str, began: float) -> None:
        self.seconds[part] += time.monotonic() - began


def verify(http: httpx.Client, ledger: Ledger, figures: Figures, manual: bool) -> None:
    """After a restart: time has not gone back, and everything acknowledged is there."""
    now = parse_timestamp(http.get("/_sandbox/clock").json()["now"])
    if ledger.latest is not None:
        assert now >= ledger.latest, f"the clock went back: {now} after answering {ledger.latest}"
        if manual:  # exactly where it stood, give or take advances whose answer was lost
            assert now - ledger.latest <= timedelta(seconds=ledger.unanswered_advance + 1e-6), (now, ledger.latest)
    ledger.unanswered_advance = 0.0
    ledger.saw_time(format_timestamp(now))
    listed = http.get("/companies", params={"pageSize": 5000}).json()["results"]
    created = {c["id"]: c["created"] for c in listed}
    for company_id, when in ledger.companies.items():
        assert created.get(company_id) == when, f"acknowledged company {company_id} lost or changed"
    order = [parse_timestamp(c["created"]) for c in listed]
    assert order == sorted(order), "companies' created times go backwards in creation order"
    figures.checks += len(ledger.companies)
    for company_id, when in created.items():  # made by a request whose answer a kill lost: kept from now on
        if company_id not in ledger.companies:
            figures.done_unanswered += 1
            ledger.companies[company_id] = when
    for company_id in created:
        if verify_connections(http, ledger, figures, company_id):
            verify_pulls(http, ledger, figures, company_id)
    assert not ledger.violations, ledger.violations[:5]
    ledger.floor = ledger.latest


def verify_connections(http: httpx.Client, ledger: Ledger, figures: Figures, company_id: str) -> bool:
    """Acknowledged connections are there and Linked ones still Linked; True if the company has a Linked one."""
    connections = http.get(f"/companies/{company_id}/connections", params={"pageSize": 500}).json()["results"]
    statuses = {c["id"]: c["status"] for c in connections}
    for connection_id, (owner, status) in ledger.connections.items():
        if owner == company_id:
            figures.checks += 1
            assert connection_id in statuses, f"acknowledged connection {connection_id} lost"
            assert status == "PendingAuth" or statuses[connection_id] == "Linked", f"connection {connection_id} unlinked"
    for connection_id, status in statuses.items():  # including one made by a request whose answer a kill lost
        ledger.connections[connection_id] = (company_id, status)
    return "Linked" in statuses.values()


def verify_pulls(http: httpx.Client, ledger: Ledger, figures: Figures, company_id: str) -> None:
    """Every pull seen before is there, none has gone back a status (Complete stays Complete)."""
    history = http.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]
    seen = {p["id"] for p in history}
    for pull_id, (owner, _status) in list(ledger.pulls.items()):
        if owner == company_id:
            figures.checks += 1
            assert pull_id in seen, f"pull {pull_id} was answered before the kill and is gone"
    ledger.saw_history(company_id, history)
    ledger.saw_status(company_id, http.get(f"/companies/{company_id}/dataStatus").json())


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def work_until_killed(server: Server, ledger: Ledger, schedule: random.Random, name: str, manual: bool) -> int:
    """Two workers send requests; SIGKILL after a drawn number of acknowledged writes and a drawn delay.
    Returns how many requests were in flight (their answers lost)."""
    target = ledger.acked_writes + schedule.randint(2, 7)
    delay = schedule.uniform(0, 0.03)
    workers = [Worker(server.url, ledger, random.Random(f"{name}-{i}"), f"{name}.{i}", manual) for i in range(2)]
    for worker in workers:
        worker.start()
    with ledger.acked:
        ledger.acked.wait_for(lambda: ledger.acked_writes >= target or not any(w.is_alive() for w in workers), timeout=60)
    time.sleep(delay)
    server.kill()
    for worker in workers:
        worker.join(timeout=30)
        assert not worker.is_alive()
    return sum(worker.lost for worker in workers)


def finish(http: httpx.Client, ledger: Ledger) -> None:
    """After the last restart: a day on, every pull has ended in a terminal status."""
    assert http.post("/_sandbox/clock/advance", json={"seconds": 2 * 86400}).status_code == 200
    for company_id in ledger.companies:
        history = http.get(f"/companies/{company_id}/data/history", params={"pageSize": 500}).json()["results"]
        ledger.saw_history(company_id, history)
        stuck = [p["id"] for p in history if p["status"] not in TERMINAL_STATUSES]
        assert not stuck, f"pulls stuck after the restarts: {stuck}"
    assert not ledger.violations, ledger.violations[:5]


@pytest.mark.parametrize("speed", ["0", "40"], ids=["manual-clock", "running-clock"])
def test_sigkill_during_creates_and_syncs__acknowledged_writes_survive(tmp_path: Path, speed: str) -> None:
    manual = speed == "0"
    state = tmp_path / "state.sqlite"
    schedule = random.Random(f"{SEED}-{speed}")
    ledger, figures = Ledger(), Figures()
    began = time.monotonic()
    server: Server | None = None
    try:
        for cycle in range(KILLS + 1):
            step = time.monotonic()
            server = Server(state, tmp_path / f"server-{cycle}.log", "--speed", speed)
            figures.restarts += cycle > 0
            figures.timed("spawn", step)
            step = time.monotonic()
            with server.client() as http:
                verify(http, ledger, figures, manual)
                if cycle == KILLS:
                    finish(http, ledger)
            if cycle == KILLS:
                server.kill()  # and its log holds no traceback either
                break
            figures.timed("verify", step)
            step = time.monotonic()
            figures.lost_in_flight += work_until_killed(server, ledger, schedule, f"{SEED}-{speed}-{cycle}", manual)
            figures.timed("work", step)
            figures.kills += 1
            assert integrity(state) == "ok", f"integrity check failed after kill {figures.kills}"
    finally:  # a failed check must not leave a server behind
        if server is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()
        if server is not None and server.process.stdout is not None:
            server.process.stdout.close()
    figures.acked_writes = ledger.acked_writes
    figures.pulls = len(ledger.pulls)
    print(
        f"\ncrashes ({'manual clock' if manual else 'speed 40'}): {figures.kills} SIGKILLs, {figures.restarts} restarts, "
        f"{figures.acked_writes} acknowledged writes ({len(ledger.companies)} companies, {len(ledger.connections)} connections), "
        f"{figures.checks} acknowledged items checked after restarts, {figures.pulls} pulls tracked, "
        f"{figures.lost_in_flight} requests in flight at a kill ({figures.done_unanswered} creates done but unanswered), "
        f"{time.monotonic() - began:.1f} s "
        f"({', '.join(f'{part} {seconds:.1f} s' for part, seconds in figures.seconds.items())})"
    )
    assert figures.kills == KILLS and figures.restarts == KILLS
    assert len(ledger.companies) >= KILLS and figures.pulls > 0 and integrity(state) == "ok"
