"""The walkthrough's three steps, Codat's Connect guide: create a company, link it to the Sandbox, sync its data."""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass
from typing import Callable

from rich.console import Console
from rich.text import Text

from ..errors import SyncFailedError
from ..records import Company, Connection
from ..validation import CompanyNameWarning, check_company_name
from ._backend import Backend
from ._summary import sync_rows, sync_table
from ._sync_view import SyncView

DEFAULT_NAME = "Platypus Properties"
DEFAULT_SAMPLE = "small-uk"
SANDBOX_KEY = "mqjo"  # Codat's accounting Sandbox integration


@dataclass(frozen=True)
class Options:
    """What the user chose; ``sample`` applies to the embedded Sandbox when it signs in for the user."""

    name: str = DEFAULT_NAME
    sample: str = DEFAULT_SAMPLE
    wait_for_link: bool = False
    timeout: float = 600.0


def run_walkthrough(options: Options, backend: Backend, console: Console, warn: Callable[[str], None] | None = None) -> int:
    """Run the three steps on ``backend``, drawing on ``console``; ``warn`` gets notes for stderr.

    Returns 0 when every data type synced. Raises CodatError for the command line to report in one
    line: SyncFailedError after the table has shown the failed rows and Codat's errorMessage.
    """
    console.print(f"[bold]Codat's Connect guide[/], on {backend.where}")
    company, connection = _create(options, backend, console, warn or _warn)
    _link(options, backend, console, company, connection)
    return _sync(options, backend, console, company)


def _warn(message: str) -> None:
    print(f"codat-nb walkthrough: warning: {message}", file=sys.stderr, flush=True)


def _step(console: Console, number: int, title: str) -> None:
    console.print()
    console.print(f"[bold cyan]Step {number} of 3:[/] [bold]{title}[/]")


def _field(console: Console, label: str, value: str) -> None:
    # soft_wrap: an id or URL is never broken across lines, so it can be copied (or parsed) whole.
    console.print(f"  {label:<11} {value}", soft_wrap=True, markup=False)


def _create(options: Options, backend: Backend, console: Console, warn: Callable[[str], None]) -> tuple[Company, Connection]:
    _step(console, 1, "Create a company and a Sandbox connection")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CompanyNameWarning)
        check_company_name(options.name)
    for warning in caught:
        warn(str(warning.message))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompanyNameWarning)  # said once above, in words
        company = backend.client.create_company(options.name)
    connection = backend.client.create_connection(company.id, SANDBOX_KEY)
    _field(console, "Company", company.name)
    _field(console, "Company id", company.id)
    _field(console, "Connection", f"{connection.platform_name} ({connection.status}), id {connection.id}")
    _field(console, "Link URL", company.redirect or "(Codat gave none)")
    return company, connection


def _link(options: Options, backend: Backend, console: Console, company: Company, connection: Connection) -> None:
    _step(console, 2, "Link it: the business shares its books")
    if backend.sandbox is not None and not options.wait_for_link:
        from ..sandbox.books.datasets import SAMPLE_COMPANIES

        label = next(s.label for s in SAMPLE_COMPANIES if s.key == options.sample)
        backend.sandbox.authorize(company.id, connection.id, dataset=options.sample)
        console.print("  Signed in to the Sandbox as the business would on the Link page,")
        console.print(f"  sharing the books of its {label} sample ({options.sample}).")
        linked = backend.client.get_connection(company.id, connection.id)
    else:
        where = "the Sandbox's card" if backend.embedded else "Codat Sandbox (or your platform)"
        console.print(f"  Open the Link URL in a browser (or send it to the business), choose {where} and press Connect.")
        linked = _wait_for_link(options, backend, console, company)
    _field(console, "Connection", f"{linked.platform_name} ({linked.status})")


def _wait_for_link(options: Options, backend: Backend, console: Console, company: Company) -> Connection:
    message = f"Waiting for Connect (up to {options.timeout:g} s; Ctrl-C stops)"
    if not console.is_terminal:
        console.print(f"  {message}...")
        return backend.client.wait_for_link(company.id, timeout=options.timeout)
    started = time.monotonic()
    with console.status(f"  {message}") as status:

        def tick(_company: Company) -> None:
            status.update(f"  {message}: {time.monotonic() - started:.0f} s so far")

        return backend.client.wait_for_link(company.id, timeout=options.timeout, on_progress=tick)


def _sync(options: Options, backend: Backend, console: Console, company: Company) -> int:
    _step(console, 3, "Synchronise its data")
    started = time.monotonic()
    failure: SyncFailedError | None = None
    with SyncView(console) as view:
        try:
            statuses = backend.client.wait_for_sync(company.id, timeout=options.timeout, on_progress=view, **backend.poll)
        except SyncFailedError as exc:
            failure, statuses = exc, dict(exc.completed)
    elapsed = time.monotonic() - started
    rows = sync_rows(backend.client, company.id, statuses, failure.failed if failure else None)
    table = sync_table(rows, title=Text(f"{company.name}: the first sync", style="bold"))
    console.print(table)
    if backend.clock_note:
        console.print(f"[dim]{backend.clock_note}[/]")
    if failure is not None:
        raise failure
    records = sum(row.records or 0 for row in rows)
    console.print(f"Synced {len(rows)} data types in {elapsed:.1f} s: {records:,} records.")
    console.print("Next: [bold]codat-nb lab[/] opens the guided notebooks, which read and chart such books.")
    return 0
