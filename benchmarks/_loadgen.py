"""HTTP load generators for the served benchmarks: ``wrk`` when present, else a Python fallback.

Both keep connections alive, keep exactly one request in flight per connection, and report
completed requests per second plus any non-2xx answers or socket errors (a benchmark whose
requests fail is refused rather than reported).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import selectors
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    seconds: float
    bad_status: int = 0
    socket_errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def problems(self) -> str | None:
        if self.requests == 0:
            return "no request completed"
        if self.bad_status:
            return f"{self.bad_status} answers were not 2xx/3xx"
        # wrk counts the connections it cuts at the end of the run as read/timeout errors; allow a few.
        if self.socket_errors > max(16, self.requests // 1000):
            return f"{self.socket_errors} socket errors"
        return None


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _pin(cpus: set[int] | None):
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


# -- wrk ------------------------------------------------------------------------------------------


def run_wrk(url: str, headers: dict[str, str], *, seconds: float, threads: int, connections: int, cpus: set[int] | None) -> LoadResult:
    command = [wrk_path() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, preexec_fn=_pin(cpus), timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(text: str) -> LoadResult:
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", text)
    if not total:
        raise RuntimeError(f"could not read wrk's output:\n{text}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[total.group(3)]
    result = LoadResult(int(total.group(1)), float(total.group(2)) * scale)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if bad:
        result.bad_status = int(bad.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors:
        result.socket_errors = sum(int(n) for n in errors.groups())
    return result


# -- the Python fallback: several processes, raw non-blocking sockets, keep-alive -----------------


def run_python(
    url: str, headers: dict[str, str], *, seconds: float, processes: int, connections: int, cpus: set[int] | None
) -> LoadResult:
    processes = max(1, min(processes, connections))
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_set_affinity, initargs=(cpus,)) as pool:
        start_at = time.time() + 2.0  # every worker connects first, then all start together
        parts = pool.starmap(_python_worker, [(url, headers, start_at, seconds, share) for share in shares])
    total = LoadResult(0, max(p[1] for p in parts))
    for requests, _, bad, errors in parts:
        total.requests += requests
        total.bad_status += bad
        total.socket_errors += errors
    return total


def _set_affinity(cpus: set[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)


def _python_worker(url: str, headers: dict[str, str], start_at: float, seconds: float, connections: int) -> tuple[int, float, int, int]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}"] + [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    selector = selectors.DefaultSelector()
    states: dict[socket.socket, _Response] = {}
    errors = 0

    def open_connection() -> socket.socket:
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        states[sock] = _Response()
        selector.register(sock, selectors.EVENT_READ)
        return sock

    fresh = [open_connection() for _ in range(connections)]
    time.sleep(max(0.0, start_at - time.time()))
    for sock in fresh:
        _send_all(sock, request)
    done = bad = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        now = time.perf_counter()
        if now >= deadline:
            break
        for key, _ in selector.select(timeout=min(0.1, deadline - now)):
            sock = key.fileobj
            try:
                data = sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            state = states[sock]
            if not data:  # the server closed the connection: count it and reconnect
                errors += 1
                selector.unregister(sock)
                sock.close()
                del states[sock]
                _send_all(open_connection(), request)
                continue
            if state.feed(data):
                done += 1
                if not 200 <= state.status < 400:
                    bad += 1
                states[sock] = _Response()
                _send_all(sock, request)
    elapsed = time.perf_counter() - start
    for sock in list(states):
        selector.unregister(sock)
        sock.close()
    return done, elapsed, bad, errors


def _send_all(sock: socket.socket, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            sent = sock.send(view)
        except BlockingIOError:
            time.sleep(0)
            continue
        view = view[sent:]


class _Response:
    """Just enough HTTP/1.1 response parsing to know when one answer has fully arrived."""

    def __init__(self) -> None:
        self.buffer = b""
        self.status = 0
        self.body_start = -1
        self.length: int | None = None
        self.chunked = False
        self.cursor = 0  # chunked: where the next chunk-size line starts

    def feed(self, data: bytes) -> bool:
        self.buffer += data
        if self.body_start < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return False
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            self.status = int(head[0].split(" ", 2)[1])
            for line in head[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    self.length = int(value.strip())
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    self.chunked = True
            self.body_start = self.cursor = end + 4
        if self.chunked:
            while True:
                line_end = self.buffer.find(b"\r\n", self.cursor)
                if line_end < 0:
                    return False
                size = int(self.buffer[self.cursor : line_end].split(b";")[0], 16)
                if size == 0:
                    return self.buffer.find(b"\r\n\r\n", self.cursor) >= 0  # no trailers expected
                next_cursor = line_end + 2 + size + 2
                if len(self.buffer) < next_cursor:
                    return False
                self.cursor = next_cursor
        return len(self.buffer) - self.body_start >= (self.length or 0)
