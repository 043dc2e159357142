"""The mixed load of tests/sandbox/test_load.py and bench_load.py: 50 clients x 200 requests, reads and creates.

Each client is one keep-alive HTTP/1.1 connection on raw asyncio streams (a load generator as light as
wrk's, so the figures are the server's: an ``httpx.AsyncClient`` costs this machine more per request
than the emulator) and draws its mix from its own seeded ``random.Random``, so a run repeats exactly:
a company created about once in five requests, otherwise the company list, a company it created, its
connections, the integrations and the profile's sync settings.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import urlsplit

CLIENTS = 50
REQUESTS_PER_CLIENT = 200
CREATE_SHARE = 0.2
SEED = 12


def auth(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    created: dict[str, list[str]] = field(default_factory=dict)  # key -> company ids, in creation order
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1]


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams."""

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.auth = auth(key)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: {self.auth}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode("latin-1") + b"\r\n" + payload)
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next(int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:"))
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def _client(url: str, number: int, keys: Sequence[str], tally: Tally) -> None:
    key = keys[number % len(keys)]
    rng = random.Random(SEED * 1000 + number)
    mine: list[str] = []
    connection = Connection(url, key)
    try:
        for n in range(REQUESTS_PER_CLIENT):
            body = None
            if not mine or rng.random() < CREATE_SHARE:
                kind, method, path, body = "create", "POST", "/companies", {"name": f"Load {number:02d} {n:03d}"}
            else:
                kind, path = rng.choice(
                    [
                        ("list", f"/companies?page={rng.randint(1, 3)}&pageSize=50"),
                        ("get", f"/companies/{rng.choice(mine)}"),
                        ("connections", f"/companies/{rng.choice(mine)}/connections"),
                        ("integrations", "/integrations"),
                        ("settings", "/profile/syncSettings"),
                    ]
                )
                method = "GET"
            started = time.perf_counter()
            try:
                status, answer = await asyncio.wait_for(connection.request(method, path, body), timeout=60)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
                tally.unexpected.append(f"client {number} {kind} {path}: {type(exc).__name__}")
                await connection.close()
                connection = Connection(url, key)
                continue
            tally.latencies.append(time.perf_counter() - started)
            tally.kinds[kind] += 1
            if status != 200:
                tally.unexpected.append(f"client {number} {kind} {path}: {status} {answer[:200]!r}")
            elif kind == "create":
                company_id = json.loads(answer)["id"]
                mine.append(company_id)
                tally.created.setdefault(key, []).append(company_id)
    finally:
        await connection.close()


async def run_load(url: str, keys: Sequence[str]) -> Tally:
    """Every client at once; the tally of what each request got and how long it took."""
    tally = Tally()
    started = time.perf_counter()
    await asyncio.gather(*(_client(url, number, keys, tally) for number in range(CLIENTS)))
    tally.seconds = time.perf_counter() - started
    return tally
