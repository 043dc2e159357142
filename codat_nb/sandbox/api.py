"""Handlers for Codat's Platform API paths. Each parses, calls a rule, and answers JSON."""

from __future__ import annotations

from typing import Any

from . import catalog, companies, connections, schemas, settings, syncs, views
from .http import HTTPError, Response, empty_response, json_bytes_response, json_response, read_json_body
from .paging import paged_list, paged_response, single_param
from .query import Schema, compile_query
from .routing import Call, Router
from .state import stored

COMPANY_TAGS = Schema("Company tags", {"*": "string"})


# -- companies --------------------------------------------------------------------------------


def list_companies(call: Call) -> Response:
    tenant = call.tenant
    companies = _filter_tags(list(tenant.companies.values()), single_param(call.request, "tags", "Tags"))
    return paged_response(
        call.request,
        companies,
        schemas.COMPANY,
        record=lambda company: views.company_rendered(tenant, company, call.base_url)[0],
        encoded=lambda company: views.company_rendered(tenant, company, call.base_url)[1],
    )


def _filter_tags(companies: list[dict[str, Any]], tags: str | None) -> list[dict[str, Any]]:
    """``tags=region=uk`` (also ``!=`` and ``~``): Codat's separate filter on company tags."""
    predicate = compile_query(tags, COMPANY_TAGS)
    if predicate is None:
        return companies
    return [company for company in companies if predicate(company.get("tags") or {})]


def create_company(call: Call) -> Response:
    body = read_json_body(call.request, validator="CreateCompany")
    fields = companies.read_company_fields(body, require_name=True, validator="CreateCompany")
    platform_type = body.get("platformType")
    integration = _platform_type(platform_type) if platform_type is not None else None
    company = companies.create_company(call.state, call.tenant, fields)
    if integration is not None:
        # The legacy one-step form of Codat's guide: company plus a PendingAuth connection.
        connections.create_connection(call.state, call.tenant, company, integration.key)
        company["platform"] = integration.name
        call.tenant.save("company", company["id"], stored(company))
    return json_response(200, views.company_json(call.tenant, company, call.base_url))


def _platform_type(value: Any) -> Any:
    """The legacy ``platformType``'s integration; its errors name the field that was sent."""
    try:
        return connections.integration_for(value)
    except HTTPError as exc:
        exc.error = exc.error.replace("platformKey", "platformType")
        for item in exc.validation or ():
            item["itemId"] = item["itemId"].replace("platformKey", "platformType")
        raise


def get_company(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    return json_bytes_response(200, views.company_rendered(call.tenant, company, call.base_url)[1])


def replace_company(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    body = read_json_body(call.request, validator="ReplaceCompany")
    fields = companies.read_company_fields(body, require_name=True, validator="ReplaceCompany")
    companies.replace_company(call.tenant, company, fields)
    return json_response(200, views.company_json(call.tenant, company, call.base_url))


def update_company(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    body = read_json_body(call.request, validator="UpdateCompany")
    fields = companies.read_company_fields(body, require_name=False, validator="UpdateCompany")
    companies.update_company(call.tenant, company, fields)
    return json_response(200, views.company_json(call.tenant, company, call.base_url))


def delete_company(call: Call) -> Response:
    companies.delete_company(call.state, call.tenant, call.params["companyId"])
    return empty_response(204)


# -- connections ------------------------------------------------------------------------------


def list_connections(call: Call) -> Response:
    call.tenant.company(call.params["companyId"])
    records = [views.connection_json(c, call.base_url) for c in call.tenant.connections_of(call.params["companyId"])]
    return json_response(200, paged_list(call.request, records, schemas.CONNECTION))


def create_connection(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    body = read_json_body(call.request, validator="CreateConnection")
    if "platformKey" not in body:
        raise HTTPError(
            400,
            "platformKey is required: send {\"platformKey\": \"mqjo\"} to connect the Sandbox.",
            validation=[{"itemId": "platformKey", "message": "Required.", "validatorName": "CreateConnection"}],
        )
    connection = connections.create_connection(call.state, call.tenant, company, body["platformKey"])
    return json_response(200, views.connection_json(connection, call.base_url))


def get_connection(call: Call) -> Response:
    connection = call.tenant.connection(call.params["companyId"], call.params["connectionId"])
    return json_response(200, views.connection_json(connection, call.base_url))


def unlink_connection(call: Call) -> Response:
    connection = call.tenant.connection(call.params["companyId"], call.params["connectionId"])
    body = read_json_body(call.request, validator="UnlinkConnection")
    connections.unlink(call.tenant, connection, body)
    return json_response(200, views.connection_json(connection, call.base_url))


def delete_connection(call: Call) -> Response:
    connection = call.tenant.connection(call.params["companyId"], call.params["connectionId"])
    connections.delete_connection(call.tenant, connection)
    return empty_response(200)


# -- integrations -------------------------------------------------------------------------------


def list_integrations(call: Call) -> Response:
    records = [views.integration_json(i, call.base_url) for i in catalog.INTEGRATIONS]
    return json_response(200, paged_list(call.request, records, schemas.INTEGRATION))


def _integration(key: str) -> catalog.Integration:
    integration = catalog.INTEGRATIONS_BY_KEY.get(key)
    if integration is None:
        raise HTTPError(404, f"No integration was found with key '{key[:40]}'. GET /integrations lists the keys.")
    return integration


def get_integration(call: Call) -> Response:
    return json_response(200, views.integration_json(_integration(call.params["platformKey"]), call.base_url))


def get_branding(call: Call) -> Response:
    return json_response(200, views.branding_json(_integration(call.params["platformKey"]), call.base_url))


# -- settings and profile -------------------------------------------------------------------------


def get_profile_sync_settings(call: Call) -> Response:
    return json_response(200, settings.profile_settings(call.tenant))


def set_profile_sync_settings(call: Call) -> Response:
    body = read_json_body(call.request, validator="SyncSettings")
    settings.set_settings(call.tenant, "profile", body, "clientId", settings.client_id(call.tenant))
    return empty_response(204)


def get_company_sync_settings(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    return json_response(200, settings.company_settings(call.tenant, company["id"]))


def set_company_sync_settings(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    body = read_json_body(call.request, validator="SyncSettings")
    settings.set_settings(call.tenant, company["id"], body, "companyId", company["id"])
    return empty_response(204)


# -- refresh and pull operations --------------------------------------------------------------------


def refresh_all(call: Call) -> Response:
    syncs.refresh_all(call.state, call.tenant, call.tenant.company(call.params["companyId"]))
    return empty_response(204)


def refresh_data_type(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    pull = syncs.queue_data_type(
        call.state, call.tenant, company, call.params["dataType"], single_param(call.request, "connectionId", "Route")
    )
    return json_response(200, views.pull_json(call.state, pull, call.state.now()))


def data_status(call: Call) -> Response:
    company = call.tenant.company(call.params["companyId"])
    return json_response(200, syncs.data_status(call.state, call.tenant, company, call.now))


def list_pull_operations(call: Call) -> Response:
    call.tenant.company(call.params["companyId"])
    records = [views.pull_json(call.state, p, call.now) for p in call.tenant.pulls_of(call.params["companyId"])]
    return json_response(200, paged_list(call.request, records, schemas.DATASET))


def get_pull_operation(call: Call) -> Response:
    pull = call.tenant.pull(call.params["companyId"], call.params["datasetId"])
    return json_response(200, views.pull_json(call.state, pull, call.now))


def register(router: Router) -> None:
    add = router.add
    add("GET", "/companies", list_companies)
    add("POST", "/companies", create_company)
    add("GET", "/companies/{companyId}", get_company)
    add("PUT", "/companies/{companyId}", replace_company)
    add("PATCH", "/companies/{companyId}", update_company)
    add("DELETE", "/companies/{companyId}", delete_company)
    add("GET", "/companies/{companyId}/connections", list_connections)
    add("POST", "/companies/{companyId}/connections", create_connection)
    add("GET", "/companies/{companyId}/connections/{connectionId}", get_connection)
    add("PATCH", "/companies/{companyId}/connections/{connectionId}", unlink_connection)
    add("DELETE", "/companies/{companyId}/connections/{connectionId}", delete_connection)
    add("GET", "/integrations", list_integrations)
    add("GET", "/integrations/{platformKey}", get_integration)
    add("GET", "/integrations/{platformKey}/branding", get_branding)
    add("GET", "/profile/syncSettings", get_profile_sync_settings)
    add("POST", "/profile/syncSettings", set_profile_sync_settings)
    add("GET", "/companies/{companyId}/syncSettings", get_company_sync_settings)
    add("POST", "/companies/{companyId}/syncSettings", set_company_sync_settings)
    add("POST", "/companies/{companyId}/data/all", refresh_all)
    add("POST", "/companies/{companyId}/data/queue/{dataType}", refresh_data_type)
    add("GET", "/companies/{companyId}/dataStatus", data_status)
    add("GET", "/companies/{companyId}/data/history", list_pull_operations)
    add("GET", "/companies/{companyId}/data/history/{datasetId}", get_pull_operation)
