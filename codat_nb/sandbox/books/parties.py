"""Customers, suppliers, items, tax rates and tracking categories: the small, slow-changing lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

import random

from . import names
from .datasets import SampleCompany


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    region: str
    country: str
    postal_code: str

    def to_json(self, kind: str = "Billing") -> dict[str, object]:
        return {
            "type": kind, "line1": self.line1, "line2": None, "city": self.city,
            "region": self.region, "country": self.country, "postalCode": self.postal_code,
        }  # fmt: skip


@dataclass(frozen=True)
class Party:
    """A customer or a supplier."""

    name: str
    contact: str
    email: str
    phone: str
    address: Address
    currency: str
    market: int  # index into SampleCompany.markets (customers) or -1
    tax_code: str
    registration: str | None
    tax_number: str | None
    archived: bool
    account: str = "sales"  # suppliers: the expense account their bills go to
    typical_cents: int = 0  # suppliers: the usual bill before tax


@dataclass(frozen=True)
class Item:
    name: str
    code: str
    price_cents: int  # in the base currency
    is_service: bool
    sells: bool
    buys: bool


def _fill(pattern: str, rng: random.Random) -> str:
    """``#`` becomes a digit and ``A`` a capital letter; a run of digits is one draw."""
    out = []
    for run in _RUNS.finditer(pattern):
        text = run.group(0)
        if text[0] == "#":
            out.append(f"{rng.randrange(10 ** len(text)):0{len(text)}d}")
        elif text[0] == "A":
            out.append("".join(chr(65 + rng.randrange(26)) for _ in text))
        else:
            out.append(text)
    return "".join(out)


_RUNS = re.compile(r"#+|A+|[^#A]+")


def _address(country: str, rng: random.Random) -> Address:
    city, region, postal = names.PLACES[country][rng.randrange(0, len(names.PLACES[country]))]
    street = names.STREETS[rng.randrange(0, len(names.STREETS))]
    return Address(f"{rng.randrange(1, 240)} {street}", city, region, country, _fill(postal, rng))


def _phone(country: str, rng: random.Random) -> str:
    formats = {"GB": "+44 20 #### ####", "US": "+1 (###) ###-####", "DE": "+49 30 ########",
               "FR": "+33 1 ## ## ## ##", "NL": "+31 20 ### ####", "CH": "+41 44 ### ## ##", "IE": "+353 1 ### ####"}  # fmt: skip
    return _fill(formats.get(country, "+44 20 #### ####"), rng)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:24] or "company"


def _person(rng: random.Random) -> tuple[str, str]:
    first = names.FIRST_NAMES[rng.randrange(0, len(names.FIRST_NAMES))]
    last = names.LAST_NAMES[rng.randrange(0, len(names.LAST_NAMES))]
    return first, last


def _company_name(country: str, rng: random.Random, trade: str = "") -> str:
    word = names.COMPANY_WORDS[rng.randrange(0, len(names.COMPANY_WORDS))]
    suffixes = names.COMPANY_SUFFIXES.get(country, ("Ltd",))
    suffix = suffixes[rng.randrange(0, len(suffixes))]
    if trade:
        return f"{word} {trade} {suffix}"
    last = names.LAST_NAMES[rng.randrange(0, len(names.LAST_NAMES))]
    return f"{word} {last} {suffix}" if rng.random() < 0.5 else f"{last} & {word} {suffix}"


def make_customers(company: SampleCompany, count: int, rng: random.Random) -> list[Party]:
    markets = rng.choices(range(len(company.markets)), weights=[m.share for m in company.markets], k=count)
    people = company.business == "retail"
    customers = []
    for index in range(count):
        market = company.markets[markets[index]]
        first, last = _person(rng)
        if people and rng.random() < 0.92:
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.lower()}{index % 97}@example.com"
            registration = tax_number = None
        else:
            name = _company_name(market.country, rng)
            email = f"accounts@{_slug(name)}.example"
            registration = _fill("########", rng)
            tax_number = (market.country + _fill("#########", rng)) if market.country != "US" else _fill("##-#######", rng)
        customers.append(
            Party(
                name=name,
                contact=f"{first} {last}",
                email=email,
                phone=_phone(market.country, rng),
                address=_address(market.country, rng),
                currency=market.currency,
                market=markets[index],
                tax_code=market.tax,
                registration=registration,
                tax_number=tax_number,
                archived=bool(rng.random() < 0.04),
            )
        )
    return customers


def make_suppliers(company: SampleCompany, rng: random.Random, revenue_month_cents: int) -> list[Party]:
    """Overhead suppliers billing monthly, a landlord, and stock suppliers for trading businesses."""
    trades = list(names.PURCHASES)
    order = rng.sample(range(len(trades)), len(trades))
    overheads = [trades[i] for i in order[: max(3, company.suppliers - 3)]]
    scale = max(0.2, revenue_month_cents / 4_000_000)  # bills grow with the business, gently
    suppliers = []
    for trade, account, typical in overheads:
        suppliers.append(_supplier(company, rng, trade, account, int(typical * scale**0.6)))
    suppliers.append(_supplier(company, rng, "Property Lettings", "rent", int(revenue_month_cents * 0.06)))
    if company.cost_of_sales:
        for _ in range(3):
            suppliers.append(_supplier(company, rng, "Trade Supplies", "costOfSales", 0))
    return suppliers


def _supplier(company: SampleCompany, rng: random.Random, trade: str, account: str, typical: int) -> Party:
    first, last = _person(rng)
    name = _company_name(company.country, rng, trade)
    return Party(
        name=name,
        contact=f"{first} {last}",
        email=f"billing@{_slug(name)}.example",
        phone=_phone(company.country, rng),
        address=_address(company.country, rng),
        currency=company.currency,
        market=-1,
        tax_code=company.tax_rates[0].code,
        registration=_fill("########", rng),
        tax_number=(company.country + _fill("#########", rng)) if company.country != "US" else _fill("##-#######", rng),
        archived=False,
        account=account,
        typical_cents=max(typical, 1500),
    )


def make_items(company: SampleCompany) -> list[Item]:
    items = []
    for index, (name, price, is_service) in enumerate(names.CATALOGUES[company.business]):
        code = f"{company.business[:3].upper()}-{index + 1:03d}"
        items.append(Item(name, code, price, is_service, sells=True, buys=not is_service))
    return items
