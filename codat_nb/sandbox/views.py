"""Stored documents -> Codat JSON, with URLs on the caller's base and pull status at ``now``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import catalog
from .clock import format_timestamp
from .http import encode
from .pulls import ERROR_STATUSES
from .state import SandboxState, Tenant


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop the emulator's own ``_`` keys (Codat's Connection allows no extra properties)."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def link_url(base_url: str, company_id: str) -> str:
    return f"{base_url}/link/company/{company_id}"


def connection_link_url(base_url: str, company_id: str, connection_id: str) -> str:
    return f"{base_url}/link/companies/{company_id}/connections/{connection_id}/start"


def connection_json(connection: dict[str, Any], base_url: str) -> dict[str, Any]:
    body = public(connection)
    body["linkUrl"] = connection_link_url(base_url, connection["_companyId"], connection["id"])
    # Keep Codat's key order: linkUrl sits after platformName.
    order = ["id", "integrationId", "integrationKey", "sourceId", "platformName", "linkUrl", "status",
             "lastSync", "created", "sourceType", "dataConnectionErrors", "connectionInfo"]  # fmt: skip
    return {key: body[key] for key in order if key in body}


def company_json(tenant: Tenant, company: dict[str, Any], base_url: str) -> dict[str, Any]:
    body = public(company)
    ordered: dict[str, Any] = {
        "id": body["id"],
        "name": body["name"],
        "description": body.get("description", ""),
        "platform": body.get("platform", ""),
        "redirect": link_url(base_url, company["id"]),
    }
    if body.get("lastSync"):
        ordered["lastSync"] = body["lastSync"]
    ordered["created"] = body["created"]
    ordered["createdByUserName"] = body.get("createdByUserName")
    ordered["products"] = body.get("products", [])
    if "tags" in body:
        ordered["tags"] = body["tags"]
    ordered["referenceParentCompany"] = body.get("referenceParentCompany")
    ordered["referenceSubsidiaryCompanies"] = body.get("referenceSubsidiaryCompanies", [])
    ordered["dataConnections"] = [connection_json(c, base_url) for c in tenant.connections_of(company["id"])]
    return ordered


def company_rendered(tenant: Tenant, company: dict[str, Any], base_url: str) -> tuple[dict[str, Any], bytes]:
    """The company's JSON and its bytes, cached until the tenant changes (reads dominate)."""

    def render() -> tuple[dict[str, Any], bytes]:
        body = company_json(tenant, company, base_url)
        return body, encode(body)

    return tenant.cached(("company", company["id"], base_url), render)


def pull_json(state: SandboxState, pull: dict[str, Any], now: datetime) -> dict[str, Any]:
    status, progress, finished = state.pull_state(pull, now)
    plan = state.plan_of(pull)
    errored = status in ERROR_STATUSES
    body: dict[str, Any] = {
        "id": pull["id"],
        "companyId": pull["companyId"],
        "connectionId": pull["connectionId"],
        "dataType": pull["dataType"],
        "status": status,
        "statusDescription": _describe(status, pull["dataType"]),
        "errorMessage": plan.error_message if errored else None,
        "requested": pull["requested"],
    }
    if finished:
        body["completed"] = format_timestamp(state.ends_at(pull))
    body.update(progress=progress, isCompleted=status == "Complete", isErrored=errored)
    return body


def _describe(status: str, data_type: str) -> str | None:
    if status == "NotSupported":
        return f"The integration does not supply {data_type}."
    return None


def integration_json(integration: catalog.Integration, base_url: str) -> dict[str, Any]:
    # Codat's spec requires ``datatype`` (as its examples send) but declares the property as
    # ``dataType``, which is the key the official SDK reads; send both so neither loses it.
    features = [
        {
            "datatype": data_type,
            "dataType": data_type,
            "supportedFeatures": [
                {"featureType": "Get", "featureState": "Release" if integration.supports(data_type) else "NotSupported"}
            ],
        }
        for data_type in catalog.DATA_TYPES
        if catalog.source_type_of(data_type) == integration.source_type
    ]
    return {
        "key": integration.key,
        "logoUrl": logo_url(base_url, integration.key),
        "name": integration.name,
        "enabled": True,
        "sourceId": integration.source_id,
        "sourceType": integration.source_type,
        "integrationId": integration.integration_id,
        "isOfflineConnector": integration.is_offline_connector,
        "isBeta": False,
        "dataProvidedBy": integration.provided_by,
        "datatypeFeatures": features if integration.linkable else [],
    }


def logo_url(base_url: str, key: str) -> str:
    return f"{base_url}/link/logos/{key}.svg"


def branding_json(integration: catalog.Integration, base_url: str) -> dict[str, Any]:
    image = {"src": logo_url(base_url, integration.key), "alt": f"{integration.name} logo"}
    return {
        "logo": {"full": {"image": image}, "square": {"image": image}},
        "button": {"default": {"image": image}, "hover": {"image": image}},
        "sourceId": integration.source_id,
    }
