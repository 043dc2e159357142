"""The Accounting read endpoints, in-process and served: sync gating, paging, queries, records, reports."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import SandboxAPI

SMALL = {"dataset": "multi-currency-wholesaler", "invoices": 240}


def linked(api: SandboxAPI, options: dict[str, Any] | None = None, sync: bool = True) -> tuple[str, str]:
    """A company linked to the accounting Sandbox with the given sample; its first sync done."""
    company = api.create_company("Books Ltd", platformType="mqjo")
    connection = company["dataConnections"][0]["id"]
    answer = api.post(f"/_sandbox/companies/{company['id']}/connections/{connection}/authorize", json=options or SMALL)
    assert answer.status_code == 200, answer.text
    if sync:
        api.advance(3600)
    return company["id"], connection


def test_read__before_linking_is_409(api: SandboxAPI) -> None:
    company = api.create_company()
    answer = api.get(f"/companies/{company['id']}/data/invoices")
    assert answer.status_code == 409
    assert answer.json()["error"].startswith("The data set has not been requested.")


def test_read__during_first_sync_is_409_naming_the_pull(api: SandboxAPI) -> None:
    company, _ = linked(api, sync=False)
    answer = api.get(f"/companies/{company}/data/invoices")
    assert answer.status_code == 409
    pull = api.get(f"/companies/{company}/data/history", params={"query": "dataType=invoices"}).json()["results"][0]
    assert pull["id"] in answer.json()["error"] and "still running" in answer.json()["error"]


def test_read__type_the_sandbox_lacks_is_404(api: SandboxAPI) -> None:
    company, _ = linked(api)
    for path in ("journals", "purchaseOrders", "financials/cashFlowStatement"):
        answer = api.get(f"/companies/{company}/data/{path}")
        assert answer.status_code == 404, path
        assert "not supported by platform(s) Sandbox" in answer.json()["error"]
    unknown = api.get(f"/companies/{company}/data/widgets")
    assert unknown.status_code == 404 and "/data/invoices" in unknown.json()["error"]


def test_invoices__paged_like_every_codat_list(api: SandboxAPI) -> None:
    company, _ = linked(api)
    first = api.get(f"/companies/{company}/data/invoices", params={"pageSize": 100}).json()
    assert first["totalResults"] == 240 and len(first["results"]) == 100
    assert first["_links"]["next"]["href"] == f"/companies/{company}/data/invoices?page=2&pageSize=100"
    ids = [invoice["id"] for invoice in first["results"]]
    page = first
    while "next" in page["_links"]:
        page = api.get(page["_links"]["next"]["href"]).json()
        ids += [invoice["id"] for invoice in page["results"]]
    assert len(ids) == len(set(ids)) == 240
    issued = [invoice["issueDate"] for invoice in first["results"]]
    assert issued == sorted(issued)  # oldest first


def test_invoices__query_and_order(api: SandboxAPI) -> None:
    company, _ = linked(api)
    unpaid = api.get(
        f"/companies/{company}/data/invoices",
        params={"query": "amountDue>0 && status!=Void", "orderBy": "-amountDue", "pageSize": 500},
    ).json()
    amounts = [invoice["amountDue"] for invoice in unpaid["results"]]
    assert amounts and amounts == sorted(amounts, reverse=True) and all(a > 0 for a in amounts)
    assert {invoice["status"] for invoice in unpaid["results"]} <= {"Submitted", "PartiallyPaid"}
    assert all("lineItems" in invoice for invoice in unpaid["results"])  # full records, not the query view
    euro = api.get(f"/companies/{company}/data/invoices", params={"query": "currency=EUR", "pageSize": 500}).json()
    assert euro["totalResults"] > 0 and all(i["currency"] == "EUR" and i["currencyRate"] != 1 for i in euro["results"])
    name = euro["results"][0]["customerRef"]["companyName"]
    theirs = api.get(f"/companies/{company}/data/invoices", params={"query": f"customerRef.companyName={name}"}).json()
    assert theirs["totalResults"] >= 1 and all(i["customerRef"]["companyName"] == name for i in theirs["results"])
    refused = api.get(f"/companies/{company}/data/invoices", params={"query": "lineItems.quantity>1"})
    assert refused.status_code == 400
    assert refused.json()["error"] == "Error parsing query - Could not resolve property lineItems.quantity on Invoice"


def test_records__by_id_and_unknown_ids(api: SandboxAPI) -> None:
    company, _ = linked(api)
    for path in ("invoices", "bills", "customers", "suppliers", "payments", "billPayments", "creditNotes",
                 "items", "taxRates", "trackingCategories", "journalEntries", "accounts"):  # fmt: skip
        listed = api.get(f"/companies/{company}/data/{path}", params={"pageSize": 1}).json()
        assert listed["totalResults"] > 0, path
        record = listed["results"][0]
        assert api.get(f"/companies/{company}/data/{path}/{record['id']}").json() == record
        missing = api.get(f"/companies/{company}/data/{path}/00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404 and "was found with ID" in missing.json()["error"]
    invoice = api.get(f"/companies/{company}/data/invoices", params={"pageSize": 1}).json()["results"][0]
    assert api.get(f"/companies/{company}/data/bills/{invoice['id']}").status_code == 404  # ids are per type


def test_company_info_and_chart_of_accounts(api: SandboxAPI) -> None:
    company, _ = linked(api)
    info = api.get(f"/companies/{company}/data/info").json()
    assert info["companyLegalName"] == "Northwind Fine Foods Trading Ltd" and info["baseCurrency"] == "GBP"
    accounts = api.get(f"/companies/{company}/data/accounts", params={"pageSize": 100}).json()["results"]
    assert round(sum(a["currentBalance"] for a in accounts) * 100) == 0  # debits and credits agree
    assert {a["type"] for a in accounts} == {"Asset", "Liability", "Equity", "Income", "Expense"}


def test_bank_accounts__scoped_to_the_connection(api: SandboxAPI) -> None:
    company, connection = linked(api)
    base = f"/companies/{company}/connections/{connection}/data/bankAccounts"
    banks = api.get(base).json()["results"]
    assert [b["accountName"] for b in banks] == ["Business Current Account", "Business Savings Account"]
    assert api.get(f"{base}/{banks[0]['id']}").json() == banks[0]
    movements = api.get(f"{base}/{banks[0]['id']}/bankTransactions", params={"pageSize": 5000}).json()["results"]
    assert movements and movements[-1]["balance"] == banks[0]["balance"]
    other = api.post(f"/companies/{company}/connections", json={"platformKey": "aiwb"}).json()
    wrong = api.get(f"/companies/{company}/connections/{other['id']}/data/bankAccounts")
    assert wrong.status_code == 409  # a commerce connection supplies no accounting bank accounts
    unknown = api.get(f"{base}/nope/bankTransactions")
    assert unknown.status_code == 404


def test_financials__periods_latest_first(api: SandboxAPI) -> None:
    company, _ = linked(api)
    pnl = api.get(
        f"/companies/{company}/data/financials/profitAndLoss",
        params={"periodLength": 3, "periodsToCompare": 4, "startMonth": "2025-10-01"},
    ).json()
    assert [(r["fromDate"], r["toDate"]) for r in pnl["reports"]] == [
        ("2025-10-01T00:00:00", "2025-12-31T00:00:00"), ("2025-07-01T00:00:00", "2025-09-30T00:00:00"),
        ("2025-04-01T00:00:00", "2025-06-30T00:00:00"), ("2025-01-01T00:00:00", "2025-03-31T00:00:00"),
    ]  # fmt: skip
    assert pnl["reportBasis"] == "Accrual" and pnl["currency"] == "GBP"
    sheet = api.get(f"/companies/{company}/data/financials/balanceSheet", params={"periodLength": 1, "periodsToCompare": 2}).json()
    for report in sheet["reports"]:
        assert round(report["netAssets"] * 100) == round(report["equity"]["value"] * 100)
        assert round((report["assets"]["value"] - report["liabilities"]["value"]) * 100) == round(report["netAssets"] * 100)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"periodsToCompare": 2}, "periodLength is required"),
        ({"periodLength": 0, "periodsToCompare": 2}, "periodLength must be from 1 to 12; got 0"),
        ({"periodLength": 13, "periodsToCompare": 2}, "periodLength must be from 1 to 12"),
        ({"periodLength": "x", "periodsToCompare": 2}, "periodLength must be a whole number"),
        ({"periodLength": 1}, "periodsToCompare is required"),
        ({"periodLength": 1, "periodsToCompare": 2, "startMonth": "soon"}, "startMonth must be a date"),
        ({"periodLength": 1, "periodsToCompare": 2, "startMonth": "2019-01-01"}, "earliest available month"),
        ({"periodLength": 1, "periodsToCompare": 2, "startMonth": "2030-01-01"}, "most recent"),
    ],
)
def test_financials__bad_period_arguments(api: SandboxAPI, params: dict[str, Any], fragment: str) -> None:
    company, _ = linked(api)
    for statement in ("profitAndLoss", "balanceSheet"):
        answer = api.get(f"/companies/{company}/data/financials/{statement}", params=params)
        assert answer.status_code == 400 and fragment in answer.json()["error"], answer.text


def test_sign_in__options_checked_and_nothing_changes_on_refusal(api: SandboxAPI) -> None:
    company = api.create_company(platformType="mqjo")
    path = f"/_sandbox/companies/{company['id']}/connections/{company['dataConnections'][0]['id']}/authorize"
    for body, fragment in (
        ({"dataset": "big-bank"}, "dataset must be one of small-uk, us-retailer, multi-currency-wholesaler"),
        ({"invoices": 0}, "invoices must be a whole number from 1 to 1,000,000"),
        ({"invoices": "many"}, "invoices must be a whole number"),
        ({"colour": "red"}, "Unknown sign-in option(s) colour"),
    ):
        before = api.snapshot()
        answer = api.post(path, json=body)
        assert answer.status_code == 400 and fragment in answer.json()["error"], answer.text
        assert api.snapshot() == before


def test_sample_size__pull_time_grows_with_the_books(api: SandboxAPI) -> None:
    small, _ = linked(api, {"dataset": "us-retailer", "invoices": 200}, sync=False)
    large, _ = linked(api, {"dataset": "us-retailer", "invoices": 20_000}, sync=False)

    def invoices_pull_seconds(company: str) -> float:
        pull = api.get(f"/companies/{company}/data/history", params={"query": "dataType=invoices"}).json()["results"][0]
        for step in range(1, 2000):
            api.advance(5)
            current = api.get(f"/companies/{company}/data/history/{pull['id']}").json()
            if current["status"] == "Complete":
                return step * 5
        raise AssertionError("never completed")

    assert invoices_pull_seconds(large) > 4 * invoices_pull_seconds(small)
    assert api.get(f"/companies/{large}/data/invoices", params={"pageSize": 1}).json()["totalResults"] == 20_000


def test_resync_after_a_month__new_invoices_appear(api: SandboxAPI) -> None:
    company, _ = linked(api)
    before = api.get(f"/companies/{company}/data/invoices", params={"pageSize": 1}).json()["totalResults"]
    api.advance(30 * 86400)
    assert api.post(f"/companies/{company}/data/queue/invoices").status_code == 200
    api.advance(3600)
    after = api.get(f"/companies/{company}/data/invoices", params={"pageSize": 1}).json()["totalResults"]
    assert after > before


def test_connection_lifecycle__unlinked_data_stays_deleted_data_goes(api: SandboxAPI) -> None:
    company, connection = linked(api)
    path = f"/companies/{company}/connections/{connection}"
    assert api.request("PATCH", path, json={"status": "Unlinked"}).status_code == 200
    assert api.get(f"/companies/{company}/data/invoices").status_code == 200
    assert api.request("DELETE", path).status_code == 200
    assert api.get(f"/companies/{company}/data/invoices").status_code == 409


def test_link_page__sample_company_choice(api: SandboxAPI) -> None:
    company = api.create_company()
    connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    page = api.get(f"/link/companies/{company['id']}/connections/{connection['id']}/start").text  # the Sandbox sign-in card
    assert "<select id='dataset' name='dataset'>" in page and "US Retailer" in page
    posted = api.post(
        f"/link/company/{company['id']}/connect",
        data={"integration": "mqjo", "dataset": "us-retailer"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    api.advance(7200)
    assert api.get(f"/companies/{company['id']}/data/info").json()["companyLegalName"] == "Copperleaf Outfitters Inc"
