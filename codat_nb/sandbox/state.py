"""Tenant state (companies, connections, pulls, settings) and the bookkeeping every rule shares.

Documents are plain dicts in Codat's camelCase; keys starting with ``_`` are the
emulator's own and never leave it. Every change goes through :meth:`Tenant.save`
so a SQLite store sees it.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable

from . import catalog
from .clock import Clock, format_timestamp, parse_timestamp
from .http import HTTPError
from .ids import derive_hex, derive_uuid, is_uuid
from .pulls import PullPlan
from .books.cache import BooksCache
from .store import MemoryStore, Store

_EPOCH = date(1970, 1, 1)
#: The store's tenant id for what belongs to no tenant (the seed, where the clock stands).
_GLOBAL = "*"
#: How far ahead of a running clock its saved time runs, in wall seconds. No answer carries a
#: time past the saved one, so a restart resumes there: at most ``speed`` x this ahead of the
#: last answer, and the clock is written at most about this often, not on every read.
LEASE_WALL_SECONDS = 0.5
#: Where the store keeps the clock: a manual one exactly (the doc 'codat-nb export' looks for to
#: reopen a file on a manual clock), a running one as a lease ahead of it.
_MANUAL_DOC = ("clock", "manual")
_LEASE_DOC = ("lease", "clock")


@dataclass
class Tenant:
    """Everything one API key has made. Another key can see none of it."""

    id: str
    seed: int
    store: Store
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # "profile" or a company id
    meta: dict[str, Any] = field(default_factory=lambda: {"counter": 0})
    #: (ends at, pull id) of pulls whose end has not been applied yet.
    pending: list[tuple[datetime, str]] = field(default_factory=list)
    #: Bumped by every change, so rendered answers can be cached until the next one.
    version: int = 0
    rendered: dict[Any, Any] = field(default_factory=dict)
    rendered_version: int = -1

    def new_id(self, kind: str) -> str:
        self.meta["counter"] += 1
        self.save("meta", "meta", self.meta)
        return derive_uuid(self.seed, self.id, kind, self.meta["counter"])

    def rng(self, *parts: object) -> random.Random:
        """A random stream fixed by the seed, this tenant and ``parts``."""
        return random.Random(derive_hex(self.seed, self.id, *parts))

    def save(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.version += 1
        self.store.put(self.id, kind, key, doc)

    def forget(self, kind: str, key: str) -> None:
        self.version += 1
        self.store.delete(self.id, kind, key)

    def cached(self, key: Any, render: Callable[[], Any]) -> Any:
        """``render()``'s result, reused until the tenant next changes."""
        if self.rendered_version != self.version:
            self.rendered.clear()
            self.rendered_version = self.version
        hit = self.rendered.get(key)
        if hit is None:
            hit = self.rendered[key] = render()
        return hit

    # -- lookups that answer with Codat's 404s ---------------------------------------------

    def company(self, company_id: str) -> dict[str, Any]:
        company = self.companies.get(company_id)
        if company is None:
            raise HTTPError(404, f"No company was found with ID {company_id}", service="ClientsApi")
        return company

    def connection(self, company_id: str, connection_id: str) -> dict[str, Any]:
        self.company(company_id)
        connection = self.connections.get(connection_id)
        if connection is None or connection["_companyId"] != company_id:
            raise HTTPError(404, f"Data connection {connection_id} not found", service="ClientsApi")
        return connection

    def pull(self, company_id: str, dataset_id: str) -> dict[str, Any]:
        self.company(company_id)
        pull = self.pulls.get(dataset_id)
        if pull is None or pull["companyId"] != company_id:
            raise HTTPError(404, f"No pull operation was found with ID {dataset_id} for company {company_id}", service="PullApi")
        return pull

    def connections_of(self, company_id: str) -> list[dict[str, Any]]:
        return [c for c in self.connections.values() if c["_companyId"] == company_id]

    def pulls_of(self, company_id: str) -> list[dict[str, Any]]:
        return [p for p in self.pulls.values() if p["companyId"] == company_id]


class SandboxState:
    """All tenants, the clock and the store, plus the lazy settling of pull operations.

    Pulls are planned when queued, so their status is a function of time. What a pull
    does when it ends (``lastSync``, the latest successful sync) is applied by
    :meth:`settle` at the start of each request, stamped with the pull's own end time.
    """

    def __init__(self, seed: int, clock: Clock, store: Store | None = None, error_rate: float = 0.0) -> None:
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"error_rate is a share of pulls from 0 to 1; got {error_rate}")
        self.seed = seed
        self.clock = clock
        self.error_rate = error_rate
        #: dataType -> how many of its next pulls must fail (a fault control for tests).
        self.forced_failures: dict[str, int] = {}
        self.store: Store = store or MemoryStore()
        self.tenants: dict[str, Tenant] = {}
        self.company_index: dict[str, str] = {}  # company id -> tenant id, for the Link page
        #: Generated books, shared by every company that linked the same sample on the same day.
        self.books = BooksCache(seed)
        saved_times = self._load()
        if not isinstance(self.store, MemoryStore):
            self._keep_time(saved_times)

    def tenant(self, tenant_id: str) -> Tenant:
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            tenant = self.tenants[tenant_id] = Tenant(tenant_id, self.seed, self.store)
        return tenant

    def now(self) -> datetime:
        return self.clock.now()

    def reset(self) -> None:
        self.tenants.clear()
        self.company_index.clear()
        self.store.clear()
        self.store.put(_GLOBAL, "seed", "seed", {"seed": self.seed})
        self.books.clear()
        self.clock.reset()
        self.forced_failures.clear()

    # -- pulls ---------------------------------------------------------------------------

    def plan_of(self, pull: dict[str, Any]) -> PullPlan:
        plan = pull.get("_planObject")
        if plan is None:
            plan = pull["_planObject"] = PullPlan.from_json(pull["_plan"])
        return plan

    def pull_state(self, pull: dict[str, Any], now: datetime) -> tuple[str, int, bool]:
        elapsed = (now - parse_timestamp(pull["requested"])).total_seconds()
        return self.plan_of(pull).at(elapsed)

    def ends_at(self, pull: dict[str, Any]) -> datetime:
        return parse_timestamp(pull["requested"]) + timedelta(seconds=self.plan_of(pull).ends_at)

    def track(self, tenant: Tenant, pull: dict[str, Any]) -> None:
        heapq.heappush(tenant.pending, (self.ends_at(pull), pull["id"]))

    def settle(self, tenant: Tenant, now: datetime) -> None:
        """Apply the ends of every pull that has finished by ``now``, oldest first."""
        while tenant.pending and tenant.pending[0][0] <= now:
            ended, pull_id = heapq.heappop(tenant.pending)
            pull = tenant.pulls.get(pull_id)
            if pull is None:
                continue
            if self.plan_of(pull).final_status == "Complete":
                self._apply_completion(tenant, pull, format_timestamp(ended))
            pull["_settled"] = True
            tenant.save("pull", pull_id, stored(pull))

    def _apply_completion(self, tenant: Tenant, pull: dict[str, Any], ended: str) -> None:
        connection = tenant.connections.get(pull["connectionId"])
        if connection is not None and (connection.get("lastSync") or "") < ended:
            connection["lastSync"] = ended
            tenant.save("connection", connection["id"], stored(connection))
        company = tenant.companies.get(pull["companyId"])
        if company is not None:
            if (company.get("lastSync") or "") < ended:
                company["lastSync"] = ended
            company.setdefault("_latestSuccess", {})[pull["dataType"]] = pull["id"]
            # What the sync saw: the source as of the day it was requested (see books.snapshot).
            seen_day = (parse_timestamp(pull["requested"]).date() - _EPOCH).days
            company.setdefault("_syncs", {}).setdefault(pull["dataType"], []).append([seen_day, ended, pull["connectionId"]])
            tenant.save("company", company["id"], stored(company))

    # -- persistence ---------------------------------------------------------------------

    def advance_clock(self, seconds: float) -> datetime:
        """Move the clock forward; the store saves the new time (see :meth:`_save_time`) before it is answered."""
        return self.clock.advance(seconds)

    def _keep_time(self, saved_times: list[datetime]) -> None:
        """Resume at the saved time (never earlier than any answer given), then save it as it moves."""
        if saved_times:
            self.clock.resume(max(saved_times))
        self.clock.keep(self._save_time)
        self.clock.now()  # saves the resumed time (a running clock's lease) right away
        if not self.clock.is_manual:  # the file is now kept by a running clock; export must reopen it so
            self.store.delete(_GLOBAL, *_MANUAL_DOC)
        self.store.commit()

    def _save_time(self, moment: datetime) -> datetime | None:
        """The clock's keeper: save ``moment`` (a running clock: a lease ahead of it) and say what was saved.

        It joins the open request's transaction, which commits before the answer; outside a
        request it commits at once. None once the store is closed: nothing more is answered.
        """
        if self.store.closed:
            return None
        if self.clock.is_manual:
            self.store.put_now(_GLOBAL, *_MANUAL_DOC, {"now": format_timestamp(moment)})
            return moment
        lease = moment + timedelta(seconds=self.clock.speed * LEASE_WALL_SECONDS)
        self.store.put_now(_GLOBAL, *_LEASE_DOC, {"now": format_timestamp(lease)})
        return lease

    def _load(self) -> list[datetime]:
        """Read the store back; returns the clock times it holds."""
        seeded = False
        saved_times = []
        for tenant_id, kind, key, doc in self.store.load():
            if tenant_id == _GLOBAL:
                if kind == "seed":
                    seeded = True
                    if doc["seed"] != self.seed:  # the books are drawn from the seed: another one would differ
                        raise ValueError(
                            f"This state was made with seed {doc['seed']} and its companies' books come from it; "
                            f"open it with seed {doc['seed']} (--seed {doc['seed']}), not {self.seed}."
                        )
                if (kind, key) in (_MANUAL_DOC, _LEASE_DOC):
                    saved_times.append(parse_timestamp(doc["now"]))
                continue
            tenant = self.tenant(tenant_id)
            if kind == "company":
                tenant.companies[key] = doc
                self.company_index[key] = tenant_id
            elif kind == "connection":
                tenant.connections[key] = doc
            elif kind == "pull":
                tenant.pulls[key] = doc
                if not doc.get("_settled"):
                    self.track(tenant, doc)
            elif kind == "settings":
                tenant.settings[key] = doc
            elif kind == "meta":
                tenant.meta = doc
        if not seeded:
            self.store.put(_GLOBAL, "seed", "seed", {"seed": self.seed})
            self.store.commit()
        return saved_times


def stored(doc: dict[str, Any]) -> dict[str, Any]:
    """What goes to the store: the document without cached Python objects."""
    return {key: value for key, value in doc.items() if key != "_planObject"}


def check_uuid(value: str, name: str) -> str:
    """Ids in paths and bodies must be UUIDs: anything else (``../``, quotes) stops here."""
    if not _is_uuid_cached(value):
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise HTTPError(
            400,
            f"{name} must be a UUID such as 8a210b68-6988-11ed-a1eb-0242ac120002; got '{shown}'.",
            validation=[{"itemId": name, "message": "Not a valid UUID.", "validatorName": "Route"}],
        )
    return value.lower()


@functools.lru_cache(maxsize=8192)
def _is_uuid_cached(value: str) -> bool:
    return is_uuid(value)


def data_type_hint(value: str) -> str:
    """' Did you mean 'invoices'?' for a near miss, else where to look."""
    nearest = difflib.get_close_matches(value, catalog.DATA_TYPES, n=1, cutoff=0.5)
    return f" Did you mean '{nearest[0]}'?" if nearest else " See the dataType list in Codat's docs."


def known_data_type(value: str) -> str:
    """A Codat data type, or a 400 that suggests the nearest one."""
    if value in catalog.DATA_TYPES:
        return value
    shown = value if len(value) <= 60 else value[:57] + "..."
    raise HTTPError(
        400,
        f"'{shown}' is not a Codat data type.{data_type_hint(value)}",
        validation=[{"itemId": "dataType", "message": "Unknown data type.", "validatorName": "DataType"}],
    )
