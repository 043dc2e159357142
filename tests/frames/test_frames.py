"""codat_nb.frames: one row per record, references flattened, dtypes that fit, children that join back."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from codat_nb import Sandbox, frames
from codat_nb.errors import SchemaError, ValidationError

UTC = pd.DatetimeTZDtype("us", "UTC")
LOCAL = np.dtype("datetime64[us]")

# A recorded invoice as Codat documents it (Codat-Lending's AccountingInvoice example, trimmed),
# with the real API's quirks: a zoned modifiedDate with 7 fraction digits, a null note.
RECORDED_INVOICE: dict[str, Any] = {
    "id": "2b3ac8f1-6d7a-4b8c-9f2e-1a2b3c4d5e6f",
    "invoiceNumber": "INV-0042",
    "customerRef": {"id": "80000002-1674552702", "companyName": "Mary Ayres"},
    "salesOrderRefs": [],
    "issueDate": "2023-01-18T00:00:00",
    "dueDate": "2023-02-17T00:00:00",
    "paidOnDate": None,
    "currency": "GBP",
    "currencyRate": 1,
    "lineItems": [
        {"description": "Consulting", "unitAmount": 100, "quantity": 2, "discountAmount": 0, "subTotal": 200, "taxAmount": 40,
         "totalAmount": 240, "accountRef": {"id": "acc-1", "name": "Sales"}, "taxRateRef": {"id": "tr-1", "name": "VAT 20%", "effectiveTaxRate": 20},
         "itemRef": {"id": "it-1", "name": "Consulting"}, "trackingCategoryRefs": [{"id": "tc-1", "name": "North"}, {"id": "tc-2", "name": "Retail"}]},
        {"description": "Travel", "unitAmount": 50.5, "quantity": 1, "subTotal": 50.5, "taxAmount": 0, "totalAmount": 50.5,
         "accountRef": {"id": "acc-1", "name": "Sales"}, "trackingCategoryRefs": []},
    ],
    "paymentAllocations": [],
    "withholdingTax": [],
    "subTotal": 250.5,
    "totalTaxAmount": 40,
    "totalAmount": 290.5,
    "amountDue": 290.5,
    "status": "Submitted",
    "note": None,
    "metadata": {"isDeleted": False},
    "modifiedDate": "2023-01-19T09:30:12.1234567Z",
    "sourceModifiedDate": "2023-01-19T09:30:00+01:00",
}  # fmt: skip


@pytest.fixture(scope="module")
def books() -> dict[str, Any]:
    """Every data type the Sandbox serves, for one multi-currency company."""
    sandbox = Sandbox(seed=11, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Frames Ltd")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="multi-currency-wholesaler", invoices=120)
        client.wait_for_sync(company.id, timeout=10**6)
        data = {t: client.list_records(company.id, t, page_size=5000) for t in frames.accounting.TABLES}
        data["balanceSheet"] = client.balance_sheet(company.id, periods_to_compare=3)
        data["profitAndLoss"] = client.profit_and_loss(company.id, periods_to_compare=3)
        data["companies"] = client.list_companies()
        data["connections"] = client.list_connections(company.id)
        data["integrations"] = client.list_integrations()
        data["pullOperations"] = client.list_pull_operations(company.id)
        data["dataStatus"] = client.data_status(company.id)
        data["syncSettings"] = client.get_sync_settings(company.id)
    sandbox.close()
    return data


def test_a_recorded_invoice__every_column_and_dtype() -> None:
    got = frames.invoices_frame([RECORDED_INVOICE])
    expected = pd.DataFrame({
        "id": pd.array([RECORDED_INVOICE["id"]], dtype="str"),
        "invoice_number": pd.array(["INV-0042"], dtype="str"),
        "customer_id": pd.array(["80000002-1674552702"], dtype="str"),
        "customer_name": pd.array(["Mary Ayres"], dtype="str"),
        "issue_date": pd.to_datetime(["2023-01-18"]).as_unit("us"),
        "due_date": pd.to_datetime(["2023-02-17"]).as_unit("us"),
        "paid_on_date": pd.to_datetime([None]).as_unit("us"),
        "amount_due": [290.5],
        "currency": pd.array(["GBP"], dtype="str"),
        "currency_rate": [1.0],
        "sub_total": [250.5],
        "total_discount": [np.nan],
        "discount_percentage": [np.nan],
        "additional_tax_amount": [np.nan],
        "additional_tax_percentage": [np.nan],
        "total_tax_amount": [40.0],
        "total_amount": [290.5],
        "status": pd.Categorical(["Submitted"], categories=frames.accounting.STATUSES["INVOICE"], ordered=True),
        "note": pd.array([None], dtype="str"),
        "sales_order_refs": pd.array(["[]"], dtype="str"),
        "is_deleted": pd.array([False], dtype="boolean"),
        "modified_date": pd.to_datetime(["2023-01-19T09:30:12.123456Z"]).as_unit("us"),
        "source_modified_date": pd.to_datetime(["2023-01-19T08:30:00Z"]).as_unit("us"),
        "supplemental_data": pd.array([None], dtype="str"),
    })  # fmt: skip
    pdt.assert_frame_equal(got, expected)


def test_a_recorded_invoice__child_frames_keyed_by_the_parent() -> None:
    tables = frames.tables("invoices", [RECORDED_INVOICE])
    assert list(tables) == ["invoices", "invoices.line_items", "invoices.line_items.tracking_categories",
                            "invoices.payment_allocations", "invoices.withholding_tax"]  # fmt: skip
    lines = tables["invoices.line_items"]
    assert list(lines.columns[:4]) == ["invoice_id", "line_index", "line_number", "description"]
    assert lines["invoice_id"].tolist() == [RECORDED_INVOICE["id"]] * 2
    assert lines["line_index"].tolist() == [0, 1] and lines["line_index"].dtype == "Int64"
    assert lines["total_amount"].tolist() == [240.0, 50.5]
    assert lines["tax_rate_name"].tolist()[0] == "VAT 20%" and pd.isna(lines["tax_rate_name"].iloc[1])
    tracking = tables["invoices.line_items.tracking_categories"]
    pdt.assert_frame_equal(tracking, pd.DataFrame({
        "invoice_id": pd.array([RECORDED_INVOICE["id"]] * 2, dtype="str"),
        "line_index": pd.array([0, 0], dtype="Int64"),
        "tracking_index": pd.array([0, 1], dtype="Int64"),
        "tracking_category_id": pd.array(["tc-1", "tc-2"], dtype="str"),
        "tracking_category_name": pd.array(["North", "Retail"], dtype="str"),
    }))  # fmt: skip


@pytest.mark.parametrize("kind", frames.KINDS)
def test_no_records__the_same_columns_and_dtypes(kind: str, books: dict[str, Any]) -> None:
    if kind in frames.REPORTS:
        empty = frames.frame(kind, {"reports": []})
    else:
        empty = frames.frame(kind, [])
    full = frames.frame(kind, books[kind])
    assert len(empty) == 0
    core = [c for c in empty.columns]
    assert list(full.columns[: len(core)]) == core, "declared columns come first, in a stable order"
    pdt.assert_series_equal(empty.dtypes, full.dtypes[core])
    for name, table in frames.tables(kind, [] if kind not in frames.REPORTS else {"reports": []}).items():
        assert len(table) == 0 and len(table.columns) > 0, name


@pytest.mark.parametrize("kind", [k for k in frames.accounting.TABLES if k != "company"])
def test_sandbox_records__each_id_once_and_children_join_back(kind: str, books: dict[str, Any]) -> None:
    records = books[kind]
    tables = frames.tables(kind, records)
    main_name = next(iter(tables))
    main = tables[main_name]
    assert main["id"].tolist() == [r["id"] for r in records]
    assert main["id"].is_unique
    spec = frames.TABLES[kind]
    undeclared = [c for c in main.columns if c not in {col.name for col in spec.columns}]
    assert undeclared == [], f"Sandbox fields the {kind} table does not declare: {undeclared}"
    for name, child in list(tables.items())[1:]:
        if spec.key and spec.key in child.columns:
            assert set(child[spec.key]) <= set(main["id"]), name
            joined = child.merge(main[["id"]], left_on=spec.key, right_on="id", how="left", indicator=True)
            assert (joined["_merge"] == "both").all(), f"{name} rows without a parent"
    # Nothing nested lost: each child frame has as many rows as the JSON lists hold.
    for kid in spec.children:
        expected = sum(len(r.get(kid.field) or ()) for r in records)
        assert len(tables[f"{main_name}.{kid.table.name}"]) == expected, kid.field


def test_line_items_add_up_to_their_invoice(books: dict[str, Any]) -> None:
    tables = frames.tables("invoices", books["invoices"])
    invoices, lines = tables["invoices"], tables["invoices.line_items"]
    sums = lines.groupby("invoice_id")["sub_total"].sum()
    merged = invoices.set_index("id")["sub_total"]
    pdt.assert_series_equal(sums.reindex(merged.index), merged, check_names=False, atol=0.011)


def test_statuses_are_ordered_categoricals_and_a_new_status_is_kept() -> None:
    odd = copy.deepcopy(RECORDED_INVOICE) | {"id": "odd", "status": "Disputed"}
    status = frames.invoices_frame([RECORDED_INVOICE, odd])["status"]
    assert status.cat.ordered
    assert list(status.cat.categories) == [*frames.accounting.STATUSES["INVOICE"], "Disputed"]
    assert status.tolist() == ["Submitted", "Disputed"]


def test_an_undeclared_field_becomes_an_extra_column_not_lost() -> None:
    newer = copy.deepcopy(RECORDED_INVOICE) | {"approvalState": "Approved", "customFields": {"po": "7"}}
    frame = frames.invoices_frame([newer, RECORDED_INVOICE])
    assert list(frame.columns[-2:]) == ["approval_state", "custom_fields"]
    assert frame["approval_state"].tolist()[0] == "Approved" and pd.isna(frame["approval_state"].iloc[1])
    assert frame["custom_fields"].iloc[0] == '{"po":"7"}'


def test_mixed_date_forms_are_all_read() -> None:
    mixed = [copy.deepcopy(RECORDED_INVOICE) | {"id": str(n), "issueDate": value} for n, value in
             enumerate(["2023-01-18T00:00:00", "2023-01-18", "2023-01-18T10:00:00+02:00", None])]  # fmt: skip
    issued = frames.invoices_frame(mixed)["issue_date"]
    assert issued.dtype == LOCAL
    assert issued.tolist()[:3] == [pd.Timestamp("2023-01-18"), pd.Timestamp("2023-01-18"), pd.Timestamp("2023-01-18 08:00")]
    assert pd.isna(issued.iloc[3])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"totalAmount": "a lot"}, r"invoices.total_amount expects numbers but got 'a lot'"),
        ({"issueDate": "yesterday"}, r"invoices.issue_date expects ISO 8601 dates but got 'yesterday'"),
        ({"status": 3}, r"invoices.status expects status names but got 3"),
        ({"lineItems": "none"}, r"lineItems should be a list but is 'none'"),
        ({"metadata": {"isDeleted": "no"}}, r"invoices.is_deleted expects true/false but got 'no'"),
    ],
)
def test_data_that_does_not_fit__a_schema_error_naming_the_column(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        frames.tables("invoices", [copy.deepcopy(RECORDED_INVOICE) | change])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: frames.frame("invoice", []), ValidationError, "Did you mean 'invoices'"),
        (lambda: frames.frame(42, []), ValidationError, "must be a string"),
        (lambda: frames.frame("invoices", "INV-1"), SchemaError, "Expected a list of invoices records"),
        (lambda: frames.frame("invoices", [["not", "a", "record"]]), SchemaError, "expected Codat records"),
        (lambda: frames.balance_sheet_frame([1, 2]), SchemaError, "Expected a Codat report"),
        (lambda: frames.profit_and_loss_frame({"currency": "GBP"}), SchemaError, "'reports' list of periods"),
    ],
)
def test_bad_input__a_clear_error(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_the_input_is_not_changed() -> None:
    original = copy.deepcopy(RECORDED_INVOICE)
    frames.tables("invoices", [RECORDED_INVOICE])
    assert RECORDED_INVOICE == original


def test_typed_platform_results(books: dict[str, Any]) -> None:
    status = frames.data_status_frame(books["dataStatus"])
    assert status["data_type"].tolist() == sorted(books["dataStatus"])
    assert status["current_status"].dtype.ordered and (status["current_status"] == "Complete").any()
    assert status["last_successful_sync"].dtype == UTC
    pulls = frames.pull_operations_frame(books["pullOperations"])
    assert pulls["id"].is_unique and pulls["progress"].dtype == "Int64" and pulls["requested"].dtype == UTC
    assert pulls["is_completed"].dtype == "boolean"
    companies = frames.tables("companies", books["companies"])
    assert list(companies) == ["companies", "companies.data_connections"]
    assert companies["companies.data_connections"]["company_id"].isin(companies["companies"]["id"]).all()
    settings = frames.sync_settings_frame(books["syncSettings"])
    assert settings["sync_schedule"].dtype == "Int64" and len(settings) == len(books["syncSettings"].settings)
    integrations = frames.tables("integrations", books["integrations"])
    assert integrations["integrations"]["key"].is_unique
    assert set(integrations["integrations.datatype_features"]["integration_key"]) <= set(integrations["integrations"]["key"])


def test_balance_sheet__long_frame_that_keeps_the_hierarchy(books: dict[str, Any]) -> None:
    report = books["balanceSheet"]
    frame = frames.balance_sheet_frame(report)
    assert list(frame.columns) == ["date", "section", "path", "level", "line", "account_id", "value", "is_leaf", "currency"]
    assert frame["date"].nunique() == len(report["reports"]) == 3
    for (date, section), rows in frame.groupby(["date", "section"], observed=True):
        top = rows[rows.level == 0]
        assert len(top) == 1
        if section != "netAssets":
            # The leaves add up to the section's own line, in every period.
            assert rows[rows.is_leaf]["value"].sum() == pytest.approx(top["value"].iloc[0], abs=0.05), (date, section)
    latest = frame[frame.date == frame.date.max()]
    top = latest[latest.level == 0].astype({"section": str}).set_index("section")["value"]
    assert top["assets"] - top["liabilities"] == pytest.approx(top["equity"], abs=0.05)
    assert (latest[latest.level > 0]["path"].str.count("/") == latest[latest.level > 0]["level"]).all()


def test_profit_and_loss__sections_in_reading_order_with_codats_figures(books: dict[str, Any]) -> None:
    frame = frames.profit_and_loss_frame(books["profitAndLoss"])
    period = frame[frame.from_date == frame.from_date.max()]
    sections = list(dict.fromkeys(period["section"].astype(str)))
    assert sections == [s for s in frames.reports.PROFIT_AND_LOSS_SECTIONS if s in sections]
    top = period[period.level == 0].astype({"section": str}).set_index("section")["value"]
    assert top["grossProfit"] == pytest.approx(top["income"] - top["costOfSales"], abs=0.05)
    assert top["netProfit"] == pytest.approx(top["grossProfit"] - top["expenses"] + top.get("otherIncome", 0) - top.get("otherExpenses", 0), abs=0.05)
