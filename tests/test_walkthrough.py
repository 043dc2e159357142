"""``codat-nb walkthrough``: the Connect guide end to end in a pseudo-terminal, through a pipe, on a served
Sandbox that fails a pull, and its argument checks; plus the summary rows and table it ends with."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys

import httpx
import pexpect
import pytest
from pexpect.popen_spawn import PopenSpawn
from rich.console import Console

from codat_nb import Sandbox, SyncFailedError
from codat_nb.cli import main
from codat_nb.cli._walkthrough import SAMPLES
from codat_nb.walkthrough import Backend, Options, SyncRow, run_walkthrough, sync_rows, sync_table
from codat_nb.walkthrough._summary import format_duration

#: The 17 data types the accounting Sandbox supplies (README: "Known differences").
DATA_TYPES = (
    "balanceSheet", "bankAccounts", "bankTransactions", "billPayments", "bills", "chartOfAccounts", "company",
    "creditNotes", "customers", "invoices", "items", "journalEntries", "payments", "profitAndLoss", "suppliers",
    "taxRates", "trackingCategories",
)  # fmt: skip
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LINK_URL = rf"Link URL +(http://127\.0\.0\.1:\d+/link/company/({UUID}))"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
SECRET = "walkthrough-secret-key-42"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODAT_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _spawn(*args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable, ["-m", "codat_nb", "walkthrough", *args], env=_env(), dimensions=(60, 150), encoding="utf-8", timeout=60
    )


def _table_rows(text: str) -> dict[str, list[str]]:
    """The final table's rows by data type: the cells between the box's vertical bars."""
    rows = {}
    for line in ANSI.sub("", text).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) >= 4 and cells[0] in DATA_TYPES:
            rows[cells[0]] = cells[1:]
    return rows


# -- in a terminal ------------------------------------------------------------------------------------------------


def test_walkthrough__in_a_terminal__company_link_url_bars_and_table() -> None:
    child = _spawn("--name", "Pexpect Plumbing Ltd")
    child.expect(rf"Company id +({UUID})")
    company_id = child.match.group(1)
    child.expect(LINK_URL)
    url, linked_id = child.match.group(1), child.match.group(2)
    assert linked_id == company_id
    # The embedded Sandbox serves its Link page on that port while it runs: the URL opens in a browser.
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200 and "Pexpect Plumbing Ltd" in page.text
    child.expect("Signed in to the Sandbox")
    child.expect(r"All data types +[^\r\n]*━[^\r\n]* +\d+%")  # rich progress bars, redrawn in place
    child.expect(r"invoices +[^\r\n]*━[^\r\n]* +\d+%")
    child.expect("Data type")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    rows = _table_rows(child.before)
    assert sorted(rows) == sorted(DATA_TYPES)
    assert {cells[0] for cells in rows.values()} == {"Complete"}
    assert rows["invoices"][1].replace(",", "").isdigit() and rows["balanceSheet"][1] == "-"  # reports have no count
    assert re.search(r"\d+\.\d s", rows["invoices"][2])  # the pull's duration
    assert re.search(r"Synced 17 data types in \d+\.\d s: [\d,]+ records\.", ANSI.sub("", child.before))


def test_walkthrough__wait_for_link__finishes_when_the_test_presses_connect() -> None:
    child = _spawn("--name", "Waiting Room Ltd", "--wait-for-link", "--seed", "3")
    child.expect(LINK_URL)
    url = child.match.group(1)
    child.expect("press Connect")
    child.expect("Waiting for Connect")
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and "Waiting Room Ltd" in page.text
        pressed = browser.post(f"{url}/connect", data={"integration": "mqjo"})  # the card's Connect, one request
        assert pressed.status_code == 303, pressed.text
    child.expect(r"Connection +Sandbox \(Linked\)")
    child.expect("Data type")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert {cells[0] for cells in _table_rows(child.before).values()} == {"Complete"}


def test_walkthrough__ctrl_c_while_waiting_ends_with_130_and_no_traceback() -> None:
    child = _spawn("--wait-for-link")
    child.expect("Waiting for Connect")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "codat-nb walkthrough: interrupted" in child.before and "Traceback" not in child.before


def test_walkthrough__link_timeout_is_one_line_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--wait-for-link", "--timeout", "0.5", "--speed", "0"]) == 1
    out, err = capsys.readouterr()
    assert "Waiting for Connect (up to 0.5 s; Ctrl-C stops)..." in out
    assert err.count("\n") == 1
    assert re.match(rf"codat-nb walkthrough: Company 'Platypus Properties' \({UUID}\) still has no Linked connection after 0.5 s", err)
    assert "open its Link URL http://127.0.0.1:" in err


# -- through a pipe -----------------------------------------------------------------------------------------------


def test_walkthrough__piped__plain_text_a_line_per_data_type(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "--name", "Platypus #Properties", "--speed", "0", "--sample", "us-retailer"]) == 0
    out, err = capsys.readouterr()
    assert "\x1b[" not in out  # no colours nor redrawing when stdout is not a terminal
    assert re.search(rf"^  Link URL    http://127\.0\.0\.1:\d+/link/company/{UUID}$", out, re.M)  # whole, on one line
    assert "sharing the books of its US Retailer sample (us-retailer)" in out
    ended = re.findall(r"^  (\w+) +(Complete) +\d+/17$", out, re.M)
    assert sorted(name for name, _ in ended) == sorted(DATA_TYPES)
    assert sorted(_table_rows(out)) == sorted(DATA_TYPES)
    # Codat's name rule, said in words on stderr (a Python warning would fail this test: warnings are errors).
    assert err == "codat-nb walkthrough: warning: Codat will strip '#' from the company name; it will be saved as 'Platypus Properties'.\n"
    assert "  Company     Platypus Properties" in out


def test_walkthrough__pipe_closed_early__ends_quietly() -> None:
    walk = subprocess.Popen(
        [sys.executable, "-m", "codat_nb", "walkthrough"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    head = subprocess.run(["head", "-3"], stdin=walk.stdout, capture_output=True, text=True, timeout=60)
    walk.stdout.close()  # type: ignore[union-attr]  # only head reads it now
    err = walk.stderr.read().decode()  # type: ignore[union-attr]
    walk.stderr.close()  # type: ignore[union-attr]
    assert walk.wait(timeout=60) == 141  # as a program ended by SIGPIPE; `set -o pipefail` sees the cut
    assert head.stdout.splitlines()[0].startswith("Codat's Connect guide, on the embedded Sandbox")
    assert len(head.stdout.splitlines()) == 3
    assert err == ""  # no traceback, no "Exception ignored in ... BrokenPipeError"


def test_terminal_console__closed_pipe_raises_for_the_command_and_goes_quiet() -> None:
    """rich's own answer is SystemExit(1); the command line wants BrokenPipeError, to end with 141 and no noise."""
    from codat_nb.walkthrough import TerminalConsole

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    console = TerminalConsole(file=Closed())
    with pytest.raises(BrokenPipeError):
        console.print("a line nobody reads")
    assert console.quiet
    console.print("and later ones are dropped, not raised")


# -- a served Sandbox, with a key, and a pull that fails -------------------------------------------------------------


def test_walkthrough__served_sandbox__failed_pull_shows_the_table_and_exits_1(live_url: str) -> None:
    control = httpx.Client(base_url=live_url, headers={"Authorization": "Basic " + base64.b64encode(b"control").decode()}, timeout=10)
    # The emulator's opt-in fault (README, /_sandbox/faults): the next invoices pull ends in an error status.
    assert control.post("/_sandbox/faults", json={"failPulls": {"invoices": 1}}).status_code == 200
    try:
        walk = PopenSpawn(
            [sys.executable, "-m", "codat_nb", "walkthrough", "--name", "Faulty Ledgers Ltd", "--timeout", "60"],
            env=_env(CODAT_API_KEY=SECRET, CODAT_BASE_URL=live_url), encoding="utf-8", timeout=60,
        )  # fmt: skip
        walk.logfile_read = seen = io.StringIO()
        walk.expect(rf"Link URL +({re.escape(live_url)}/link/company/{UUID})")
        url = walk.match.group(1)
        walk.expect("Waiting for Connect")
        assert httpx.post(f"{url}/connect", data={"integration": "mqjo"}, timeout=10).status_code == 303
        assert control.post("/_sandbox/clock/advance", json={"seconds": 3600}).status_code == 200  # its clock is manual
        walk.expect(pexpect.EOF)
        out = seen.getvalue()
        assert walk.wait() == 1, out
        walk.proc.stdin.close()  # type: ignore[union-attr]
        walk.proc.stdout.close()  # type: ignore[union-attr]
    finally:
        control.delete("/_sandbox/faults")
        control.close()
    rows = _table_rows(out)
    assert sorted(rows) == sorted(DATA_TYPES)
    status, records, _duration, message = rows["invoices"]
    # stderr's one line names the failed pull with Codat's errorMessage; the table's row starts that message.
    said = re.search(r"codat-nb walkthrough: The sync of company .+ failed for 1 data type\(s\): invoices: (\w+Error) \((.+?)\)\. ", out)
    assert said, out
    assert status == said.group(1) and records == "-" and message and said.group(2).startswith(message)
    assert {cells[0] for name, cells in rows.items() if name != "invoices"} == {"Complete"}
    assert "on " + live_url in out and "Traceback" not in out and SECRET not in out


def test_walkthrough__refused_key_is_one_line_exit_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from codat_nb.sandbox import Emulator, ManualClock
    from codat_nb.sandbox.server import BackgroundServer

    emulator = Emulator(seed=0, clock=ManualClock(), api_keys=["the-right-key"])
    with BackgroundServer(emulator) as url:
        monkeypatch.setenv("CODAT_API_KEY", SECRET)
        assert main(["walkthrough", "--base-url", url]) == 1
    emulator.close()
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("codat-nb walkthrough: Unauthorized.") and "GET /companies -> 401" in err  # create_company looks for the name first
    assert "Step 1 of 3" in out and "Company id" not in out
    assert SECRET not in out + err and "Traceback" not in err


# -- bad arguments --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--sample", "big-uk"], {}, "invalid choice: 'big-uk' (choose from 'small-uk', 'us-retailer', 'multi-currency-wholesaler')"),
        (["--name", ""], {}, "argument --name: the company name is empty"),
        (["--name", "   "], {}, "argument --name: the company name is empty"),
        (["--name", "###"], {}, "has no character Codat keeps"),
        (["--speed", "-1"], {}, "argument --speed: -1 must not be negative"),
        (["--seed", "x"], {}, "argument --seed: 'x' is not a whole number"),
        (["--timeout", "0"], {}, "argument --timeout: 0 s would not wait at all"),
        (["--base-url", "http://127.0.0.1:9"], {}, "needs an API key in CODAT_API_KEY"),
        (["--wait-for-link", "--sample", "us-retailer"], {}, "--sample is picked on the Link page"),
        (["--sample", "us-retailer", "--seed", "1"], {"CODAT_API_KEY": SECRET}, "--seed, --sample set up the embedded Sandbox"),
        ([], {"CODAT_API_KEY": SECRET, "CODAT_BASE_URL": "ftp://codat"}, "base_url must start with http:// or https://"),
        (["--frobnicate"], {}, "unrecognized arguments: --frobnicate"),
    ],
)
def test_walkthrough__bad_arguments_exit_2_saying_what_to_fix(
    args: list[str], env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as caught:
        main(["walkthrough", *args])
    assert caught.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: codat-nb walkthrough") and message in err
    assert SECRET not in err


def test_walkthrough__parser_constants_match_the_walkthroughs() -> None:
    """The parser writes them out so that building it imports nothing; these keep the copies in step."""
    import codat_nb.walkthrough as walkthrough
    from codat_nb.cli import _walkthrough
    from codat_nb.sandbox.books.datasets import SAMPLE_COMPANIES

    assert SAMPLES == tuple(sample.key for sample in SAMPLE_COMPANIES)
    assert (_walkthrough.DEFAULT_NAME, SAMPLES[0]) == (walkthrough.DEFAULT_NAME, walkthrough.DEFAULT_SAMPLE)
    assert list(walkthrough.__all__) == sorted(walkthrough.__all__)


def test_run_walkthrough__in_a_terminal_draws_bars_then_removes_them() -> None:
    out = io.StringIO()
    sandbox = Sandbox(seed=0, manual_clock=True, browser_links=False)
    with Backend(sandbox.client(), sandbox, "a terminal test") as backend:
        assert run_walkthrough(Options(), backend, Console(file=out, force_terminal=True, width=150)) == 0
    text = out.getvalue()
    assert re.search(r"All data types +\S*━", ANSI.sub("", text))  # drawn...
    assert "\x1b[2K" in text  # ...and erased (transient), so the table stands alone
    assert {cells[0] for cells in _table_rows(text).values()} == {"Complete"}


# -- the summary, in-process ------------------------------------------------------------------------------------------


def _faulted_backend(fail: dict[str, int]) -> Backend:
    sandbox = Sandbox(seed=0, manual_clock=True, browser_links=False)
    with sandbox.emulator.http_client(api_key="sandbox") as control:
        assert control.post("/_sandbox/faults", json={"failPulls": fail}).status_code == 200
    return Backend(sandbox.client(), sandbox, "a faulted Sandbox")


def test_run_walkthrough__failed_pull_prints_rows_then_raises() -> None:
    out = io.StringIO()
    with _faulted_backend({"invoices": 1, "bills": 1}) as backend:
        with pytest.raises(SyncFailedError, match=r"failed for 2 data type\(s\): bills: \w+Error \(.+\); invoices: \w+Error") as caught:
            run_walkthrough(Options(name="Two Faults Ltd"), backend, Console(file=out, width=160))
    assert caught.value.data_types == ("bills", "invoices")
    rows = _table_rows(out.getvalue())
    assert {name for name, cells in rows.items() if cells[0] != "Complete"} == {"bills", "invoices"}
    assert "Codat's message" in out.getvalue() and "Synced" not in out.getvalue()


def test_sync_rows__counts_complete_types_and_keeps_failed_messages() -> None:
    with _faulted_backend({"payments": 1}) as backend:
        client = backend.client
        company = client.create_company("Rows Ltd")
        connection = client.create_connection(company.id, "mqjo")
        backend.sandbox.authorize(company.id, connection.id)  # type: ignore[union-attr]
        with pytest.raises(SyncFailedError) as caught:
            client.wait_for_sync(company.id)
        rows = {row.data_type: row for row in sync_rows(client, company.id, caught.value.completed, caught.value.failed)}
        assert rows["invoices"].records == len(client.list_records(company.id, "invoices"))
    assert list(rows) == sorted(DATA_TYPES)
    assert rows["payments"].failed and rows["payments"].records is None and "Queue the data type again" in rows["payments"].message
    assert rows["profitAndLoss"].records is None and not rows["profitAndLoss"].failed
    assert all(row.duration is not None and row.duration.total_seconds() > 0 for row in rows.values() if not row.failed)


def test_sync_table__message_column_only_on_failure_and_brackets_kept() -> None:
    def render(rows: list[SyncRow]) -> str:
        out = io.StringIO()
        Console(file=out, width=120).print(sync_table(rows))
        return out.getvalue()

    fine = render([SyncRow("invoices", "Complete", 1234, None)])
    assert "Codat's message" not in fine and "1,234" in fine
    failed = render([SyncRow("bills", "FetchError", None, None, "Codat said [bold]no[/bold]")])
    assert "Codat said [bold]no[/bold]" in failed  # shown as text, not taken for rich markup


@pytest.mark.parametrize(("seconds", "shown"), [(None, "-"), (2.75, "2.8 s"), (59.94, "59.9 s"), (65, "1 min 05 s"), (3599, "59 min 59 s"), (3600, "1 h 00 min")])
def test_format_duration(seconds: float | None, shown: str) -> None:
    from datetime import timedelta

    assert format_duration(None if seconds is None else timedelta(seconds=seconds)) == shown


def test_walkthrough__help_names_every_option() -> None:
    done = subprocess.run([sys.executable, "-m", "codat_nb", "walkthrough", "--help"], capture_output=True, text=True, env=_env())
    assert done.returncode == 0
    for option in ("--name", "--sample", "--wait-for-link", "--seed", "--speed", "--base-url", "--timeout", "CODAT_API_KEY"):
        assert option in done.stdout
