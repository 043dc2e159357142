"""Emulator-only controls under ``/_sandbox``: reset, the clock, authorising a connection, Link settings, faults."""

from __future__ import annotations

from typing import Any

from . import catalog, connections, link_settings, views
from .clock import format_timestamp
from .faults import MAX_LATENCY_MS, read_rule
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
    """Checks the whole body first; only a valid body changes the faults."""
    body = read_json_body(call.request, validator="Faults")
    known = {"latencyMs", "errorRate", "failNext", "failPulls"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise HTTPError(400, f"Unknown fault setting(s) {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    changes: dict[str, Any] = {}
    if "latencyMs" in body:
        latency = body["latencyMs"]
        if isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= MAX_LATENCY_MS:
            raise HTTPError(400, f"latencyMs must be a whole number of milliseconds from 0 to {MAX_LATENCY_MS}.")
        changes["latency"] = latency
    if "errorRate" in body:
        rate = body["errorRate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise HTTPError(400, "errorRate is the share of pulls that fail, a number from 0 to 1.")
        changes["rate"] = float(rate)
    if "failNext" in body:
        items = body["failNext"]
        if not isinstance(items, list):
            raise HTTPError(400, "failNext must be an array of rules like {\"status\": 429, \"count\": 1, \"retryAfter\": 1}.")
        changes["rules"] = [read_rule(item, f"failNext[{i}]") for i, item in enumerate(items)]
    if "failPulls" in body:
        pulls = body["failPulls"]
        if not isinstance(pulls, dict) or any(
            k not in catalog.DATA_TYPES or isinstance(v, bool) or not isinstance(v, int) or v < 0 for k, v in pulls.items()
        ):
            raise HTTPError(400, "failPulls maps data types to how many of their next pulls fail, e.g. {\"invoices\": 1}.")
        changes["pulls"] = pulls
    faults = call.emulator.faults
    if "latency" in changes:
        faults.latency_ms = changes["latency"]
    if "rate" in changes:
        call.state.error_rate = changes["rate"]
    if "rules" in changes:
        faults.rules.extend(changes["rules"])
    if "pulls" in changes:
        call.state.forced_failures.update(changes["pulls"])
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
