"""``codat-nb sandbox serve``: a real uvicorn process, its URL, clean stops, and --state persistence."""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from codat_nb.cli import build_parser

KEY = "cli-test-key"
HEADERS = {"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}


class Served:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "codat_nb", "sandbox", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.banner = self.process.stdout.readline()
        match = re.search(r"ready at (http://127\.0\.0\.1:\d+)", self.banner)
        if not match:
            self.process.kill()
            raise AssertionError(f"no URL printed: {self.banner!r} {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.url = match.group(1)
        self.http = httpx.Client(base_url=self.url, headers=HEADERS, timeout=10)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.http.close()
        self.process.send_signal(sig)
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, out + err


@pytest.fixture
def served() -> Iterator[Served]:
    server = Served("--speed", "0", "--seed", "3")
    yield server
    if server.process.poll() is None:
        server.stop()


def test_serve__prints_url_and_answers(served: Served) -> None:
    assert "seed 3" in served.banner and "manual clock" in served.banner
    created = served.http.post("/companies", json={"name": "Served Co"})
    assert created.status_code == 200
    assert created.json()["redirect"] == f"{served.url}/link/company/{created.json()['id']}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve__stops_cleanly_on_signal(served: Served, sig: int) -> None:
    assert served.http.get("/companies").status_code == 200
    code, output = served.stop(sig)
    assert code == 0, output
    assert "Traceback" not in output and "stopped" in output


def test_serve__state_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite"
    first = Served("--speed", "0", "--state", str(state))
    company = first.http.post("/companies", json={"name": "Kept Ltd", "tags": {"k": "v"}}).json()
    connection = first.http.post(f"/companies/{company['id']}/connections", json={"platformKey": "mqjo"}).json()
    first.http.post(f"/_sandbox/companies/{company['id']}/connections/{connection['id']}/authorize")
    first.http.post("/_sandbox/clock/advance", json={"seconds": 60})
    profile = first.http.get("/profile/syncSettings").json()
    off = {"dataType": "bills", "fetchOnFirstLink": False, "syncSchedule": 24, "syncOrder": 0}
    first.http.post("/profile/syncSettings", json={"clientId": profile["clientId"], "settings": [off], "overridesDefaults": True})
    before = _everything(first, company["id"])
    assert first.stop()[0] == 0

    second = Served("--speed", "0", "--state", str(state))
    try:
        after = _everything(second, company["id"])
        assert after == before  # the manual clock resumed where it stood, too
        assert json.loads(after)["company"]["dataConnections"][0]["status"] == "Linked"
        newer = second.http.post("/companies", json={"name": "Newer"}).json()
        assert newer["id"] != company["id"]  # the id counter was kept too
    finally:
        second.stop()


def _everything(server: Served, company_id: str) -> str:
    """What a client can see of one company, with the (per-run) port taken out of URLs."""
    seen = {
        "company": server.http.get(f"/companies/{company_id}").json(),
        "history": server.http.get(f"/companies/{company_id}/data/history", params={"pageSize": 100}).json(),
        "status": server.http.get(f"/companies/{company_id}/dataStatus").json(),
        "profile": server.http.get("/profile/syncSettings").json(),
        "clock": server.http.get("/_sandbox/clock").json(),
    }
    return json.dumps(seen, sort_keys=True).replace(server.url, "<base>")


def test_serve__restricted_keys(tmp_path: Path) -> None:
    server = Served("--speed", "0", "--api-key", KEY, "--api-key", "second")
    try:
        assert server.http.get("/companies").status_code == 200
        other = {"Authorization": "Basic " + base64.b64encode(b"intruder").decode()}
        assert server.http.get("/companies", headers=other).status_code == 401
        assert KEY not in server.banner
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "not a port number"),
        (["--speed", "-1"], "must not be negative"),
        (["--error-rate", "2"], "from 0 to 1"),
        (["--state", "/no/such/folder/state.sqlite"], "does not exist"),
        (["--seed", "abc"], "is not a whole number"),
    ],
)
def test_serve__bad_arguments_say_what_to_fix(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    from codat_nb.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["sandbox", "serve", *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_parser__documents_every_issue_option() -> None:
    help_text = build_parser()._subparsers._group_actions[0].choices["sandbox"].format_help()  # type: ignore[union-attr]
    assert "serve" in help_text
