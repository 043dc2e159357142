"""What an operation asks of the client that runs it: the sans-I/O steps shared by Client and AsyncClient.

Each operation is written once, as a generator that yields these steps and gets their results
back; ``Client`` carries them out blocking, ``AsyncClient`` with asyncio. So the two clients have
the same methods, arguments, validation and results by construction. :func:`write_once` is how an
operation settles a write whose outcome is unknown (the answer lost after it was sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Generator, Mapping, TypeVar

from .errors import APIError, CodatError, OutcomeUnknownError

T = TypeVar("T")


@dataclass(frozen=True)
class Resume:
    """Where the retry policy stands for a write sent again after an unclear failure: the tries
    made, when the first began (client clock), and the backoff to wait before the next."""

    tries: int
    started: float
    wait: float


@dataclass(frozen=True)
class Send:
    """One API call. ``path`` is relative to the base URL and may carry its own query (``_links``
    hrefs do); ``idempotent`` says whether a retry after an unclear failure is safe.

    A non-idempotent call's unclear failure is not retried by the client: it is thrown into the
    operation as :class:`codat_nb.errors.OutcomeUnknownError`, whose ``retry`` is this call with
    ``resume`` set, for the operation to send once it has checked that nothing happened.
    """

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    idempotent: bool = True
    #: A body the caller does not want parsed (204 answers).
    empty: bool = False
    #: The body's bytes, unparsed (for frames' pyarrow reader), checked to be whole JSON: a
    #: :class:`codat_nb.responses.RawBody`.
    raw: bool = False
    #: For a non-idempotent call: what the user can look at to learn whether it took effect.
    check_hint: str = ""
    resume: Resume | None = None
    #: Its errors are thrown into the operation (see :func:`catching`) rather than raised to the caller.
    catches: bool = False


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


class _NotApplied:
    def __repr__(self) -> str:
        return "NOT_APPLIED"


#: What a check (see :func:`write_once`) returns when it finds no trace of the write: send it again.
NOT_APPLIED: Any = _NotApplied()


def write_once(send: Send, check: Callable[[], Operation[Any]] | None) -> Operation[Any]:
    """Send a write that must take effect once, and its answer; after an unclear failure
    (OutcomeUnknownError, thrown in by the client), what ``check`` finds instead.

    ``check`` looks for the write's effect, comparing with a snapshot the operation took before
    sending: it returns what the answer would have carried, or :data:`NOT_APPLIED`, and then the
    write is sent again (while the retry policy allows). A refusal of that second try (already in
    progress, already connected) is checked the same way: it may be the first try's effect.
    Without a ``check``, or when checking fails, the caller gets the OutcomeUnknownError.
    """
    __tracebackhide__ = True  # IPython hides this frame: the caller's line, then the message
    unclear: OutcomeUnknownError | None = None
    while True:
        try:
            return (yield send)
        except OutcomeUnknownError as error:
            unclear = error
        except APIError as refused:
            if unclear is None or check is None:
                raise
            found = yield from _settle(check, unclear)
            if found is NOT_APPLIED:
                raise refused from None
            return found
        if check is None:
            raise unclear
        found = yield from _settle(check, unclear)
        if found is not NOT_APPLIED:
            return found
        if unclear.retry is None:  # the retry policy allows no more tries: say nothing happened
            raise _not_applied(unclear) from unclear.__cause__
        send = unclear.retry


def _settle(check: Callable[[], Operation[Any]], unclear: OutcomeUnknownError) -> Operation[Any]:
    """Run ``check``; if it fails, the caller learns of the write's unknown outcome, not of the check."""
    __tracebackhide__ = True  # see write_once
    try:
        return (yield from catching(check()))
    except OutcomeUnknownError:
        raise
    except CodatError as failed:
        unclear.add_note(f"Checking whether it took effect failed too: {failed}")
        raise unclear from unclear.__cause__


def catching(operation: Operation[T]) -> Operation[T]:
    """Run ``operation`` with the errors of its requests thrown into it (generator.throw), so that
    a try/except around it sees them; otherwise the client raises them straight to the caller."""
    __tracebackhide__ = True  # see write_once
    try:
        step = next(operation)
        while True:
            try:
                reply = yield (replace(step, catches=True) if isinstance(step, Send) else step)
            except CodatError as error:
                step = operation.throw(error)
            else:
                step = operation.send(reply)
    except StopIteration as stop:
        return stop.value


def _not_applied(unclear: OutcomeUnknownError) -> CodatError:
    error = unclear.error or unclear
    note = "Checked afterwards: it did not take effect, so nothing changed; it is safe to send again."
    error.args = (f"{error.args[0]} {note}" if error.args else note, *error.args[1:])
    return error
