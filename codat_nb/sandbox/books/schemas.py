"""The queryable properties of each accounting data type (Codat's query cannot reach into arrays)."""

from __future__ import annotations

from ..query import Schema

S, N, D, B = "string", "number", "datetime", "boolean"
_COMMON = {"id": S, "modifiedDate": D, "sourceModifiedDate": D, "metadata.isDeleted": B}
_DOCUMENT = {"currency": S, "currencyRate": N, "note": S}
_PARTY = {"contactName": S, "emailAddress": S, "phone": S, "registrationNumber": S, "taxNumber": S, "status": S}

SCHEMAS: dict[str, Schema] = {
    "invoices": Schema("Invoice", {
        **_COMMON, **_DOCUMENT, "invoiceNumber": S, "customerRef.id": S, "customerRef.companyName": S,
        "issueDate": D, "dueDate": D, "paidOnDate": D, "totalDiscount": N, "subTotal": N,
        "additionalTaxAmount": N, "additionalTaxPercentage": N, "totalTaxAmount": N, "totalAmount": N,
        "amountDue": N, "discountPercentage": N, "status": S,
    }),
    "creditNotes": Schema("CreditNote", {
        **_COMMON, **_DOCUMENT, "creditNoteNumber": S, "customerRef.id": S, "customerRef.companyName": S,
        "issueDate": D, "allocatedOnDate": D, "totalAmount": N, "totalDiscount": N, "subTotal": N,
        "totalTaxAmount": N, "remainingCredit": N, "status": S,
    }),
    "payments": Schema("Payment", {
        **_COMMON, **_DOCUMENT, "customerRef.id": S, "customerRef.companyName": S, "accountRef.id": S,
        "accountRef.name": S, "paymentMethodRef.id": S, "paymentMethodRef.name": S, "totalAmount": N,
        "date": D, "reference": S,
    }),
    "bills": Schema("Bill", {
        **_COMMON, **_DOCUMENT, "reference": S, "supplierRef.id": S, "supplierRef.supplierName": S,
        "issueDate": D, "dueDate": D, "status": S, "subTotal": N, "taxAmount": N, "totalAmount": N, "amountDue": N,
    }),
    "billPayments": Schema("BillPayment", {
        **_COMMON, **_DOCUMENT, "supplierRef.id": S, "supplierRef.supplierName": S, "accountRef.id": S,
        "accountRef.name": S, "paymentMethodRef.id": S, "paymentMethodRef.name": S, "totalAmount": N,
        "date": D, "reference": S,
    }),
    "customers": Schema("Customer", {**_COMMON, **_PARTY, "customerName": S, "defaultCurrency": S}),
    "suppliers": Schema("Supplier", {**_COMMON, **_PARTY, "supplierName": S, "defaultCurrency": S}),
    "items": Schema("Item", {
        **_COMMON, "name": S, "code": S, "itemStatus": S, "type": S, "isBillItem": B, "isInvoiceItem": B,
    }),
    "taxRates": Schema("TaxRate", {
        **_COMMON, "name": S, "code": S, "effectiveTaxRate": N, "totalTaxRate": N, "status": S,
    }),
    "trackingCategories": Schema("TrackingCategory", {
        **_COMMON, "name": S, "status": S, "parentId": S, "hasChildren": B,
    }),
    "chartOfAccounts": Schema("Account", {
        **_COMMON, "nominalCode": S, "name": S, "description": S, "fullyQualifiedCategory": S,
        "fullyQualifiedName": S, "currency": S, "currentBalance": N, "type": S, "status": S, "isBankAccount": B,
    }),
    "journalEntries": Schema("JournalEntry", {
        **_COMMON, "description": S, "postedOn": D, "createdOn": D, "updatedOn": D, "journalRef.id": S,
        "journalRef.name": S, "recordRef.id": S, "recordRef.dataType": S,
    }),
    "bankAccounts": Schema("BankAccount", {
        **_COMMON, "accountName": S, "accountType": S, "nominalCode": S, "sortCode": S, "accountNumber": S,
        "iBan": S, "currency": S, "balance": N, "institution": S, "availableBalance": N, "overdraftLimit": N,
        "status": S,
    }),
    "bankTransactions": Schema("BankTransaction", {
        "id": S, "modifiedDate": D, "sourceModifiedDate": D, "accountId": S, "clearedOnDate": D,
        "description": S, "reconciled": B, "amount": N, "balance": N, "transactionType": S,
    }),
}  # fmt: skip
