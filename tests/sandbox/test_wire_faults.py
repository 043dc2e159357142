"""Seeded faults in /_sandbox/faults: status errors by chance, broken connections, cut and dribbled bodies,
latency ranges; what a plain httpx client sees, in-process and from a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Iterator

import httpx
import pytest

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.faults import Faults, read_settings
from codat_nb.sandbox.http import Request

from .conftest import SandboxAPI


@pytest.fixture
def faulty(api: SandboxAPI) -> Iterator[SandboxAPI]:
    """The ``api`` fixture (in-process and served), with the faults cleared afterwards."""
    yield api
    assert api.request("DELETE", "/_sandbox/faults").status_code == 204


def _set(api: SandboxAPI, **body: Any) -> dict[str, Any]:
    answer = api.post("/_sandbox/faults", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _on_create(kind: str, **extra: Any) -> list[dict[str, Any]]:
    return [{"kind": kind, "probability": 1, "method": "POST", "path": "/companies", **extra}]


def _names(api: SandboxAPI) -> list[str]:
    return [c["name"] for c in api.get("/companies", params={"pageSize": 100}).json()["results"]]


# -- each wire fault, as a client sees it ---------------------------------------------------------


def test_reset__connection_reset_after_the_write_took_effect(faulty: SandboxAPI) -> None:
    _set(faulty, wire=_on_create("reset"))
    with pytest.raises(httpx.ReadError, match="reset by peer"):
        faulty.post("/companies", json={"name": "Lost Answer Ltd"})
    assert _names(faulty) == ["Lost Answer Ltd"]  # the answer was lost, the company was not
    assert faulty.get("/_sandbox/faults").json()["counters"]["wire"] == {"reset": 1}


@pytest.mark.parametrize(("kind", "error"), [("reset", httpx.ReadError), ("empty", httpx.RemoteProtocolError)])
def test_before_handling__nothing_happened(faulty: SandboxAPI, kind: str, error: type[Exception]) -> None:
    _set(faulty, wire=_on_create(kind, beforeHandling=True))
    with pytest.raises(error):
        faulty.post("/companies", json={"name": "Never Made"})
    assert _names(faulty) == []


def test_empty__closed_without_an_answer_after_the_write(faulty: SandboxAPI) -> None:
    _set(faulty, wire=_on_create("empty"))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        faulty.post("/companies", json={"name": "Silent Co"})
    assert _names(faulty) == ["Silent Co"]


def test_drop__headers_and_part_of_the_body_then_closed(faulty: SandboxAPI) -> None:
    _set(faulty, wire=_on_create("drop"))
    with faulty.http.stream("POST", "/companies", json={"name": "Dropped Ltd"}) as answer:
        assert answer.status_code == 200
        promised = int(answer.headers["content-length"])
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            for chunk in answer.iter_raw():
                received += chunk
    assert 0 < len(received) < promised
    assert _names(faulty) == ["Dropped Ltd"]


def test_truncate__intact_framing_malformed_json(faulty: SandboxAPI) -> None:
    _set(faulty, wire=_on_create("truncate"))
    answer = faulty.post("/companies", json={"name": "Cut Short plc"})
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.content.startswith(b'{"id":"')
    with pytest.raises(json.JSONDecodeError):
        answer.json()
    assert _names(faulty) == ["Cut Short plc"]


def test_dribble__slow_pieces_of_a_correct_body(faulty: SandboxAPI) -> None:
    _set(faulty, wire=_on_create("dribble", chunkBytes=16, delayMs=1))
    with faulty.http.stream("POST", "/companies", json={"name": "Slow Drip"}) as answer:
        pieces = list(answer.iter_raw())
    body = b"".join(pieces)
    assert answer.status_code == 200 and len(body) == int(answer.headers["content-length"])
    assert json.loads(body)["name"] == "Slow Drip"
    if faulty.mode == "inprocess":  # over TCP the client may read several pieces at once
        assert [len(p) for p in pieces[:-1]] == [16] * (len(pieces) - 1)


def test_async_inprocess__the_same_faults_for_an_async_client() -> None:
    emulator = Emulator(seed=0, clock=ManualClock())

    async def met(http: httpx.AsyncClient, kind: str) -> str:
        await http.post("/_sandbox/faults", json={"wire": _on_create(kind, delayMs=1)})
        try:
            answer = await http.post("/companies", json={"name": kind})
        except httpx.TransportError as exc:
            return f"{kind}: {type(exc).__name__}"
        framed = len(answer.content) == int(answer.headers["content-length"])
        try:
            answer.json()
        except json.JSONDecodeError:
            return f"{kind}: {answer.status_code} {framed} malformed"
        return f"{kind}: {answer.status_code} {framed}"

    async def run() -> list[str]:
        async with emulator.async_http_client(api_key="k") as http:
            seen = [await met(http, kind) for kind in ("reset", "empty", "drop", "truncate", "dribble")]
            names = [c["name"] for c in (await http.get("/companies")).json()["results"]]
        return [*seen, ",".join(sorted(names))]

    assert asyncio.run(run()) == [
        "reset: ReadError", "empty: RemoteProtocolError", "drop: RemoteProtocolError",
        "truncate: 200 True malformed", "dribble: 200 True", "dribble,drop,empty,reset,truncate",
    ]  # fmt: skip


# -- status faults by chance ------------------------------------------------------------------------


def test_status_by_chance__answers_without_the_emulator_acting(faulty: SandboxAPI) -> None:
    _set(faulty, failRandomly=[{"status": 429, "probability": 1, "retryAfter": 1, "method": "POST"}])
    limited = faulty.post("/companies", json={"name": "Refused"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    body = limited.json()
    assert body["statusCode"] == 429 and body["canBeRetried"] == "True" and body["correlationId"]
    assert faulty.get("/companies").status_code == 200  # GET is not filtered in
    assert _names(faulty) == []
    assert faulty.get("/_sandbox/faults").json()["counters"]["status"] == {"429": 1}


def test_controls_and_link_pages__never_faulted(faulty: SandboxAPI) -> None:
    company = faulty.create_company("Linkable")
    _set(faulty, failRandomly=[{"status": 503, "probability": 0.5}], wire=[{"kind": "reset", "probability": 0.5}])
    for _ in range(5):
        assert faulty.get("/_sandbox/faults").status_code == 200
        assert faulty.get(f"/link/company/{company['id']}").status_code == 200
        assert faulty.get("/_sandbox/clock").status_code == 200
    assert faulty.get("/_sandbox/faults").json()["counters"]["requests"] == 0


# -- seeds: the same settings and requests meet the same faults ----------------------------------------

MIX = {
    "failRandomly": [{"status": 503, "probability": 0.2}, {"status": 429, "probability": 0.1, "retryAfter": 1}],
    "wire": [{"kind": "reset", "probability": 0.1}, {"kind": "truncate", "probability": 0.1}, {"kind": "empty", "probability": 0.05}],
}


def _outcomes(api: SandboxAPI, seed: int, count: int = 40) -> list[str]:
    _set(api, seed=seed, **MIX)
    seen = []
    for _ in range(count):
        try:
            answer = api.get("/companies")
        except httpx.TransportError as exc:
            seen.append(type(exc).__name__)
            continue
        try:
            answer.json()
            seen.append(str(answer.status_code))
        except json.JSONDecodeError:
            seen.append("truncated")
    return seen


def test_seed__repeats_the_exact_fault_sequence(faulty: SandboxAPI) -> None:
    first = _outcomes(faulty, seed=7)
    assert _outcomes(faulty, seed=7) == first  # setting the faults again restarts the draws
    assert _outcomes(faulty, seed=8) != first
    assert {"200", "503", "429", "ReadError", "RemoteProtocolError", "truncated"} <= set(first + _outcomes(faulty, 8))


def test_counters__match_what_the_client_met() -> None:
    """Every fault drawn is counted: the flow tests report these as faults injected and survived."""
    emulator = Emulator(seed=0, clock=ManualClock())
    with emulator.http_client(api_key="k") as http:
        assert http.post("/_sandbox/faults", json={"seed": 3, **MIX}).status_code == 200
        met: dict[str, int] = {}
        for _ in range(400):
            try:
                answer = http.get("/companies")
                answer.json()
                kind = str(answer.status_code)
            except httpx.ReadError:
                kind = "reset"
            except httpx.RemoteProtocolError:
                kind = "empty"
            except json.JSONDecodeError:
                kind = "truncate"
            met[kind] = met.get(kind, 0) + 1
        counters = http.get("/_sandbox/faults").json()["counters"]
    print("faults injected over 400 requests:", counters)
    assert counters["requests"] == 400
    assert counters["status"] == {k: met[k] for k in ("503", "429")}
    assert counters["wire"] == {k: met[k] for k in ("reset", "truncate", "empty")}
    assert counters["injected"] == 400 - met["200"]
    assert 50 <= met["503"] <= 110 and 15 <= met["429"] <= 65  # 20% and 10% of 400, seeded


def test_latency_range__drawn_per_request_and_seeded() -> None:
    def draws(seed: int) -> list[float]:
        faults = Faults()
        faults.apply(read_settings({"seed": seed, "latencyMs": {"min": 0, "max": 200}}))
        return [faults.draw(Request("GET", "/companies")).latency for _ in range(50)]

    first = draws(1)
    assert all(0 <= x <= 0.2 for x in first) and len(set(first)) == 50
    assert draws(1) == first and draws(2) != first


def test_settings__shown_back(faulty: SandboxAPI) -> None:
    shown = _set(faulty, seed=5, latencyMs={"min": 10, "max": 20}, wire=[{"kind": "dribble", "probability": 0.5}])
    assert shown["seed"] == 5 and shown["latencyMs"] == {"min": 10, "max": 20}
    assert shown["wire"] == [{"kind": "dribble", "probability": 0.5, "method": None, "path": None, "chunkBytes": 256, "delayMs": 5}]
    assert faulty.get("/_sandbox").json()["faults"]["seed"] == 5
    assert faulty.request("DELETE", "/_sandbox/faults").status_code == 204
    cleared = faulty.get("/_sandbox/faults").json()
    assert cleared["wire"] == [] and cleared["latencyMs"] == 0 and cleared["counters"]["injected"] == 0


# -- bad settings: a 400 naming what is wrong, nothing changed --------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"wire": [{"kind": "explode", "probability": 0.1}]}, "wire[0].kind must be one of reset, empty, drop, truncate, dribble"),
        ({"wire": [{"kind": "reset", "probability": 2}]}, "wire[0].probability must be a number from 0 to 1"),
        ({"wire": [{"kind": "reset"}]}, "wire[0].probability must be a number from 0 to 1"),
        ({"wire": [{"kind": "truncate", "probability": 0.1, "beforeHandling": True}]}, "beforeHandling applies only to reset and empty"),
        ({"wire": [{"kind": "reset", "probability": 0.1, "chance": 1}]}, "wire[0] has unknown field(s) chance"),
        ({"wire": [{"kind": "dribble", "probability": 0.1, "delayMs": -1}]}, "wire[0].delayMs must be a whole number from 0 to 1000"),
        ({"wire": {"kind": "reset"}}, "wire must be an array of rules"),
        ({"failRandomly": [{"status": 418, "probability": 0.1}]}, "failRandomly[0].status must be one of"),
        ({"failRandomly": [{"status": 503, "probability": "often"}]}, "failRandomly[0].probability must be a number from 0 to 1"),
        ({"failRandomly": [{"status": 503, "probability": 0.1, "method": "FETCH"}]}, "failRandomly[0].method must be GET"),
        ({"failRandomly": [{"status": 503, "probability": 0.1, "path": "companies"}]}, "failRandomly[0].path must be a path starting with '/'"),
        ({"latencyMs": {"min": 50, "max": 10}}, "latencyMs as a range must be"),
        ({"latencyMs": {"max": 10}}, "latencyMs as a range must be"),
        ({"latencyMs": 1.5}, "latencyMs must be a whole number of milliseconds"),
        ({"seed": -1}, "seed must be a whole number of at least 0"),
        ({"seed": "abc"}, "seed must be a whole number of at least 0"),
        ({"wire": [], "retries": 3}, "Unknown fault setting(s) retries"),
        # a good setting next to a bad one changes nothing either
        ({"seed": 9, "wire": [{"kind": "reset", "probability": 0.1}], "failRandomly": [{"status": 1}]}, "failRandomly[0].status"),
    ],
)
def test_bad_settings__400_naming_the_problem_and_nothing_changed(faulty: SandboxAPI, body: dict[str, Any], message: str) -> None:
    _set(faulty, seed=1, failRandomly=[{"status": 500, "probability": 0.01}])
    before = faulty.get("/_sandbox/faults").json()
    answer = faulty.post("/_sandbox/faults", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert faulty.get("/_sandbox/faults").json() == before
