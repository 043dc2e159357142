"""Rows of the books -> Codat's Accounting JSON, rendered one record at a time as a page needs it."""

from __future__ import annotations

import string
from bisect import bisect_left
from typing import Any, Callable

import numpy as np

from . import ledger as L
from .calendar import local_datetime
from .snapshot import Snapshot

_ALPHABET = np.frombuffer((string.ascii_letters + string.digits).encode(), dtype=np.uint8)
PAYMENT_METHODS = ("Bank transfer", "Card", "Cheque", "Direct debit")
#: Codat's ``modifiedDate`` for a record whose last change in the source was on a given day.
Stamp = Callable[[int], str]


def money(cents: Any) -> float:
    return int(cents) / 100


def make_stamp(syncs: list[tuple[int, str]]) -> Stamp:
    """``syncs`` are (snapshot day, completed timestamp) of the data type's completed pulls, oldest
    first: a record last changed on day e was written to the cache by the first of them that saw it."""
    days = [day for day, _ in syncs]

    def stamp(event_day: int) -> str:
        index = bisect_left(days, int(event_day))
        return syncs[min(index, len(syncs) - 1)][1]

    return stamp


class Reader:
    """Renders records as the snapshot sees them; ``stamp`` gives their ``modifiedDate``."""

    def __init__(self, snapshot: Snapshot, stamp: Stamp) -> None:
        self.snap = snapshot
        self.books = snapshot.books
        self.stamp = stamp
        self.base = self.books.company.currency

    # -- references ----------------------------------------------------------------------------

    def id(self, kind: str, row: int) -> str:
        return self.books.ids(kind).id(row)

    def account_ref(self, index: int) -> dict[str, str]:
        return {"id": self.id("accounts", index), "name": self.books.accounts[index].name}

    def customer_ref(self, row: int) -> dict[str, str]:
        return {"id": self.id("customers", row), "companyName": self.books.customers[row].name}

    def supplier_ref(self, row: int) -> dict[str, str]:
        return {"id": self.id("suppliers", row), "supplierName": self.books.suppliers[row].name}

    def tax_ref(self, code: int) -> dict[str, Any]:
        rate = self.books.company.tax_rates[int(code)]
        return {"id": self.id("taxRates", int(code)), "name": rate.name, "effectiveTaxRate": rate.percent}

    def item_ref(self, row: int) -> dict[str, str]:
        return {"id": self.id("items", row), "name": self.books.items[row].name}

    def method_ref(self, row: int) -> dict[str, str]:
        return {"id": self.id("paymentMethods", row), "name": PAYMENT_METHODS[int(row)]}

    def tracking_ref(self, option: int) -> dict[str, str]:
        return {"id": self.id("trackingCategories", int(option) + 1), "name": self.books.tracking[1][int(option)]}

    def invoice_number(self, row: int) -> str:
        return _ALPHABET[self.books.sales.number_codes[row]].tobytes().decode()

    def currency_of(self, customer: int) -> str:
        return self.books.customers[customer].currency

    def common(self, event_day: int, event_seconds: int = 0) -> dict[str, Any]:
        return {
            "metadata": {"isDeleted": False},
            "modifiedDate": self.stamp(event_day),
            "sourceModifiedDate": local_datetime(event_day, event_seconds),
        }

    # -- sales -----------------------------------------------------------------------------------

    def invoice(self, row: int, full: bool = True) -> dict[str, Any]:
        s, snap = self.books.sales, self.snap
        customer = int(s.customer[row])
        currency, rate = self.currency_of(customer), float(s.rate[row])
        total = int(s.total[row])
        void = bool(s.void[row])
        paid = 0 if void else int(snap.invoice_paid[row])
        last = -1 if void else int(snap.invoice_last_paid[row])
        status = "Void" if void else "Paid" if paid >= total else "PartiallyPaid" if paid else "Submitted"
        event = max(int(s.day[row]), int(s.pay_day[last]) if last >= 0 else 0)
        record: dict[str, Any] = {
            "id": self.id("invoices", row),
            "invoiceNumber": self.invoice_number(row),
            "customerRef": self.customer_ref(customer),
            "salesOrderRefs": [],
            "issueDate": local_datetime(s.day[row], s.seconds[row]),
            "dueDate": local_datetime(s.day[row] + s.terms[row], s.seconds[row]),
        }
        if status == "Paid":  # Codat omits paidOnDate until an invoice is paid (the spec's DateTime is not nullable)
            record["paidOnDate"] = local_datetime(s.pay_day[last], s.pay_seconds[last])
        record.update(currency=currency, currencyRate=rate)
        if full:
            record["lineItems"] = self._invoice_lines(row)
            record["paymentAllocations"] = [] if void else [self._allocation(p, currency, rate) for p in snap.invoice_pays(row)]
            record["withholdingTax"] = []
        record.update(
            totalDiscount=money(s.discount[row]),
            subTotal=money(s.sub[row]),
            additionalTaxAmount=0.0,
            additionalTaxPercentage=0.0,
            totalTaxAmount=money(s.tax[row]),
            totalAmount=money(total),
            amountDue=0.0 if void else money(total - paid),
            discountPercentage=0.0,
            status=status,
            note=None,
        )
        seconds = int(s.pay_seconds[last]) if last >= 0 else int(s.seconds[row])
        record.update(self.common(event, seconds))
        return record

    def _invoice_lines(self, row: int) -> list[dict[str, Any]]:
        s = self.books.sales
        lines = []
        for line in range(int(s.line_start[row]), int(s.line_start[row + 1])):
            item = int(s.line_item[line])
            sub, tax = int(s.line_sub[line]), int(s.line_tax[line])
            lines.append(
                {
                    "description": self.books.items[item].name,
                    "unitAmount": money(s.line_unit[line]),
                    "quantity": int(s.line_quantity[line]),
                    "discountAmount": money(s.line_discount[line]),
                    "subTotal": money(sub),
                    "taxAmount": money(tax),
                    "totalAmount": money(sub + tax),
                    "accountRef": self.account_ref(self.books.account_index["sales"]),
                    "discountPercentage": float(s.line_discount_percent[line]),
                    "taxRateRef": self.tax_ref(s.line_tax_code[line]),
                    "itemRef": self.item_ref(item),
                    "trackingCategoryRefs": [self.tracking_ref(s.line_tracking[line])] if s.line_tracking[line] >= 0 else [],
                    "isDirectIncome": False,
                }
            )
        return lines

    def _allocation(self, pay: int, currency: str, rate: float) -> dict[str, Any]:
        s = self.books.sales
        amount = money(s.pay_amount[pay])
        when = local_datetime(s.pay_day[pay], s.pay_seconds[pay])
        target = int(s.pay_invoice[pay])
        return {
            "payment": {
                "id": self.id("payments", pay),
                "note": f"Payment against invoice {self.id('invoices', target)}" if target >= 0 else "Refund",
                "reference": self.invoice_number(target) if target >= 0 else None,
                "accountRef": self.account_ref(self.books.account_index["bank"]),
                "currency": currency,
                "currencyRate": rate,
                "paidOnDate": when,
                "totalAmount": amount,
            },
            "allocation": {"currency": currency, "currencyRate": rate, "allocatedOnDate": when, "totalAmount": -amount},
        }

    def payment(self, row: int, full: bool = True) -> dict[str, Any]:
        s = self.books.sales
        invoice, note_row = int(s.pay_invoice[row]), int(s.pay_credit_note[row])
        source = invoice if invoice >= 0 else int(s.cn_invoice[note_row])
        customer = int(s.customer[source])
        amount = money(s.pay_amount[row])
        when = local_datetime(s.pay_day[row], s.pay_seconds[row])
        rate = float(s.rate[source])
        if invoice >= 0:
            link = {"type": "Invoice", "id": self.id("invoices", invoice), "amount": -amount, "currencyRate": rate}
            note, reference = f"Payment against invoice {link['id']}", self.invoice_number(invoice)
        else:
            link = {"type": "CreditNote", "id": self.id("creditNotes", note_row), "amount": -amount, "currencyRate": rate}
            note, reference = f"Refund of credit note {link['id']}", _credit_note_number(note_row)
        record: dict[str, Any] = {
            "id": self.id("payments", row),
            "customerRef": self.customer_ref(customer),
            "accountRef": self.account_ref(self.books.account_index["bank"]),
            "paymentMethodRef": self.method_ref(s.pay_method[row]),
            "totalAmount": amount,
            "currency": self.currency_of(customer),
            "currencyRate": rate,
            "date": when,
            "note": note,
        }
        if full:
            record["lines"] = [{"amount": amount, "links": [link], "allocatedOnDate": when}]
        record["reference"] = reference
        record.update(self.common(s.pay_day[row], s.pay_seconds[row]))
        return record

    def credit_note(self, row: int, full: bool = True) -> dict[str, Any]:
        s = self.books.sales
        invoice = int(s.cn_invoice[row])
        customer = int(s.customer[invoice])
        currency, rate = self.currency_of(customer), float(s.rate[invoice])
        refund = self.snap.refund_of(row)
        total = int(s.cn_total[row])
        event = int(s.pay_day[refund]) if refund >= 0 else int(s.cn_day[row])
        record: dict[str, Any] = {
            "id": self.id("creditNotes", row),
            "creditNoteNumber": _credit_note_number(row),
            "customerRef": self.customer_ref(customer),
            "withholdingTax": [],
            "totalAmount": money(total),
            "totalDiscount": 0.0,
            "subTotal": money(s.cn_sub[row]),
            "additionalTaxAmount": 0.0,
            "additionalTaxPercentage": 0.0,
            "totalTaxAmount": money(s.cn_tax[row]),
            "discountPercentage": 0.0,
            "remainingCredit": 0.0 if refund >= 0 else money(total),
            "status": "Paid" if refund >= 0 else "Submitted",
            "issueDate": local_datetime(s.cn_day[row], s.cn_seconds[row]),
        }
        if refund >= 0:  # omitted until the credit is allocated, as Codat does (the spec's DateTime is not nullable)
            record["allocatedOnDate"] = local_datetime(s.pay_day[refund], s.pay_seconds[refund])
        record.update(currency=currency, currencyRate=rate)
        if full:
            line = int(s.line_start[invoice])
            item = int(s.line_item[line])
            record["lineItems"] = [
                {
                    "description": f"Credit: {self.books.items[item].name} (invoice {self.invoice_number(invoice)})",
                    "unitAmount": money(s.cn_sub[row]),
                    "quantity": 1,
                    "discountAmount": 0.0,
                    "subTotal": money(s.cn_sub[row]),
                    "taxAmount": money(s.cn_tax[row]),
                    "totalAmount": money(total),
                    "accountRef": self.account_ref(self.books.account_index["sales"]),
                    "discountPercentage": 0.0,
                    "taxRateRef": self.tax_ref(s.line_tax_code[line]),
                    "itemRef": self.item_ref(item),
                    "trackingCategoryRefs": [],
                    "isDirectIncome": False,
                }
            ]
            record["paymentAllocations"] = [self._allocation(refund, currency, rate)] if refund >= 0 else []
        record["note"] = f"Credit against invoice {self.invoice_number(invoice)}"
        record.update(self.common(event))
        return record

    # -- purchases --------------------------------------------------------------------------------

    def bill(self, row: int, full: bool = True) -> dict[str, Any]:
        p = self.books.purchases
        supplier = int(p.supplier[row])
        void = bool(p.void[row])
        pay = -1 if void else self.snap.bill_paid(row)
        total = int(p.total[row])
        status = "Void" if void else "Paid" if pay >= 0 else "Open"
        record: dict[str, Any] = {
            "id": self.id("bills", row),
            "reference": f"BILL-{int(p.reference[row])}",
            "supplierRef": self.supplier_ref(supplier),
            "purchaseOrderRefs": [],
            "issueDate": local_datetime(p.day[row], p.seconds[row]),
            "dueDate": local_datetime(p.due[row], p.seconds[row]),
            "currency": self.base,
            "currencyRate": 1.0,
        }
        if full:
            record["lineItems"] = self._bill_lines(row)
            record["withholdingTax"] = []
        record.update(
            status=status,
            subTotal=money(p.sub[row]),
            taxAmount=money(p.tax[row]),
            totalAmount=money(total),
            amountDue=0.0 if void or pay >= 0 else money(total),
            note=None,
        )
        if full:
            record["paymentAllocations"] = [self._bill_allocation(pay)] if pay >= 0 else []
        if pay >= 0:
            record.update(self.common(p.pay_day[pay], p.pay_seconds[pay]))
        else:
            record.update(self.common(p.day[row], p.seconds[row]))
        return record

    def _bill_lines(self, row: int) -> list[dict[str, Any]]:
        p = self.books.purchases
        lines = []
        for number, line in enumerate(range(int(p.line_start[row]), int(p.line_start[row + 1])), start=1):
            account, item = int(p.line_account[line]), int(p.line_item[line])
            sub, tax = int(p.line_sub[line]), int(p.line_tax[line])
            entry: dict[str, Any] = {
                "lineNumber": str(number),
                "description": self.books.items[item].name if item >= 0 else self.books.accounts[account].name,
                "unitAmount": money(p.line_unit[line]),
                "quantity": int(p.line_quantity[line]),
                "unitOfMeasurement": None,
                "discountAmount": 0.0,
                "subTotal": money(sub),
                "taxAmount": money(tax),
                "totalAmount": money(sub + tax),
                "discountPercentage": 0.0,
                "accountRef": self.account_ref(account),
                "taxRateRef": self.tax_ref(p.line_tax_code[line]),
                "trackingCategoryRefs": [],
                "isDirectCost": account == self.books.account_index["costOfSales"],
            }
            if item >= 0:
                entry["itemRef"] = self.item_ref(item)
            lines.append(entry)
        return lines

    def _bill_allocation(self, pay: int) -> dict[str, Any]:
        p = self.books.purchases
        amount = money(p.total[p.pay_bill[pay]])
        when = local_datetime(p.pay_day[pay], p.pay_seconds[pay])
        return {
            "payment": {
                "id": self.id("billPayments", pay),
                "note": f"Bill Payment against bill {self.id('bills', int(p.pay_bill[pay]))}",
                "reference": f"BILL-{int(p.reference[p.pay_bill[pay]])}",
                "accountRef": self.account_ref(self.books.account_index["bank"]),
                "currency": self.base,
                "currencyRate": 1.0,
                "paidOnDate": when,
                "totalAmount": amount,
            },
            "allocation": {"currency": self.base, "currencyRate": 1.0, "allocatedOnDate": when, "totalAmount": -amount},
        }

    def bill_payment(self, row: int, full: bool = True) -> dict[str, Any]:
        p = self.books.purchases
        bill = int(p.pay_bill[row])
        amount = money(p.total[bill])
        when = local_datetime(p.pay_day[row], p.pay_seconds[row])
        record: dict[str, Any] = {
            "id": self.id("billPayments", row),
            "supplierRef": self.supplier_ref(int(p.supplier[bill])),
            "accountRef": self.account_ref(self.books.account_index["bank"]),
            "totalAmount": amount,
            "currency": self.base,
            "currencyRate": 1.0,
            "date": when,
            "note": f"Bill Payment against bill {self.id('bills', bill)}",
            "paymentMethodRef": self.method_ref(p.pay_method[row]),
        }
        if full:
            link = {"type": "Bill", "id": self.id("bills", bill), "amount": -amount, "currencyRate": 1.0}
            record["lines"] = [{"amount": amount, "links": [link], "allocatedOnDate": when}]
        record["reference"] = f"BILL-{int(p.reference[bill])}"
        record.update(self.common(p.pay_day[row], p.pay_seconds[row]))
        return record

    # -- the ledger -----------------------------------------------------------------------------

    def journal_entry(self, row: int, full: bool = True) -> dict[str, Any]:
        led = self.books.ledger
        kind, source = int(led.entry_kind[row]), int(led.entry_source[row])
        when = local_datetime(led.entry_day[row], led.entry_seconds[row])
        record: dict[str, Any] = {
            "id": self.id("journalEntries", row),
            "description": self._entry_description(kind, source),
            "postedOn": when,
            "createdOn": when,
            "updatedOn": when,
            "journalRef": {"id": self.id("journals", kind), "name": L.JOURNAL_NAMES[kind]},
        }
        if full:
            record["journalLines"] = [
                {
                    "description": self.books.accounts[int(led.post_account[post])].name,
                    "netAmount": money(led.post_amount[post]),
                    "currency": self.base,
                    "accountRef": self.account_ref(int(led.post_account[post])),
                }
                for post in range(int(led.entry_start[row]), int(led.entry_start[row + 1]))
            ]
        if L.RECORD_TYPES[kind]:
            record["recordRef"] = {"id": self.id(L.RECORD_TYPES[kind], source), "dataType": L.RECORD_TYPES[kind]}
        record.update(self.common(led.entry_day[row], led.entry_seconds[row]))
        return record

    def _entry_description(self, kind: int, source: int) -> str:
        s = self.books.sales
        if kind == L.INVOICE:
            return f"Invoice {self.invoice_number(source)} to {self.books.customers[int(s.customer[source])].name}"
        if kind == L.PAYMENT:
            invoice = int(s.pay_invoice[source])
            if invoice >= 0:
                return f"Payment from {self.books.customers[int(s.customer[invoice])].name} for {self.invoice_number(invoice)}"
            return f"Refund of credit note {_credit_note_number(int(s.pay_credit_note[source]))}"
        if kind == L.CREDIT_NOTE:
            return f"Credit note {_credit_note_number(source)}"
        p = self.books.purchases
        if kind == L.BILL:
            return f"Bill BILL-{int(p.reference[source])} from {self.books.suppliers[int(p.supplier[source])].name}"
        if kind == L.BILL_PAYMENT:
            bill = int(p.pay_bill[source])
            return f"Payment to {self.books.suppliers[int(p.supplier[bill])].name} for BILL-{int(p.reference[bill])}"
        return self.books.ledger.manual[source].description


def _credit_note_number(row: int) -> str:
    return f"CN-{row + 1:06d}"
