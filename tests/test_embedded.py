"""codat_nb.Sandbox and Client.from_env: the embedded Sandbox by default, the real API with a key."""

from __future__ import annotations

import asyncio

import pytest

import codat_nb
from codat_nb import AsyncClient, Client, Sandbox
from codat_nb import client as client_module


@pytest.fixture(autouse=True)
def notice_not_yet_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sandbox_notice_shown", False)


def test_from_env_without_a_key_uses_the_embedded_sandbox_and_says_so_once(capsys: pytest.CaptureFixture[str]) -> None:
    with Client.from_env() as first, Client.from_env() as second:
        assert "embedded Sandbox" in repr(first)
        assert first.create_company("Offline Ltd").name == "Offline Ltd"
        assert second.list_companies() == []  # each call gets its own Sandbox
    out = capsys.readouterr().out
    assert out.count("using the embedded Codat Sandbox") == 1


def test_from_env_with_a_key_reaches_that_api(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CODAT_API_KEY", "a-real-looking-key")
    with Client.from_env() as client:
        assert client.base_url == "https://api.codat.io" and "a-real-looking-key" not in repr(client)
    monkeypatch.setenv("CODAT_BASE_URL", "http://127.0.0.1:8787/")
    with Client.from_env() as client:
        assert client.base_url == "http://127.0.0.1:8787"
    assert capsys.readouterr().out == ""


def test_async_from_env_without_a_key() -> None:
    async def run() -> str:
        async with AsyncClient.from_env() as client:
            return (await client.create_company("Async Offline Ltd")).name

    assert asyncio.run(run()) == "Async Offline Ltd"


def test_no_key_at_all_is_a_clear_config_error() -> None:
    with pytest.raises(codat_nb.ConfigError, match="CODAT_API_KEY"):
        Client()


def test_a_served_sandbox_is_reached_with_a_key_and_url() -> None:
    with Sandbox(seed=1, manual_clock=True) as sandbox, sandbox.serve() as url:
        with Client("any-key", url, retries=False) as client:
            company = client.create_company("Served Ltd")
            connection = client.create_connection(company.id)
            # the served Sandbox keeps one tenant per key: sign in as that tenant's customer
            client.get_connection(company.id, connection.id)
            assert company.redirect.startswith(url)


def test_sandbox_authorize_refuses_bad_ids_and_unknown_samples() -> None:
    with Sandbox(manual_clock=True) as sandbox, sandbox.client() as client:
        company = client.create_company("Sample Ltd")
        connection = client.create_connection(company.id)
        with pytest.raises(codat_nb.ValidationError):
            sandbox.authorize("nope", connection.id)
        with pytest.raises(codat_nb.APIError, match="dataset"):
            sandbox.authorize(company.id, connection.id, dataset="no-such-sample")
        assert client.get_connection(company.id, connection.id).status == "PendingAuth"
        sandbox.authorize(company.id, connection.id, dataset="small-uk")
        assert client.get_connection(company.id, connection.id).status == "Linked"
