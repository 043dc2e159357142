"""Master data and balances: customers, suppliers, items, tax rates, tracking, accounts, bank, company."""

from __future__ import annotations

from typing import Any

from .calendar import add_months, date_of, day_of, local_date, local_datetime, month_start
from .names import PLACES
from .records import Reader, money

#: Bank details of the two bank accounts, by country.
BANKS = {
    "GB": ("Lloyds Bank", "30-94-57", "GB29 LOYD 3094 5712 3456 78"),
    "US": ("Chase Bank", "021000021", None),
}


class MasterReader(Reader):
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

    def bank_transaction(self, bank_row: int, position: int, posts: Any, running: Any) -> dict[str, Any]:
        """One movement on a bank account; ids are per posting so they are stable across syncs."""
        led = self.books.ledger
        post = int(posts[position])
        entry = int(led.entry_start.searchsorted(post, side="right")) - 1
        amount = int(led.post_amount[post])
        kind_text = self._entry_description(int(led.entry_kind[entry]), int(led.entry_source[entry]))
        day = int(led.entry_day[entry])
        record = {
            "id": self.id("bankTransactions", post),
            "accountId": self.id("bankAccounts", bank_row),
            "clearedOnDate": local_datetime(day, int(led.entry_seconds[entry])),
            "description": kind_text,
            "reconciled": day <= self.snap.day - 7,
            "amount": money(amount),
            "balance": money(running[position]),
            "transactionType": _transaction_type(kind_text, amount),
        }
        record.update({k: v for k, v in self.common(day, int(led.entry_seconds[entry])).items() if k != "metadata"})
        return record

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
