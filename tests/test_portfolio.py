"""codat_nb.portfolio on a manual-clock Sandbox: onboarding many companies at once, the metrics against hand
computations from Codat's own JSON, the hive export read back with DuckDB, tags, freshness, and bad input."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import httpx
import pandas as pd
import pytest

import codat_nb
from codat_nb import SyncFailedError, ValidationError
from codat_nb import portfolio as pf
from codat_nb.records import Company, DataStatus

SIZE = 9  # three of each sample kind
AS_OF = date(2026, 1, 5)  # the manual clock's day
KINDS = ("small-uk", "us-retailer", "multi-currency-wholesaler")


class Peak(httpx.AsyncBaseTransport):
    """Counts requests in flight at the transport, independently of RequestCounter."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.now, self.peak = inner, 0, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.001)  # let other tasks in, so requests really overlap
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One portfolio onboarded, read, exported and queried on a manual clock, for every test to look at."""
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    peak = Peak(sandbox.emulator.transport())
    counter = pf.RequestCounter(peak)
    client = sandbox.async_client(transport=counter)
    specs = pf.sample_specs(SIZE, seed=0, name_prefix="Test")
    reports: list[pf.OnboardProgress] = []
    out = tmp_path_factory.mktemp("portfolio-export")

    async def go() -> SimpleNamespace:
        onboarded = await pf.onboard(client, specs, on_progress=reports.append)
        books = await pf.read_portfolio(client, onboarded)
        exported = await pf.export_portfolio(books, out)
        uk = await client.list_companies(query='tags.portfolio=Test && tags.region=uk')
        uk_mid = await client.list_companies(query="tags.region=uk && {tags.segment=mid || tags.segment=micro}")
        everyone = await client.list_companies()
        return SimpleNamespace(onboarded=onboarded, books=books, exported=exported, uk=uk, uk_mid=uk_mid, everyone=everyone)

    result = asyncio.run(go())
    result.__dict__.update(sandbox=sandbox, client=client, counter=counter, peak=peak, specs=specs, reports=reports, out=out)
    yield result
    asyncio.run(client.aclose())
    sandbox.close()


def _books_of(run: Any, kind: str) -> pf.Books:
    name = next(s.name for s in run.specs if s.dataset == kind)
    return next(b for b in run.books if b.company.name == name)


# -- onboarding ------------------------------------------------------------------------------------------


def test_onboard__creates_each_company_once_with_its_tags_linked_and_synced(run: Any) -> None:
    names = sorted(c.name for c in run.everyone)
    assert names == sorted(s.name for s in run.specs) and len(set(names)) == SIZE
    by_name = {c.name: c for c in run.everyone}
    for spec, result in zip(run.specs, run.onboarded):
        assert result.ok and result.error is None and result.spec is spec
        stored = by_name[spec.name]
        assert dict(stored.tags) == dict(spec.tags) == {"region": spec.tags["region"], "segment": spec.tags["segment"], "portfolio": "Test"}
        assert [c.status for c in stored.data_connections] == ["Linked"]
        assert result.connection is not None and result.connection.status == "Linked"
        assert len(result.statuses) == 17 and {s.current_status for s in result.statuses.values()} == {"Complete"}


def test_onboard__links_each_company_to_its_sample_and_size(run: Any) -> None:
    for spec, books in zip(run.specs, run.books):
        assert len(books["invoices"]) == spec.invoices
    currencies = {spec.dataset: books.base_currency for spec, books in zip(run.specs, run.books)}
    assert currencies == {"small-uk": "GBP", "us-retailer": "USD", "multi-currency-wholesaler": "GBP"}
    wholesaler = _books_of(run, "multi-currency-wholesaler")["invoices"]
    assert set(wholesaler["currency"]) == {"GBP", "EUR", "USD", "CHF"}


def test_onboard__progress_is_monotone_per_company_and_overall_and_ends_at_100(run: Any) -> None:
    reports = run.reports
    assert reports[0].overall == 0 and {c.stage for c in reports[0].companies} == {"Waiting"}
    overall = [r.overall for r in reports]
    assert overall == sorted(overall) and overall[-1] == 100
    for index in range(SIZE):
        percents = [r.companies[index].percent for r in reports]
        stages = [pf.STAGES.index(r.companies[index].stage) for r in reports]
        assert percents == sorted(percents) and stages == sorted(stages)
        assert {"Created", "Connected", "Linked", "Syncing", "Synced"} <= {r.companies[index].stage for r in reports}
    last = reports[-1]
    assert last.finished and last.synced == SIZE and last.failed == 0 and repr(last) == f"OnboardProgress({SIZE}/{SIZE} companies done, 100%)"
    assert sum(r.finished for r in reports) == 1  # the last report, and only it


def test_requests__never_more_than_10_in_flight_and_every_one_counted_per_company(run: Any) -> None:
    assert run.peak.peak == 10  # the reads fill the client's 10 slots, and never more
    assert run.counter.peak_in_flight <= 10
    assert run.counter.total == run.client.requests_sent == sum(run.counter.by_company.values())
    ids = {r.company.id for r in run.onboarded}
    assert set(run.counter.by_company) == ids | {pf.NO_COMPANY}
    # the three list_companies calls, and before each create the look for companies of its name
    # (what settles a create whose answer is lost: codat_nb.operations.create_company)
    assert run.counter.by_company[pf.NO_COMPANY] == 3 + SIZE
    # each company: its create (attributed from the answer), connection, polls, and its reads
    assert all(run.counter.by_company[i] >= 20 for i in ids)


def test_daily_request_budget__is_1000_per_connected_company_plus_1000() -> None:
    assert pf.daily_request_budget(0) == 1000 and pf.daily_request_budget(25) == 26_000
    with pytest.raises(ValidationError, match="connected_companies must be a whole number >= 0"):
        pf.daily_request_budget(-1)


def test_onboard__a_failed_sync_fails_that_company_only(tmp_path: Path) -> None:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    with sandbox.emulator.http_client() as control:
        control.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}})
    client = sandbox.async_client()
    reports: list[pf.OnboardProgress] = []
    specs = [pf.CompanySpec("First Ltd", invoices=120), pf.CompanySpec("Second Ltd", invoices=130)]
    results = asyncio.run(pf.onboard(client, specs, on_progress=reports.append))
    failed = [r for r in results if not r.ok]
    assert len(failed) == 1 and isinstance(failed[0].error, SyncFailedError)
    assert "invoices" not in failed[0].statuses and len(failed[0].statuses) == 16  # the others completed
    assert reports[-1].failed == 1 and reports[-1].synced == 1 and reports[-1].overall == 100
    assert [c.stage for c in reports[-1].companies if c.error] == ["Failed"]
    with pytest.raises(ValidationError, match="did not onboard .* read only the companies with .ok"):
        asyncio.run(pf.read_portfolio(client, results))
    asyncio.run(client.aclose())
    sandbox.close()


# -- metrics against hand computations from Codat's JSON ----------------------------------------------


def _hand(run: Any, books: pf.Books) -> dict[str, float]:
    """The metrics computed from Codat's JSON as the blocking client returns it, without codat_nb.frames."""
    blocking = run.sandbox.client()
    cid = books.company.id
    base = blocking.company_info(cid)["baseCurrency"]
    pnl = blocking.profit_and_loss(cid, periods_to_compare=13)["reports"]
    ttm = [p for p in pnl if "2025-01-01" <= p["fromDate"][:10] and p["toDate"][:10] <= "2025-12-31"]
    income = sum(p["income"]["value"] for p in ttm)
    invoices = blocking.list_records(cid, "invoices", page_size=5000)
    day = AS_OF.isoformat()

    def base_amount(invoice: dict[str, Any], field: str) -> float:
        return invoice[field] if invoice["currency"] == base else invoice[field] * invoice["currencyRate"]

    owed = [i for i in invoices if i["amountDue"] > 0 and i["status"] not in ("Paid", "Void", "Draft") and i["issueDate"][:10] <= day]
    overdue = [i for i in owed if (i.get("dueDate") or i["issueDate"])[:10] < day]
    sold = [i for i in invoices if "2025-01-01" <= i["issueDate"][:10] <= "2025-12-31" and i["status"] not in ("Void", "Draft")]
    invoiced = sum(base_amount(i, "totalAmount") for i in sold)
    receivables = sum(base_amount(i, "amountDue") for i in owed)
    banks = {a["id"] for a in blocking.list_records(cid, "chartOfAccounts") if a["isBankAccount"]}
    sheet = max(blocking.balance_sheet(cid, periods_to_compare=13)["reports"], key=lambda r: r["date"])

    def bank_lines(line: dict[str, Any]) -> float:
        if line.get("items"):
            return sum(bank_lines(item) for item in line["items"])
        return line["value"] if line.get("accountId") in banks else 0.0

    blocking.close()
    return {
        "revenue": income, "gross_margin": sum(p["grossProfit"] for p in ttm) / income, "net_profit": sum(p["netProfit"] for p in ttm),
        "receivables": receivables, "receivables_overdue": sum(base_amount(i, "amountDue") for i in overdue),
        "dso_days": receivables / invoiced * 365, "cash": bank_lines(sheet["assets"]), "months": len(ttm),
    }  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_summary_frame__metrics_equal_hand_computations_from_codats_json(run: Any, kind: str) -> None:
    books = _books_of(run, kind)
    row = pf.summary_frame(run.books).set_index("company_id").loc[books.company.id]
    hand = _hand(run, books)
    assert row["months"] == hand["months"] == 12
    assert row["as_of"] == pd.Timestamp(AS_OF)
    assert (row["period_start"], row["period_end"]) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    for metric in ("revenue", "net_profit", "receivables", "receivables_overdue", "cash"):
        assert row[metric] == pytest.approx(hand[metric], abs=0.01), metric
    assert row["gross_margin"] == pytest.approx(hand["gross_margin"], abs=1e-4)
    assert row["dso_days"] == pytest.approx(hand["dso_days"], abs=0.05)
    assert row["overdue_share"] == pytest.approx(hand["receivables_overdue"] / hand["receivables"], abs=1e-4)
    assert 0 < row["receivables_overdue"] < row["receivables"] and row["cash"] > 0
    assert row["last_sync"] == max(s.last_successful_sync for s in books.statuses.values())


def test_summary_frame__the_wholesalers_foreign_invoices_count_in_pounds(run: Any) -> None:
    books = _books_of(run, "multi-currency-wholesaler")
    invoices = books["invoices"]
    foreign = invoices[invoices["currency"] != "GBP"]
    assert len(foreign) and (foreign["currency_rate"] < 1).all()
    naive = pf.company_metrics(invoices=invoices, profit_and_loss=books["profit_and_loss"], balance_sheet=books["balance_sheet"],
                               chart_of_accounts=books["chart_of_accounts"], base_currency=None, as_of=AS_OF)  # fmt: skip
    converted = pf.summary_frame([books]).iloc[0]
    assert converted["receivables"] < naive["receivables"]  # unconverted euros and dollars would count as pounds


def test_summary_frame__one_row_per_company_sorted_by_name_with_its_tags(run: Any) -> None:
    summary = pf.summary_frame(run.books)
    assert summary["company_name"].tolist() == sorted(s.name for s in run.specs)
    assert list(summary.columns) == [
        "company_id", "company_name", "portfolio", "region", "segment", "currency", "invoices", "as_of", "period_start", "period_end",
        "months", "revenue", "gross_margin", "net_profit", "receivables", "receivables_overdue", "overdue_share", "dso_days", "cash",
        "last_sync",
    ]  # fmt: skip
    tags = {s.name: dict(s.tags) for s in run.specs}
    assert all(tags[r.company_name]["segment"] == r.segment for r in summary.itertuples())
    assert str(summary["last_sync"].dt.tz) == "UTC"
    assert summary.loc[summary["company_name"].str.contains("Studio"), "gross_margin"].eq(1.0).all()  # no cost of sales
    narrow = pf.summary_frame(run.books, tags=["region"])
    assert "segment" not in narrow.columns and "region" in narrow.columns


def test_summary_frame__as_of_moves_the_period_and_the_overdue_day(run: Any) -> None:
    books = _books_of(run, "small-uk")
    later = pf.summary_frame([books], as_of="2026-02-10").iloc[0]
    now = pf.summary_frame([books]).iloc[0]
    assert later["period_start"] == pd.Timestamp("2025-02-01") and later["period_end"] == pd.Timestamp("2026-01-31")
    assert later["months"] == 12 and later["receivables_overdue"] >= now["receivables_overdue"]


def test_ttm_period__the_twelve_full_months_before_the_month_of_as_of() -> None:
    assert pf.ttm_period("2026-01-05") == (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    assert pf.ttm_period(datetime(2024, 3, 1, 23, 59, tzinfo=timezone.utc)) == (pd.Timestamp("2023-03-01"), pd.Timestamp("2024-02-29"))
    with pytest.raises(ValidationError, match="as_of must be a date such as '2026-01-05'"):
        pf.ttm_period("last tuesday")


def test_metrics__are_defined_for_every_summary_column() -> None:
    documented = {name for key in pf.METRICS for name in key.split(", ")}
    assert documented == {"as_of", "period_start", "period_end", "months", "revenue", "gross_margin", "net_profit", "receivables",
                          "receivables_overdue", "overdue_share", "dso_days", "cash", "last_sync"}  # fmt: skip


# -- export and DuckDB ---------------------------------------------------------------------------------


def test_export__one_hive_dataset_read_back_with_duckdb(run: Any) -> None:
    out = run.out
    ids = {b.company.id for b in run.books}
    assert [r.company_id for r in run.exported] == [b.company.id for b in run.books]
    db = duckdb.connect()
    for name in ("invoices", "invoices.line_items", "customers", "profit_and_loss", "balance_sheet", "companies", "data_status"):
        folder = name.replace(".", "__")
        assert {p.name for p in (out / folder).iterdir()} == {f"company_id={i}" for i in ids}, name
        read = f"read_parquet('{out}/{folder}/*/*.parquet', hive_partitioning = true)"
        counts = dict(db.sql(f"SELECT company_id, count(*) FROM {read} GROUP BY ALL").fetchall())
        assert counts == {b.company.id: len(b[name]) for b in run.books}, name
    total = db.sql(f"SELECT count(*) FROM read_parquet('{out}/invoices/*/*.parquet', hive_partitioning = true)").fetchall()[0][0]
    assert total == sum(s.invoices for s in run.specs)
    companies = f"read_parquet('{out}/companies/*/*.parquet', hive_partitioning = true)"
    tags = dict(db.sql(f"SELECT name, json_extract_string(tags, '$.region') FROM {companies}").fetchall())
    assert tags == {s.name: s.tags["region"] for s in run.specs}


def test_export__refuses_what_is_not_books(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="export_portfolio got no companies"):
        asyncio.run(pf.export_portfolio([], tmp_path))
    with pytest.raises(ValidationError, match="takes the Books that read_portfolio returns; got dict"):
        asyncio.run(pf.export_portfolio([{}], tmp_path))


# -- tags and Codat's query language --------------------------------------------------------------------


def test_list_companies__filters_the_portfolio_by_its_tags(run: Any) -> None:
    uk = {s.name for s in run.specs if s.tags["region"] == "uk"}
    assert {c.name for c in run.uk} == uk and len(uk) == 6
    wanted = {s.name for s in run.specs if s.tags["region"] == "uk" and s.tags["segment"] in ("mid", "micro")}
    assert {c.name for c in run.uk_mid} == wanted


# -- freshness -----------------------------------------------------------------------------------------


def _status(data_type: str, status: str | None, synced: str | None) -> DataStatus:
    raw: dict[str, Any] = {"dataType": data_type}
    if status is not None:
        raw["currentStatus"] = status
    if synced is not None:
        raw["lastSuccessfulSync"] = synced
    return DataStatus.from_json(raw)


def _company(name: str, number: int) -> Company:
    return Company.from_json({"id": f"00000000-0000-4000-8000-{number:012d}", "name": name, "redirect": "https://link.codat.io/x"})


def test_freshness_frame__levels_by_age_and_status() -> None:
    now = "2026-01-08T09:00:00Z"
    a = (_company("Beta Ltd", 2), {
        "invoices": _status("invoices", "Complete", "2026-01-08T08:30:00Z"),   # 0.5 h
        "bills": _status("bills", "Complete", "2026-01-07T10:00:00Z"),         # 23 h
        "payments": _status("payments", "Complete", "2026-01-05T09:00:00Z"),   # 72 h
        "customers": _status("customers", "Complete", "2025-12-01T09:00:00Z"),  # > 7 days
    })  # fmt: skip
    b = (_company("Alpha Ltd", 1), {
        "invoices": _status("invoices", "FetchError", "2026-01-08T08:59:00Z"),  # failed now, old data there: Failed
        "bills": _status("bills", "Fetching", None),
        "payments": _status("payments", "NotSupported", None),
    })  # fmt: skip
    frame = pf.freshness_frame([a, b], now=now)
    assert frame["company_name"].tolist() == ["Alpha Ltd"] * 4 + ["Beta Ltd"] * 4
    levels = dict(zip(zip(frame["company_name"], frame["data_type"]), frame["freshness"].astype(str)))
    assert levels == {
        ("Alpha Ltd", "bills"): "Syncing", ("Alpha Ltd", "customers"): "Never synced", ("Alpha Ltd", "invoices"): "Failed",
        ("Alpha Ltd", "payments"): "Not supported", ("Beta Ltd", "bills"): "1-24 hours", ("Beta Ltd", "customers"): "> 7 days",
        ("Beta Ltd", "invoices"): "< 1 hour", ("Beta Ltd", "payments"): "1-7 days",
    }  # fmt: skip
    assert list(frame["freshness"].cat.categories) == list(pf.FRESHNESS) and frame["freshness"].cat.ordered
    assert frame.set_index(["company_name", "data_type"]).loc[("Beta Ltd", "payments"), "age_hours"] == 72.0
    default = pf.freshness_frame([a, b])  # ages up to the latest sync in the data, never the clock
    assert default.set_index(["company_name", "data_type"]).loc[("Beta Ltd", "invoices"), "age_hours"] == pytest.approx(29 / 60)  # to 08:59


def test_freshness_frame__on_the_sandbox_three_days_later(run: Any) -> None:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    client = sandbox.async_client()

    async def go() -> pd.DataFrame:
        results = await pf.onboard(client, [pf.CompanySpec("Fresh Ltd", invoices=100), pf.CompanySpec("Stale Ltd", invoices=110)])
        sandbox.advance(3 * 86400)
        await client.refresh_data_type(results[0].company.id, "invoices")
        await client.wait_for_sync(results[0].company.id, data_types=["invoices"])
        pairs = await pf.fetch_statuses(client, [r.company for r in results])
        return pf.freshness_frame(pairs, now=sandbox.emulator.clock.now())

    frame = asyncio.run(go())
    counts = frame.groupby(["company_name", "freshness"], observed=True).size().to_dict()
    assert counts == {("Fresh Ltd", "< 1 hour"): 1, ("Fresh Ltd", "1-7 days"): 16, ("Stale Ltd", "1-7 days"): 17}
    asyncio.run(client.aclose())
    sandbox.close()


def test_freshness_frame__refuses_bad_input() -> None:
    pair = (_company("A", 1), {"invoices": _status("invoices", "Complete", "2026-01-05T09:00:00Z")})
    with pytest.raises(ValidationError, match="now must be a timezone-aware time"):
        pf.freshness_frame([pair], now="2026-01-05 09:00")
    with pytest.raises(ValidationError, match="got no companies"):
        pf.freshness_frame([])
    with pytest.raises(ValidationError, match=r"takes \(Company, data_status\) pairs or Books; got str"):
        pf.freshness_frame(["A"])


# -- specs and bad input -------------------------------------------------------------------------------


def test_sample_specs__cycles_the_samples_with_distinct_seeded_sizes_and_tags() -> None:
    specs = pf.sample_specs(25, seed=0, name_prefix="Portfolio")
    assert [s.dataset for s in specs[:3]] == list(pf.SAMPLES) and len(specs) == 25
    assert specs[0].name == "Portfolio Studio 01" and specs[24].name == "Portfolio Studio 25"
    for kind in pf.SAMPLES:
        sizes = [s.invoices for s in specs if s.dataset == kind]
        low, high = pf.SAMPLE_SIZES[kind]
        assert len(set(sizes)) == len(sizes) and all(low <= n <= high and n % 10 == 0 for n in sizes)
    assert all(s.tags["segment"] == pf.segment_of(s.invoices) for s in specs)
    assert {s.tags["region"] for s in specs if s.dataset == "us-retailer"} == {"us"}
    assert pf.sample_specs(25, seed=0) == specs and pf.sample_specs(25, seed=1) != specs
    assert [s.name for s in pf.sample_specs(2, name_prefix="Acme")] == ["Acme Studio 01", "Acme Outfitters 02"]
    assert pf.specs_frame(specs[:2])[["name", "dataset", "invoices", "region"]].to_dict("list") == {
        "name": ["Portfolio Studio 01", "Portfolio Outfitters 02"], "dataset": ["small-uk", "us-retailer"],
        "invoices": [specs[0].invoices, specs[1].invoices], "region": ["uk", "us"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: pf.sample_specs(0), r"The portfolio size \(PORTFOLIO_SIZE\) must be a whole number from 1 to 300; got 0"),
        (lambda: pf.sample_specs(True), r"PORTFOLIO_SIZE\) must be a whole number"),
        (lambda: pf.sample_specs(3, name_prefix="[]"), r"name_prefix \(NAME_PREFIX\) must be 1-100 characters with letters or digits"),
        (lambda: pf.CompanySpec("A Ltd", dataset="small-us"), r"Unknown dataset 'small-us' for 'A Ltd': use one of .* Did you mean 'small-uk'\?"),
        (lambda: pf.CompanySpec("A Ltd", invoices=0), r"invoices for 'A Ltd' must be a whole number from 1 to 1,000,000"),
        (lambda: pf.CompanySpec("A Ltd", tags={"region": 1}), r"Tag 'region' must have a string value"),
        (lambda: pf.CompanySpec("***"), r"CompanySpec name must be text with letters or digits"),
        (lambda: pf.check_specs([]), r"specs is empty: pass at least one CompanySpec, e.g. sample_specs\(25\)"),
        (lambda: pf.check_specs([pf.CompanySpec("Acme Ltd"), pf.CompanySpec("ACME ltd")]),
         r"The company name 'ACME ltd' appears twice in specs \(positions 0 and 1\): give each company its own name, e.g. 'ACME ltd 2'"),
        (lambda: pf.check_specs(["Acme"]), r"specs\[0\] is a str, not a CompanySpec"),
        (lambda: pf.check_specs(pf.CompanySpec("Acme")), r"specs must be a list of CompanySpec; got CompanySpec"),
    ],
)  # fmt: skip
def test_bad_specs__raise_validation_errors_that_say_what_to_fix(make: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make()


def test_onboard__refuses_bad_arguments_before_any_request() -> None:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    blocking = sandbox.client()
    client = sandbox.async_client()
    spec = [pf.CompanySpec("A Ltd")]
    with pytest.raises(ValidationError, match=r"onboard needs a codat_nb.AsyncClient \(sandbox.async_client\(\), .*\); got Client"):
        asyncio.run(pf.onboard(blocking, spec))
    with pytest.raises(ValidationError, match="specs is empty"):
        asyncio.run(pf.onboard(client, []))
    with pytest.raises(ValidationError, match="on_progress must be a function; got str"):
        asyncio.run(pf.onboard(client, spec, on_progress="print"))
    with pytest.raises(ValidationError, match="sync_timeout must be a positive number of seconds; got 0"):
        asyncio.run(pf.onboard(client, spec, sync_timeout=0))
    assert client.requests_sent == 0 and blocking.list_companies() == []
    blocking.close()
    asyncio.run(client.aclose())
    sandbox.close()


def test_read_portfolio_and_summary__refuse_what_they_cannot_read(run: Any) -> None:
    with pytest.raises(ValidationError, match="read_portfolio takes Onboarded results or Company records; got str"):
        asyncio.run(pf.read_portfolio(run.client, ["not a company"]))
    with pytest.raises(ValidationError, match="companies_at_once must be a whole number from 1 to 50"):
        asyncio.run(pf.read_portfolio(run.client, [], companies_at_once=0))
    with pytest.raises(ValidationError, match="summary_frame takes the Books that read_portfolio returns; got str"):
        pf.summary_frame(["books"])
    with pytest.raises(ValidationError, match="The tag\\(s\\) revenue would hide a metric column"):
        pf.summary_frame(run.books, tags=["revenue"])
    books = run.books[0]
    with pytest.raises(ValidationError, match=f"The books of '{books.company.name}' have no table 'journals'"):
        books["journals"]


def test_read_books__reads_only_what_is_asked_and_says_why_a_type_was_skipped(run: Any) -> None:
    books = asyncio.run(pf.read_books(run.client, run.books[0].company.id, ["invoices", "bills"], report_months=2))
    assert set(books.tables) == {"companies", "companies.data_connections", "data_status", "invoices", "invoices.line_items",
                                 "invoices.line_items.tracking_categories", "invoices.payment_allocations", "invoices.withholding_tax",
                                 "bills", "bills.line_items", "bills.line_items.tracking_categories", "bills.payment_allocations",
                                 "bills.withholding_tax"}  # fmt: skip
    assert books.skipped == {}
    with pytest.raises(ValidationError, match="Unknown data type 'invoice'.* Did you mean 'invoices'"):
        asyncio.run(pf.read_books(run.client, run.books[0].company.id, ["invoice"]))


def test_request_counter__attributes_a_create_to_the_company_it_made() -> None:
    sandbox = codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False)
    counter = pf.RequestCounter(sandbox.emulator.transport())
    client = sandbox.async_client(transport=counter)

    async def go() -> str:
        company = await client.create_company("Counted Ltd")
        await client.get_company(company.id)
        await client.list_companies()
        return company.id

    company_id = asyncio.run(go())
    # NO_COMPANY: list_companies, and the create's look for companies of its name first
    assert counter.by_company == {company_id: 2, pf.NO_COMPANY: 2} and counter.total == client.requests_sent == 4
    assert repr(counter) == "RequestCounter(4 requests, 2 companies, peak 1 in flight)"
    with pytest.raises(ValidationError, match="RequestCounter wraps an httpx async transport; got str"):
        pf.RequestCounter("transport")
    asyncio.run(client.aclose())
    sandbox.close()


def test_onboarded_and_progress__reprs_name_the_company_and_the_count() -> None:
    spec = pf.CompanySpec("Repr Ltd")
    assert repr(pf.Onboarded(spec)) == "Onboarded('Repr Ltd', not onboarded, 0 data types)"
    progress = pf.OnboardProgress((pf.CompanyProgress("A", "Synced", 100.0), pf.CompanyProgress("B", "Failed", 100.0, error="x"),
                                   pf.CompanyProgress("C", "Syncing", 40.0)))  # fmt: skip
    assert (progress.total, progress.synced, progress.failed, progress.done, progress.finished) == (3, 1, 1, 2, False)
    assert repr(progress) == "OnboardProgress(2/3 companies done, 80%, 1 failed)"
    assert json.dumps(pf.STAGES) == '["Waiting", "Created", "Connected", "Linked", "Syncing", "Synced", "Failed"]'


def test_public_names__sorted_all_and_no_plotly_or_ipywidgets_loaded() -> None:
    """Only charts imports plotly and only widgets imports ipywidgets (STYLE.md): the portfolio logic needs neither."""
    assert list(pf.__all__) == sorted(pf.__all__) and all(hasattr(pf, name) for name in pf.__all__)
    code = "import sys, codat_nb.portfolio; print(sorted(m for m in ('plotly', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
