"""Emulator-only controls under ``/_sandbox``: reset, the clock, authorising a connection, Link settings, faults.

The fault settings are described in codat_nb.sandbox.faults (and the wire faults in
codat_nb.sandbox.wire_faults), the rate limits ``GET /_sandbox`` reports in
codat_nb.sandbox.rate_limits. With a control key (``Emulator(control_key=...)``,
``serve --control-key``) every control here takes only that key; the others get a 403.
"""

from __future__ import annotations

from . import catalog, connections, link_settings, views
from .clock import format_timestamp
from .faults import SETTINGS, read_settings
from .http import HTTPError, Response, empty_response, json_response, read_json_body
from .routing import Call, Router

PREFIX = "/_sandbox"


def info(call: Call) -> Response:
    emulator = call.emulator
    return json_response(
        200,
        {
            "emulator": "codat_nb Sandbox",
            "seed": call.state.seed,
            "clock": {"now": format_timestamp(call.now), "speed": call.state.clock.speed, "manual": call.state.clock.is_manual},
            "persistent": emulator.persistent,
            "restrictedKeys": emulator.restricted,
            "controlKeyRequired": emulator.controls_restricted,
            "rateLimits": emulator.rate_limiter.usage(call.caller, call.now) if emulator.rate_limiter else None,
            "integrations": list(catalog.LINKABLE_KEYS),
            "faults": emulator.faults.to_json(call.state.error_rate, call.state.forced_failures),
        },
    )


def reset(call: Call) -> Response:
    """Forget every tenant's data, rewind the clock and clear faults."""
    call.emulator.reset()
    return empty_response(204)


def get_clock(call: Call) -> Response:
    clock = call.state.clock
    return json_response(200, {"now": format_timestamp(clock.now()), "speed": clock.speed, "manual": clock.is_manual})


def advance_clock(call: Call) -> Response:
    body = read_json_body(call.request, validator="Clock")
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10 * 365 * 86400:
        raise HTTPError(400, "seconds must be a number from 0 to 315360000 (ten years), e.g. {\"seconds\": 30}.")
    now = call.state.advance_clock(float(seconds))
    return json_response(200, {"now": format_timestamp(now), "speed": call.state.clock.speed, "manual": call.state.clock.is_manual})


def authorize_connection(call: Call) -> Response:
    """The customer's Link sign-in, done programmatically; an optional JSON body picks the
    Sandbox's sample company and size: ``{"dataset": "us-retailer", "invoices": 100000}``."""
    connection = call.tenant.connection(call.params["companyId"], call.params["connectionId"])
    options = read_json_body(call.request, validator="SandboxSignIn") if call.request.body else None
    connections.authorize(call.state, call.tenant, connection, options)
    return json_response(200, views.connection_json(connection, call.base_url))


def get_link_settings(call: Call) -> Response:
    return json_response(200, link_settings.settings_json(call.tenant))


def set_link_settings(call: Call) -> Response:
    """The client's Link redirect URL, as the Portal's Settings > Auth flow > Redirects sets it:
    ``{"redirectUrl": "https://www.mybank.io/accounting?flow=Codat&statuscode={statusCode}"}``."""
    body = read_json_body(call.request, validator="LinkSettings")
    return json_response(200, link_settings.set_settings(call.tenant, body))


def get_faults(call: Call) -> Response:
    return json_response(200, call.emulator.faults.to_json(call.state.error_rate, call.state.forced_failures))


def set_faults(call: Call) -> Response:
    """Checks the whole body first; only a valid body changes the faults (see codat_nb.sandbox.faults)."""
    body = read_json_body(call.request, validator="Faults")
    known = {"errorRate", "failPulls", *SETTINGS}
    unknown = sorted(set(body) - known)
    if unknown:
        raise HTTPError(400, f"Unknown fault setting(s) {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    changes = read_settings(body)
    if "errorRate" in body:
        rate = body["errorRate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise HTTPError(400, "errorRate is the share of pulls that fail, a number from 0 to 1.")
    if "failPulls" in body:
        pulls = body["failPulls"]
        if not isinstance(pulls, dict) or any(
            k not in catalog.DATA_TYPES or isinstance(v, bool) or not isinstance(v, int) or v < 0 for k, v in pulls.items()
        ):
            raise HTTPError(400, "failPulls maps data types to how many of their next pulls fail, e.g. {\"invoices\": 1}.")
    faults = call.emulator.faults
    faults.apply(changes)
    if "errorRate" in body:
        call.state.error_rate = float(body["errorRate"])
    if "failPulls" in body:
        call.state.forced_failures.update(body["failPulls"])
    return json_response(200, faults.to_json(call.state.error_rate, call.state.forced_failures))


def clear_faults(call: Call) -> Response:
    call.emulator.faults.clear()
    call.state.forced_failures.clear()
    call.state.error_rate = call.emulator.initial_error_rate
    return empty_response(204)


def register(router: Router) -> None:
    add = router.add
    add("GET", PREFIX, info)
    add("POST", f"{PREFIX}/reset", reset)
    add("GET", f"{PREFIX}/clock", get_clock)
    add("POST", f"{PREFIX}/clock/advance", advance_clock)
    add("POST", f"{PREFIX}/companies/{{companyId}}/connections/{{connectionId}}/authorize", authorize_connection)
    add("GET", f"{PREFIX}/link/settings", get_link_settings)
    add("POST", f"{PREFIX}/link/settings", set_link_settings)
    add("GET", f"{PREFIX}/faults", get_faults)
    add("POST", f"{PREFIX}/faults", set_faults)
    add("DELETE", f"{PREFIX}/faults", clear_faults)
