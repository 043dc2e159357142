"""The API key's hygiene: with a fake key, no repr, str, exception, traceback, log record or curl
command shows the key, its base64 form, or the Authorization header value."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import pickle
import random
import re
import string
import traceback
from pathlib import Path

import httpx
import pytest

from codat_nb import AsyncClient, AuthError, Client, CodatError, Secret, TransportError
from codat_nb.sandbox import Emulator, ManualClock

FAKE_KEY = "fAkEkEy0123456789abcdefQWERTY"
FORMS = (FAKE_KEY, base64.b64encode(FAKE_KEY.encode()).decode(), "Basic " + base64.b64encode(FAKE_KEY.encode()).decode())
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def assert_clean(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"{where} shows the key ({form[:6]}...)"
    # Even a fragment would be a leak: no 12-character run of the key or its base64.
    for form in FORMS[:2]:
        for start in range(0, len(form) - 12, 4):
            assert form[start : start + 12] not in text, f"{where} shows part of the key"


def everything_about(error: BaseException) -> str:
    chained = "".join(traceback.format_exception(error))
    return "\n".join([str(error), repr(error), repr(error.args), chained, repr(vars(error))])


@pytest.fixture
def restricted() -> Emulator:
    """An emulator that accepts only another key: every request with the fake one is a 401."""
    emulator = Emulator(seed=0, clock=ManualClock(), api_keys=["the-only-good-key"])
    yield emulator
    emulator.close()


def test_secret_never_shows() -> None:
    secret = Secret(FAKE_KEY)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", "%s" % secret, format(secret, ">40")):
        assert_clean(text, "Secret")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret.reveal() == FAKE_KEY


def test_clients_reprs_hide_the_key() -> None:
    for client in (Client(FAKE_KEY), AsyncClient(FAKE_KEY), Client(FAKE_KEY, "http://127.0.0.1:9")):
        assert_clean(repr(client), "client repr")
        assert_clean(str(client), "client str")
        assert "***" in repr(client)


def test_auth_error_and_logs_hide_the_key(restricted: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx's and httpcore's included
    with Client(FAKE_KEY, "http://sandbox.codat.local", transport=restricted.transport(), retries=False) as client:
        with pytest.raises(AuthError) as caught:
            client.list_companies()
        assert_clean(everything_about(caught.value), "AuthError")
        assert_clean(json.dumps(caught.value.body), "AuthError body")
        assert_clean(client.last_request_as_curl(), "curl")
        assert "$CODAT_API_KEY" in client.last_request_as_curl()
    assert caplog.records, "expected the client to log its requests"
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record from {record.name}")
        assert_clean(repr(record.args), f"log args from {record.name}")


def test_async_auth_error_hides_the_key(restricted: Emulator) -> None:
    async def run() -> AuthError:
        async with AsyncClient(FAKE_KEY, "http://sandbox.codat.local", transport=restricted.transport(), retries=False) as client:
            try:
                await client.get_company("8a210b68-6988-11ed-a1eb-0242ac120002")
            except AuthError as error:
                return error
        raise AssertionError("no AuthError")

    assert_clean(everything_about(asyncio.run(run())), "async AuthError")


def test_transport_error_and_its_cause_hide_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Client(FAKE_KEY, "http://127.0.0.1:9", retries=False, timeout=2) as client:
        with pytest.raises(TransportError) as caught:
            client.list_companies()
    error = caught.value
    assert isinstance(error, CodatError) and isinstance(error.__cause__, httpx.HTTPError)
    assert "127.0.0.1:9" in str(error) and "base_url" in str(error)
    assert_clean(everything_about(error), "TransportError")
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record from {record.name}")


def test_a_key_pasted_as_an_argument_is_not_echoed() -> None:
    """A key pasted where an id or name belongs must not come back in the error that refuses it."""
    with Client(FAKE_KEY) as client:
        for call in (lambda: client.get_company(FAKE_KEY), lambda: client.refresh_data_type(FAKE_KEY, "invoices"),
                     lambda: client.create_connection("8a210b68-6988-11ed-a1eb-0242ac120002", FAKE_KEY)):  # fmt: skip
            with pytest.raises(CodatError) as caught:
                call()
            assert_clean(everything_about(caught.value), "validation error")
            assert "***" in str(caught.value)


def test_stored_notebook_outputs_hold_no_credentials() -> None:
    """What a notebook printed is committed: no Authorization value, no key, ever."""
    credential = re.compile(r"Basic [A-Za-z0-9+/]{8,}=*|CODAT_API_KEY\s*=\s*\S")
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        cells = json.loads(notebook.read_text())["cells"]
        outputs = json.dumps([cell.get("outputs", []) for cell in cells])
        assert not credential.search(outputs), f"{notebook.name}: {credential.search(outputs).group(0)[:12]}..."


# -- a key pasted into an argument: masked whole, cut, or as base64, before any message quotes it ----------

#: As long as Codat's keys: a message cutting an argument to 57 characters would show most of it.
LONG_KEY = "".join(random.Random(72).choices(string.ascii_letters + string.digits, k=72))
LONG_FORMS = (LONG_KEY, base64.b64encode(LONG_KEY.encode()).decode())
COMPANY_ID = "8a210b68-6988-11ed-a1eb-0242ac120002"


def assert_no_run_of(text: str, where: str, forms: tuple[str, ...] = LONG_FORMS, run: int = 12) -> None:
    for form in forms:
        for start in range(len(form) - run + 1):
            assert form[start : start + run] not in text, f"{where} shows {form[start:start + 6]}... (characters {start}-{start + run})"


#: Calls that quote a bad argument, each given the key (or part of it, or its base64) where it does not belong.
PASTED = {
    "get_company(<key>)": lambda c: c.get_company(LONG_KEY),
    "list_records(cid, <key>)": lambda c: c.list_records(COMPANY_ID, LONG_KEY),
    "wait_for_sync(data_types=[<key>])": lambda c: c.wait_for_sync(COMPANY_ID, data_types=[LONG_KEY]),
    "refresh_data_type(cid, <key>)": lambda c: c.refresh_data_type(COMPANY_ID, LONG_KEY),
    "create_connection(cid, <key>)": lambda c: c.create_connection(COMPANY_ID, LONG_KEY),
    "get_record(cid, t, <key>)": lambda c: c.get_record(COMPANY_ID, "invoices", LONG_KEY),
    "get_page(page_size=<key>)": lambda c: c.get_page(COMPANY_ID, "invoices", page_size=LONG_KEY),
    "list_companies(query=<key>)": lambda c: c.list_companies(query=f"name={LONG_KEY}"),
    "create_company(<key>)": lambda c: c.create_company(LONG_KEY),
    "create_company(tags={<key>: v})": lambda c: c.create_company("Tagged", tags={LONG_KEY: "x"}),
    "get_pull_operation(cid, <key>)": lambda c: c.get_pull_operation(COMPANY_ID, LONG_KEY),
    "the key inside other text": lambda c: c.get_company(f"id-{LONG_KEY[10:40]}-end"),
    "the key's first 20 characters": lambda c: c.refresh_data_type(COMPANY_ID, LONG_KEY[:20]),
    "the key's base64": lambda c: c.get_company(LONG_FORMS[1]),
    "a Basic header": lambda c: c.get_company("Basic " + LONG_FORMS[1]),
}


@pytest.mark.parametrize("call", sorted(PASTED))
def test_a_long_key_pasted_into_an_argument_is_masked__client(call: str, emulator: Emulator) -> None:
    with Client(LONG_KEY, "http://sandbox.codat.local", transport=emulator.transport()) as client:
        sent = client.requests_sent
        with pytest.raises(CodatError) as caught:
            PASTED[call](client)
        assert client.requests_sent == sent, "refused before any request: no URL or body carries the key"
    assert_no_run_of(everything_about(caught.value), call)
    assert "***" in str(caught.value)


@pytest.mark.parametrize("call", sorted(PASTED))
def test_a_long_key_pasted_into_an_argument_is_masked__async_client(call: str, emulator: Emulator) -> None:
    async def run() -> CodatError:
        async with AsyncClient(LONG_KEY, "http://sandbox.codat.local", transport=emulator.transport()) as client:
            try:
                await PASTED[call](client)
            except CodatError as error:
                assert client.requests_sent == 0
                return error
        raise AssertionError(f"{call}: no error")

    error = asyncio.run(run())
    assert_no_run_of(everything_about(error), call)
    assert "***" in str(error)


def test_masking_is_done_before_cutting(emulator: Emulator) -> None:
    """The issue's case: cut to 57 characters, 48 of a 72-character key used to show."""
    with Client(LONG_KEY, "http://sandbox.codat.local", transport=emulator.transport()) as client:
        with pytest.raises(CodatError) as caught:
            client.get_company(LONG_KEY)
    assert "got '***' (masked: it holds your API key" in str(caught.value)
    assert "..." not in str(caught.value)


def test_the_key_in_the_environment_is_masked_without_any_client(monkeypatch: pytest.MonkeyPatch) -> None:
    from codat_nb.validation import check_data_type, check_uuid

    monkeypatch.setenv("CODAT_API_KEY", LONG_KEY)
    for check in (lambda: check_uuid(LONG_KEY, "--company"), lambda: check_data_type(LONG_KEY[5:60])):
        with pytest.raises(CodatError) as caught:
            check()
        assert_no_run_of(everything_about(caught.value), "validation with the key in the env")


def test_a_key_given_as_base_url_is_masked() -> None:
    with pytest.raises(CodatError) as caught:
        Client(LONG_KEY, LONG_KEY + "/v1")
    assert_no_run_of(everything_about(caught.value), "base_url")
    assert "base_url must start with http" in str(caught.value)


def test_mask_text__runs_of_the_key_and_its_base64_and_nothing_else() -> None:
    from codat_nb.masking import holds_key, mask_text

    keys = [LONG_KEY]
    assert mask_text(f"got {LONG_KEY[:48]}...", keys) == "got ***..."
    assert mask_text(f"a {LONG_KEY[3:11]} b", keys) == "a *** b"  # 8 characters: a run
    assert mask_text(f"a {LONG_KEY[3:10]} b", keys) == f"a {LONG_KEY[3:10]} b"  # 7: chance, not the key
    assert mask_text(f"Basic {LONG_FORMS[1]}", keys) == "Basic ***"
    assert mask_text("Unknown data type 'invoice'. Did you mean 'invoices'?", keys) == "Unknown data type 'invoice'. Did you mean 'invoices'?"
    assert not holds_key("invoices", keys) and holds_key(["x", LONG_KEY[30:50]], keys)
    # A key shorter than a run is masked only where it appears whole (the embedded Sandbox's is public).
    assert mask_text("a key abc here; abcd", ["abc"]) == "a key *** here; ***d"


def test_only_keys_long_enough_are_masked_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live Secrets and CODAT_API_KEY are masked in every message; a short one (the embedded Sandbox's
    'sandbox') is not, or '/_sandbox/...' paths would lose their words."""
    from codat_nb.masking import known_keys, mask_text

    monkeypatch.setenv("CODAT_API_KEY", "sandbox")
    live = Secret(LONG_KEY)
    assert LONG_KEY in known_keys() and "sandbox" not in known_keys()
    assert mask_text("POST /_sandbox/faults") == "POST /_sandbox/faults"
    assert mask_text(f"x{LONG_KEY[1:30]}") == "x***"
    del live


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "--company", LONG_KEY, "--out", "out"],
        ["export", "--company", COMPANY_ID, "--data-type", LONG_KEY, "--out", "out"],
        ["export", "--company", COMPANY_ID, "--data-type", f"invoices,{LONG_KEY[:40]}", "--out", "out"],
        ["export", "--company", COMPANY_ID, "--out", "out", "--format", LONG_KEY],
        ["export", "--company", COMPANY_ID, "--out", "out", "--base-url", LONG_KEY],
        ["export", "--company", COMPANY_ID, "--out", "out", LONG_KEY],
        [LONG_KEY],
        ["sandbox", "serve", "--port", LONG_KEY],
        ["sandbox", "serve", "--speed", LONG_KEY[:30]],
        ["walkthrough", "--base-url", LONG_KEY],
        ["walkthrough", "--name", "x", "--timeout", LONG_KEY],
    ],
    ids=lambda argv: " ".join("<key>" if LONG_KEY[:20] in a else a for a in argv),
)
def test_a_long_key_pasted_into_a_cli_argument_is_masked(argv: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from codat_nb.cli import main

    monkeypatch.setenv("CODAT_API_KEY", LONG_KEY)
    monkeypatch.chdir(tmp_path)
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2, err
    assert_no_run_of(out + err, " ".join(argv))
    assert "***" in err


def test_a_key_stays_masked_while_any_secret_holding_it_lives() -> None:
    import gc

    from codat_nb.masking import known_keys

    first, second = Secret(LONG_KEY[::-1]), Secret(LONG_KEY[::-1])  # equal Secrets: one must not hide the other
    del first
    gc.collect()
    assert LONG_KEY[::-1] in known_keys()
    del second
    gc.collect()
    assert LONG_KEY[::-1] not in known_keys()


def test_every_codat_error_masks_the_key_at_birth() -> None:
    """The backstop: whatever builds the message (a constructor's check, Codat's answer quoting a request),
    a CodatError's args never hold the key while a Secret holding it lives."""
    from codat_nb.errors import APIError, ValidationError

    live = Secret(LONG_KEY)
    for make in (lambda: Client(LONG_KEY, timeout=LONG_KEY), lambda: Client(LONG_KEY, retries=LONG_KEY)):
        with pytest.raises(CodatError) as caught:
            make()
        assert_no_run_of(everything_about(caught.value), "a constructor's check")
    echoed = APIError(f"Error parsing query - Could not resolve property {LONG_KEY[:40]}", status=400)
    shown = [str(echoed), repr(echoed), repr(echoed.args), "".join(traceback.format_exception(echoed)), repr(ValidationError(LONG_FORMS[1]))]
    assert_no_run_of("\n".join(shown), "an error quoting the key")
    del live
