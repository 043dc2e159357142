"""Export companies' frames to Parquet or CSV, hive-partitioned by company for DuckDB, Spark and Dask.

Layout (one folder per table, one partition per company, one file per partition)::

    OUT/invoices/company_id=<id>/part-0.parquet
    OUT/invoices__line_items/company_id=<id>/part-0.parquet     # the child frame "invoices.line_items"
    OUT/_manifests/<id>.json                                    # what is on disk for the company

Read a portfolio back with ``duckdb.sql("FROM read_parquet('OUT/invoices/*/*.parquet', hive_partitioning =
true, union_by_name = true)")``, ``pyarrow.dataset.dataset('OUT/invoices', partitioning='hive')``,
``dask.dataframe.read_parquet('OUT/invoices')``, ``spark.read.option('mergeSchema', 'true').parquet('OUT/invoices')``,
or :func:`read_table` (pandas, with the frames' exact dtypes).
"""

from __future__ import annotations

import os
from typing import Mapping

import pandas as pd

from ..validation import check_uuid
from ._company import EXPORTABLE_DATA_TYPES, export_company
from ._formats import FORMATS
from ._layout import check_format, check_out_dir
from ._read import read_table
from ._result import ExportResult, WrittenTable
from ._writer import PartitionWriter, prepared


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    company_id: str,
    format: str = "parquet",  # noqa: A002 - mirrors export_company and the CLI's --format
) -> ExportResult:
    """Write frames built elsewhere (e.g. ``codat_nb.frames.tables(...)``) as one company's partitions.

    Each ``name -> frame`` goes to ``out_dir/<name with . as __>/company_id=<company_id>/part-0.<format>``,
    replacing that company's earlier partition of the same table; nothing else in ``out_dir`` changes.
    A ``company_id`` column, if the frame has one, must hold ``company_id`` only: it is left out of
    the file, as readers take it from the partition folder.

    Args:
        tables: table name (snake_case parts joined by dots, e.g. ``invoices.line_items``) -> DataFrame.
        out_dir: the export folder; created if missing.
        company_id: the company the rows belong to (a UUID).
        format: ``"parquet"`` or ``"csv"``.

    Returns:
        An :class:`ExportResult` listing the files written and their row counts.

    Raises:
        ValidationError: a bad name, frame, id, folder or format; nothing is written then.
    """
    company_id = check_uuid(company_id, "company_id")
    fmt = check_format(format)
    out = check_out_dir(out_dir, fmt)
    if not isinstance(tables, Mapping):
        from ..errors import ValidationError

        raise ValidationError(f"tables must be a mapping of table name -> DataFrame; got {type(tables).__name__}.")
    for name, frame in tables.items():
        prepared(name, frame, company_id)  # every table is checked before anything is written
    writer = PartitionWriter(out, company_id, fmt)
    try:
        for name, frame in tables.items():
            writer.add(name, frame, None)
        return writer.commit()
    finally:
        writer.discard()


__all__ = [
    "EXPORTABLE_DATA_TYPES",
    "FORMATS",
    "ExportResult",
    "WrittenTable",
    "export_company",
    "read_table",
    "write_tables",
]
