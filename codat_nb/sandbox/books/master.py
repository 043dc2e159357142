"""Master data and balances: customers, suppliers, items, tax rates, tracking, accounts, bank, company."""

from __future__ import annotations

from typing import Any

import numpy as np

from .calendar import add_months, date_of, day_of, local_date, month_start
from .ledger_records import LedgerReader
from .names import PLACES
from .purchase_records import PurchasesReader
from .records import Rows, amounts, datetime_columns, money
from .sales_records import SalesReader

#: Bank details of the two bank accounts, by country.
BANKS = {
    "GB": ("Lloyds Bank", "30-94-57", "GB29 LOYD 3094 5712 3456 78"),
    "US": ("Chase Bank", "021000021", None),
}


class MasterReader(SalesReader, PurchasesReader, LedgerReader):
    """Every record type the Sandbox serves. The master data (a few hundred rows at most) is
    rendered a record at a time; the documents and the ledger a page at a time."""

    def customer(self, row: int, full: bool = True) -> dict[str, Any]:
        party = self.books.customers[row]
        record: dict[str, Any] = {
            "id": self.id("customers", row),
            "customerName": party.name,
            "contactName": party.contact,
            "emailAddress": party.email,
            "defaultCurrency": party.currency,
            "phone": party.phone,
        }
        if full:
            record["addresses"] = [party.address.to_json("Billing")]
            record["contacts"] = [
                {
                    "name": party.contact,
                    "email": party.email,
                    "phone": [{"number": party.phone, "type": "Primary"}],
                    "address": party.address.to_json("Billing"),
                    "status": "Active",
                    "modifiedDate": self.stamp(self.books.spec.start),
                }
            ]
        record.update(
            registrationNumber=party.registration,
            taxNumber=party.tax_number,
            status="Archived" if party.archived else "Active",
        )
        record.update(self.common(self.books.spec.start))
        return record

    def supplier(self, row: int, full: bool = True) -> dict[str, Any]:
        party = self.books.suppliers[row]
        record: dict[str, Any] = {
            "id": self.id("suppliers", row),
            "supplierName": party.name,
            "contactName": party.contact,
            "emailAddress": party.email,
            "phone": party.phone,
        }
        if full:
            record["addresses"] = [party.address.to_json("Billing")]
        record.update(
            registrationNumber=party.registration,
            taxNumber=party.tax_number,
            status="Active",
            defaultCurrency=party.currency,
        )
        record.update(self.common(self.books.spec.start))
        return record

    def item(self, row: int, full: bool = True) -> dict[str, Any]:
        item = self.books.items[row]
        sales = self.books.account_index["sales"]
        record: dict[str, Any] = {
            "id": self.id("items", row),
            "name": item.name,
            "code": item.code,
            "itemStatus": "Active",
            "type": "Service" if item.is_service else "Inventory",
            "isBillItem": item.buys,
            "isInvoiceItem": item.sells,
        }
        if full:
            record["invoiceItem"] = {
                "description": item.name,
                "unitPrice": money(item.price_cents),
                "accountRef": self.account_ref(sales),
                "taxRateRef": self.tax_ref(0),
            }
            if item.buys:
                record["billItem"] = {
                    "description": item.name,
                    "unitPrice": money(max(int(item.price_cents * 0.55), 1)),
                    "accountRef": self.account_ref(self.books.account_index["costOfSales"]),
                    "taxRateRef": self.tax_ref(0),
                }
        record.update(self.common(self.books.spec.start))
        return record

    def tax_rate(self, row: int, full: bool = True) -> dict[str, Any]:
        rate = self.books.company.tax_rates[row]
        record: dict[str, Any] = {
            "id": self.id("taxRates", row),
            "name": rate.name,
            "code": rate.code,
            "effectiveTaxRate": rate.percent,
            "totalTaxRate": rate.percent,
        }
        if full:
            record["components"] = [{"name": rate.name, "rate": rate.percent, "isCompound": False}]
        record["status"] = "Active"
        record.update(self.common(self.books.spec.start))
        return record

    def tracking_category(self, row: int, full: bool = True) -> dict[str, Any]:
        parent, options = self.books.tracking
        record = {
            "id": self.id("trackingCategories", row),
            "name": parent if row == 0 else options[row - 1],
            "status": "Active",
            "parentId": None if row == 0 else self.id("trackingCategories", 0),
            "hasChildren": row == 0,
        }
        record.update(self.common(self.books.spec.start))
        return record

    def account(self, row: int, full: bool = True) -> dict[str, Any]:
        account = self.books.accounts[row]
        record: dict[str, Any] = {
            "id": self.id("accounts", row),
            "nominalCode": account.code,
            "name": account.name,
            "description": f"{account.name} ({account.category.replace('.', ' / ')})",
            "fullyQualifiedCategory": account.category,
            "fullyQualifiedName": f"{account.category}.{account.name}",
            "currency": self.base,
            "currentBalance": money(self.snap.balances[row]),
            "type": account.type,
            "status": "Active",
            "isBankAccount": account.is_bank,
        }
        if full:
            record["validDatatypeLinks"] = []
        record.update(self.common(int(self.snap.account_last_day[row])))
        return record

    # -- bank accounts (connection-scoped) -----------------------------------------------------------

    def bank_account_rows(self) -> list[int]:
        return [i for i, account in enumerate(self.books.accounts) if account.is_bank]

    def bank_account(self, row: int, full: bool = True) -> dict[str, Any]:
        index = self.bank_account_rows()[row]
        account = self.books.accounts[index]
        institution, sort_code, iban = BANKS.get(self.books.company.country, BANKS["GB"])
        balance = money(self.snap.balances[index])
        record = {
            "id": self.id("bankAccounts", row),
            "accountName": account.name,
            "accountType": "Debit",
            "nominalCode": account.code,
            "sortCode": sort_code,
            "accountNumber": f"{12345678 + row * 1111:08d}",
            "iBan": iban,
            "currency": self.base,
            "balance": balance,
            "institution": institution,
            "availableBalance": balance,
            "overdraftLimit": 0.0,
            "status": "Active",
        }
        record.update(self.common(int(self.snap.account_last_day[index])))
        return record

    def bank_transaction_rows(self, bank_row: int) -> tuple[Any, Any]:
        return self.snap.bank_rows(self.bank_account_rows()[bank_row])

    def bank_transactions(self, bank_row: int, positions: Rows, posts: np.ndarray, running: np.ndarray) -> list[dict[str, Any]]:
        """Movements on a bank account; ids are per posting so they are stable across syncs."""
        led = self.books.ledger
        at = np.asarray(positions, dtype=np.int64).reshape(-1)
        post = posts[at]
        entry = led.entry_start.searchsorted(post, side="right") - 1
        day = led.entry_day[entry]
        (when,) = datetime_columns((day, led.entry_seconds[entry]))
        descriptions = self.entry_descriptions(led.entry_kind[entry], led.entry_source[entry])
        keys, stamps = self.ids("bankTransactions", post), self.stamps(day)
        account_id = self.id("bankAccounts", bank_row)
        cleared = self.snap.day - 7
        columns = zip(led.post_amount[post].tolist(), amounts(running[at]), day.tolist(), descriptions)
        records = []
        for i, (amount, balance, entry_day, description) in enumerate(columns):
            records.append(
                {
                    "id": keys[i],
                    "accountId": account_id,
                    "clearedOnDate": when[i],
                    "description": description,
                    "reconciled": entry_day <= cleared,
                    "amount": amount / 100,
                    "balance": balance,
                    "transactionType": _transaction_type(description, amount),
                    "modifiedDate": stamps[i],
                    "sourceModifiedDate": when[i],
                }
            )
        return records

    # -- the company ---------------------------------------------------------------------------------

    def company_info(self) -> dict[str, Any]:
        company, spec = self.books.company, self.books.spec
        today = date_of(self.snap.day)
        year = today.year if today.month >= company.financial_year_start_month else today.year - 1
        fy_start = day_of(today.replace(year=year, month=company.financial_year_start_month, day=1))
        city, region, _ = PLACES[company.country][0]
        address = {"type": "Billing", "line1": "1 Market Square", "line2": None, "city": city,
                   "region": region, "country": company.country, "postalCode": None}  # fmt: skip
        return {
            "companyName": company.legal_name.removesuffix(" Ltd").removesuffix(" Inc"),
            "accountingPlatformRef": self.id("company", 0),
            "companyLegalName": company.legal_name,
            "addresses": [address],
            "phoneNumbers": [{"number": self.books.suppliers[0].phone, "type": "Primary"}],
            "webLinks": [{"type": "Website", "url": f"https://www.{company.key}.example"}],
            # Books are locked up to the end of the month before last.
            "ledgerLockDate": local_date(max(add_months(month_start(self.snap.day), -1) - 1, spec.start)),
            "registrationNumber": f"{int(spec.digest[:8], 16) % 10**8:08d}",
            "taxNumber": ("GB" if company.country == "GB" else "") + f"{int(spec.digest[8:17], 16) % 10**9:09d}",
            "financialYearStartDate": local_date(fy_start),
            "baseCurrency": company.currency,
            "sourceUrls": {},
            "createdDate": local_date(spec.start),
        }


def _transaction_type(description: str, amount: int) -> str:
    if description.startswith("Bank charges"):
        return "Fee"
    if description.startswith("Interest"):
        return "Int"
    if description.startswith(("Transfer", "Tax return")):
        return "Xfer"
    return "Credit" if amount > 0 else "Debit"
