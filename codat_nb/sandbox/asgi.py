"""The emulator as an ASGI application, for uvicorn (or any ASGI server)."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, quote

from .app import MAX_BODY_BYTES, Emulator
from .http import Request, Response
from .wire_faults import WireRule, cut_length, dribble_chunks

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class ASGIApp:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = to_core_request(scope, await _read_body(receive))
        ticket = self.emulator.begin(request)
        try:  # in flight, for the rate limits, from here until the answer is out
            if ticket.latency:
                await asyncio.sleep(ticket.latency)
            wire = ticket.wire
            if wire is not None and wire.before_handling:
                await _cut(send, wire.kind)
                return
            answer = self.emulator.handle(request, ticket)
            if wire is None:
                await _send(send, answer, answer.body)
            else:
                await _deliver_faulty(send, answer, wire, ticket.draw.cut)
        finally:
            self.emulator.finish(ticket)


async def _start(send: Send, answer: Response, length: int) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    headers.append((b"content-length", str(length).encode()))  # one write, not chunks
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})


async def _send(send: Send, answer: Response, body: bytes) -> None:
    await _start(send, answer, len(body))
    await send({"type": "http.response.body", "body": body})


async def _deliver_faulty(send: Send, answer: Response, wire: WireRule, cut: float) -> None:
    """The answer as the wire fault shapes it (see codat_nb.sandbox.wire_faults)."""
    kind = wire.kind
    if kind == "truncate":
        await _send(send, answer, answer.body[: cut_length(answer.body, cut)])
    elif kind == "dribble":
        await _start(send, answer, len(answer.body))
        for piece in dribble_chunks(answer.body, wire):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
            await asyncio.sleep(wire.delay_ms / 1000)
        await send({"type": "http.response.body", "body": b""})
    elif kind == "drop" and answer.body:
        # Promise the whole body, send part of it, then close.
        await _start(send, answer, len(answer.body))
        await send({"type": "http.response.body", "body": answer.body[: cut_length(answer.body, cut)], "more_body": True})
        transport = _transport_of(send)
        if transport is None:  # another ASGI server: raising mid-body makes it close the connection
            raise _CutShort("drop")
        transport.close()
        await _closed(send)
    else:  # reset, empty, or a drop with no body to cut
        await _cut(send, "empty" if kind == "drop" else kind)


class _CutShort(Exception):
    """Raised after a partial answer where the server's transport is out of reach: servers then close."""


async def _cut(send: Send, kind: str) -> None:
    """End the connection without an answer byte: ``reset`` sends a TCP RST, ``empty`` a plain close."""
    transport = _transport_of(send)
    if transport is None:
        # No socket to reach: a start promising a body that never comes is the nearest thing.
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"1")]})
        raise _CutShort(kind)
    if kind == "reset":
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    await _closed(send)


def _transport_of(send: Send) -> asyncio.Transport | None:
    """uvicorn's connection transport: ``send`` is its RequestResponseCycle's bound ``send``."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) else None


async def _closed(send: Send) -> None:
    """Let the server see the connection go (a loop turn or two) so it does not log a broken answer."""
    cycle = getattr(send, "__self__", None)
    for turn in range(210):  # a big unsent buffer takes a moment to flush before the close
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0 if turn < 10 else 0.005)


async def _read_body(receive: Receive) -> bytes:
    """The body, stopping one byte past the limit so a huge upload cannot exhaust memory."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk[: MAX_BODY_BYTES + 1 - size])
            size += len(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def to_core_request(scope: Scope, body: bytes) -> Request:
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    base_url = f"{scope.get('scheme', 'http')}://{host}"
    query = tuple(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    return Request(scope["method"], path or "/", query, headers, body, base_url)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
