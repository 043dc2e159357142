"""codat_nb.charts: checked on fig.data (trace types, values, colours, names), never on pixels.

The frames are built by hand following the frames contract (column names and dtypes), so these
tests do not depend on codat_nb.frames; the integration tests at the end use the real frames
on the embedded Sandbox's books.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from codat_nb import Sandbox, SyncFailedError, ValidationError
from codat_nb import charts
from codat_nb.progress import SyncProgress
from codat_nb.records import PULL_STATUSES, DataStatus

GREEN, RED, BLUE, AMBER, GREY = "#2ca02c", "#d62728", "#1f77b4", "#ffa600", "#8c8c8c"
GROUPS = ["Complete", "In progress", "Queued", "Failed", "Not supported", "Cancelled", "Not queued", "Other"]
DATA_STATUS_CATEGORIES = [
    "Initial", "Queued", "Fetching", "MapQueued", "Mapping", "Complete", "FetchError", "MapError", "InternalError",
    "ProcessingQueued", "Processing", "ProcessingError", "ValidationQueued", "Validating", "ValidationError",
    "AuthError", "Cancelled", "NotFound", "NotSupported", "RateLimited", "PermissionsError", "PrerequisiteNotMet",
]  # fmt: skip
INVOICE_STATUSES = ["Unknown", "Draft", "Submitted", "PartiallyPaid", "Paid", "Void"]
BILL_STATUSES = ["Unknown", "Open", "PartiallyPaid", "Paid", "Void", "Draft"]


# -- hand-built frames, shaped as the frames contract says -------------------------------------------


def data_status_frame(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "data_type": pd.array([r[0] for r in rows], dtype="string"),
        "current_status": pd.Categorical([r[1] for r in rows], categories=DATA_STATUS_CATEGORIES, ordered=True),
        "last_successful_sync": pd.to_datetime(["2026-01-05T09:00:00Z" if r[1] == "Complete" else None for r in rows], utc=True),
        "latest_sync_id": pd.array([f"{i:08d}-0000-4000-8000-000000000000" for i in range(len(rows))], dtype="string"),
        "latest_successful_sync_id": pd.array([None] * len(rows), dtype="string"),
    })  # fmt: skip


def pull_operations_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """rows: data_type, status, requested, completed (None while running), progress, error_message."""
    statuses = pd.Categorical([r["status"] for r in rows], categories=DATA_STATUS_CATEGORIES, ordered=True)
    return pd.DataFrame({
        "id": pd.array([f"{i:08d}-1111-4000-8000-000000000000" for i in range(len(rows))], dtype="string"),
        "data_type": pd.array([r["data_type"] for r in rows], dtype="string"),
        "status": statuses,
        "requested": pd.to_datetime([r["requested"] for r in rows], utc=True, format="ISO8601"),
        "completed": pd.to_datetime([r.get("completed") for r in rows], utc=True, format="ISO8601"),
        "progress": pd.array([r.get("progress", 100) for r in rows], dtype="Int64"),
        "is_completed": pd.array([r.get("completed") is not None for r in rows], dtype="boolean"),
        "is_errored": pd.array([r["status"].endswith("Error") for r in rows], dtype="boolean"),
        "error_message": pd.array([r.get("error_message") for r in rows], dtype="string"),
    })  # fmt: skip


def documents_frame(rows: list[dict[str, Any]], kind: str = "invoices") -> pd.DataFrame:
    """An invoices (or bills) frame. rows: id, party, issue, due, total, due_amount, status, currency, rate, paid_on."""
    party = "customer" if kind == "invoices" else "supplier"
    categories = INVOICE_STATUSES if kind == "invoices" else BILL_STATUSES
    return pd.DataFrame({
        "id": pd.array([r["id"] for r in rows], dtype="string"),
        f"{party}_id": pd.array([r.get("party_id", r.get("party", "c0")) for r in rows], dtype="string"),
        f"{party}_name": pd.array([r.get("party", "Customer 0") for r in rows], dtype="string"),
        "issue_date": pd.to_datetime([r["issue"] for r in rows]).astype("datetime64[ns]"),
        "due_date": pd.to_datetime([r.get("due") for r in rows]).astype("datetime64[ns]"),
        "paid_on_date": pd.to_datetime([r.get("paid_on") for r in rows]).astype("datetime64[ns]"),
        "currency": pd.array([r.get("currency", "GBP") for r in rows], dtype="string"),
        "currency_rate": pd.array([r.get("rate", 1.0) for r in rows], dtype="float64"),
        "sub_total": pd.array([round(r["total"] / 1.2, 2) for r in rows], dtype="float64"),
        "total_amount": pd.array([r["total"] for r in rows], dtype="float64"),
        "amount_due": pd.array([r.get("due_amount", 0.0) for r in rows], dtype="float64"),
        "status": pd.Categorical([r.get("status", "Paid") for r in rows], categories=categories, ordered=True),
    })  # fmt: skip


def report_frame(rows: list[tuple], kind: str) -> pd.DataFrame:
    """rows: (period/date, section, path, level, value); kind "pnl" or "bs"."""
    def line(path: str) -> str:
        return path.split("/")[-1]

    frame = pd.DataFrame({
        "section": pd.Categorical([r[1] for r in rows]),
        "path": pd.array([r[2] for r in rows], dtype="string"),
        "level": pd.array([r[3] for r in rows], dtype="Int64"),
        "line": pd.array([line(r[2]) for r in rows], dtype="string"),
        "account_id": pd.array([None if r[3] == 0 else f"acc-{i}" for i, r in enumerate(rows)], dtype="string"),
        "value": pd.array([r[4] for r in rows], dtype="float64"),
        "is_leaf": [r[3] > 0 for r in rows],
        "currency": pd.array(["GBP"] * len(rows), dtype="string"),
    })  # fmt: skip
    if kind == "bs":
        frame.insert(0, "date", pd.to_datetime([r[0] for r in rows]).astype("datetime64[ns]"))
    else:
        periods = [pd.Period(r[0], freq="M") for r in rows]
        frame.insert(0, "to_date", pd.to_datetime([p.end_time.normalize() for p in periods]).astype("datetime64[ns]"))
        frame.insert(0, "from_date", pd.to_datetime([p.start_time for p in periods]).astype("datetime64[ns]"))
    return frame


def pnl_period(month: str, income: float, cost: float, expenses: dict[str, float], other_income=0.0, other_expenses=0.0, net=None):
    gross = income - cost
    operating = gross - sum(expenses.values())
    other = other_income - other_expenses
    rows = [
        (month, "income", "Income", 0, income), (month, "income", "Income/Sales", 1, income),
        (month, "costOfSales", "Cost of Sales", 0, cost), (month, "costOfSales", "Cost of Sales/Cost of Goods Sold", 1, cost),
        (month, "grossProfit", "Gross Profit", 0, gross),
        (month, "expenses", "Expenses", 0, sum(expenses.values())),
        *[(month, "expenses", f"Expenses/{name}", 1, value) for name, value in expenses.items()],
        (month, "netOperatingProfit", "Net Operating Profit", 0, operating),
        (month, "otherIncome", "Other Income", 0, other_income),
        (month, "otherExpenses", "Other Expenses", 0, other_expenses),
        (month, "netOtherIncome", "Net Other Income", 0, other),
        (month, "netProfit", "Net Profit", 0, operating + other if net is None else net),
    ]  # fmt: skip
    return rows


def pnl_frame() -> pd.DataFrame:
    return report_frame(
        pnl_period("2025-12", 1000.0, 400.0, {"Rent": 150.0, "Wages": 250.0}, other_income=20.0, other_expenses=5.0)
        + pnl_period("2025-11", 800.0, 300.0, {"Rent": 150.0, "Wages": 200.0}),
        "pnl",
    )


def balance_sheet_frame() -> pd.DataFrame:
    rows = []
    for day, bank, receivable in (("2026-01-05", 700.0, 300.0), ("2025-12-31", 650.0, 250.0)):
        current = bank + receivable
        assets = 100.0 + current
        rows += [
            (day, "assets", "Assets", 0, assets),
            (day, "assets", "Assets/Fixed Assets", 1, 100.0),
            (day, "assets", "Assets/Fixed Assets/Office Equipment", 2, 160.0),
            (day, "assets", "Assets/Fixed Assets/Less Accumulated Depreciation", 2, -60.0),
            (day, "assets", "Assets/Current Assets", 1, current),
            (day, "assets", "Assets/Current Assets/Bank", 2, bank),
            (day, "assets", "Assets/Current Assets/Accounts Receivable", 2, receivable),
            (day, "liabilities", "Liabilities", 0, 200.0),
            (day, "liabilities", "Liabilities/Current Liabilities", 1, 200.0),
            (day, "equity", "Equity", 0, assets - 200.0),
            (day, "equity", "Equity/Share Capital", 1, 500.0),
            (day, "equity", "Equity/Retained Earnings", 1, assets - 700.0),
        ]
    return report_frame(rows, "bs")


def by_name(figure: go.Figure) -> dict[str, Any]:
    return {trace.name: trace for trace in figure.data}


def annotation_texts(figure: go.Figure) -> list[str]:
    return [a.text for a in figure.layout.annotations]


# -- status colours ---------------------------------------------------------------------------------


def test_status_colors__fixed_mapping_for_every_codat_status():
    assert charts.STATUS_COLORS["Complete"] == GREEN
    assert charts.STATUS_COLORS["Fetching"] == charts.STATUS_COLORS["Processing"] == BLUE
    assert charts.STATUS_COLORS["Queued"] == AMBER
    assert charts.STATUS_COLORS["NotSupported"] == GREY
    for status in ("FetchError", "MapError", "ValidationError", "ProcessingError", "InternalError", "AuthError", "RateLimited"):
        assert charts.STATUS_COLORS[status] == RED, status
    assert set(PULL_STATUSES) | set(DATA_STATUS_CATEGORIES) <= set(charts.STATUS_COLORS)
    assert list(charts.GROUP_COLORS) == GROUPS
    assert charts.status_group(None) == "Not queued" and charts.status_group("SomethingNew") == "Other"


# -- sync progress ------------------------------------------------------------------------------------


def test_sync_progress_figure__one_bar_per_data_type_coloured_by_status():
    frame = data_status_frame([
        ("invoices", "Complete"), ("bills", "Fetching"), ("customers", "Queued"), ("payments", "FetchError"),
        ("journals", "NotSupported"), ("items", None), ("taxRates", "Mapping"),
    ])  # fmt: skip
    figure = charts.sync_progress_figure(frame)

    assert [t.type for t in figure.data] == ["bar"] * len(GROUPS)
    assert [t.name for t in figure.data] == GROUPS
    traces = by_name(figure)
    placed = {y: (trace.name, x, trace.marker.color) for trace in figure.data for y, x in zip(trace.y, trace.x)}
    assert placed == {
        "invoices": ("Complete", 100, GREEN),
        "bills": ("In progress", 20, BLUE),
        "taxRates": ("In progress", 50, BLUE),
        "customers": ("Queued", 5, AMBER),
        "payments": ("Failed", 100, RED),
        "journals": ("Not supported", 100, GREY),
        "items": ("Not queued", 0, "#d9d9d9"),
    }
    assert traces["In progress"].y == ("bills", "taxRates")  # sorted within a trace
    assert traces["In progress"].text == ("Fetching 20%", "Mapping 50%")
    assert [t.showlegend for t in figure.data] == [True, True, True, True, True, False, True, False]
    assert all(t.orientation == "h" for t in figure.data)
    assert figure.layout.barmode == "stack"
    assert figure.layout.xaxis.range == (0, 100)
    # Alphabetical from the top: a category axis draws its first category at the bottom.
    assert figure.layout.yaxis.categoryarray == tuple(sorted(placed, reverse=True))
    assert figure.layout.title.text == "Sync progress: 3 of 7 data types ended (54%), 1 failed"


def test_sync_progress_figure__pull_operations_frame_uses_each_types_latest_pull():
    frame = pull_operations_frame([
        {"data_type": "invoices", "status": "FetchError", "requested": "2026-01-05T08:00:00Z", "completed": "2026-01-05T08:00:05Z", "progress": 42},
        {"data_type": "invoices", "status": "Processing", "requested": "2026-01-05T09:00:00Z", "progress": 90},
        {"data_type": "bills", "status": "Complete", "requested": "2026-01-05T09:00:00Z", "completed": "2026-01-05T09:00:04Z"},
    ])  # fmt: skip
    traces = by_name(charts.sync_progress_figure(frame))
    assert traces["In progress"].y == ("invoices",) and traces["In progress"].x == (90,)
    assert traces["Complete"].y == ("bills",) and traces["Failed"].y == ()


def test_sync_progress_figure__a_status_codat_adds_later_is_drawn_not_dropped():
    frame = data_status_frame([("invoices", "Complete")])
    frame["current_status"] = frame["current_status"].cat.add_categories(["Throttled"])
    frame.loc[len(frame)] = {"data_type": "bills", "current_status": "Throttled"}
    traces = by_name(charts.sync_progress_figure(frame))
    assert traces["Other"].y == ("bills",) and traces["Other"].marker.color == "#9467bd"
    assert traces["Other"].text == ("Throttled 50%",)


def test_sync_progress_frame__a_sync_progress_as_a_data_status_frame():
    statuses = {
        "bills": DataStatus.from_json({"dataType": "bills", "currentStatus": "Complete", "lastSuccessfulSync": "2026-01-05T09:00:03Z"}),
        "invoices": DataStatus.from_json({"dataType": "invoices", "currentStatus": "Validating"}),
        "customers": None,
    }
    progress = SyncProgress(statuses, polls=3, elapsed=1.5)
    frame = charts.sync_progress_frame(progress)

    assert list(frame.columns) == ["data_type", "current_status", "progress", "last_successful_sync", "latest_sync_id"]
    assert frame["data_type"].tolist() == ["bills", "invoices", "customers"]
    assert frame["current_status"].tolist()[:2] == ["Complete", "Validating"] and pd.isna(frame["current_status"][2])
    assert frame["progress"].tolist() == [progress.percent(t) for t in statuses] == [100, 70, 0]
    assert str(frame["last_successful_sync"].dt.tz) == "UTC"
    # The static chart of that frame is the one the live chart shows.
    figure = charts.sync_progress_figure(frame)
    assert figure.layout.title.text == f"Sync progress: 1 of 3 data types ended ({progress.overall:.0f}%)"


def test_sync_progress_frame__refuses_what_is_not_a_sync_progress():
    with pytest.raises(ValidationError, match="takes the SyncProgress that wait_for_sync passes to on_progress; got dict"):
        charts.sync_progress_frame({"invoices": "Complete"})


def test_sync_progress_figure__empty_frame_gives_an_empty_figure_with_a_note():
    figure = charts.sync_progress_figure(data_status_frame([]))
    assert [t.name for t in figure.data] == GROUPS and all(len(t.x) == 0 for t in figure.data)
    assert annotation_texts(figure) == ["No data types queued yet"]
    figure.to_json()  # valid


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ([{"dataType": "invoices"}], r"takes a data-status frame as a pandas DataFrame; got list\. Pass frames\.data_status_frame"),
        (pd.DataFrame({"type": ["invoices"]}), r"needs a data-status frame with the columns data_type; this frame lacks data_type \(it has: type\)"),
        (pd.DataFrame({"data_type": ["invoices"]}), r"lacks current_status .*sync_progress_frame\(progress\)"),
    ],
)
def test_sync_progress_figure__bad_input_says_what_to_pass(frame, message):
    with pytest.raises(ValidationError, match=message) as caught:
        charts.sync_progress_figure(frame)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("sync_progress_figure ")


def test_sync_progress_figure__deterministic_json_whatever_the_row_order():
    rows = [("invoices", "Complete"), ("bills", "Fetching"), ("customers", None), ("payments", "MapError")]
    first = charts.sync_progress_figure(data_status_frame(rows)).to_json()
    again = charts.sync_progress_figure(data_status_frame(rows[::-1])).to_json()
    assert first == again
    assert '"uid"' not in first


# -- the live chart -------------------------------------------------------------------------------------


def linked_sandbox(error_rate: float = 0.0, **authorize: Any):
    sandbox = Sandbox(seed=0, manual_clock=True, error_rate=error_rate)
    client = sandbox.client()
    company = client.create_company("Chart Test Ltd")
    connection = client.create_connection(company.id)
    sandbox.authorize(company.id, connection.id, **authorize)
    return sandbox, client, company


def test_sync_progress_chart__updates_in_place_through_wait_for_sync():
    sandbox, client, company = linked_sandbox()
    chart = charts.SyncProgressChart()
    assert isinstance(chart.figure, go.FigureWidget)
    assert annotation_texts(chart.figure) == ["Waiting for the first poll"]
    traces = list(chart.figure.data)
    sent: list[str] = []
    for kind in ("update", "restyle", "relayout", "addTraces", "deleteTraces"):
        original = getattr(chart.figure, f"_send_{kind}_msg")
        setattr(chart.figure, f"_send_{kind}_msg", lambda *args, _kind=kind, _original=original, **kw: (sent.append(_kind), _original(*args, **kw))[1])
    try:
        final = client.wait_for_sync(company.id, on_progress=chart.update)
    finally:
        client.close()
        sandbox.close()

    assert chart.polls > 1 and sent == ["update"] * chart.polls  # one batched message per poll, traces kept
    assert all(now is before for now, before in zip(chart.figure.data, traces)) and len(chart.figure.data) == len(traces)
    complete = by_name(chart.figure)["Complete"]
    assert sorted(complete.y) == sorted(final) and len(final) == 17
    assert complete.x == (100,) * 17 and complete.marker.color == GREEN
    assert all(len(t.y) == 0 for t in chart.figure.data if t.name != "Complete")
    assert annotation_texts(chart.figure) == []
    assert chart.figure.layout.title.text == "Sync progress: 17 of 17 data types ended (100%)"
    assert repr(chart) == f"SyncProgressChart(17 data types, {chart.polls} polls)"


def test_sync_progress_chart__progress_rises_poll_by_poll():
    sandbox, client, company = linked_sandbox()
    chart = charts.SyncProgressChart(["invoices", "bills"])
    assert by_name(chart.figure)["Not queued"].y == ("bills", "invoices")
    seen = []

    def watch(progress: SyncProgress) -> None:
        chart.update(progress)
        seen.append({y: x for t in chart.figure.data for y, x in zip(t.y, t.x)})

    with client, sandbox:
        client.wait_for_sync(company.id, ["invoices", "bills"], on_progress=watch)
    assert len(seen) > 2
    for data_type in ("invoices", "bills"):
        values = [poll[data_type] for poll in seen]
        assert values == sorted(values) and values[0] < 100 and values[-1] == 100


def test_sync_progress_chart__failed_types_end_red():
    sandbox, client, company = linked_sandbox(error_rate=0.3)
    chart = charts.SyncProgressChart()
    with client, sandbox, pytest.raises(SyncFailedError) as caught:
        client.wait_for_sync(company.id, on_progress=chart.update)
    failed = by_name(chart.figure)["Failed"]
    assert sorted(failed.y) == sorted(caught.value.failed) and failed.marker.color == RED
    assert "failed" in chart.figure.layout.title.text


def test_sync_progress_chart__shows_as_the_widget_in_a_notebook():
    chart = charts.SyncProgressChart(["invoices"])
    bundle = chart._repr_mimebundle_()
    assert list(bundle) == ["application/vnd.jupyter.widget-view+json"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == chart.figure.model_id


def test_sync_progress_chart__update_refuses_other_arguments():
    chart = charts.SyncProgressChart()
    with pytest.raises(ValidationError, match="SyncProgress"):
        chart.update("invoices")


# -- pull timeline --------------------------------------------------------------------------------------


def pulls() -> pd.DataFrame:
    return pull_operations_frame([
        {"data_type": "invoices", "status": "Complete", "requested": "2026-01-05T09:00:00Z", "completed": "2026-01-05T09:00:10.5Z"},
        {"data_type": "invoices", "status": "Complete", "requested": "2026-01-04T09:00:00Z", "completed": "2026-01-04T09:00:08Z"},
        {"data_type": "bills", "status": "FetchError", "requested": "2026-01-05T09:00:00Z", "completed": "2026-01-05T09:00:02Z",
         "progress": 42, "error_message": "The Sandbox stopped responding."},
        {"data_type": "customers", "status": "Fetching", "requested": "2026-01-05T09:00:01Z", "progress": 20},
        {"data_type": "journals", "status": "NotSupported", "requested": "2026-01-05T09:00:00Z", "completed": "2026-01-05T09:00:01Z"},
    ])  # fmt: skip


def test_pull_timeline_figure__requested_to_completed_per_data_type():
    figure = charts.pull_timeline_figure(pulls())
    traces = by_name(figure)
    assert list(traces) == ["Complete", "In progress", "Failed", "Not supported", "Errors"]
    complete = traces["Complete"]
    assert complete.type == "bar" and complete.orientation == "h" and complete.marker.color == GREEN
    assert complete.y == ("invoices", "invoices")
    assert complete.base == ("2026-01-04 09:00:00.000", "2026-01-05 09:00:00.000")  # requested, oldest first
    assert complete.x == (8000, 10500)  # durations in ms on a date axis
    # Still running: drawn to the latest time in the data, never to the clock.
    running = traces["In progress"]
    assert running.base == ("2026-01-05 09:00:01.000",) and running.x == (9500,)
    assert running.customdata[0][2] == "running"
    assert traces["Failed"].marker.color == RED and traces["Not supported"].marker.color == GREY
    assert figure.layout.xaxis.type == "date" and figure.layout.xaxis.title.text == "Time (UTC)"
    assert figure.layout.yaxis.categoryarray == ("journals", "invoices", "customers", "bills")
    assert figure.layout.title.text == "Pull operations: 5 pulls of 4 data types, 1 failed, 1 running"


def test_pull_timeline_figure__errors_marked_at_their_end_with_the_message():
    errors = by_name(charts.pull_timeline_figure(pulls()))["Errors"]
    assert errors.type == "scatter" and errors.mode == "markers"
    assert errors.marker.symbol == "x" and errors.marker.color == RED
    assert errors.x == ("2026-01-05 09:00:02.000",) and errors.y == ("bills",)
    assert [list(row) for row in errors.customdata] == [["FetchError", "The Sandbox stopped responding."]]


def test_pull_timeline_figure__no_errors_no_error_markers():
    frame = pulls()
    figure = charts.pull_timeline_figure(frame[~frame["is_errored"].astype(bool)])
    assert "Errors" not in by_name(figure) and "Failed" not in by_name(figure)


def test_pull_timeline_figure__empty_and_bad_input():
    figure = charts.pull_timeline_figure(pulls().iloc[0:0])
    assert figure.data == () and annotation_texts(figure) == ["No pull operations yet"]
    with pytest.raises(ValidationError, match=r"lacks requested .*Pass frames\.pull_operations_frame\(client\.list_pull_operations"):
        charts.pull_timeline_figure(pulls().drop(columns="requested"))


# -- monthly invoiced vs billed ---------------------------------------------------------------------------


def sales() -> tuple[pd.DataFrame, pd.DataFrame]:
    invoices = documents_frame([
        {"id": "i1", "issue": "2025-01-10", "total": 100.0},
        {"id": "i2", "issue": "2025-01-20", "total": 50.0, "currency": "EUR", "rate": 0.8},   # 40 GBP
        {"id": "i3", "issue": "2025-03-05", "total": 200.0},
        {"id": "i4", "issue": "2025-03-06", "total": 999.0, "status": "Void"},
        {"id": "i5", "issue": "2025-03-07", "total": 999.0, "status": "Draft"},
    ])  # fmt: skip
    bills = documents_frame([
        {"id": "b1", "issue": "2025-01-15", "total": 30.0, "status": "Open"},
        {"id": "b2", "issue": "2025-04-01", "total": 20.0, "currency": "USD", "rate": 0.5},  # 10 GBP
        {"id": "b3", "issue": "2025-04-02", "total": 500.0, "status": "Void"},
    ], kind="bills")  # fmt: skip
    return invoices, bills


def test_monthly_invoiced_vs_billed__sums_per_month_in_the_base_currency():
    invoices, bills = sales()
    figure = charts.monthly_invoiced_vs_billed_figure(invoices, bills)
    invoiced, billed, net = figure.data
    assert [t.type for t in figure.data] == ["bar", "bar", "scatter"]
    assert [t.name for t in figure.data] == ["Invoiced", "Billed", "Invoiced - billed"]
    months = ("2025-01", "2025-02", "2025-03", "2025-04")  # February had nothing and is still shown
    assert invoiced.x == billed.x == net.x == months
    assert invoiced.y == (140.0, 0.0, 200.0, 0.0)  # Void and Draft left out; EUR 50 x 0.8
    assert billed.y == (30.0, 0.0, 0.0, 10.0)
    assert net.y == (110.0, 0.0, 200.0, -10.0)
    assert figure.layout.yaxis.title.text == "Amount (GBP)"
    assert figure.layout.barmode == "group" and figure.layout.xaxis.type == "category"


def test_monthly_invoiced_vs_billed__before_tax_and_an_explicit_base_currency():
    invoices, bills = sales()
    figure = charts.monthly_invoiced_vs_billed_figure(invoices, bills, base_currency="gbp", amount="sub_total")
    assert figure.data[0].y[0] == round(100 / 1.2 + (50 / 1.2) * 0.8, 2)
    assert figure.layout.yaxis.title.text == "Amount (GBP)"


def test_monthly_invoiced_vs_billed__ambiguous_base_currency_asks_for_it():
    invoices = documents_frame([
        {"id": "i1", "issue": "2025-01-10", "total": 100.0, "currency": "EUR", "rate": 0.85},
        {"id": "i2", "issue": "2025-01-20", "total": 50.0, "currency": "USD", "rate": 0.78},
    ])  # fmt: skip
    with pytest.raises(ValidationError, match=r"are in EUR, USD and their currency_rate does not show .* Pass base_currency='EUR'"):
        charts.monthly_invoiced_vs_billed_figure(invoices, invoices.iloc[0:0])


def test_monthly_invoiced_vs_billed__foreign_amount_without_a_rate_is_refused():
    invoices, bills = sales()
    invoices.loc[1, "currency_rate"] = float("nan")
    with pytest.raises(ValidationError, match=r"1 invoices not in GBP have no usable currency_rate \(e\.g\. id i2\)"):
        charts.monthly_invoiced_vs_billed_figure(invoices, bills)


def test_monthly_invoiced_vs_billed__empty_and_bad_input():
    invoices, bills = sales()
    figure = charts.monthly_invoiced_vs_billed_figure(invoices.iloc[0:0], bills.iloc[0:0])
    assert figure.data == () and annotation_texts(figure) == ["No invoices or bills yet"]
    only_void = charts.monthly_invoiced_vs_billed_figure(invoices[invoices["status"] == "Void"], bills.iloc[0:0])
    assert annotation_texts(only_void) == ["No invoices or bills yet"]
    with pytest.raises(ValidationError, match=r"needs a bills frame .* lacks issue_date .*frames\.bills_frame"):
        charts.monthly_invoiced_vs_billed_figure(invoices, bills.drop(columns="issue_date"))
    with pytest.raises(ValidationError, match=r"base_currency must be an ISO 4217 code such as 'GBP'; got 'pounds'"):
        charts.monthly_invoiced_vs_billed_figure(invoices, bills, base_currency="pounds")


# -- receivables aging ----------------------------------------------------------------------------------------


def receivables() -> pd.DataFrame:
    """Aged at 2025-06-30 (the latest date in the data); the amount due says which bucket it is in."""
    rows = [
        {"id": "a", "issue": "2025-06-01", "due": "2025-07-31", "due_amount": 1.0, "status": "Submitted"},      # not due yet
        {"id": "b", "issue": "2025-06-01", "due": "2025-06-30", "due_amount": 2.0, "status": "Submitted"},      # due today
        {"id": "c", "issue": "2025-05-01", "due": "2025-06-29", "due_amount": 10.0, "status": "PartiallyPaid"},  # 1 day
        {"id": "d", "issue": "2025-05-01", "due": "2025-05-31", "due_amount": 20.0, "status": "Submitted"},     # 30 days
        {"id": "e", "issue": "2025-04-01", "due": "2025-05-30", "due_amount": 100.0, "status": "Submitted"},    # 31
        {"id": "f", "issue": "2025-03-01", "due": "2025-05-01", "due_amount": 200.0, "status": "Submitted"},    # 60
        {"id": "g", "issue": "2025-03-01", "due": "2025-04-30", "due_amount": 1000.0, "status": "Submitted"},   # 61
        {"id": "h", "issue": "2025-03-01", "due": "2025-04-01", "due_amount": 2000.0, "status": "Submitted"},   # 90
        {"id": "i", "issue": "2025-01-01", "due": "2025-03-31", "due_amount": 10000.0, "status": "Submitted"},  # 91
        {"id": "j", "issue": "2025-01-01", "due": None, "due_amount": 20000.0, "status": "Submitted"},         # no due date: issue
        {"id": "k", "issue": "2025-06-01", "due": "2025-01-01", "due_amount": 5.0, "status": "Paid", "paid_on": "2025-06-30"},
        {"id": "l", "issue": "2025-01-01", "due": "2025-01-01", "due_amount": 7.0, "status": "Void"},
        {"id": "m", "issue": "2025-01-01", "due": "2025-01-01", "due_amount": 9.0, "status": "Draft"},
    ]  # fmt: skip
    return documents_frame([{**row, "total": row["due_amount"]} for row in rows])


def test_receivables_aging__buckets_of_amount_due_by_days_overdue():
    frame = receivables()
    figure = charts.receivables_aging_figure(frame)
    (bars,) = figure.data
    assert bars.type == "bar" and bars.name == "Amount due"
    assert bars.x == ("Current", "1-30", "31-60", "61-90", "90+") == charts.AGING_BUCKETS
    assert bars.y == (3.0, 30.0, 300.0, 3000.0, 30000.0)
    assert bars.customdata == (2, 2, 2, 2, 2)  # invoices per bucket
    unpaid = frame[frame["status"].isin(["Submitted", "PartiallyPaid"])]
    assert sum(bars.y) == unpaid["amount_due"].sum()
    assert bars.marker.color[0] == GREEN and bars.marker.color[-1] == RED
    assert figure.layout.title.text == "Accounts receivable aging at 2025-06-30"  # the latest date in the data, not today
    assert figure.layout.xaxis.title.text == "Days overdue"
    assert figure.layout.yaxis.title.text == "Amount due (GBP)"


def test_receivables_aging__as_of_a_given_day_leaves_out_later_invoices():
    figure = charts.receivables_aging_figure(receivables(), as_of="2025-05-31")
    assert figure.layout.title.text == "Accounts receivable aging at 2025-05-31"
    # a, b (issued in June) are not owed yet; c, d: current; e: 1 day; f: 30; g: 31; h: 60; i: 61; j: 150.
    assert figure.data[0].y == (30.0, 300.0, 3000.0, 10000.0, 20000.0)


def test_receivables_aging__in_the_base_currency():
    frame = documents_frame([
        {"id": "x", "issue": "2025-01-01", "due": "2025-01-31", "total": 100.0, "due_amount": 100.0, "status": "Submitted", "currency": "EUR", "rate": 0.9},
        {"id": "y", "issue": "2025-01-31", "due": "2025-02-28", "total": 50.0, "due_amount": 50.0, "status": "Submitted"},
    ])  # fmt: skip
    figure = charts.receivables_aging_figure(frame)
    assert figure.data[0].y == (140.0, 0.0, 0.0, 0.0, 0.0)


def test_receivables_aging__nothing_owed_and_no_invoices():
    frame = receivables()
    paid = charts.receivables_aging_figure(frame[frame["status"] == "Paid"])
    assert paid.data[0].y == (0.0,) * 5
    assert annotation_texts(paid) == ["No unpaid invoices at 2025-06-30"]
    empty = charts.receivables_aging_figure(frame.iloc[0:0])
    assert empty.data == () and annotation_texts(empty) == ["No invoices yet"]


def test_receivables_aging__bad_input():
    with pytest.raises(ValidationError, match=r"as_of must be a date such as '2025-12-31'; got 'soon'"):
        charts.receivables_aging_figure(receivables(), as_of="soon")
    with pytest.raises(ValidationError, match=r"lacks due_date, amount_due .*frames\.invoices_frame"):
        charts.receivables_aging_figure(receivables().drop(columns=["due_date", "amount_due"]))


# -- top customers --------------------------------------------------------------------------------------------


def customers_invoices() -> pd.DataFrame:
    return documents_frame([
        {"id": "1", "party_id": "c-a", "party": "Acme", "issue": "2025-01-01", "total": 100.0},
        {"id": "2", "party_id": "c-a", "party": "Acme", "issue": "2025-02-01", "total": 150.0, "status": "Submitted"},
        {"id": "3", "party_id": "c-b", "party": "Bravo", "issue": "2025-01-01", "total": 400.0, "currency": "EUR", "rate": 0.5},
        {"id": "4", "party_id": "c-c", "party": "Charlie", "issue": "2025-01-01", "total": 1000.0, "status": "Void"},
        {"id": "5", "party_id": "c-d", "party": "Delta", "issue": "2025-01-01", "total": 1000.0, "status": "Draft"},
        {"id": "6", "party_id": "c-e", "party": "Echo", "issue": "2025-01-01", "total": 200.0},
        {"id": "7", "party_id": "c-f", "party": "Foxtrot", "issue": "2025-01-01", "total": 50.0},
    ])  # fmt: skip


def test_top_customers__revenue_by_customer_largest_first():
    figure = charts.top_customers_figure(customers_invoices(), n=3)
    (bars,) = figure.data
    assert bars.type == "bar" and bars.orientation == "h"
    assert bars.y == ("Acme", "Bravo", "Echo")  # Bravo 400 EUR = 200 GBP ties with Echo: by name
    assert bars.x == (250.0, 200.0, 200.0)
    assert bars.customdata == (35.7, 28.6, 28.6)  # share of all revenue (700), in percent
    assert figure.layout.yaxis.autorange == "reversed"  # the largest at the top
    assert figure.layout.title.text == "Top 3 customers by revenue"
    assert figure.layout.xaxis.title.text == "Revenue invoiced (GBP)"
    everyone = charts.top_customers_figure(customers_invoices())
    assert everyone.data[0].y == ("Acme", "Bravo", "Echo", "Foxtrot")  # Void and Draft left out


def test_top_customers__two_customers_with_one_name_stay_apart():
    frame = documents_frame([
        {"id": "1", "party_id": "id-one-0001", "party": "Same Name", "issue": "2025-01-01", "total": 10.0},
        {"id": "2", "party_id": "id-two-0002", "party": "Same Name", "issue": "2025-01-01", "total": 20.0},
    ])  # fmt: skip
    assert charts.top_customers_figure(frame).data[0].y == ("Same Name (id-two-0)", "Same Name (id-one-0)")


@pytest.mark.parametrize("n", [0, -1, 2.5, "10", True])
def test_top_customers__n_must_be_a_positive_whole_number(n):
    with pytest.raises(ValidationError, match=r"n must be a whole number of customers >= 1, such as 10"):
        charts.top_customers_figure(customers_invoices(), n=n)


def test_top_customers__empty():
    figure = charts.top_customers_figure(customers_invoices().iloc[0:0])
    assert figure.data == () and annotation_texts(figure) == ["No invoices yet"]


# -- profit and loss waterfall --------------------------------------------------------------------------------


def test_profit_and_loss_waterfall__latest_period_by_section():
    figure = charts.profit_and_loss_waterfall_figure(pnl_frame())
    (steps,) = figure.data
    assert steps.type == "waterfall"
    assert steps.x == (
        "Income", "Cost of sales", "Gross profit", "Expenses", "Net operating profit", "Other income", "Other expenses", "Net profit",
    )  # fmt: skip
    assert steps.measure == ("relative", "relative", "total", "relative", "total", "relative", "relative", "total")
    assert steps.y == (1000.0, -400.0, 600.0, -400.0, 200.0, 20.0, -5.0, 215.0)
    assert steps.increasing.marker.color == GREEN and steps.decreasing.marker.color == RED
    assert figure.layout.title.text == "Profit and loss, 2025-12-01 to 2025-12-31"
    assert figure.layout.yaxis.title.text == "Amount (GBP)"


def test_profit_and_loss_waterfall__another_period_in_detail():
    figure = charts.profit_and_loss_waterfall_figure(pnl_frame(), period="2025-11-15", detail=True)
    (steps,) = figure.data
    assert steps.x == ("Sales", "Cost of Goods Sold", "Gross profit", "Rent", "Wages", "Net operating profit", "Other income", "Other expenses", "Net profit")
    assert steps.y == (800.0, -300.0, 500.0, -150.0, -200.0, 150.0, 0.0, 0.0, 150.0)
    assert figure.layout.title.text == "Profit and loss, 2025-11-01 to 2025-11-30"


def test_profit_and_loss_waterfall__a_total_that_does_not_add_up_shows_codats_figure():
    frame = report_frame(pnl_period("2025-12", 1000.0, 400.0, {"Rent": 100.0}, net=450.0), "pnl")
    steps = charts.profit_and_loss_waterfall_figure(frame).data[0]
    assert steps.y[-1] == 450.0 and steps.measure[-1] == "absolute"  # the steps sum to 500
    assert steps.measure[2] == steps.measure[4] == "total"


def test_profit_and_loss_waterfall__bad_period_lists_the_periods():
    with pytest.raises(ValidationError, match=r"no period contains 2024-01-01; the report has 2025-12-01 to 2025-12-31, 2025-11-01 to 2025-11-30"):
        charts.profit_and_loss_waterfall_figure(pnl_frame(), period="2024-01")
    with pytest.raises(ValidationError, match=r"lacks section, level .*frames\.profit_and_loss_frame\(client\.profit_and_loss"):
        charts.profit_and_loss_waterfall_figure(pnl_frame().drop(columns=["section", "level"]))


def test_profit_and_loss_waterfall__empty():
    figure = charts.profit_and_loss_waterfall_figure(pnl_frame().iloc[0:0])
    assert figure.data == () and annotation_texts(figure) == ["No profit and loss report yet"]


# -- balance sheet composition --------------------------------------------------------------------------------


def test_balance_sheet_composition__level_one_lines_stacked_assets_against_funding():
    figure = charts.balance_sheet_composition_figure(balance_sheet_frame())
    assert [t.type for t in figure.data] == ["bar"] * 5
    assert [(t.name, t.x, t.y, t.legendgroup) for t in figure.data] == [
        ("Fixed Assets", ("Assets",), (100.0,), "assets"),
        ("Current Assets", ("Assets",), (1000.0,), "assets"),
        ("Current Liabilities", ("Liabilities and equity",), (200.0,), "liabilities"),
        ("Share Capital", ("Liabilities and equity",), (500.0,), "equity"),
        ("Retained Earnings", ("Liabilities and equity",), (400.0,), "equity"),
    ]
    by_column: dict[str, float] = {}
    for trace in figure.data:
        by_column[trace.x[0]] = by_column.get(trace.x[0], 0.0) + trace.y[0]
    assert by_column == {"Assets": 1100.0, "Liabilities and equity": 1100.0}  # the books balance
    assert figure.layout.barmode == "relative"
    assert figure.layout.title.text == "Balance sheet at 2026-01-05"
    assert figure.layout.yaxis.title.text == "Amount (GBP)"
    assert len({t.marker.color for t in figure.data}) == 5


def test_balance_sheet_composition__a_date_and_a_remainder_segment():
    frame = balance_sheet_frame()
    figure = charts.balance_sheet_composition_figure(frame, date="2025-12-31")
    assert figure.layout.title.text == "Balance sheet at 2025-12-31"
    assert by_name(figure)["Current Assets"].y == (900.0,)
    # Level-1 lines that leave part of the total unexplained get an "Other" segment.
    short = frame[frame["line"] != "Fixed Assets"]
    figure = charts.balance_sheet_composition_figure(short)
    assert by_name(figure)["Other assets"].y == (100.0,)


def test_balance_sheet_composition__unknown_date_and_empty():
    with pytest.raises(ValidationError, match=r"no balance sheet at '2025-06-30'; the frame has 2026-01-05, 2025-12-31"):
        charts.balance_sheet_composition_figure(balance_sheet_frame(), date="2025-06-30")
    figure = charts.balance_sheet_composition_figure(balance_sheet_frame().iloc[0:0])
    assert figure.data == () and annotation_texts(figure) == ["No balance sheet yet"]


# -- every chart -----------------------------------------------------------------------------------------------


def every_figure() -> dict[str, go.Figure]:
    invoices, bills = sales()
    return {
        "sync": charts.sync_progress_figure(data_status_frame([("invoices", "Complete"), ("bills", "Mapping")])),
        "timeline": charts.pull_timeline_figure(pulls()),
        "monthly": charts.monthly_invoiced_vs_billed_figure(invoices, bills),
        "aging": charts.receivables_aging_figure(receivables()),
        "top": charts.top_customers_figure(customers_invoices()),
        "waterfall": charts.profit_and_loss_waterfall_figure(pnl_frame()),
        "balance": charts.balance_sheet_composition_figure(balance_sheet_frame()),
    }


def test_every_chart__a_static_figure_with_stable_json_and_no_network():
    first, again = every_figure(), every_figure()
    for name, figure in first.items():
        assert type(figure) is go.Figure, name
        text = figure.to_json()
        assert text == again[name].to_json(), f"{name} is not deterministic"
        assert '"uid"' not in text and "http" not in json.dumps(json.loads(text)["data"]), name
        assert figure.layout.title.text, name


def test_every_chart__no_display_and_no_output(monkeypatch, capsys):
    import IPython.core.display_functions
    import IPython.display

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a chart called display()")

    monkeypatch.setattr(IPython.display, "display", refuse)
    monkeypatch.setattr(IPython.core.display_functions, "display", refuse)
    every_figure()
    charts.SyncProgressChart(["invoices"]).update_frame(data_status_frame([("invoices", "Complete")]))
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("name", ["monthly", "aging", "top", "waterfall", "balance"])
def test_every_chart__not_a_frame_is_refused(name):
    call = {
        "monthly": lambda x: charts.monthly_invoiced_vs_billed_figure(x, x),
        "aging": charts.receivables_aging_figure,
        "top": charts.top_customers_figure,
        "waterfall": charts.profit_and_loss_waterfall_figure,
        "balance": charts.balance_sheet_composition_figure,
    }[name]
    with pytest.raises(ValidationError, match=r"as a pandas DataFrame; got list\. Pass frames\."):
        call([{"id": "1"}])


def test_charts__public_names_sorted_and_present():
    assert list(charts.__all__) == sorted(charts.__all__)
    assert all(hasattr(charts, name) for name in charts.__all__)


def test_charts__only_charts_imports_plotly():
    import subprocess
    import sys

    code = "import sys, codat_nb, codat_nb.client, codat_nb.progress; print('plotly' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


# -- integration: the real frames on the Sandbox's books -----------------------------------------------------


@pytest.fixture(scope="module")
def books() -> dict[str, Any]:
    frames = pytest.importorskip("codat_nb.frames")
    sandbox = Sandbox(seed=1, manual_clock=True)
    with sandbox, sandbox.client() as client:
        company = client.create_company("Wholesale Charts Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="multi-currency-wholesaler", invoices=300)
        client.wait_for_sync(company.id)
        return {
            "frames": frames,
            "status": frames.data_status_frame(client.data_status(company.id)),
            "pulls": frames.pull_operations_frame(client.list_pull_operations(company.id)),
            "invoices": frames.invoices_frame(client.list_records(company.id, "invoices")),
            "bills": frames.bills_frame(client.list_records(company.id, "bills")),
            "pnl": frames.profit_and_loss_frame(client.profit_and_loss(company.id, periods_to_compare=3)),
            "pnl_json": client.profit_and_loss(company.id, periods_to_compare=3),
            "balance": frames.balance_sheet_frame(client.balance_sheet(company.id, periods_to_compare=3)),
            "base": client.company_info(company.id)["baseCurrency"],
        }


def to_base(frame: pd.DataFrame, column: str, base: str) -> pd.Series:
    return frame[column].where(frame["currency"] == base, frame[column] * frame["currency_rate"])


def test_sandbox_books__sync_charts_from_real_frames(books):
    figure = charts.sync_progress_figure(books["status"])
    complete = by_name(figure)["Complete"]
    assert len(complete.y) == 17 and complete.x == (100,) * 17
    timeline = charts.pull_timeline_figure(books["pulls"])
    assert sum(len(t.y) for t in timeline.data) == len(books["pulls"]) == 17
    assert "Errors" not in by_name(timeline)


def test_sandbox_books__multi_currency_invoices_in_the_base_currency(books):
    invoices, bills, base = books["invoices"], books["bills"], books["base"]
    assert base == "GBP" and invoices["currency"].nunique() > 1
    booked = invoices[~invoices["status"].isin(["Void", "Draft"])]
    monthly = charts.monthly_invoiced_vs_billed_figure(invoices, bills)
    assert monthly.layout.yaxis.title.text == "Amount (GBP)"
    assert sum(monthly.data[0].y) == pytest.approx(to_base(booked, "total_amount", base).sum(), abs=0.05)

    aging = charts.receivables_aging_figure(invoices)
    owed = invoices[invoices["status"].isin(["Submitted", "PartiallyPaid"]) & (invoices["amount_due"] > 0)]
    assert sum(aging.data[0].y) == pytest.approx(to_base(owed, "amount_due", base).sum(), abs=0.05)
    latest = max(invoices["issue_date"].max(), invoices["paid_on_date"].max())
    assert aging.layout.title.text == f"Accounts receivable aging at {latest:%Y-%m-%d}"

    top = charts.top_customers_figure(invoices, n=5)
    assert len(top.data[0].y) == 5 and list(top.data[0].x) == sorted(top.data[0].x, reverse=True)


def test_sandbox_books__reports(books):
    waterfall = charts.profit_and_loss_waterfall_figure(books["pnl"]).data[0]
    latest = books["pnl_json"]["reports"][0]
    assert waterfall.y[-1] == pytest.approx(latest["netProfit"]) and waterfall.measure[-1] == "total"
    assert waterfall.y[2] == pytest.approx(latest["grossProfit"])

    balance = charts.balance_sheet_composition_figure(books["balance"])
    totals: dict[str, float] = {}
    for trace in balance.data:
        totals[trace.x[0]] = totals.get(trace.x[0], 0.0) + trace.y[0]
    assert totals["Assets"] == pytest.approx(totals["Liabilities and equity"], abs=0.05)
    assert not any(t.name.startswith("Other ") for t in balance.data)
