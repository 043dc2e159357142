"""Bills and bill payments, rendered a page of rows at a time (see ``sales_records``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .records import Reader, Rows, amounts, datetime_columns, gather, spans


class PurchasesReader(Reader):
    def bills(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Bills in the base currency, Paid once their single payment exists by the snapshot's day."""
        p, refs = self.books.purchases, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        void = p.void[r]
        pay = np.where(void, -1, p.bill_pay[r])
        pay = np.where((pay >= 0) & (pay < self.snap.bill_payments), pay, -1)
        paid = pay >= 0
        day, seconds = p.day[r], p.seconds[r]
        event, event_seconds = np.where(paid, gather(p.pay_day, pay), day), np.where(paid, gather(p.pay_seconds, pay), seconds)
        issued, due, modified = datetime_columns((day, seconds), (p.due[r], seconds), (event, event_seconds))
        keys, stamps = self.ids("bills", r), self.stamps(event)
        totals, subs, taxes = amounts(p.total[r]), amounts(p.sub[r]), amounts(p.tax[r])
        if full:
            lines, line_at = self._bill_lines(p.line_start[r], p.line_start[r + 1])
            allocations = iter(self._bill_allocations(pay[paid]))
        base = self.base
        columns = zip(p.reference[r].tolist(), p.supplier[r].tolist(), void.tolist(), paid.tolist())
        records = []
        for i, (reference, supplier, is_void, is_paid) in enumerate(columns):
            record: dict[str, Any] = {
                "id": keys[i],
                "reference": f"BILL-{reference}",
                "supplierRef": refs.suppliers[supplier],
                "purchaseOrderRefs": [],
                "issueDate": issued[i],
                "dueDate": due[i],
                "currency": base,
                "currencyRate": 1.0,
            }
            if full:
                record["lineItems"] = lines[line_at[i] : line_at[i + 1]]
                record["withholdingTax"] = []
            record["status"] = "Void" if is_void else "Paid" if is_paid else "Open"
            record["subTotal"] = subs[i]
            record["taxAmount"] = taxes[i]
            record["totalAmount"] = totals[i]
            record["amountDue"] = 0.0 if is_void or is_paid else totals[i]
            record["note"] = None
            if full:
                record["paymentAllocations"] = [next(allocations)] if is_paid else []
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = modified[i]
            records.append(record)
        return records

    def _bill_lines(self, starts: np.ndarray, ends: np.ndarray) -> tuple[list[dict[str, Any]], list[int]]:
        """Every line of the page's bills, in order, and where each bill's lines begin."""
        p, refs = self.books.purchases, self.refs
        flat, at = spans(starts, ends)
        numbers = (flat - np.repeat(starts, ends - starts) + 1).tolist()
        cost_of_sales = self.books.account_index["costOfSales"]
        columns = zip(
            numbers, p.line_account[flat].tolist(), p.line_item[flat].tolist(), amounts(p.line_unit[flat]),
            p.line_quantity[flat].tolist(), p.line_sub[flat].tolist(), p.line_tax[flat].tolist(), p.line_tax_code[flat].tolist(),
        )  # fmt: skip
        lines = []
        for number, account, item, unit, quantity, sub, tax, code in columns:
            line: dict[str, Any] = {
                "lineNumber": str(number),
                "description": refs.item_names[item] if item >= 0 else refs.account_names[account],
                "unitAmount": unit,
                "quantity": quantity,
                "unitOfMeasurement": None,
                "discountAmount": 0.0,
                "subTotal": sub / 100,
                "taxAmount": tax / 100,
                "totalAmount": (sub + tax) / 100,
                "discountPercentage": 0.0,
                "accountRef": refs.accounts[account],
                "taxRateRef": refs.tax_rates[code],
                "trackingCategoryRefs": [],
                "isDirectCost": account == cost_of_sales,
            }
            if item >= 0:
                line["itemRef"] = refs.items[item]
            lines.append(line)
        return lines, at

    def _bill_allocations(self, pays: np.ndarray) -> list[dict[str, Any]]:
        p = self.books.purchases
        bill = p.pay_bill[pays]
        (when,) = datetime_columns((p.pay_day[pays], p.pay_seconds[pays]))
        keys, bill_ids = self.ids("billPayments", pays), self.ids("bills", bill)
        bank, base = self.refs.accounts[self.books.account_index["bank"]], self.base
        columns = zip(keys, bill_ids, p.reference[bill].tolist(), when, amounts(p.total[bill]))
        return [
            {
                "payment": {
                    "id": key,
                    "note": f"Bill Payment against bill {bill_id}",
                    "reference": f"BILL-{reference}",
                    "accountRef": bank,
                    "currency": base,
                    "currencyRate": 1.0,
                    "paidOnDate": paid_on,
                    "totalAmount": amount,
                },
                "allocation": {"currency": base, "currencyRate": 1.0, "allocatedOnDate": paid_on, "totalAmount": -amount},
            }
            for key, bill_id, reference, paid_on, amount in columns
        ]

    def bill_payments(self, rows: Rows, full: bool = True) -> list[dict[str, Any]]:
        """Bill payments, each settling one bill in full."""
        p, refs = self.books.purchases, self.refs
        r = np.asarray(rows, dtype=np.int64).reshape(-1)
        bill = p.pay_bill[r]
        (when,) = datetime_columns((p.pay_day[r], p.pay_seconds[r]))
        keys, bill_ids, stamps = self.ids("billPayments", r), self.ids("bills", bill), self.stamps(p.pay_day[r])
        bank, base = refs.accounts[self.books.account_index["bank"]], self.base
        columns = zip(amounts(p.total[bill]), p.supplier[bill].tolist(), p.pay_method[r].tolist(), p.reference[bill].tolist())
        records = []
        for i, (amount, supplier, method, reference) in enumerate(columns):
            record: dict[str, Any] = {
                "id": keys[i],
                "supplierRef": refs.suppliers[supplier],
                "accountRef": bank,
                "totalAmount": amount,
                "currency": base,
                "currencyRate": 1.0,
                "date": when[i],
                "note": f"Bill Payment against bill {bill_ids[i]}",
                "paymentMethodRef": refs.methods[method],
            }
            if full:
                link = {"type": "Bill", "id": bill_ids[i], "amount": -amount, "currencyRate": 1.0}
                record["lines"] = [{"amount": amount, "links": [link], "allocatedOnDate": when[i]}]
            record["reference"] = f"BILL-{reference}"
            record["metadata"] = {"isDeleted": False}
            record["modifiedDate"] = stamps[i]
            record["sourceModifiedDate"] = when[i]
            records.append(record)
        return records
