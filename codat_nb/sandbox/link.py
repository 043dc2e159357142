"""The customer's side of Link: HTML pages that connect a company to a Sandbox integration.

Plain server-rendered forms with inline styles and SVG logos, so the pages work in any
browser with no network and no JavaScript.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs, quote

from . import catalog, connections
from .http import HTTPError, Request, Response, html_response, redirect_response
from .routing import Call, Router
from .state import SandboxState, Tenant, check_uuid

SECTIONS = (
    ("Accounting", "Required", "Share your accounting data: invoices, bills, accounts and reports."),
    ("Commerce", "Optional", "Share your sales from your commerce or payments platform."),
    ("Banking", "Optional", "Share your business bank accounts and transactions."),
)
_COLOURS = {"mqjo": "#1b4fd8", "aiwb": "#0f8a5f", "qhnd": "#8a3ffc"}

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f4f5f9;margin:0;color:#1d1d2b}
main{max-width:640px;margin:40px auto;background:#fff;border-radius:12px;padding:32px;box-shadow:0 2px 12px #0002}
h1{font-size:24px;margin:0 0 4px}p.sub{color:#555;margin:0 0 24px}
section.card{border:1px solid #dfe1ea;border-radius:10px;padding:16px 20px;margin:0 0 16px}
section.card h2{font-size:18px;margin:0;display:flex;gap:8px;align-items:center}
.tag{font-size:12px;background:#eef0f7;border-radius:10px;padding:2px 8px;color:#444}
.tag.ok{background:#dff5e9;color:#0b6b3a}
ul.options{list-style:none;padding:0;margin:12px 0}ul.options li{margin:6px 0}
label.option{display:flex;gap:10px;align-items:center;padding:6px 8px;border-radius:8px;border:1px solid #eee}
label.option.off{color:#999}label.option img{width:28px;height:28px}
small.note{color:#888}p.sample{margin:4px 0 14px}p.sample select{margin-left:6px;padding:4px}button{background:#1b4fd8;color:#fff;border:0;border-radius:8px;padding:10px 20px;font-size:15px;cursor:pointer}
.banner{padding:12px 16px;border-radius:8px;margin:0 0 16px}.banner.ok{background:#dff5e9}.banner.err{background:#fde2e2}
footer{text-align:center;color:#888;font-size:12px;margin-top:24px}
"""


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
        f"<body><main>{body}<footer>Secured by codat &middot; offline Sandbox emulated by codat_nb</footer>"
        "</main></body></html>"
    )


def _locate(state: SandboxState, raw_company_id: str) -> tuple[Tenant, dict[str, Any]]:
    company_id = check_uuid(raw_company_id, "companyId")
    tenant_id = state.company_index.get(company_id)
    if tenant_id is None:
        raise HTTPError(404, f"No company was found with ID {company_id}")
    tenant = state.tenants[tenant_id]
    return tenant, tenant.company(company_id)


def company_page(state: SandboxState, request: Request, raw_company_id: str, *, error: str = "") -> Response:
    tenant, company = _locate(state, raw_company_id)
    message = "" if error else connected_message(tenant, company, request)
    cards = "".join(_card(tenant, company, section, tag, prompt) for section, tag, prompt in SECTIONS)
    banner = ""
    if message:
        banner = f"<div class='banner ok' role='status'>{escape(message)}</div>"
    if error:
        banner = f"<div class='banner err' role='alert'>{escape(error)}</div>"
    body = (
        "<h1>Share your financial information</h1>"
        f"<p class='sub'>{escape(company['name'])}: sign in to each platform to authorize sharing its data.</p>"
        f"{banner}{cards}"
    )
    return html_response(400 if error else 200, _page("Link - " + company["name"], body))


def _card(tenant: Tenant, company: dict[str, Any], section: str, tag: str, prompt: str) -> str:
    linked = [
        c for c in tenant.connections_of(company["id"]) if c["sourceType"] == section and c["status"] == "Linked"
    ]
    status = (
        f"<span class='tag ok'>&#10003; {escape(', '.join(c['platformName'] for c in linked))} connected</span>"
        if linked
        else f"<span class='tag'>{tag}</span>"
    )
    options = []
    for integration in catalog.INTEGRATIONS:
        if integration.source_type != section:
            continue
        disabled = "" if integration.linkable else " disabled"
        checked = " checked" if integration.linkable else ""
        note = "" if integration.linkable else " <small class='note'>needs the real Codat API</small>"
        options.append(
            f"<li><label class='option{'' if integration.linkable else ' off'}'>"
            f"<input type='radio' name='integration' value='{integration.key}'{checked}{disabled}>"
            f"<img alt='' src='/link/logos/{integration.key}.svg'>{escape(integration.name)}{note}</label></li>"
        )
    action = f"/link/company/{company['id']}/connect"
    return (
        f"<section class='card' aria-label='{section}'><h2>{section} {status}</h2><p>{escape(prompt)}</p>"
        f"<form method='post' action='{action}'><ul class='options'>{''.join(options)}</ul>"
        f"{_sample_choice() if section == 'Accounting' else ''}"
        f"<button type='submit'>Connect</button></form></section>"
    )


def _sample_choice() -> str:
    """The Sandbox sign-in's dataset dropdown: which sample company's books to share."""
    from .books.datasets import DEFAULT_SAMPLE, SAMPLE_COMPANIES

    options = "".join(
        f"<option value='{c.key}'{' selected' if c.key == DEFAULT_SAMPLE else ''}>{escape(c.label)}"
        f" ({c.currency}, about {c.invoices:,} invoices)</option>"
        for c in SAMPLE_COMPANIES
    )
    return (
        "<p class='sample'><label for='dataset'>Sandbox company</label> "
        f"<select id='dataset' name='dataset'>{options}</select></p>"
    )


def connect(state: SandboxState, request: Request, raw_company_id: str) -> Response:
    """The Connect button: find or create the integration's connection, then authorise it."""
    tenant, company = _locate(state, raw_company_id)
    form = parse_qs(request.body.decode("utf-8", "replace"))
    key = (form.get("integration") or [""])[0]
    options = {"dataset": form["dataset"][0]} if key == "mqjo" and form.get("dataset") else None
    try:
        integration = connections.integration_for(key)
        # Connect again reuses this integration's connection, the most usable first
        # (a Linked one stays as it is; an Unlinked one is re-authorised).
        preference = ("Linked", "PendingAuth", "Deauthorized", "Unlinked")
        reusable = sorted(
            (c for c in tenant.connections_of(company["id"]) if c["integrationKey"] == key),
            key=lambda c: preference.index(c["status"]),
        )
        connection = reusable[0] if reusable else connections.create_connection(state, tenant, company, key)
        connections.authorize(state, tenant, connection, options)
    except HTTPError as exc:
        return company_page(state, request, company["id"], error=exc.error)
    return redirect_response(f"/link/company/{company['id']}?connected={quote(integration.key)}")


def connection_page(state: SandboxState, request: Request, raw_company_id: str, raw_connection_id: str) -> Response:
    tenant, company = _locate(state, raw_company_id)
    connection = tenant.connection(company["id"], check_uuid(raw_connection_id, "connectionId"))
    name = escape(connection["platformName"])
    if connection["status"] == "Linked":
        inner = f"<div class='banner ok' role='status'>{name} connected for {escape(company['name'])}.</div>"
    else:
        inner = (
            f"<p class='sub'>Connect to {name} to share {escape(company['name'])}'s data.</p>"
            f"<form method='post'><button type='submit'>Connect</button></form>"
        )
    return html_response(200, _page(f"Connect to {connection['platformName']}", f"<h1>Connect to {name}</h1>{inner}"))


def authorize_connection(state: SandboxState, request: Request, raw_company_id: str, raw_connection_id: str) -> Response:
    tenant, company = _locate(state, raw_company_id)
    connection = tenant.connection(company["id"], check_uuid(raw_connection_id, "connectionId"))
    connections.authorize(state, tenant, connection)
    return redirect_response(f"/link/companies/{company['id']}/connections/{connection['id']}/start")


def logo(key: str) -> Response:
    integration = catalog.INTEGRATIONS_BY_KEY.get(key.removesuffix(".svg"))
    if integration is None or not key.endswith(".svg"):
        raise HTTPError(404, f"No logo named {key[:40]}")
    colour = _COLOURS.get(integration.key, "#6b7280")
    initials = escape("".join(word[0] for word in integration.name.split()[:2]).upper())
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64' viewBox='0 0 64 64'>"
        f"<rect width='64' height='64' rx='14' fill='{colour}'/>"
        f"<text x='32' y='41' font-family='sans-serif' font-size='24' font-weight='700' fill='#fff' "
        f"text-anchor='middle'>{initials}</text></svg>"
    )
    return Response(200, [("content-type", "image/svg+xml"), ("cache-control", "max-age=86400")], svg.encode())


def connected_message(tenant: Tenant, company: dict[str, Any], request: Request) -> str:
    """The success banner after Connect, shown only if that integration really is Linked."""
    key = request.param("connected")
    linked = [
        c for c in tenant.connections_of(company["id"]) if c["integrationKey"] == key and c["status"] == "Linked"
    ]
    return f"{linked[0]['platformName']} connected." if linked else ""


def register(router: Router) -> None:
    """Public routes: the customer opening a Link URL has no API key."""
    start = "/link/companies/{companyId}/connections/{connectionId}/start"
    router.add("GET", "/link/company/{companyId}", _company_page, public=True)
    router.add("POST", "/link/company/{companyId}/connect", _connect, public=True)
    router.add("GET", start, _connection_page, public=True)
    router.add("POST", start, _authorize, public=True)
    router.add("GET", "/link/logos/{key}", lambda call: logo(call.params["key"]), public=True)


def _company_page(call: Call) -> Response:
    return company_page(call.state, call.request, call.params["companyId"])


def _connect(call: Call) -> Response:
    return connect(call.state, call.request, call.params["companyId"])


def _connection_page(call: Call) -> Response:
    return connection_page(call.state, call.request, call.params["companyId"], call.params["connectionId"])


def _authorize(call: Call) -> Response:
    return authorize_connection(call.state, call.request, call.params["companyId"], call.params["connectionId"])
