"""An httpx transport that carries requests to an in-process emulator: no port, no network."""

from __future__ import annotations

import asyncio
import functools
import base64
import time
from typing import Any, AsyncIterator, Iterator
from urllib.parse import parse_qsl

import httpx

from .app import Emulator, Ticket
from .http import Request, Response
from .wire_faults import WireRule, cut_length, dribble_chunks


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
    async one, so concurrent async requests overlap as they would over a network. Wire faults
    (codat_nb.sandbox.wire_faults) raise what httpx raises on a real connection: ``ReadError``
    for a reset, ``RemoteProtocolError`` for an empty answer or a body cut short.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core = to_core_request(request, request.read())
        ticket = self.emulator.begin(core)
        try:
            if ticket.latency:
                time.sleep(ticket.latency)
            return self._answer(core, ticket, request, _Dribble)
        finally:
            self.emulator.finish(ticket)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core = to_core_request(request, await request.aread())
        ticket = self.emulator.begin(core)
        try:
            if ticket.latency:
                await asyncio.sleep(ticket.latency)
            return self._answer(core, ticket, request, _AsyncDribble)
        finally:
            self.emulator.finish(ticket)

    def _answer(self, core: Request, ticket: Ticket, request: httpx.Request, dribble: type) -> httpx.Response:
        wire = ticket.wire
        if wire is not None and wire.before_handling:
            raise _lost(wire.kind, request)
        answer = self.emulator.handle(core, ticket)
        if wire is None:
            return _to_httpx(answer, request)
        if wire.kind == "truncate":
            return _to_httpx(Response(answer.status, answer.headers, answer.body[: cut_length(answer.body, ticket.draw.cut)]), request)
        if wire.kind == "dribble":
            return _to_httpx(answer, request, dribble(answer.body, wire))
        if wire.kind == "drop" and answer.body:
            kept = answer.body[: cut_length(answer.body, ticket.draw.cut)]
            return _to_httpx(answer, request, _Dropped(kept, len(answer.body), request))
        raise _lost("empty" if wire.kind == "drop" else wire.kind, request)


def _lost(kind: str, request: httpx.Request) -> httpx.TransportError:
    """The error httpx raises when a real connection is reset, or closed before any answer."""
    if kind == "reset":
        return httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


class _Dropped(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Part of a body, then the connection closes although content-length promised more."""

    def __init__(self, kept: bytes, promised: int, request: httpx.Request) -> None:
        self._kept, self._promised, self._request = kept, promised, request

    def _error(self) -> httpx.RemoteProtocolError:
        message = "peer closed connection without sending complete message body "
        message += f"(received {len(self._kept)} bytes, expected {self._promised})"
        return httpx.RemoteProtocolError(message, request=self._request)

    def __iter__(self) -> Iterator[bytes]:
        yield self._kept
        raise self._error()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._kept
        raise self._error()


class _Dribble(httpx.SyncByteStream):
    """The whole body in small pieces, each after a short (blocking) pause."""

    def __init__(self, body: bytes, wire: WireRule) -> None:
        self._body, self._wire = body, wire

    def __iter__(self) -> Iterator[bytes]:
        for piece in dribble_chunks(self._body, self._wire):
            time.sleep(self._wire.delay_ms / 1000)
            yield piece


class _AsyncDribble(httpx.AsyncByteStream):
    """The whole body in small pieces, each after a short awaited pause."""

    def __init__(self, body: bytes, wire: WireRule) -> None:
        self._body, self._wire = body, wire

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in dribble_chunks(self._body, self._wire):
            await asyncio.sleep(self._wire.delay_ms / 1000)
            yield piece


def _to_httpx(answer: Response, request: httpx.Request, stream: Any = None) -> httpx.Response:
    # A ByteStream with our own content-length: httpx then reads the body once (in the
    # client) instead of twice, which is most of what a transport can save per request.
    headers = [*answer.headers, ("content-length", str(len(answer.body)))]
    body = httpx.ByteStream(answer.body) if stream is None else stream
    return httpx.Response(answer.status, headers=headers, stream=body, request=request)


def basic_auth_headers(api_key: str) -> httpx.Headers:
    """Codat's auth header, ``Basic base64(key)``; httpx's repr of it shows ``[secure]``."""
    return httpx.Headers({"Authorization": "Basic " + base64.b64encode(api_key.encode()).decode()})
