"""Issue 12's rate-limit drill: 25 companies created, linked, synced and read at once by one
AsyncClient against a served Sandbox enforcing Codat's limits (10 requests in flight per company,
a daily quota of base × (1 + connected companies)), with a quota small enough to run out.

Shown: the client never has more requests in flight for a company than the Sandbox allows; after
every 429 it sends nothing until the Retry-After has passed; every record is read exactly once.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime, timedelta
from typing import Any, Iterator

import httpx
import pytest

from codat_nb import AsyncClient, Client, RetryPolicy
from codat_nb.sandbox import Clock, Emulator
from codat_nb.sandbox.clock import MANUAL_EPOCH
from codat_nb.sandbox.rate_limits import RateLimits
from codat_nb.sandbox.server import BackgroundServer

KEY = "rate-limit-drill-key-4c1d"
COMPANIES = 25
DATA_TYPES = ("invoices", "customers", "bills")
#: 10 × (1 + connected) a day: about 260 once all are linked, fewer than the drill sends in a
#: simulated day, so the quota runs out and resets at midnight again and again.
LIMITS = RateLimits(concurrent=10, daily_base=10)
#: Simulated seconds per wall second: a day passes in about 4 s, so a quota 429's Retry-After
#: (the wall seconds to the Sandbox's midnight) is waited out for real, in seconds.
SPEED = 20_000
PATIENT = RetryPolicy(max_attempts=20, backoff=0.05, max_backoff=10, max_elapsed=300)


class Recorder(httpx.AsyncBaseTransport):
    """The real transport, with every request and answer noted in order, at the Sandbox's time."""

    def __init__(self, emulator: Emulator) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._emulator = emulator
        self.events: list[tuple[str, datetime, int, float | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.events.append(("send", self._emulator.clock.now(), 0, None))
        response = await self._inner.handle_async_request(request)
        after = response.headers.get("retry-after")
        self.events.append(("answer", self._emulator.clock.now(), response.status_code, float(after) if after else None))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
def limited() -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(seed=5, clock=Clock(start=MANUAL_EPOCH, speed=SPEED), rate_limits=LIMITS, latency_ms=20)
    with BackgroundServer(emulator) as url:
        yield emulator, url
    emulator.close()


def _control(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}, timeout=30)


async def _one_company(client: AsyncClient, control: httpx.Client, n: int) -> tuple[str, dict[str, list[str]]]:
    company = await client.create_company(f"Rate drill {n:02d}")
    connection = await client.create_connection(company.id, "mqjo")
    path = f"/_sandbox/companies/{company.id}/connections/{connection.id}/authorize"
    answer = await asyncio.to_thread(control.post, path, json={"invoices": 200})
    assert answer.status_code == 200, answer.text
    await client.refresh_all(company.id)
    await client.wait_for_sync(company.id, data_types=DATA_TYPES, timeout=120)
    reads = await asyncio.gather(*(client.list_records(company.id, t, page_size=20) for t in DATA_TYPES))
    return company.id, {t: [r["id"] for r in rows] for t, rows in zip(DATA_TYPES, reads)}


def test_25_companies_at_once_stay_within_codats_limits_and_lose_nothing(limited: tuple[Emulator, str]) -> None:
    emulator, url = limited
    recorder = Recorder(emulator)

    client = AsyncClient(KEY, url, concurrency=50, retries=PATIENT, timeout=30, transport=recorder)
    started = emulator.clock.now()

    async def drill() -> list[tuple[str, dict[str, list[str]]]]:
        async with client:
            with _control(url) as control:
                return await asyncio.gather(*(_one_company(client, control, n) for n in range(COMPANIES)))

    results = asyncio.run(drill())
    with _control(url) as control:
        usage = control.get("/_sandbox").json()["rateLimits"]

    # Nothing beyond the limits was sent: no company ever had more than 10 in flight at the Sandbox.
    assert usage["refused"]["concurrent"] == 0, usage["refused"]
    assert 1 < usage["maxInFlight"] <= LIMITS.concurrent, usage["maxInFlight"]
    # The quota did run out (else the drill proved nothing), and each 429 was waited out: after an
    # answer of 429, no request left the client before its Retry-After had passed.
    refusals = [(when, wait) for kind, when, status, wait in recorder.events if kind == "answer" and status == 429]
    assert refusals, "the quota never ran out: make daily_base smaller"
    assert all(wait is not None for _, wait in refusals), "a 429 without Retry-After"
    free_from = started
    early = 0
    for kind, when, status, wait in recorder.events:
        if kind == "answer" and status == 429:
            free_from = max(free_from, when + timedelta(seconds=wait or 0))
        elif kind == "send" and when < free_from:
            early += 1
    assert early == 0, f"{early} requests were sent before a Retry-After had passed"
    days = (emulator.clock.now() - started).days
    # Only requests already in flight when the quota ran out can meet a 429.
    assert usage["refused"]["daily"] <= client.concurrency * (days + 1)

    # Nothing lost or doubled: each company's records, read again with no limit in the way.
    calm = Client(KEY, url, retries=PATIENT)
    with calm:
        for company_id, seen in results:
            for data_type in DATA_TYPES:
                reference = [r["id"] for r in calm.list_records(company_id, data_type)]
                assert seen[data_type] == reference, f"{company_id} {data_type}: records lost, doubled or out of order"
        assert sorted(c.name for c in calm.list_companies()) == [f"Rate drill {n:02d}" for n in range(COMPANIES)]
    requests = sum(1 for kind, *_ in recorder.events if kind == "send")
    print(
        f"\nrate limits: {requests} requests over {days} simulated day(s), {len(refusals)} answered 429 "
        f"(daily {usage['refused']['daily']}, concurrent {usage['refused']['concurrent']}), all waited out; "
        f"most in flight for one company {usage['maxInFlight']} of {LIMITS.concurrent}; "
        f"{sum(len(ids) for _, seen in results for ids in seen.values())} records, each once"
    )
