"""to_curl: a runnable command that repeats the request, with the key read from $CODAT_API_KEY."""

from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from codat_nb.curl import AUTH_FROM_ENV, RecordedRequest, to_curl

KEY = "fAkEkEy0123456789abcdefQWERTY"
BASIC = "Basic " + base64.b64encode(KEY.encode()).decode()
JSON = (("Content-Type", "application/json"),)
BASH = shutil.which("bash")


def request(method: str = "GET", url: str = "https://api.codat.io/companies", headers=(), body: bytes = b"") -> RecordedRequest:
    return RecordedRequest(method, url, tuple(headers), body)


def argv(command: str) -> list[str]:
    """The arguments a POSIX shell passes to curl (before expanding $(...))."""
    return shlex.split(command.replace("\\\n", " "))


def run_in_bash(command: str, key: str = KEY) -> list[str]:
    """What bash really passes to curl, $(...) expanded: a shell function named curl prints its argv."""
    shim = 'curl() { printf "%s\\0" curl "$@"; }\n'
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CODAT_API_KEY": key}
    done = subprocess.run([BASH, "-c", shim + command], env=env, capture_output=True, timeout=10, check=True)
    return done.stdout.decode().split("\0")[:-1]


CASES = {
    "get": (request(), ["curl", "https://api.codat.io/companies"]),
    "get-query": (
        request(url="https://api.codat.io/companies?page=1&pageSize=5&query=name%3D%27Acme%27&orderBy=-modifiedDate"),
        ["curl", "https://api.codat.io/companies?page=1&pageSize=5&query=name%3D%27Acme%27&orderBy=-modifiedDate"],
    ),
    "post-json": (
        request("POST", headers=JSON, body=b'{"name":"Acme Ltd","description":null}'),
        ["curl", "-X", "POST", "https://api.codat.io/companies", "-H", "Content-Type: application/json",
         "--data-raw", '{"name":"Acme Ltd","description":null}'],
    ),
    "single-quote": (
        request("POST", headers=JSON, body=b'{"name":"O\'Brien\'s"}'),
        ["curl", "-X", "POST", "https://api.codat.io/companies", "-H", "Content-Type: application/json",
         "--data-raw", '{"name":"O\'Brien\'s"}'],
    ),
    "shell-metacharacters": (
        request("PUT", url="https://api.codat.io/companies/x", headers=JSON,
                body=b'{"name":"$(rm -rf ~) `id` $HOME; echo \\"hi\\" & | > <"}'),
        ["curl", "-X", "PUT", "https://api.codat.io/companies/x", "-H", "Content-Type: application/json",
         "--data-raw", '{"name":"$(rm -rf ~) `id` $HOME; echo \\"hi\\" & | > <"}'],
    ),
    "unicode-and-newline": (
        request("PATCH", headers=JSON, body='{"name":"Café\\nLtd ✓"}'.encode()),
        ["curl", "-X", "PATCH", "https://api.codat.io/companies", "-H", "Content-Type: application/json",
         "--data-raw", '{"name":"Café\\nLtd ✓"}'],
    ),
    "delete": (request("DELETE", url="https://api.codat.io/companies/x"), ["curl", "-X", "DELETE", "https://api.codat.io/companies/x"]),
    "accept-shown-noise-hidden": (
        request(headers=(("Accept", "application/json"), ("User-Agent", "codat-nb/0.1"), ("accept-encoding", "gzip"),
                         ("Authorization", BASIC), ("authorization", "Basic " + KEY))),
        ["curl", "https://api.codat.io/companies", "-H", "Accept: application/json"],
    ),
}  # fmt: skip


def expected_with_auth(expected: list[str], auth: str) -> list[str]:
    """The expected argv with the Authorization header in its place, right after the URL."""
    at = expected.index(next(arg for arg in expected if arg.startswith("http"))) + 1
    return [*expected[:at], "-H", auth, *expected[at:]]


@pytest.mark.parametrize(("recorded", "expected"), CASES.values(), ids=CASES.keys())
def test_to_curl__parses_back_to_the_request(recorded: RecordedRequest, expected: list[str]) -> None:
    command = to_curl(recorded)
    assert argv(command) == expected_with_auth(expected, "Authorization: Basic $(printf %s $CODAT_API_KEY | base64 | tr -d '\\n')")


@pytest.mark.skipif(BASH is None, reason="needs bash")
@pytest.mark.parametrize(("recorded", "expected"), CASES.values(), ids=CASES.keys())
def test_to_curl__bash_passes_the_right_argv(recorded: RecordedRequest, expected: list[str]) -> None:
    # Only the key from the environment: the header is computed by the shell, the body reaches curl byte for byte.
    assert run_in_bash(to_curl(recorded)) == expected_with_auth(expected, f"Authorization: {BASIC}")


@pytest.mark.parametrize(("recorded", "expected"), CASES.values(), ids=CASES.keys())
def test_to_curl__never_shows_the_key(recorded: RecordedRequest, expected: list[str]) -> None:
    command = to_curl(recorded)
    for form in (KEY, base64.b64encode(KEY.encode()).decode(), BASIC):
        assert form not in command
    assert command.count("Authorization") == 1
    assert '"$CODAT_API_KEY"' in command


def test_to_curl__layout() -> None:
    command = to_curl(request("POST", headers=JSON, body=b'{"a":1}'))
    assert command.splitlines() == [
        "curl -X POST https://api.codat.io/companies \\",
        f"  -H {AUTH_FROM_ENV} \\",
        "  -H 'Content-Type: application/json' \\",
        """  --data-raw '{"a":1}'""",
    ]


def test_to_curl__no_body_no_data_flag() -> None:
    assert "--data-raw" not in argv(to_curl(request("POST", headers=JSON)))


# -- for real: curl against a loopback server ------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.seen.append({
            "method": self.command, "path": self.path, "authorization": self.headers.get("Authorization"),
            "content_type": self.headers.get("Content-Type"), "body": self.rfile.read(length),
        })  # fmt: skip
        payload = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.mark.skipif(BASH is None or shutil.which("curl") is None or shutil.which("base64") is None, reason="needs bash, curl, base64")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/companies?page=1&pageSize=5&query=name%3D%27A%27", b""),
        ("POST", "/companies", json.dumps({"name": "O'Brien & Sons $(id)", "description": "tab\there"}).encode()),
    ],
)
def test_to_curl__runs_for_real(server: str, method: str, path: str, body: bytes) -> None:
    command = to_curl(request(method, server + path, JSON if body else (), body))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CODAT_API_KEY": KEY}
    done = subprocess.run([BASH, "-c", command + " --silent --show-error --noproxy '*'"], env=env, capture_output=True, timeout=10)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout) == {"ok": True}
    [seen] = Recorder.seen
    assert seen["method"] == method and seen["path"] == path
    assert seen["authorization"] == BASIC
    assert seen["body"] == body
    if body:
        assert seen["content_type"] == "application/json"
