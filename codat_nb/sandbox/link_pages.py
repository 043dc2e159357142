"""The Link pages' HTML: the main page's cards, the success state after Connect, a connection's sign-in.

Every link, form action and image is relative (``up`` leads from the page to ``/link/``), so the
pages work wherever they are served: on the root of a port, or under a prefix such as
jupyter-server-proxy's ``/user/<name>/proxy/<port>/`` on JupyterHub and Binder. Plain forms with
inline styles and SVG logos: no network and no JavaScript needed.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from . import catalog

SECTIONS = (
    ("Accounting", "Required", "Share your accounting data: invoices, bills, accounts and reports."),
    ("Commerce", "Optional", "Share your sales from your commerce or payments platform."),
    ("Banking", "Optional", "Share your business bank accounts and transactions."),
)
COLOURS = {"mqjo": "#1b4fd8", "aiwb": "#0f8a5f", "qhnd": "#8a3ffc"}
#: What a linked connection shares, for the success state's line about the company.
_SHARED = {"Accounting": "accounting data", "Commerce": "commerce data", "Banking": "bank accounts and transactions"}

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
small.note{color:#888}p.sample{margin:4px 0 14px}p.sample select{margin-left:6px;padding:4px}
button,a.button{display:inline-block;background:#1b4fd8;color:#fff;border:0;border-radius:8px;padding:10px 20px;
font-size:15px;cursor:pointer;text-decoration:none}
.banner{padding:12px 16px;border-radius:8px;margin:0 0 16px}.banner.ok{background:#dff5e9}.banner.err{background:#fde2e2}
.banner.info{background:#eef0f7}
section.success{text-align:center;padding:24px 0 8px}section.success h1{margin:16px 0 8px}
.badge{position:relative;display:inline-block}.badge img{width:64px;height:64px}
.badge .tick{position:absolute;right:-8px;bottom:-8px;width:28px;height:28px;border-radius:14px;background:#12a150;
color:#fff;font-size:18px;line-height:28px;border:3px solid #fff}
p.connected{color:#0b6b3a;margin:8px 0 0}
footer{text-align:center;color:#888;font-size:12px;margin-top:24px}
"""

#: The tab icon, inline, so a browser asks the server for nothing else (not even /favicon.ico).
FAVICON_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='8' fill='#1b4fd8'/>"
    "<text x='16' y='22' font-family='sans-serif' font-size='18' font-weight='700' fill='#fff' text-anchor='middle'>c</text></svg>"
)


def page(title: str, body: str) -> str:
    icon = "data:image/svg+xml," + quote(FAVICON_SVG)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><link rel='icon' href='{icon}'>"
        f"<style>{_STYLE}</style></head>"
        f"<body><main>{body}<footer>Secured by codat &middot; offline Sandbox emulated by codat_nb</footer>"
        "</main></body></html>"
    )


def banner(kind: str, text: str) -> str:
    """``kind`` ok (role status), info (role status) or err (role alert)."""
    role = "alert" if kind == "err" else "status"
    return f"<div class='banner {kind}' role='{role}'>{escape(text)}</div>" if text else ""


def main_page(company: dict[str, Any], connections: list[dict[str, Any]], up: str, notice: str = "", error: str = "") -> str:
    """The company's Link page: a card per source type, each with its integrations and Connect,
    or with a tick and no button once one of them is Linked."""
    cards = "".join(_card(company, connections, section, tag, prompt, up) for section, tag, prompt in SECTIONS)
    body = (
        "<h1>Share your financial information</h1>"
        f"<p class='sub'>{escape(company['name'])}: sign in to each platform to authorize sharing its data.</p>"
        f"{banner('err', error)}{banner('info', notice)}{cards}"
    )
    return page("Link - " + company["name"], body)


def _card(company: dict[str, Any], connections: list[dict[str, Any]], section: str, tag: str, prompt: str, up: str) -> str:
    linked = [c for c in connections if c["sourceType"] == section and c["status"] == "Linked"]
    if linked:
        names = escape(", ".join(c["platformName"] for c in linked))
        return (
            f"<section class='card' aria-label='{section}'><h2>{section} "
            f"<span class='tag ok'>&#10003; {names} connected</span></h2>"
            f"<p class='connected'>{names} is sharing {escape(company['name'])}'s {_SHARED[section]}. "
            "To share from another platform, the connection must be unlinked first.</p></section>"
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
            f"<img alt='' src='{up}logos/{integration.key}.svg'>{escape(integration.name)}{note}</label></li>"
        )
    return (
        f"<section class='card' aria-label='{section}'><h2>{section} <span class='tag'>{tag}</span></h2><p>{escape(prompt)}</p>"
        f"<form method='post' action='{up}company/{company['id']}/connect'><ul class='options'>{''.join(options)}</ul>"
        f"{sample_choice() if section == 'Accounting' else ''}"
        f"<button type='submit'>Connect</button></form></section>"
    )


def success_page(company: dict[str, Any], connection: dict[str, Any], up: str, notice: str = "") -> str:
    """Codat's success state: the platform's logo with a tick, "{Platform} connected", a line
    naming the company, and Continue (back to the company's Link page)."""
    name = escape(connection["platformName"])
    shared = _SHARED.get(connection["sourceType"], "data")
    body = (
        f"{banner('info', notice)}"
        "<section class='success' aria-label='Connected'>"
        f"<div class='badge'><img alt='' src='{up}logos/{connection['integrationKey']}.svg'>"
        "<span class='tick' aria-hidden='true'>&#10003;</span></div>"
        f"<h1>{name} connected</h1>"
        f"<p class='sub'>{escape(company['name'])}'s {shared} is now shared through Codat.</p>"
        f"<a class='button' href='{up}company/{company['id']}'>Continue</a></section>"
    )
    return page(f"{connection['platformName']} connected - {company['name']}", body)


def sign_in_page(company: dict[str, Any], connection: dict[str, Any], error: str = "") -> str:
    """A connection's linkUrl: sign in to that one platform (the Sandbox offers its sample companies)."""
    name = escape(connection["platformName"])
    choice = sample_choice() if connection["integrationKey"] == "mqjo" else ""
    body = (
        f"<h1>Connect to {name}</h1>{banner('err', error)}"
        f"<p class='sub'>Connect to {name} to share {escape(company['name'])}'s data.</p>"
        f"<form method='post'>{choice}<button type='submit'>Connect</button></form>"
    )
    return page(f"Connect to {connection['platformName']}", body)


def sample_choice() -> str:
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


def logo_svg(integration: catalog.Integration) -> bytes:
    colour = COLOURS.get(integration.key, "#6b7280")
    initials = escape("".join(word[0] for word in integration.name.split()[:2]).upper())
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64' viewBox='0 0 64 64'>"
        f"<rect width='64' height='64' rx='14' fill='{colour}'/>"
        f"<text x='32' y='41' font-family='sans-serif' font-size='24' font-weight='700' fill='#fff' "
        f"text-anchor='middle'>{initials}</text></svg>"
    ).encode()
