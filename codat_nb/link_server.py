"""The embedded Sandbox's Link pages where the user's browser can open them.

In-process requests never touch a port, so Link URLs on the in-process origin would point
nowhere. The first time the embedded Sandbox hands one out it serves itself on a loopback port
(the app ``codat-nb sandbox serve`` runs, on a background thread, stopped with the process) and
addresses it as the browser sees it: directly on a local machine, through jupyter-server-proxy
(``{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}``) on JupyterHub and Binder, or by the template in
``CODAT_NB_LINK_URL`` (``{port}`` in it is replaced) behind any other proxy.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Mapping

from .sandbox import DEFAULT_BASE_URL, Emulator

log = logging.getLogger("codat_nb.link_server")

LINK_URL_ENV = "CODAT_NB_LINK_URL"
HUB_PREFIX_ENV = "JUPYTERHUB_SERVICE_PREFIX"


def browser_url(port: int, environ: Mapping[str, str] | None = None) -> str:
    """Where a browser reaches a server on this machine's loopback ``port``."""
    env = os.environ if environ is None else environ
    template = env.get(LINK_URL_ENV, "").strip()
    if template:
        return template.replace("{port}", str(port)).rstrip("/")
    prefix = env.get(HUB_PREFIX_ENV, "").strip()
    if prefix:
        # Relative to the hub's origin, as the notebook page itself is: /user/<name>/proxy/<port>.
        return "/" + f"{prefix.strip('/')}/proxy/{port}".lstrip("/")
    return f"http://127.0.0.1:{port}"


class LinkServer:
    """Serves one emulator on a loopback port from the first :meth:`url` call until :meth:`stop`."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1") -> None:
        self._emulator = emulator
        self._host = host
        self._lock = threading.Lock()
        self._server = None  # BackgroundServer, imported with uvicorn only when first needed
        self._url: str | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def loopback_url(self) -> str | None:
        """The server's own address (``http://127.0.0.1:PORT``), or None before it started."""
        return None if self._server is None else self._server.url

    def url(self) -> str:
        """The browser's URL of the Link pages, starting the server the first time. If it cannot
        start, the in-process origin (logged), so an API answer never fails for a Link URL."""
        with self._lock:
            if self._url is None:
                from .sandbox.server import BackgroundServer

                try:
                    server = BackgroundServer(self._emulator, self._host, 0)
                    server.start()
                except (OSError, RuntimeError) as exc:
                    log.warning("The Sandbox's Link pages could not be served on %s (%s); Link URLs will not open in a browser.", self._host, exc)
                    return DEFAULT_BASE_URL
                self._server = server
                self._url = browser_url(server.port)
                _RUNNING.add(self)
            return self._url

    def stop(self) -> None:
        with self._lock:
            server, self._server, self._url = self._server, None, None
        if server is not None:
            server.stop()
            _RUNNING.discard(self)

    def __repr__(self) -> str:
        return f"LinkServer({self._url or 'not started'})"


_RUNNING: weakref.WeakSet[LinkServer] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:  # the kernel is shutting down: stop serving, close the sockets
    for server in list(_RUNNING):
        server.stop()
