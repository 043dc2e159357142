"""An httpx transport that carries requests to an in-process emulator: no port, no network."""

from __future__ import annotations

import asyncio
import functools
import base64
import time
from urllib.parse import parse_qsl

import httpx

from .app import Emulator
from .http import Request, Response


def to_core_request(request: httpx.Request, body: bytes) -> Request:
    url = request.url
    path, _, query = url.raw_path.decode("ascii").partition("?")
    pairs = tuple(parse_qsl(query, keep_blank_values=True)) if query else ()
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in request.headers.raw}
    return Request(request.method, path or "/", pairs, headers, body, _origin(url.scheme, url.netloc))


@functools.lru_cache(maxsize=64)
def _origin(scheme: str, netloc: bytes) -> str:
    return f"{scheme}://{netloc.decode('ascii')}"


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Use with ``httpx.Client(transport=...)`` or ``httpx.AsyncClient(transport=...)``.

    Latency set on the emulator is slept here: blocking in a sync client, awaited in an
    async one, so concurrent async requests overlap as they would over a network.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = to_core_request(request, request.read())
        delay = self.emulator.latency_seconds(core)
        if delay:
            time.sleep(delay)
        return _to_httpx(self.emulator.handle(core), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = to_core_request(request, await request.aread())
        delay = self.emulator.latency_seconds(core)
        if delay:
            await asyncio.sleep(delay)
        return _to_httpx(self.emulator.handle(core), request)


def _to_httpx(answer: Response, request: httpx.Request) -> httpx.Response:
    # A ByteStream with our own content-length: httpx then reads the body once (in the
    # client) instead of twice, which is most of what a transport can save per request.
    headers = [*answer.headers, ("content-length", str(len(answer.body)))]
    return httpx.Response(answer.status, headers=headers, stream=httpx.ByteStream(answer.body), request=request)


def basic_auth_headers(api_key: str) -> httpx.Headers:
    """Codat's auth header, ``Basic base64(key)``; httpx's repr of it shows ``[secure]``."""
    return httpx.Headers({"Authorization": "Basic " + base64.b64encode(api_key.encode()).decode()})
