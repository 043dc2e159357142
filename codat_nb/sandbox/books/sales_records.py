"""Invoices, customer payments and credit notes, rendered a page of rows at a time.

Each renderer reads the numpy columns for all of its rows (and their lines and payments) once,
converts them with ``tolist()`` and then only assembles dicts, in Codat's key order. A single
record is a page of one. The output is pinned byte for byte by tests/sandbox/books/test_rendering.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .records import Reader, Rows, amounts, credit_note_number, datetime_columns, gather, spans
from .texts import invoice_numbers


class SalesReader(Reader):
    def invoices(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Invoices as the snapshot sees them (paid so far, status); ``full`` adds lines and allocations."""
        s, snap, refs = self.books.sales, self.snap, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        void = s.void[r]
        paid = np.where(void, 0, snap.invoice_paid[r])
        last = np.where(void, -1, snap.invoice_last_paid[r])
        day, seconds = s.day[r], s.seconds[r]
        # Without a payment ``last`` is -1 and what these read is never shown (an invoice with
        # nothing paid is "Paid" only at a zero total, which the books never draw).
        pay_day, pay_seconds = gather(s.pay_day, last), gather(s.pay_seconds, last)
        has_pay = last >= 0
        event = np.maximum(day, np.where(has_pay, pay_day, 0))
        pays, pay_at = self._invoice_payments(r) if full else (r[:0], [])
        issued, due, paid_on, modified, pay_when = datetime_columns(
            (day, seconds), (day + s.terms[r], seconds), (pay_day, pay_seconds),
            (event, np.where(has_pay, pay_seconds, seconds)), (s.pay_day[pays], s.pay_seconds[pays]),
        )  # fmt: skip
        keys, numbers, stamps = self.ids("invoices", r), invoice_numbers(s.number_codes[r]), self.stamps(event)
        customers, rates = s.customer[r].tolist(), s.rate[r].tolist()
        totals, paids, voids = s.total[r].tolist(), paid.tolist(), void.tolist()
        discounts, subs, taxes = amounts(s.discount[r]), amounts(s.sub[r]), amounts(s.tax[r])
        if full:
            lines, line_at = self._invoice_lines(s.line_start[r], s.line_start[r + 1])
            pay_keys, pay_amounts = self.ids("payments", pays), amounts(s.pay_amount[pays])
            bank = refs.accounts[self.books.account_index["bank"]]
        customer_refs, currencies = refs.customers, refs.customer_currencies
        records = []
        for i, (customer, total, paid_i, is_void) in enumerate(zip(customers, totals, paids, voids)):
            currency, rate = currencies[customer], rates[i]
            status = "Void" if is_void else "Paid" if paid_i >= total else "PartiallyPaid" if paid_i else "Submitted"
            record: dict[str, Any] = {
                "id": keys[i],
                "invoiceNumber": numbers[i],
                "customerRef": customer_refs[customer],
                "salesOrderRefs": [],
                "issueDate": issued[i],
                "dueDate": due[i],
            }
            if status == "Paid":  # Codat omits paidOnDate until an invoice is paid (the spec's DateTime is not nullable)
                record["paidOnDate"] = paid_on[i]
            record["currency"] = currency
            record["currencyRate"] = rate
            if full:
                record["lineItems"] = lines[line_at[i] : line_at[i + 1]]
                # Every payment of an invoice is against that invoice (``Sales.inv_pays`` groups them so).
                note = f"Payment against invoice {keys[i]}"
                record["paymentAllocations"] = [] if is_void else [
                    allocation(pay_keys[j], note, numbers[i], bank, currency, rate, pay_when[j], pay_amounts[j])
                    for j in range(pay_at[i], pay_at[i + 1])
                ]  # fmt: skip
                record["withholdingTax"] = []
            record["totalDiscount"] = discounts[i]
            record["subTotal"] = subs[i]
            record["additionalTaxAmount"] = 0.0
            record["additionalTaxPercentage"] = 0.0
            record["totalTaxAmount"] = taxes[i]
            record["totalAmount"] = total / 100
            record["amountDue"] = 0.0 if is_void else (total - paid_i) / 100
            record["discountPercentage"] = 0.0
            record["status"] = status
            record["note"] = None
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = modified[i]
            records.append(record)
        return records

    def _invoice_lines(self, starts: np.ndarray, ends: np.ndarray) -> tuple[list[dict[str, Any]], list[int]]:
        """Every line of the page's invoices, in order, and where each invoice's lines begin."""
        s, refs = self.books.sales, self.refs
        flat, at = spans(starts, ends)
        account = refs.accounts[self.books.account_index["sales"]]
        names, items, tax_rates, tracking = refs.item_names, refs.items, refs.tax_rates, refs.tracking
        columns = zip(
            s.line_item[flat].tolist(), amounts(s.line_unit[flat]), s.line_quantity[flat].tolist(),
            amounts(s.line_discount[flat]), s.line_sub[flat].tolist(), s.line_tax[flat].tolist(),
            s.line_discount_percent[flat].astype(np.float64).tolist(), s.line_tax_code[flat].tolist(),
            s.line_tracking[flat].tolist(),
        )  # fmt: skip
        lines = [
            {
                "description": names[item],
                "unitAmount": unit,
                "quantity": quantity,
                "discountAmount": discount,
                "subTotal": sub / 100,
                "taxAmount": tax / 100,
                "totalAmount": (sub + tax) / 100,
                "accountRef": account,
                "discountPercentage": percent,
                "taxRateRef": tax_rates[code],
                "itemRef": items[item],
                "trackingCategoryRefs": [tracking[option]] if option >= 0 else [],
                "isDirectIncome": False,
            }
            for item, unit, quantity, discount, sub, tax, percent, code, option in columns
        ]
        return lines, at

    def _invoice_payments(self, r: np.ndarray) -> tuple[np.ndarray, list[int]]:
        """The pay rows each invoice has by the snapshot's day (oldest first), flattened, and
        where each invoice's begin."""
        s = self.books.sales
        starts, ends = s.inv_pay_start[r], s.inv_pay_start[r + 1]
        flat, _ = spans(starts, ends)
        pays = s.inv_pays[flat]
        seen = pays < self.snap.payments
        kept = np.zeros(flat.size + 1, dtype=np.int64)
        np.cumsum(seen, out=kept[1:])
        bounds = np.zeros(r.size + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=bounds[1:])
        return pays[seen], kept[bounds].tolist()

    def _refund_allocations(self, pays: np.ndarray, currencies: list[str], rates: list[float]) -> list[dict[str, Any]]:
        """The paymentAllocation of each pay row (a credit note's refund), in the given currency and rate."""
        s = self.books.sales
        target = s.pay_invoice[pays]
        (when,) = datetime_columns((s.pay_day[pays], s.pay_seconds[pays]))
        keys, targets, numbers = self.ids("payments", pays), self.ids("invoices", target), invoice_numbers(gather(s.number_codes, target))
        bank = self.refs.accounts[self.books.account_index["bank"]]
        columns = zip(keys, target.tolist(), targets, numbers, currencies, rates, when, amounts(s.pay_amount[pays]))
        return [
            allocation(key, f"Payment against invoice {target_id}" if invoice >= 0 else "Refund",
                       number if invoice >= 0 else None, bank, currency, rate, paid_on, amount)  # fmt: skip
            for key, invoice, target_id, number, currency, rate, paid_on, amount in columns
        ]

    def payments(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Customer payments: instalments against invoices and refunds of credit notes."""
        s, refs = self.books.sales, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        invoice, note_row = s.pay_invoice[r], s.pay_credit_note[r]
        source = np.where(invoice >= 0, invoice, gather(s.cn_invoice, note_row))
        (when,) = datetime_columns((s.pay_day[r], s.pay_seconds[r]))
        keys, stamps = self.ids("payments", r), self.stamps(s.pay_day[r])
        invoice_ids, note_ids = self.ids("invoices", invoice), self.ids("creditNotes", note_row)
        numbers = invoice_numbers(gather(s.number_codes, invoice))
        customer_refs, currencies = refs.customers, refs.customer_currencies
        bank = refs.accounts[self.books.account_index["bank"]]
        columns = zip(
            invoice.tolist(), note_row.tolist(), s.customer[source].tolist(), amounts(s.pay_amount[r]),
            s.rate[source].tolist(), s.pay_method[r].tolist(),
        )  # fmt: skip
        records = []
        for i, (invoice_row, note, customer, amount, rate, method) in enumerate(columns):
            if invoice_row >= 0:
                link = {"type": "Invoice", "id": invoice_ids[i], "amount": -amount, "currencyRate": rate}
                text, reference = f"Payment against invoice {invoice_ids[i]}", numbers[i]
            else:
                link = {"type": "CreditNote", "id": note_ids[i], "amount": -amount, "currencyRate": rate}
                text, reference = f"Refund of credit note {note_ids[i]}", credit_note_number(note)
            record: dict[str, Any] = {
                "id": keys[i],
                "customerRef": customer_refs[customer],
                "accountRef": bank,
                "paymentMethodRef": refs.methods[method],
                "totalAmount": amount,
                "currency": currencies[customer],
                "currencyRate": rate,
                "date": when[i],
                "note": text,
            }
            if full:
                record["lines"] = [{"amount": amount, "links": [link], "allocatedOnDate": when[i]}]
            record["reference"] = reference
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = when[i]
            records.append(record)
        return records

    def credit_notes(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Credit notes, each a single line crediting part of an invoice, Paid once refunded."""
        s, snap, refs = self.books.sales, self.snap, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        invoice = s.cn_invoice[r]
        refund = s.cn_refund[r]
        refund = np.where((refund >= 0) & (refund < snap.payments), refund, -1)
        refunded = refund >= 0
        refund_day, refund_seconds = gather(s.pay_day, refund), gather(s.pay_seconds, refund)
        event = np.where(refunded, refund_day, s.cn_day[r])
        issued, allocated, modified = datetime_columns((s.cn_day[r], s.cn_seconds[r]), (refund_day, refund_seconds), (event, 0))
        keys, stamps = self.ids("creditNotes", r), self.stamps(event)
        numbers = invoice_numbers(s.number_codes[invoice])
        customer_refs, currencies = refs.customers, refs.customer_currencies
        totals, subs, taxes = amounts(s.cn_total[r]), amounts(s.cn_sub[r]), amounts(s.cn_tax[r])
        customers, rates, is_refunds = s.customer[invoice].tolist(), s.rate[invoice].tolist(), refunded.tolist()
        if full:
            first_line = s.line_start[invoice]
            line_items, line_codes = s.line_item[first_line].tolist(), s.line_tax_code[first_line].tolist()
            sales = refs.accounts[self.books.account_index["sales"]]
            chosen = [i for i, is_refunded in enumerate(is_refunds) if is_refunded]
            currency_of = [currencies[customers[i]] for i in chosen]
            refunds = iter(self._refund_allocations(refund[refunded], currency_of, [rates[i] for i in chosen]))
        columns = zip(r.tolist(), customers, rates, is_refunds)
        records = []
        for i, (row, customer, rate, is_refunded) in enumerate(columns):
            currency = currencies[customer]
            record: dict[str, Any] = {
                "id": keys[i],
                "creditNoteNumber": credit_note_number(row),
                "customerRef": customer_refs[customer],
                "withholdingTax": [],
                "totalAmount": totals[i],
                "totalDiscount": 0.0,
                "subTotal": subs[i],
                "additionalTaxAmount": 0.0,
                "additionalTaxPercentage": 0.0,
                "totalTaxAmount": taxes[i],
                "discountPercentage": 0.0,
                "remainingCredit": 0.0 if is_refunded else totals[i],
                "status": "Paid" if is_refunded else "Submitted",
                "issueDate": issued[i],
            }
            if is_refunded:  # omitted until the credit is allocated, as Codat does (the spec's DateTime is not nullable)
                record["allocatedOnDate"] = allocated[i]
            record["currency"] = currency
            record["currencyRate"] = rate
            if full:
                item = line_items[i]
                record["lineItems"] = [
                    {
                        "description": f"Credit: {refs.item_names[item]} (invoice {numbers[i]})",
                        "unitAmount": subs[i],
                        "quantity": 1,
                        "discountAmount": 0.0,
                        "subTotal": subs[i],
                        "taxAmount": taxes[i],
                        "totalAmount": totals[i],
                        "accountRef": sales,
                        "discountPercentage": 0.0,
                        "taxRateRef": refs.tax_rates[line_codes[i]],
                        "itemRef": refs.items[item],
                        "trackingCategoryRefs": [],
                        "isDirectIncome": False,
                    }
                ]
                record["paymentAllocations"] = [next(refunds)] if is_refunded else []
            record["note"] = f"Credit against invoice {numbers[i]}"
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = modified[i]
            records.append(record)
        return records


def allocation(
    key: str, note: str, reference: str | None, account: dict[str, str], currency: str, rate: float, when: str, amount: float
) -> dict[str, Any]:
    """One payment's entry in a document's ``paymentAllocations``."""
    return {
        "payment": {
            "id": key,
            "note": note,
            "reference": reference,
            "accountRef": account,
            "currency": currency,
            "currencyRate": rate,
            "paidOnDate": when,
            "totalAmount": amount,
        },
        "allocation": {"currency": currency, "currencyRate": rate, "allocatedOnDate": when, "totalAmount": -amount},
    }
