"""Codat's rate limits in the Sandbox (opt-in): 10 concurrent requests per company, a daily quota per key
reset at simulated midnight, 429 with Retry-After, and the X-Rate-Limit-* headers on every API answer."""

from __future__ import annotations

import asyncio
import base64
import threading
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from codat_nb import Sandbox
from codat_nb.sandbox import Clock, Emulator, ManualClock
from codat_nb.sandbox.rate_limits import RateLimits
from codat_nb.sandbox.server import BackgroundServer

KEY = "rate-limit-key"
HEADERS = {"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}
LIMIT_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")


def _limited(**limits: Any) -> Emulator:
    return Emulator(seed=0, clock=ManualClock(), rate_limits=RateLimits(**limits))


def _usage(http: httpx.Client) -> dict[str, Any]:
    return http.get("/_sandbox").json()["rateLimits"]


# -- concurrency ----------------------------------------------------------------------------------------


def test_concurrency__the_eleventh_request_on_a_company_is_refused() -> None:
    emulator = _limited()
    with emulator.http_client(api_key=KEY) as http:
        company = http.post("/companies", json={"name": "Busy Ltd"}).json()
        assert http.post("/_sandbox/faults", json={"latencyMs": 200}).status_code == 200

    async def burst() -> list[httpx.Response]:
        async with emulator.async_http_client(api_key=KEY) as http:
            return await asyncio.gather(*(http.get(f"/companies/{company['id']}") for _ in range(11)))

    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    refused = answers[10]
    assert refused.headers["retry-after"] == "1"
    body = refused.json()
    assert body["statusCode"] == 429 and body["canBeRetried"] == "True" and body["correlationId"]
    assert "already has 10 requests in flight" in body["error"]
    with emulator.http_client(api_key=KEY) as http:
        usage = _usage(http)
    assert usage["refused"] == {"concurrent": 1, "daily": 0}
    assert usage["companies"][company["id"]] == {"inFlight": 0, "maxInFlight": 10}
    assert usage["maxInFlight"] == 10


def test_concurrency__other_companies_and_paths_are_not_held_up() -> None:
    emulator = _limited(concurrent=2)
    with emulator.http_client(api_key=KEY) as http:
        first, second = (http.post("/companies", json={"name": n}).json() for n in ("One", "Two"))
        http.post("/_sandbox/faults", json={"latencyMs": 100})

    async def burst() -> list[int]:
        async with emulator.async_http_client(api_key=KEY) as http:
            paths = [f"/companies/{first['id']}"] * 3 + [f"/companies/{second['id']}/connections"] * 2 + ["/companies"] * 4
            return [a.status_code for a in await asyncio.gather(*(http.get(p) for p in paths))]

    assert asyncio.run(burst()) == [200, 200, 429, 200, 200, 200, 200, 200, 200]


def test_concurrency__served_refuses_only_beyond_the_limit() -> None:
    """Against uvicorn: ten requests held in their latency, the eleventh refused, all counted."""
    emulator = Emulator(seed=0, clock=ManualClock(), rate_limits=True)
    with BackgroundServer(emulator) as url, httpx.Client(base_url=url, headers=HEADERS, timeout=30) as http:
        company = http.post("/companies", json={"name": "Served Busy"}).json()
        http.post("/_sandbox/faults", json={"latencyMs": 1500})
        answers: list[httpx.Response] = []
        threads = [threading.Thread(target=lambda: answers.append(http.get(f"/companies/{company['id']}"))) for _ in range(10)]
        for thread in threads:
            thread.start()
        _wait_until(lambda: _usage(http)["companies"].get(company["id"], {}).get("inFlight") == 10)
        eleventh = http.get(f"/companies/{company['id']}")
        for thread in threads:
            thread.join()
        usage = _usage(http)
    assert sorted(a.status_code for a in answers) == [200] * 10
    assert eleventh.status_code == 429 and eleventh.headers["retry-after"] == "1"
    assert all(name in eleventh.headers for name in LIMIT_HEADERS)
    assert usage["refused"]["concurrent"] == 1 and usage["maxInFlight"] == 10
    assert usage["served"] == 11  # the create and the ten: the refused one was not served


def _wait_until(condition: Any, tries: int = 500) -> None:
    """Synchronise on the server's own count (not a timed assertion): poll its controls."""
    for _ in range(tries):
        if condition():
            return
        threading.Event().wait(0.01)
    raise AssertionError("the server never reported the expected state")


# -- the daily quota and the headers ------------------------------------------------------------------------


def test_headers__on_every_api_answer_with_remaining_going_down() -> None:
    emulator = _limited(daily_base=50)
    with emulator.http_client(api_key=KEY) as http:
        company = http.post("/companies", json={"name": "Counted"}).json()
        answers = [
            http.get("/companies"),
            http.get(f"/companies/{company['id']}"),
            http.get("/companies/not-a-uuid"),  # 400
            http.get("/companies/8a210b68-6988-11ed-a1eb-0242ac120002"),  # 404
            http.post("/companies", json={}),  # validation error
        ]
        assert [a.status_code for a in answers] == [200, 200, 400, 404, 400]
        remaining = [int(a.headers["x-rate-limit-remaining"]) for a in answers]
        assert remaining == [48, 47, 46, 45, 44]
        assert {a.headers["x-rate-limit-limit"] for a in answers} == {"50"}
        assert {a.headers["x-rate-limit-reset"] for a in answers} == {"2026-01-06T00:00:00Z"}
        # Controls and Link pages are neither counted nor labelled.
        connection = http.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
        control = http.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
        link_page = http.get(f"/link/company/{company['id']}")
        assert not any(name in control.headers or name in link_page.headers for name in LIMIT_HEADERS)
        # A Linked connection makes a connected company: the quota grows to 50 x (1 + 1).
        after = http.get("/companies")
        assert after.headers["x-rate-limit-limit"] == "100" and after.headers["x-rate-limit-remaining"] == "92"
        assert _usage(http)["daily"] == {"limit": 100, "used": 8, "remaining": 92, "resetsAt": "2026-01-06T00:00:00Z"}


def test_daily_quota__refused_until_simulated_midnight() -> None:
    emulator = _limited(daily_base=5)  # the manual clock starts at 2026-01-05 09:00 UTC
    with emulator.http_client(api_key=KEY) as http:
        assert [http.get("/companies").status_code for _ in range(5)] == [200] * 5
        refused = http.get("/companies")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(15 * 3600)  # simulated seconds to midnight
        assert refused.headers["x-rate-limit-remaining"] == "0"
        assert "daily quota of 5 requests for this key is used up" in refused.json()["error"]
        assert http.post("/companies", json={"name": "Too Late"}).status_code == 429
        other_key = http.get("/companies", headers={"Authorization": "Basic " + base64.b64encode(b"other").decode()})
        assert other_key.status_code == 200  # the quota is per key
        http.post("/_sandbox/clock/advance", json={"seconds": 15 * 3600 - 1})
        assert http.get("/companies").status_code == 429
        http.post("/_sandbox/clock/advance", json={"seconds": 1})
        again = http.get("/companies")
        assert again.status_code == 200 and again.headers["x-rate-limit-remaining"] == "4"
        assert again.headers["x-rate-limit-reset"] == "2026-01-07T00:00:00Z"
        assert _usage(http)["refused"] == {"concurrent": 0, "daily": 3}
        assert http.get("/companies").json()["totalResults"] == 0  # the refused create made nothing


def test_daily_quota__retry_after_is_wall_seconds_on_a_running_clock() -> None:
    wall = [0.0]
    clock = Clock(start=datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc), speed=100, wall=lambda: wall[0])
    emulator = Emulator(seed=0, clock=clock, rate_limits=RateLimits(daily_base=1))
    with emulator.http_client(api_key=KEY) as http:
        assert http.get("/companies").status_code == 200
        assert http.get("/companies").headers["retry-after"] == "36"  # 3600 simulated s at 100x
        wall[0] = 36.0
        assert http.get("/companies").status_code == 200


def test_off_by_default__no_headers_no_limits() -> None:
    emulator = Emulator(seed=0, clock=ManualClock())
    with emulator.http_client(api_key=KEY) as http:
        answers = [http.get("/companies") for _ in range(20)]
        assert {a.status_code for a in answers} == {200}
        assert not any(name in answers[0].headers for name in LIMIT_HEADERS)
        assert http.get("/_sandbox").json()["rateLimits"] is None


def test_usage__shows_only_the_callers_companies() -> None:
    emulator = _limited()
    with emulator.http_client(api_key=KEY) as mine, emulator.http_client(api_key="someone-else") as theirs:
        company = mine.post("/companies", json={"name": "Mine"}).json()
        mine.get(f"/companies/{company['id']}")
        assert company["id"] in _usage(mine)["companies"]
        assert _usage(theirs)["companies"] == {} and _usage(theirs)["daily"]["used"] == 0


def test_rate_limits__bad_numbers_refused() -> None:
    with pytest.raises(ValueError, match="concurrent must be a whole number of at least 1"):
        RateLimits(concurrent=0)
    with pytest.raises(ValueError, match="daily_base must be a whole number"):
        RateLimits(daily_base=2.5)  # type: ignore[arg-type]


def test_emulator__rate_limits_option_checked() -> None:
    with pytest.raises(ValueError, match=r"rate_limits must be True \(Codat's limits\) or RateLimits"):
        Emulator(rate_limits={"concurrent": 2})  # type: ignore[arg-type]
    assert Emulator(rate_limits=True).rate_limiter.limits == RateLimits(concurrent=10, daily_base=1000)  # type: ignore[union-attr]


def test_embedded_sandbox__rate_limits_option() -> None:
    with Sandbox(manual_clock=True, browser_links=False, rate_limits=RateLimits(daily_base=2)) as sandbox:
        with sandbox.emulator.http_client(api_key="sandbox") as http:
            assert [http.get("/companies").status_code for _ in range(3)] == [200, 200, 429]
        sandbox.advance(60)  # its own controls are never limited
