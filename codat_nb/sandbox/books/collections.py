"""Each accounting data type as a collection: how many records, and how to render or find one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..query import Schema
from .master import MasterReader
from .schemas import SCHEMAS


@dataclass
class Collection:
    """Rows ``0..size-1`` in Codat's default order (oldest first); nothing is rendered until asked."""

    data_type: str
    size: int
    render: Callable[[int, bool], dict[str, Any]]
    find: Callable[[str], int | None]
    schema: Schema

    def record(self, row: int) -> dict[str, Any]:
        return self.render(row, True)

    def queryable(self, row: int) -> dict[str, Any]:
        """The record without its arrays: all that Codat's query and orderBy can see."""
        return self.render(row, False)


def _finder(reader: MasterReader, kind: str, size: int) -> Callable[[str], int | None]:
    scheme = reader.books.ids(kind)

    def find(text: str) -> int | None:
        row = scheme.row(text)
        return row if row is not None and 0 <= row < size else None

    return find


def collection(reader: MasterReader, data_type: str) -> Collection:
    """The collection for one of the record types the Sandbox serves (not reports or company info)."""
    snap, books = reader.snap, reader.books
    table: dict[str, tuple[str, int, Callable[[int, bool], dict[str, Any]]]] = {
        "invoices": ("invoices", snap.invoices, reader.invoice),
        "creditNotes": ("creditNotes", snap.credit_notes, reader.credit_note),
        "payments": ("payments", snap.payments, reader.payment),
        "bills": ("bills", snap.bills, reader.bill),
        "billPayments": ("billPayments", snap.bill_payments, reader.bill_payment),
        "journalEntries": ("journalEntries", snap.entries, reader.journal_entry),
        "customers": ("customers", len(books.customers), reader.customer),
        "suppliers": ("suppliers", len(books.suppliers), reader.supplier),
        "items": ("items", len(books.items), reader.item),
        "taxRates": ("taxRates", len(books.company.tax_rates), reader.tax_rate),
        "trackingCategories": ("trackingCategories", 1 + len(books.tracking[1]), reader.tracking_category),
        "chartOfAccounts": ("accounts", len(books.accounts), reader.account),
        "bankAccounts": ("bankAccounts", len(reader.bank_account_rows()), reader.bank_account),
    }
    kind, size, render = table[data_type]
    return Collection(data_type, size, render, _finder(reader, kind, size), SCHEMAS[data_type])


def bank_transactions(reader: MasterReader, bank_row: int) -> Collection:
    """One bank account's transactions; their ids follow the ledger posting, not the position."""
    posts, running = reader.bank_transaction_rows(bank_row)
    scheme = reader.books.ids("bankTransactions")

    def render(position: int, full: bool) -> dict[str, Any]:
        return reader.bank_transaction(bank_row, position, posts, running)

    def find(text: str) -> int | None:
        post = scheme.row(text)
        if post is None:
            return None
        position = int(np.searchsorted(posts, post))
        return position if position < posts.size and posts[position] == post else None

    return Collection("bankTransactions", int(posts.size), render, find, SCHEMAS["bankTransactions"])
