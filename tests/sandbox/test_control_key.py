"""A Sandbox served for a team: with a control key only that key may use /_sandbox/...; without one they stay open."""

from __future__ import annotations

import base64
import re
import subprocess
import sys

import httpx
import pytest

from codat_nb import Sandbox
from codat_nb.cli import main
from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.server import BackgroundServer

CONTROL = "ctl-4f9c2a7e-team-admin"
MEMBER = "member-key-1"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


@pytest.mark.parametrize("mode", ["inprocess", "served"])
def test_control_key__others_get_403_and_change_nothing(mode: str) -> None:
    emulator = Emulator(seed=0, clock=ManualClock(), control_key=CONTROL)
    if mode == "inprocess":
        member, admin = emulator.http_client(api_key=MEMBER), emulator.http_client(api_key=CONTROL)
        _check(member, admin)
    else:
        with BackgroundServer(emulator) as url:
            _check(httpx.Client(base_url=url, headers=_auth(MEMBER)), httpx.Client(base_url=url, headers=_auth(CONTROL)))


def _check(member: httpx.Client, admin: httpx.Client) -> None:
    with member, admin:
        company = member.post("/companies", json={"name": "Team Co"})
        assert company.status_code == 200  # the API takes any key, as before
        for method, path in [("POST", "/_sandbox/reset"), ("GET", "/_sandbox"), ("POST", "/_sandbox/clock/advance"),
                             ("POST", "/_sandbox/faults"), ("DELETE", "/_sandbox/faults")]:  # fmt: skip
            refused = member.request(method, path, json={"seconds": 5})
            assert refused.status_code == 403, path
            body = refused.json()
            assert body["statusCode"] == 403 and body["correlationId"] and body["canBeRetried"] == "False"
            assert "need its control key" in body["error"] and CONTROL not in refused.text
        assert member.get("/companies").json()["totalResults"] == 1  # the reset did not happen
        assert admin.get("/_sandbox/clock").json()["now"] == "2026-01-05T09:00:00.0000000Z"  # nor the advance
        assert admin.get("/_sandbox").json()["controlKeyRequired"] is True
        assert admin.post("/_sandbox/reset").status_code == 204
        assert member.get("/companies").json()["totalResults"] == 0


def test_without_a_control_key__controls_stay_open() -> None:
    emulator = Emulator(seed=0, clock=ManualClock())
    with emulator.http_client(api_key=MEMBER) as http:
        assert http.get("/_sandbox").json()["controlKeyRequired"] is False
        assert http.post("/_sandbox/reset").status_code == 204


def test_control_key__accepted_alongside_restricted_api_keys() -> None:
    emulator = Emulator(seed=0, clock=ManualClock(), api_keys=[MEMBER], control_key=CONTROL)
    with emulator.http_client(api_key=CONTROL) as admin, emulator.http_client(api_key="stranger") as stranger:
        assert admin.post("/_sandbox/reset").status_code == 204
        assert stranger.post("/_sandbox/reset").status_code == 401  # an unknown key is still a 401
    assert CONTROL not in repr(emulator)


def test_control_key__empty_is_refused() -> None:
    with pytest.raises(ValueError, match="control_key must be a non-empty API key"):
        Emulator(control_key=" ")


def test_embedded_sandbox__its_own_controls_still_work() -> None:
    with Sandbox(manual_clock=True, browser_links=False) as sandbox:
        client = sandbox.emulator.http_client(api_key="sandbox")
        company = client.post("/companies", json={"name": "Embedded"}).json()
        connection = client.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
        assert sandbox.authorize(company["id"], connection["id"])["status"] == "Linked"
        sandbox.advance(30)
        client.close()


# -- the command line -----------------------------------------------------------------------------------


def test_serve__control_key_and_rate_limits() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "codat_nb", "sandbox", "serve", "--port", "0", "--speed", "0",
         "--control-key", CONTROL, "--rate-limits", "2:5"],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"ready at (http://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        assert "controls (/_sandbox/...) restricted to the control key" in banner
        assert "rate limits: 2 concurrent per company and 5 x (1 + connected companies) a day" in banner
        with httpx.Client(base_url=match.group(1), headers=_auth(MEMBER), timeout=10) as http:
            assert http.post("/_sandbox/reset").status_code == 403
            assert http.post("/_sandbox/reset", headers=_auth(CONTROL)).status_code == 204
            answer = http.get("/companies")
            assert answer.headers["x-rate-limit-limit"] == "5" and answer.headers["x-rate-limit-remaining"] == "4"
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert CONTROL not in banner + out + err


def test_serve__rate_limits_alone_means_codats_numbers() -> None:
    from codat_nb.cli import build_parser
    from codat_nb.sandbox.rate_limits import RateLimits

    args, _ = build_parser().parse_known_args(["sandbox", "serve", "--rate-limits"])
    assert args.rate_limits == RateLimits(concurrent=10, daily_base=1000)
    args, _ = build_parser().parse_known_args(["sandbox", "serve"])
    assert args.rate_limits is None and args.control_key is None


def test_serve__control_key_from_the_environment_stays_out_of_the_process_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from codat_nb.cli import build_parser

    monkeypatch.setenv("CODAT_NB_CONTROL_KEY", CONTROL)
    args, _ = build_parser().parse_known_args(["sandbox", "serve"])
    assert args.control_key == CONTROL
    args, _ = build_parser().parse_known_args(["sandbox", "serve", "--control-key", "other-key"])
    assert args.control_key == "other-key"  # the argument wins


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate-limits", "ten"], "is not CONCURRENT:DAILY"),
        (["--rate-limits", "0:1000"], "is not CONCURRENT:DAILY"),
        (["--rate-limits", "10"], "is not CONCURRENT:DAILY"),
        (["--control-key", "  "], "--control-key: the key is empty"),
    ],
)
def test_serve__bad_options_say_what_to_fix(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sandbox", "serve", *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
