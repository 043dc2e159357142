"""The customer's side of Link: the routes that connect a company to a Sandbox integration.

Connect is an explicit act: pressing it on an integration that is already Linked changes nothing
and says so (409), and the page after a successful Connect is Codat's success state, not the
live form again. Every redirect is relative, like the pages' links (see link_pages).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote

from . import catalog, connections, link_pages
from .http import HTTPError, Request, Response, html_response, redirect_response
from .routing import Call, Router
from .state import SandboxState, Tenant, check_uuid

#: Connect again reuses the integration's connection, the most usable first.
_REUSE_ORDER = ("PendingAuth", "Deauthorized", "Unlinked")


def up_to_link_root(request: Request) -> str:
    """The relative path from this page to ``/link/`` (``../`` for ``/link/company/{id}``)."""
    inside = request.raw_path.split("/link/", 1)[-1]
    return "../" * inside.count("/")


def _locate(state: SandboxState, raw_company_id: str) -> tuple[Tenant, dict[str, Any]]:
    company_id = check_uuid(raw_company_id, "companyId")
    tenant_id = state.company_index.get(company_id)
    if tenant_id is None:
        raise HTTPError(404, f"No company was found with ID {company_id}")
    tenant = state.tenants[tenant_id]
    return tenant, tenant.company(company_id)


def _linked(tenant: Tenant, company: dict[str, Any], key: str | None) -> dict[str, Any] | None:
    return next(
        (c for c in tenant.connections_of(company["id"]) if c["integrationKey"] == key and c["status"] == "Linked"), None
    )


def company_page(state: SandboxState, request: Request, raw_company_id: str) -> Response:
    """The company's ``redirect``; after Connect (``?connected=key``) the success state, but only
    if that integration really is Linked, so a shared or bookmarked URL shows no false success."""
    tenant, company = _locate(state, raw_company_id)
    up = up_to_link_root(request)
    connected = _linked(tenant, company, request.param("connected"))
    if connected is not None:
        return html_response(200, link_pages.success_page(company, connected, up))
    return html_response(200, link_pages.main_page(company, tenant.connections_of(company["id"]), up))


def connect(state: SandboxState, request: Request, raw_company_id: str) -> Response:
    """The Connect button: find or create the integration's connection, then authorise it."""
    tenant, company = _locate(state, raw_company_id)
    up = up_to_link_root(request)
    form = parse_qs(request.body.decode("utf-8", "replace"))
    key = (form.get("integration") or [""])[0]
    options = {"dataset": form["dataset"][0]} if key == "mqjo" and form.get("dataset") else None
    existing = tenant.connections_of(company["id"])
    try:
        integration = connections.integration_for(key)
        if _linked(tenant, company, key) is not None:
            notice = f"{integration.name} is already connected for {company['name']}; nothing was changed."
            return html_response(409, link_pages.main_page(company, existing, up, notice=notice))
        reusable = sorted(
            (c for c in existing if c["integrationKey"] == key), key=lambda c: _REUSE_ORDER.index(c["status"])
        )
        connection = reusable[0] if reusable else connections.create_connection(state, tenant, company, key)
        connections.authorize(state, tenant, connection, options)
    except HTTPError as exc:
        return html_response(400, link_pages.main_page(company, tenant.connections_of(company["id"]), up, error=exc.error))
    return redirect_response(f"{up}company/{company['id']}?connected={quote(integration.key)}")


def connection_page(state: SandboxState, request: Request, raw_company_id: str, raw_connection_id: str) -> Response:
    """A connection's ``linkUrl``: its sign-in, or the success state once it is Linked."""
    tenant, company = _locate(state, raw_company_id)
    connection = tenant.connection(company["id"], check_uuid(raw_connection_id, "connectionId"))
    if connection["status"] == "Linked":
        return html_response(200, link_pages.success_page(company, connection, up_to_link_root(request)))
    return html_response(200, link_pages.sign_in_page(company, connection))


def authorize_connection(state: SandboxState, request: Request, raw_company_id: str, raw_connection_id: str) -> Response:
    tenant, company = _locate(state, raw_company_id)
    connection = tenant.connection(company["id"], check_uuid(raw_connection_id, "connectionId"))
    if connection["status"] == "Linked":
        notice = f"{connection['platformName']} was already connected for {company['name']}; nothing was changed."
        return html_response(409, link_pages.success_page(company, connection, up_to_link_root(request), notice=notice))
    form = parse_qs(request.body.decode("utf-8", "replace"))
    options = {"dataset": form["dataset"][0]} if connection["integrationKey"] == "mqjo" and form.get("dataset") else None
    connections.authorize(state, tenant, connection, options)
    return redirect_response("start")  # relative: back to this connection's page, now Linked


def logo(key: str) -> Response:
    integration = catalog.INTEGRATIONS_BY_KEY.get(key.removesuffix(".svg"))
    if integration is None or not key.endswith(".svg"):
        raise HTTPError(404, f"No logo named {key[:40]}")
    return Response(200, [("content-type", "image/svg+xml"), ("cache-control", "max-age=86400")], link_pages.logo_svg(integration))


def favicon(_call: Call) -> Response:
    """Browsers ask every origin for ``/favicon.ico``; answer with the icon, not a 401."""
    return Response(200, [("content-type", "image/svg+xml"), ("cache-control", "max-age=86400")], link_pages.FAVICON_SVG.encode())


def register(router: Router) -> None:
    """Public routes: the customer opening a Link URL has no API key."""
    start = "/link/companies/{companyId}/connections/{connectionId}/start"
    router.add("GET", "/link/company/{companyId}", _company_page, public=True)
    router.add("POST", "/link/company/{companyId}/connect", _connect, public=True)
    router.add("GET", start, _connection_page, public=True)
    router.add("POST", start, _authorize, public=True)
    router.add("GET", "/link/logos/{key}", lambda call: logo(call.params["key"]), public=True)
    router.add("GET", "/favicon.ico", favicon, public=True)


def _company_page(call: Call) -> Response:
    return company_page(call.state, call.request, call.params["companyId"])


def _connect(call: Call) -> Response:
    return connect(call.state, call.request, call.params["companyId"])


def _connection_page(call: Call) -> Response:
    return connection_page(call.state, call.request, call.params["companyId"], call.params["connectionId"])


def _authorize(call: Call) -> Response:
    return authorize_connection(call.state, call.request, call.params["companyId"], call.params["connectionId"])
