"""The API key's hygiene: with a fake key, no repr, str, exception, traceback, log record or curl
command shows the key, its base64 form, or the Authorization header value."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import pickle
import re
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
