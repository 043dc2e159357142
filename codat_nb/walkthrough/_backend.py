"""Which Codat the walkthrough talks to: the embedded Sandbox (no key needed), or an API reached with a key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import Client
from ..config import Secret
from ..embedded import Sandbox


@dataclass
class Backend:
    """A client, the embedded Sandbox behind it (None for an API), and how to describe and poll it."""

    client: Client
    sandbox: Sandbox | None
    where: str
    #: wait_for_sync's polling: an in-process Sandbox costs nothing to ask, so ask often for smooth bars;
    #: an API keeps the client's defaults, which spare Codat's rate limits.
    poll: dict[str, float] = field(default_factory=dict)
    #: Whose clock the pulls' durations are on, when it is not the real one.
    clock_note: str | None = None

    @property
    def embedded(self) -> bool:
        return self.sandbox is not None

    def close(self) -> None:
        self.client.close()
        if self.sandbox is not None:
            self.sandbox.close()

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def embedded_backend(seed: int = 0, speed: float = 8.0) -> Backend:
    """A fresh embedded Sandbox; ``speed`` 0 is a manual clock, which the client's waits move (instant)."""
    sandbox = Sandbox(seed=seed, manual_clock=True) if speed == 0 else Sandbox(seed=seed, speed=speed)
    clock = "manual clock" if speed == 0 else f"{speed:g}x speed"
    note = "Durations run from queued to ended on the Sandbox's clock" + ("." if speed == 1 else f" ({clock}).")
    poll = {"poll_interval": 0.25, "max_interval": 1.0}
    return Backend(sandbox.client(), sandbox, f"the embedded Sandbox (seed {seed}, {clock})", poll, note)


def api_backend(api_key: Secret, base_url: str) -> Backend:
    """The real API, or a served Sandbox, at ``base_url``; the key stays inside the client's Secret."""
    return Backend(Client(api_key, base_url), None, base_url)
