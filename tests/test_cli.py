"""The ``codat-nb`` command line: ``sandbox serve`` (a real uvicorn process, its URL, clean stops, --state
persistence), ``export``, ``--version`` and usage errors. The walkthrough and lab/app have their own test files."""

from __future__ import annotations

import base64
import json
import os
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


@pytest.mark.parametrize("public_url", ["https://hub.test/user/me/proxy/8787/", "/user/me/proxy/8787"])
def test_serve__public_url_is_where_link_urls_point(public_url: str) -> None:
    server = Served("--speed", "0", "--public-url", public_url)
    try:
        company = server.http.post("/companies", json={"name": "Proxied Ltd"}).json()
        assert company["redirect"] == f"{public_url.rstrip('/')}/link/company/{company['id']}"
        # The pages are served where the proxy forwards to: the server's own root.
        assert server.http.get(f"/link/company/{company['id']}").status_code == 200
    finally:
        server.stop()


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
        (["--public-url", "ftp://x"], "is not a URL browsers can use"),
        (["--public-url", "proxy/8787"], "is not a URL browsers can use"),
        (["--public-url", "http://h/x?y=1"], "is not a URL browsers can use"),
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


# -- codat-nb export ------------------------------------------------------------------------------------------------------

EXPORT_KEY = "export-secret-key-123"
UNKNOWN_COMPANY = "8a210b68-6988-11ed-a1eb-0242ac120002"


def _run_export(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CODAT_")}
    return subprocess.run(
        [sys.executable, "-m", "codat_nb", "export", *args], capture_output=True, text=True, env={**clean, **env}, timeout=180
    )


def _sandbox_state(path: Path) -> list[str]:
    """A state file holding two linked, synced companies, written as a notebook would (manual clock)."""
    from codat_nb import Sandbox

    with Sandbox(seed=0, manual_clock=True, state_path=path) as sandbox, sandbox.client() as client:
        ids = []
        for name, books in (("Alpha Ltd", {}), ("Bravo Inc", {"dataset": "us-retailer", "invoices": 80})):
            company = client.create_company(name)
            connection = client.create_connection(company.id, "mqjo")
            sandbox.authorize(company.id, connection.id, **books)
            client.wait_for_sync(company.id, timeout=100_000)
            ids.append(company.id)
    return ids


def _invoice_counts(glob: str, reader: str = "read_parquet") -> dict[str, int]:
    import duckdb

    return dict(duckdb.sql(f"SELECT company_id, count(*) FROM {reader}('{glob}', hive_partitioning = true) GROUP BY ALL").fetchall())


def test_export__from_a_sandbox_state_file(tmp_path: Path) -> None:
    from codat_nb import Sandbox

    state = tmp_path / "sandbox.sqlite"
    ids = _sandbox_state(state)
    out = tmp_path / "exports"
    done = _run_export("--company", ids[0], "--company", ids[1], "--out", str(out), "--sandbox-state", str(state))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Exported Alpha Ltd" in done.stdout and "Exported Bravo Inc" in done.stdout
    assert re.search(r"\n  invoices__line_items +\d", done.stdout)

    with Sandbox(seed=0, manual_clock=True, state_path=state) as sandbox, sandbox.client() as client:
        expected = {cid: len(client.list_records(cid, "invoices")) for cid in ids}
    assert _invoice_counts(f"{out}/invoices/*/*.parquet") == expected

    again = _run_export("--company", ids[1], "--data-type", "invoices,bills", "--format", "csv", "--out", str(tmp_path / "csv"),
                        "--sandbox-state", str(state))  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert _invoice_counts(f"{tmp_path}/csv/invoices/*/*.csv", "read_csv") == {ids[1]: expected[ids[1]]}
    assert sorted(p.name for p in (tmp_path / "csv").iterdir() if not p.name.startswith("_"))[:3] == ["bills", "bills__line_items", "bills__line_items__tracking_categories"]


def test_export__from_a_served_sandbox(live_url: str, tmp_path: Path) -> None:
    from codat_nb import Client

    headers = {"Authorization": "Basic " + base64.b64encode(EXPORT_KEY.encode()).decode()}
    with Client(EXPORT_KEY, live_url, retries=False) as client, httpx.Client(base_url=live_url, headers=headers) as control:
        company = client.create_company("Served Export Ltd")
        connection = client.create_connection(company.id, "mqjo")
        assert control.post(f"/_sandbox/companies/{company.id}/connections/{connection.id}/authorize").status_code == 200
        assert control.post("/_sandbox/clock/advance", json={"seconds": 3600}).status_code == 200
        assert {s.current_status for s in client.data_status(company.id).values()} == {"Complete"}
        invoices = len(client.list_records(company.id, "invoices"))

    out = tmp_path / "served"
    done = _run_export("--company", company.id, "--out", str(out), "--format", "csv", "--base-url", live_url, CODAT_API_KEY=EXPORT_KEY)
    assert done.returncode == 0, done.stderr
    assert EXPORT_KEY not in done.stdout + done.stderr
    assert "Served Export Ltd" in done.stdout
    assert _invoice_counts(f"{out}/invoices/*/*.csv", "read_csv") == {company.id: invoices}


def test_export__unknown_company_says_so_without_a_traceback(live_url: str, tmp_path: Path) -> None:
    out = tmp_path / "never"
    done = _run_export("--company", UNKNOWN_COMPANY, "--out", str(out), CODAT_API_KEY=EXPORT_KEY, CODAT_BASE_URL=live_url)
    assert done.returncode == 1
    assert done.stdout == "" and done.stderr.startswith(f"codat-nb export: No company was found with ID {UNKNOWN_COMPANY}")
    assert "Traceback" not in done.stderr and EXPORT_KEY not in done.stderr
    assert not out.exists()


def test_export__unknown_company_in_a_state_file_names_the_tenant_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codat_nb.cli import main

    state = tmp_path / "state.sqlite"
    from codat_nb import Sandbox

    Sandbox(state_path=state).close()
    assert main(["export", "--company", UNKNOWN_COMPANY, "--out", str(tmp_path / "out"), "--sandbox-state", str(state)]) == 1
    err = capsys.readouterr().err
    assert "No company was found" in err and "set CODAT_API_KEY to the key that created the company" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        (["--company", "abc"], True, "--company must be a UUID such as"),
        (["--data-type", "invoice"], True, "Unknown data type 'invoice'. Did you mean 'invoices'?"),
        (["--data-type", "invoices,journals"], True, "journals is a Codat data type that codat_nb cannot export yet"),
        (["--format", "xlsx"], True, "Unknown export format 'xlsx': use 'parquet' or 'csv'."),
        (["--out", "{file}"], True, "is a file: pass a folder"),
        (["--out", "{file}/out"], True, "is inside"),
        (["--out", "{missing}/deeper/out"], True, "cannot be created: the folder {missing}/deeper does not exist"),
        (["--report-periods", "61"], True, "--report-periods must be a whole number from 1 to 60"),
        (["--sandbox-state", "{missing}"], False, "--sandbox-state: no state file at"),
        (["--sandbox-state", "{file}"], False, "is not a Sandbox state file"),
        (["--sandbox-state", "{file}", "--base-url", "http://127.0.0.1:9"], True, "pass one of them"),
        (["--sandbox-seed", "3"], True, "--sandbox-seed goes with --sandbox-state"),
        (["--base-url", "ftp://codat"], True, "base_url must start with http:// or https://"),
        (["--base-url", "http://127.0.0.1:9"], False, "needs an API key in CODAT_API_KEY"),
        ([], False, "An embedded Sandbox started by this command would be empty"),
    ],
)
def test_export__bad_input_is_one_line_exit_2_and_writes_nothing(
    args: list[str], key: bool, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from codat_nb.cli import main

    (tmp_path / "a-file").write_text("not a folder nor a state")
    if key:
        monkeypatch.setenv("CODAT_API_KEY", EXPORT_KEY)
        monkeypatch.setenv("CODAT_BASE_URL", "http://127.0.0.1:9")  # never reached: arguments are checked first
    given = [a.format(file=tmp_path / "a-file", missing=tmp_path / "missing.sqlite") for a in args]
    if "--company" not in given:
        given += ["--company", UNKNOWN_COMPANY]
    if "--out" not in given:
        given += ["--out", str(tmp_path / "out")]
    before = sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir())

    assert main(["export", *given]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("codat-nb export: ") and message.format(missing=tmp_path / "missing.sqlite") in captured.err
    assert EXPORT_KEY not in captured.err
    assert sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir()) == before


def test_export__help_and_a_light_parser() -> None:
    help_text = build_parser()._subparsers._group_actions[0].choices["export"].format_help()  # type: ignore[union-attr]
    for option in ("--company", "--data-type", "--out", "--format", "--base-url", "--sandbox-state", "hive_partitioning"):
        assert option in help_text
    code = "import sys, codat_nb.cli\ncodat_nb.cli.build_parser()\nprint(sorted(m for m in ('pandas', 'pyarrow', 'httpx') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_a_state_file_remembers_its_seed(tmp_path) -> None:
    """The books are drawn from the seed: reopening a state with another seed is refused, and the
    export reads the recorded seed rather than guessing 0."""
    from codat_nb import Sandbox
    from codat_nb.sandbox.store import stored_seed

    path = tmp_path / "state.sqlite"
    with Sandbox(seed=3, manual_clock=True, state_path=path):
        pass
    assert stored_seed(path) == 3
    with pytest.raises(ValueError, match="made with seed 3.*--seed 3"):
        Sandbox(seed=0, manual_clock=True, state_path=path)
    with Sandbox(seed=3, manual_clock=True, state_path=path) as again:
        again.reset()
    assert stored_seed(path) == 3


def test_export__unwritable_out_is_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A folder that refuses new files is found by a probe before any request (the base URL is never reached).
    Root writes through permission bits, so as root the folder is /sys, which refuses everyone."""
    from codat_nb.cli import main

    if os.geteuid() == 0:
        locked, reason = Path("/sys"), "Operation not permitted"
    else:
        locked, reason = tmp_path / "locked", "Permission denied"
        locked.mkdir(mode=0o555)
    monkeypatch.setenv("CODAT_API_KEY", EXPORT_KEY)
    monkeypatch.setenv("CODAT_BASE_URL", "http://127.0.0.1:9")
    before = sorted(locked.iterdir())
    assert main(["export", "--company", UNKNOWN_COMPANY, "--out", str(locked / "out")]) == 2
    assert capsys.readouterr().err == (
        f"codat-nb export: The export folder {locked / 'out'} cannot be written: the folder {locked} refuses new files ({reason}).\n"
    )
    assert sorted(locked.iterdir()) == before


# -- the command itself -------------------------------------------------------------------------------------------------


def test_version() -> None:
    import codat_nb

    done = subprocess.run([sys.executable, "-m", "codat_nb", "--version"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"codat-nb {codat_nb.__version__}\n", "")


def test_no_command_and_no_sandbox_action_exit_alike() -> None:
    bare = subprocess.run([sys.executable, "-m", "codat_nb"], capture_output=True, text=True, timeout=60)
    sandbox = subprocess.run([sys.executable, "-m", "codat_nb", "sandbox"], capture_output=True, text=True, timeout=60)
    assert bare.returncode == sandbox.returncode == 2
    assert bare.stdout == sandbox.stdout == ""
    assert bare.stderr.startswith("usage: codat-nb [-h] [--version] COMMAND")
    assert "error: choose a command: sandbox, export, walkthrough, lab, app" in bare.stderr
    assert sandbox.stderr.startswith("usage: codat-nb sandbox [-h] ACTION") and "error: choose an action: serve" in sandbox.stderr


def test_unknown_option_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    from codat_nb.cli import main

    with pytest.raises(SystemExit) as caught:
        main(["export", "--company", UNKNOWN_COMPANY, "--out", "x", "--colour"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: codat-nb export") and "unrecognized arguments: --colour" in err


def test_parser__imports_no_client_nor_rich() -> None:
    code = (
        "import sys, codat_nb.cli\ncodat_nb.cli.build_parser()\n"
        "print(sorted(m for m in ('rich', 'codat_nb.client', 'codat_nb.sandbox', 'numpy') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
