"""How big each data type of a sample company's books will be, without generating them.

Pull durations grow with these counts, so a large company's invoices visibly sync slower.
"""

from __future__ import annotations

from .datasets import SampleCompany
from .names import CATALOGUES, TRACKING_CATEGORIES

_TOTAL = (730 + 90) / 730  # history plus the horizon later syncs reveal


def estimated_records(company: SampleCompany, invoices: int, data_type: str) -> int:
    total = invoices * _TOTAL
    bills = 27 * company.suppliers + (total / 40 if company.cost_of_sales else 0)
    estimates = {
        "invoices": total,
        "payments": 0.95 * total,
        "creditNotes": 0.02 * total,
        "customers": company.customers_for(invoices),
        "suppliers": company.suppliers + 4,
        "bills": bills,
        "billPayments": 0.95 * bills,
        "journalEntries": 2.0 * total + 2 * bills,
        "bankTransactions": total + bills,
        "chartOfAccounts": 26,
        "items": len(CATALOGUES[company.business]),
        "taxRates": len(company.tax_rates),
        "trackingCategories": 1 + len(TRACKING_CATEGORIES[company.business][1]),
        "bankAccounts": 2,
        "company": 1,
        "balanceSheet": 24,
        "profitAndLoss": 24,
    }
    return max(1, int(estimates.get(data_type, 10)))


def pull_seconds(records: int) -> float:
    """Simulated seconds to sync ``records``: ~10 s for hundreds, minutes for tens of thousands."""
    return 2.0 + records**0.8 / 15.0
