"""Client and AsyncClient behind one blocking face, in-process or on loopback, so one table of cases runs four ways."""

from __future__ import annotations

import asyncio
import base64
import inspect
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest

from codat_nb import AsyncClient, Client
from codat_nb.sandbox import Emulator, ManualClock

API_KEY = "client-test-key-5f3a9c"
IN_PROCESS_URL = "http://sandbox.codat.local"
KINDS = ("sync-inprocess", "async-inprocess", "sync-loopback", "async-loopback")


@dataclass
class Codat:
    """One client under test. Calling a method runs it to the end, awaiting it for AsyncClient and
    collecting async iterators, so a case reads the same for both clients."""

    client: Client | AsyncClient
    control: httpx.Client  # the emulator's own controls (clock, faults, sign-in), same tenant
    emulator: Emulator
    kind: str
    loop: asyncio.AbstractEventLoop | None = None
    sleeps: list[float] = field(default_factory=list)

    @property
    def is_async(self) -> bool:
        return isinstance(self.client, AsyncClient)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute) or not self.is_async:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if inspect.isawaitable(result):
                return self.run(result)
            if hasattr(result, "__aiter__"):
                return self.run(_collect(result))
            return result

        return call

    def run(self, awaitable: Any) -> Any:
        assert self.loop is not None
        return self.loop.run_until_complete(awaitable)

    # -- the customer's and the emulator's side ------------------------------------------------------

    def advance(self, seconds: float) -> None:
        assert self.control.post("/_sandbox/clock/advance", json={"seconds": seconds}).status_code == 200

    def authorize(self, company_id: str, connection_id: str, **options: Any) -> None:
        answer = self.control.post(f"/_sandbox/companies/{company_id}/connections/{connection_id}/authorize", json=options)
        assert answer.status_code == 200, answer.text

    def faults(self, **body: Any) -> None:
        answer = self.control.post("/_sandbox/faults", json=body)
        assert answer.status_code == 200, answer.text

    def linked(self, name: str = "Platypus Properties", **options: Any) -> tuple[Any, Any]:
        """A company with a Linked Sandbox connection; its first-link pulls are queued."""
        company = self.create_company(name)
        connection = self.create_connection(company.id, "mqjo")
        self.authorize(company.id, connection.id, **options)
        return company, connection

    def synced(self, name: str = "Platypus Properties", **options: Any) -> tuple[Any, Any]:
        company, connection = self.linked(name, **options)
        self.wait_for_sync(company.id, timeout=3600)
        return company, connection

    def raw(self, path: str, **params: Any) -> Any:
        answer = self.control.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def _collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


def auth_headers(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


def make_codat(request: pytest.FixtureRequest, kind: str, **client_options: Any) -> Iterator[Codat]:
    """Build the client of ``kind`` on a fresh manual-clock emulator (in-process) or the session's
    served one (reset); its waits move the emulator's clock instead of sleeping."""
    flavour, mode = kind.split("-")
    if mode == "inprocess":
        emulator = Emulator(seed=0, clock=ManualClock())
        control = httpx.Client(transport=emulator.transport(), base_url=IN_PROCESS_URL, headers=auth_headers())
        options: dict[str, Any] = {"transport": emulator.transport()}
        base_url = IN_PROCESS_URL
    else:
        emulator, base_url = request.getfixturevalue("live_emulator")
        emulator.reset()
        control = httpx.Client(base_url=base_url, headers=auth_headers(), timeout=10)
        options = {"timeout": 10}
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        assert control.post("/_sandbox/clock/advance", json={"seconds": seconds}).status_code == 200

    options.update(sleep=sleep, clock=lambda: emulator.clock.now().timestamp(), **client_options)
    loop = asyncio.new_event_loop() if flavour == "async" else None
    client = (AsyncClient if flavour == "async" else Client)(API_KEY, base_url, **options)
    codat = Codat(client, control, emulator, kind, loop, sleeps)
    try:
        yield codat
    finally:
        if loop is not None:
            loop.run_until_complete(client.aclose())
            loop.close()
        else:
            client.close()
        control.close()
        if mode == "inprocess":
            emulator.close()
