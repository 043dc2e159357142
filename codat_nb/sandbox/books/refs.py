"""References to the books' small lists, built once per books and shared by every record.

An invoice line points at an account, a tax rate, an item and a tracking option; rebuilding
those dicts (and formatting their ids) for every line was a large part of rendering a page.
They are the same for every record of the same books, and nothing mutates a rendered record,
so each is built once here and the same dict object is placed in every record that needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ledger as L
from .texts import ids

if TYPE_CHECKING:
    from .model import Books

PAYMENT_METHODS = ("Bank transfer", "Card", "Cheque", "Direct debit")


class Refs:
    """``{"id": ..., "name": ...}``-style references, indexed like the lists they point into."""

    def __init__(self, books: Books) -> None:
        scheme = books.ids

        def named(kind: str, count: int, key: str, names: list[str], rows: Any = None) -> list[dict[str, Any]]:
            keys = ids(scheme(kind), range(count) if rows is None else rows)
            return [{"id": key_id, key: name} for key_id, name in zip(keys, names)]

        self.accounts = named("accounts", len(books.accounts), "name", [a.name for a in books.accounts])
        self.customers = named("customers", len(books.customers), "companyName", [c.name for c in books.customers])
        self.suppliers = named("suppliers", len(books.suppliers), "supplierName", [s.name for s in books.suppliers])
        self.items = named("items", len(books.items), "name", [item.name for item in books.items])
        self.methods = named("paymentMethods", len(PAYMENT_METHODS), "name", list(PAYMENT_METHODS))
        options = books.tracking[1]
        #: By tracking option (category row ``option + 1``; row 0 is the parent category).
        self.tracking = named("trackingCategories", len(options), "name", list(options), range(1, len(options) + 1))
        self.journals = named("journals", len(L.JOURNAL_NAMES), "name", list(L.JOURNAL_NAMES))
        rates = books.company.tax_rates
        self.tax_rates = [
            {"id": key_id, "name": rate.name, "effectiveTaxRate": rate.percent}
            for key_id, rate in zip(ids(scheme("taxRates"), range(len(rates))), rates)
        ]
        self.item_names = [item.name for item in books.items]
        self.account_names = [account.name for account in books.accounts]
        self.customer_names = [party.name for party in books.customers]
        self.supplier_names = [party.name for party in books.suppliers]
        self.customer_currencies = [party.currency for party in books.customers]


def refs_of(books: Books) -> Refs:
    """The books' references, built on first use and kept with the books (which never change)."""
    refs = books.__dict__.get("_refs")
    if refs is None:
        refs = books.__dict__["_refs"] = Refs(books)
    return refs
