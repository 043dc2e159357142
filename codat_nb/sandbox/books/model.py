"""A sample company's whole books, generated from a seed: parties, documents and the ledger."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import numpy as np

from . import chart
from .datasets import SampleCompany, sample_company
from .keys import IdScheme
from .ledger import Ledger, build_ledger, opening_capital, running_journals, tax_settlements
from .names import TRACKING_CATEGORIES
from .parties import Item, Party, make_customers, make_items, make_suppliers
from .purchases import Purchases, draw_purchases
from .sales import Sales, draw_sales, issue_days

HISTORY_DAYS = 730
#: Books run on past the link so later syncs find new invoices, payments and bills.
HORIZON_DAYS = 90


@dataclass(frozen=True)
class BooksSpec:
    """What fixes a company's books: the emulator seed, the sample company, its size and link date."""

    seed: int
    sample: str
    invoices: int
    as_of: int  # day of the link

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr((self.seed, self.sample, self.invoices, self.as_of)).encode()).hexdigest()

    @property
    def start(self) -> int:
        return self.as_of - HISTORY_DAYS + 1

    @property
    def end(self) -> int:
        return self.as_of + HORIZON_DAYS


@dataclass
class Books:
    spec: BooksSpec
    company: SampleCompany
    accounts: tuple[chart.AccountDef, ...]
    account_index: dict[str, int]
    customers: list[Party]
    suppliers: list[Party]
    items: list[Item]
    tracking: tuple[str, tuple[str, ...]]
    sales: Sales
    purchases: Purchases
    ledger: Ledger
    rates: dict[str, np.ndarray]

    def ids(self, kind: str) -> IdScheme:
        scheme = self._schemes.get(kind)
        if scheme is None:
            scheme = self._schemes[kind] = IdScheme(self.spec.digest, kind)
        return scheme

    def __post_init__(self) -> None:
        self._schemes: dict[str, IdScheme] = {}


def generate(spec: BooksSpec) -> Books:
    """The books for ``spec``; the same spec always gives the same books."""
    company = sample_company(spec.sample)
    numbers = np.random.default_rng(int(spec.digest[:32], 16))
    words = random.Random(spec.digest)
    accounts = chart.chart(company.country)
    index = {account.key: i for i, account in enumerate(accounts)}
    days = issue_days(company, numbers, spec.start, spec.as_of, spec.end, spec.invoices)
    customers = make_customers(company, company.customers_for(spec.invoices), words)
    items = make_items(company)
    rates = _exchange_rates(company, numbers, spec.end - spec.start + 1)
    tracking = TRACKING_CATEGORIES[company.business]
    sales = draw_sales(company, numbers, days, customers, items, rates, spec.start, spec.end, len(tracking[1]))
    revenue = _monthly_revenue(sales)
    average = int(sum(revenue.values()) / max(len(revenue), 1))
    suppliers = make_suppliers(company, words, average)
    purchases = draw_purchases(company, numbers, suppliers, items, index, revenue, spec.start, spec.end)
    manual = running_journals(index, spec.start, spec.end, average, company.wages, numbers)
    draft = build_ledger(sales, purchases, index, manual)
    manual = manual + tax_settlements(draft, index, spec.start, spec.end)
    draft = build_ledger(sales, purchases, index, manual)
    capital = opening_capital(draft, index, spec.start, floor=max(2_000_000, average))
    ledger = build_ledger(sales, purchases, index, [capital, *manual])
    return Books(spec, company, accounts, index, customers, suppliers, items, tracking, sales, purchases, ledger, rates)


def _exchange_rates(company: SampleCompany, rng: np.random.Generator, days: int) -> dict[str, np.ndarray]:
    """A gentle random walk per foreign currency around its usual rate to the base currency."""
    rates = {}
    for market in company.markets:
        if market.currency == company.currency or market.currency in rates:
            continue
        walk = np.cumsum(rng.normal(0.0, 0.003, days))
        rates[market.currency] = np.round(market.rate * np.exp(walk - walk.mean()), 6)
    return rates


def _monthly_revenue(sales: Sales) -> dict[int, int]:
    """Base-currency sales before tax per month (first day of the month -> cents)."""
    live = ~sales.void
    month_of = sales.day[live].astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    net = (sales.total_base - sales.tax_base)[live]
    unique, inverse = np.unique(month_of, return_inverse=True)
    totals = np.bincount(inverse, weights=net)
    return {int(m): int(t) for m, t in zip(unique, totals)}
