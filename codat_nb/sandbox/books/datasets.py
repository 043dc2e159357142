"""The sample companies a customer can pick when linking the Sandbox, and how their books are sized."""

from __future__ import annotations

from dataclasses import dataclass

#: Invoices in the 24 months before the link; the largest size the emulator accepts.
MAX_INVOICES = 1_000_000


@dataclass(frozen=True)
class TaxRate:
    code: str
    name: str
    percent: float


@dataclass(frozen=True)
class Market:
    """Where a share of the customers are, and how their currency converts to the base."""

    country: str
    currency: str
    share: float
    rate: float  # base = amount x rate
    tax: str  # the TaxRate code their invoices use


@dataclass(frozen=True)
class SampleCompany:
    key: str
    label: str  # what the Link page's dropdown shows
    legal_name: str
    business: str  # a key of names.CATALOGUES
    country: str
    currency: str
    invoices: int  # in the 24 months before the link
    customers: int
    suppliers: int
    payment_terms: tuple[int, ...]  # days; 0 means paid at the till
    lines: tuple[int, int]  # line items per invoice, inclusive
    tax_rates: tuple[TaxRate, ...]
    markets: tuple[Market, ...]
    financial_year_start_month: int
    cost_of_sales: float  # stock bills as a share of revenue (0 for a services firm)
    wages: float  # monthly payroll as a share of monthly revenue

    def customers_for(self, invoices: int) -> int:
        """More invoices means more customers, growing a little slower than the invoices."""
        scaled = round(self.customers * (invoices / self.invoices) ** 0.8)
        return max(3, min(scaled, invoices))


SAMPLE_COMPANIES: tuple[SampleCompany, ...] = (
    SampleCompany(
        key="small-uk",
        label="Small UK Company",
        legal_name="Bramble & Finch Creative Ltd",
        business="services",
        country="GB",
        currency="GBP",
        invoices=360,
        customers=45,
        suppliers=10,
        payment_terms=(14, 30, 30, 30),
        lines=(1, 4),
        tax_rates=(TaxRate("SR", "Standard Rate (20%)", 20.0), TaxRate("ZR", "Zero Rated (0%)", 0.0)),
        markets=(Market("GB", "GBP", 1.0, 1.0, "SR"),),
        financial_year_start_month=4,
        cost_of_sales=0.0,
        wages=0.38,
    ),
    SampleCompany(
        key="us-retailer",
        label="US Retailer",
        legal_name="Copperleaf Outfitters Inc",
        business="retail",
        country="US",
        currency="USD",
        invoices=24_000,
        customers=3_000,
        suppliers=12,
        payment_terms=(0, 0, 0, 0, 0, 0, 0, 30),
        lines=(1, 5),
        tax_rates=(TaxRate("TX", "Sales Tax (8.25%)", 8.25), TaxRate("EX", "Tax Exempt (0%)", 0.0)),
        markets=(Market("US", "USD", 1.0, 1.0, "TX"),),
        financial_year_start_month=1,
        cost_of_sales=0.55,
        wages=0.18,
    ),
    SampleCompany(
        key="multi-currency-wholesaler",
        label="Multi-currency Wholesaler",
        legal_name="Northwind Fine Foods Trading Ltd",
        business="wholesale",
        country="GB",
        currency="GBP",
        invoices=2_400,
        customers=120,
        suppliers=14,
        payment_terms=(30, 30, 45, 60),
        lines=(1, 6),
        tax_rates=(
            TaxRate("SR", "Standard Rate (20%)", 20.0),
            TaxRate("ZR", "Zero Rated (0%)", 0.0),
            TaxRate("ZREC", "Zero Rated EC Goods (0%)", 0.0),
            TaxRate("EXP", "Zero Rated Exports (0%)", 0.0),
        ),
        markets=(
            Market("GB", "GBP", 0.40, 1.0, "SR"),
            Market("DE", "EUR", 0.18, 0.8547, "ZREC"),
            Market("FR", "EUR", 0.10, 0.8547, "ZREC"),
            Market("NL", "EUR", 0.08, 0.8547, "ZREC"),
            Market("IE", "EUR", 0.06, 0.8547, "ZREC"),
            Market("US", "USD", 0.12, 0.7874, "EXP"),
            Market("CH", "CHF", 0.06, 0.8929, "EXP"),
        ),
        financial_year_start_month=1,
        cost_of_sales=0.68,
        wages=0.12,
    ),
)
SAMPLE_COMPANIES_BY_KEY: dict[str, SampleCompany] = {company.key: company for company in SAMPLE_COMPANIES}
DEFAULT_SAMPLE = "small-uk"


def sample_company(key: str) -> SampleCompany:
    """The sample company for ``key``, or a ValueError that lists the choices."""
    try:
        return SAMPLE_COMPANIES_BY_KEY[key]
    except KeyError:
        choices = ", ".join(SAMPLE_COMPANIES_BY_KEY)
        raise ValueError(f"No sample company '{key}'; choose one of {choices}.") from None
