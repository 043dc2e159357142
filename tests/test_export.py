"""codat_nb.export: companies' frames to hive-partitioned Parquet and CSV, read back by pandas, pyarrow and DuckDB."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from codat_nb import AsyncClient, NotFoundError, Sandbox, SyncFailedError, ValidationError, frames
from codat_nb.export import EXPORTABLE_DATA_TYPES, ExportResult, export_company, read_table, write_tables
from codat_nb.export._formats import iso_8601

PLATFORM_TABLES = ("companies", "companies.data_connections", "data_status")
OTHER_ID = "8a210b68-6988-11ed-a1eb-0242ac120002"


class Portfolio:
    """Two synced Sandbox companies (different sample books) and the frames codat_nb builds from them."""

    def __init__(self) -> None:
        self.sandbox = Sandbox(seed=0, manual_clock=True)
        self.client = self.sandbox.client()
        self.ids = [
            _linked(self.sandbox, self.client, "Alpha Ltd"),
            _linked(self.sandbox, self.client, "Bravo Inc", dataset="us-retailer", invoices=120),
        ]
        self._tables: dict[str, dict[str, pd.DataFrame]] = {}

    def tables(self, company_id: str) -> dict[str, pd.DataFrame]:
        """Every table an export writes for the company, built straight from the client."""
        if company_id not in self._tables:
            c = self.client
            built = {**frames.tables("companies", [c.get_company(company_id)]), **frames.tables("dataStatus", c.data_status(company_id))}
            for data_type in EXPORTABLE_DATA_TYPES:
                if data_type == "balanceSheet":
                    records: Any = c.balance_sheet(company_id)
                elif data_type == "profitAndLoss":
                    records = c.profit_and_loss(company_id)
                elif data_type == "company":
                    records = c.company_info(company_id)
                else:
                    records = c.list_records(company_id, data_type)
                built.update(frames.tables(data_type, records))
            self._tables[company_id] = built
        return self._tables[company_id]


def _linked(sandbox: Sandbox, client: Any, name: str, **books: Any) -> str:
    company = client.create_company(name)
    connection = client.create_connection(company.id, "mqjo")
    sandbox.authorize(company.id, connection.id, **books)
    client.wait_for_sync(company.id, timeout=100_000)
    return company.id


@pytest.fixture(scope="module")
def portfolio() -> Iterator[Portfolio]:
    book = Portfolio()
    yield book
    book.client.close()
    book.sandbox.close()


@pytest.fixture(scope="module")
def parquet_export(portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ExportResult]]:
    out = tmp_path_factory.mktemp("parquet") / "exports"
    return out, [export_company(portfolio.client, cid, out) for cid in portfolio.ids]


@pytest.fixture(scope="module")
def csv_export(portfolio: Portfolio, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ExportResult]]:
    out = tmp_path_factory.mktemp("csv")
    return out, [export_company(portfolio.client, cid, out, format="csv") for cid in portfolio.ids]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its inode and size: equal trees mean nothing was written or replaced."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_size) for p in sorted(root.rglob("*")) if p.is_file()}


# -- layout and the result --------------------------------------------------------------------------------------------


def test_export__one_folder_per_table_one_partition_per_company(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, results = parquet_export
    for cid, result in zip(portfolio.ids, results):
        expected = portfolio.tables(cid)
        assert [t.name for t in result.tables] == list(expected)  # platform tables, then each data type's in order
        assert result.rows == {name: len(frame) for name, frame in expected.items()}
        assert result.skipped == {} and result.removed == ()
        for table in result.tables:
            assert table.path == out / table.name.replace(".", "__") / f"company_id={cid}" / "part-0.parquet"
            assert table.path.is_file()
        assert result.rows["invoices.line_items"] > result.rows["invoices"] > 0
    assert {p.name for p in (out / "invoices__line_items").iterdir()} == {f"company_id={cid}" for cid in portfolio.ids}
    assert sorted(p.name for p in out.iterdir() if p.name.startswith((".", "_"))) == ["_manifests"]  # no staging left


def test_export__result_summary_and_manifest(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, results = parquet_export
    result = results[0]
    assert repr(result).startswith(f"ExportResult(company_id='{portfolio.ids[0]}', format='parquet'")
    summary = result.summary()
    assert "Alpha Ltd" in summary and f"company_id={portfolio.ids[0]}/part-0.parquet" in summary
    assert re.search(rf"\n  invoices__line_items +{result.rows['invoices.line_items']:,}\n", summary)
    assert result.to_frame().set_index("name")["rows"].to_dict() == result.rows
    assert result.data_types[:3] == ("companies", "dataStatus", "company")
    manifest = json.loads(result.manifest.read_text())
    assert manifest["company_id"] == portfolio.ids[0] and manifest["company_name"] == "Alpha Ltd"
    assert {n: t["rows"] for n, t in manifest["tables"].items()} == result.rows
    assert manifest["tables"]["invoices.line_items"]["file"] == f"invoices__line_items/company_id={portfolio.ids[0]}/part-0.parquet"


# -- Parquet: dtypes kept, portfolio readable by DuckDB and pyarrow ------------------------------------------------------


def test_parquet__round_trips_every_frame_with_its_dtypes(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, _ = parquet_export
    cid = portfolio.ids[1]
    for name, frame in portfolio.tables(cid).items():
        back = read_table(out, name, cid)
        assert back["company_id"].eq(cid).all()
        assert_frame_equal(back[list(frame.columns)], frame, obj=name)
        # pyarrow alone gives the same frame (codat_nb.frames keeps microseconds, as Parquet does)
        plain = pq.read_table(out / name.replace(".", "__") / f"company_id={cid}" / "part-0.parquet").to_pandas()
        assert_frame_equal(plain, frame.drop(columns="company_id", errors="ignore"), obj=name)


def test_parquet__keeps_categories_timezones_and_nullable_types(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, _ = parquet_export
    invoices = read_table(out, "invoices")
    assert invoices["modified_date"].dtype == pd.DatetimeTZDtype("us", "UTC")
    assert invoices["issue_date"].dtype == np.dtype("datetime64[us]")
    assert list(invoices["status"].cat.categories[:6]) == ["Unknown", "Draft", "Submitted", "PartiallyPaid", "Paid", "Void"]
    assert invoices["status"].cat.ordered
    assert invoices["is_deleted"].dtype == "boolean"
    assert read_table(out, "invoices.line_items")["line_index"].dtype == "Int64"
    schema = pq.read_schema(next((out / "data_status").glob("*/part-0.parquet")))
    status = schema.field("current_status").type
    assert pa.types.is_dictionary(status) and status.ordered and pa.types.is_string(status.value_type)
    assert schema.field("last_successful_sync").type == pa.timestamp("us", tz="UTC")


def test_parquet__duckdb_reads_the_portfolio_with_company_id_from_the_path(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, _ = parquet_export
    con = duckdb.connect()
    for name in ("invoices", "invoices.line_items", "balance_sheet", "companies.data_connections"):
        glob = (out / name.replace(".", "__") / "*" / "*.parquet").as_posix()
        counts = dict(con.execute(f"SELECT company_id, count(*) FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY ALL").fetchall())
        assert counts == {cid: len(portfolio.tables(cid)[name]) for cid in portfolio.ids}, name
    glob = (out / "invoices" / "*" / "*.parquet").as_posix()
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE FROM read_parquet('{glob}', hive_partitioning = true))").fetchall())
    assert types["company_id"] == "VARCHAR" and types["modified_date"] == "TIMESTAMP WITH TIME ZONE"
    assert types["issue_date"] == "TIMESTAMP" and types["total_amount"] == "DOUBLE" and types["is_deleted"] == "BOOLEAN"
    joined = con.execute(
        f"SELECT i.company_id, sum(l.total_amount) FROM read_parquet('{glob}', hive_partitioning = true) i "
        f"JOIN read_parquet('{(out / 'invoices__line_items' / '*' / '*.parquet').as_posix()}', hive_partitioning = true) l "
        "ON l.company_id = i.company_id AND l.invoice_id = i.id GROUP BY ALL"
    ).fetchall()
    for cid, total in joined:
        assert total == pytest.approx(portfolio.tables(cid)["invoices"]["total_amount"].sum())


def test_parquet__pyarrow_dataset_reads_hive_partitions(portfolio: Portfolio, parquet_export: tuple[Path, list[ExportResult]]) -> None:
    out, _ = parquet_export
    dataset = ds.dataset(out / "bank_transactions", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["company_id", "amount"])
    counts = table.group_by("company_id").aggregate([("amount", "count")]).to_pydict()
    assert dict(zip(counts["company_id"], counts["amount_count"])) == {cid: len(portfolio.tables(cid)["bank_transactions"]) for cid in portfolio.ids}
    one = dataset.to_table(filter=ds.field("company_id") == portfolio.ids[0]).to_pandas()
    assert len(one) == len(portfolio.tables(portfolio.ids[0])["bank_transactions"])


# -- CSV ----------------------------------------------------------------------------------------------------------------


def test_csv__readable_back_with_iso_times_and_offsets(portfolio: Portfolio, csv_export: tuple[Path, list[ExportResult]]) -> None:
    out, results = csv_export
    cid = portfolio.ids[0]
    frame = portfolio.tables(cid)["invoices"]
    path = results[0].paths["invoices"]
    assert path == out / "invoices" / f"company_id={cid}" / "part-0.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == ",".join(frame.columns)
    back = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"invoice_number": "str"})
    assert len(back) == len(frame) and back["id"].tolist() == frame["id"].tolist()
    assert np.allclose(back["total_amount"], frame["total_amount"])
    assert back["status"].tolist() == frame["status"].astype("str").tolist()
    assert set(back["is_deleted"].dropna()) <= {True, False}
    modified = pd.to_datetime(back["modified_date"], format="ISO8601")
    assert str(modified.dtype).endswith("UTC]") and (modified.dt.as_unit("us") == frame["modified_date"]).all()
    issued = pd.to_datetime(back["issue_date"], format="ISO8601")
    assert (issued.dt.as_unit("us") == frame["issue_date"]).all()
    assert back["paid_on_date"].isna().sum() == frame["paid_on_date"].isna().sum()


def test_csv__duckdb_reads_the_portfolio(portfolio: Portfolio, csv_export: tuple[Path, list[ExportResult]]) -> None:
    out, _ = csv_export
    glob = (out / "invoices__line_items" / "*" / "*.csv").as_posix()
    counts = dict(duckdb.sql(f"SELECT company_id, count(*) FROM read_csv('{glob}', hive_partitioning = true) GROUP BY ALL").fetchall())
    assert counts == {cid: len(portfolio.tables(cid)["invoices.line_items"]) for cid in portfolio.ids}
    glob = (out / "invoices" / "*" / "*.csv").as_posix()
    types = dict(duckdb.sql(f"SELECT column_name, column_type FROM (DESCRIBE FROM read_csv('{glob}', hive_partitioning = true))").fetchall())
    assert types["modified_date"].startswith("TIMESTAMP") and types["issue_date"] == "TIMESTAMP"  # DuckDB 2 reads +00:00 as WITH TIME ZONE
    assert types["is_deleted"] == "BOOLEAN" and types["total_amount"] == "DOUBLE"
    cid = portfolio.ids[1]
    instants = duckdb.sql(
        f"SELECT id, epoch_us(modified_date), epoch_us(issue_date) FROM read_csv('{glob}', hive_partitioning = true) "
        f"WHERE company_id = '{cid}' ORDER BY id"
    ).fetchall()
    frame = portfolio.tables(cid)["invoices"].sort_values("id")
    expected = zip(frame["id"], frame["modified_date"].astype("int64"), frame["issue_date"].astype("int64"))
    assert instants == [(i, int(m), int(d)) for i, m, d in expected]


def test_iso_8601__offsets_fractions_and_missing() -> None:
    aware = pd.Series(pd.to_datetime(["2024-01-08T10:32:29.1234567Z", None, "2024-01-09T00:00:00+02:00"], format="ISO8601", utc=True))
    assert iso_8601(aware).tolist() == ["2024-01-08T10:32:29.123456700+00:00", None, "2024-01-08T22:00:00.000000000+00:00"]
    naive = pd.Series(pd.to_datetime(["2024-01-08T10:32:29", None]).as_unit("us"))
    assert iso_8601(naive).tolist() == ["2024-01-08T10:32:29", None]
    millis = pd.Series(pd.to_datetime(["2024-01-08T10:32:29.5", "2024-01-08T10:32:30"], format="ISO8601").as_unit("us"))
    assert iso_8601(millis).tolist() == ["2024-01-08T10:32:29.500", "2024-01-08T10:32:30.000"]
    assert iso_8601(pd.Series([], dtype="datetime64[us]")).tolist() == []


# -- re-exporting -------------------------------------------------------------------------------------------------------


def test_reexport__replaces_only_that_companys_partitions(portfolio: Portfolio, tmp_path: Path) -> None:
    alpha, bravo = portfolio.ids
    export_company(portfolio.client, alpha, tmp_path)
    export_company(portfolio.client, bravo, tmp_path)
    before = _tree(tmp_path)
    leftover = tmp_path / "invoices" / f"company_id={alpha}" / "part-1.parquet"
    leftover.write_bytes(b"an old file of alpha's")

    result = export_company(portfolio.client, alpha, tmp_path, data_types=["invoices"])

    after = _tree(tmp_path)
    assert not leftover.exists()  # the whole partition was replaced, not written over
    for path, stamp in before.items():
        replaced = after[path] != stamp
        ours = path == f"_manifests/{alpha}.json" or (
            f"company_id={alpha}" in path and path.startswith(("invoices", "companies", "data_status"))
        )
        assert replaced == ours, path  # bravo's partitions and alpha's other tables are the very same files
    assert set(after) == set(before)
    assert [t.name for t in result.tables][3:] == [n for n in portfolio.tables(alpha) if n.startswith("invoices")]
    manifest = json.loads(result.manifest.read_text())
    assert manifest["tables"]["bills"]["rows"] == len(portfolio.tables(alpha)["bills"])  # still on disk, still listed
    assert_frame_equal(read_table(tmp_path, "invoices", alpha).drop(columns="company_id"), portfolio.tables(alpha)["invoices"])


def test_reexport__removes_child_tables_no_longer_produced(portfolio: Portfolio, tmp_path: Path) -> None:
    alpha, bravo = portfolio.ids
    for cid in portfolio.ids:
        write_tables({"invoices.retired_child": pd.DataFrame({"x": [1]})}, tmp_path, cid)
    result = export_company(portfolio.client, alpha, tmp_path, data_types=["invoices"])
    assert result.removed == ("invoices__retired_child",)
    assert [p.name for p in (tmp_path / "invoices__retired_child").iterdir()] == [f"company_id={bravo}"]
    assert "retired" in result.summary()


def test_export__skips_types_whose_sync_failed(tmp_path: Path) -> None:
    with Sandbox(seed=2, manual_clock=True) as sandbox, sandbox.client() as client:
        with sandbox.emulator.http_client() as control:
            assert control.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200
        with pytest.raises(SyncFailedError):
            _linked(sandbox, client, "Failing Ltd")
        [company] = client.list_companies()
        result = export_company(client, company.id, tmp_path)
        failed = client.data_status(company.id)["invoices"].current_status
        assert failed.endswith("Error") and result.skipped == {"invoices": f"its latest sync is {failed}, not Complete"}
        assert "invoices" not in result.rows and result.rows["bills"] > 0
        assert f"skipped invoices: its latest sync is {failed}" in result.summary()

        asked = export_company(client, company.id, tmp_path / "asked", data_types=["invoices", "creditNotes"])
        assert list(asked.skipped) == ["invoices"] and asked.data_types == ("companies", "dataStatus", "creditNotes")


def test_export__a_company_not_linked_yet_writes_only_platform_tables(tmp_path: Path) -> None:
    with Sandbox(seed=3, manual_clock=True) as sandbox, sandbox.client() as client:
        company = client.create_company("Not Linked Ltd")
        result = export_company(client, company.id, tmp_path, data_types=["invoices"])
        assert result.data_types == ("companies", "dataStatus")
        assert result.skipped == {"invoices": "never synced (Codat's dataStatus does not list it)"}


# -- frames built elsewhere ---------------------------------------------------------------------------------------------


def test_write_tables__writes_given_frames_and_drops_a_matching_company_id(tmp_path: Path) -> None:
    frame = pd.DataFrame({"company_id": [OTHER_ID] * 2, "amount": [1.5, 2.0], "when": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True)})
    result = write_tables({"custom.things": frame}, tmp_path, OTHER_ID.upper(), format="csv")
    path = tmp_path / "custom__things" / f"company_id={OTHER_ID}" / "part-0.csv"
    assert result.paths == {"custom.things": path} and result.rows == {"custom.things": 2}
    assert path.read_text().splitlines() == ["amount,when", "1.5,2024-01-01T00:00:00+00:00", "2.0,2024-01-02T00:00:00+00:00"]
    result = write_tables({"custom.things": frame}, tmp_path / "pq", OTHER_ID)
    assert_frame_equal(read_table(tmp_path / "pq", "custom__things"), frame)


def test_write_tables__companies_exported_at_the_same_time_into_one_folder(tmp_path: Path) -> None:
    """Each company's export swaps its own staging folder in; the others' checks must not trip on it."""
    from concurrent.futures import ThreadPoolExecutor

    ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(1, 9)]
    tables = {f"t{n}": pd.DataFrame({"amount": np.arange(200, dtype=float)}) for n in range(6)}

    def export(company_id: str) -> ExportResult:
        return write_tables(tables, tmp_path, company_id)

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(export, ids))
    assert [r.company_id for r in results] == ids
    dataset = ds.dataset(tmp_path / "t0", format="parquet", partitioning="hive")
    assert dataset.to_table().num_rows == 200 * len(ids)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"Invoices": pd.DataFrame({"a": [1]})}, "cannot name a folder"),
        ({"a..b": pd.DataFrame({"a": [1]})}, "cannot name a folder"),
        ({"a__b": pd.DataFrame({"a": [1]})}, "cannot name a folder"),
        ({"things": [1, 2]}, "not a pandas DataFrame"),
        ({"things": pd.DataFrame([[1, 2]], columns=["a", "a"])}, "unique text column names"),
        ({"things": pd.DataFrame({"company_id": [OTHER_ID, "someone-else"]})}, "write each company's rows separately"),
        ({"good": pd.DataFrame({"a": [1]}), "bad": pd.DataFrame({"company_id": [None]})}, "holding"),
    ],
)
def test_write_tables__refuses_bad_tables_and_writes_nothing(tables: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=message):
        write_tables(tables, tmp_path / "out", OTHER_ID)
    assert list(tmp_path.iterdir()) == []


# -- bad input and API errors change nothing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"company_id": "not-a-uuid"}, ValidationError, "company_id must be a UUID"),
        ({"data_types": ["invoice"]}, ValidationError, "Did you mean 'invoices'"),
        ({"data_types": ["journals"]}, ValidationError, "cannot export yet"),
        ({"data_types": []}, ValidationError, "data_types is empty"),
        ({"format": "xlsx"}, ValidationError, "use 'parquet' or 'csv'"),
        ({"out_dir": "a-file"}, ValidationError, "is a file"),
        ({"out_dir": "a-file/inside"}, ValidationError, "which is a file"),
        ({"format": "csv", "out_dir": "existing"}, ValidationError, "already holds a parquet export"),
        ({"report_periods": 0}, ValidationError, "report_periods must be a whole number from 1 to 60"),
        ({"company_id": OTHER_ID}, NotFoundError, f"No company was found with ID {OTHER_ID}"),
    ],
)
def test_export__bad_input_writes_nothing(portfolio: Portfolio, tmp_path: Path, kwargs: dict[str, Any], error: type, message: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    write_tables({"invoices": pd.DataFrame({"a": [1]})}, tmp_path / "existing", portfolio.ids[0])
    before = _tree(tmp_path)
    arguments = {"company_id": portfolio.ids[0], "out_dir": "new", **kwargs}
    arguments["out_dir"] = tmp_path / arguments["out_dir"]
    with pytest.raises(error, match=message):
        export_company(portfolio.client, **arguments)
    assert _tree(tmp_path) == before and not (tmp_path / "new").exists()


def test_export__an_async_client_is_refused(portfolio: Portfolio, tmp_path: Path) -> None:
    client = portfolio.sandbox.async_client()
    with pytest.raises(ValidationError, match="must be a codat_nb.Client"):
        export_company(client, portfolio.ids[0], tmp_path / "out")
    assert isinstance(client, AsyncClient) and not (tmp_path / "out").exists()


def test_export__a_failure_half_way_leaves_the_previous_export(portfolio: Portfolio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alpha = portfolio.ids[0]
    export_company(portfolio.client, alpha, tmp_path / "kept")
    before = _tree(tmp_path)
    reads = portfolio.client.list_records

    def failing(company_id: str, data_type: str, **kwargs: Any) -> list[dict[str, Any]]:
        if data_type == "bills":
            raise NotFoundError("bills went away", status=404)
        return reads(company_id, data_type, **kwargs)

    monkeypatch.setattr(portfolio.client, "list_records", failing)
    for out in (tmp_path / "kept", tmp_path / "fresh" / "deeper"):
        with pytest.raises(NotFoundError, match="bills went away"):
            export_company(portfolio.client, alpha, out)
    assert _tree(tmp_path) == before  # invoices were read and staged, then all of it was dropped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]
    assert not [p for p in (tmp_path / "kept").iterdir() if p.name.startswith(".")]


def test_exportable_data_types__all_have_frames() -> None:
    assert set(EXPORTABLE_DATA_TYPES) <= set(frames.KINDS)


def test_export__a_folder_that_cannot_be_written_is_refused_before_any_request(portfolio: Portfolio) -> None:
    """/sys refuses new entries even to root: found by a real probe, naming the folder, with no page read."""
    company_id = portfolio.ids[0]
    before = portfolio.client.requests_sent
    with pytest.raises(ValidationError, match=r"The export folder /sys/codat-nb-export cannot be written: the folder /sys refuses new files"):
        export_company(portfolio.client, company_id, "/sys/codat-nb-export")
    assert portfolio.client.requests_sent == before
