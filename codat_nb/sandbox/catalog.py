"""Static facts the emulator serves: Codat's data types, the integrations, default sync settings."""

from __future__ import annotations

from dataclasses import dataclass

from .ids import static_uuid

ACCOUNTING_TYPES: tuple[str, ...] = (
    "accountTransactions", "balanceSheet", "bankAccounts", "bankTransactions", "billCreditNotes",
    "billPayments", "bills", "cashFlowStatement", "chartOfAccounts", "company", "creditNotes",
    "customers", "directCosts", "directIncomes", "invoices", "itemReceipts", "items",
    "journalEntries", "journals", "paymentMethods", "payments", "profitAndLoss", "purchaseOrders",
    "salesOrders", "suppliers", "taxRates", "trackingCategories", "transfers",
)  # fmt: skip
BANKING_TYPES: tuple[str, ...] = (
    "banking-accountBalances", "banking-accounts", "banking-transactionCategories", "banking-transactions",
)  # fmt: skip
COMMERCE_TYPES: tuple[str, ...] = (
    "commerce-companyInfo", "commerce-customers", "commerce-disputes", "commerce-locations",
    "commerce-orders", "commerce-paymentMethods", "commerce-payments", "commerce-productCategories",
    "commerce-products", "commerce-taxComponents", "commerce-transactions",
)  # fmt: skip

#: Every data type in Codat's DataType enum, in the spec's order.
DATA_TYPES: tuple[str, ...] = ACCOUNTING_TYPES + BANKING_TYPES + COMMERCE_TYPES

#: The accounting types the offline Sandbox generates books for. Codat's own Sandbox
#: claims every type; ours says NotSupported for the rest rather than serve nothing.
SANDBOX_ACCOUNTING_TYPES: frozenset[str] = frozenset({
    "company", "chartOfAccounts", "customers", "suppliers", "invoices", "bills", "payments",
    "billPayments", "creditNotes", "items", "taxRates", "trackingCategories", "bankAccounts",
    "bankTransactions", "journalEntries", "balanceSheet", "profitAndLoss",
})  # fmt: skip

#: Types whose sync covers ``monthsToSync`` months rather than all history.
REPORT_TYPES: frozenset[str] = frozenset({"balanceSheet", "profitAndLoss", "cashFlowStatement"})


def source_type_of(data_type: str) -> str:
    """Which kind of connection can supply a data type."""
    if data_type.startswith("banking-"):
        return "Banking"
    if data_type.startswith("commerce-"):
        return "Commerce"
    return "Accounting"


@dataclass(frozen=True)
class Integration:
    key: str
    name: str
    source_type: str
    linkable: bool = False  # only the Sandbox integrations work offline
    data_types: frozenset[str] = frozenset()
    is_offline_connector: bool = False
    provided_by: str = ""

    @property
    def integration_id(self) -> str:
        return static_uuid(f"integration:{self.key}")

    @property
    def source_id(self) -> str:
        return static_uuid(f"source:{self.key}")

    def supports(self, data_type: str) -> bool:
        return data_type in self.data_types


INTEGRATIONS: tuple[Integration, ...] = (
    Integration("mqjo", "Sandbox", "Accounting", True, SANDBOX_ACCOUNTING_TYPES, provided_by="Codat"),
    Integration("aiwb", "Commerce Sandbox", "Commerce", True, frozenset(COMMERCE_TYPES), provided_by="Codat"),
    Integration("qhnd", "Banking Sandbox", "Banking", True, frozenset(BANKING_TYPES), provided_by="Codat"),
    Integration("gbol", "Xero", "Accounting", provided_by="Xero"),
    Integration("qhyg", "QuickBooks Online", "Accounting", provided_by="Intuit"),
    Integration("ndsk", "QuickBooks Online Sandbox", "Accounting", provided_by="Intuit"),
    Integration("tgff", "Sage Accounting", "Accounting", provided_by="Sage"),
    Integration("akxx", "Oracle NetSuite", "Accounting", provided_by="Oracle"),
    Integration("fbrh", "FreeAgent", "Accounting", provided_by="FreeAgent"),
    Integration("suuo", "Plaid", "Banking", provided_by="Plaid"),
    Integration("fztf", "Shopify", "Commerce", provided_by="Shopify"),
    Integration("exgd", "Stripe", "Commerce", provided_by="Stripe"),
)
INTEGRATIONS_BY_KEY: dict[str, Integration] = {integration.key: integration for integration in INTEGRATIONS}
LINKABLE_KEYS: tuple[str, ...] = tuple(i.key for i in INTEGRATIONS if i.linkable)


def default_sync_setting(data_type: str) -> dict[str, object]:
    """Codat's SyncSetting for a type before anyone changes it.

    Fetch on first link is on for every type some Sandbox integration supplies, so
    linking any Sandbox shows a full first sync; the rest are off.
    """
    supplied = any(integration.supports(data_type) for integration in INTEGRATIONS if integration.linkable)
    setting: dict[str, object] = {
        "dataType": data_type,
        "fetchOnFirstLink": supplied,
        "syncSchedule": 24,
        "syncOrder": 0,
        "isLocked": False,
    }
    if data_type in REPORT_TYPES:
        setting["monthsToSync"] = 24
    return setting


def default_sync_settings() -> list[dict[str, object]]:
    return [default_sync_setting(data_type) for data_type in DATA_TYPES]
