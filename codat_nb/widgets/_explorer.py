"""DataExplorer's logic, no widgets: pages and labels, previews, which charts fit a data type,
export folders and download links."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from .. import charts
from ..errors import ConflictError, NotFoundError, ValidationError
from ..export import ExportResult
from ..reads import READABLE
from . import _html
from ._feedback import SUCCESS_STYLE
from .company_picker import clamp_page, page_count

REPORT_TYPES = ("balanceSheet", "profitAndLoss")
#: The "Data type" dropdown: every record type codat_nb reads, then the two reports.
DATA_TYPES = (*READABLE, *REPORT_TYPES)
PAGE_SIZE = 20
#: Rows of a frame drawn in the preview (a page's child frames can hold more than the page).
PREVIEW_ROWS = 100
REPORT_PERIODS = 12
#: Files up to this size (together) get a data: download link; larger ones only their path.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
EXPORT_FORMATS = (("Parquet", "parquet"), ("CSV", "csv"))
_MIME = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}
_REPORT_READERS = {"balanceSheet": "balance_sheet", "profitAndLoss": "profit_and_loss"}
_FULL_PAGE_SIZE = 1000  # pages of a full read (chart, export): fewer requests than the preview's


# -- logic (no widgets) ----------------------------------------------------------------------------------


def page_label(page: int, total: int, size: int = PAGE_SIZE) -> str:
    """``Page 2 of 18``; ``No records`` for an empty list."""
    if total <= 0:
        return "No records"
    return f"Page {clamp_page(page, total, size)} of {page_count(total, size)}"


def frame_page(frame: pd.DataFrame, page: int, size: int = PAGE_SIZE) -> pd.DataFrame:
    """One page of a frame held whole (a report's long frame)."""
    start = (clamp_page(page, len(frame), size) - 1) * size
    return frame.iloc[start : start + size]


def preview_html(frame: pd.DataFrame, max_rows: int = PREVIEW_ROWS) -> str:
    """The frame as an escaped HTML table that scrolls sideways; a line when it has no rows."""
    if frame.empty:
        columns = ", ".join(map(str, frame.columns[:12])) + (", …" if len(frame.columns) > 12 else "")
        return f"<div style='color:#555;padding:4px 0'>No rows here. Columns: {_html.text(columns)}</div>"
    table = frame.to_html(escape=True, max_rows=max_rows, index=False, border=0, classes="codat-nb-preview")
    return f"<div style='overflow-x:auto;max-height:520px;font-size:12px'>{table}</div>"


def title_html(company_id: str | None, name: str | None) -> str:
    if company_id is None:
        return "<h3 style='margin:4px 0'>Data</h3><small style='color:#555'>Pick a company (picker.on_pick(explorer.show)), or pass company=.</small>"
    ident = f"<small style='color:#555'>Company id <code>{_html.text(company_id)}</code></small>"
    return f"<h3 style='margin:4px 0'>Data of {_html.text(name or 'company')}</h3>{ident}"


def curl_html(curl: str) -> str:
    pre = f"<pre class='codat-nb-curl' style='background:#f6f8fa;padding:8px;border-radius:4px;white-space:pre-wrap'>{_html.text(curl)}</pre>"
    return f"<small style='color:#555'>API request (the key stays in $CODAT_API_KEY)</small>{pre}" if curl else ""


def next_step_for(error: BaseException, data_type: str | None) -> str | None:
    """What to do about a read the explorer could not show (None: the usual advice)."""
    what = data_type or "the data type"
    if isinstance(error, ConflictError):
        return f"Sync it first: SyncPanel, or await client.refresh_data_type(company_id, '{what}') then wait_for_sync(company_id)."
    if isinstance(error, NotFoundError) and ("not supported" in str(error) or "No data type is read" in str(error)):
        return f"The company's platform does not provide {what}: choose another data type."
    if isinstance(error, ValidationError) and "no accounting connection" in str(error):
        return "Link an accounting platform first: LinkPanel, or the Link URL."
    return None


@dataclass(frozen=True)
class ChartSpec:
    """A chart for a data type: ``reads`` are the data types read in full first (nothing more is
    read for a report, whose frame is already loaded), ``build`` makes the figure from their frames."""

    label: str
    reads: tuple[str, ...]
    build: Callable[[Mapping[str, Mapping[str, pd.DataFrame]]], Any]


def _main(data: Mapping[str, Mapping[str, pd.DataFrame]], data_type: str) -> pd.DataFrame:
    return next(iter(data[data_type].values()))


_VERSUS = ChartSpec(
    "Invoiced vs billed per month", ("invoices", "bills"), lambda d: charts.monthly_invoiced_vs_billed_figure(_main(d, "invoices"), _main(d, "bills"))
)
CHARTS: dict[str, tuple[ChartSpec, ...]] = {
    "invoices": (
        ChartSpec("Receivables aging", ("invoices",), lambda d: charts.receivables_aging_figure(_main(d, "invoices"))),
        ChartSpec("Top customers", ("invoices",), lambda d: charts.top_customers_figure(_main(d, "invoices"))),
        _VERSUS,
    ),
    "bills": (_VERSUS,),
    "balanceSheet": (ChartSpec("Balance sheet composition", (), lambda d: charts.balance_sheet_composition_figure(_main(d, "balanceSheet"))),),
    "profitAndLoss": (ChartSpec("Profit and loss waterfall", (), lambda d: charts.profit_and_loss_waterfall_figure(_main(d, "profitAndLoss"))),),
}


def charts_for(data_type: str | None) -> tuple[ChartSpec, ...]:
    return CHARTS.get(data_type or "", ())


def export_folder(root: str | os.PathLike[str], fmt: str) -> Path:
    """Each format in its own folder (``exports/parquet``, ``exports/csv``): an export folder holds one
    format, so switching the format never meets the other's files."""
    return Path(root) / fmt


def download_link(path: Path, name: str, mime: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"<a download='{_html.text(name)}' href='data:{mime};base64,{data}'>Download {_html.text(name)}</a>"


def export_html(result: ExportResult, limit: int = DOWNLOAD_LIMIT) -> str:
    """What was written: each table's rows and path, and a download link while the files fit in ``limit``."""
    budget, rows = limit, []
    for table in result.tables:
        size = table.path.stat().st_size
        name = f"{table.folder}.{result.format}"
        link = "<small style='color:#555'>too large to download here: open the path</small>"
        if size <= budget:
            budget -= size
            link = download_link(table.path, name, _MIME[result.format])
        rows.append([_html.text(table.name), f"{table.rows:,}", f"<code>{_html.text(table.path)}</code>", link])
    head = f"<div role='status' style='{SUCCESS_STYLE}'>Exported {len(result.tables)} file(s) to <code>{_html.text(result.out_dir)}</code></div>"
    return head + _html.table(("Table", "Rows", "File", "Download"), rows)


@dataclass
class View:
    """What the explorer shows: company, data type, bank account, page, and what the API answered."""

    company_id: str
    data_type: str
    account_id: str | None = None
    page: int = 1
    total: int = 0  # totalResults of the list paged (one account's, for bankTransactions); a report's lines
    count: int | None = None  # count_records (every account, for bankTransactions); None for a report
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # the page's frames; a report's whole frame
    curl: str = ""

    @property
    def is_report(self) -> bool:
        return self.data_type in REPORT_TYPES

    def frame(self, name: str | None) -> pd.DataFrame | None:
        """The frame previewed: ``name`` of the page's frames (a report's: this page of it)."""
        if name not in self.tables:
            return None
        return frame_page(self.tables[name], self.page) if self.is_report else self.tables[name]


def summary(view: View) -> str:
    """``invoices: 360 records`` (count_records); a report's periods and lines; bankTransactions' in this account too."""
    if view.is_report:
        main = next(iter(view.tables.values()), pd.DataFrame())
        when = "date" if view.data_type == "balanceSheet" else "to_date"
        periods = main[when].nunique() if when in main.columns else 0
        return f"{view.data_type}: {periods} period{'s' * (periods != 1)}, {len(main):,} lines"
    count = view.count or 0
    text = f"{view.data_type}: {count:,} record{'s' * (count != 1)}"
    if view.data_type == "bankTransactions":
        text += f" ({view.total:,} in this account)" if view.account_id else " (the company has no bank accounts)"
    return text
