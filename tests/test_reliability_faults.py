"""Issue 12's fault drill: the whole Connect flow against a served Sandbox that fails a third of
the time (20% 503, 10% 429 with Retry-After, 0-200 ms latency, 3% resets, 2% truncated bodies)
ends with every record exactly once and exactly one company per flow.

Each flow (create a company, link it, sync everything, read five data types completely) runs with
``Client`` and ``AsyncClient``, reading records and reading frames; its reads are compared by id
with a read of the same company made after the faults are switched off.
"""

from __future__ import annotations

import asyncio
import base64
import collections
from typing import Any, Iterator

import httpx
import pytest

from codat_nb import AsyncClient, Client, RetryPolicy
from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.server import BackgroundServer

KEY = "fault-drill-key-0b7e"
DATA_TYPES = ("invoices", "bills", "customers", "suppliers", "chartOfAccounts")
FAULTS = {
    "latencyMs": {"min": 0, "max": 200},
    "failRandomly": [{"status": 503, "probability": 0.2}, {"status": 429, "probability": 0.1, "retryAfter": 1}],
    "wire": [{"kind": "reset", "probability": 0.03}, {"kind": "truncate", "probability": 0.02}],
}
#: Under a third of requests failing, four tries are too few (0.35^4: one request in 70 would give
#: up); a user who expects this many faults allows more, as here.
PATIENT = RetryPolicy(max_attempts=15, backoff=0.05, max_backoff=5, max_elapsed=600)
#: Small pages: more requests per flow, so more faults land on reads.
PAGE = 20
FLOWS = [("sync", "records"), ("async", "records"), ("sync", "frame"), ("async", "frame")]


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, httpx.Client]]:
    emulator = Emulator(seed=3, clock=ManualClock())
    with BackgroundServer(emulator) as url:
        control = httpx.Client(base_url=url, headers={"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}, timeout=30)
        yield url, control
        control.close()
    emulator.close()


def _faults(control: httpx.Client, seed: int | None) -> dict[str, Any]:
    """The drill's faults on, drawn from ``seed`` (each flow its own: four different sequences), or off."""
    on = seed is not None
    answer = control.post("/_sandbox/faults", json={**FAULTS, "seed": seed}) if on else control.delete("/_sandbox/faults")
    assert answer.status_code in (200, 204), answer.text
    return answer.json() if on else {}


def _advance(control: httpx.Client, waits: list[float]) -> Any:
    """The client's sleep: the manual clock moves instead (and Retry-After waits are recorded)."""

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        assert control.post("/_sandbox/clock/advance", json={"seconds": seconds}).status_code == 200

    return sleep


def _ids(rows: Any, reading: str) -> list[str]:
    return list(rows["id"]) if reading == "frame" else [row["id"] for row in rows]


def _flow_sync(client: Client, control: httpx.Client, name: str, reading: str) -> tuple[str, dict[str, list[str]]]:
    company = client.create_company(name)
    connection = client.create_connection(company.id, "mqjo")
    authorize(control, company.id, connection.id)
    client.refresh_all(company.id)
    client.wait_for_sync(company.id, timeout=3600)
    read = client.read_frame if reading == "frame" else client.list_records
    return company.id, {t: _ids(read(company.id, t, page_size=PAGE), reading) for t in DATA_TYPES}


async def _flow_async(client: AsyncClient, control: httpx.Client, name: str, reading: str) -> tuple[str, dict[str, list[str]]]:
    company = await client.create_company(name)
    connection = await client.create_connection(company.id, "mqjo")
    authorize(control, company.id, connection.id)
    await client.refresh_all(company.id)
    await client.wait_for_sync(company.id, timeout=3600)
    read = client.read_frame if reading == "frame" else client.list_records
    reads = await asyncio.gather(*(read(company.id, t, page_size=PAGE) for t in DATA_TYPES))
    return company.id, {t: _ids(rows, reading) for t, rows in zip(DATA_TYPES, reads)}


def authorize(control: httpx.Client, company_id: str, connection_id: str) -> None:
    """The customer's Link sign-in (a control: never faulted), with books of a few pages."""
    path = f"/_sandbox/companies/{company_id}/connections/{connection_id}/authorize"
    answer = control.post(path, json={"invoices": 350})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("flavour", "reading"), FLOWS, ids=[f"{f}-{r}" for f, r in FLOWS])
def test_the_connect_flow_survives_faults_with_every_record_once(served: tuple[str, httpx.Client], flavour: str, reading: str) -> None:
    url, control = served
    name = f"Fault drill {flavour} {reading}"
    waits: list[float] = []
    options = {"retries": PATIENT, "timeout": 30, "sleep": _advance(control, waits)}
    _faults(control, 12 + FLOWS.index((flavour, reading)))
    try:
        if flavour == "sync":
            with Client(KEY, url, **options) as client:
                company_id, seen = _flow_sync(client, control, name, reading)
        else:
            client = AsyncClient(KEY, url, **options)

            async def run() -> tuple[str, dict[str, list[str]]]:
                async with client:
                    return await _flow_async(client, control, name, reading)

            company_id, seen = asyncio.run(run())
        injected = control.get("/_sandbox/faults").json()["counters"]
    finally:
        _faults(control, None)

    with Client(KEY, url, retries=False) as calm:
        named = [c for c in calm.list_companies() if c.name == name]
        reference = {t: [row["id"] for row in calm.list_records(company_id, t)] for t in DATA_TYPES}
    assert [c.id for c in named] == [company_id], f"{len(named)} companies named {name!r}; one flow must make one"
    for data_type in DATA_TYPES:
        ids = seen[data_type]
        assert len(ids) == len(set(ids)), f"{data_type}: a record came twice"
        assert sorted(ids) == sorted(reference[data_type]), f"{data_type}: records lost or added under faults"
    survived = sum(client.retries_by_cause.values())
    print(
        f"\n{flavour}/{reading}: {client.requests_sent} requests, {injected['injected']} faults injected "
        f"(status {injected['status']}, wire {injected['wire']}), {survived} survived by retrying "
        f"{dict(client.retries_by_cause)}; records {sum(map(len, seen.values()))}"
    )
    assert injected["injected"] > 0, "the drill injected no faults: it proved nothing"
    assert survived == injected["injected"], "every fault the Sandbox injected is one the client met and got past"
    retry_after_waits = collections.Counter(w for w in waits if w == 1)
    assert not injected["status"].get("429") or retry_after_waits, "a 429's Retry-After of 1 s was not waited out"
