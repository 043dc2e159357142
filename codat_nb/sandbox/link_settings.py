"""The client's Link redirect setting (Portal: Settings > Auth flow > Redirects) and the URLs it gives.

Codat's redirect URL is a template: ``{name}`` placeholders are filled when the customer leaves
Link. Codat's reserved names (``companyId``, ``statusCode``, ``errorMessage``, ...) get what
happened; any other name is a custom parameter taken from the Link URL's query string, and one
the Link URL lacks becomes "" (Codat has no defaults). Names are case-sensitive. Every value is
percent-encoded, so a custom parameter cannot add a path, a query or a host of its own.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from .http import HTTPError, json_kind, validation_error
from .settings import client_id
from .state import Tenant

#: The key of the setting in the tenant's settings documents ("profile" and company ids are the others).
SCOPE = "link"
MAX_LENGTH = 2000
EXAMPLE = "https://www.mybank.io/{sourceType}?flow=Codat&statuscode={statusCode}&errormessage={errorMessage}"

#: Codat's reserved query parameters (docs: auth-flow/customize/set-up-redirects).
RESERVED = (
    "clientId", "connectionId", "companyId", "integrationId", "sourceId", "platform", "platformName",
    "sourceType", "statusCode", "errorMessage", "statusText", "data.company.companyName",
)  # fmt: skip
#: Codat's standard error message per status code. Codat's table ends them with a full stop; its
#: example redirects (``errormessage=User%20cancelled``) do not, and the emulator follows those.
ERROR_MESSAGES = {200: "", 201: "", 403: "User cancelled", 500: "Unknown error occurred", 501: "Not supported"}

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
_FORBIDDEN = set("<>\"\\`")


def redirect_template(tenant: Tenant) -> str | None:
    """The tenant's redirect URL template, None when none is set (Link then ends on its own pages)."""
    return (tenant.settings.get(SCOPE) or {}).get("redirectUrl")


def settings_json(tenant: Tenant) -> dict[str, Any]:
    return {"redirectUrl": redirect_template(tenant)}


def set_settings(tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    """Check ``{"redirectUrl": ...}`` and store it; null or "" removes it. A bad body changes nothing."""
    unknown = sorted(set(body) - {"redirectUrl"})
    if unknown:
        raise validation_error(
            unknown[0][:100], f"Unknown Link setting(s) {', '.join(unknown)[:200]}; send {{\"redirectUrl\": \"{EXAMPLE}\"}}.", "LinkSettings"
        )
    if "redirectUrl" not in body:
        raise _refused(f"redirectUrl is required; send {{\"redirectUrl\": \"{EXAMPLE}\"}}, or null to remove it.")
    url = check_redirect_url(body["redirectUrl"])
    if url is None:
        if tenant.settings.pop(SCOPE, None) is not None:
            tenant.forget("settings", SCOPE)
    else:
        tenant.settings[SCOPE] = {"redirectUrl": url}
        tenant.save("settings", SCOPE, tenant.settings[SCOPE])
    return settings_json(tenant)


def check_redirect_url(value: Any) -> str | None:
    """An absolute http(s) URL template, None for null or "", or a Codat-shaped 400 saying what to send."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _refused(f"redirectUrl must be a string (or null to remove it), not {json_kind(value)}.")
    shown = value if len(value) <= 60 else value[:57] + "..."
    if len(value) > MAX_LENGTH:
        raise _refused(f"redirectUrl is {len(value)} characters long; the limit is {MAX_LENGTH}.")
    if any(ch.isspace() or ord(ch) < 32 or ch in _FORBIDDEN for ch in value):
        raise _refused(f"redirectUrl must not contain spaces, quotes, angle brackets or control characters; got {shown!r}.")
    names = _PLACEHOLDER.findall(value)
    bad = [name for name in names if not _NAME.match(name)]
    if bad or "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
        raise _refused(f"redirectUrl has a malformed placeholder; write each one as {{name}}, e.g. {{statusCode}}; got {shown!r}.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refused(f"redirectUrl must be an absolute http or https URL such as {EXAMPLE}; got {shown!r}.")
    if "{" in parts.netloc:
        # Codat fills host placeholders only for hosts listed under "Allowed redirect hosts", which the
        # emulator does not have: refusing them keeps the redirect on the host the client set.
        raise _refused(
            f"redirectUrl's host cannot hold a placeholder in the emulator; put placeholders in the path or query; got {shown!r}."
        )
    if "@" in parts.netloc:
        raise _refused(f"redirectUrl must not carry a user name or password; got {shown!r}.")
    return value


def _refused(message: str) -> HTTPError:
    return validation_error("redirectUrl", message, "LinkSettings")


def redirect_for(
    tenant: Tenant,
    company: dict[str, Any],
    connection: dict[str, Any] | None,
    status_code: int,
    custom: Mapping[str, str],
) -> str | None:
    """Where the browser goes when the customer leaves Link, or None without a redirect setting.

    Args:
        connection: the connection the flow was about; None (its placeholders become "") when the
            customer left from the company's page without starting one.
        status_code: Codat's 200 (linked), 201 (no change), 403 (cancelled), 500 or 501.
        custom: the Link URL's query parameters, for the custom placeholders.
    """
    template = redirect_template(tenant)
    if template is None:
        return None
    values = {name: "" for name in RESERVED}
    values.update(
        clientId=client_id(tenant),
        companyId=company["id"],
        statusCode=str(status_code),
        errorMessage=ERROR_MESSAGES.get(status_code, ""),
    )
    if connection is not None:
        values.update(
            connectionId=connection["id"],
            integrationId=connection["integrationId"],
            sourceId=connection["sourceId"],
            platform=connection["integrationKey"],
            platformName=connection["platformName"],
            sourceType=connection["sourceType"],
        )

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return quote(values[name] if name in values else custom.get(name, ""), safe="")

    return _PLACEHOLDER.sub(fill, template)
