"""What an operation asks of the client that runs it: the sans-I/O steps shared by Client and AsyncClient.

Each operation is written once, as a generator that yields these steps and gets their results
back; ``Client`` carries them out blocking, ``AsyncClient`` with asyncio. So the two clients have
the same methods, arguments, validation and results by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generator, Mapping, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    """One API call. ``path`` is relative to the base URL and may carry its own query (``_links``
    hrefs do); ``idempotent`` says whether a retry after an unclear failure is safe."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    idempotent: bool = True
    #: A body the caller does not want parsed (204 answers).
    empty: bool = False
    #: The body's bytes, unparsed (for frames' pyarrow reader).
    raw: bool = False


@dataclass(frozen=True)
class Gather:
    """Several independent calls; results come back in the same order. An async client runs up
    to its concurrency limit at once, a blocking one runs them in turn."""

    sends: tuple[Send, ...]


@dataclass(frozen=True)
class Prefetch:
    """Calls the operation will :class:`Take` one at a time, in this order. An async client starts
    them early, at most ``ahead`` not yet taken (within its concurrency limit), so a slow call holds
    up only its own turn and memory stays bounded; a blocking client sends each one at its Take."""

    sends: tuple[Send, ...]
    ahead: int


@dataclass(frozen=True)
class Take:
    """The result of the next prefetched call (its error, if it failed)."""


@dataclass(frozen=True)
class Sleep:
    """Wait. ``wall``: in real time even on a manual-clock Sandbox, because a person is being
    waited for (pressing Connect), not the Sandbox's simulated work."""

    seconds: float
    wall: bool = False


@dataclass(frozen=True)
class Now:
    """The client's clock in seconds (monotonic; simulated for an embedded Sandbox on a manual
    clock); with ``wall``, the real monotonic clock."""

    wall: bool = False


@dataclass(frozen=True)
class Emit:
    """Records for the caller of a streaming operation (an iterator), in order."""

    records: list[Any]


@dataclass(frozen=True)
class Concurrency:
    """How many requests the running client may have in flight (1 for the blocking client)."""


Step = Send | Gather | Prefetch | Take | Sleep | Now | Emit | Concurrency
Operation = Generator[Step, Any, T]
