"""AsyncClient reads: pages planned from totalResults, fetched concurrently within the limit, in order, none twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from codat_nb import AsyncClient, Client, DataChangedError, Sandbox



class Watching(httpx.AsyncBaseTransport):
    """Counts requests in flight and each page asked for, around the Sandbox's own transport."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.in_flight = 0
        self.peak = 0
        self.pages: Counter[tuple[str, str]] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.pages[(request.url.path, request.url.params.get("page", "1"))] += 1
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


@pytest.fixture(scope="module")
def synced() -> tuple[Sandbox, str]:
    sandbox = Sandbox(seed=3, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Concurrent Reads Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="us-retailer", invoices=1234)
        client.wait_for_sync(company.id, timeout=7200)
    yield sandbox, company.id
    sandbox.close()


def read(sandbox: Sandbox, company_id: str, latency_ms: int = 0, **options: Any) -> tuple[list[dict[str, Any]], Watching, AsyncClient]:
    watching = Watching(sandbox.emulator.transport())
    sandbox.emulator.faults.latency_ms = latency_ms
    page_size = options.pop("page_size", 50)

    async def run() -> tuple[list[dict[str, Any]], AsyncClient]:
        async with sandbox.async_client(transport=watching, **options) as client:
            return await client.list_records(company_id, "invoices", page_size=page_size), client

    try:
        records, client = asyncio.run(run())
    finally:
        sandbox.emulator.faults.latency_ms = 0
    return records, watching, client


@pytest.mark.parametrize("concurrency", [1, 3, 10])
def test_pages_are_fetched_concurrently_within_the_limit_in_order_and_once(synced: tuple[Sandbox, str], concurrency: int) -> None:
    sandbox, company_id = synced
    with sandbox.client() as blocking:
        expected = blocking.list_records(company_id, "invoices", page_size=50)
    records, watching, client = read(sandbox, company_id, latency_ms=15, concurrency=concurrency)
    assert records == expected and len(records) == 1234
    pages = {page for (path, page) in watching.pages if path.endswith("/data/invoices")}
    assert pages == {str(n) for n in range(1, 26)}  # ceil(1234 / 50)
    assert max(watching.pages.values()) == 1, "a page was fetched twice"
    assert client.requests_sent == 25
    assert watching.peak == concurrency if concurrency > 1 else watching.peak == 1


def test_the_async_iterator_streams_in_order(synced: tuple[Sandbox, str]) -> None:
    sandbox, company_id = synced

    async def run() -> list[str]:
        async with sandbox.async_client(concurrency=4) as client:
            return [r["id"] async for r in client.iter_records(company_id, "invoices", page_size=100, order_by="-totalAmount")]

    with sandbox.client() as blocking:
        expected = [r["id"] for r in blocking.iter_records(company_id, "invoices", page_size=100, order_by="-totalAmount")]
    assert asyncio.run(run()) == expected


def test_a_collection_that_changes_mid_read_is_reported(synced: tuple[Sandbox, str]) -> None:
    """A page whose totalResults differs from page 1's means a sync landed meanwhile: say so, don't mix."""
    sandbox, company_id = synced

    class Shrinking(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await sandbox.emulator.transport().handle_async_request(request)
            if request.url.params.get("page") == "3":
                body = httpx.Response(200, content=await response.aread()).json()
                body["totalResults"] -= 1
                return httpx.Response(200, json=body, request=request)
            return response

    async def run() -> None:
        async with sandbox.async_client(transport=Shrinking()) as client:
            await client.list_records(company_id, "invoices", page_size=100)

    with pytest.raises(DataChangedError, match="read it again"):
        asyncio.run(run())


def test_a_failing_page_raises_the_codat_error_itself(synced: tuple[Sandbox, str]) -> None:
    """A concurrent page that fails surfaces as its CodatError (not an ExceptionGroup) and stops the read."""
    sandbox, company_id = synced
    from codat_nb import ServerError

    class FailingPage(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.params.get("page") == "3":
                error = {"statusCode": 500, "service": "PublicApi", "error": "Page three broke.", "correlationId": "c0ffee"}
                return httpx.Response(500, json=error, request=request)
            return await sandbox.emulator.transport().handle_async_request(request)

    async def run() -> None:
        async with sandbox.async_client(transport=FailingPage(), retries=False) as client:
            await client.list_records(company_id, "invoices", page_size=100)

    with pytest.raises(ServerError, match="Page three broke.*correlation id c0ffee"):
        asyncio.run(run())


def test_the_blocking_client_follows_links(synced: tuple[Sandbox, str]) -> None:
    sandbox, company_id = synced
    with sandbox.client() as client:
        before = client.requests_sent
        records = list(client.iter_records(company_id, "invoices", page_size=500))
        assert len(records) == 1234 and client.requests_sent - before == 3
        assert isinstance(client, Client)
