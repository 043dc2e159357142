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


# -- the sliding window, against canned pages ------------------------------------------------------------

COMPANY = "5d1b2f1e-8a51-4f4e-9f7c-3a1f0c2b9e11"


class CannedPages(httpx.AsyncBaseTransport):
    """``total`` invoices in pages of ``size``; the pages in ``held`` wait until released."""

    def __init__(self, total: int, size: int, held: set[int] = frozenset()) -> None:
        self.total, self.size = total, size
        self.release = {page: asyncio.Event() for page in held}
        self.started: list[int] = []
        self.finished: list[int] = []
        self.cancelled: list[int] = []
        self.in_flight = self.peak = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        self.started.append(page)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if page in self.release:
                await self.release[page].wait()
            else:
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled.append(page)
            raise
        finally:
            self.in_flight -= 1
        self.finished.append(page)
        first = (page - 1) * self.size
        results = [{"id": f"inv-{n}"} for n in range(first, min(self.total, first + self.size))]
        body = {"results": results, "pageNumber": page, "pageSize": self.size, "totalResults": self.total, "_links": {}}
        return httpx.Response(200, json=body, request=request)


async def settle() -> None:
    """Let every task that can make progress do so."""
    for _ in range(500):
        await asyncio.sleep(0)


def canned_client(transport: CannedPages, concurrency: int) -> AsyncClient:
    return AsyncClient("test-key", "http://codat.test", transport=transport, concurrency=concurrency, retries=False)


def test_a_slow_page_holds_up_only_its_turn_not_the_slots() -> None:
    """Page 40 is slow: the reader still hands back pages 2..39 and keeps `ahead` pages started
    beyond what it handed back, and every other slot stays busy, rather than waiting at a
    window boundary for the slowest page."""
    from codat_nb.reads import PAGES_AHEAD_PER_SLOT

    transport = CannedPages(total=100 * 10, size=10, held={40})
    concurrency = 3
    ahead = concurrency * PAGES_AHEAD_PER_SLOT

    async def run() -> tuple[list[str], list[int]]:
        seen: list[str] = []
        async with canned_client(transport, concurrency) as client:
            reading = asyncio.ensure_future(_collect(client.iter_records(COMPANY, "invoices", page_size=10), seen))
            await settle()
            started_while_held = sorted(transport.started)
            assert len(seen) == 39 * 10, "pages before the slow one were handed back"
            transport.release[40].set()
            await reading
        return seen, started_while_held

    seen, started_while_held = asyncio.run(run())
    assert seen == [f"inv-{n}" for n in range(1000)]
    # Pages 2..39 were taken; page 40 is awaited and the `ahead` pages after it are started, no more.
    assert started_while_held == list(range(1, 40 + ahead + 1))
    assert transport.peak <= concurrency
    assert sorted(transport.started) == list(range(1, 101)), "every page exactly once"


async def _collect(records: Any, into: list[str]) -> None:
    async for record in records:
        into.append(record["id"])


def test_stopping_early_cancels_the_prefetched_pages() -> None:
    transport = CannedPages(total=100 * 10, size=10, held={5})

    async def run() -> None:
        async with canned_client(transport, concurrency=4) as client:
            records = client.iter_records(COMPANY, "invoices", page_size=10)
            first = [await records.__anext__() for _ in range(15)]
            assert first[-1]["id"] == "inv-14"
            await settle()
            assert transport.in_flight > 0
            await records.aclose()
            assert transport.in_flight == 0, "prefetched requests outlived the iterator"
            started = len(transport.started)
            await settle()
            assert len(transport.started) == started, "pages were requested after the iterator was closed"

    asyncio.run(run())
    assert transport.cancelled, "the held page was cancelled, not left waiting"


def test_a_failed_prefetched_page_leaves_no_stray_tasks_or_warnings(recwarn: pytest.WarningsRecorder) -> None:
    class Failing(CannedPages):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.params.get("page") in {"3", "4", "6"}:
                await asyncio.sleep(0)
                return httpx.Response(503, json={"statusCode": 503, "error": "Busy."}, request=request)
            return await super().handle_async_request(request)

    transport = Failing(total=50 * 10, size=10)
    from codat_nb import ServerError

    async def run() -> None:
        async with canned_client(transport, concurrency=5) as client:
            with pytest.raises(ServerError, match="Busy"):
                await client.list_records(COMPANY, "invoices", page_size=10)
            await settle()
            assert transport.in_flight == 0
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []

    asyncio.run(run())
    assert not [w for w in recwarn if "never retrieved" in str(w.message)]


def test_read_frame_and_read_tables__the_same_from_both_clients(synced: tuple[Sandbox, str]) -> None:
    import pandas.testing as pdt

    from codat_nb import frames

    sandbox, company_id = synced
    with sandbox.client() as client:
        records = client.list_records(company_id, "invoices", page_size=500)
        blocking = client.read_frame(company_id, "invoices", page_size=500)
        blocking_tables = client.read_tables(company_id, "invoices", page_size=500)

    async def run() -> tuple[Any, Any]:
        async with sandbox.async_client(concurrency=4) as client:
            return await client.read_frame(company_id, "invoices", page_size=100), await client.read_tables(company_id, "invoices")

    concurrent, concurrent_tables = asyncio.run(run())
    pdt.assert_frame_equal(blocking, frames.frame("invoices", records))
    pdt.assert_frame_equal(concurrent, blocking)
    assert list(blocking_tables) == list(concurrent_tables)
    for name in blocking_tables:
        pdt.assert_frame_equal(concurrent_tables[name], blocking_tables[name])
    assert len(blocking) == 1234 and len(blocking_tables["invoices.line_items"]) > 1234


def test_read_frame_follows_links_when_pages_carry_no_total(synced: tuple[Sandbox, str]) -> None:
    """read_frame plans pages from page 1's totalResults; without one it follows _links.next, as
    iter_records does, and still reads every record once."""
    import orjson

    sandbox, company_id = synced

    class NoTotals(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = sandbox.emulator.transport()
            self.pages: list[str] = []

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = self.inner.handle_request(request)
            if request.url.path.endswith("/data/invoices"):
                self.pages.append(request.url.params.get("page", "1"))
                body = orjson.loads(response.read())
                del body["totalResults"]
                return httpx.Response(200, content=orjson.dumps(body), request=request)
            return response

    transport = NoTotals()
    with sandbox.client(transport=transport) as client:
        frame = client.read_frame(company_id, "invoices", page_size=500)
        expected = [r["id"] for r in client.iter_records(company_id, "invoices", page_size=500)]
    assert frame["id"].tolist() == expected and len(expected) == 1234
    assert transport.pages[:3] == ["1", "2", "3"] and len(transport.pages) == 6  # 3 pages, read twice
