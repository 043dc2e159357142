"""The exact bytes the emulator serves for the books, pinned as sha256 digests.

Speed work on rendering (page-at-a-time renderers, memoised refs, a faster JSON encoder) must
not change a single byte of any answer. ``rendering_digests.json`` holds the digests of a fixed
scenario's responses, generated before that work: every list path (several pages, odd page
sizes, ``query`` and ``orderBy``), single records by id, bank accounts and transactions, the
company info and the financial statements, for all three sample companies, after the first
sync and after resyncs (so ``modifiedDate`` comes from more than one pull).

If an answer is meant to change, regenerate the digests deliberately and review the diff:

    .venv/bin/python -m tests.sandbox.books.test_rendering --write

Below them: orjson (``http.encode_records``) writes exactly what ``http.encode`` (json.dumps)
writes, for every record of the three samples and for the kinds of values records hold; and
the column-at-a-time ids and date-times (``books.texts``) equal the one-at-a-time formatters.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import httpx
import numpy as np
import pytest

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox import http
from codat_nb.sandbox.books import texts
from codat_nb.sandbox.books.calendar import day_of, local_datetime
from codat_nb.sandbox.books.collections import bank_transactions, collection
from codat_nb.sandbox.books.keys import IdScheme
from codat_nb.sandbox.books.master import MasterReader
from codat_nb.sandbox.books.model import BooksSpec, generate
from codat_nb.sandbox.books.records import make_stamp
from codat_nb.sandbox.books.snapshot import Snapshot

DIGESTS = Path(__file__).with_name("rendering_digests.json")
SAMPLES = ("small-uk", "us-retailer", "multi-currency-wholesaler")
INVOICES = 3000
LIST_PATHS = (
    "invoices", "bills", "payments", "billPayments", "creditNotes", "customers", "suppliers", "items",
    "taxRates", "trackingCategories", "journalEntries", "accounts",
)  # fmt: skip
#: (path, query, orderBy) read at page 1 and page 2 (pageSize 50).
QUERIES = (
    ("invoices", "status=Paid", None),
    ("invoices", "amountDue>0", "-totalAmount"),
    ("invoices", "status=PartiallyPaid || status=Void", "issueDate"),
    ("invoices", None, "-dueDate"),
    ("invoices", "paidOnDate>2025-06-01", "-paidOnDate"),
    ("bills", "status=Open", "-dueDate"),
    ("bills", None, "-totalAmount"),
    ("payments", "totalAmount<0", None),
    ("payments", None, "-totalAmount"),
    ("billPayments", "totalAmount>100", "-date"),
    ("creditNotes", "status=Submitted", "-totalAmount"),
    ("customers", None, "customerName"),
    ("customers", "status=Archived", None),
    ("suppliers", None, "-supplierName"),
    ("items", "type=Service", "name"),
    ("taxRates", None, "-effectiveTaxRate"),
    ("trackingCategories", "hasChildren=false", "-name"),
    ("journalEntries", "journalRef.name=Cash Receipts", "-postedOn"),
    ("journalEntries", "recordRef.dataType=bills", None),
    ("accounts", "isBankAccount=false", "-currentBalance"),
)


def _get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    return client.get(path, params={k: v for k, v in params.items() if v is not None})


def _list_answers(client: httpx.Client, base: str, name: str) -> Iterator[tuple[str, httpx.Response]]:
    """Several pages of one list (first, second, middle, last, past the end, odd sizes) and some records by id."""
    path = f"{base}/{name}"
    first = _get(client, path, page=1, pageSize=100)
    yield f"{name}?page=1&pageSize=100", first
    total = first.json()["totalResults"]
    last = max(1, -(-total // 100))
    for page in sorted({2, last // 2 or 1, last, last + 1}):
        yield f"{name}?page={page}&pageSize=100", _get(client, path, page=page, pageSize=100)
    yield f"{name}?default", _get(client, path)
    yield f"{name}?page=3&pageSize=7", _get(client, path, page=3, pageSize=7)
    yield f"{name}?page=1&pageSize=5000", _get(client, path, page=1, pageSize=5000)
    tail = _get(client, path, page=last, pageSize=100).json()["results"]
    ids = [r["id"] for r in first.json()["results"][:2]] + [r["id"] for r in tail[-2:]]
    for n, record_id in enumerate(ids):
        yield f"{name}/id{n}", client.get(f"{path}/{record_id}")


def _bank_answers(client: httpx.Client, company: str, connection: str) -> Iterator[tuple[str, httpx.Response]]:
    base = f"/companies/{company}/connections/{connection}/data/bankAccounts"
    accounts = _get(client, base)
    yield "bankAccounts", accounts
    for n, account in enumerate(accounts.json()["results"]):
        yield f"bankAccounts/{n}", client.get(f"{base}/{account['id']}")
        path = f"{base}/{account['id']}/bankTransactions"
        first = _get(client, path, page=1, pageSize=100)
        yield f"bankAccounts/{n}/tx?page=1", first
        last = max(1, -(-first.json()["totalResults"] // 100))
        for page in sorted({2, last // 2 or 1, last}):
            yield f"bankAccounts/{n}/tx?page={page}", _get(client, path, page=page, pageSize=100)
        yield f"bankAccounts/{n}/tx?query", _get(client, path, pageSize=50, query="amount<0", orderBy="-amount")
        yield f"bankAccounts/{n}/tx?orderBy", _get(client, path, pageSize=50, orderBy="-clearedOnDate")


def _phase_answers(client: httpx.Client, company: str, connection: str, lists: tuple[str, ...]) -> Iterator[tuple[str, httpx.Response]]:
    base = f"/companies/{company}/data"
    for name in lists:
        yield from _list_answers(client, base, name)
    for name, query, order in QUERIES:
        if name in lists:
            for page in (1, 2):
                yield f"{name}?q={query}&o={order}&page={page}", _get(client, f"{base}/{name}", page=page, pageSize=50, query=query, orderBy=order)  # fmt: skip
    if lists == LIST_PATHS:
        yield from _bank_answers(client, company, connection)
        yield "info", client.get(f"{base}/info")
        for report in ("profitAndLoss", "balanceSheet"):
            yield report, _get(client, f"{base}/financials/{report}", periodLength=1, periodsToCompare=12)
            yield f"{report}/3x4", _get(client, f"{base}/financials/{report}", periodLength=3, periodsToCompare=4)


def scenario(sample: str) -> Iterator[tuple[str, bytes]]:
    """(name, status + body) of every answer, in order: after the first sync, after a full resync
    45 days on, and with only invoices resynced 20 days after that."""
    emu = Emulator(seed=0, clock=ManualClock())
    client = emu.http_client(api_key="rendering")
    try:
        created = client.post("/companies", json={"name": "Rendering Ltd", "platformType": "mqjo"}).json()
        company, connection = created["id"], created["dataConnections"][0]["id"]
        answer = client.post(f"/_sandbox/companies/{company}/connections/{connection}/authorize",
                             json={"dataset": sample, "invoices": INVOICES})  # fmt: skip
        assert answer.status_code == 200, answer.text
        client.post("/_sandbox/clock/advance", json={"seconds": 3600})
        phases = [("first", LIST_PATHS, None), ("resync", LIST_PATHS, "all"), ("invoices-only", ("invoices", "payments"), "queue/invoices")]
        for phase, lists, queue in phases:
            if queue is not None:
                client.post("/_sandbox/clock/advance", json={"seconds": (45 if queue == "all" else 20) * 86400})
                assert client.post(f"/companies/{company}/data/{queue}").status_code in (200, 204)
                client.post("/_sandbox/clock/advance", json={"seconds": 3600})
            for name, response in _phase_answers(client, company, connection, lists):
                yield f"{phase}:{name}", str(response.status_code).encode() + b" " + response.content
    finally:
        client.close()
        emu.close()


def digests(sample: str) -> dict[str, str]:
    return {name: hashlib.sha256(body).hexdigest() for name, body in scenario(sample)}


@lru_cache(maxsize=1)
def _stored() -> dict[str, dict[str, str]]:
    return json.loads(DIGESTS.read_text())


@pytest.mark.parametrize("sample", SAMPLES)
def test_rendering__bytes_are_unchanged(sample: str) -> None:
    expected = _stored()[sample]
    actual = digests(sample)
    assert list(actual) == list(expected), "the scenario itself changed; regenerate the digests deliberately"
    changed = [name for name in expected if actual[name] != expected[name]]
    assert not changed, f"{len(changed)} of {len(expected)} answers changed, e.g. {changed[:8]}"


def test_rendering__scenario_reads_real_data() -> None:
    """Guards the pins themselves: the pinned answers are successes with records in them."""
    bodies = dict(scenario("small-uk"))
    assert bodies["first:invoices?page=1&pageSize=100"].startswith(b'200 {"results":[{"id":')
    failures = [name for name, body in bodies.items() if not body.startswith(b"200 ")]
    assert failures == [], failures


# -- the fast paths agree with the one-at-a-time ones ---------------------------------------------------

DATA_TYPES = ("invoices", "creditNotes", "payments", "bills", "billPayments", "journalEntries", "customers",
              "suppliers", "items", "taxRates", "trackingCategories", "chartOfAccounts", "bankAccounts")  # fmt: skip


def _every_record(sample: str) -> list[dict[str, Any]]:
    """Every record of a sample company's books (full and queryable), 30 days after its link."""
    as_of = day_of(date(2026, 1, 5))
    reader = MasterReader(Snapshot(generate(BooksSpec(0, sample, INVOICES, as_of)), as_of + 30),
                          make_stamp([(as_of, "2026-01-05T01:00:00"), (as_of + 30, "2026-02-04T01:00:00")]))  # fmt: skip
    found = []
    for data_type in DATA_TYPES:
        rendered = collection(reader, data_type)
        found += rendered.records(range(rendered.size)) + [record for _, record in rendered.queryables()]
    for row in range(collection(reader, "bankAccounts").size):
        rendered = bank_transactions(reader, row)
        found += rendered.records(range(rendered.size))
    return found


@pytest.mark.parametrize("sample", SAMPLES)
def test_encode_records__orjson_writes_what_json_writes_for_every_record(sample: str) -> None:
    assert http._orjson is not None, "orjson is a dependency: pip install 'orjson>=3.10,<4'"
    records = _every_record(sample)
    assert len(records) > 10_000
    for start in range(0, len(records), 500):
        chunk = records[start : start + 500]
        assert http.encode_records(chunk) == b",".join(http.encode(record) for record in chunk)
    assert http.encode_records([]) == b""


@pytest.mark.parametrize(
    "value",
    [1772.72, 5.0, 0.781, 0.0, -0.0, -1772.72, 0.01, 20.0, 8.25, 0.854713, 1.2e15, 99999999999.99, 2**53 + 1,
     2**63 - 1, -(2**63), "Müller & Söhne GmbH", "Société Générale", "北京贸易", "O'Brien \"Ltd\" \\ \n\t\x01\x7f\u2028",
     None, True, False, [], {}],
)  # fmt: skip
def test_encode_records__orjson_matches_json_for_the_values_records_hold(value: Any) -> None:
    record = {"value": value, "nested": [{"value": value}]}
    assert http.encode_records([record, record]) == http.encode(record) + b"," + http.encode(record)


def test_texts__page_at_a_time_strings_match_the_single_formatters() -> None:
    rng = np.random.default_rng(7)
    scheme = IdScheme("seed", "invoices")
    rows = np.concatenate([rng.integers(-(10**6), 10**8, 5000), [0, 1, -1, 2**47, 2**48 - 1, 2**48, 2**62]])
    assert texts.ids(scheme, rows) == [scheme.id(row) for row in rows.tolist()]
    assert texts.ids(scheme, []) == []
    days = np.concatenate([rng.integers(18_000, 22_000, 5000), [-719162, 2932896, 0, -1]])
    seconds = np.concatenate([rng.integers(0, 86400, 5000), [0, 86399, 3600, 59]])
    assert texts.datetimes(days, seconds) == [local_datetime(d, s) for d, s in zip(days.tolist(), seconds.tolist())]
    assert texts.datetimes(np.array([5, 6]), np.array([86400, -1])) == [local_datetime(5, 86400), local_datetime(6, -1)]
    codes = rng.integers(0, 62, (50, 8)).astype(np.uint8)
    assert texts.invoice_numbers(codes) == [texts.ALPHABET[code].tobytes().decode() for code in codes]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.sandbox.books.test_rendering --write")
    DIGESTS.write_text(json.dumps({sample: digests(sample) for sample in SAMPLES}, indent=1) + "\n")
    print(f"wrote {DIGESTS}")
