"""Property-based reconciliation of the Sandbox's generated books, checked on the Codat JSON it renders.

Every rule is checked over many seeds, all three sample companies, small sizes (1-400 invoices),
link days across several years and snapshot days from the link day to 90 days after it. Money is
compared as whole cents (``round(x * 100)``), and the roundings the rules name (tax, currency
conversion) are redone exactly with ``Decimal`` and half-up rounding, never with floats.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any, Iterable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.books.calendar import add_months, date_of, day_of, month_start
from codat_nb.sandbox.books.collections import bank_transactions, collection
from codat_nb.sandbox.books.master import MasterReader
from codat_nb.sandbox.books.model import BooksSpec, generate
from codat_nb.sandbox.books.records import make_stamp
from codat_nb.sandbox.books.reports import balance_sheet, profit_and_loss
from codat_nb.sandbox.books.snapshot import Snapshot

SAMPLES = ("small-uk", "us-retailer", "multi-currency-wholesaler")
#: Every record type the books render (bank transactions are per bank account, below).
DATA_TYPES = (
    "invoices", "creditNotes", "payments", "bills", "billPayments", "journalEntries", "customers", "suppliers",
    "items", "taxRates", "trackingCategories", "chartOfAccounts", "bankAccounts",
)  # fmt: skip
FIRST_SYNC = "2026-01-05T09:00:30.0000000Z"

#: A few dozen examples per rule, each a fresh book of up to 400 invoices: the file runs in well under a minute.
FAST = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# -- money and dates ------------------------------------------------------------------------------------


def cents(value: Any) -> int:
    """A JSON money value as whole cents; it must be a number that is a whole number of cents."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    whole = round(value * 100)
    assert abs(value * 100 - whole) < 1e-4, f"{value!r} is not a whole number of cents"
    return whole


def half_up(value: Decimal) -> int:
    """Round to a whole number (of cents), halves away from zero, exactly."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def exact(number: float) -> Decimal:
    """A JSON number as the decimal it prints as (``0.795117``, ``8.25``), not its binary approximation."""
    return Decimal(repr(float(number)))


def day_text(day: int) -> str:
    return date_of(day).isoformat()


def day_from(text: str) -> int:
    return day_of(date.fromisoformat(text[:10]))


# -- the books as JSON ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    seed: int
    sample: str
    invoices: int
    as_of: int
    offset: int  # days after the link that the snapshot sees

    @property
    def spec(self) -> BooksSpec:
        return BooksSpec(self.seed, self.sample, self.invoices, self.as_of)

    @property
    def day(self) -> int:
        return self.as_of + self.offset


cases = st.builds(
    Case,
    seed=st.integers(0, 2**32 - 1),
    sample=st.sampled_from(SAMPLES),
    invoices=st.integers(1, 400),
    as_of=st.integers(day_of(date(2023, 1, 1)), day_of(date(2027, 12, 31))),
    offset=st.integers(0, 90),
)


class World:
    """One snapshot of one company's books, every collection rendered to JSON once."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.books = generate(case.spec)
        self.snapshot = Snapshot(self.books, case.day)
        self.reader = MasterReader(self.snapshot, make_stamp([(case.as_of, FIRST_SYNC)]))
        self.records: dict[str, list[dict[str, Any]]] = {}
        for data_type in DATA_TYPES:
            rendered = collection(self.reader, data_type)
            self.records[data_type] = [rendered.record(row) for row in range(rendered.size)]
        self.bank_transactions: dict[str, list[dict[str, Any]]] = {}
        for row, account in enumerate(self.records["bankAccounts"]):
            rendered = bank_transactions(self.reader, row)
            self.bank_transactions[account["id"]] = [rendered.record(i) for i in range(rendered.size)]
        self.info = self.reader.company_info()
        self.by_id = {kind: {r["id"]: r for r in rows} for kind, rows in self.records.items()}
        for kind, rows in self.records.items():
            assert len(self.by_id[kind]) == len(rows), f"duplicate ids among {kind}"

    @property
    def day(self) -> int:
        return self.case.day

    @cached_property
    def invoice_by_number(self) -> dict[str, dict[str, Any]]:
        numbers = defaultdict(list)
        for invoice in self.records["invoices"]:
            numbers[invoice["invoiceNumber"]].append(invoice)
        return {number: found[0] for number, found in numbers.items() if len(found) == 1}

    @cached_property
    def account_by_key(self) -> dict[str, dict[str, Any]]:
        return {account.key: self.by_id["chartOfAccounts"][self.reader.id("accounts", i)]
                for i, account in enumerate(self.books.accounts)}  # fmt: skip

    def account_id(self, key: str) -> str:
        return self.account_by_key[key]["id"]

    def credited_invoice(self, note: dict[str, Any]) -> dict[str, Any]:
        """The invoice a credit note credits: its number is all the note carries."""
        number = note["note"].removeprefix("Credit against invoice ")
        assert number in self.invoice_by_number, f"credit note {note['id']} names no single invoice ({note['note']!r})"
        return self.invoice_by_number[number]


@lru_cache(maxsize=4)
def world(case: Case) -> World:
    return World(case)


def report_line_values(line: dict[str, Any]) -> None:
    """Every group row's value is the sum of its items, all the way down."""
    value = cents(line["value"])
    if line["items"]:
        total = sum(cents(item["value"]) for item in line["items"])
        assert value == total, f"{line['name']}: {value} != sum of items {total}"
        for item in line["items"]:
            report_line_values(item)


def leaves(line: dict[str, Any]) -> Iterable[dict[str, Any]]:
    if not line["items"]:
        yield line
    for item in line["items"]:
        yield from leaves(item)


def label(record: dict[str, Any]) -> str:
    return f"{record.get('id')} ({record.get('invoiceNumber') or record.get('reference') or record.get('creditNoteNumber') or ''})"


# -- 1. references ---------------------------------------------------------------------------------------


def check_ref(w: World, kind: str, ref: dict[str, Any] | None, where: str, name_field: str | None = "name") -> dict[str, Any]:
    assert ref is not None and ref.get("id"), f"{where}: missing ref to {kind}"
    target = w.by_id[kind].get(ref["id"])
    assert target is not None, f"{where}: {kind} {ref['id']} is not in the snapshot"
    if name_field is not None and name_field in ref:
        own = {"customers": "customerName", "suppliers": "supplierName"}.get(kind, "name")
        assert ref[name_field] == target[own], f"{where}: ref name {ref[name_field]!r} != {target[own]!r}"
    return target


def check_line_refs(w: World, line: dict[str, Any], where: str) -> None:
    check_ref(w, "chartOfAccounts", line["accountRef"], where + " accountRef")
    rate = check_ref(w, "taxRates", line["taxRateRef"], where + " taxRateRef")
    assert exact(line["taxRateRef"]["effectiveTaxRate"]) == exact(rate["effectiveTaxRate"]), where
    if line.get("itemRef") is not None:
        check_ref(w, "items", line["itemRef"], where + " itemRef")
    for ref in line["trackingCategoryRefs"]:
        check_ref(w, "trackingCategories", ref, where + " trackingCategoryRef")


@FAST
@given(cases)
def test_1_every_ref_points_at_a_record_in_the_same_snapshot(case: Case) -> None:
    w = world(case)
    for invoice in w.records["invoices"]:
        where = f"invoice {label(invoice)}"
        check_ref(w, "customers", invoice["customerRef"], where + " customerRef", "companyName")
        for n, line in enumerate(invoice["lineItems"]):
            check_line_refs(w, line, f"{where} line {n}")
        for allocation in invoice["paymentAllocations"]:
            check_ref(w, "payments", allocation["payment"], where + " allocation payment", None)
            check_ref(w, "chartOfAccounts", allocation["payment"]["accountRef"], where + " allocation accountRef")
    for note in w.records["creditNotes"]:
        where = f"credit note {label(note)}"
        check_ref(w, "customers", note["customerRef"], where + " customerRef", "companyName")
        for n, line in enumerate(note["lineItems"]):
            check_line_refs(w, line, f"{where} line {n}")
        for allocation in note["paymentAllocations"]:
            check_ref(w, "payments", allocation["payment"], where + " allocation payment", None)
        assert w.credited_invoice(note)["customerRef"]["id"] == note["customerRef"]["id"], where
    for payment in w.records["payments"]:
        where = f"payment {label(payment)}"
        check_ref(w, "customers", payment["customerRef"], where + " customerRef", "companyName")
        check_ref(w, "chartOfAccounts", payment["accountRef"], where + " accountRef")
        for line in payment["lines"]:
            for link in line["links"]:
                kind = {"Invoice": "invoices", "CreditNote": "creditNotes"}[link["type"]]
                target = check_ref(w, kind, link, f"{where} link", None)
                assert target["customerRef"]["id"] == payment["customerRef"]["id"], where
    for bill in w.records["bills"]:
        where = f"bill {label(bill)}"
        check_ref(w, "suppliers", bill["supplierRef"], where + " supplierRef", "supplierName")
        for n, line in enumerate(bill["lineItems"]):
            check_line_refs(w, line, f"{where} line {n}")
        for allocation in bill["paymentAllocations"]:
            check_ref(w, "billPayments", allocation["payment"], where + " allocation payment", None)
    for payment in w.records["billPayments"]:
        where = f"bill payment {label(payment)}"
        check_ref(w, "suppliers", payment["supplierRef"], where + " supplierRef", "supplierName")
        check_ref(w, "chartOfAccounts", payment["accountRef"], where + " accountRef")
        for line in payment["lines"]:
            for link in line["links"]:
                assert link["type"] == "Bill", where
                bill = check_ref(w, "bills", link, f"{where} link", None)
                assert bill["supplierRef"]["id"] == payment["supplierRef"]["id"], where
    for entry in w.records["journalEntries"]:
        where = f"journal entry {entry['id']} ({entry['description']})"
        if "recordRef" in entry:
            check_ref(w, entry["recordRef"]["dataType"], entry["recordRef"], where + " recordRef", None)
        for line in entry["journalLines"]:
            check_ref(w, "chartOfAccounts", line["accountRef"], where + " accountRef")
    for account_id, transactions in w.bank_transactions.items():
        for transaction in transactions:
            assert transaction["accountId"] == account_id, transaction
            check_ref(w, "bankAccounts", {"id": transaction["accountId"]}, f"bank transaction {transaction['id']}")
    for category in w.records["trackingCategories"]:
        if category["parentId"] is not None:
            parent = check_ref(w, "trackingCategories", {"id": category["parentId"]}, f"tracking {category['id']}")
            assert parent["hasChildren"], parent


# -- 2. lines ---------------------------------------------------------------------------------------------


def check_line_arithmetic(line: dict[str, Any], where: str) -> None:
    unit, quantity = cents(line["unitAmount"]), line["quantity"]
    discount, sub = cents(line["discountAmount"]), cents(line["subTotal"])
    tax, total = cents(line["taxAmount"]), cents(line["totalAmount"])
    assert float(quantity) == int(quantity), where
    gross = unit * int(quantity)
    assert sub == gross - discount, f"{where}: subTotal {sub} != {unit} x {quantity} - {discount}"
    assert total == sub + tax, f"{where}: totalAmount {total} != {sub} + {tax}"
    expected_tax = half_up(Decimal(sub) * exact(line["taxRateRef"]["effectiveTaxRate"]) / 100)
    assert tax == expected_tax, f"{where}: taxAmount {tax} != {sub} x {line['taxRateRef']['effectiveTaxRate']}% = {expected_tax}"
    expected_discount = half_up(Decimal(gross) * exact(line["discountPercentage"]) / 100)
    assert discount == expected_discount, f"{where}: discount {discount} != {line['discountPercentage']}% of {gross}"


@FAST
@given(cases)
def test_2_line_arithmetic(case: Case) -> None:
    w = world(case)
    for kind in ("invoices", "creditNotes", "bills"):
        for record in w.records[kind]:
            assert record["lineItems"], f"{kind} {label(record)} has no lines"
            for n, line in enumerate(record["lineItems"]):
                check_line_arithmetic(line, f"{kind} {label(record)} line {n}")


# -- 3. header totals -----------------------------------------------------------------------------------


@FAST
@given(cases)
def test_3_header_totals_are_sums_of_lines(case: Case) -> None:
    w = world(case)
    for kind, tax_field in (("invoices", "totalTaxAmount"), ("creditNotes", "totalTaxAmount"), ("bills", "taxAmount")):
        for record in w.records[kind]:
            where = f"{kind} {label(record)}"
            lines = record["lineItems"]
            sub = sum(cents(line["subTotal"]) for line in lines)
            tax = sum(cents(line["taxAmount"]) for line in lines)
            assert cents(record["subTotal"]) == sub, f"{where}: subTotal {record['subTotal']} != lines {sub}"
            assert cents(record[tax_field]) == tax, f"{where}: {tax_field} {record[tax_field]} != lines {tax}"
            assert cents(record["totalAmount"]) == cents(record["subTotal"]) + cents(record[tax_field]), where
            assert cents(record["totalAmount"]) == sum(cents(line["totalAmount"]) for line in lines), where
            if "totalDiscount" in record:
                discount = sum(cents(line["discountAmount"]) for line in lines)
                assert cents(record["totalDiscount"]) == discount, f"{where}: totalDiscount != lines {discount}"


# -- 4. amounts due, statuses and payments ----------------------------------------------------------------


def allocated(record: dict[str, Any], where: str) -> int:
    """What the allocations paid, checking each allocation is the negative of its payment."""
    paid = 0
    for allocation in record["paymentAllocations"]:
        payment = cents(allocation["payment"]["totalAmount"])
        assert cents(allocation["allocation"]["totalAmount"]) == -payment, f"{where}: allocation is not -payment"
        assert allocation["allocation"]["currency"] == record["currency"] == allocation["payment"]["currency"], where
        paid += payment
    return paid


@FAST
@given(cases)
def test_4_amount_due_status_and_payments_agree(case: Case) -> None:
    w = world(case)
    # What the payments say about each document.
    linked: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, links_type in (("payments", ("Invoice", "CreditNote")), ("billPayments", ("Bill",))):
        for payment in w.records[kind]:
            where = f"{kind} {label(payment)}"
            total = cents(payment["totalAmount"])
            assert total == sum(cents(line["amount"]) for line in payment["lines"]), f"{where}: total != sum of lines"
            for line in payment["lines"]:
                links = line["links"]
                assert links, where
                assert sum(cents(link["amount"]) for link in links) == -cents(line["amount"]), f"{where}: link != -line"
                for link in links:
                    assert link["type"] in links_type, where
                    linked[link["id"]][payment["id"]] = -cents(link["amount"])

    for invoice in w.records["invoices"]:
        where = f"invoice {label(invoice)}"
        total, due, paid = cents(invoice["totalAmount"]), cents(invoice["amountDue"]), allocated(invoice, where)
        status, allocations = invoice["status"], invoice["paymentAllocations"]
        assert {a["payment"]["id"]: cents(a["payment"]["totalAmount"]) for a in allocations} == linked.get(invoice["id"], {}), (
            f"{where}: allocations do not match the payments that link to it"
        )
        for allocation in allocations:
            payment = w.by_id["payments"][allocation["payment"]["id"]]
            assert allocation["payment"]["paidOnDate"] == payment["date"], where
            assert allocation["allocation"]["allocatedOnDate"] == payment["date"], where
        if status == "Void":
            assert due == 0 and not allocations, f"{where}: Void with amountDue {due} and {len(allocations)} allocations"
            assert invoice.get("paidOnDate") is None, where
            continue
        assert due == total - paid, f"{where}: amountDue {due} != totalAmount {total} - allocated {paid}"
        if status == "Submitted":
            assert paid == 0 and due == total and not allocations, f"{where}: Submitted but paid {paid}, due {due}/{total}"
            assert invoice.get("paidOnDate") is None, where
        elif status == "PartiallyPaid":
            assert 0 < due < total, f"{where}: PartiallyPaid with amountDue {due} of {total}"
            assert invoice.get("paidOnDate") is None, where
        elif status == "Paid":
            assert due == 0, f"{where}: Paid with amountDue {due}"
            assert allocations or total == 0, where
            latest = max(a["payment"]["paidOnDate"] for a in allocations)
            assert invoice.get("paidOnDate") == latest, f"{where}: paidOnDate {invoice.get('paidOnDate')} != latest payment {latest}"
        else:
            raise AssertionError(f"{where}: unexpected status {status!r}")

    for note in w.records["creditNotes"]:
        where = f"credit note {label(note)}"
        total, paid = cents(note["totalAmount"]), allocated(note, where)
        # A refund pays the customer: the payment is negative, its allocation positive.
        refunded = -paid
        assert {a["payment"]["id"]: cents(a["payment"]["totalAmount"]) for a in note["paymentAllocations"]} == linked.get(
            note["id"], {}
        ), f"{where}: allocations do not match the refunds that link to it"
        assert cents(note["remainingCredit"]) == total - refunded, f"{where}: remainingCredit != total - refunded"
        if note["status"] == "Paid":
            assert refunded == total and note.get("allocatedOnDate") is not None, where
        else:
            assert note["status"] == "Submitted" and refunded == 0 and note.get("allocatedOnDate") is None, where

    for bill in w.records["bills"]:
        where = f"bill {label(bill)}"
        total, due, paid = cents(bill["totalAmount"]), cents(bill["amountDue"]), allocated(bill, where)
        status, allocations = bill["status"], bill["paymentAllocations"]
        assert {a["payment"]["id"]: cents(a["payment"]["totalAmount"]) for a in allocations} == linked.get(bill["id"], {}), (
            f"{where}: allocations do not match the bill payments that link to it"
        )
        if status == "Void":
            assert due == 0 and not allocations, where
            continue
        assert due == total - paid, f"{where}: amountDue {due} != totalAmount {total} - allocated {paid}"
        if status == "Open":
            assert paid == 0 and due == total and not allocations, where
        elif status == "PartiallyPaid":
            assert 0 < due < total, where
        elif status == "Paid":
            assert due == 0, where
        else:
            raise AssertionError(f"{where}: unexpected status {status!r}")


# -- 5. dates ---------------------------------------------------------------------------------------------


@FAST
@given(cases)
def test_5_dates_are_in_order_and_none_after_the_snapshot(case: Case) -> None:
    w = world(case)
    today = day_text(w.day)

    def not_future(text: str | None, where: str) -> None:
        if text is not None:
            assert text[:10] <= today, f"{where}: {text} is after the snapshot day {today}"

    for kind in ("invoices", "creditNotes", "bills"):
        for record in w.records[kind]:
            where = f"{kind} {label(record)}"
            issued = record["issueDate"]
            not_future(issued, where + " issueDate")
            not_future(record["sourceModifiedDate"], where + " sourceModifiedDate")
            if record.get("dueDate") is not None:
                assert record["dueDate"] >= issued, f"{where}: dueDate {record['dueDate']} before issueDate {issued}"
            for allocation in record["paymentAllocations"]:
                for when in (allocation["payment"]["paidOnDate"], allocation["allocation"]["allocatedOnDate"]):
                    assert when >= issued, f"{where}: allocated {when} before issueDate {issued}"
                    not_future(when, where + " allocation")
            for field in ("paidOnDate", "allocatedOnDate"):
                if record.get(field) is not None:
                    assert record[field] >= issued, f"{where}: {field} before issueDate"
                    not_future(record[field], f"{where} {field}")
    for note in w.records["creditNotes"]:
        invoice = w.credited_invoice(note)
        assert note["issueDate"] > invoice["issueDate"], f"credit note {label(note)} is not after its invoice"
        assert invoice["status"] != "Void", f"credit note {label(note)} credits a Void invoice"
    for kind in ("payments", "billPayments"):
        for payment in w.records[kind]:
            where = f"{kind} {label(payment)}"
            not_future(payment["date"], where)
            not_future(payment["sourceModifiedDate"], where + " sourceModifiedDate")
            for line in payment["lines"]:
                assert line["allocatedOnDate"] >= payment["date"][:10], where
                for link in line["links"]:
                    target = w.by_id[{"Invoice": "invoices", "CreditNote": "creditNotes", "Bill": "bills"}[link["type"]]][link["id"]]
                    assert payment["date"] >= target["issueDate"], (
                        f"{where}: dated {payment['date']}, before {link['type']} {target['id']} issued {target['issueDate']}"
                    )
    for entry in w.records["journalEntries"]:
        not_future(entry["postedOn"], f"journal entry {entry['id']}")
        if "recordRef" in entry:
            source = w.by_id[entry["recordRef"]["dataType"]][entry["recordRef"]["id"]]
            assert entry["postedOn"] == source.get("issueDate", source.get("date")), f"journal entry {entry['id']}"
    for transactions in w.bank_transactions.values():
        for transaction in transactions:
            not_future(transaction["clearedOnDate"], f"bank transaction {transaction['id']}")
    for kind in ("customers", "suppliers", "items", "taxRates", "trackingCategories", "chartOfAccounts", "bankAccounts"):
        for record in w.records[kind]:
            not_future(record["sourceModifiedDate"], f"{kind} {record['id']}")


# -- 6. profit and loss -----------------------------------------------------------------------------------


def in_period(text: str, first: int, last: int) -> bool:
    return first <= day_from(text) <= last


def check_pnl_arithmetic(report: dict[str, Any]) -> dict[str, int]:
    v = {}
    for key in ("income", "costOfSales", "expenses", "otherIncome", "otherExpenses"):
        report_line_values(report[key])
        v[key] = cents(report[key]["value"])
    assert cents(report["grossProfit"]) == v["income"] - v["costOfSales"], report["fromDate"]
    assert cents(report["netOperatingProfit"]) == cents(report["grossProfit"]) - v["expenses"], report["fromDate"]
    assert cents(report["netOtherIncome"]) == v["otherIncome"] - v["otherExpenses"], report["fromDate"]
    assert cents(report["netProfit"]) == cents(report["netOperatingProfit"]) + cents(report["netOtherIncome"]), report["fromDate"]
    return v


def expected_income(w: World, first: int, last: int) -> int:
    """Σ invoice line subTotal x rate (each rounded) for live invoices, less credit notes, in the period."""
    total = 0
    for invoice in w.records["invoices"]:
        if invoice["status"] != "Void" and in_period(invoice["issueDate"], first, last):
            rate = exact(invoice["currencyRate"])
            total += sum(half_up(Decimal(cents(line["subTotal"])) * rate) for line in invoice["lineItems"])
    for note in w.records["creditNotes"]:
        if in_period(note["issueDate"], first, last):
            total -= half_up(Decimal(cents(note["subTotal"])) * exact(note["currencyRate"]))
    return total


def expected_costs(w: World, first: int, last: int) -> dict[str, int]:
    """Per account id: live bills' line subTotals (debits) and manual journal lines in the period."""
    by_account: dict[str, int] = defaultdict(int)
    for bill in w.records["bills"]:
        if bill["status"] != "Void" and in_period(bill["issueDate"], first, last):
            assert exact(bill["currencyRate"]) == 1, bill["id"]
            for line in bill["lineItems"]:
                by_account[line["accountRef"]["id"]] += cents(line["subTotal"])
    for entry in w.records["journalEntries"]:
        if "recordRef" not in entry and in_period(entry["postedOn"], first, last):
            for line in entry["journalLines"]:
                by_account[line["accountRef"]["id"]] += cents(line["netAmount"])
    return by_account


def months_spanned(first: int, last: int) -> int:
    a, b = date_of(first), date_of(last)
    return (b.year - a.year) * 12 + b.month - a.month + 1


@st.composite
def periods_of(draw: st.DrawFn, case: Case) -> tuple[int, int, int]:
    """periodLength, periodsToCompare and the latest period's first month, as the API accepts them."""
    length = draw(st.integers(1, 12))
    count = draw(st.integers(1, 4))
    earliest, latest = month_start(case.spec.start), month_start(case.day)
    back = draw(st.integers(0, months_spanned(earliest, latest) - 1))
    return length, count, add_months(latest, -back)


@FAST
@given(st.data(), cases)
def test_6_profit_and_loss_comes_from_the_invoices_and_bills(data: st.DataObject, case: Case) -> None:
    w = world(case)
    length, count, last_start = data.draw(periods_of(case), label="periods")
    pnl = profit_and_loss(w.reader, length, count, last_start)
    assert len(pnl["reports"]) == count
    sales_id = w.account_id("sales")
    section_of = {}
    for report in pnl["reports"]:
        values = check_pnl_arithmetic(report)
        first, last = day_from(report["fromDate"]), min(day_from(report["toDate"]), w.day)
        where = f"P&L {report['fromDate'][:10]}..{report['toDate'][:10]}"
        income = expected_income(w, first, last)
        sales_lines = [line for line in leaves(report["income"]) if line["accountId"] == sales_id]
        assert len(sales_lines) == 1, where
        assert cents(sales_lines[0]["value"]) == income, f"{where}: Sales {sales_lines[0]['value']} != invoices - credit notes {income / 100}"
        assert values["income"] == income, f"{where}: income {values['income']} != {income} (something else is in income)"
        costs = expected_costs(w, first, last)
        seen = set()
        for key, sign in (("costOfSales", 1), ("expenses", 1), ("otherExpenses", 1), ("otherIncome", -1)):
            for line in leaves(report[key]):
                seen.add(line["accountId"])
                section_of[line["accountId"]] = key
                assert cents(line["value"]) == sign * costs.get(line["accountId"], 0), (
                    f"{where}: {key} {line['name']} {line['value']} != bills + journals {sign * costs.get(line['accountId'], 0) / 100}"
                )
        for account_id, amount in costs.items():
            if amount and w.by_id["chartOfAccounts"][account_id]["type"] in ("Expense", "Income"):
                assert account_id in seen, f"{where}: {account_id} has {amount} but is in no P&L section"
    for bill in w.records["bills"]:
        for line in bill["lineItems"]:
            assert section_of.get(line["accountRef"]["id"]) in ("costOfSales", "expenses"), f"bill {label(bill)} line account"


# -- 7. balance sheet -------------------------------------------------------------------------------------


def fy_start_for(day: int, month: int) -> int:
    today = date_of(day)
    year = today.year if today.month >= month else today.year - 1
    return day_of(date(year, month, 1))


def pnl_net_profit(w: World, first: int, last: int) -> int:
    """Net profit from ``first`` (a month's first day) to ``last`` by the profit and loss report."""
    report = profit_and_loss(w.reader, months_spanned(first, last), 1, first)["reports"][0]
    assert min(day_from(report["toDate"]), w.day) == last, (report["toDate"], last)
    check_pnl_arithmetic(report)
    return cents(report["netProfit"])


@FAST
@given(st.data(), cases)
def test_7_balance_sheet_balances_and_carries_the_profit(data: st.DataObject, case: Case) -> None:
    w = world(case)
    length, count, last_start = data.draw(periods_of(case), label="periods")
    sheet = balance_sheet(w.reader, length, count, last_start)
    fy_info = day_from(w.info["financialYearStartDate"])
    fy_month = date_of(fy_info).month
    assert fy_info == fy_start_for(w.day, fy_month)
    assert fy_month == w.books.company.financial_year_start_month
    assert len(sheet["reports"]) == count
    # The drawn periods, and always the snapshot day itself.
    reports = sheet["reports"] + balance_sheet(w.reader, 1, 1, month_start(w.day))["reports"]
    assert day_from(reports[-1]["date"]) == w.day
    for report in reports:
        when = day_from(report["date"])
        where = f"balance sheet at {report['date'][:10]}"
        assert when <= w.day, where
        for key in ("assets", "liabilities", "equity"):
            report_line_values(report[key])
        assets, liabilities = cents(report["assets"]["value"]), cents(report["liabilities"]["value"])
        equity, net = cents(report["equity"]["value"]), cents(report["netAssets"])
        assert assets - liabilities == equity == net, f"{where}: assets {assets} - liabilities {liabilities} vs equity {equity}, netAssets {net}"
        items = {line["name"]: cents(line["value"]) for line in report["equity"]["items"]}
        assert "Current Year Earnings" in items and "Retained Earnings" in items, where
        start = month_start(w.books.spec.start)
        cumulative = pnl_net_profit(w, start, when) if when >= start else 0
        assert items["Current Year Earnings"] + items["Retained Earnings"] == cumulative, (
            f"{where}: CYE {items['Current Year Earnings']} + RE {items['Retained Earnings']} != cumulative net profit {cumulative}"
        )
        fy = fy_info if when == w.day else fy_start_for(when, fy_month)
        year_to_date = pnl_net_profit(w, fy, when)
        assert items["Current Year Earnings"] == year_to_date, (
            f"{where}: Current Year Earnings {items['Current Year Earnings']} != P&L net profit {year_to_date} since {day_text(fy)}"
        )
        # The balance sheet's accounts agree with the chart of accounts on the snapshot day.
        if when == w.day:
            balances = {a["id"]: cents(a["currentBalance"]) for a in w.records["chartOfAccounts"]}
            for section, sign in (("assets", 1), ("liabilities", -1), ("equity", -1)):
                for line in leaves(report[section]):
                    if line["accountId"] in balances and line["name"] != "Retained Earnings":
                        assert cents(line["value"]) == sign * balances[line["accountId"]], f"{where}: {line['name']}"


# -- 8. balances ------------------------------------------------------------------------------------------


@FAST
@given(cases)
def test_8_account_and_bank_balances_reconcile(case: Case) -> None:
    w = world(case)
    accounts = w.records["chartOfAccounts"]
    assert sum(cents(a["currentBalance"]) for a in accounts) == 0, "the trial balance does not sum to zero"

    from_entries: dict[str, int] = defaultdict(int)
    for entry in w.records["journalEntries"]:
        lines = [cents(line["netAmount"]) for line in entry["journalLines"]]
        assert sum(lines) == 0, f"journal entry {entry['id']} ({entry['description']}) does not balance: {lines}"
        for line in entry["journalLines"]:
            from_entries[line["accountRef"]["id"]] += cents(line["netAmount"])
    for account in accounts:
        assert cents(account["currentBalance"]) == from_entries.get(account["id"], 0), (
            f"account {account['name']}: currentBalance {account['currentBalance']} != journal lines {from_entries.get(account['id'], 0)}"
        )

    by_code = {a["nominalCode"]: a for a in accounts}
    assert len(w.records["bankAccounts"]) == sum(a["isBankAccount"] for a in accounts) >= 1
    for bank in w.records["bankAccounts"]:
        ledger_account = by_code[bank["nominalCode"]]
        assert ledger_account["isBankAccount"], bank
        transactions = w.bank_transactions[bank["id"]]
        running = 0
        for transaction in transactions:
            running += cents(transaction["amount"])
            assert cents(transaction["balance"]) == running, f"bank transaction {transaction['id']}: running balance"
        assert [t["clearedOnDate"] for t in transactions] == sorted(t["clearedOnDate"] for t in transactions)
        last = cents(transactions[-1]["balance"]) if transactions else 0
        assert cents(bank["balance"]) == last == cents(ledger_account["currentBalance"]), (
            f"bank account {bank['accountName']}: balance {bank['balance']}, last transaction {last / 100}, "
            f"ledger {ledger_account['currentBalance']}"
        )

    # Control accounts agree with the documents: payables with open bills (always in base currency),
    # receivables with what customers owe where every invoice is in the base currency.
    payable = -cents(w.account_by_key["payable"]["currentBalance"])
    open_bills = sum(cents(b["amountDue"]) for b in w.records["bills"] if b["status"] != "Void")
    assert payable == open_bills, f"Accounts Payable {payable} != bills' amountDue {open_bills}"
    if all(i["currency"] == w.info["baseCurrency"] for i in w.records["invoices"]):
        receivable = cents(w.account_by_key["receivable"]["currentBalance"])
        owed = sum(cents(i["amountDue"]) for i in w.records["invoices"] if i["status"] != "Void")
        owed -= sum(cents(n["remainingCredit"]) for n in w.records["creditNotes"])
        assert receivable == owed, f"Accounts Receivable {receivable} != amountDue - unused credit {owed}"


# -- 9. determinism ---------------------------------------------------------------------------------------

DETERMINISM_TYPES = ("invoices", "payments", "creditNotes", "bills", "journalEntries", "customers", "chartOfAccounts")


def rendered_json(spec: BooksSpec, day: int) -> str:
    books = generate(spec)
    reader = MasterReader(Snapshot(books, day), make_stamp([(spec.as_of, FIRST_SYNC)]))
    out: dict[str, Any] = {}
    for data_type in DETERMINISM_TYPES:
        rendered = collection(reader, data_type)
        out[data_type] = [rendered.record(row) for row in range(rendered.size)]
    for row in range(collection(reader, "bankAccounts").size):
        transactions = bank_transactions(reader, row)
        out[f"bankTransactions{row}"] = [transactions.record(i) for i in range(transactions.size)]
    out["info"] = reader.company_info()
    out["profitAndLoss"] = profit_and_loss(reader, 1, 3, month_start(day))
    out["balanceSheet"] = balance_sheet(reader, 1, 3, month_start(day))
    return json.dumps(out, sort_keys=False)


@FEW
@given(cases)
def test_9_the_same_spec_gives_the_same_json_and_another_seed_other_ids(case: Case) -> None:
    first, second = rendered_json(case.spec, case.day), rendered_json(case.spec, case.day)
    assert first == second
    other = BooksSpec(case.seed + 1, case.sample, case.invoices, case.as_of)
    mine, theirs = json.loads(first), json.loads(rendered_json(other, case.day))
    for data_type in ("invoices", "customers", "chartOfAccounts", "journalEntries"):
        ids, other_ids = {r["id"] for r in mine[data_type]}, {r["id"] for r in theirs[data_type]}
        assert ids and other_ids and not ids & other_ids, f"{data_type}: seeds {case.seed} and {case.seed + 1} share ids"


_DIGEST_SCRIPT = """
import hashlib, sys
from tests.sandbox.books.test_reconciliation import rendered_json
from codat_nb.sandbox.books.model import BooksSpec
for sample in {samples!r}:
    print(hashlib.sha256(rendered_json(BooksSpec(7, sample, 120, {as_of}), {day}).encode()).hexdigest())
"""


def test_9_the_same_spec_gives_the_same_json_in_another_process() -> None:
    """Nothing depends on the interpreter's string-hash seed (set order, dict of hashes...)."""
    as_of = day_of(date(2026, 1, 5))
    day = as_of + 45
    here = [hashlib.sha256(rendered_json(BooksSpec(7, s, 120, as_of), day).encode()).hexdigest() for s in SAMPLES]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONWARNINGS": "error"}
        script = _DIGEST_SCRIPT.format(samples=SAMPLES, as_of=as_of, day=day)
        run = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == here, f"PYTHONHASHSEED={hash_seed} renders different JSON"


# -- 10. re-sync over HTTP --------------------------------------------------------------------------------


def _settle(http: Any, company_id: str, data_type: str) -> dict[str, Any]:
    """Advance the manual clock until the data type's latest pull has ended; its PullOperation."""
    for _ in range(200):
        status = http.get(f"/companies/{company_id}/dataStatus").json().get(data_type)
        if status is not None and status.get("currentStatus") == "Complete":
            pull = http.get(f"/companies/{company_id}/data/history/{status['latestSyncId']}").json()
            if pull["isCompleted"]:
                assert status["latestSuccessfulSyncId"] == pull["id"]
                return pull
        assert status is None or status.get("currentStatus") not in ("FetchError", "InternalError"), status
        assert http.post("/_sandbox/clock/advance", json={"seconds": 60}).status_code == 200
    raise AssertionError(f"{data_type} never completed")


def _all_invoices(http: Any, company_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/companies/{company_id}/data/invoices", params={"pageSize": 5000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == len(body["results"]), "more than one page"
    return body["results"]


@FEW
@given(seed=st.integers(0, 2**31 - 1), sample=st.sampled_from(SAMPLES), invoices=st.integers(200, 400))
def test_10_a_refresh_restamps_only_what_changed(seed: int, sample: str, invoices: int) -> None:
    emulator = Emulator(seed=seed, clock=ManualClock())
    try:
        with emulator.http_client(api_key="k") as http:
            company = http.post("/companies", json={"name": "Reconciliation Ltd"}).json()
            cid = company["id"]
            connection = http.post(f"/companies/{cid}/connections", json={"platformKey": "mqjo"}).json()
            authorised = http.post(
                f"/_sandbox/companies/{cid}/connections/{connection['id']}/authorize",
                json={"dataset": sample, "invoices": invoices},
            )
            assert authorised.status_code == 200, authorised.text
            first_pull = _settle(http, cid, "invoices")
            first = {r["id"]: r for r in _all_invoices(http, cid)}
            first_day = day_from(first_pull["requested"])
            assert first and all(r["modifiedDate"] == first_pull["completed"] for r in first.values())

            assert http.post("/_sandbox/clock/advance", json={"seconds": 30 * 86_400}).status_code == 200
            queued = http.post(f"/companies/{cid}/data/queue/invoices")
            assert queued.status_code == 200, queued.text
            second_pull = _settle(http, cid, "invoices")
            assert second_pull["id"] == queued.json()["id"] and second_pull["completed"] > first_pull["completed"]
            second = _all_invoices(http, cid)
    finally:
        emulator.close()

    assert len(second) > len(first), f"invoice count did not grow: {len(first)} -> {len(second)}"
    assert set(first) <= {r["id"] for r in second}, "invoices disappeared"
    changed = 0
    for record in second:
        before = first.get(record["id"])
        same = before is not None and {**before, "modifiedDate": None} == {**record, "modifiedDate": None}
        expected = first_pull["completed"] if same else second_pull["completed"]
        assert record["modifiedDate"] == expected, (
            f"invoice {label(record)} ({'unchanged' if same else 'new' if before is None else 'changed'}): "
            f"modifiedDate {record['modifiedDate']} != {expected}"
        )
        source_day = day_from(record["sourceModifiedDate"])
        assert (source_day <= first_day) == same, f"invoice {label(record)}: sourceModifiedDate {record['sourceModifiedDate']}"
        if before is not None and not same:
            changed += 1
            assert before["status"] != record["status"] or before["paymentAllocations"] != record["paymentAllocations"], record["id"]
    assert changed or len(second) > len(first)


# -- 11. the books' first day -----------------------------------------------------------------------------


@FAST
@given(cases)
def test_11_nothing_is_posted_before_the_books_start(case: Case) -> None:
    """Reports sum the ledger from the books' first day: an earlier entry would drop out of the
    balance sheet (found here: a December donation dated before a mid-December start)."""
    w = world(case)
    first = day_text(w.books.spec.start)
    for entry in w.records["journalEntries"]:
        assert entry["postedOn"][:10] >= first, f"journal entry {entry['id']} ({entry['description']}) before {first}"


def test_11_a_december_start_posts_no_donation_before_it() -> None:
    w = World(Case(seed=0, sample="small-uk", invoices=1, as_of=20436, offset=0))
    assert int(w.books.ledger.entry_day.min()) >= w.books.spec.start
