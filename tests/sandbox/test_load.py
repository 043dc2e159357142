"""Load on one served Sandbox: 50 concurrent clients, each sending 200 reads and creates.

The server is ``codat-nb sandbox serve`` (uvicorn, manual clock) in its own process; the load is
benchmarks/_mixed_load.py's (also bench_load's), its clients sharing five API keys, ten to a key.

Passing means no unexpected answer: every request gets its 2xx, and no error or timeout reaches
a client. Afterwards each key's company list holds every company created with that key exactly
once, and nothing else. The test prints p50/p99 latency and throughput. Speed is not asserted,
as this machine is shared; ``benchmarks/bench_load.py`` measures it against a baseline.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import threading
from collections import Counter
from typing import Iterator

import httpx
import pytest

from benchmarks._mixed_load import CLIENTS, REQUESTS_PER_CLIENT, run_load
from benchmarks._mixed_load import auth as basic

pytestmark = pytest.mark.served

KEYS = [f"load-key-{n}-5e0c7d2b9a" for n in range(5)]


def auth(key: str) -> dict[str, str]:
    return {"Authorization": basic(key)}


@pytest.fixture
def served() -> Iterator[str]:
    """``codat-nb sandbox serve`` in its own process, as a team runs it (the load generator gets this one's GIL)."""
    command = [sys.executable, "-m", "codat_nb", "sandbox", "serve", "--port", "0", "--speed", "0", "--log-level", "warning"]
    env = {name: value for name, value in os.environ.items() if not name.startswith("CODAT_")}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = _ready_url(server)
        # Keep reading what it prints (a logged failure, say), so a full pipe can never stall it.
        drain = threading.Thread(target=server.stdout.read, daemon=True)  # type: ignore[union-attr]
        drain.start()
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout is not None:
            server.stdout.close()


def _ready_url(server: subprocess.Popen[str]) -> str:
    """The URL from the server's "ready at http://..." line (it prints nothing else before it)."""
    assert server.stdout is not None
    seen = []
    for line in server.stdout:
        seen.append(line)
        if "ready at http://" in line:
            return "http://" + line.split("ready at http://", 1)[1].split()[0]
    raise AssertionError(f"codat-nb sandbox serve exited with {server.wait()} before serving: {''.join(seen)[-2000:]}")


def test_fifty_concurrent_clients__no_unexpected_errors_and_every_company_listed_once(served: str) -> None:
    tally = asyncio.run(run_load(served, KEYS))
    seconds = tally.seconds
    total = CLIENTS * REQUESTS_PER_CLIENT
    assert not tally.unexpected, f"{len(tally.unexpected)} unexpected answers, e.g. {tally.unexpected[:5]}"
    assert len(tally.latencies) == total

    for key in KEYS:
        with httpx.Client(base_url=served, headers=auth(key), timeout=60) as http:
            listed = http.get("/companies", params={"pageSize": 5000}).json()
        ids = [company["id"] for company in listed["results"]]
        duplicates = [company_id for company_id, count in Counter(ids).items() if count > 1]
        assert not duplicates, f"listed more than once: {duplicates[:5]}"
        assert sorted(ids) == sorted(tally.created[key]), "the list differs from what this key created"
        assert listed["totalResults"] == len(tally.created[key])

    quantiles = statistics.quantiles(tally.latencies, n=100)
    print(
        f"\nload: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests = {total} in {seconds:.1f} s -> {total / seconds:,.0f} req/s; "
        f"latency p50 {quantiles[49] * 1000:.1f} ms, p99 {quantiles[98] * 1000:.1f} ms; "
        f"mix {dict(sorted(tally.kinds.items()))}; {sum(len(v) for v in tally.created.values())} companies created"
    )
