"""Connection rules: create, authorise (the Link step), unlink, delete."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from . import catalog, syncs
from .clock import format_timestamp
from .http import HTTPError, validation_error
from .state import SandboxState, Tenant, stored

_PLATFORM_KEY = re.compile(r"^[a-z]{4}$")
ACTIVE = ("PendingAuth", "Linked")


def integration_for(platform_key: Any) -> catalog.Integration:
    """The integration for a key, or a Codat-shaped error saying what to send instead."""
    if not isinstance(platform_key, str) or not _PLATFORM_KEY.match(platform_key):
        shown = repr(platform_key)[:40]
        raise validation_error(
            "platformKey",
            f"platformKey must be a 4-letter lowercase key such as 'mqjo' (the Sandbox); got {shown}.",
            "CreateConnection",
        )
    integration = catalog.INTEGRATIONS_BY_KEY.get(platform_key)
    if integration is None:
        raise HTTPError(404, f"No integration was found with key '{platform_key}'. GET /integrations lists the keys.")
    if not integration.linkable:
        raise HTTPError(
            400,
            f"{integration.name} ({integration.key}) cannot be linked offline: the embedded emulator only emulates "
            f"the Sandbox integrations ({', '.join(catalog.LINKABLE_KEYS)}). Use one of those, or the real Codat API.",
        )
    return integration


def create_connection(state: SandboxState, tenant: Tenant, company: dict[str, Any], platform_key: Any) -> dict[str, Any]:
    integration = integration_for(platform_key)
    if integration.source_type == "Accounting":
        current = [
            c
            for c in tenant.connections_of(company["id"])
            if c["sourceType"] == "Accounting" and c["status"] in ACTIVE
        ]
        if current:
            raise HTTPError(
                400,
                f"Company {company['id']} already has an accounting connection ({current[0]['platformName']}, "
                f"{current[0]['id']}, {current[0]['status']}). A company can have one; unlink or delete it first.",
            )
    connection_id = tenant.new_id("connection")
    connection: dict[str, Any] = {
        "id": connection_id,
        "integrationId": integration.integration_id,
        "integrationKey": integration.key,
        "sourceId": integration.source_id,
        "platformName": integration.name,
        "status": "PendingAuth",
        "lastSync": None,
        "created": format_timestamp(state.now()),
        "sourceType": integration.source_type,
        "dataConnectionErrors": None,
        "connectionInfo": None,
        "_companyId": company["id"],
    }
    tenant.connections[connection_id] = connection
    tenant.save("connection", connection_id, stored(connection))
    return connection


def sample_choice(options: dict[str, Any] | None) -> dict[str, Any]:
    """The sample company (``dataset``) and size (``invoices``) the customer picked, checked.

    Codat's Sandbox sign-in offers a dropdown of sample companies; the emulator adds a size.
    """
    from .books.datasets import DEFAULT_SAMPLE, MAX_INVOICES, SAMPLE_COMPANIES_BY_KEY

    options = options or {}
    unknown = sorted(set(options) - {"dataset", "invoices"})
    if unknown:
        raise HTTPError(400, f"Unknown sign-in option(s) {', '.join(unknown)}; the Sandbox takes dataset and invoices.")
    key = options.get("dataset") or DEFAULT_SAMPLE
    if key not in SAMPLE_COMPANIES_BY_KEY:
        choices = ", ".join(SAMPLE_COMPANIES_BY_KEY)
        raise validation_error("dataset", f"dataset must be one of {choices}; got {str(key)[:40]!r}.", "SandboxSignIn")
    invoices = options.get("invoices")
    if invoices is None or invoices == "":
        invoices = SAMPLE_COMPANIES_BY_KEY[key].invoices
    elif isinstance(invoices, bool) or not isinstance(invoices, int) or not 1 <= invoices <= MAX_INVOICES:
        raise validation_error(
            "invoices", f"invoices must be a whole number from 1 to {MAX_INVOICES:,}; got {str(invoices)[:40]!r}.", "SandboxSignIn"
        )
    return {"sample": key, "invoices": invoices}


def authorize(
    state: SandboxState, tenant: Tenant, connection: dict[str, Any], options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the customer's sign-in does: PendingAuth, Unlinked or Deauthorized becomes Linked.

    The first link stamps ``lastSync`` and queues a first-link pull for every data type whose
    sync setting has ``fetchOnFirstLink`` and which the integration supplies; re-authorising
    an Unlinked or Deauthorized connection resumes sharing without a first-link fetch (Codat:
    unlinking "lets you re-authorize in future"). Authorising a Linked connection changes nothing.
    """
    if connection["status"] == "Linked":
        return connection
    if connection["sourceType"] == "Accounting":
        others = [
            c
            for c in tenant.connections_of(connection["_companyId"])
            if c["id"] != connection["id"] and c["sourceType"] == "Accounting" and c["status"] in ACTIVE
        ]
        if others:
            raise HTTPError(
                400,
                f"Company {connection['_companyId']} already has an accounting connection ({others[0]['platformName']}, "
                f"{others[0]['id']}, {others[0]['status']}). A company can have one; unlink or delete it first.",
            )
    books = sample_choice(options) if connection["integrationKey"] == "mqjo" and "_books" not in connection else None
    now = state.now()
    first_link = connection["status"] == "PendingAuth"
    if books is not None:
        # The books run up to the day of the first link (and a little beyond, for later syncs).
        books["asOf"] = (now.date() - date(1970, 1, 1)).days
        connection["_books"] = books
    connection["status"] = "Linked"
    connection["lastSync"] = format_timestamp(now)
    tenant.save("connection", connection["id"], stored(connection))
    company = tenant.company(connection["_companyId"])
    company["lastSync"] = connection["lastSync"]
    tenant.save("company", company["id"], stored(company))
    if first_link:
        syncs.queue_first_link(state, tenant, company, connection, now)
    return connection


def unlink(tenant: Tenant, connection: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    status = body.get("status")
    if status != "Unlinked":
        raise validation_error(
            "status", f"status can only be set to 'Unlinked' (send {{\"status\": \"Unlinked\"}}); got {status!r:.40}.", "UnlinkConnection"
        )
    if connection["status"] != "Linked":
        raise HTTPError(
            400, f"Only a Linked connection can be unlinked; connection {connection['id']} is {connection['status']}."
        )
    connection["status"] = "Unlinked"
    tenant.save("connection", connection["id"], stored(connection))
    return connection


def delete_connection(tenant: Tenant, connection: dict[str, Any]) -> None:
    """Removes the connection and the cached data it supplied; pull history stays."""
    company = tenant.companies.get(connection["_companyId"])
    if company is not None:
        latest = company.get("_latestSuccess", {})
        for data_type, pull_id in list(latest.items()):
            pull = tenant.pulls.get(pull_id)
            if pull is not None and pull["connectionId"] == connection["id"]:
                del latest[data_type]
        tenant.save("company", company["id"], stored(company))
    del tenant.connections[connection["id"]]
    tenant.forget("connection", connection["id"])
