"""The chart of accounts every sample company keeps, and where each account sits in the reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountDef:
    key: str
    code: str
    name: str
    category: str  # Codat's fullyQualifiedCategory, e.g. "Asset.Current"
    is_bank: bool = False

    @property
    def type(self) -> str:
        return self.category.split(".")[0]

    @property
    def natural_sign(self) -> int:
        """+1 where a debit balance is positive (assets, expenses), -1 otherwise."""
        return 1 if self.type in ("Asset", "Expense") else -1


def chart(country: str) -> tuple[AccountDef, ...]:
    """Xero-style codes; the tax account is VAT in the UK and sales tax in the US."""
    tax_name = "VAT" if country != "US" else "Sales Tax Payable"
    return (
        AccountDef("bank", "090", "Business Current Account", "Asset.Bank", is_bank=True),
        AccountDef("savings", "091", "Business Savings Account", "Asset.Bank", is_bank=True),
        AccountDef("receivable", "610", "Accounts Receivable", "Asset.Current"),
        AccountDef("equipment", "710", "Office Equipment", "Asset.Fixed"),
        AccountDef("depreciation", "711", "Less Accumulated Depreciation on Office Equipment", "Asset.Fixed"),
        AccountDef("payable", "800", "Accounts Payable", "Liability.Current"),
        AccountDef("tax", "820", tax_name, "Liability.Current"),
        AccountDef("capital", "970", "Owner A Share Capital", "Equity.Owners Equity"),
        AccountDef("retained", "960", "Retained Earnings", "Equity.Retained Earnings"),
        AccountDef("sales", "200", "Sales", "Income.Revenue"),
        AccountDef("interest", "270", "Interest Income", "Income.Other"),
        AccountDef("costOfSales", "310", "Cost of Goods Sold", "Expense.DirectCosts"),
        AccountDef("advertising", "400", "Advertising & Marketing", "Expense.Operating"),
        AccountDef("bankFees", "404", "Bank Fees", "Expense.Operating"),
        AccountDef("cleaning", "408", "Cleaning", "Expense.Operating"),
        AccountDef("accountancy", "412", "Audit & Accountancy fees", "Expense.Operating"),
        AccountDef("depreciationExpense", "416", "Depreciation Expense", "Expense.Operating"),
        AccountDef("insurance", "433", "Insurance", "Expense.Operating"),
        AccountDef("utilities", "445", "Light, Power, Heating", "Expense.Operating"),
        AccountDef("officeExpenses", "453", "Office Expenses", "Expense.Operating"),
        AccountDef("rent", "469", "Rent", "Expense.Operating"),
        AccountDef("wages", "477", "Wages and Salaries", "Expense.Operating"),
        AccountDef("subscriptions", "485", "Subscriptions", "Expense.Operating"),
        AccountDef("telephone", "489", "Telephone & Internet", "Expense.Operating"),
        AccountDef("travel", "493", "Travel - National", "Expense.Operating"),
        AccountDef("donations", "505", "Charitable and Political Donations", "Expense.Other"),
    )


#: Report sections: fullyQualifiedCategory -> (statement, section, group inside the section).
SECTIONS: dict[str, tuple[str, str, str | None]] = {
    "Asset.Fixed": ("balanceSheet", "assets", "Fixed Assets"),
    "Asset.Current": ("balanceSheet", "assets", "Current Assets"),
    "Asset.Bank": ("balanceSheet", "assets", "Bank"),
    "Liability.Current": ("balanceSheet", "liabilities", "Current Liabilities"),
    "Equity.Owners Equity": ("balanceSheet", "equity", None),
    "Equity.Retained Earnings": ("balanceSheet", "equity", None),
    "Income.Revenue": ("profitAndLoss", "income", None),
    "Income.Other": ("profitAndLoss", "otherIncome", None),
    "Expense.DirectCosts": ("profitAndLoss", "costOfSales", None),
    "Expense.Operating": ("profitAndLoss", "expenses", None),
    "Expense.Other": ("profitAndLoss", "otherExpenses", None),
}
