"""``codat-nb export``: companies' tables to Parquet or CSV, one hive partition per company."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import _types

_EXPORT_DESCRIPTION = """\
Write each company's tables (every frame and child frame of codat_nb.frames) to
DIR/<table>/company_id=<ID>/part-0.parquet (or .csv): one folder per table, one hive
partition per company, so a portfolio reads as one dataset in DuckDB, Spark or Dask.
Re-exporting a company replaces only its own partitions.

Where the data comes from:
  CODAT_API_KEY set          api.codat.io, or $CODAT_BASE_URL / --base-url (a served Sandbox)
  --sandbox-state PATH       a Sandbox state file (codat-nb sandbox serve --state PATH, or
                             codat_nb.Sandbox(state_path=PATH)); its companies are those of
                             $CODAT_API_KEY's tenant, else of the embedded Sandbox's own key"""

_EXPORT_EPILOG = """\
example:
  codat-nb export --company 8a210b68-6988-11ed-a1eb-0242ac120002 --out exports
  duckdb -c "FROM read_parquet('exports/invoices/*/*.parquet', hive_partitioning = true, union_by_name = true)"

exit status: 0 when done, 1 when the API refused or a data type asked for was not synced
(others are written), 2 for bad arguments (nothing is read or written)."""

_NO_BACKEND = (
    "no data to read: set CODAT_API_KEY for api.codat.io (plus CODAT_BASE_URL or --base-url for a served Sandbox), "
    "or pass --sandbox-state PATH. An embedded Sandbox started by this command would be empty, as companies live in "
    "the process that made them: keep them with 'codat-nb sandbox serve --state PATH' or codat_nb.Sandbox(state_path=PATH)."
)


def run(args: argparse.Namespace) -> int:
    from ..errors import CodatError, ConfigError, NotFoundError, ValidationError
    from ..export._company import check_data_types
    from ..export._layout import check_format, check_out_dir
    from ..validation import check_positive_int, check_uuid

    with contextlib.ExitStack() as stack:
        try:
            companies = list(dict.fromkeys(check_uuid(c, "--company") for c in args.company))
            listed = [d.strip() for text in args.data_types or () for d in text.split(",")]
            data_types = check_data_types(listed if args.data_types else None)
            fmt = check_format(args.format)
            check_writable(check_out_dir(args.out, fmt))
            check_positive_int(args.report_periods, "--report-periods", 1, 60)
            client = _export_client(args, stack)
        except (ValidationError, ConfigError) as exc:
            return _fail(str(exc), 2)
        from ..export import export_company

        progress = _say_reading if sys.stderr.isatty() else None
        code = 0
        for company_id in companies:
            try:
                result = export_company(
                    client, company_id, args.out, data_types, fmt, report_periods=args.report_periods, on_progress=progress
                )
            except NotFoundError as exc:
                return _fail(f"{exc}{_TENANT_HINT if args.sandbox_state is not None else ''}", 1)
            except CodatError as exc:
                return _fail(str(exc), 1)
            except OSError as exc:
                return _fail(f"could not write to {args.out}: {exc}", 1)
            except KeyboardInterrupt:
                return _fail(f"interrupted: company {company_id}'s earlier export, if any, is as it was.", 130)
            print(result.summary(), flush=True)
            asked_for_but_skipped = data_types is not None and any(t in result.skipped for t in data_types)
            if asked_for_but_skipped or set(result.data_types) <= {"companies", "dataStatus"}:
                code = 1  # the export ran, but without (some of) the data asked for
        return code


def _say_reading(data_type: str) -> None:
    print(f"  reading {data_type}...", file=sys.stderr, flush=True)


_TENANT_HINT = (
    " A Sandbox state file keeps each API key's companies apart: set CODAT_API_KEY to the key that created the "
    "company (unset, the embedded Sandbox's own key is used)."
)


def _export_client(args: argparse.Namespace, stack: contextlib.ExitStack):  # -> Client
    """The client the export reads with, closed by ``stack``; a bad source is a ValidationError or ConfigError."""
    from ..client import Client
    from ..config import EnvSettings, check_base_url
    from ..errors import ValidationError

    settings = EnvSettings.read()
    if args.sandbox_state is not None:
        if args.base_url is not None:
            raise ValidationError("--sandbox-state and --base-url name two different sources: pass one of them.")
        return _state_client(args.sandbox_state, args.sandbox_seed, settings.api_key, stack)
    if args.sandbox_seed is not None:
        raise ValidationError("--sandbox-seed goes with --sandbox-state (a served Sandbox already has its seed).")
    if settings.api_key is None:
        if args.base_url is not None:
            check_base_url(args.base_url)
            raise ValidationError(
                f"--base-url {args.base_url} needs an API key in CODAT_API_KEY (any key works for a served Sandbox; "
                "each key sees its own companies)."
            )
        raise ValidationError(_NO_BACKEND)
    base_url = check_base_url(args.base_url) if args.base_url is not None else settings.base_url
    return stack.enter_context(Client(settings.api_key, base_url))


def _state_client(state: Path, seed: int | None, api_key: Any, stack: contextlib.ExitStack):  # -> Client
    from ..client import Client
    from ..embedded import SANDBOX_KEY, Sandbox
    from ..errors import ValidationError
    from ..sandbox import DEFAULT_BASE_URL

    if not state.is_file():
        raise ValidationError(
            f"--sandbox-state: no state file at {state}; write one with 'codat-nb sandbox serve --state {state}' "
            "or codat_nb.Sandbox(state_path=...), and create the companies in it."
        )
    manual = _state_has_manual_clock(state)
    if seed is None:
        from ..sandbox.store import stored_seed

        seed = stored_seed(state) or 0
    try:
        sandbox = stack.enter_context(Sandbox(seed=seed, manual_clock=manual, state_path=state))
    except ValueError as exc:  # a state file from another version of the Sandbox
        raise ValidationError(f"--sandbox-state: {exc}") from None
    label = f"Sandbox state {state}"
    client = Client(api_key or SANDBOX_KEY, DEFAULT_BASE_URL, transport=sandbox.emulator.transport(), label=label)
    return stack.enter_context(client)


def _state_has_manual_clock(path: Path) -> bool:
    """Whether the state file was kept by a manual clock, so it resumes where that clock stood."""
    import sqlite3

    from ..errors import ValidationError

    try:
        with contextlib.closing(sqlite3.connect(str(path))) as db:
            db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            return db.execute("SELECT 1 FROM docs WHERE tenant = '*' AND kind = 'clock'").fetchone() is not None
    except sqlite3.DatabaseError:
        raise ValidationError(
            f"--sandbox-state: {path} is not a Sandbox state file (the SQLite file 'codat-nb sandbox serve --state' writes)."
        ) from None


def _fail(message: str, code: int) -> int:
    from ..masking import mask_text  # a message may quote an argument: never the API key in it

    print(f"codat-nb export: {mask_text(message)}", file=sys.stderr, flush=True)
    return code


def add_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export",
        help="write companies' tables to Parquet or CSV, partitioned by company",
        description=_EXPORT_DESCRIPTION,
        epilog=_EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.set_defaults(run=run, parser=export)
    export.add_argument("--company", action="append", required=True, metavar="ID", help="the company's id (repeat for several)")
    export.add_argument(
        "--data-type", action="append", dest="data_types", default=None, metavar="TYPE",
        help="a Codat data type such as invoices (repeat for several; default: every synced type)",
    )  # fmt: skip
    export.add_argument("--out", required=True, metavar="DIR", help="the export folder (created if missing; its parent must exist)")
    export.add_argument("--format", default="parquet", metavar="FORMAT", help="parquet (default) or csv")
    export.add_argument("--base-url", default=None, metavar="URL", help="the API to read (default $CODAT_BASE_URL, else api.codat.io)")
    export.add_argument("--sandbox-state", type=Path, default=None, metavar="PATH", help="read a Sandbox state file instead of an API")
    export.add_argument(
        "--sandbox-seed", type=_types.non_negative(int, "a whole number"), default=None, metavar="N",
        help="the --seed the state's Sandbox ran with (default: the one the state file records, else 0)",
    )  # fmt: skip
    export.add_argument(
        "--report-periods", type=_types.non_negative(int, "a whole number"), default=12, metavar="N",
        help="months of balance sheet and profit and loss (default 12, at most 60)",
    )  # fmt: skip


def check_writable(out: Path) -> None:
    """Refuse an export folder that cannot be written before any page is read, naming the folder.

    The export creates ``out`` itself (not its parents: a typo should not leave a trail of folders),
    then stages files inside it; so the folder that must accept a new entry is ``out`` when it
    exists, else its parent. A real probe (a folder made and removed) also catches read-only mounts
    and ACLs, which permission bits (and ``os.access`` for root) do not show.
    """
    from ..errors import ValidationError

    folder = out if out.exists() else out.parent
    if not folder.exists():
        raise ValidationError(f"The export folder {out} cannot be created: the folder {folder} does not exist (create it first).")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".codat-nb-probe-", dir=folder))
    except OSError as exc:
        raise ValidationError(f"The export folder {out} cannot be written: the folder {folder} refuses new files ({exc.strerror}).") from None
