"""Transport ("wire") faults: broken connections and malformed bodies, and how each one shapes an answer.

The kinds, as a client sees them (served by uvicorn, or through the in-process transport):

``reset``
    The emulator handles the request (a write takes effect), then the TCP connection is reset
    (SO_LINGER 0) before any byte of the answer: httpx raises ``ReadError`` (or
    ``RemoteProtocolError`` when the reset reads as an early close).
``empty``
    The emulator handles the request, then the connection is closed without an answer:
    ``RemoteProtocolError('Server disconnected without sending a response.')``.
``drop``
    The status line, the headers and part of the body arrive, then the connection closes
    although ``content-length`` promised more: ``RemoteProtocolError`` while reading the body.
    A bodiless answer (204) is closed before its status line, as ``empty``.
``truncate``
    A complete HTTP answer whose JSON body is cut short, ``content-length`` matching the cut body:
    the framing is intact, the JSON is malformed.
``dribble``
    The whole body, in chunks of ``chunkBytes`` (at most 64 chunks) ``delayMs`` apart: slow, correct.

By default every kind fires *after* the emulator acted: the answer to a write that took effect
is lost, which is what clients most often get wrong (a blind retry creates a second company).
``"beforeHandling": true`` (``reset`` and ``empty`` only) cuts the connection before the
emulator sees the request, so nothing happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .http import HTTPError

KINDS = ("reset", "empty", "drop", "truncate", "dribble")
#: Kinds that can cut the connection before the emulator acts.
BEFORE_KINDS = ("reset", "empty")
MAX_CHUNKS = 64
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class WireRule:
    """One transport fault: ``kind`` with ``probability``, on requests matching ``method`` and ``path``."""

    kind: str
    probability: float
    method: str | None = None
    path: str | None = None
    before_handling: bool = False
    chunk_bytes: int = 256
    delay_ms: int = 5

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"kind": self.kind, "probability": self.probability, "method": self.method, "path": self.path}
        if self.kind in BEFORE_KINDS:
            shown["beforeHandling"] = self.before_handling
        if self.kind == "dribble":
            shown.update(chunkBytes=self.chunk_bytes, delayMs=self.delay_ms)
        return shown


def cut_length(body: bytes, cut: float) -> int:
    """Where a ``drop`` or ``truncate`` cuts a body: at least 1 byte kept and 1 lost (``cut`` in [0, 1))."""
    if len(body) < 2:
        return 0
    return 1 + int(cut * (len(body) - 1))


def dribble_chunks(body: bytes, rule: WireRule) -> Iterator[bytes]:
    """The body in small pieces: ``chunk_bytes`` each, but never more than MAX_CHUNKS pieces."""
    size = max(rule.chunk_bytes, -(-len(body) // MAX_CHUNKS), 1)
    for start in range(0, len(body), size):
        yield body[start : start + size]


def read_wire_rule(item: Any, where: str) -> WireRule:
    """One ``wire`` entry, checked; raises a 400 naming what is wrong."""
    if not isinstance(item, dict):
        raise HTTPError(400, f"{where} must be an object like {{\"kind\": \"reset\", \"probability\": 0.03}}.")
    known = {"kind", "probability", "method", "path", "beforeHandling", "chunkBytes", "delayMs"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise HTTPError(400, f"{where} has unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    kind = item.get("kind")
    if kind not in KINDS:
        raise HTTPError(400, f"{where}.kind must be one of {', '.join(KINDS)}; got {kind!r:.30}.")
    probability = read_probability(item.get("probability"), f"{where}.probability")
    method, path = read_filters(item, where)
    before = item.get("beforeHandling", False)
    if not isinstance(before, bool):
        raise HTTPError(400, f"{where}.beforeHandling must be true or false.")
    if before and kind not in BEFORE_KINDS:
        raise HTTPError(400, f"{where}.beforeHandling applies only to {' and '.join(BEFORE_KINDS)}: a {kind} needs an answer to cut.")
    chunk = _whole(item.get("chunkBytes", 256), f"{where}.chunkBytes", 1, 1_048_576)
    delay = _whole(item.get("delayMs", 5), f"{where}.delayMs", 0, 1000)
    return WireRule(kind, probability, method, path, before, chunk, delay)


def read_probability(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise HTTPError(400, f"{where} must be a number from 0 to 1 (the share of requests it hits), such as 0.2.")
    return float(value)


def read_filters(item: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """The optional ``method`` and ``path`` (a prefix) that limit a rule, as ``failNext`` takes them."""
    method = item.get("method")
    if method is not None and method not in _METHODS:
        raise HTTPError(400, f"{where}.method must be GET, POST, PUT, PATCH or DELETE.")
    path = item.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise HTTPError(400, f"{where}.path must be a path starting with '/', such as '/companies'.")
    return method, path


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise HTTPError(400, f"{where} must be a whole number from {low} to {high}.")
    return value
