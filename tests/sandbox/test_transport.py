"""The in-process httpx transport: sync and async clients, latency that overlaps, raw paths kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from codat_nb.sandbox import Emulator
from codat_nb.sandbox import transport as transport_module
from codat_nb.sandbox.transport import basic_auth_headers, to_core_request


def test_sync_and_async_clients__same_answers(emulator: Emulator) -> None:
    with emulator.http_client(api_key="k") as http:
        made = http.post("/companies", json={"name": "Same"}).json()
        synced = http.get(f"/companies/{made['id']}").json()

    async def fetch() -> dict:
        async with emulator.async_http_client(api_key="k") as http:
            return (await http.get(f"/companies/{made['id']}")).json()

    assert asyncio.run(fetch()) == synced


def test_async_latency__requests_overlap(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Latency is awaited, so concurrent async requests wait side by side, as over a network."""
    in_flight, most = 0, 0
    real_sleep = asyncio.sleep

    async def counting_sleep(seconds: float) -> None:
        nonlocal in_flight, most
        assert seconds == pytest.approx(0.05)
        in_flight += 1
        most = max(most, in_flight)
        await real_sleep(0)
        await real_sleep(0)
        in_flight -= 1

    monkeypatch.setattr(transport_module.asyncio, "sleep", counting_sleep)

    async def run() -> list[int]:
        async with emulator.async_http_client(api_key="k") as http:
            assert (await http.post("/_sandbox/faults", json={"latencyMs": 50})).status_code == 200
            answers = await asyncio.gather(*(http.get("/companies") for _ in range(8)))
        return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200] * 8
    assert most == 8


def test_latency__not_applied_to_controls_or_link(emulator: Emulator) -> None:
    emulator.faults.latency_ms = 50
    with emulator.http_client(api_key="k") as http:
        request = to_core_request(http.build_request("GET", "/_sandbox/clock"), b"")
        assert emulator.latency_seconds(request) == 0
        request = to_core_request(http.build_request("GET", "/companies"), b"")
        assert emulator.latency_seconds(request) == 0.05


def test_to_core_request__keeps_encoded_segments_and_query() -> None:
    built = httpx.Request("GET", httpx.URL("http://h:1/companies/..%2Fx?query=name%3Dx&page=2"))
    core = to_core_request(built, b"")
    assert core.raw_path == "/companies/..%2Fx"
    assert core.segments == ["companies", "../x"]  # one segment: %2F cannot forge a path
    assert core.query == (("query", "name=x"), ("page", "2"))
    assert core.base_url == "http://h:1"


def test_auth_header__hidden_in_reprs() -> None:
    headers = basic_auth_headers("super-secret-key")
    assert "super-secret" not in repr(headers) and "c3VwZXIt" not in repr(headers)
    client = httpx.Client(headers=headers)
    assert "c3VwZXIt" not in repr(client.headers)
    client.close()
