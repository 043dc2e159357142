"""Fixtures for the widget tests: an embedded Sandbox and its client; widgets are driven by
setting values and clicking inside an asyncio loop, as the kernel's loop would run them."""

from __future__ import annotations

from typing import Iterator

import pytest

import codat_nb


@pytest.fixture
def sandbox() -> Iterator[codat_nb.Sandbox]:
    """Seed 0 on a manual clock: the client's waits move time, so syncs end at once."""
    with codat_nb.Sandbox(seed=0, manual_clock=True, browser_links=False) as made:
        yield made


@pytest.fixture
def client(sandbox: codat_nb.Sandbox) -> Iterator[codat_nb.Client]:
    with sandbox.client(retries=False) as made:
        yield made
