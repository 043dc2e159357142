"""codat_nb.link_server and the embedded Sandbox's Link URLs: served lazily on loopback, addressed as
the user's browser sees them (directly, or through jupyter-server-proxy on JupyterHub/Binder)."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from codat_nb import Client, Sandbox
from codat_nb.link_server import LinkServer, browser_url
from codat_nb.sandbox import DEFAULT_BASE_URL, Emulator


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8123"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/"}, "/user/alice/proxy/8123"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/hub-prefix/user/bob"}, "/hub-prefix/user/bob/proxy/8123"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/"}, "/proxy/8123"),
        ({"CODAT_NB_LINK_URL": "https://example.test/proxy/{port}/", "JUPYTERHUB_SERVICE_PREFIX": "/user/x/"}, "https://example.test/proxy/8123"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "  "}, "http://127.0.0.1:8123"),
    ],
    ids=["local", "hub", "hub-base-url", "root-prefix", "template-wins", "blank-prefix"],
)
def test_browser_url(environ: dict[str, str], expected: str) -> None:
    assert browser_url(8123, environ) == expected


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("codat-sandbox ")]


def test_the_sandbox_serves_its_link_pages_only_once_a_link_url_is_handed_out() -> None:
    before = len(_server_threads())
    with Sandbox(seed=0, manual_clock=True) as sandbox, sandbox.client() as client:
        client.list_companies()
        assert not sandbox.link_server.running and len(_server_threads()) == before  # nothing served yet
        company = client.create_company("Platypus Properties")
        assert sandbox.link_server.running and len(_server_threads()) == before + 1
        assert company.redirect.startswith("http://127.0.0.1:")
        assert company.redirect == f"{sandbox.link_url()}/link/company/{company.id}"
        # The URL really opens, with no key, as the customer's browser would open it.
        page = httpx.get(company.redirect, timeout=10)
        assert page.status_code == 200 and "<title>Link - Platypus Properties</title>" in page.text
        connection = client.create_connection(company.id, "mqjo")
        assert connection.link_url.startswith(sandbox.link_url() + "/link/companies/")
        assert httpx.post(connection.link_url, timeout=10).status_code == 303
        assert client.get_connection(company.id, connection.id).status == "Linked"
        # In-process requests still go through the transport, never the port.
        assert client.last_request_as_curl().startswith(f"curl {DEFAULT_BASE_URL}/")
    assert len(_server_threads()) == before  # closing the Sandbox stops serving


def test_on_jupyterhub_the_link_urls_go_through_jupyter_server_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/alice/")
    with Sandbox(seed=0) as sandbox, sandbox.client() as client:
        company = client.create_company("Hub Ltd")
        port = sandbox.link_server.loopback_url.rsplit(":", 1)[1]
        assert company.redirect == f"/user/alice/proxy/{port}/link/company/{company.id}"
        # What jupyter-server-proxy forwards it to is served.
        assert httpx.get(f"{sandbox.link_server.loopback_url}/link/company/{company.id}", timeout=10).status_code == 200


def test_browser_links_off_keeps_the_in_process_origin() -> None:
    with Sandbox(seed=0, browser_links=False) as sandbox, sandbox.client() as client:
        assert sandbox.link_server is None
        assert client.create_company("Quiet Ltd").redirect.startswith(f"{DEFAULT_BASE_URL}/link/company/")


def test_a_served_sandbox_keeps_the_origin_its_requests_came_in_on() -> None:
    with Sandbox(seed=1, manual_clock=True) as sandbox, sandbox.serve() as url, Client("any-key", url, retries=False) as client:
        assert client.create_company("Served Ltd").redirect.startswith(url + "/link/company/")
        assert not sandbox.link_server.running


def test_a_port_that_cannot_be_bound_leaves_the_in_process_origin_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = Emulator(seed=0)
    links = LinkServer(emulator, host="192.0.2.1")  # TEST-NET-1: not an address of this machine
    emulator.public_url = lambda origin: links.url()
    with emulator.http_client() as http:
        answer = http.post("/companies", json={"name": "Unreachable Ltd"})
    assert answer.status_code == 200  # the API answer does not fail for want of a Link server
    assert answer.json()["redirect"].startswith(DEFAULT_BASE_URL)
    assert "could not be served" in caplog.text and not links.running
    emulator.close()


def test_from_env_keeps_its_sandbox_reachable_and_closes_it_with_the_client() -> None:
    before = len(_server_threads())
    client = Client.from_env()
    assert isinstance(client.sandbox, Sandbox)
    company = client.create_company("Customer Side Ltd")
    connection = client.create_connection(company.id)
    client.sandbox.authorize(company.id, connection.id)  # "authorise as the customer", from code
    assert client.get_connection(company.id, connection.id).status == "Linked"
    assert client.as_async().sandbox is client.sandbox
    client.close()
    assert len(_server_threads()) == before


def test_loopback_only() -> None:
    with Sandbox(seed=0) as sandbox:
        url = sandbox.link_url()
        host, port = url.removeprefix("http://").split(":")
        assert host == "127.0.0.1"
        with socket.socket() as probe:  # the port is taken: it is really listening
            with pytest.raises(OSError):
                probe.bind(("127.0.0.1", int(port)))
