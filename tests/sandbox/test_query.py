"""Codat's query language and orderBy, on plain records."""

from __future__ import annotations

import pytest

from codat_nb.sandbox.http import HTTPError
from codat_nb.sandbox.query import Schema, compile_query, order_records

SCHEMA = Schema(
    "Invoice",
    {
        "id": "string", "status": "string", "totalAmount": "number", "issueDate": "datetime",
        "customerRef.id": "string", "metadata.isDeleted": "boolean", "lines[].description": "string",
    },
)  # fmt: skip
RECORDS = [
    {"id": "1", "status": "Paid", "totalAmount": 120.5, "issueDate": "2023-01-10T00:00:00", "customerRef": {"id": "61"},
     "metadata": {"isDeleted": False}, "lines": [{"description": "Consulting"}]},
    {"id": "2", "status": "Submitted", "totalAmount": 40, "issueDate": "2023-02-01T12:30:00Z", "customerRef": {"id": "62"},
     "lines": [{"description": "Hosting"}, {"description": "Support"}]},
    {"id": "3", "status": "PartiallyPaid", "totalAmount": 75, "issueDate": "2023-02-15T09:00:00-05:00",
     "customerRef": {"id": "61"}, "metadata": {"isDeleted": True}, "lines": []},
]  # fmt: skip


def ids(query: str) -> list[str]:
    predicate = compile_query(query, SCHEMA)
    assert predicate is not None
    return [r["id"] for r in RECORDS if predicate(r)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=Paid", ["1"]),
        ("status=paid", ["1"]),  # case-insensitive, as Codat's own examples write it
        ("status!=Paid", ["2", "3"]),
        ("status~paid", ["1", "3"]),
        ("totalAmount>50", ["1", "3"]),
        ("totalAmount<=75", ["2", "3"]),
        ("totalAmount >= 40 && totalAmount < 100", ["2", "3"]),
        ("{totalAmount > 100 || totalAmount < 50} && status != paid", ["2"]),
        ("issueDate>2023-02-01", ["2", "3"]),
        ("issueDate=2023-02-15", ["3"]),
        ("issueDate<2023-01-31", ["1"]),
        ("customerRef.id=61", ["1", "3"]),
        ("metadata.isDeleted!=true", ["1", "2"]),
        ("metadata.isDeleted=false", ["1"]),
        ("lines.description=Support", ["2"]),
        ("status='Paid'", ["1"]),
        ("status = Submitted || status = Paid", ["1", "2"]),
    ],
)
def test_query__matches(query: str, expected: list[str]) -> None:
    assert ids(query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=", "Malformed query."),
        ("{status=Paid", "Malformed query."),
        ("status==Paid", "Malformed query."),
        ("status='=Paid'", None),  # quoted, an operator character is just text
        ("=Paid", "Malformed query."),
        ("status Paid", "Malformed query."),
        ("isCompleted=true", "Could not resolve property isCompleted on Invoice"),
        ("customerRef.name=x", "Could not resolve property customerRef.name on Invoice"),
        ("totalAmount~5", "Operator ~ (contains) only applies to text"),
        ("totalAmount>abc", "'abc' is not a number"),
        ("status>Paid", "Operator > needs a number or date"),
        ("issueDate>yesterday", "'yesterday' is not a date"),
        ("metadata.isDeleted=maybe", "use true or false"),
        ("status=Paid &&", "Malformed query."),
        ("x" * 2048, "limit is 2047"),
    ],
)
def test_query__refused_with_codat_message(query: str, message: str | None) -> None:
    if message is None:
        assert ids(query) == []
        return
    with pytest.raises(HTTPError) as caught:
        compile_query(query, SCHEMA)
    assert caught.value.status == 400
    assert caught.value.error.startswith("Error parsing query - ")
    assert message in caught.value.error


def test_query__blank_means_everything() -> None:
    assert compile_query("  ", SCHEMA) is None and compile_query(None, SCHEMA) is None


def test_order_records__ascending_descending_and_missing_first() -> None:
    records = [{"id": "a", "totalAmount": 3}, {"id": "b"}, {"id": "c", "totalAmount": 1}]
    assert [r["id"] for r in order_records(records, "totalAmount", SCHEMA)] == ["b", "c", "a"]
    assert [r["id"] for r in order_records(records, "-totalAmount", SCHEMA)] == ["a", "c", "b"]
    assert [r["id"] for r in order_records(RECORDS, "-issueDate", SCHEMA)] == ["3", "2", "1"]
    assert [r["id"] for r in order_records(RECORDS, "customerRef.id,-totalAmount", SCHEMA)] == ["1", "3", "2"]


@pytest.mark.parametrize("order_by", ["nope", "-", "lines.description", "a b"])
def test_order_records__unknown_field_refused(order_by: str) -> None:
    with pytest.raises(HTTPError) as caught:
        order_records(RECORDS, order_by, SCHEMA)
    assert caught.value.status == 400 and caught.value.error.startswith("Error parsing orderBy - ")
