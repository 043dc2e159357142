"""Every Platform API operation, written once as a sans-I/O generator (see steps.py) for both clients."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote

from .errors import APIError, OutcomeUnknownError, ValidationError
from .records import Company, Connection, DataStatus, Integration, PullOperation, SyncSetting, SyncSettings
from .steps import NOT_APPLIED, Emit, Operation, Send, catching, write_once
from .validation import (
    check_company_name,
    check_data_type,
    check_page_size,
    check_platform_key,
    check_json,
    check_tags,
    check_text,
    check_uuid,
    company_name_parts,
)

DEFAULT_PAGE_SIZE = 100


def company_path(company_id: Any) -> str:
    return f"/companies/{check_uuid(company_id, 'company_id')}"


def paged(path: str, query: str | None, order_by: str | None, page_size: int) -> Operation[None]:
    """Every page of a platform list, following ``_links.next``; emits each page's results."""
    params = list_params(query, order_by, page_size)
    body = yield Send("GET", path, params)
    while True:
        yield Emit(results_of(body, path))
        following = ((body or {}).get("_links") or {}).get("next")
        if not following or not following.get("href"):
            return None
        body = yield Send("GET", following["href"])


def list_params(query: str | None, order_by: str | None, page_size: int) -> dict[str, Any]:
    params: dict[str, Any] = {"page": 1, "pageSize": check_page_size(page_size)}
    if query is not None:
        if not isinstance(query, str) or not query.strip():
            raise ValidationError(f"query must be a non-empty string such as 'status=Linked'; got {query!r}.")
        params["query"] = check_text(query, "query")
    if order_by is not None:
        if not isinstance(order_by, str) or not order_by.strip(" -"):
            raise ValidationError(f"order_by must name a field, such as 'created' or '-created'; got {order_by!r}.")
        params["orderBy"] = check_text(order_by, "order_by")
    return params


def results_of(body: Any, path: str) -> list[Any]:
    from .errors import SchemaError

    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise SchemaError(f"GET {path} did not answer a paged list (no 'results' array); check base_url points at the Codat API.")
    return body["results"]


def collect(operation: Operation[Any], convert: Callable[[Any], Any]) -> Operation[list[Any]]:
    """Run a streaming operation to its end and give back everything it emitted, converted."""
    out: list[Any] = []
    step = next(operation)
    while True:
        if isinstance(step, Emit):
            out.extend(convert(item) for item in step.records)
            reply = None
        else:
            reply = yield step
        try:
            step = operation.send(reply)
        except StopIteration:
            return out


# -- companies ------------------------------------------------------------------------------------------


def create_company(name: str, description: str | None = None, tags: Mapping[str, str] | None = None) -> Operation[Company]:
    body: dict[str, Any] = {"name": check_company_name(name)}
    if description is not None:
        body["description"] = _text(description, "description")
    if tags is not None:
        body["tags"] = check_tags(tags)
    # A blind retry after an unclear failure could make a second company. So: the companies of
    # that name first (one GET), and after an unclear failure again: one new id is ours, none
    # means send again. A server that refuses the name query gets no such check.
    query = _equals("name", company_name_parts(body["name"])[0])
    before = yield from _ids_or_none("/companies", query)
    hint = f"list_companies(query={query!r}) shows it if it was created." if before is not None else "list_companies() shows it if it was created."

    def check() -> Operation[Any]:
        new = [c for c in (yield from _listed("/companies", query)) if c.get("id") not in (before or ())]
        return _one_new(new, "companies", f"named {body['name']!r}", hint)

    send = Send("POST", "/companies", json=body, idempotent=False, check_hint=hint)
    return Company.from_json((yield from write_once(send, None if before is None else check)))


def get_company(company_id: str) -> Operation[Company]:
    return Company.from_json((yield Send("GET", company_path(company_id))))


def list_companies(query: str | None = None, order_by: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> Operation[list[Company]]:
    return (yield from collect(paged("/companies", query, order_by, page_size), Company.from_json))


def update_company(
    company_id: str, name: str | None = None, description: str | None = None, tags: Mapping[str, str] | None = None
) -> Operation[Company]:
    """PATCH: only the fields given change."""
    path = company_path(company_id)
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = check_company_name(name)
    if description is not None:
        body["description"] = _text(description, "description")
    if tags is not None:
        body["tags"] = check_tags(tags)
    if not body:
        raise ValidationError("update_company needs at least one of name=, description= or tags=.")
    return Company.from_json((yield Send("PATCH", path, json=body)))


def replace_company(company_id: str, name: str, description: str | None = None, tags: Mapping[str, str] | None = None) -> Operation[Company]:
    """PUT: description and tags left out are cleared, as Codat does."""
    path = company_path(company_id)
    body: dict[str, Any] = {"name": check_company_name(name)}
    if description is not None:
        body["description"] = _text(description, "description")
    if tags is not None:
        body["tags"] = check_tags(tags)
    return Company.from_json((yield Send("PUT", path, json=body)))


def delete_company(company_id: str) -> Operation[None]:
    yield Send("DELETE", company_path(company_id), empty=True)


# -- connections ----------------------------------------------------------------------------------------


def connection_path(company_id: str, connection_id: str) -> str:
    return f"{company_path(company_id)}/connections/{check_uuid(connection_id, 'connection_id')}"


def create_connection(company_id: str, platform_key: str = "mqjo") -> Operation[Connection]:
    path = f"{company_path(company_id)}/connections"
    key = check_platform_key(platform_key)
    # As create_company: the connections first (one GET); after an unclear failure, the one new
    # connection to this integration is ours. A second try refused with "already has an
    # accounting connection" is checked the same way (write_once).
    before = {c.get("id") for c in (yield from _listed(path, None))}
    hint = f"list_connections({company_id!r}) shows it if it was created."

    def check() -> Operation[Any]:
        listed = yield from _listed(path, None)
        new = [c for c in listed if c.get("id") not in before and c.get("integrationKey", key) == key]
        return _one_new(new, "connections", f"to {key} for company {company_id}", hint)

    send = Send("POST", path, json={"platformKey": key}, idempotent=False, check_hint=hint)
    return Connection.from_json((yield from write_once(send, check)))


def list_connections(
    company_id: str, query: str | None = None, order_by: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> Operation[list[Connection]]:
    path = f"{company_path(company_id)}/connections"
    return (yield from collect(paged(path, query, order_by, page_size), Connection.from_json))


def get_connection(company_id: str, connection_id: str) -> Operation[Connection]:
    return Connection.from_json((yield Send("GET", connection_path(company_id, connection_id))))


def unlink_connection(company_id: str, connection_id: str) -> Operation[Connection]:
    path = connection_path(company_id, connection_id)
    return Connection.from_json((yield Send("PATCH", path, json={"status": "Unlinked"})))


def delete_connection(company_id: str, connection_id: str) -> Operation[None]:
    yield Send("DELETE", connection_path(company_id, connection_id), empty=True)


# -- integrations and sync settings ----------------------------------------------------------------------


def list_integrations(query: str | None = None, order_by: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> Operation[list[Integration]]:
    return (yield from collect(paged("/integrations", query, order_by, page_size), Integration.from_json))


def get_integration(platform_key: str) -> Operation[Integration]:
    return Integration.from_json((yield Send("GET", f"/integrations/{check_platform_key(platform_key)}")))


def get_sync_settings(company_id: str | None = None) -> Operation[SyncSettings]:
    """The company's settings, or the profile's (every company's defaults) when no company is given."""
    path = "/profile/syncSettings" if company_id is None else f"{company_path(company_id)}/syncSettings"
    return SyncSettings.from_json((yield Send("GET", path)))


def set_sync_settings(
    settings: SyncSettings | Iterable[SyncSetting | Mapping[str, Any]], company_id: str | None = None, overrides_defaults: bool | None = None
) -> Operation[None]:
    """Replace the settings; without a company, the profile's. Codat answers 204."""
    if company_id is None:
        path, owner_key = "/profile/syncSettings", "clientId"
    else:
        path, owner_key = f"{company_path(company_id)}/syncSettings", "companyId"
    if isinstance(settings, SyncSettings):
        body = settings.to_json()
        items = body.get("settings", [])
        owner = body.get(owner_key)
        overrides = body.get("overridesDefaults") if overrides_defaults is None else overrides_defaults
    else:
        if isinstance(settings, (str, bytes, Mapping)) or not isinstance(settings, Iterable):
            raise ValidationError(f"settings must be a SyncSettings or a list of SyncSetting or dicts; got {type(settings).__name__}.")
        items = [s.to_json() if isinstance(s, SyncSetting) else dict(s) if isinstance(s, Mapping) else s for s in settings]
        owner, overrides = None, overrides_defaults
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "dataType" not in item:
            raise ValidationError("Each sync setting needs a dataType, fetchOnFirstLink, syncSchedule and syncOrder.")
        check_data_type(item["dataType"])
        check_json(item, f"settings[{index}]")
    if owner is None:
        owner = company_id if company_id is not None else (yield from get_sync_settings()).owner_id
    body = {owner_key: owner, "settings": items, "overridesDefaults": bool(overrides) if overrides is not None else True}
    # A POST, but it replaces the settings with the same body every time: safe to retry (idempotent).
    yield Send("POST", path, json=body, empty=True, idempotent=True)


# -- refresh and pull operations -------------------------------------------------------------------------


def refresh_all(company_id: str) -> Operation[None]:
    """Queue every data type whose setting has fetchOnFirstLink (204; nothing to return).

    Queueing is a write: sent twice, it queues every pull twice. So dataStatus first (one GET);
    after an unclear failure, a data type with a new latestSyncId means ours took.
    """
    path = company_path(company_id)
    before = yield from _latest_syncs(path)

    def check() -> Operation[Any]:
        after = yield from _latest_syncs(path)
        return None if any(after[name] != before.get(name) for name in after) else NOT_APPLIED

    hint = f"data_status({company_id!r}) shows new pulls (a new latest_sync_id) if they were queued."
    yield from write_once(Send("POST", f"{path}/data/all", empty=True, idempotent=False, check_hint=hint), check)


def refresh_data_type(company_id: str, data_type: str, connection_id: str | None = None) -> Operation[PullOperation]:
    path = f"{company_path(company_id)}/data/queue/{quote(check_data_type(data_type), safe='-')}"
    params = {} if connection_id is None else {"connectionId": check_uuid(connection_id, "connection_id")}
    # As refresh_all: dataStatus first (one GET); after an unclear failure a new latestSyncId of
    # this type is our pull (one more GET reads it). A second try refused as already in progress
    # (DatasetAlreadyInProgressException) is checked the same way, and adopts the pull it names.
    base, name = company_path(company_id), check_data_type(data_type)
    before = (yield from _latest_syncs(base)).get(name)

    def check() -> Operation[Any]:
        latest = (yield from _latest_syncs(base)).get(name)
        if latest is None or latest == before:
            return NOT_APPLIED
        return (yield Send("GET", f"{base}/data/history/{check_uuid(latest, 'dataset_id')}"))

    hint = f"data_status({company_id!r}) shows a new latest_sync_id for {name} if it was queued."
    return PullOperation.from_json((yield from write_once(Send("POST", path, params, idempotent=False, check_hint=hint), check)))


def data_status(company_id: str) -> Operation[dict[str, DataStatus]]:
    body = yield Send("GET", f"{company_path(company_id)}/dataStatus")
    return {key: DataStatus.from_json(value) for key, value in (body or {}).items()}


def list_pull_operations(
    company_id: str, query: str | None = None, order_by: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> Operation[list[PullOperation]]:
    path = f"{company_path(company_id)}/data/history"
    return (yield from collect(paged(path, query, order_by, page_size), PullOperation.from_json))


def get_pull_operation(company_id: str, dataset_id: str) -> Operation[PullOperation]:
    path = f"{company_path(company_id)}/data/history/{check_uuid(dataset_id, 'dataset_id')}"
    return PullOperation.from_json((yield Send("GET", path)))


# -- helpers ------------------------------------------------------------------------------------------------


def _listed(path: str, query: str | None) -> Operation[list[Any]]:
    return (yield from collect(paged(path, query, None, DEFAULT_PAGE_SIZE), dict))


def _ids_or_none(path: str, query: str) -> Operation[set[Any] | None]:
    if len(query) >= 2048:  # Codat refuses longer queries (and httpx longer URLs): no snapshot, no check
        return None
    try:
        return {item.get("id") for item in (yield from catching(_listed(path, query)))}
    except APIError as refused:
        if refused.status == 400:  # the query language is refused here: no snapshot, no check
            return None
        raise


def _latest_syncs(base: str) -> Operation[dict[str, Any]]:
    body = yield Send("GET", f"{base}/dataStatus")
    return {name: (status or {}).get("latestSyncId") for name, status in (body or {}).items() if isinstance(status, dict)}


def _one_new(new: list[dict[str, Any]], noun: str, described: str, hint: str) -> Any:
    """What a create's check found: the one new item, NOT_APPLIED for none, an error for several."""
    if len(new) == 1:
        return new[0]
    if not new:
        return NOT_APPLIED
    ids = [str(item.get("id")) for item in new]
    raise OutcomeUnknownError(
        f"After an unclear failure, {len(new)} new {noun} {described} were found ({', '.join(ids)}), where one was "
        f"created: one is probably this call's, the others another client's. Check them and delete the extra ones; {hint}",
        found=ids,
    )


def _equals(field: str, value: str) -> str:
    """A query for ``field`` equal to ``value``, quoted when the value holds query syntax."""
    if any(token in value for token in ("&&", "||", "{", "}")) or value[:1] in "=!<>~'\"":
        return f'{field}="{value}"'
    return f"{field}={value}"


def _text(value: Any, what: str) -> str:
    return check_text(value, what)
