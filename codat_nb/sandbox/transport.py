"""An httpx transport that carries requests to an in-process emulator: no port, no network."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Generator
from urllib.parse import parse_qsl

import httpx

from .app import Emulator
from .http import Request


def to_core_request(request: httpx.Request, body: bytes) -> Request:
    raw = request.url.raw_path.decode("ascii")
    path, _, query = raw.partition("?")
    base_url = f"{request.url.scheme}://{request.url.netloc.decode('ascii')}"
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in request.headers.raw}
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    return Request(request.method, path or "/", pairs, headers, body, base_url)


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
        answer = self.emulator.handle(core)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = to_core_request(request, await request.aread())
        delay = self.emulator.latency_seconds(core)
        if delay:
            await asyncio.sleep(delay)
        answer = self.emulator.handle(core)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body, request=request)


class BasicKeyAuth(httpx.Auth):
    """Codat's auth header, ``Basic base64(key)``; its repr never shows the key."""

    def __init__(self, api_key: str) -> None:
        self._header = "Basic " + base64.b64encode(api_key.encode()).decode()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BasicKeyAuth('***')"
