"""Portfolios of companies: onboard many at once, read their books, sum them up in one frame, export them as one dataset.

A typical run (the notebook ``04_portfolio.ipynb`` does this)::

    specs = sample_specs(25, seed=0, name_prefix="Portfolio")      # or your own CompanySpec list
    onboarded = await onboard(client, specs, on_progress=chart.update)
    books = await read_portfolio(client, [o for o in onboarded if o.ok])
    summary = summary_frame(books)                                   # one row per company
    await export_portfolio(books, out_dir)                           # OUT/<table>/company_id=<id>/part-0.parquet
    freshness = freshness_frame(await fetch_statuses(client, [b.company for b in books]))
"""

from __future__ import annotations

from .books import METRIC_DATA_TYPES, Books, export_portfolio, fetch_statuses, read_books, read_portfolio
from .freshness import FRESHNESS, freshness_frame, freshness_level
from .metrics import METRICS, company_metrics, summary_frame, ttm_period
from .onboarding import STAGES, CompanyProgress, OnboardProgress, Onboarded, onboard
from .requests import NO_COMPANY, RequestCounter, daily_request_budget
from .specs import SAMPLE_SIZES, SAMPLES, CompanySpec, check_specs, sample_specs, segment_of, specs_frame

__all__ = [
    "Books",
    "CompanyProgress",
    "CompanySpec",
    "FRESHNESS",
    "METRICS",
    "METRIC_DATA_TYPES",
    "NO_COMPANY",
    "OnboardProgress",
    "Onboarded",
    "RequestCounter",
    "SAMPLES",
    "SAMPLE_SIZES",
    "STAGES",
    "check_specs",
    "company_metrics",
    "daily_request_budget",
    "export_portfolio",
    "fetch_statuses",
    "freshness_frame",
    "freshness_level",
    "onboard",
    "read_books",
    "read_portfolio",
    "sample_specs",
    "segment_of",
    "specs_frame",
    "summary_frame",
    "ttm_period",
]
