"""What a portfolio is made of: one CompanySpec per company, checked, and a seeded sample portfolio."""

from __future__ import annotations

import difflib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ..errors import ValidationError
from ..sandbox.books.datasets import MAX_INVOICES, SAMPLE_COMPANIES_BY_KEY
from ..validation import check_tags, company_name_parts

#: The Sandbox's sample companies (``dataset=`` of ``Sandbox.authorize``), in the order a sample portfolio cycles them.
SAMPLES: tuple[str, ...] = tuple(SAMPLE_COMPANIES_BY_KEY)

#: Invoices (24 months of books) a sample portfolio draws each kind's size from, low to high.
SAMPLE_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "small-uk": (120, 720), "multi-currency-wholesaler": (300, 2400), "us-retailer": (600, 3000),
})  # fmt: skip
_KIND_WORDS = {"small-uk": "Studio", "multi-currency-wholesaler": "Wholesale", "us-retailer": "Outfitters"}
_REGIONS = {"small-uk": "uk", "multi-currency-wholesaler": "uk", "us-retailer": "us"}
#: Segments by size of the books: fewer than 500 invoices is micro, fewer than 1500 small, else mid.
SEGMENTS: tuple[tuple[int, str], ...] = ((500, "micro"), (1500, "small"), (MAX_INVOICES + 1, "mid"))


@dataclass(frozen=True)
class CompanySpec:
    """One company of a portfolio: its name, the Sandbox sample it links to, the size of its books, its tags.

    ``dataset`` and ``invoices`` pick the sample company the embedded Sandbox shares when the
    company is linked (``Sandbox.authorize(..., dataset=, invoices=)``); on the real API the
    customer links their own platform and both are ignored. ``invoices=None`` keeps the sample's
    own size (about 360, 2,400 or 24,000 invoices in 24 months).

    Raises:
        ValidationError: an unknown dataset (the nearest is suggested), a size outside 1-1,000,000,
            a name Codat would leave empty, or tags Codat refuses.
    """

    name: str
    dataset: str = "small-uk"
    invoices: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not company_name_parts(self.name)[0]:
            raise ValidationError(
                f"CompanySpec name must be text with letters or digits (Codat keeps letters, digits, spaces and - ' , & @ . ? !); "
                f"got {self.name!r:.60}."
            )
        if self.dataset not in SAMPLE_COMPANIES_BY_KEY:
            guess = difflib.get_close_matches(str(self.dataset), SAMPLES, n=1, cutoff=0.4)
            hint = f" Did you mean {guess[0]!r}?" if guess else ""
            raise ValidationError(f"Unknown dataset {self.dataset!r:.60} for {self.name!r}: use one of {', '.join(SAMPLES)}.{hint}")
        if self.invoices is not None and (
            isinstance(self.invoices, bool) or not isinstance(self.invoices, int) or not 1 <= self.invoices <= MAX_INVOICES
        ):
            raise ValidationError(
                f"invoices for {self.name!r} must be a whole number from 1 to {MAX_INVOICES:,} (or None for the sample's own size); "
                f"got {self.invoices!r:.60}."
            )
        object.__setattr__(self, "tags", MappingProxyType(check_tags(self.tags)))
        if self.description is not None and not isinstance(self.description, str):
            raise ValidationError(f"description for {self.name!r} must be text or None; got {type(self.description).__name__}.")


def check_specs(specs: Iterable[CompanySpec]) -> tuple[CompanySpec, ...]:
    """The specs as a tuple, refused when empty, not CompanySpecs, or when two names are the same to Codat.

    Names are compared as Codat saves them (characters outside its rule stripped) and without
    regard to case, as Codat's queries compare them: a portfolio's names are its keys.
    """
    if isinstance(specs, (str, bytes, CompanySpec)) or not isinstance(specs, Iterable):
        raise ValidationError(f"specs must be a list of CompanySpec; got {type(specs).__name__}.")
    checked = tuple(specs)
    if not checked:
        raise ValidationError("specs is empty: pass at least one CompanySpec, e.g. sample_specs(25) for a sample portfolio.")
    seen: dict[str, int] = {}
    for position, spec in enumerate(checked):
        if not isinstance(spec, CompanySpec):
            raise ValidationError(f"specs[{position}] is a {type(spec).__name__}, not a CompanySpec(name, dataset, invoices, tags).")
        key = company_name_parts(spec.name)[0].casefold()
        if key in seen:
            raise ValidationError(
                f"The company name {spec.name!r} appears twice in specs (positions {seen[key]} and {position}): "
                f"give each company its own name, e.g. {spec.name + ' 2'!r}."
            )
        seen[key] = position
    return checked


def segment_of(invoices: int) -> str:
    """The ``segment`` tag of a sample company: micro, small or mid by the size of its books."""
    return next(name for limit, name in SEGMENTS if invoices < limit)


def sample_specs(size: int, *, seed: int = 0, name_prefix: str = "Portfolio") -> list[CompanySpec]:
    """A sample portfolio of ``size`` companies: the three Sandbox samples in turn, each of its own size.

    Company ``n`` (from 1) is named ``"{name_prefix} {kind} {n:02d}"`` (kind: Studio for small-uk,
    Wholesale for multi-currency-wholesaler, Outfitters for us-retailer), sized from
    :data:`SAMPLE_SIZES` by ``random.Random(seed)`` (whole tens, no two companies of a kind the same
    size), and tagged ``region`` (uk or us), ``segment`` (:func:`segment_of`) and ``portfolio``
    (the prefix, so ``tags.portfolio=...`` finds this portfolio among other companies).

    Raises:
        ValidationError: ``size`` below 1 or above 300, or a prefix Codat cannot keep in a name or tag.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 300:
        raise ValidationError(f"The portfolio size (PORTFOLIO_SIZE) must be a whole number from 1 to 300; got {size!r:.60}.")
    if not isinstance(name_prefix, str) or not company_name_parts(name_prefix)[0] or len(name_prefix) > 100:
        raise ValidationError(
            f"name_prefix (NAME_PREFIX) must be 1-100 characters with letters or digits, such as 'Portfolio'; got {name_prefix!r:.60}."
        )
    rng = random.Random(seed)
    used: dict[str, set[int]] = {kind: set() for kind in SAMPLES}
    specs = []
    for number in range(1, size + 1):
        kind = SAMPLES[(number - 1) % len(SAMPLES)]
        low, high = SAMPLE_SIZES[kind]
        invoices = _fresh_size(rng, low, high, used[kind])
        tags = {"region": _REGIONS[kind], "segment": segment_of(invoices), "portfolio": name_prefix.strip()}
        name = f"{name_prefix.strip()} {_KIND_WORDS[kind]} {number:02d}"
        specs.append(CompanySpec(name, kind, invoices, tags, description=f"Sample portfolio company: {kind}, {invoices:,} invoices"))
    return specs


def _fresh_size(rng: random.Random, low: int, high: int, used: set[int]) -> int:
    """A size in tens from low to high not used yet by this kind (two companies with the same sample
    and size would share the very same books); beyond the tens available, any size not used."""
    for _ in range(1000):
        size = rng.randrange(low // 10, high // 10 + 1) * 10
        if size not in used:
            used.add(size)
            return size
    size = next(n for n in range(low, MAX_INVOICES) if n not in used)  # pragma: no cover - over 200 of one kind
    used.add(size)
    return size


def specs_frame(specs: Iterable[CompanySpec]) -> pd.DataFrame:
    """The plan as a frame: one row per spec (name, dataset, invoices, then a column per tag name)."""
    rows = [{"name": s.name, "dataset": s.dataset, "invoices": s.invoices, **dict(s.tags)} for s in check_specs(specs)]
    frame = pd.DataFrame(rows)
    frame["invoices"] = frame["invoices"].astype("Int64")
    return frame
