"""DataExplorer without a browser: a company's data as the Portal's data viewer shows it, one page
at a time from the API, with child frames, charts, the request as curl, and exports."""

from __future__ import annotations

import asyncio
import base64
import re
from html import unescape
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import codat_nb
from codat_nb import charts, frames
from codat_nb.errors import ConflictError
from codat_nb.widgets.company_picker import CompanyPicker
from codat_nb.widgets.data_explorer import (
    DATA_TYPES, View, DataExplorer, charts_for, curl_html, download_link, export_folder, frame_page, next_step_for, page_label, preview_html, summary,
)  # fmt: skip

from ._helpers import fail_next, linked_company


@pytest.fixture
def company(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> codat_nb.Company:
    """A linked company whose first sync has completed."""
    made = linked_company(sandbox, client, "Platypus Properties")
    client.wait_for_sync(made.id)
    return made


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["id"].astype(str).tolist()


def text(html: str) -> str:
    return unescape(re.sub("<[^>]+>", "", html))


def explore(client: codat_nb.Client, company: codat_nb.Company, *steps, **options):
    """Run ``steps`` (callables taking the explorer, awaited after each) on a new explorer; return it."""

    async def scenario() -> DataExplorer:
        explorer = DataExplorer(client, company, **options)
        await explorer.wait()
        for step in steps:
            step(explorer)
            await explorer.wait()
        return explorer

    return asyncio.run(scenario())


def choose(data_type: str):
    return lambda explorer: setattr(explorer.data_type, "value", data_type)


# -- logic -------------------------------------------------------------------------------------------


def test_the_data_types_are_the_readable_ones_and_the_two_reports() -> None:
    assert DATA_TYPES == (*codat_nb.reads.READABLE, "balanceSheet", "profitAndLoss")


def test_page_labels_and_report_pages() -> None:
    assert page_label(2, 360) == "Page 2 of 18"
    assert page_label(1, 20) == "Page 1 of 1" and page_label(1, 0) == "No records"
    frame = pd.DataFrame({"n": range(45)})
    assert frame_page(frame, 3)["n"].tolist() == list(range(40, 45))
    assert frame_page(frame, 99)["n"].tolist() == list(range(40, 45))


def test_the_preview_is_escaped() -> None:
    html = preview_html(pd.DataFrame({"name": ["<script>alert(1)</script>"], "<b>": [1]}))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<th>&lt;b&gt;</th>" in html
    assert "No rows here" in preview_html(pd.DataFrame({"id": pd.Series([], dtype="str")}))
    assert "&lt;x&gt;" in curl_html("curl '<x>'") and curl_html("") == ""


def test_charts_fit_their_data_types() -> None:
    assert [c.label for c in charts_for("invoices")] == ["Receivables aging", "Top customers", "Invoiced vs billed per month"]
    assert [c.reads for c in charts_for("bills")] == [("invoices", "bills")]
    assert [c.reads for c in charts_for("profitAndLoss")] == [()]  # from the report shown: nothing more to read
    assert charts_for("customers") == () and charts_for(None) == ()


def test_what_to_do_after_a_conflict_names_the_sync() -> None:
    error = ConflictError("The data set has not been requested.", status=409)
    assert "Sync it first: SyncPanel" in next_step_for(error, "bills")
    assert "refresh_data_type(company_id, 'bills')" in next_step_for(error, "bills")
    assert next_step_for(ValueError("x"), "bills") is None


def test_summaries() -> None:
    assert summary(View("c", "invoices", count=360, total=360)) == "invoices: 360 records"
    assert summary(View("c", "bankTransactions", account_id="a", count=598, total=573)) == "bankTransactions: 598 records (573 in this account)"
    bs = pd.DataFrame({"date": ["2025-01-31", "2025-01-31", "2025-02-28"], "value": [1, 2, 3]})
    assert summary(View("c", "balanceSheet", tables={"balance_sheet": bs})) == "balanceSheet: 2 periods, 3 lines"


def test_exports_go_to_a_folder_per_format_and_links_decode(tmp_path: Path) -> None:
    assert export_folder(tmp_path, "csv") == tmp_path / "csv"
    file = tmp_path / "a.csv"
    file.write_bytes(b"id\n1\n")
    link = download_link(file, "invoices.csv", "text/csv")
    assert re.fullmatch(r"<a download='invoices.csv' href='data:text/csv;base64,([^']+)'>Download invoices.csv</a>", link)
    assert base64.b64decode(re.search(r"base64,([^']+)'", link).group(1)) == b"id\n1\n"


# -- the widget -----------------------------------------------------------------------------------------


def test_a_page_of_invoices_with_its_count_child_frames_and_curl(client: codat_nb.Client, company: codat_nb.Company) -> None:
    explorer = explore(client, company, choose("invoices"))
    body = client.get_page(company.id, "invoices", page=1, page_size=20)
    count = client.count_records(company.id, "invoices")
    assert explorer.feedback.value == ""
    assert text(explorer.count_info.value) == f"invoices: {count:,} records"
    assert ids(explorer.shown_frame) == [r["id"] for r in body["results"]]
    assert body["results"][0]["id"] in explorer.preview.value
    assert text(explorer.page_info.value) == f"Page 1 of {-(-count // 20)}"
    assert explorer.previous_button.disabled and not explorer.next_button.disabled
    assert list(explorer.table_choice.options) == list(frames.tables("invoices", body["results"]))
    assert explorer.title.value.count("Platypus Properties") == 1
    explorer.table_choice.value = "invoices.line_items"
    lines = explorer.shown_frame
    assert "description" in lines.columns and set(lines["invoice_id"]) <= {r["id"] for r in body["results"]}
    assert len(lines) == sum(len(r.get("lineItems") or []) for r in body["results"])


def test_previous_and_next_read_one_page_each_and_curl_shows_it(client: codat_nb.Client, company: codat_nb.Company) -> None:
    async def scenario() -> tuple[list[str], list[str], str, str, int, DataExplorer]:
        explorer = DataExplorer(client, company)
        explorer.data_type.value = "invoices"
        await explorer.wait()
        sent = explorer.client.requests_sent
        explorer.next_button.click()
        await explorer.wait()
        second, label, curl = ids(explorer.shown_frame), text(explorer.page_info.value), text(explorer.curl.value)
        requests = explorer.client.requests_sent - sent
        explorer.previous_button.click()
        await explorer.wait()
        return second, ids(explorer.shown_frame), label, curl, requests, explorer

    second, first, label, curl, requests, explorer = asyncio.run(scenario())
    assert second == [r["id"] for r in client.get_page(company.id, "invoices", page=2, page_size=20)["results"]]
    assert first == [r["id"] for r in client.get_page(company.id, "invoices", page=1, page_size=20)["results"]]
    assert requests == 1  # the page, not the count again nor every record
    assert label == "Page 2 of 18"
    assert f"curl 'http://sandbox.codat.local/companies/{company.id}/data/invoices?page=2&pageSize=20'" in curl
    assert '"$CODAT_API_KEY"' in curl
    assert client._key.authorization() not in curl and base64.b64encode(b"sandbox").decode() not in curl
    assert "/data/invoices?page=1&pageSize=20'" in text(explorer.curl.value)


def test_bank_transactions_are_paged_per_bank_account(client: codat_nb.Client, company: codat_nb.Company) -> None:
    accounts = client.list_records(company.id, "bankAccounts")

    def second_account(explorer: DataExplorer) -> None:
        explorer.account.value = accounts[1]["id"]

    explorer = explore(client, company, choose("bankTransactions"), second_account)
    assert [value for _, value in explorer.account.options] == [a["id"] for a in accounts]
    assert accounts[0]["accountName"] in explorer.account.options[0][0]
    assert explorer.account.layout.display == ""
    page = client.get_page(company.id, "bankTransactions", page=1, page_size=20, account_id=accounts[1]["id"])
    assert ids(explorer.shown_frame) == [r["id"] for r in page["results"]]
    total = client.count_records(company.id, "bankTransactions")
    assert text(explorer.count_info.value) == f"bankTransactions: {total:,} records ({page['totalResults']:,} in this account)"
    assert f"bankAccounts/{accounts[1]['id']}/bankTransactions?page=1" in text(explorer.curl.value)


def test_show_chart_reads_the_invoices_and_draws_the_aging(client: codat_nb.Client, company: codat_nb.Company) -> None:
    def show_chart(explorer: DataExplorer) -> None:
        assert explorer.figure is None  # not drawn until asked: it reads every invoice
        explorer.chart_button.click()

    def top_customers(explorer: DataExplorer) -> None:
        explorer.chart_choice.value = "Top customers"
        explorer.chart_button.click()

    async def scenario() -> tuple[DataExplorer, tuple, tuple]:
        explorer = DataExplorer(client, company)
        for step in (choose("invoices"), show_chart):
            step(explorer)
            await explorer.wait()
        aging = explorer.figure.data[0].x, explorer.figure.data[0].y
        top_customers(explorer)
        await explorer.wait()
        return explorer, aging, (explorer.figure.data[0].x, explorer.figure.data[0].y)

    explorer, aging, top = asyncio.run(scenario())
    invoices = client.read_frame(company.id, "invoices")
    expected = charts.receivables_aging_figure(invoices).data[0]
    assert aging == (tuple(charts.AGING_BUCKETS), expected.y) and sum(aging[1]) > 0
    expected = charts.top_customers_figure(invoices).data[0]
    assert top == (expected.x, expected.y)
    assert explorer.chart_box.children == (explorer.figure,) and type(explorer.figure).__name__ == "FigureWidget"


def test_profit_and_loss_shows_its_long_frame_and_waterfall(client: codat_nb.Client, company: codat_nb.Company) -> None:
    explorer = explore(client, company, choose("profitAndLoss"), lambda e: e.next_button.click())
    pnl = frames.profit_and_loss_frame(client.profit_and_loss(company.id))
    assert list(explorer.frames) == ["profit_and_loss"] and len(explorer.frames["profit_and_loss"]) == len(pnl)
    assert text(explorer.page_info.value) == f"Page 2 of {-(-len(pnl) // 20)}"
    assert explorer.shown_frame.reset_index(drop=True).equals(pnl.iloc[20:40].reset_index(drop=True))
    assert "/data/financials/profitAndLoss?" in text(explorer.curl.value)
    assert text(explorer.count_info.value).startswith("profitAndLoss: 12 periods")
    expected = charts.profit_and_loss_waterfall_figure(pnl).data[0]
    assert explorer.figure.data[0].type == "waterfall" and explorer.figure.data[0].y == expected.y


def test_balance_sheet_composition(client: codat_nb.Client, company: codat_nb.Company) -> None:
    explorer = explore(client, company, choose("balanceSheet"))
    expected = charts.balance_sheet_composition_figure(frames.balance_sheet_frame(client.balance_sheet(company.id)))
    assert [(t.name, t.y) for t in explorer.figure.data] == [(t.name, t.y) for t in expected.data]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_record_and_links_the_files(client: codat_nb.Client, company: codat_nb.Company, tmp_path: Path, fmt: str) -> None:
    def export(explorer: DataExplorer) -> None:
        explorer.export_format.value = fmt
        explorer.export_button.click()

    explorer = explore(client, company, choose("invoices"), export, export_dir=tmp_path)
    result = explorer.exported
    assert explorer.feedback.value == "" and result is not None
    main = result.paths["invoices"]
    assert main == tmp_path / fmt / "invoices" / f"company_id={company.id}" / f"part-0.{fmt}" and main.exists()
    read = pq.read_table(main).to_pandas() if fmt == "parquet" else pd.read_csv(main)
    assert len(read) == client.count_records(company.id, "invoices")
    lines = result.paths["invoices.line_items"]
    assert result.rows["invoices.line_items"] == len(pq.read_table(lines) if fmt == "parquet" else pd.read_csv(lines)) > 0
    html = explorer.export_result.value
    assert str(main) in html
    links = dict(re.findall(r"<a download='([^']+)' href='data:[^;]+;base64,([^']+)'>", html))
    assert base64.b64decode(links[f"invoices.{fmt}"]) == main.read_bytes()
    assert len(links) == len(result.tables)


def test_export_of_a_large_file_gives_its_path_only(client: codat_nb.Client, company: codat_nb.Company, tmp_path: Path) -> None:
    explorer = explore(client, company, choose("customers"), lambda e: e.export_button.click(), export_dir=tmp_path, download_limit=10)
    assert "data:" not in explorer.export_result.value and "too large to download here" in explorer.export_result.value
    assert str(explorer.exported.paths["customers"]) in explorer.export_result.value


def test_a_type_not_synced_yet_says_to_sync_it_first(sandbox: codat_nb.Sandbox, client: codat_nb.Client) -> None:
    queued = linked_company(sandbox, client, "Bank of Dave")  # linked, its first sync still queued
    explorer = explore(client, queued, choose("bills"))
    html = explorer.feedback.value
    assert "Codat answered 409" in html and "Sync it first: SyncPanel" in html and "refresh_data_type(company_id, 'bills')" in unescape(html)
    assert re.search(r"Correlation id <code>[0-9a-f]{8,}</code>", html)
    assert explorer.view is None and explorer.preview.value == "" and explorer.count_info.value == ""


def test_an_api_error_is_shown_inline_and_the_explorer_stays_usable(sandbox: codat_nb.Sandbox, client: codat_nb.Client, company: codat_nb.Company) -> None:
    def fail(_explorer: DataExplorer) -> None:
        fail_next(sandbox, 500, "GET", f"/companies/{company.id}/data/bills")

    failed: list[str] = []
    explorer = explore(client, company, fail, choose("bills"), lambda e: failed.append(e.feedback.value), lambda e: e.refresh_button.click())
    assert "Codat answered 500" in failed[0] and re.search(r"Correlation id <code>[0-9a-f]{8,}</code>", failed[0])
    assert explorer.feedback.value == ""
    assert text(explorer.count_info.value) == f"bills: {client.count_records(company.id, 'bills'):,} records"


def test_a_type_the_platform_lacks_says_so(client: codat_nb.Client, company: codat_nb.Company) -> None:
    explorer = explore(client, company, choose("journals"), choose("suppliers"), choose("journals"))
    assert "does not provide journals: choose another data type" in explorer.feedback.value
    assert explorer.view is None and explorer.preview.value == ""


def test_wired_to_a_picker_and_the_last_choice_wins(client: codat_nb.Client, company: codat_nb.Company) -> None:
    other = client.create_company("Superapp")

    async def scenario() -> tuple[DataExplorer, str]:
        picker = CompanyPicker(client)
        explorer = DataExplorer(client)
        picker.on_pick(explorer.show)
        assert "Pick a company" in explorer.title.value
        await picker.wait()
        picker.pick(other)
        picker.pick(company.id)
        explorer.data_type.value = "invoices"  # while the first load runs: shown once it ends
        explorer.data_type.value = "customers"
        await explorer.wait()
        return explorer, picker.company.name

    explorer, picked = asyncio.run(scenario())
    assert picked == "Platypus Properties" and explorer.company_id == company.id
    assert explorer.view.data_type == "customers"
    assert ids(explorer.shown_frame) == [r["id"] for r in client.get_page(company.id, "customers", page=1, page_size=20)["results"]]
    assert "Data of Platypus Properties" in explorer.title.value


def test_a_company_given_by_id_is_named_once_read(client: codat_nb.Client, company: codat_nb.Company) -> None:
    explorer = explore(client, company.id, choose("company"))
    assert "Data of Platypus Properties" in explorer.title.value
    info = client.company_info(company.id)
    assert explorer.shown_frame["company_name"].tolist() == [info["companyName"]]
    assert text(explorer.count_info.value) == "company: 1 record" and "/data/info" in text(explorer.curl.value)
