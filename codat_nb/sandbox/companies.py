"""Company rules: Codat's name rule, tags, create / replace / update / delete."""

from __future__ import annotations

import re
from typing import Any

from .clock import format_timestamp
from .http import HTTPError, json_kind
from .state import SandboxState, Tenant, stored

#: Codat's pattern is ``^[A-Za-z0-9\s\-',&@.,?!\s]+$``; other characters are stripped.
_DISALLOWED = re.compile(r"[^A-Za-z0-9\s\-',&@.?!]")
#: Codat publishes no limit; this one keeps names displayable and is documented in the README.
MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 4000
MAX_TAGS = 10
MAX_TAG_KEY = 27
MAX_TAG_VALUE = 100


class Problems:
    """Collects every validation problem in a body so one answer lists them all."""

    def __init__(self, validator: str) -> None:
        self.validator = validator
        self.items: list[dict[str, str]] = []

    def add(self, item: str, message: str) -> None:
        self.items.append({"itemId": item, "message": message, "validatorName": self.validator})

    def raise_if_any(self) -> None:
        if self.items:
            summary = " ".join(item["message"] for item in self.items)
            raise HTTPError(400, summary, validation=self.items)


def clean_name(raw: str) -> str:
    """Codat's rule: strip disallowed characters (``Company (Codat[1])`` -> ``Company Codat1``)."""
    return _DISALLOWED.sub("", raw).strip()


def read_company_fields(body: dict[str, Any], *, require_name: bool, validator: str) -> dict[str, Any]:
    """The checked ``name``/``description``/``tags`` present in ``body`` (null counts as absent)."""
    problems = Problems(validator)
    fields: dict[str, Any] = {}
    name = body.get("name")
    if name is None:
        if require_name:
            problems.add("name", "name is required: send the company's name as a string.")
    elif not isinstance(name, str):
        problems.add("name", f"name must be a string, not {json_kind(name)}.")
    elif len(name) > MAX_NAME_LENGTH:
        problems.add("name", f"name is {len(name)} characters long; the emulator accepts at most {MAX_NAME_LENGTH}.")
    else:
        cleaned = clean_name(name)
        if not cleaned:
            problems.add(
                "name",
                "name has no allowed characters left after removing disallowed ones; "
                "use letters, digits, spaces and - ' , & @ . ? !",
            )
        fields["name"] = cleaned
    description = body.get("description")
    if description is not None:
        if not isinstance(description, str):
            problems.add("description", f"description must be a string, not {json_kind(description)}.")
        elif len(description) > MAX_DESCRIPTION_LENGTH:
            problems.add("description", f"description is {len(description)} characters; keep it to {MAX_DESCRIPTION_LENGTH}.")
        else:
            fields["description"] = description
    tags = body.get("tags")
    if tags is not None:
        _check_tags(tags, problems)
        fields["tags"] = tags
    problems.raise_if_any()
    return fields


def _check_tags(tags: Any, problems: Problems) -> None:
    if not isinstance(tags, dict):
        problems.add("tags", "tags must be an object of string keys to string values.")
        return
    if len(tags) > MAX_TAGS:
        problems.add("tags", f"A company can have at most {MAX_TAGS} tags; got {len(tags)}.")
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_TAG_KEY:
            problems.add("tags", f"Tag key '{key[:40]}' must be 1 to {MAX_TAG_KEY} characters long.")
        if not isinstance(value, str):
            problems.add("tags", f"Tag '{key[:40]}' must have a string value.")
        elif len(value) > MAX_TAG_VALUE:
            problems.add("tags", f"Tag '{key[:40]}' has a value longer than {MAX_TAG_VALUE} characters.")


def create_company(state: SandboxState, tenant: Tenant, fields: dict[str, Any]) -> dict[str, Any]:
    company_id = tenant.new_id("company")
    company: dict[str, Any] = {
        "id": company_id,
        "name": fields["name"],
        "description": fields.get("description", ""),
        "platform": "",
        "created": format_timestamp(state.now()),
        "createdByUserName": None,
        "products": [],
        "referenceParentCompany": None,
        "referenceSubsidiaryCompanies": [],
    }
    if "tags" in fields:
        company["tags"] = fields["tags"]
    tenant.companies[company_id] = company
    state.company_index[company_id] = tenant.id
    tenant.save("company", company_id, stored(company))
    return company


def replace_company(tenant: Tenant, company: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """PUT: name, description and tags are replaced; any left out are cleared."""
    company["name"] = fields["name"]
    company["description"] = fields.get("description", "")
    if "tags" in fields:
        company["tags"] = fields["tags"]
    else:
        company.pop("tags", None)
    tenant.save("company", company["id"], stored(company))
    return company


def update_company(tenant: Tenant, company: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """PATCH: only the fields given (and not null) change."""
    company.update(fields)
    tenant.save("company", company["id"], stored(company))
    return company


def delete_company(state: SandboxState, tenant: Tenant, company_id: str) -> None:
    """Removes the company with its connections, pull history and settings."""
    tenant.company(company_id)
    for connection in tenant.connections_of(company_id):
        del tenant.connections[connection["id"]]
        tenant.forget("connection", connection["id"])
    for pull in tenant.pulls_of(company_id):
        del tenant.pulls[pull["id"]]
        tenant.forget("pull", pull["id"])
    if tenant.settings.pop(company_id, None) is not None:
        tenant.forget("settings", company_id)
    del tenant.companies[company_id]
    state.company_index.pop(company_id, None)
    tenant.forget("company", company_id)
