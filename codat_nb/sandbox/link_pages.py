"""The Link pages' HTML: the main page's cards, the Sandbox sign-in card, success, Complete and cancelled.

Every link, form action and image is relative (``up`` leads from the page to ``/link/``), so the
pages work wherever they are served: on the root of a port, or under a prefix such as
jupyter-server-proxy's ``/user/<name>/proxy/<port>/`` on JupyterHub and Binder. The Link URL's
query string (``carry``: its custom parameters, for the client's redirect) rides along on every
link and form. Plain forms with inline styles and SVG logos: no network and no JavaScript needed.
"""

from __future__ import annotations

from html import escape
from typing import Any, Sequence
from urllib.parse import quote, urlencode

from . import catalog

Pairs = Sequence[tuple[str, str]]

SECTIONS = (
    ("Accounting", "Required", "Share your accounting data: invoices, bills, accounts and reports."),
    ("Commerce", "Optional", "Share your sales from your commerce or payments platform."),
    ("Banking", "Optional", "Share your business bank accounts and transactions."),
)
COLOURS = {"mqjo": "#1b4fd8", "aiwb": "#0f8a5f", "qhnd": "#8a3ffc"}
#: What a linked connection shares, for the success state's line about the company.
_SHARED = {"Accounting": "accounting data", "Commerce": "commerce data", "Banking": "bank accounts and transactions"}
#: The Sandbox sign-in's banner: the books come from the seed, the dataset and the day of the link.
CONSISTENT = "Sandbox data is consistent between links by default: the same dataset gives the same company's data every time you link."

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
small.note{color:#888}p.sample{margin:4px 0 14px}
button,a.button{display:inline-block;background:#1b4fd8;color:#fff;border:0;border-radius:8px;padding:10px 20px;
font-size:15px;cursor:pointer;text-decoration:none}
button.secondary,a.button.secondary{background:#fff;color:#1b4fd8;border:1px solid #1b4fd8}
.banner{padding:12px 16px;border-radius:8px;margin:0 0 16px}.banner.ok{background:#dff5e9}.banner.err{background:#fde2e2}
.banner.info{background:#eef0f7}
section.success,section.done{text-align:center;padding:24px 0 8px}section.success h1,section.done h1{margin:16px 0 8px}
.badge{position:relative;display:inline-block}.badge img{width:64px;height:64px}
.badge .tick{position:absolute;right:-8px;bottom:-8px;width:28px;height:28px;border-radius:14px;background:#12a150;
color:#fff;font-size:18px;line-height:28px;border:3px solid #fff}
.bigtick{display:inline-block;width:64px;height:64px;border-radius:32px;background:#12a150;color:#fff;font-size:36px;
line-height:64px}.bigtick.off{background:#9aa0ad}
p.connected{color:#0b6b3a;margin:8px 0 0}
section.signin{border:1px solid #dfe1ea;border-radius:10px;padding:20px 24px}section.signin h1{font-size:20px}
p.field{margin:0 0 14px}p.field label,p.sample label{display:block;font-weight:600;margin:0 0 4px}
p.field input,p.sample select{box-sizing:border-box;width:100%;padding:8px 10px;font-size:15px;border:1px solid #c7cad6;
border-radius:6px}p.field small{color:#666}
.actions{display:flex;gap:12px;margin-top:18px}p.exit{text-align:right;margin:8px 0 0}
p.more{margin:20px 0 0}
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


def query_suffix(carry: Pairs) -> str:
    """``?name=value&...`` (percent-encoded) for links and POST actions, "" when nothing is carried."""
    return "?" + urlencode(list(carry), quote_via=quote) if carry else ""


def hidden_fields(carry: Pairs) -> str:
    """The carried parameters as hidden inputs, for GET forms (whose action loses its query)."""
    return "".join(f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>" for name, value in carry)


def _href(url: str) -> str:
    return escape(url, quote=True)


def _connection_path(up: str, connection: dict[str, Any], step: str) -> str:
    return f"{up}companies/{connection['_companyId']}/connections/{connection['id']}/{step}"


def main_page(
    company: dict[str, Any], connections: list[dict[str, Any]], up: str, carry: Pairs = (), notice: str = "", error: str = ""
) -> str:
    """The company's Link page: a card per source type, each with its integrations and Connect
    (which leads to the integration's sign-in), or with a tick once one of them is Linked; and an exit."""
    cards = "".join(_card(company, connections, section, tag, prompt, up, carry) for section, tag, prompt in SECTIONS)
    exit_form = (
        f"<form method='get' action='{up}company/{company['id']}/cancel'>{hidden_fields(carry)}"
        "<p class='exit'><button type='submit' class='secondary'>Exit</button></p></form>"
    )
    body = (
        "<h1>Share your financial information</h1>"
        f"<p class='sub'>{escape(company['name'])}: sign in to each platform to authorize sharing its data.</p>"
        f"{banner('err', error)}{banner('info', notice)}{cards}{exit_form}"
    )
    return page("Link - " + company["name"], body)


def _card(
    company: dict[str, Any], connections: list[dict[str, Any]], section: str, tag: str, prompt: str, up: str, carry: Pairs
) -> str:
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
    action = _href(f"{up}company/{company['id']}/select{query_suffix(carry)}")
    return (
        f"<section class='card' aria-label='{section}'><h2>{section} <span class='tag'>{tag}</span></h2><p>{escape(prompt)}</p>"
        f"<form method='post' action='{action}'><ul class='options'>{''.join(options)}</ul>"
        f"<button type='submit'>Connect</button></form></section>"
    )


def sign_in_page(
    company: dict[str, Any], connection: dict[str, Any], up: str, carry: Pairs = (), error: str = "",
    email: str = "", dataset: str | None = None,
) -> str:  # fmt: skip
    """The Sandbox's sign-in card: the banner, "Sign into your account", Email, Password (the hint
    says to use ``password``), the dataset for the accounting Sandbox, Login and Cancel.

    The sign-in form has no action, so it posts back to this URL, query string and all."""
    name = escape(connection["platformName"])
    choice = sample_choice(dataset) if connection["integrationKey"] == "mqjo" else ""
    cancel = _connection_path(up, connection, "cancel")
    body = (
        f"<section class='signin' aria-label='Sign in to {name}'>"
        f"<div class='badge'><img alt='{name}' src='{up}logos/{connection['integrationKey']}.svg'></div>"
        f"<div class='banner info' role='note'>{escape(CONSISTENT)}</div>"
        f"<h1>Sign into your account</h1>{banner('err', error)}"
        f"<p class='sub'>Sign in to {name} to share {escape(company['name'])}'s data.</p>"
        "<form method='post'>"
        "<p class='field'><label for='email'>Email</label>"
        "<input id='email' name='email' type='email' placeholder='login@codat.io' autocomplete='username' "
        f"value='{escape(email)}' required></p>"
        "<p class='field'><label for='password'>Password</label>"
        "<input id='password' name='password' type='password' autocomplete='current-password' aria-describedby='password-hint' required>"
        "<small id='password-hint'>Use <code>password</code>: the Sandbox accepts any e-mail address with it.</small></p>"
        f"{choice}"
        "<div class='actions'><button type='submit'>Login</button>"
        "<button type='submit' form='cancel' class='secondary'>Cancel</button></div></form>"
        f"<form id='cancel' method='get' action='{cancel}'>{hidden_fields(carry)}</form></section>"
    )
    return page(f"Sign in to {connection['platformName']} - {company['name']}", body)


def sample_choice(selected: str | None = None) -> str:
    """The Sandbox sign-in's dataset dropdown: which sample company's books to share."""
    from .books.datasets import DEFAULT_SAMPLE, SAMPLE_COMPANIES

    chosen = selected or DEFAULT_SAMPLE
    options = "".join(
        f"<option value='{c.key}'{' selected' if c.key == chosen else ''}>{escape(c.label)}"
        f" ({c.currency}, about {c.invoices:,} invoices)</option>"
        for c in SAMPLE_COMPANIES
    )
    return "<p class='sample'><label for='dataset'>Dataset</label>" f"<select id='dataset' name='dataset'>{options}</select></p>"


def success_page(company: dict[str, Any], connection: dict[str, Any], up: str, carry: Pairs = (), notice: str = "") -> str:
    """Codat's success state: the platform's logo with a tick, "{Platform} connected", a line
    naming the company, and Continue (to the Complete step)."""
    name = escape(connection["platformName"])
    shared = _SHARED.get(connection["sourceType"], "data")
    complete = _href(_connection_path(up, connection, "complete") + query_suffix(carry))
    body = (
        f"{banner('info', notice)}"
        "<section class='success' aria-label='Connected'>"
        f"<div class='badge'><img alt='' src='{up}logos/{connection['integrationKey']}.svg'>"
        "<span class='tick' aria-hidden='true'>&#10003;</span></div>"
        f"<h1>{name} connected</h1>"
        f"<p class='sub'>{escape(company['name'])}'s {shared} is now shared through Codat.</p>"
        f"<a class='button' href='{complete}'>Continue</a></section>"
    )
    return page(f"{connection['platformName']} connected - {company['name']}", body)


def complete_page(company: dict[str, Any], connection: dict[str, Any] | None, up: str, carry: Pairs = ()) -> str:
    """Codat's Complete step, when the client has no redirect URL: the flow ends here."""
    who = escape(company["name"])
    if connection is not None:
        shared = _SHARED.get(connection["sourceType"], "data")
        line = f"{who}'s {shared} is shared through {escape(connection['platformName'])}."
    else:
        line = f"Nothing was changed: {who}'s connections stay as they were."
    more = _href(f"{up}company/{company['id']}{query_suffix(carry)}")
    body = (
        "<section class='done' aria-label='Complete'><span class='bigtick' aria-hidden='true'>&#10003;</span>"
        f"<h1>Complete</h1><p class='sub'>{line} You can close this window.</p>"
        f"<p class='more'><a href='{more}'>Connect another platform</a></p></section>"
    )
    return page(f"Complete - {company['name']}", body)


def cancelled_page(company: dict[str, Any], connection: dict[str, Any] | None, up: str, carry: Pairs = ()) -> str:
    """The end of a cancelled flow, when the client has no redirect URL: nothing new is shared."""
    who = escape(company["name"])
    if connection is not None:
        line = f"{escape(connection['platformName'])} was not connected, so none of {who}'s data is shared through it."
        again = _connection_path(up, connection, "start")
    else:
        line = f"No platform was connected for {who}, so none of its data is shared."
        again = f"{up}company/{company['id']}"
    body = (
        "<section class='done' aria-label='Cancelled'><span class='bigtick off' aria-hidden='true'>&#10005;</span>"
        f"<h1>Connection cancelled</h1><p class='sub'>{line} You can close this window.</p>"
        f"<p class='more'><a class='button secondary' href='{_href(again + query_suffix(carry))}'>Connect again</a></p></section>"
    )
    return page(f"Connection cancelled - {company['name']}", body)


def logo_svg(integration: catalog.Integration) -> bytes:
    colour = COLOURS.get(integration.key, "#6b7280")
    initials = escape("".join(word[0] for word in integration.name.split()[:2]).upper())
    return (
        "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64' viewBox='0 0 64 64'>"
        f"<rect width='64' height='64' rx='14' fill='{colour}'/>"
        f"<text x='32' y='41' font-family='sans-serif' font-size='24' font-weight='700' fill='#fff' "
        f"text-anchor='middle'>{initials}</text></svg>"
    ).encode()
