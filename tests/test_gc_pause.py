"""gc_pause: pages kept by list_records are frozen out of the cyclic collector, and handed back after."""

from __future__ import annotations

import asyncio
import gc

import pytest

from codat_nb import Sandbox
from codat_nb.gc_pause import keeping_pages


@pytest.fixture(autouse=True)
def clean_collector():
    gc.unfreeze()
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_kept_pages_leave_the_collector_and_come_back() -> None:
    with keeping_pages() as kept:
        page = [{"id": str(n), "lines": [{"n": n}]} for n in range(100)]
        kept()
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(page)
    assert gc.get_freeze_count() == 0


def test_nested_reads_unfreeze_only_when_the_last_ends() -> None:
    with keeping_pages() as outer:
        with keeping_pages() as inner:
            inner()
        outer()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_an_error_still_unfreezes() -> None:
    with pytest.raises(RuntimeError), keeping_pages() as kept:
        kept()
        raise RuntimeError("a page failed")
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_frozen_during_a_read_is_collected_after() -> None:
    class Node:
        pass

    import weakref

    with keeping_pages() as kept:
        node = Node()
        node.me = node  # a cycle: only the cyclic collector can free it
        alive = weakref.ref(node)
        del node
        kept()
        gc.collect()
        assert alive() is not None, "frozen during the read"
    gc.collect()
    assert alive() is None, "collected once the read ended"


def test_a_program_that_froze_objects_itself_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with keeping_pages() as kept:
        page = [{"a": [n]} for n in range(1000)]  # 2,000 tracked containers, kept alive
        kept()
    assert page
    # Objects frozen by the program may die meanwhile (the count falls), but the page is not added.
    assert 0 < gc.get_freeze_count() <= frozen, "its frozen objects stay frozen and the page is not added"


def test_a_disabled_collector_is_left_alone() -> None:
    gc.disable()
    with keeping_pages() as kept:
        kept()
        assert gc.get_freeze_count() == 0
    assert not gc.isenabled()


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_list_records_reads_with_the_collector_paused_and_restores_it(kind: str) -> None:
    sandbox = Sandbox(seed=5, manual_clock=True)
    seen: list[int] = []
    with sandbox.client() as client:
        company = client.create_company("Collector Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="small-uk", invoices=300)
        client.wait_for_sync(company.id, timeout=7200)
        expected = [r["id"] for r in client.iter_records(company.id, "invoices", page_size=50)]

    original = sandbox.emulator.transport

    def watched():  # note the freeze count as each request after the first is sent
        transport = original()
        handle = transport.handle_async_request

        async def counting(request):
            seen.append(gc.get_freeze_count())
            return await handle(request)

        transport.handle_async_request = counting
        inner = transport.handle_request

        def counting_sync(request):
            seen.append(gc.get_freeze_count())
            return inner(request)

        transport.handle_request = counting_sync
        return transport

    if kind == "sync":
        with sandbox.client(transport=watched()) as client:
            records = client.list_records(company.id, "invoices", page_size=50)
    else:

        async def run():
            async with sandbox.async_client(transport=watched(), concurrency=1) as client:
                return await client.list_records(company.id, "invoices", page_size=50)

        records = asyncio.run(run())
    sandbox.close()
    assert [r["id"] for r in records] == expected
    assert seen[0] == 0 and all(count > 0 for count in seen[1:]), "pages after the first were frozen as kept"
    assert gc.get_freeze_count() == 0
