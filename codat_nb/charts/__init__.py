"""DataFrame -> plotly Figure: sync progress, pull timelines and the books; pure, never calls display()."""

from __future__ import annotations

from ._common import GROUP_COLORS, STATUS_COLORS, status_group
from .portfolio import (
    FRESHNESS_COLORS,
    ONBOARD_GROUPS,
    OnboardProgressChart,
    freshness_heatmap_figure,
    onboard_progress_figure,
    portfolio_metric_figure,
    revenue_vs_overdue_figure,
)
from .reports import balance_sheet_composition_figure, profit_and_loss_waterfall_figure
from .sales import AGING_BUCKETS, monthly_invoiced_vs_billed_figure, receivables_aging_figure, top_customers_figure
from .syncs import SyncProgressChart, pull_timeline_figure, sync_progress_figure, sync_progress_frame

__all__ = [
    "AGING_BUCKETS",
    "FRESHNESS_COLORS",
    "GROUP_COLORS",
    "ONBOARD_GROUPS",
    "OnboardProgressChart",
    "STATUS_COLORS",
    "SyncProgressChart",
    "balance_sheet_composition_figure",
    "freshness_heatmap_figure",
    "monthly_invoiced_vs_billed_figure",
    "onboard_progress_figure",
    "portfolio_metric_figure",
    "profit_and_loss_waterfall_figure",
    "pull_timeline_figure",
    "receivables_aging_figure",
    "revenue_vs_overdue_figure",
    "status_group",
    "sync_progress_figure",
    "sync_progress_frame",
    "top_customers_figure",
]
