"""Journal entries and the descriptions shared with bank transactions, a page of rows at a time."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ledger as L
from .records import Reader, Rows, amounts, credit_note_number, datetime_columns, gather, spans
from .texts import invoice_numbers


class LedgerReader(Reader):
    def journal_entries(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Ledger entries, each pointing back at its document (``recordRef``) unless a manual journal."""
        led, refs = self.books.ledger, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        kinds, sources = led.entry_kind[r], led.entry_source[r]
        day = led.entry_day[r]
        (when,) = datetime_columns((day, led.entry_seconds[r]))
        keys, stamps, descriptions = self.ids("journalEntries", r), self.stamps(day), self.entry_descriptions(kinds, sources)
        record_ids = self._record_ids(kinds, sources)
        if full:
            flat, at = spans(led.entry_start[r], led.entry_start[r + 1])
            base, names, accounts = self.base, refs.account_names, refs.accounts
            lines = [
                {"description": names[account], "netAmount": amount, "currency": base, "accountRef": accounts[account]}
                for account, amount in zip(led.post_account[flat].tolist(), amounts(led.post_amount[flat]))
            ]
        records = []
        for i, kind in enumerate(kinds.tolist()):
            record: dict[str, Any] = {
                "id": keys[i],
                "description": descriptions[i],
                "postedOn": when[i],
                "createdOn": when[i],
                "updatedOn": when[i],
                "journalRef": refs.journals[kind],
            }
            if full:
                record["journalLines"] = lines[at[i] : at[i + 1]]
            if L.RECORD_TYPES[kind]:
                record["recordRef"] = {"id": record_ids[i], "dataType": L.RECORD_TYPES[kind]}
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = when[i]
            records.append(record)
        return records

    def _record_ids(self, kinds: np.ndarray, sources: np.ndarray) -> list[str | None]:
        """The id of the document behind each entry (None for manual journals)."""
        out: list[str | None] = [None] * kinds.size
        for kind in np.unique(kinds).tolist():
            if L.RECORD_TYPES[kind]:
                where = np.flatnonzero(kinds == kind)
                for position, key in zip(where.tolist(), self.ids(L.RECORD_TYPES[kind], sources[where])):
                    out[position] = key
        return out

    def entry_descriptions(self, kinds: np.ndarray, sources: np.ndarray) -> list[str]:
        """What each entry (of any kind) says it is, worked out per kind for all entries at once."""
        out = [""] * kinds.size
        for kind in np.unique(kinds).tolist():
            where = np.flatnonzero(kinds == kind)
            for position, text in zip(where.tolist(), self._describe(kind, sources[where])):
                out[position] = text
        return out

    def _describe(self, kind: int, source: np.ndarray) -> list[str]:
        s, p, refs = self.books.sales, self.books.purchases, self.refs
        if kind == L.INVOICE:
            names = refs.customer_names
            pairs = zip(invoice_numbers(s.number_codes[source]), s.customer[source].tolist())
            return [f"Invoice {number} to {names[customer]}" for number, customer in pairs]
        if kind == L.PAYMENT:
            invoice = s.pay_invoice[source]
            numbers, customers = invoice_numbers(gather(s.number_codes, invoice)), gather(s.customer, invoice).tolist()
            columns = zip(invoice.tolist(), numbers, customers, s.pay_credit_note[source].tolist())
            return [
                f"Payment from {refs.customer_names[customer]} for {number}" if row >= 0 else f"Refund of credit note {credit_note_number(note)}"
                for row, number, customer, note in columns
            ]  # fmt: skip
        if kind == L.CREDIT_NOTE:
            return [f"Credit note {credit_note_number(row)}" for row in source.tolist()]
        if kind == L.BILL:
            pairs = zip(p.reference[source].tolist(), p.supplier[source].tolist())
            return [f"Bill BILL-{reference} from {refs.supplier_names[supplier]}" for reference, supplier in pairs]
        if kind == L.BILL_PAYMENT:
            bill = p.pay_bill[source]
            pairs = zip(p.supplier[bill].tolist(), p.reference[bill].tolist())
            return [f"Payment to {refs.supplier_names[supplier]} for BILL-{reference}" for supplier, reference in pairs]
        return [self.books.ledger.manual[row].description for row in source.tolist()]
