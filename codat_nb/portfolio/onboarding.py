"""onboard: create, link and sync many companies at once with an AsyncClient, reporting each one's stage and the whole."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..client import AsyncClient
from ..errors import CodatError, SyncFailedError, ValidationError
from ..progress import SyncProgress
from ..records import Company, Connection, DataStatus
from .specs import CompanySpec, check_specs

#: A company's way through onboarding, in order; Failed can follow any stage.
STAGES: tuple[str, ...] = ("Waiting", "Created", "Connected", "Linked", "Syncing", "Synced", "Failed")
#: The share of a company's onboarding done when it reaches a stage; its sync fills the rest (20 to 100).
STAGE_PERCENT: Mapping[str, float] = MappingProxyType({
    "Waiting": 0.0, "Created": 5.0, "Connected": 10.0, "Linked": 20.0, "Syncing": 20.0, "Synced": 100.0, "Failed": 100.0,
})  # fmt: skip
_SYNC_SHARE = 80.0
SANDBOX_PLATFORM = "mqjo"


@dataclass(frozen=True)
class CompanyProgress:
    """Where one company has got: its stage, the percent of its onboarding done, and what went wrong if it failed."""

    name: str
    stage: str = "Waiting"
    percent: float = 0.0
    company_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class OnboardProgress:
    """The whole portfolio at one moment, as :func:`onboard` passes it to ``on_progress``."""

    companies: tuple[CompanyProgress, ...]

    @property
    def total(self) -> int:
        return len(self.companies)

    @property
    def synced(self) -> int:
        return sum(c.stage == "Synced" for c in self.companies)

    @property
    def failed(self) -> int:
        return sum(c.stage == "Failed" for c in self.companies)

    @property
    def done(self) -> int:
        """Companies that have ended: synced or failed."""
        return self.synced + self.failed

    @property
    def finished(self) -> bool:
        return self.done == self.total

    @property
    def overall(self) -> float:
        """Mean percent over the companies (0-100); it never goes down from one report to the next."""
        return sum(c.percent for c in self.companies) / self.total if self.companies else 0.0

    def __repr__(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"OnboardProgress({self.done}/{self.total} companies done, {self.overall:.0f}%{failed})"


@dataclass(frozen=True)
class Onboarded:
    """One company after :func:`onboard`: what was made for it, its data types' final statuses, or the error that stopped it."""

    spec: CompanySpec
    company: Company | None = None
    connection: Connection | None = None
    statuses: Mapping[str, DataStatus] = field(default_factory=dict, hash=False)
    error: CodatError | None = None

    @property
    def ok(self) -> bool:
        """Created, linked and synced, every data type ended Complete or NotSupported."""
        return self.error is None and self.company is not None

    def __repr__(self) -> str:
        state = "synced" if self.ok else f"failed: {type(self.error).__name__}" if self.error is not None else "not onboarded"
        return f"Onboarded({self.spec.name!r}, {state}, {len(self.statuses)} data types)"


class _Tracker:
    """The progress of every company; each change is reported at once as a new OnboardProgress."""

    def __init__(self, specs: tuple[CompanySpec, ...], on_progress: Callable[[OnboardProgress], Any] | None) -> None:
        self._companies = [CompanyProgress(spec.name) for spec in specs]
        self._on_progress = on_progress

    def report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(OnboardProgress(tuple(self._companies)))

    def stage(self, index: int, stage: str, percent: float | None = None, **changes: Any) -> None:
        current = self._companies[index]
        # A sync can list a data type late (at a few percent), which would pull the mean back: never report less.
        done = max(current.percent, STAGE_PERCENT[stage] if percent is None else percent)
        updated = replace(current, stage=stage, percent=round(done, 2), **changes)
        if updated != current:
            self._companies[index] = updated
            self.report()

    def syncing(self, index: int, progress: SyncProgress) -> None:
        self.stage(index, "Syncing", STAGE_PERCENT["Linked"] + _SYNC_SHARE * progress.overall / 100)


async def onboard(
    client: AsyncClient,
    specs: Iterable[CompanySpec],
    on_progress: Callable[[OnboardProgress], Any] | None = None,
    *,
    on_link: Callable[[Company, Connection], Any] | None = None,
    link_timeout: float = 900.0,
    sync_timeout: float = 900.0,
) -> list[Onboarded]:
    """Create, link and sync every company of ``specs`` at once, one task each in an ``asyncio.TaskGroup``.

    Each company is created (with its description and tags, once: a create is never retried
    after an unclear failure), given a Sandbox connection (``mqjo``), linked, and its first sync
    followed with ``wait_for_sync`` (its own progress callback). Linking: on the embedded Sandbox
    (``client.sandbox``) as the customer, ``sandbox.authorize(company, connection, dataset=,
    invoices=)``; on the real API ``on_link(company, connection)`` is called (show the user the
    ``connection.link_url`` to open) and ``wait_for_link`` waits for them, which costs a request
    per company every few seconds. Every request goes through the client, so its ``concurrency``
    semaphore (10, Codat's limit) caps those in flight for the whole portfolio.

    A company that fails (any :class:`~codat_nb.CodatError`) ends ``Failed`` with the error in its
    result; the others carry on.

    Args:
        client: a :class:`codat_nb.AsyncClient` (``sandbox.async_client()`` or ``AsyncClient.from_env()``).
        specs: the companies, names unique (:func:`check_specs`).
        on_progress: called with an :class:`OnboardProgress` at the start and after every change;
            the overall percent never goes down and ends at 100.
        on_link: real API only: called once per company when it needs its customer to link it.
        link_timeout, sync_timeout: seconds to wait for each company's link and for its first sync.

    Returns:
        One :class:`Onboarded` per spec, in the order of ``specs``.

    Raises:
        ValidationError: no specs, duplicate names, a bad callback or timeout, or not an AsyncClient.
    """
    specs = check_specs(specs)
    if not isinstance(client, AsyncClient):
        raise ValidationError(f"onboard needs a codat_nb.AsyncClient (sandbox.async_client(), or client.as_async()); got {type(client).__name__}.")
    for what, callback in (("on_progress", on_progress), ("on_link", on_link)):
        if callback is not None and not callable(callback):
            raise ValidationError(f"{what} must be a function; got {type(callback).__name__}.")
    for what, seconds in (("link_timeout", link_timeout), ("sync_timeout", sync_timeout)):
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise ValidationError(f"{what} must be a positive number of seconds; got {seconds!r}.")
    tracker = _Tracker(specs, on_progress)
    tracker.report()
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(_onboard_one(client, spec, index, tracker, on_link, float(link_timeout), float(sync_timeout)))
                for index, spec in enumerate(specs)
            ]  # fmt: skip
    except BaseExceptionGroup as failed:  # a bug (not a CodatError): raise it, not a group of one
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


async def _onboard_one(
    client: AsyncClient, spec: CompanySpec, index: int, tracker: _Tracker, on_link: Any, link_timeout: float, sync_timeout: float
) -> Onboarded:
    company = connection = None
    try:
        company = await client.create_company(spec.name, description=spec.description, tags=dict(spec.tags) or None)
        tracker.stage(index, "Created", company_id=company.id)
        connection = await client.create_connection(company.id, SANDBOX_PLATFORM)
        tracker.stage(index, "Connected")
        connection = await _link(client, spec, company, connection, on_link, link_timeout)
        tracker.stage(index, "Linked")
        statuses = await client.wait_for_sync(company.id, timeout=sync_timeout, on_progress=lambda p: tracker.syncing(index, p))
    except CodatError as error:
        tracker.stage(index, "Failed", error=str(error))
        completed = error.completed if isinstance(error, SyncFailedError) else {}
        return Onboarded(spec, company, connection, MappingProxyType(dict(completed)), error)
    tracker.stage(index, "Synced")
    return Onboarded(spec, company, connection, MappingProxyType(dict(statuses)))


async def _link(client: AsyncClient, spec: CompanySpec, company: Company, connection: Connection, on_link: Any, timeout: float) -> Connection:
    sandbox = client.sandbox
    if sandbox is not None:  # the embedded Sandbox: sign in as the customer, picking the sample and its size
        return Connection.from_json(sandbox.authorize(company.id, connection.id, dataset=spec.dataset, invoices=spec.invoices))
    if on_link is not None:
        on_link(company, connection)
    return await client.wait_for_link(company.id, timeout=timeout)
