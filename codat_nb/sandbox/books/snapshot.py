"""The books as a sync on a given day sees them: what exists, what is paid, every balance.

Documents are sorted by date, so "what exists by day d" is a prefix of each table; the
per-invoice and per-account figures are a few vectorised passes, done once per day and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .model import Books


@dataclass
class Snapshot:
    books: Books
    day: int

    # -- how much of each table exists ------------------------------------------------------

    @cached_property
    def invoices(self) -> int:
        return int(np.searchsorted(self.books.sales.day, self.day, side="right"))

    @cached_property
    def payments(self) -> int:
        return int(np.searchsorted(self.books.sales.pay_day, self.day, side="right"))

    @cached_property
    def credit_notes(self) -> int:
        return int(np.searchsorted(self.books.sales.cn_day, self.day, side="right"))

    @cached_property
    def bills(self) -> int:
        return int(np.searchsorted(self.books.purchases.day, self.day, side="right"))

    @cached_property
    def bill_payments(self) -> int:
        return int(np.searchsorted(self.books.purchases.pay_day, self.day, side="right"))

    @cached_property
    def entries(self) -> int:
        return int(np.searchsorted(self.books.ledger.entry_day, self.day, side="right"))

    # -- what has happened to each invoice and bill ----------------------------------------------

    @cached_property
    def invoice_paid(self) -> np.ndarray:
        """Per invoice, the amount paid by ``day`` (in the invoice's currency)."""
        s = self.books.sales
        rows = np.flatnonzero(s.pay_invoice[: self.payments] >= 0)
        return np.bincount(s.pay_invoice[rows], weights=s.pay_amount[rows], minlength=s.count).astype(np.int64)

    @cached_property
    def invoice_last_paid(self) -> np.ndarray:
        s = self.books.sales
        rows = np.flatnonzero(s.pay_invoice[: self.payments] >= 0)
        last = np.full(s.count, -1, dtype=np.int64)
        np.maximum.at(last, s.pay_invoice[rows], rows)
        return last  # the pay row of the latest payment, -1 for none

    def invoice_pays(self, invoice: int) -> np.ndarray:
        """Pay rows of one invoice that exist by ``day``, oldest first."""
        s = self.books.sales
        rows = s.inv_pays[s.inv_pay_start[invoice] : s.inv_pay_start[invoice + 1]]
        return rows[rows < self.payments]

    def bill_paid(self, bill: int) -> int:
        """The payment row that settled a bill by ``day``, or -1."""
        row = int(self.books.purchases.bill_pay[bill])
        return row if 0 <= row < self.bill_payments else -1

    def refund_of(self, credit_note: int) -> int:
        row = int(self.books.sales.cn_refund[credit_note])
        return row if 0 <= row < self.payments else -1

    # -- the ledger ------------------------------------------------------------------------------

    @cached_property
    def postings(self) -> int:
        return int(self.books.ledger.entry_start[self.entries])

    @cached_property
    def balances(self) -> np.ndarray:
        """Per account, its balance in base cents (debits positive) at the end of ``day``."""
        ledger = self.books.ledger
        cut = self.postings
        sums = np.bincount(ledger.post_account[:cut], weights=ledger.post_amount[:cut], minlength=len(self.books.accounts))
        return np.rint(sums).astype(np.int64)

    @cached_property
    def account_last_day(self) -> np.ndarray:
        ledger = self.books.ledger
        cut = self.postings
        last = np.full(len(self.books.accounts), self.books.spec.start, dtype=np.int64)
        np.maximum.at(last, ledger.post_account[:cut], ledger.post_day[:cut])
        return last

    def balances_between(self, first: int, last: int) -> np.ndarray:
        """Per account, the movement from ``first`` to ``last`` inclusive (bounded by ``day``)."""
        ledger = self.books.ledger
        last = min(last, self.day)
        lo = int(ledger.entry_start[np.searchsorted(ledger.entry_day, first, side="left")])
        hi = int(ledger.entry_start[np.searchsorted(ledger.entry_day, last, side="right")])
        if hi <= lo:
            return np.zeros(len(self.books.accounts), dtype=np.int64)
        sums = np.bincount(ledger.post_account[lo:hi], weights=ledger.post_amount[lo:hi], minlength=len(self.books.accounts))
        return np.rint(sums).astype(np.int64)

    def bank_rows(self, account: int) -> tuple[np.ndarray, np.ndarray]:
        """Postings to one bank account by ``day`` (chronological) and the running balance after each."""
        ledger = self.books.ledger
        rows = self._bank_postings(account)
        rows = rows[rows < self.postings]
        return rows, np.cumsum(ledger.post_amount[rows])

    def _bank_postings(self, account: int) -> np.ndarray:
        cache = self.books.__dict__.setdefault("_bank_postings", {})
        if account not in cache:
            cache[account] = np.flatnonzero(self.books.ledger.post_account == account)
        return cache[account]
