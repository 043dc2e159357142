"""Fixtures shared by every test: a fresh manual-clock emulator, and a clean environment."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.server import BackgroundServer


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CODAT_* setting from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("CODAT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def emulator() -> Emulator:
    """Seed 0 and a manual clock: ids and timestamps are the same in every run."""
    emu = Emulator(seed=0, clock=ManualClock())
    yield emu
    emu.close()


@pytest.fixture(scope="session")
def live_emulator() -> Iterator[tuple[Emulator, str]]:
    """One real uvicorn server on a loopback port for the whole session; reset per test."""
    emulator = Emulator(seed=0, clock=ManualClock())
    with BackgroundServer(emulator) as url:
        yield emulator, url


@pytest.fixture
def live_url(live_emulator: tuple[Emulator, str]) -> str:
    emulator, url = live_emulator
    emulator.reset()
    return url
