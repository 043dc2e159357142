"""The customer's side of Link: the routes from the company's page to a Linked connection and out again.

The browser's flow is Codat's: the main page's **Connect** starts a ``PendingAuth`` connection
and leads to its sign-in card (the connection's ``linkUrl``); **Login** authorises it and shows
the success state; **Continue** is the Complete step, which sends the browser to the client's
redirect URL (see link_settings) or ends on a Complete page. **Cancel** leaves the connection as
it was and goes to the redirect with status 403, or to a "Connection cancelled" page.

Scripts keep a one-request sign-in: a POST to a ``linkUrl`` without sign-in fields, or to
``/link/company/{id}/connect``, authorises at once. Connect on an integration that is already
Linked changes nothing and says so (409). Every redirect within Link is relative, like the
pages' links (see link_pages), and carries the Link URL's query string for the redirect's
custom parameters.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from . import catalog, connections, link_pages, link_settings
from .http import HTTPError, Request, Response, html_response, redirect_response
from .link_pages import query_suffix
from .routing import Call, Router
from .state import SandboxState, Tenant, check_uuid

#: Connect again reuses the integration's connection, the most usable first.
_REUSE_ORDER = ("PendingAuth", "Deauthorized", "Unlinked")
#: Query parameters the emulator's own pages use, never carried to a redirect.
_OWN_PARAMETERS = ("connected",)
#: What the Sandbox takes for an e-mail address: anything shaped like one.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
SANDBOX_PASSWORD = "password"
_STATUS_OK, _STATUS_NO_CHANGE, _STATUS_CANCELLED = 200, 201, 403


def up_to_link_root(request: Request) -> str:
    """The relative path from this page to ``/link/`` (``../`` for ``/link/company/{id}``)."""
    inside = request.raw_path.split("/link/", 1)[-1]
    return "../" * inside.count("/")


def carried(request: Request) -> list[tuple[str, str]]:
    """The Link URL's query parameters (the redirect's custom ones), to pass along each step."""
    return [(name, value) for name, value in request.query if name not in _OWN_PARAMETERS]


def _locate(state: SandboxState, raw_company_id: str) -> tuple[Tenant, dict[str, Any]]:
    company_id = check_uuid(raw_company_id, "companyId")
    tenant_id = state.company_index.get(company_id)
    if tenant_id is None:
        raise HTTPError(404, f"No company was found with ID {company_id}")
    tenant = state.tenants[tenant_id]
    return tenant, tenant.company(company_id)


def _locate_connection(call: Call) -> tuple[Tenant, dict[str, Any], dict[str, Any]]:
    tenant, company = _locate(call.state, call.params["companyId"])
    return tenant, company, tenant.connection(company["id"], check_uuid(call.params["connectionId"], "connectionId"))


def _linked(tenant: Tenant, company: dict[str, Any], key: str | None) -> dict[str, Any] | None:
    return next(
        (c for c in tenant.connections_of(company["id"]) if c["integrationKey"] == key and c["status"] == "Linked"), None
    )


def _form(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def sign_in_refusal(form: dict[str, list[str]]) -> str:
    """Why the sign-in card's fields are refused, "" if they pass (or were not sent: a script)."""
    if "email" not in form and "password" not in form:
        return ""
    email = _first(form, "email").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        return "Enter your e-mail address, such as login@codat.io (the Sandbox accepts any address)."
    if _first(form, "password") != SANDBOX_PASSWORD:
        return f"That password is not right: the Sandbox's password is '{SANDBOX_PASSWORD}'. Nothing was changed."
    return ""


def _options(connection_key: str, form: dict[str, list[str]]) -> dict[str, Any] | None:
    """The accounting Sandbox's dataset choice; the other integrations take none."""
    dataset = _first(form, "dataset")
    return {"dataset": dataset} if connection_key == "mqjo" and dataset else None


# -- the company's page ------------------------------------------------------------------------


def company_page(call: Call) -> Response:
    """The company's ``redirect``; after the one-request Connect (``?connected=key``) the success
    state, but only if that integration really is Linked, so a shared URL shows no false success."""
    tenant, company = _locate(call.state, call.params["companyId"])
    up, carry = up_to_link_root(call.request), carried(call.request)
    connected = _linked(tenant, company, call.request.param("connected"))
    if connected is not None:
        return html_response(200, link_pages.success_page(company, connected, up, carry))
    return html_response(200, link_pages.main_page(company, tenant.connections_of(company["id"]), up, carry))


def _pick(call: Call) -> Response | tuple[Tenant, dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """The card's choice as a PendingAuth (or reusable) connection, or the main page saying why not."""
    tenant, company = _locate(call.state, call.params["companyId"])
    up, carry = up_to_link_root(call.request), carried(call.request)
    form = _form(call.request)
    key = _first(form, "integration")
    existing = tenant.connections_of(company["id"])
    try:
        integration = connections.integration_for(key)
        if _linked(tenant, company, key) is not None:
            notice = f"{integration.name} is already connected for {company['name']}; nothing was changed."
            return html_response(409, link_pages.main_page(company, existing, up, carry, notice=notice))
        reusable = sorted(
            (c for c in existing if c["integrationKey"] == key), key=lambda c: _REUSE_ORDER.index(c["status"])
        )
        connection = reusable[0] if reusable else connections.create_connection(call.state, tenant, company, key)
    except HTTPError as exc:
        return html_response(400, link_pages.main_page(company, tenant.connections_of(company["id"]), up, carry, error=exc.error))
    return tenant, company, connection, form


def select(call: Call) -> Response:
    """The main page's Connect: start the integration's connection (``PendingAuth``, as Codat's
    ``onConnectionStarted``) and go to its sign-in card."""
    picked = _pick(call)
    if isinstance(picked, Response):
        return picked
    _tenant, company, connection, _form_fields = picked
    up = up_to_link_root(call.request)
    return redirect_response(f"{up}companies/{company['id']}/connections/{connection['id']}/start{query_suffix(carried(call.request))}")


def connect(call: Call) -> Response:
    """Connect and sign in in one request (scripts): authorise at once, then the success state."""
    refusal = sign_in_refusal(_form(call.request))
    if refusal:  # before a connection is started: a refused sign-in changes nothing
        tenant, company = _locate(call.state, call.params["companyId"])
        up, carry = up_to_link_root(call.request), carried(call.request)
        return html_response(400, link_pages.main_page(company, tenant.connections_of(company["id"]), up, carry, error=refusal))
    picked = _pick(call)
    if isinstance(picked, Response):
        return picked
    tenant, company, connection, form = picked
    up, carry = up_to_link_root(call.request), carried(call.request)
    try:
        connections.authorize(call.state, tenant, connection, _options(connection["integrationKey"], form))
    except HTTPError as exc:
        return html_response(400, link_pages.main_page(company, tenant.connections_of(company["id"]), up, carry, error=exc.error))
    return redirect_response(f"{up}company/{company['id']}{query_suffix([('connected', connection['integrationKey']), *carry])}")


def exit_company(call: Call) -> Response:
    """The main page's Exit: 201 (no change) if the company already shares data, else 403."""
    tenant, company = _locate(call.state, call.params["companyId"])
    linked = any(c["status"] == "Linked" for c in tenant.connections_of(company["id"]))
    return _leave(call, tenant, company, None, _STATUS_NO_CHANGE if linked else _STATUS_CANCELLED)


# -- a connection's linkUrl ------------------------------------------------------------------


def connection_page(call: Call) -> Response:
    """A connection's ``linkUrl``: its sign-in card, or the success state once it is Linked."""
    _tenant, company, connection = _locate_connection(call)
    up, carry = up_to_link_root(call.request), carried(call.request)
    if connection["status"] == "Linked":
        return html_response(200, link_pages.success_page(company, connection, up, carry))
    return html_response(200, link_pages.sign_in_page(company, connection, up, carry))


def sign_in(call: Call) -> Response:
    """Login on the sign-in card, or a script's POST without fields: authorise, then the success
    state (303 back to this page). A refused sign-in shows the card again and changes nothing."""
    tenant, company, connection = _locate_connection(call)
    up, carry = up_to_link_root(call.request), carried(call.request)
    if connection["status"] == "Linked":
        notice = f"{connection['platformName']} was already connected for {company['name']}; nothing was changed."
        return html_response(409, link_pages.success_page(company, connection, up, carry, notice=notice))
    form = _form(call.request)
    try:
        refusal = sign_in_refusal(form)
        if refusal:
            raise HTTPError(400, refusal)
        connections.authorize(call.state, tenant, connection, _options(connection["integrationKey"], form))
    except HTTPError as exc:
        card = link_pages.sign_in_page(
            company, connection, up, carry, error=exc.error, email=_first(form, "email")[:254], dataset=_first(form, "dataset")
        )
        return html_response(exc.status, card)
    return redirect_response("start" + query_suffix(carry))  # relative: back to this connection's page, now Linked


def complete(call: Call) -> Response:
    """Continue after the success state: Codat's Complete step (``onFinish``), 200 to the redirect."""
    tenant, company, connection = _locate_connection(call)
    if connection["status"] != "Linked":  # not signed in yet (or no longer): back to the sign-in card
        return redirect_response("start" + query_suffix(carried(call.request)))
    return _leave(call, tenant, company, connection, _STATUS_OK)


def cancel(call: Call) -> Response:
    """Cancel on the sign-in card: nothing changes; 403 (user cancelled) to the redirect, or 201
    (no change) if the connection is Linked already (a stale tab)."""
    tenant, company, connection = _locate_connection(call)
    status = _STATUS_NO_CHANGE if connection["status"] == "Linked" else _STATUS_CANCELLED
    return _leave(call, tenant, company, connection, status)


def _leave(call: Call, tenant: Tenant, company: dict[str, Any], connection: dict[str, Any] | None, status: int) -> Response:
    """The end of the flow: the client's redirect URL with Codat's parameters, or the emulator's own page.

    With 201 Codat gives no connection details ("no information about data connection")."""
    up, carry = up_to_link_root(call.request), carried(call.request)
    about = None if status == _STATUS_NO_CHANGE else connection
    target = link_settings.redirect_for(tenant, company, about, status, dict(carry))
    if target is not None:
        return redirect_response(target)
    if status == _STATUS_CANCELLED:
        return html_response(200, link_pages.cancelled_page(company, connection, up, carry))
    return html_response(200, link_pages.complete_page(company, connection, up, carry))


# -- logos -------------------------------------------------------------------------------------


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
    company = "/link/company/{companyId}"
    connection = "/link/companies/{companyId}/connections/{connectionId}"
    router.add("GET", company, company_page, public=True)
    router.add("POST", f"{company}/select", select, public=True)
    router.add("POST", f"{company}/connect", connect, public=True)
    router.add("GET", f"{company}/cancel", exit_company, public=True)
    router.add("GET", f"{connection}/start", connection_page, public=True)
    router.add("POST", f"{connection}/start", sign_in, public=True)
    router.add("GET", f"{connection}/complete", complete, public=True)
    router.add("GET", f"{connection}/cancel", cancel, public=True)
    router.add("GET", "/link/logos/{key}", lambda call: logo(call.params["key"]), public=True)
    router.add("GET", "/favicon.ico", favicon, public=True)
