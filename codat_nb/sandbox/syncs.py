"""Refreshing data: queueing pulls (one type, all types, first link) and the company's data status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import catalog, settings
from .clock import format_timestamp
from .http import HTTPError
from .pulls import plan_not_supported, plan_pull
from .state import SandboxState, Tenant, check_uuid, stored

#: Simulated seconds a commerce or banking pull takes before jitter (±20%). Accounting
#: Sandbox pulls take time by the size of the books instead (books.sizing): at speed 1 a
#: full first sync of the default sample company ends within ~30 s.
BASE_DURATIONS: dict[str, float] = {
    "commerce-orders": 18, "commerce-transactions": 16, "commerce-payments": 12, "commerce-products": 8,
    "banking-transactions": 15, "banking-accountBalances": 6,
}  # fmt: skip
DEFAULT_DURATION = 6.0


def pull_duration(tenant: Tenant, pull_id: str, data_type: str, connection: dict[str, Any]) -> float:
    """Simulated seconds for a pull; for the accounting Sandbox it grows with the records synced."""
    books = connection.get("_books")
    if books is not None:
        from .books.datasets import sample_company
        from .books.sizing import estimated_records, pull_seconds

        base = pull_seconds(estimated_records(sample_company(books["sample"]), books["invoices"], data_type))
        return round(base * tenant.rng("duration", pull_id).uniform(0.9, 1.1), 3)
    base = BASE_DURATIONS.get(data_type, DEFAULT_DURATION)
    return round(base * tenant.rng("duration", pull_id).uniform(0.8, 1.2), 3)


def latest_pull(tenant: Tenant, company: dict[str, Any], data_type: str) -> dict[str, Any] | None:
    pull_id = company.get("_latest", {}).get(data_type)
    return tenant.pulls.get(pull_id) if pull_id else None


def running_pull(state: SandboxState, tenant: Tenant, company: dict[str, Any], data_type: str, now: datetime) -> dict[str, Any] | None:
    pull = latest_pull(tenant, company, data_type)
    if pull is not None and not state.pull_state(pull, now)[2]:
        return pull
    return None


def _queue(state: SandboxState, tenant: Tenant, company: dict[str, Any], connection: dict[str, Any], data_type: str, now: datetime) -> dict[str, Any]:
    integration = catalog.INTEGRATIONS_BY_KEY[connection["integrationKey"]]
    pull_id = tenant.new_id("pull")
    if not integration.supports(data_type):
        plan = plan_not_supported()
    else:
        fail = tenant.rng("fail", pull_id).random() < state.error_rate
        if state.forced_failures.get(data_type, 0) > 0:
            state.forced_failures[data_type] -= 1
            fail = True
        plan = plan_pull(tenant.rng("plan", pull_id), data_type, pull_duration(tenant, pull_id, data_type, connection), fail)
    pull: dict[str, Any] = {
        "id": pull_id,
        "companyId": company["id"],
        "connectionId": connection["id"],
        "dataType": data_type,
        "requested": format_timestamp(now),
        "_plan": plan.to_json(),
    }
    tenant.pulls[pull_id] = pull
    tenant.save("pull", pull_id, stored(pull))
    company.setdefault("_latest", {})[data_type] = pull_id
    tenant.save("company", company["id"], stored(company))
    state.track(tenant, pull)
    return pull


def _types_for(tenant: Tenant, company: dict[str, Any], connection: dict[str, Any]) -> list[str]:
    """fetchOnFirstLink types the connection's integration supplies, in syncOrder."""
    integration = catalog.INTEGRATIONS_BY_KEY[connection["integrationKey"]]
    effective = settings.effective_settings(tenant, company["id"])
    wanted = [
        data_type
        for data_type in catalog.DATA_TYPES
        if effective[data_type]["fetchOnFirstLink"] and integration.supports(data_type)
    ]
    return sorted(wanted, key=lambda data_type: effective[data_type]["syncOrder"])


def queue_first_link(state: SandboxState, tenant: Tenant, company: dict[str, Any], connection: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    return [_queue(state, tenant, company, connection, data_type, now) for data_type in _types_for(tenant, company, connection)]


def refresh_all(state: SandboxState, tenant: Tenant, company: dict[str, Any]) -> list[dict[str, Any]]:
    """POST /data/all: every fetchOnFirstLink type of every Linked connection, skipping those still running."""
    now = state.now()
    queued = []
    for connection in tenant.connections_of(company["id"]):
        if connection["status"] != "Linked":
            continue
        for data_type in _types_for(tenant, company, connection):
            if running_pull(state, tenant, company, data_type, now) is None:
                queued.append(_queue(state, tenant, company, connection, data_type, now))
    return queued


def queue_data_type(state: SandboxState, tenant: Tenant, company: dict[str, Any], data_type: str, connection_id: str | None) -> dict[str, Any]:
    """POST /data/queue/{dataType}: checks everything first, so a refused request changes nothing."""
    now = state.now()
    wanted_source = catalog.source_type_of(data_type)
    if connection_id is not None:
        connection = tenant.connection(company["id"], check_uuid(connection_id, "connectionId"))
        if connection["sourceType"] != wanted_source:
            raise HTTPError(
                400,
                f"Connection {connection['id']} is a {connection['sourceType']} connection ({connection['platformName']}); "
                f"{data_type} comes from a {wanted_source} connection.",
            )
        if connection["status"] != "Linked":
            raise HTTPError(
                400,
                f"Connection {connection['id']} is {connection['status']}; only a Linked connection can be synced. "
                "Authorise it through its linkUrl first.",
            )
    else:
        linked = [
            c for c in tenant.connections_of(company["id"]) if c["status"] == "Linked" and c["sourceType"] == wanted_source
        ]
        if not linked:
            raise HTTPError(
                400,
                f"Company {company['id']} has no Linked {wanted_source.lower()} connection to sync {data_type} from. "
                "Link one first: open the company's redirect URL.",
            )
        connection = linked[0]
    running = running_pull(state, tenant, company, data_type, now)
    if running is not None:
        raise HTTPError(
            400,
            f"DatasetAlreadyInProgressException: Cannot queue {data_type} sync for {company['id']} as previous sync "
            f"{running['id']} is still in progress",
            service="PullApi",
        )
    return _queue(state, tenant, company, connection, data_type, now)


def data_status(state: SandboxState, tenant: Tenant, company: dict[str, Any], now: datetime) -> dict[str, Any]:
    """dataType -> DataStatus for every type ever queued (never-queued types are left out)."""
    result: dict[str, Any] = {}
    latest_success = company.get("_latestSuccess", {})
    for data_type in catalog.DATA_TYPES:
        pull = latest_pull(tenant, company, data_type)
        if pull is None:
            continue
        status, _, _ = state.pull_state(pull, now)
        entry: dict[str, Any] = {"dataType": data_type, "currentStatus": status, "latestSyncId": pull["id"]}
        success = tenant.pulls.get(latest_success.get(data_type, ""))
        if success is not None:
            entry["lastSuccessfulSync"] = format_timestamp(state.ends_at(success))
            entry["latestSuccessfulSyncId"] = success["id"]
        result[data_type] = entry
    return result
