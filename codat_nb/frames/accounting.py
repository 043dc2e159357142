"""The declared tables of Codat's accounting data types (fields as Codat-Lending documents them).

References are flattened to ``<thing>_id`` / ``<thing>_name``; line items, payment allocations,
payment lines and their links, addresses, contacts, tax components and journal lines are child
tables keyed by the parent's id (and position). ``supplementalData`` has no fixed shape, so it
stays JSON text.
"""

from __future__ import annotations

from ._engine import Table, child, table

STATUSES = {
    "INVOICE": ("Unknown", "Draft", "Submitted", "PartiallyPaid", "Paid", "Void"),
    "BILL": ("Unknown", "Open", "PartiallyPaid", "Paid", "Void", "Draft"),
    "CREDIT_NOTE": ("Unknown", "Draft", "Submitted", "Paid", "Void", "PartiallyPaid"),
    "CONTACT": ("Unknown", "Active", "Archived"),
    "ACCOUNT": ("Unknown", "Active", "Archived", "Pending"),
    "ACCOUNT_TYPE": ("Unknown", "Asset", "Expense", "Income", "Liability", "Equity"),
    "BANK_ACCOUNT_TYPE": ("Unknown", "Credit", "Debit"),
    "BANK_TRANSACTION": ("Unknown", "Credit", "Debit", "Int", "Div", "Fee", "SerChg", "Dep", "Atm", "Pos", "Xfer",
                         "Check", "Payment", "Cash", "DirectDep", "DirectDebit", "RepeatPmt", "Other"),
    "ADDRESS": ("Unknown", "Billing", "Delivery"),
    "ITEM_TYPE": ("Unknown", "Inventory", "NonInventory", "Service"),
    "TAX_RATE": ("Unknown", "Active", "Archived"),
}  # fmt: skip

_TAIL = """
metadata.isDeleted as is_deleted bool
modifiedDate utc
sourceModifiedDate utc
supplementalData json
"""

_ADDRESS = """
type cat ADDRESS
line1 str
line2 str
city str
region str
country str
postalCode str
"""


def _addresses() -> Table:
    return table("addresses", _ADDRESS, categories=STATUSES)


def _tracking() -> Table:
    return table("tracking_categories", "id as tracking_category_id str\nname as tracking_category_name str")


def _line_items(for_bills: bool) -> Table:
    spec = """
    lineNumber str
    description str
    unitAmount float
    quantity float
    unitOfMeasurement str
    discountAmount float
    discountPercentage float
    subTotal float
    taxAmount float
    totalAmount float
    accountRef.id as account_id str
    accountRef.name as account_name str
    taxRateRef.id as tax_rate_id str
    taxRateRef.name as tax_rate_name str
    taxRateRef.effectiveTaxRate as effective_tax_rate float
    itemRef.id as item_id str
    itemRef.name as item_name str
    """
    spec += "tracking json\n" + ("isDirectCost bool\npurchaseOrderLineRef json" if for_bills else "isDirectIncome bool")
    return table("line_items", spec, children=[child("trackingCategoryRefs", "tracking_index", _tracking())])


def _payment_allocations() -> Table:
    return table("payment_allocations", """
    payment.id as payment_id str
    payment.note as payment_note str
    payment.reference as payment_reference str
    payment.accountRef.id as payment_account_id str
    payment.accountRef.name as payment_account_name str
    payment.currency as payment_currency str
    payment.currencyRate as payment_currency_rate float
    payment.paidOnDate as paid_on_date local
    payment.totalAmount as payment_total_amount float
    allocation.currency as allocation_currency str
    allocation.currencyRate as allocation_currency_rate float
    allocation.allocatedOnDate as allocated_on_date local
    allocation.totalAmount as allocated_amount float
    """)  # fmt: skip


def _withholding() -> Table:
    return table("withholding_tax", "name str\namount float")


def _sales_document(name: str, key: str, number: str, status: str, extra: str = "") -> Table:
    return table(name, f"""
    id str
    {number} str
    customerRef.id as customer_id str
    customerRef.companyName as customer_name str
    issueDate local
    {extra}
    currency str
    currencyRate float
    subTotal float
    totalDiscount float
    discountPercentage float
    additionalTaxAmount float
    additionalTaxPercentage float
    totalTaxAmount float
    totalAmount float
    status cat {status}
    note str
    salesOrderRefs json
    """ + _TAIL, categories=STATUSES, key=key, children=[
        child("lineItems", "line_index", _line_items(for_bills=False)),
        child("paymentAllocations", "allocation_index", _payment_allocations()),
        child("withholdingTax", "withholding_index", _withholding()),
    ])  # fmt: skip


INVOICES = _sales_document("invoices", "invoice_id", "invoiceNumber", "INVOICE", """
    dueDate local
    paidOnDate local
    amountDue float
""")
CREDIT_NOTES = _sales_document("credit_notes", "credit_note_id", "creditNoteNumber", "CREDIT_NOTE", """
    allocatedOnDate local
    remainingCredit float
""")

BILLS = table("bills", """
id str
reference str
supplierRef.id as supplier_id str
supplierRef.supplierName as supplier_name str
issueDate local
dueDate local
currency str
currencyRate float
subTotal float
taxAmount float
totalAmount float
amountDue float
status cat BILL
note str
purchaseOrderRefs json
""" + _TAIL, categories=STATUSES, key="bill_id", children=[
    child("lineItems", "line_index", _line_items(for_bills=True)),
    child("paymentAllocations", "allocation_index", _payment_allocations()),
    child("withholdingTax", "withholding_index", _withholding()),
])  # fmt: skip


def _contact_party(name: str, key: str, party: str) -> Table:
    contacts = table("contacts", """
    name str
    email str
    status cat CONTACT
    address.type as address_type cat ADDRESS
    address.line1 as address_line1 str
    address.line2 as address_line2 str
    address.city as address_city str
    address.region as address_region str
    address.country as address_country str
    address.postalCode as address_postal_code str
    modifiedDate utc
    """, categories=STATUSES, children=[child("phone", "phone_index", table("phones", "number str\ntype str"))])  # fmt: skip
    kids = [child("addresses", "address_index", _addresses())]
    if party == "customer":
        kids.append(child("contacts", "contact_index", contacts))
    return table(name, f"""
    id str
    {party}Name str
    contactName str
    emailAddress str
    phone str
    defaultCurrency str
    registrationNumber str
    taxNumber str
    status cat CONTACT
    """ + _TAIL, categories=STATUSES, key=key, children=kids)  # fmt: skip


CUSTOMERS = _contact_party("customers", "customer_id", "customer")
SUPPLIERS = _contact_party("suppliers", "supplier_id", "supplier")


def _payment(name: str, key: str, party: str, party_name: str) -> Table:
    links = table("links", "type str\nid as link_id str\namount float\ncurrencyRate float")
    lines = table("lines", "amount float\nallocatedOnDate local", children=[child("links", "link_index", links)])
    return table(name, f"""
    id str
    {party}Ref.id as {party}_id str
    {party}Ref.{party_name} as {party}_name str
    accountRef.id as account_id str
    accountRef.name as account_name str
    paymentMethodRef.id as payment_method_id str
    paymentMethodRef.name as payment_method_name str
    date local
    totalAmount float
    currency str
    currencyRate float
    reference str
    note str
    """ + _TAIL, key=key, children=[child("lines", "line_index", lines)])  # fmt: skip


PAYMENTS = _payment("payments", "payment_id", "customer", "companyName")
BILL_PAYMENTS = _payment("bill_payments", "bill_payment_id", "supplier", "supplierName")

_ITEM_SIDE = """
{side}.description as {prefix}_description str
{side}.unitPrice as {prefix}_unit_price float
{side}.accountRef.id as {prefix}_account_id str
{side}.accountRef.name as {prefix}_account_name str
{side}.taxRateRef.id as {prefix}_tax_rate_id str
{side}.taxRateRef.name as {prefix}_tax_rate_name str
{side}.taxRateRef.effectiveTaxRate as {prefix}_effective_tax_rate float
"""
ITEMS = table("items", """
id str
name str
code str
itemStatus as status cat CONTACT
type cat ITEM_TYPE
isBillItem bool
isInvoiceItem bool
""" + _ITEM_SIDE.format(side="invoiceItem", prefix="invoice") + _ITEM_SIDE.format(side="billItem", prefix="bill") + _TAIL,
    categories=STATUSES)  # fmt: skip

TAX_RATES = table("tax_rates", """
id str
name str
code str
effectiveTaxRate float
totalTaxRate float
status cat TAX_RATE
""" + _TAIL, categories=STATUSES, key="tax_rate_id", children=[
    child("components", "component_index", table("components", "name str\nrate float\nisCompound bool")),
])  # fmt: skip

TRACKING_CATEGORIES = table("tracking_categories", """
id str
name str
parentId str
hasChildren bool
status cat CONTACT
""" + _TAIL, categories=STATUSES)  # fmt: skip

JOURNAL_ENTRIES = table("journal_entries", """
id str
description str
postedOn local
createdOn local
updatedOn local
journalRef.id as journal_id str
journalRef.name as journal_name str
recordRef.id as record_id str
recordRef.dataType as record_data_type str
""" + _TAIL, key="journal_entry_id", children=[child("journalLines", "line_index", table("journal_lines", """
    description str
    netAmount float
    currency str
    accountRef.id as account_id str
    accountRef.name as account_name str
    contactRef.id as contact_id str
    contactRef.dataType as contact_data_type str
    tracking json
"""))])  # fmt: skip

CHART_OF_ACCOUNTS = table("chart_of_accounts", """
id str
nominalCode str
name str
description str
fullyQualifiedCategory str
fullyQualifiedName str
currency str
currentBalance float
type cat ACCOUNT_TYPE
status cat ACCOUNT
isBankAccount bool
validDatatypeLinks json
""" + _TAIL, categories=STATUSES)  # fmt: skip

BANK_ACCOUNTS = table("bank_accounts", """
id str
accountName str
accountType cat BANK_ACCOUNT_TYPE
nominalCode str
sortCode str
accountNumber str
iBan as iban str
currency str
balance float
availableBalance float
overdraftLimit float
institution str
status cat ACCOUNT
""" + _TAIL, categories=STATUSES)  # fmt: skip

BANK_TRANSACTIONS = table("bank_transactions", """
id str
accountId str
clearedOnDate local
description str
reconciled bool
amount float
balance float
transactionType cat BANK_TRANSACTION
""" + _TAIL, categories=STATUSES)  # fmt: skip

COMPANY = table("company", """
companyName str
companyLegalName str
accountingPlatformRef str
baseCurrency str
registrationNumber str
taxNumber str
financialYearStartDate local
ledgerLockDate local
createdDate local
sourceUrls json
supplementalData json
""", key="company_name", key_path="companyName", children=[
    child("addresses", "address_index", _addresses()),
    child("phoneNumbers", "phone_index", table("phone_numbers", "number str\ntype str")),
    child("webLinks", "link_index", table("web_links", "type str\nurl str")),
])  # fmt: skip

#: Codat's data type name -> its table.
TABLES: dict[str, Table] = {
    "invoices": INVOICES, "creditNotes": CREDIT_NOTES, "bills": BILLS, "customers": CUSTOMERS,
    "suppliers": SUPPLIERS, "payments": PAYMENTS, "billPayments": BILL_PAYMENTS, "items": ITEMS,
    "taxRates": TAX_RATES, "trackingCategories": TRACKING_CATEGORIES, "journalEntries": JOURNAL_ENTRIES,
    "chartOfAccounts": CHART_OF_ACCOUNTS, "bankAccounts": BANK_ACCOUNTS, "bankTransactions": BANK_TRANSACTIONS,
    "company": COMPANY,
}  # fmt: skip
