"""Serving the emulator over HTTP with uvicorn: in the foreground (the CLI) or on a background thread."""

from __future__ import annotations

import signal
import socket
import threading
from typing import Callable

import uvicorn

from .app import Emulator
from .asgi import ASGIApp


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one. Binding here lets us report the real port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP (not 0) so asyncio sets TCP_NODELAY on accepted connections; without it
    # every keep-alive answer waits ~40 ms on the peer's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"Cannot listen on {host}:{port}: {exc.strerror}. Pick another --port (0 picks a free one).") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._on_ready is not None and not self.should_exit:
            self._on_ready()


def _config(emulator: Emulator, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        ASGIApp(emulator), log_level=log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )


class _Stopped(Exception):
    """A stop signal, re-raised by uvicorn after its graceful shutdown."""


def _stop(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


def serve(emulator: Emulator, host: str, port: int, on_ready: Callable[[str], None], log_level: str = "warning") -> None:
    """Serve until Ctrl-C or SIGTERM, then shut down gracefully and return.

    uvicorn catches both signals, drains connections, and then raises the signal again;
    our own handlers turn that into a normal return instead of a killed process.
    """
    sock = bind(host, port)
    url = base_url_of(sock)
    server = _Server(_config(emulator, log_level), lambda: on_ready(url))
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        emulator.close()


class BackgroundServer:
    """A real uvicorn server on a loopback port, on a thread: for tests and notebooks.

    >>> with BackgroundServer(Emulator()) as url: ...
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._sock = bind(host, port)
        self.url = base_url_of(self._sock)
        self.port: int = self._sock.getsockname()[1]
        self._ready = threading.Event()
        self._server = _Server(_config(emulator, "error"), self._ready.set)
        self._thread = threading.Thread(target=self._run, name=f"codat-sandbox {self.url}", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._sock])

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError(f"The emulator did not start serving on {self.url} within 30 s")
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
