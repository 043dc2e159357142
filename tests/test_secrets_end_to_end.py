"""The API key never leaks, end to end: with a real-looking fake key in CODAT_API_KEY and DEBUG logging
on for every logger, every notebook (against a served Sandbox), every widget, the CLI and failing calls
(401, 404, 400, transport errors) show neither the key nor its base64 form, nor a 12-character run of
either, in any output, saved notebook, log line, exception, traceback or curl text."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import random
import string
import subprocess
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import papermill
import pytest

from codat_nb import AsyncClient, Client, CodatError
from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.clock import Clock
from codat_nb.sandbox.server import BackgroundServer

from ._notebooks import NOTEBOOKS, shown

#: 72 characters like Codat's keys, made at run time so no key-like literal is committed.
FAKE_KEY = "".join(random.Random(1209).choices(string.ascii_letters + string.digits, k=72))
FORMS = {"the key": FAKE_KEY, "its base64": base64.b64encode(FAKE_KEY.encode()).decode()}
RUN = 12
UNKNOWN_ID = "8a210b68-6988-11ed-a1eb-0242ac120002"
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
#: Smaller than the notebooks' defaults where a run is long; every notebook still runs every cell.
NOTEBOOK_PARAMETERS: dict[str, dict[str, Any]] = {"04_portfolio": {"PORTFOLIO_SIZE": 3}}  # one of each sample

pytestmark = pytest.mark.served


def leaks(text: str) -> list[str]:
    """Every 12-character run of the key or of its base64 that ``text`` holds, named by position."""
    return [f"{name}[{i}:{i + RUN}]" for name, form in FORMS.items() for i in range(len(form) - RUN + 1) if form[i : i + RUN] in text]


def assert_clean(text: str, where: str) -> None:
    found = leaks(text)
    assert not found, f"{where} shows {len(found)} run(s) of {found[0].split('[')[0]}: {found[:3]}"


def everything_about(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error)), repr(vars(error))])


def assert_logged_clean(caplog: pytest.LogCaptureFixture) -> int:
    for record in caplog.records:
        assert_clean(f"{record.name} {record.getMessage()} {record.args!r} {record.exc_text or ''}", f"log record from {record.name}")
    return len(caplog.records)


@pytest.fixture
def key_in_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CODAT_API_KEY", FAKE_KEY)
    return FAKE_KEY


@pytest.fixture
def served() -> Iterator[tuple[Emulator, str]]:
    """A served Sandbox whose clock runs 60 times real time from a fixed start, so syncs end in a second."""
    emulator = Emulator(seed=0, clock=Clock(start=START, speed=60))
    with BackgroundServer(emulator) as url:
        yield emulator, url
    emulator.close()


@pytest.fixture
def refusing() -> Iterator[str]:
    """A served Sandbox that accepts only another key: every request with the fake key is a 401."""
    emulator = Emulator(seed=0, clock=ManualClock(), api_keys=["someone-elses-key"])
    with BackgroundServer(emulator) as url:
        yield url
    emulator.close()


class Customer:
    """The business on the Link page: signs in on every connection the fake key's companies wait on, as
    pressing Connect would, so notebooks written for the real API (which wait for a person) run unattended."""

    def __init__(self, emulator: Emulator) -> None:
        self._http = emulator.http_client(api_key=FAKE_KEY)
        self._stop = threading.Event()
        self.linked = 0
        self.failures: list[str] = []
        self._thread = threading.Thread(target=self._run, name="customer", daemon=True)

    def __enter__(self) -> Customer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._http.close()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            page, seen = 1, 0
            while True:
                body = self._http.get("/companies", params={"page": page, "pageSize": 100}).json()
                for company in body.get("results", []):
                    for connection in company.get("dataConnections") or []:
                        if connection["status"] == "PendingAuth":
                            self._authorize(company["id"], connection["id"])
                seen += len(body.get("results", []))
                if not body.get("results") or seen >= body.get("totalResults", 0):
                    break
                page += 1

    def _authorize(self, company_id: str, connection_id: str) -> None:
        answer = self._http.post(f"/_sandbox/companies/{company_id}/connections/{connection_id}/authorize")
        if answer.status_code == 200:
            self.linked += 1
        else:
            self.failures.append(f"{answer.status_code} {answer.text[:200]}")


# -- notebooks ---------------------------------------------------------------------------------------------


def _with_debug_logging(name: str, log: Path, folder: Path) -> Path:
    """A copy of the notebook whose first cell turns DEBUG logging on for every logger, into ``log``."""
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    source = f"import logging\nlogging.basicConfig(level=logging.DEBUG, filename={str(log)!r}, force=True, format='%(name)s %(levelname)s %(message)s')"
    notebook["cells"].insert(0, {"cell_type": "code", "id": "debug-logging", "metadata": {}, "execution_count": None, "outputs": [], "source": source})
    copy = folder / f"in_{name}.ipynb"
    copy.write_text(json.dumps(notebook))
    return copy


@pytest.mark.parametrize("name", sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")))
def test_notebooks_against_a_served_sandbox__never_show_the_key(
    name: str, served: tuple[Emulator, str], key_in_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    emulator, url = served
    monkeypatch.setenv("CODAT_BASE_URL", url)
    log, out = tmp_path / f"{name}.log", tmp_path / f"{name}.ipynb"
    # 00 speaks raw HTTP and takes its key as a parameter: passed, papermill would write the key into the
    # saved notebook's parameters cell, so it runs on its own default key (the env key is still set).
    parameters = {"SANDBOX_URL": url} if name == "00_sandbox_api" else NOTEBOOK_PARAMETERS.get(name, {})
    started = time.perf_counter()
    with Customer(emulator) as customer:
        papermill.execute_notebook(
            str(_with_debug_logging(name, log, tmp_path)), str(out), parameters=parameters, kernel_name="python3",
            cwd=str(NOTEBOOKS), progress_bar=False, log_output=False, execution_timeout=300,
        )  # fmt: skip
    saved = out.read_text()
    assert_clean(saved, f"saved {name}.ipynb")
    assert_clean(shown(json.loads(saved)), f"{name}'s outputs")
    logged = log.read_text()
    assert_clean(logged, f"{name}'s DEBUG log")
    captured = capfd.readouterr()
    assert_clean(captured.out + captured.err, f"{name}'s kernel stdout/stderr")
    assert customer.failures == []
    # Not vacuous: the notebook reached the served Sandbox, and the log saw its requests.
    assert url.split("//")[1] in logged or name == "app", f"{name} logged no request to the served Sandbox"
    print(f"\n{name}: {time.perf_counter() - started:.1f} s, {customer.linked} connection(s) linked by the customer, "
          f"{len(logged.splitlines())} log lines, {len(saved) // 1024} kB saved")  # fmt: skip


# -- widgets -----------------------------------------------------------------------------------------------


def _everything_shown(widget: Any, seen: set[int] | None = None) -> str:
    """Every text a widget tree shows: values, labels, options, tooltips, reprs, and the problem text."""
    import ipywidgets

    seen = set() if seen is None else seen
    if id(widget) in seen:
        return ""
    seen.add(id(widget))
    # The field the key was pasted into holds it as typed (its value, so its repr): what matters is that
    # nothing else shows it.
    typed_into = isinstance(widget, (ipywidgets.Text, ipywidgets.Textarea)) and widget.value == FAKE_KEY
    # ipywidgets' own repr of a Box repeats its children's, walked below one by one; codat_nb's reprs are checked.
    generic_box = isinstance(widget, ipywidgets.Box) and type(widget).__repr__ is ipywidgets.Box.__repr__
    parts = ["" if typed_into or generic_box else repr(widget), str(getattr(widget, "problem", "") or "")]
    for attribute in ("value", "description", "placeholder", "tooltip", "options", "_options_labels", "label"):
        value = getattr(widget, attribute, None)
        if attribute == "value" and typed_into:
            continue
        if isinstance(value, (str, tuple, list)):
            parts.append(repr(value))
    for child in getattr(widget, "children", ()) or ():
        parts.append(_everything_shown(child, seen))
    for value in vars(widget).values() if hasattr(widget, "__dict__") else ():
        if hasattr(value, "children") or hasattr(value, "feedback"):
            parts.append(_everything_shown(value, seen))
    return "\n".join(parts)


async def _drive(make: Callable[[], Any], actions: Callable[[Any], list[Callable[[], Any]]]) -> list[str]:
    """Build a widget, let it load, then do each of ``actions`` (what pressing a button does) in turn;
    everything it showed after each step, and every error a step raised."""
    try:
        widget = make()
    except CodatError as error:  # a bad argument refused at once, as a message
        return [everything_about(error)]
    seen: list[str] = []
    for step in [lambda: None, *actions(widget)]:
        try:
            done = step()
            if asyncio.iscoroutine(done):
                await done
            if hasattr(widget, "wait"):
                await widget.wait()
        except CodatError as error:
            seen.append(everything_about(error))
        seen.append(_everything_shown(widget))
    return seen


def _widget_cases(tmp: Path) -> dict[str, tuple[Callable[[Any], Any], Callable[[Any], list[Callable[[], Any]]]]]:
    from codat_nb.widgets import CompanyPicker, ConnectWizard, CreateCompanyForm, DataExplorer, LinkPanel, PortalApp, SyncPanel, SyncSettingsEditor

    def paste_key(form: Any) -> list[Callable[[], Any]]:  # the key pasted into the name field, then Create
        return [lambda: setattr(form.name, "value", FAKE_KEY), form.submit]

    return {
        "CompanyPicker": (CompanyPicker, lambda w: [w.refresh, lambda: w.pick(UNKNOWN_ID)]),
        "CreateCompanyForm": (CreateCompanyForm, paste_key),
        "DataExplorer": (
            lambda c: DataExplorer(c, export_dir=tmp),
            lambda w: [lambda: w.show(UNKNOWN_ID), lambda: w.select("invoices"), w.export, lambda: w.show(FAKE_KEY)],
        ),
        "LinkPanel": (lambda c: LinkPanel(c, UNKNOWN_ID), lambda w: [w.refresh, w.watch, lambda: w.show(FAKE_KEY)]),
        "SyncPanel": (lambda c: SyncPanel(c, UNKNOWN_ID), lambda w: [w.refresh_all, w.watch, lambda: w.show(FAKE_KEY)]),
        "SyncSettingsEditor": (lambda c: SyncSettingsEditor(c, UNKNOWN_ID), lambda w: [w.save, lambda: w.show(FAKE_KEY)]),
        "ConnectWizard": (ConnectWizard, lambda w: paste_key(w.create)),
        "PortalApp": (lambda c: PortalApp(c, company=UNKNOWN_ID), lambda w: []),
    }


@pytest.mark.parametrize("where", ["401", "unreachable"])
def test_widgets_failing__never_show_the_key(where: str, refusing: str, key_in_env: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    base_url = refusing if where == "401" else "http://127.0.0.1:9"  # nothing listens on port 9
    shown_problems = 0
    for name, (make, actions) in _widget_cases(tmp_path).items():

        async def scenario() -> list[str]:
            async with AsyncClient(FAKE_KEY, base_url, retries=False, timeout=2) as client:
                return await _drive(lambda: make(client), actions)

        seen = asyncio.run(scenario())
        for text in seen:
            assert_clean(text, f"{name} ({where})")
        shown_problems += any(sign in text for text in seen for sign in ("Codat answered 401", "No answer from Codat", "AuthError", "TransportError"))
    assert shown_problems >= 6, f"only {shown_problems} widgets showed the failure inline"  # not vacuous
    assert assert_logged_clean(caplog) > 0


# -- CLI ---------------------------------------------------------------------------------------------------

#: The CLI's own entry point (codat-nb = codat_nb.cli:main), with DEBUG logging on for every logger.
_CLI = "import logging, sys; logging.basicConfig(level=logging.DEBUG); from codat_nb.cli import main; sys.exit(main(sys.argv[1:]))"


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _CLI, *argv], capture_output=True, text=True, env=env, timeout=120)


def test_cli__help_and_failing_commands_never_show_the_key(served: tuple[Emulator, str], refusing: str, tmp_path: Path) -> None:
    _, url = served
    env = {**os.environ, "CODAT_API_KEY": FAKE_KEY, "CODAT_BASE_URL": url}
    out = str(tmp_path / "exports")
    cases: list[tuple[tuple[str, ...], dict[str, str], int]] = [
        (("--help",), {}, 0), (("export", "--help"), {}, 0), (("walkthrough", "--help"), {}, 0),
        (("sandbox", "serve", "--help"), {}, 0), (("lab", "--help"), {}, 0), (("app", "--help"), {}, 0),
        ((FAKE_KEY,), {}, 2),  # argparse's "invalid choice"
        (("export", "--company", FAKE_KEY, "--out", out), {}, 2),
        (("export", "--company", UNKNOWN_ID, "--data-type", FAKE_KEY, "--out", out), {}, 2),
        (("export", "--company", UNKNOWN_ID, "--out", out, "--format", FAKE_KEY), {}, 2),
        (("export", "--company", UNKNOWN_ID, "--out", out, "--report-periods", FAKE_KEY), {}, 2),
        (("export", "--company", UNKNOWN_ID, "--out", out, "--base-url", FAKE_KEY), {}, 2),
        (("export", "--company", UNKNOWN_ID, "--out", out, FAKE_KEY), {}, 2),  # unrecognized arguments
        (("export", "--company", UNKNOWN_ID, "--out", out), {}, 1),  # 404 from the served Sandbox
        (("export", "--company", UNKNOWN_ID, "--out", out), {"CODAT_BASE_URL": refusing}, 1),  # 401
        (("export", "--company", UNKNOWN_ID, "--out", out), {"CODAT_BASE_URL": "http://127.0.0.1:9"}, 1),  # transport
        (("walkthrough", "--base-url", FAKE_KEY), {}, 2),
        (("walkthrough", "--timeout", "5"), {"CODAT_BASE_URL": refusing}, 1),  # 401
        (("sandbox", "serve", "--port", FAKE_KEY), {}, 2),
        (("sandbox", "serve", "--public-url", FAKE_KEY), {}, 2),
        (("lab", "--port", FAKE_KEY), {}, 2),
    ]  # fmt: skip
    for argv, extra, status in cases:
        done = _cli(*argv, env={**env, **extra})
        shown_as = " ".join("<key>" if a == FAKE_KEY else a for a in argv)
        assert done.returncode == status, f"codat-nb {shown_as}: exit {done.returncode}\n{done.stderr[-600:]}"
        assert_clean(done.stdout + done.stderr, f"codat-nb {shown_as}")
        assert "Traceback" not in done.stderr, f"codat-nb {shown_as}: {done.stderr[-600:]}"
        if status:
            assert done.stderr.strip(), f"codat-nb {shown_as} failed silently"
    # The installed script itself, as a user types it.
    script = Path(sys.executable).with_name("codat-nb")
    done = subprocess.run([str(script), FAKE_KEY], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "invalid choice: '***'" in done.stderr
    assert_clean(done.stdout + done.stderr, "codat-nb <key>")


# -- failing calls ------------------------------------------------------------------------------------------


def _calls(client: Any, company_id: str) -> dict[str, Callable[[], Any]]:
    """Failing calls, keyed by what fails: the server's answers and arguments that hold the key."""
    return {
        "404 get_company": lambda: client.get_company(UNKNOWN_ID),
        "404 list_records": lambda: client.list_records(UNKNOWN_ID, "invoices"),
        "400 query": lambda: client.list_companies(query="name=~~"),
        "key in query": lambda: client.list_companies(query=f"name={FAKE_KEY}"),  # refused: a URL would carry it
        "key as company_id": lambda: client.get_company(FAKE_KEY),
        "key as data_type": lambda: client.list_records(company_id, FAKE_KEY),
        "key in data_types": lambda: client.wait_for_sync(company_id, data_types=[FAKE_KEY]),
        "key as platform_key": lambda: client.create_connection(company_id, FAKE_KEY),
        "key as record_id": lambda: client.get_record(company_id, "invoices", FAKE_KEY),
        "key as page_size": lambda: client.get_page(company_id, "invoices", page_size=FAKE_KEY),
        "base64 as company_id": lambda: client.get_company(FORMS["its base64"]),
        "header as company_id": lambda: client.get_company("Basic " + FORMS["its base64"]),
        "half the key as data_type": lambda: client.refresh_data_type(company_id, FAKE_KEY[20:50]),
    }


def _collect(client: Client, company_id: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for what, call in _calls(client, company_id).items():
        try:
            call()
        except CodatError as error:
            seen[what] = everything_about(error)
        else:
            raise AssertionError(f"{what}: no error")
        seen[f"{what} (curl)"] = client.last_request_as_curl()
    return seen


@pytest.mark.parametrize("kind", ["Client", "AsyncClient"])
def test_failing_calls__never_show_the_key(kind: str, served: tuple[Emulator, str], refusing: str, key_in_env: str,
                                           monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)  # every logger: httpx's, httpcore's, uvicorn's, the client's
    _, url = served
    monkeypatch.setenv("CODAT_BASE_URL", url)
    with Client(FAKE_KEY, url) as maker:
        company_id = maker.create_company("Leak Check Ltd").id
    seen: dict[str, str] = {}
    if kind == "Client":
        with Client.from_env(retries=False) as client:
            seen |= _collect(client, company_id)
        for base_url, what in ((refusing, "401"), ("http://127.0.0.1:9", "transport")):
            with Client(FAKE_KEY, base_url, retries=False, timeout=2) as client:
                seen |= {f"{what} {k}": v for k, v in _collect(client, company_id).items()}
    else:

        async def run_all() -> None:
            async with AsyncClient.from_env(retries=False) as client:
                seen.update(await _acollect(client, company_id))
            for base_url, what in ((refusing, "401"), ("http://127.0.0.1:9", "transport")):
                async with AsyncClient(FAKE_KEY, base_url, retries=False, timeout=2) as client:
                    seen.update({f"{what} {k}": v for k, v in (await _acollect(client, company_id)).items()})

        asyncio.run(run_all())
    for what, text in seen.items():
        assert_clean(text, what)
    assert "AuthError" in seen["401 404 get_company"] and "TransportError" in seen["transport 404 get_company"]
    assert "NotFoundError" in seen["404 get_company"] and "APIError" in seen["400 query"]
    assert "***" in seen["key as data_type"] and "$CODAT_API_KEY" in seen["404 get_company (curl)"]
    assert assert_logged_clean(caplog) > 20


async def _acollect(client: AsyncClient, company_id: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for what, call in _calls(client, company_id).items():
        try:
            await call()
        except CodatError as error:
            seen[what] = everything_about(error)
        else:
            raise AssertionError(f"{what}: no error")
        seen[f"{what} (curl)"] = client.last_request_as_curl()
    return seen
