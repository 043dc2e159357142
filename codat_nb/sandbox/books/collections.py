"""Each accounting data type as a collection: how many records, and how to render or find them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..query import Schema
from .master import MasterReader
from .schemas import SCHEMAS

#: Renders rows (in the given order) as full records, or without their arrays when ``full`` is False.
RenderRows = Callable[[Sequence[int], bool], list[dict[str, Any]]]
#: Rows rendered per batch when a query or orderBy has to look at every record.
CHUNK = 500


@dataclass
class Collection:
    """Rows ``0..size-1`` in Codat's default order (oldest first); nothing is rendered until asked."""

    data_type: str
    size: int
    render_rows: RenderRows
    find: Callable[[str], int | None]
    schema: Schema

    def record(self, row: int) -> dict[str, Any]:
        return self.render_rows([row], True)[0]

    def queryable(self, row: int) -> dict[str, Any]:
        """The record without its arrays: all that Codat's query and orderBy can see."""
        return self.render_rows([row], False)[0]

    def records(self, rows: Sequence[int]) -> list[dict[str, Any]]:
        """Full records of ``rows`` (a page), rendered together."""
        return self.render_rows(rows, True)

    def queryables(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row, queryable record) of every row in order, rendered a chunk at a time."""
        for start in range(0, self.size, CHUNK):
            rows = range(start, min(start + CHUNK, self.size))
            yield from zip(rows, self.render_rows(rows, False))


def _one_at_a_time(render: Callable[[int, bool], dict[str, Any]]) -> RenderRows:
    """A page renderer for the short master-data lists, whose records are rendered singly."""
    return lambda rows, full: [render(int(row), full) for row in rows]


def _finder(reader: MasterReader, kind: str, size: int) -> Callable[[str], int | None]:
    scheme = reader.books.ids(kind)

    def find(text: str) -> int | None:
        row = scheme.row(text)
        return row if row is not None and 0 <= row < size else None

    return find


def collection(reader: MasterReader, data_type: str) -> Collection:
    """The collection for one of the record types the Sandbox serves (not reports or company info)."""
    snap, books = reader.snap, reader.books
    single = _one_at_a_time
    table: dict[str, tuple[str, int, RenderRows]] = {
        "invoices": ("invoices", snap.invoices, reader.invoices),
        "creditNotes": ("creditNotes", snap.credit_notes, reader.credit_notes),
        "payments": ("payments", snap.payments, reader.payments),
        "bills": ("bills", snap.bills, reader.bills),
        "billPayments": ("billPayments", snap.bill_payments, reader.bill_payments),
        "journalEntries": ("journalEntries", snap.entries, reader.journal_entries),
        "customers": ("customers", len(books.customers), single(reader.customer)),
        "suppliers": ("suppliers", len(books.suppliers), single(reader.supplier)),
        "items": ("items", len(books.items), single(reader.item)),
        "taxRates": ("taxRates", len(books.company.tax_rates), single(reader.tax_rate)),
        "trackingCategories": ("trackingCategories", 1 + len(books.tracking[1]), single(reader.tracking_category)),
        "chartOfAccounts": ("accounts", len(books.accounts), single(reader.account)),
        "bankAccounts": ("bankAccounts", len(reader.bank_account_rows()), single(reader.bank_account)),
    }
    kind, size, render = table[data_type]
    return Collection(data_type, size, render, _finder(reader, kind, size), SCHEMAS[data_type])


def bank_transactions(reader: MasterReader, bank_row: int) -> Collection:
    """One bank account's transactions; their ids follow the ledger posting, not the position."""
    posts, running = reader.bank_transaction_rows(bank_row)
    scheme = reader.books.ids("bankTransactions")

    def render(positions: Sequence[int], full: bool) -> list[dict[str, Any]]:
        return reader.bank_transactions(bank_row, positions, posts, running)

    def find(text: str) -> int | None:
        post = scheme.row(text)
        if post is None:
            return None
        position = int(np.searchsorted(posts, post))
        return position if position < posts.size and posts[position] == post else None

    return Collection("bankTransactions", int(posts.size), render, find, SCHEMAS["bankTransactions"])
