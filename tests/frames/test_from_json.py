"""frames.tables_from_json: Codat's page bodies (bytes) to the same frames as the dict route, via
pyarrow's JSON reader where it reads exactly, via parsed dicts where it can't."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any, Callable

import httpx
import orjson
import pandas.testing as pdt
import pytest

from codat_nb import DataChangedError, Sandbox, frames
from codat_nb.errors import SchemaError, ValidationError
from codat_nb.frames import _arrow

from .test_frames import RECORDED_INVOICE


def page(records: list[dict[str, Any]], total: int | None = None) -> bytes:
    return orjson.dumps({"results": records, "pageNumber": 1, "pageSize": 100, "totalResults": len(records) if total is None else total,
                         "_links": {"self": {"href": "/x"}, "current": {"href": "/x?page=1"}}})  # fmt: skip


def assert_same(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert list(got) == list(expected)
    for name in expected:
        pdt.assert_frame_equal(got[name], expected[name], check_exact=True, obj=name)


@pytest.fixture
def dicts_route(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the dict route ran (it must not, where pyarrow reads the JSON exactly)."""
    calls = []
    real = frames.build

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(frames, "build", counting)
    return lambda: len(calls)


@pytest.fixture(scope="module")
def sandbox_company() -> tuple[Sandbox, str]:
    sandbox = Sandbox(seed=5, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Arrow Reads Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="multi-currency-wholesaler", invoices=150)
        client.wait_for_sync(company.id, timeout=10**6)
    yield sandbox, company.id
    sandbox.close()


def raw_pages(sandbox: Sandbox, company_id: str, data_type: str, page_size: int) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The Sandbox's page bodies as sent over HTTP, and the records they hold."""
    from codat_nb.reads import records

    with sandbox.client() as client:
        pages = list(client._pages(records(company_id, data_type, page_size=page_size, raw=True)))
        parsed = client.list_records(company_id, data_type, page_size=page_size)
    return [body for emitted in pages for body, _ in emitted], parsed


#: Sandbox data types pyarrow reads (all but the company's info, which is one object, not a page).
FAST = ("invoices", "bills", "creditNotes", "customers", "suppliers", "payments", "billPayments", "items", "taxRates",
        "trackingCategories", "journalEntries", "chartOfAccounts", "bankAccounts", "bankTransactions")  # fmt: skip


@pytest.mark.parametrize("data_type", list(frames.accounting.TABLES))
def test_every_sandbox_data_type__the_same_frames_from_its_bytes(
    sandbox_company: tuple[Sandbox, str], data_type: str, dicts_route: Callable[[], int]
) -> None:
    sandbox, company_id = sandbox_company
    bodies, records = raw_pages(sandbox, company_id, data_type, page_size=40)
    expected, expected_main = frames.tables(data_type, records), frames.frame(data_type, records)
    before = dicts_route()
    assert_same(frames.tables_from_json(data_type, bodies), expected)
    pdt.assert_frame_equal(frames.frame_from_json(data_type, bodies), expected_main)
    assert (dicts_route() - before == 0) == (data_type in FAST), "the pyarrow route should read this data type"
    assert len(expected[next(iter(expected))]) == len(records)


# Each case changes the recorded invoice; the frames from its JSON bytes must equal the dict route's.
def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(record: dict[str, Any]) -> None:
        *heads, last = path.split(".")
        node: Any = record
        for head in heads:
            node = node[int(head)] if isinstance(node, list) else node[head]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return change


_DELETE = object()
CASES = {
    "a number where text is declared": _set("lineItems.0.lineNumber", 1),
    "nested supplemental data": _set("supplementalData", {"content": {"orders": {"channel": "web", "n": [1, 2.5]}}}),
    "undeclared text": _set("externalRef", "EXT-1"),
    "undeclared whole number": _set("revision", 7),
    "undeclared decimal": _set("fxSpread", 0.125),
    "undeclared boolean": _set("isFlagged", True),
    "undeclared null": _set("memo", None),
    "undeclared empty list": _set("attachments", []),
    "undeclared object": _set("source", {"system": "pos", "id": 3}),
    "undeclared field in a line": _set("lineItems.1.warehouse", "W1"),
    "an integer beyond 64 bits as an amount": _set("totalAmount", 123456789012345678901234),
    "an integer beyond 64 bits undeclared": _set("sequence", 123456789012345678901234),
    "a null reference": _set("customerRef", None),
    "a missing reference": _set("customerRef", _DELETE),
    "a reference without its name": _set("customerRef.companyName", _DELETE),
    "a status Codat added later": _set("status", "Overdue"),
    "a date without a time": _set("issueDate", "2023-01-18"),
    "a year 9999 placeholder": _set("dueDate", "9999-12-31T00:00:00"),
    "a zoned local date": _set("issueDate", "2023-01-18T00:00:00+02:00"),
    "text with escapes and unicode": _set("note", 'Line one\nline "two" \u00e9\u20ac\U0001f600'),
    "null line items": _set("lineItems", None),
    "a boolean where an amount is declared": _set("subTotal", True),
    "a list where text is declared": _set("currency", ["GBP"]),
    "an empty object as a reference": _set("customerRef", {}),
}


#: The cases pyarrow can't read exactly, which go the dict route.
BY_DICTS = {"a number where text is declared", "nested supplemental data", "undeclared object",
            "a boolean where an amount is declared", "a list where text is declared"}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_odd_json__the_same_frames_as_the_dict_route(name: str, dicts_route: Callable[[], int]) -> None:
    change = CASES[name]
    changed = copy.deepcopy(RECORDED_INVOICE)
    change(changed)
    records = [copy.deepcopy(RECORDED_INVOICE), changed, copy.deepcopy(RECORDED_INVOICE)]
    body = json.dumps({"results": records, "totalResults": 3}).encode()  # Python's json keeps the big integers
    try:
        expected = frames.tables("invoices", json.loads(body)["results"])
    except SchemaError as error:  # data the dict route refuses is refused alike, with its message
        with pytest.raises(SchemaError) as raised:
            frames.tables_from_json("invoices", body)
        assert str(raised.value) == str(error)
        return
    before = dicts_route()
    assert_same(frames.tables_from_json("invoices", body), expected)
    assert (dicts_route() > before) == (name in BY_DICTS)


def test_pretty_printed_bodies_bare_arrays_and_empty_pages(dicts_route: Callable[[], int]) -> None:
    records = [RECORDED_INVOICE, {**RECORDED_INVOICE, "id": "second"}]
    expected = frames.tables("invoices", records)
    pretty = json.dumps({"results": records[:1], "totalResults": 2}, indent=2).encode()
    bodies = [b"  " + pretty + b"\r\n", page([]), orjson.dumps(records[1:])]
    before = dicts_route()
    assert_same(frames.tables_from_json("invoices", bodies), expected)
    assert dicts_route() == before
    empty = frames.tables_from_json("invoices", page([]))
    assert_same(empty, frames.tables("invoices", []))


def test_page_totals_come_back_for_a_reader_to_check() -> None:
    built, totals = frames.pages_to_tables("invoices", [page([RECORDED_INVOICE], total=2), page([RECORDED_INVOICE], total=3)])
    assert totals == [2, 3] and len(built["invoices"]) == 2
    _, totals = frames.pages_to_tables("invoices", [orjson.dumps([RECORDED_INVOICE])])
    assert totals == [None]


def test_reports_from_their_body() -> None:
    sandbox = Sandbox(seed=2, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Report Bytes Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id)
        client.wait_for_sync(company.id, timeout=10**6)
        report = client.balance_sheet(company.id, periods_to_compare=2)
    sandbox.close()
    pdt.assert_frame_equal(frames.frame_from_json("balanceSheet", orjson.dumps(report)), frames.frame("balanceSheet", report))
    with pytest.raises(SchemaError, match="one report"):
        frames.tables_from_json("balanceSheet", [orjson.dumps(report)] * 2)


@pytest.mark.parametrize(
    ("bodies", "error", "message"),
    [
        ('{"results": []}', SchemaError, "as bytes"),
        ([b"{}", "text"], SchemaError, "each page body as bytes"),
        (b'{"results": [', SchemaError, "not JSON"),
        (b"<html>Bad gateway</html>", SchemaError, "not JSON"),
        (b'{"results": [1, 2]}', SchemaError, "expected Codat records"),
        (42, SchemaError, "as bytes"),
    ],
)
def test_bad_input_says_what_to_pass(bodies: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        frames.tables_from_json("invoices", bodies)


def test_an_unknown_data_type_is_named() -> None:
    with pytest.raises(ValidationError, match="invoice"):
        frames.tables_from_json("invoice", page([]))


def test_the_record_type_follows_the_declaration() -> None:
    record = _arrow.record_type(frames.accounting.TABLES["invoices"])
    assert record.field("customerRef").type.field("companyName").type == "string"
    assert record.field("lineItems").type.value_type.field("unitAmount").type == "double"
    assert record.field("metadata").type.field("isDeleted").type == "bool"
    assert record.get_field_index("supplementalData") == -1  # no fixed shape: inferred, then checked


def test_the_clients_check_every_page_against_page_one(sandbox_company: tuple[Sandbox, str]) -> None:
    """read_frame reads bodies unparsed; a page whose totalResults moved still stops the read."""
    sandbox, company_id = sandbox_company

    class Shrinking(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await sandbox.emulator.transport().handle_async_request(request)
            if request.url.params.get("page") == "2":
                body = orjson.loads(await response.aread())
                body["totalResults"] -= 1
                return httpx.Response(200, content=orjson.dumps(body), request=request)
            return response

    async def run() -> None:
        async with sandbox.async_client(transport=Shrinking()) as client:
            await client.read_frame(company_id, "invoices", page_size=50)

    with pytest.raises(DataChangedError, match="invoices changed.*by page 2.*read it again"):
        asyncio.run(run())


@pytest.mark.parametrize(
    "first, second",
    [
        ({"memo": None}, {"memo": "paid by card"}),
        ({}, {"memo": "only on page two"}),
        ({"revision": 1}, {"revision": 2.5}),
        ({"customerRef": {"id": "c1", "companyName": "A"}}, {"customerRef": {"id": "c2", "companyName": "B", "region": "EU"}}),
        ({"memo": "text"}, {"memo": 3}),
    ],
    ids=["null then text", "absent then text", "whole then decimal", "a reference gains a field", "text then a number"],
)
def test_pages_that_differ_in_their_undeclared_fields(first: dict[str, Any], second: dict[str, Any]) -> None:
    """Each page is parsed on its own; what they inferred is unified, or the dict route reads them."""
    records = [{**RECORDED_INVOICE, **first}, {**RECORDED_INVOICE, "id": "second", **second}]
    expected = frames.tables("invoices", records)
    assert_same(frames.tables_from_json("invoices", [page(records[:1]), page(records[1:])]), expected)


def test_no_bodies_at_all_give_the_empty_frames() -> None:
    assert_same(frames.tables_from_json("invoices", []), frames.tables("invoices", []))
