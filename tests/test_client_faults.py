"""The client under faults: every write takes effect exactly once and every read comes back whole,
whatever is lost on the way. The in-process Sandbox does the real work; a transport around it
loses, cuts or garbles the answer after the Sandbox acted (or fails before it saw the request)."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx
import pandas as pd
import pytest

from codat_nb import (
    AsyncClient,
    Client,
    Company,
    Connection,
    OutcomeUnknownError,
    PullOperation,
    RateLimitError,
    RetryPolicy,
    SchemaError,
    ServerError,
    TransportError,
)
from codat_nb.sandbox import Emulator, ManualClock

from .clients import API_KEY, IN_PROCESS_URL, Codat, auth_headers

FLAVOURS = ("sync", "async")

# -- a transport that loses answers --------------------------------------------------------------------

#: Faults before the Sandbox sees the request: nothing happened.
BEFORE = ("connect", "503-before", "429")
#: Faults after the Sandbox acted: the effect is real, the answer is lost or spoilt.
AFTER = ("reset", "protocol", "timeout", "drop", "truncate", "empty", "503")
#: Faults that need a body to spoil (a 204 has none).
NEEDS_BODY = ("truncate", "empty")


@dataclass
class Fault:
    kind: str
    method: str
    path: str  # a regular expression searched in the URL path
    page: str | None = None
    count: int = 1
    after: str | None = None  # only once a fault of this kind has fired

    def matches(self, request: httpx.Request) -> bool:
        if self.count < 1 or request.method != self.method or not re.search(self.path, request.url.path):
            return False
        return self.page is None or request.url.params.get("page", "1") == self.page


class _Dropping(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Part of a body, then the connection closes: httpx raises RemoteProtocolError while reading."""

    def __init__(self, part: bytes, promised: int) -> None:
        self.part, self.promised = part, promised

    def _error(self) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            f"peer closed connection without sending complete message body (received {len(self.part)} bytes, expected {self.promised})"
        )

    def __iter__(self) -> Iterator[bytes]:
        yield self.part
        raise self._error()

    async def __aiter__(self) -> Any:
        yield self.part
        raise self._error()


class Losing(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Passes requests to the in-process Sandbox, spoiling those a :class:`Fault` claims (once each).

    ``late``: the Sandbox gets the request only just before the next one of the same method and
    path (an overloaded server acting after the client gave up); ``double``: it acts twice (a
    proxy that sent it again), then the answer is lost."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.faults: list[Fault] = []
        self.fired: Counter[str] = Counter()
        self.sent: list[tuple[str, str]] = []
        self._late: list[httpx.Request] = []

    def add(self, kind: str, method: str, path: str, page: str | None = None, count: int = 1, after: str | None = None) -> Losing:
        self.faults.append(Fault(kind, method, path, page, count, after))
        return self

    def _take(self, request: httpx.Request) -> tuple[Fault | None, list[httpx.Request]]:
        self.sent.append((request.method, request.url.path))
        late = [r for r in self._late if (r.method, r.url.path) == (request.method, request.url.path)]
        self._late = [r for r in self._late if r not in late]
        for fault in self.faults:
            if fault.matches(request) and (fault.after is None or self.fired[fault.after]):
                fault.count -= 1
                self.fired[fault.kind] += 1
                return fault, late
        return None, late

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault, late = self._take(request)
        for earlier in late:
            self.inner.handle_request(earlier).read()
        if fault is not None and fault.kind in (*BEFORE, "late"):
            return self._before(fault, request)
        if fault is not None and fault.kind == "double":
            self.inner.handle_request(request).read()
        response = self.inner.handle_request(request)
        response.read()
        return self._after(fault, request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault, late = self._take(request)
        for earlier in late:
            await (await self.inner.handle_async_request(earlier)).aread()
        if fault is not None and fault.kind in (*BEFORE, "late"):
            return self._before(fault, request)
        if fault is not None and fault.kind == "double":
            await (await self.inner.handle_async_request(request)).aread()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return self._after(fault, request, response)

    def _before(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fault.kind == "late":
            self._late.append(request)
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        status = 429 if fault.kind == "429" else 503
        headers = {"retry-after": "1"} if status == 429 else {}
        return httpx.Response(status, json=_error_body(status), headers=headers, request=request)

    def _after(self, fault: Fault | None, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if fault is None:
            return response
        body, kind = response.content, fault.kind
        if kind in ("reset", "double") or (kind == "drop" and not body):
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if kind == "protocol":
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        if kind == "timeout":
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        if kind == "503":
            return httpx.Response(503, json=_error_body(503), request=request)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        if kind == "drop":
            stream = _Dropping(body[: len(body) // 2], len(body))
            return httpx.Response(response.status_code, headers=[*headers, ("content-length", str(len(body)))], stream=stream, request=request)
        cut = body[: len(body) // 2] if kind == "truncate" else b""
        return httpx.Response(response.status_code, headers=headers, content=cut, request=request)


def _error_body(status: int) -> dict[str, Any]:
    said = {429: "Too many requests.", 503: "The service is unavailable."}[status]
    return {"statusCode": status, "service": "PublicApi", "error": said, "correlationId": "f" * 32, "canBeRetried": "True"}


# -- one Sandbox and one client per test ------------------------------------------------------------------


@dataclass
class World:
    codat: Codat  # the client under test, behind the Losing transport
    wire: Losing
    control: httpx.Client  # the same tenant, straight to the Sandbox

    def get(self, path: str, **params: Any) -> Any:
        answer = self.control.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def company(self, name: str = "Fault Tolerant Ltd") -> str:
        answer = self.control.post("/companies", json={"name": name})
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    def synced(self, name: str = "Synced Ltd", invoices: int = 40) -> tuple[str, str]:
        company_id = self.company(name)
        connection = self.control.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()["id"]
        path = f"/_sandbox/companies/{company_id}/connections/{connection}/authorize"
        assert self.control.post(path, json={"dataset": "small-uk", "invoices": invoices}).status_code == 200
        assert self.control.post("/_sandbox/clock/advance", json={"seconds": 7200}).status_code == 200
        assert {s["currentStatus"] for s in self.get(f"/companies/{company_id}/dataStatus").values()} <= {"Complete", "NotSupported"}
        return company_id, connection

    def pulls(self, company_id: str) -> list[dict[str, Any]]:
        return self.get(f"/companies/{company_id}/data/history", pageSize=5000)["results"]


def make_world(flavour: str, emulator: Emulator | None = None, **options: Any) -> Iterator[World]:
    owned = emulator is None
    emulator = emulator or Emulator(seed=0, clock=ManualClock())
    control = httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL, headers=auth_headers())
    wire = Losing(emulator.transport())
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # waits move the Sandbox's clock, so no test sleeps for real
        sleeps.append(seconds)
        assert control.post("/_sandbox/clock/advance", json={"seconds": seconds}).status_code == 200

    options.setdefault("retries", RetryPolicy(rng=random.Random(0)))
    options.update(transport=wire, sleep=sleep, clock=lambda: emulator.clock.now().timestamp())
    loop = asyncio.new_event_loop() if flavour == "async" else None
    client = (AsyncClient if flavour == "async" else Client)(API_KEY, IN_PROCESS_URL, **options)
    try:
        yield World(Codat(client, control, emulator, flavour, loop, sleeps), wire, control)
    finally:
        if loop is not None:
            loop.run_until_complete(client.aclose())
            loop.close()
        else:
            client.close()
        control.close()
        if owned:
            emulator.close()


@pytest.fixture(params=FLAVOURS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from make_world(request.param)


# -- writes: exactly one effect, the right result ------------------------------------------------------


def create_company(w: World) -> None:
    company = w.codat.create_company("Lost Answer Ltd", description="made once")
    assert isinstance(company, Company) and (company.name, company.description) == ("Lost Answer Ltd", "made once")
    named = w.get("/companies", query="name=Lost Answer Ltd")["results"]
    assert [c["id"] for c in named] == [company.id]


def create_connection(w: World) -> None:
    company_id = w.company()
    connection = w.codat.create_connection(company_id, "mqjo")
    assert isinstance(connection, Connection) and connection.status == "PendingAuth"
    assert [c["id"] for c in w.get(f"/companies/{company_id}/connections")["results"]] == [connection.id]


def refresh_all(w: World) -> None:
    company_id, _ = w.synced()
    before = w.pulls(company_id)
    assert w.codat.refresh_all(company_id) is None
    new = [p for p in w.pulls(company_id) if p["id"] not in {b["id"] for b in before}]
    # Every data type of the first link queued again, each once (not two or three sets).
    assert Counter(p["dataType"] for p in new) == Counter(p["dataType"] for p in before)


def refresh_data_type(w: World) -> None:
    company_id, _ = w.synced()
    before = {p["id"] for p in w.pulls(company_id)}
    pull = w.codat.refresh_data_type(company_id, "invoices")
    assert isinstance(pull, PullOperation) and pull.data_type == "invoices"
    assert [p["id"] for p in w.pulls(company_id) if p["id"] not in before] == [pull.id]


def delete_company(w: World) -> None:
    company_id = w.company()
    assert w.codat.delete_company(company_id) is None
    assert w.control.get(f"/companies/{company_id}").status_code == 404


def update_company(w: World) -> None:
    company_id = w.company("Before Ltd")
    assert w.codat.update_company(company_id, name="After Ltd").name == "After Ltd"
    assert w.get(f"/companies/{company_id}")["name"] == "After Ltd"
    assert len(w.get("/companies", query="name=After Ltd")["results"]) == 1


def replace_company(w: World) -> None:
    company_id = w.company("Before Ltd")
    assert w.codat.replace_company(company_id, "Replaced Ltd", tags={"region": "uk"}).name == "Replaced Ltd"
    assert (w.get(f"/companies/{company_id}")["name"], w.get(f"/companies/{company_id}")["tags"]) == ("Replaced Ltd", {"region": "uk"})


def set_sync_settings(w: World) -> None:
    company_id = w.company()
    settings = w.get(f"/companies/{company_id}/syncSettings")["settings"]
    changed = [{**s, "fetchOnFirstLink": s["dataType"] != "invoices"} for s in settings]
    assert w.codat.set_sync_settings(changed, company_id) is None
    again = {s["dataType"]: s["fetchOnFirstLink"] for s in w.get(f"/companies/{company_id}/syncSettings")["settings"]}
    assert again["invoices"] is False and again["bills"] is True


#: Each write, the request its fault hits, and whether its answer has a body.
WRITES: dict[str, tuple[Callable[[World], None], str, str, bool]] = {
    "create_company": (create_company, "POST", r"^/companies$", True),
    "create_connection": (create_connection, "POST", r"/connections$", True),
    "refresh_all": (refresh_all, "POST", r"/data/all$", False),
    "refresh_data_type": (refresh_data_type, "POST", r"/data/queue/invoices$", True),
    "delete_company": (delete_company, "DELETE", r"^/companies/[^/]+$", False),
    "update_company": (update_company, "PATCH", r"^/companies/[^/]+$", True),
    "replace_company": (replace_company, "PUT", r"^/companies/[^/]+$", True),
    "set_sync_settings": (set_sync_settings, "POST", r"/syncSettings$", False),
}
WRITE_CASES = [
    (name, kind) for name, (_, _, _, has_body) in WRITES.items() for kind in (*BEFORE, *AFTER) if has_body or kind not in NEEDS_BODY
]


@pytest.mark.parametrize(("write", "kind"), WRITE_CASES, ids=[f"{w}-{k}" for w, k in WRITE_CASES])
def test_a_write_whose_answer_is_lost_takes_effect_once(world: World, write: str, kind: str) -> None:
    act, method, path, _ = WRITES[write]
    world.wire.add(kind, method, path)
    act(world)
    assert world.wire.fired == {kind: 1}, "the fault did not fire"
    assert sum(world.codat.retries_by_cause.values()) == 1


def test_without_faults_a_write_costs_at_most_one_more_request(world: World) -> None:
    """The price of checking: one GET (a snapshot) before each write that must not happen twice,
    nothing for the writes that may be sent again."""
    snapshot = {"create_company": "GET /companies", "create_connection": "GET /connections", "refresh_all": "GET /dataStatus",
                "refresh_data_type": "GET /dataStatus"}  # fmt: skip
    for name, (act, method, path, _) in WRITES.items():
        world.wire.sent.clear()
        act(world)
        sent = [f"{m} /{p.rsplit('/', 1)[-1]}" for m, p in world.wire.sent]
        assert len(sent) == (2 if name in snapshot else 1), (name, sent)
        assert sent[0] == snapshot.get(name, sent[0]) and world.wire.sent[-1][0] == method, (name, sent)
    assert world.codat.retries_by_cause == {}


# -- a check that settles what a blind retry would have got wrong --------------------------------------


def test_a_write_acted_on_late_is_adopted_when_the_retry_is_refused(world: World) -> None:
    """The Sandbox queues the pull only after the client gave up and checked: the second try is
    refused as already in progress, and that pull is ours."""
    company_id, _ = world.synced()
    before = {p["id"] for p in world.pulls(company_id)}
    world.wire.add("late", "POST", r"/data/queue/invoices$")
    pull = world.codat.refresh_data_type(company_id, "invoices")
    assert [p["id"] for p in world.pulls(company_id) if p["id"] not in before] == [pull.id]
    assert world.codat.retries_by_cause == {"ReadTimeout": 1}


def test_a_connection_created_late_is_adopted_when_the_retry_is_refused(world: World) -> None:
    company_id = world.company()
    world.wire.add("late", "POST", r"/connections$")
    connection = world.codat.create_connection(company_id, "mqjo")
    assert [c["id"] for c in world.get(f"/companies/{company_id}/connections")["results"]] == [connection.id]


def test_several_new_companies_after_a_lost_answer_is_a_clear_error(world: World) -> None:
    world.wire.add("double", "POST", r"^/companies$")
    with pytest.raises(OutcomeUnknownError) as caught:
        world.codat.create_company("Twice Ltd")
    made = [c["id"] for c in world.get("/companies")["results"]]
    assert len(made) == 2 and sorted(caught.value.found) == sorted(made)
    assert str(caught.value) == (
        f"After an unclear failure, 2 new companies named 'Twice Ltd' were found ({', '.join(caught.value.found)}), where one "
        "was created: one is probably this call's, the others another client's. Check them and delete the extra ones; "
        "list_companies(query='name=Twice Ltd') shows it if it was created."
    )


def test_a_lost_answer_the_check_cannot_settle_says_what_to_look_at(world: World) -> None:
    world.wire.add("reset", "POST", r"^/companies$")
    world.wire.add("connect", "GET", r"^/companies$", count=100, after="reset")  # the check cannot reach Codat
    with pytest.raises(OutcomeUnknownError) as caught:
        world.codat.create_company("Unsettled Ltd")
    error = caught.value
    assert str(error) == (
        "POST /companies was sent, but its answer was lost (ReadError: [Errno 104] Connection reset by peer), so Codat may "
        "or may not have acted on it. list_companies(query='name=Unsettled Ltd') shows it if it was created."
    )
    assert isinstance(error, TransportError) and isinstance(error.__cause__, httpx.ReadError)
    assert any("Checking whether it took effect failed too: GET /companies could not reach Codat" in note for note in error.__notes__)
    assert (error.method, error.path) == ("POST", "/companies") and API_KEY not in str(error)
    assert [c["name"] for c in world.get("/companies")["results"]] == ["Unsettled Ltd"]  # it had been created


def test_refresh_all_whose_answer_the_check_cannot_settle_says_to_look_at_data_status(world: World) -> None:
    company_id, _ = world.synced()
    world.wire.add("reset", "POST", r"/data/all$")
    world.wire.add("timeout", "GET", r"/dataStatus$", count=100, after="reset")
    with pytest.raises(OutcomeUnknownError) as caught:
        world.codat.refresh_all(company_id)
    assert str(caught.value) == (
        f"POST /companies/{company_id}/data/all was sent, but its answer was lost (ReadError: [Errno 104] Connection reset "
        f"by peer), so Codat may or may not have acted on it. data_status('{company_id}') shows new pulls (a new "
        "latest_sync_id) if they were queued."
    )
    assert world.wire.sent.count(("POST", f"/companies/{company_id}/data/all")) == 1  # never sent blind a second time


@pytest.mark.parametrize("name", ["Smith && Sons", "'Quoted' Ltd", "!Bang Ltd", "O'Brien & Co"])
def test_a_name_holding_query_syntax_is_still_found_by_the_check(world: World, name: str) -> None:
    world.wire.add("reset", "POST", r"^/companies$")
    company = world.codat.create_company(name)
    assert [c["id"] for c in world.get("/companies")["results"]] == [company.id] and company.name == name


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_server_that_refuses_the_name_query_gets_the_create_unchecked(flavour: str) -> None:
    made: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(400, json={"statusCode": 400, "error": "Error parsing query - Malformed query."})
        made.append("Unchecked Ltd")
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)

    with pytest.raises(OutcomeUnknownError, match=r"may or may not have acted on it\. list_companies\(\) shows it if it was created\.$"):
        run(flavour, lambda client: client.create_company("Unchecked Ltd"), transport=httpx.MockTransport(answer))
    assert made == ["Unchecked Ltd"]  # sent once: with nothing to check against, never sent blind again


@pytest.fixture(params=FLAVOURS)
def no_retries(request: pytest.FixtureRequest) -> Iterator[World]:
    yield from make_world(request.param, retries=False)


def test_without_retries_a_lost_answer_is_still_settled_by_the_check(no_retries: World) -> None:
    no_retries.wire.add("reset", "POST", r"^/companies$")
    company = no_retries.codat.create_company("Checked Ltd")
    assert [c["id"] for c in no_retries.get("/companies")["results"]] == [company.id]


def test_without_retries_a_write_that_did_not_happen_says_so(no_retries: World) -> None:
    no_retries.wire.add("503-before", "POST", r"^/companies$")
    with pytest.raises(ServerError) as caught:
        no_retries.codat.create_company("Not Made Ltd")
    assert str(caught.value).endswith("Checked afterwards: it did not take effect, so nothing changed; it is safe to send again.")
    assert caught.value.status == 503 and no_retries.get("/companies")["results"] == []


def test_a_delete_whose_answer_was_lost_is_done_not_not_found(world: World) -> None:
    company_id = world.company()
    world.wire.add("reset", "DELETE", r"^/companies/")
    assert world.codat.delete_company(company_id) is None
    assert world.wire.sent.count(("DELETE", f"/companies/{company_id}")) == 2  # the second try answered 404: done
    with pytest.raises(Exception, match="No company was found"):  # a delete with nothing unclear before still says 404
        world.codat.delete_company(company_id)


# -- reads: every record once, the same frame -----------------------------------------------------------

READ_KINDS = (*BEFORE, *AFTER)
PAGE_SIZE = 50  # 230 invoices: five pages, the fault hits the third


@pytest.fixture(scope="module")
def library() -> Iterator[tuple[Emulator, str, list[dict[str, Any]], dict[str, pd.DataFrame]]]:
    """One synced company for every read test (reads change nothing), and what a read without faults gives."""
    emulator = Emulator(seed=0, clock=ManualClock())
    worlds = make_world("sync", emulator)
    world = next(worlds)
    company_id, _ = world.synced("Library Ltd", invoices=230)
    records = world.get(f"/companies/{company_id}/data/invoices", pageSize=5000)["results"]
    with Client(API_KEY, IN_PROCESS_URL, transport=emulator.transport()) as plain:
        tables = plain.read_tables(company_id, "invoices", page_size=PAGE_SIZE)
    worlds.close()
    yield emulator, company_id, records, tables
    emulator.close()


@pytest.fixture(params=FLAVOURS)
def reader(request: pytest.FixtureRequest, library: Any) -> Iterator[World]:
    yield from make_world(request.param, library[0])


@pytest.mark.parametrize("kind", READ_KINDS)
def test_list_records_under_a_fault_on_one_page_reads_every_record_once(reader: World, library: Any, kind: str) -> None:
    _, company_id, records, _ = library
    reader.wire.add(kind, "GET", r"/data/invoices$", page="3")
    assert reader.codat.list_records(company_id, "invoices", page_size=PAGE_SIZE) == records
    assert reader.wire.fired == {kind: 1} and sum(reader.codat.retries_by_cause.values()) == 1
    pages = Counter(reader.wire.sent)
    assert pages[("GET", f"/companies/{company_id}/data/invoices")] == 6  # five pages, the third twice


@pytest.mark.parametrize("kind", READ_KINDS)
def test_read_tables_under_a_fault_on_one_page_builds_the_same_frames(reader: World, library: Any, kind: str) -> None:
    _, company_id, _, expected = library
    reader.wire.add(kind, "GET", r"/data/invoices$", page="3")
    tables = reader.codat.read_tables(company_id, "invoices", page_size=PAGE_SIZE)
    assert tables.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(tables[name], frame)
    assert reader.wire.fired == {kind: 1} and sum(reader.codat.retries_by_cause.values()) == 1


def test_read_frame_refetches_a_page_cut_short_on_its_first_page_too(reader: World, library: Any) -> None:
    _, company_id, _, expected = library
    reader.wire.add("truncate", "GET", r"/data/invoices$", page="1")
    pd.testing.assert_frame_equal(reader.codat.read_frame(company_id, "invoices", page_size=PAGE_SIZE), expected["invoices"])
    assert reader.codat.retries_by_cause == {"malformed body": 1}


@pytest.mark.parametrize(("kind", "cause"), [("empty", "empty body"), ("truncate", "malformed body"), ("drop", "RemoteProtocolError")])
def test_a_get_answered_200_with_a_spoilt_body_is_asked_again(reader: World, library: Any, kind: str, cause: str) -> None:
    _, company_id, _, _ = library
    reader.wire.add(kind, "GET", r"^/companies/[^/]+$")
    assert reader.codat.get_company(company_id).name == "Library Ltd"
    assert reader.codat.retries_by_cause == {cause: 1} and reader.codat.requests_sent == 2


def test_a_body_spoilt_every_time_gives_up_with_a_clear_message(reader: World, library: Any) -> None:
    _, company_id, _, _ = library
    reader.wire.add("truncate", "GET", r"^/companies/[^/]+$", count=10)
    with pytest.raises(SchemaError) as caught:
        reader.codat.get_company(company_id)
    assert str(caught.value) == (
        f"GET /companies/{company_id} answered 200 with a body that is not whole JSON (cut short or garbled), every time it "
        "was asked; check the network (a proxy may cut answers short) and that base_url points at the Codat API."
    )
    assert reader.codat.requests_sent == 4 and reader.codat.retries_by_cause == {"malformed body": 3}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_page_that_is_not_json_at_all_is_not_asked_again(flavour: str) -> None:
    html = httpx.MockTransport(lambda request: httpx.Response(200, html="<html>Sign in</html>"))
    with pytest.raises(SchemaError, match=r"answered 200 with a body that is not JSON \(text/html; charset=utf-8\)"):
        run(flavour, lambda client: client.list_companies(), transport=html)


# -- rate limits -------------------------------------------------------------------------------------------


def run(flavour: str, call: Callable[[Any], Any], **options: Any) -> Any:
    """``call(client)`` on a fresh client of ``flavour``; returns (result, client)."""
    options.setdefault("retries", RetryPolicy(rng=random.Random(0)))
    if flavour == "sync":
        with Client(API_KEY, IN_PROCESS_URL, **options) as client:
            return call(client), client

    async def main() -> Any:
        async with AsyncClient(API_KEY, IN_PROCESS_URL, **options) as client:
            return await call(client), client

    return asyncio.run(main())


EMPTY_PAGE = {"results": [], "pageNumber": 1, "pageSize": 100, "totalResults": 0, "_links": {}}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("reset", "expected"),
    [("2026-12-05T00:00:00Z", "2026-12-05T00:00:00+00:00"), ("Sat, 05 Dec 2026 00:00:00 GMT", "2026-12-05T00:00:00+00:00"),
     ("2026-12-05T01:00:00+01:00", "2026-12-05T00:00:00+00:00"), ("1796428800", "2026-12-05T00:00:00+00:00"), ("soon", None)],
)  # fmt: skip
def test_rate_limit__the_latest_headers_seen(flavour: str, reset: str, expected: str | None) -> None:
    answers = iter([{"x-rate-limit-limit": "2000", "x-rate-limit-remaining": "1999", "x-rate-limit-reset": reset}, {}])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=EMPTY_PAGE, headers=next(answers))

    def twice(client: Any) -> Any:
        before = client.rate_limit
        if flavour == "sync":
            client.list_companies()
            client.list_companies()  # without the headers: the latest seen stays
            return before

        async def both() -> Any:
            await client.list_companies()
            await client.list_companies()
            return before

        return both()

    before, client = run(flavour, twice, transport=httpx.MockTransport(answer))
    assert before is None
    limit = client.rate_limit
    assert (limit.limit, limit.remaining) == (2000, 1999)
    assert (limit.reset.isoformat() if limit.reset else None) == expected


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_retry_after_longer_than_max_backoff_is_a_clear_rate_limit_error(flavour: str) -> None:
    limited = httpx.MockTransport(lambda request: httpx.Response(429, json=_error_body(429), headers={"retry-after": "120"}))
    sleeps: list[float] = []
    with pytest.raises(RateLimitError) as caught:
        run(flavour, lambda client: client.list_companies(), transport=limited, sleep=sleeps.append)
    assert sleeps == [] and caught.value.retry_after == 120.0
    assert str(caught.value) == (
        "Too many requests. (GET /companies -> 429; correlation id ffffffffffffffffffffffffffffffff). Too many requests: "
        "Codat asks to wait 120 s before trying again. That is longer than this client waits (max_backoff 30 s), so it "
        "stopped: try again after 120 s, or allow longer waits with retries=RetryPolicy(max_backoff=120)."
    )


def test_async_client__a_429_holds_back_every_request_until_its_retry_after() -> None:
    """A rate limit is the key's, not one request's: once a page is answered 429 with Retry-After,
    no other request starts before that time (it would only be refused too). The clock runs 100
    times faster than real time, so 5 s of Retry-After take 50 ms."""
    started = time.monotonic()
    clock = lambda: (time.monotonic() - started) * 100  # noqa: E731
    sent: list[tuple[float, str, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        page, now = int(request.url.params.get("page", "1")), clock()
        if page == 2 and not any(p == "2" for _, p, _ in sent):
            sent.append((now, "2", 429))
            return httpx.Response(429, json=_error_body(429), headers={"retry-after": "5"})
        sent.append((now, str(page), 200))
        results = [{"id": f"{page}-{n}"} for n in range(10)]
        return httpx.Response(200, json={**EMPTY_PAGE, "results": results, "pageNumber": page, "pageSize": 10, "totalResults": 100})

    async def main() -> list[Any]:
        async def sleep(seconds: float) -> None:
            await asyncio.sleep(seconds / 100)

        async with AsyncClient(API_KEY, IN_PROCESS_URL, transport=httpx.MockTransport(answer), sleep=sleep, clock=clock) as client:
            records = await client.list_records("8a210b68-6988-11ed-a1eb-0242ac120002", "invoices", page_size=10)
            assert client.retries_by_cause == {"HTTP 429": 1}
            return records

    records = asyncio.run(main())
    assert [r["id"] for r in records] == [f"{p}-{n}" for p in range(1, 11) for n in range(10)]
    refused = next(i for i, (_, _, status) in enumerate(sent) if status == 429)
    assert refused == 1 and [status for _, _, status in sent].count(429) == 1, sent
    # Pages 3-10 were ready to go at once; each waited for the Retry-After (asyncio may wake a hair early).
    assert all(t >= sent[refused][0] + 5 - 0.5 for t, _, _ in sent[refused + 1 :]), sent


# -- the served Sandbox's own faults (a real uvicorn server on loopback) ----------------------------------

#: 31% of API requests fail: 503s, 429s with Retry-After, connections reset after the Sandbox acted,
#: bodies cut short (intact framing), bodies dropped mid-way, connections closed without an answer.
SERVED_FAULTS = {
    "seed": 11,
    "failRandomly": [{"status": 503, "probability": 0.1}, {"status": 429, "probability": 0.05, "retryAfter": 1}],
    "wire": [{"kind": "reset", "probability": 0.05}, {"kind": "truncate", "probability": 0.05},
             {"kind": "drop", "probability": 0.03}, {"kind": "empty", "probability": 0.03}],
}  # fmt: skip


@pytest.mark.parametrize("kind", ["sync-loopback", "async-loopback"])
def test_served_sandbox_faults__a_whole_flow_ends_with_each_effect_once(request: pytest.FixtureRequest, kind: str) -> None:
    from .clients import make_codat

    patient = RetryPolicy(max_attempts=10, max_elapsed=1e9, rng=random.Random(0))  # waits move the Sandbox's clock
    for codat in make_codat(request, kind, retries=patient):
        codat.faults(**SERVED_FAULTS)
        company = codat.create_company("Flow Ltd")
        connection = codat.create_connection(company.id, "mqjo")
        codat.authorize(company.id, connection.id, dataset="small-uk", invoices=230)
        codat.wait_for_sync(company.id, timeout=36_000)
        assert codat.refresh_all(company.id) is None
        codat.wait_for_sync(company.id, timeout=36_000)
        records = codat.list_records(company.id, "invoices", page_size=50)
        frame = codat.read_frame(company.id, "invoices", page_size=50)
        counters = codat.raw("/_sandbox/faults")["counters"]
        assert codat.control.request("DELETE", "/_sandbox/faults").status_code == 204
        assert [c["id"] for c in codat.raw("/companies", query="name=Flow Ltd")["results"]] == [company.id]
        assert [c["id"] for c in codat.raw(f"/companies/{company.id}/connections")["results"]] == [connection.id]
        pulls = Counter(p["dataType"] for p in codat.raw(f"/companies/{company.id}/data/history", pageSize=5000)["results"])
        assert set(pulls.values()) == {2}, pulls  # the first link's, and refresh_all's: once each
        assert records == codat.raw(f"/companies/{company.id}/data/invoices", pageSize=5000)["results"]
        pd.testing.assert_frame_equal(frame, codat.read_frame(company.id, "invoices", page_size=5000))
        survived = dict(sorted(codat.client.retries_by_cause.items()))
        print(f"\n{kind}: {codat.client.requests_sent} requests, Sandbox injected {counters}, client survived {survived}")
        assert sum(survived.values()) >= 5
