"""Sync settings at profile and company level, and which one applies to a company."""

from __future__ import annotations

from typing import Any

from . import catalog
from .clock import parse_timestamp
from .companies import Problems
from .ids import derive_uuid, is_uuid
from .state import Tenant, data_type_hint

_INT_FIELDS = ("syncSchedule", "syncOrder", "syncFromWindow", "monthsToSync")
_BOOL_FIELDS = ("fetchOnFirstLink", "isLocked")
_REQUIRED = ("dataType", "fetchOnFirstLink", "syncSchedule", "syncOrder")


def client_id(tenant: Tenant) -> str:
    return derive_uuid(tenant.seed, tenant.id, "client")


def effective_settings(tenant: Tenant, company_id: str | None = None) -> dict[str, dict[str, Any]]:
    """dataType -> SyncSetting: defaults, overlaid by the profile's, overlaid by the company's."""
    merged = {setting["dataType"]: setting for setting in catalog.default_sync_settings()}
    for scope in ("profile", company_id):
        if scope and scope in tenant.settings:
            for setting in tenant.settings[scope]["settings"]:
                merged[setting["dataType"]] = setting
    return merged


def profile_settings(tenant: Tenant) -> dict[str, Any]:
    stored = tenant.settings.get("profile")
    return {
        "clientId": client_id(tenant),
        "settings": list(effective_settings(tenant).values()),
        "overridesDefaults": stored["overridesDefaults"] if stored else False,
    }


def company_settings(tenant: Tenant, company_id: str) -> dict[str, Any]:
    stored = tenant.settings.get(company_id)
    return {
        "companyId": company_id,
        "settings": list(effective_settings(tenant, company_id).values()),
        "overridesDefaults": stored["overridesDefaults"] if stored else False,
    }


def set_settings(tenant: Tenant, scope: str, body: dict[str, Any], id_field: str, expected_id: str) -> None:
    """Checks a whole POST body, then stores it; a bad body changes nothing."""
    problems = Problems("SyncSettings")
    given_id = body.get(id_field)
    if given_id is None:
        problems.add(id_field, f"{id_field} is required; send {expected_id}.")
    elif not isinstance(given_id, str) or not is_uuid(given_id):
        problems.add(id_field, f"{id_field} must be a UUID; send {expected_id}.")
    elif given_id.lower() != expected_id:
        problems.add(id_field, f"{id_field} {given_id} does not match {expected_id}.")
    overrides = body.get("overridesDefaults")
    if not isinstance(overrides, bool):
        problems.add("overridesDefaults", "overridesDefaults is required and must be true or false.")
    settings = body.get("settings")
    if not isinstance(settings, list):
        problems.add("settings", "settings is required and must be an array of SyncSetting objects.")
        settings = []
    seen: set[str] = set()
    cleaned = [_check_setting(index, item, problems, seen) for index, item in enumerate(settings)]
    problems.raise_if_any()
    tenant.settings[scope] = {"settings": cleaned, "overridesDefaults": overrides}
    tenant.save("settings", scope, tenant.settings[scope])


def _check_setting(index: int, item: Any, problems: Problems, seen: set[str]) -> dict[str, Any]:
    where = f"settings[{index}]"
    if not isinstance(item, dict):
        problems.add(where, f"{where} must be an object.")
        return {}
    for name in _REQUIRED:
        if name not in item:
            problems.add(f"{where}.{name}", f"{where}.{name} is required.")
    data_type = item.get("dataType")
    if "dataType" in item:
        if data_type not in catalog.DATA_TYPES:
            problems.add(
                f"{where}.dataType",
                f"{where}.dataType '{str(data_type)[:40]}' is not a Codat data type.{data_type_hint(str(data_type))}",
            )
        elif data_type in seen:
            problems.add(f"{where}.dataType", f"{where}.dataType '{data_type}' appears twice.")
        else:
            seen.add(data_type)
    for name in _BOOL_FIELDS:
        if name in item and not isinstance(item[name], bool):
            problems.add(f"{where}.{name}", f"{where}.{name} must be true or false.")
    for name in _INT_FIELDS:
        value = item.get(name)
        if name in item and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.add(f"{where}.{name}", f"{where}.{name} must be a whole number of at least 0.")
    if "syncFromUtc" in item:
        try:
            parse_timestamp(str(item["syncFromUtc"]))
        except ValueError:
            problems.add(f"{where}.syncFromUtc", f"{where}.syncFromUtc must be an ISO 8601 date-time.")
    if "syncFromUtc" in item and "syncFromWindow" in item:
        problems.add(where, f"{where}: set syncFromUtc or syncFromWindow, not both.")
    allowed = set(_REQUIRED) | set(_INT_FIELDS) | set(_BOOL_FIELDS) | {"syncFromUtc"}
    for name in item:
        if name not in allowed:
            problems.add(f"{where}.{name}", f"{where}.{name} is not a SyncSetting property.")
    return {key: value for key, value in item.items() if key in allowed}

