"""Opt-in failures for exercising clients: error statuses (next N or by chance), Retry-After, latency, wire faults.

``POST /_sandbox/faults`` takes (every key optional; a bad value is a 400 naming it, and changes nothing):

- ``latencyMs``: a delay before each Codat API answer, in ms: ``120``, or drawn per request from a
  range, ``{"min": 0, "max": 200}``.
- ``failNext``: rules answering the next ``count`` matching requests with an error status, e.g.
  ``{"status": 429, "count": 1, "retryAfter": 1, "method": "GET", "path": "/companies"}`` (appended).
- ``failRandomly``: error statuses by chance, e.g. ``{"status": 503, "probability": 0.2}`` or
  ``{"status": 429, "probability": 0.1, "retryAfter": 1}``, with the same optional method/path filters.
  Like ``failNext``, the error answers *without* the emulator acting (after the key is checked).
- ``wire``: transport faults by chance, e.g. ``{"kind": "reset", "probability": 0.03}``; the kinds and
  when they fire are in :mod:`codat_nb.sandbox.wire_faults`.
- ``seed``: fixes every draw. Request *n* after the faults were set draws three numbers in [0, 1)
  from a hash of ``(seed, n)`` (its latency, one number that picks at most one fault, and where a
  body is cut), so the same settings and the same requests, in the same order, meet the same faults.
  Under concurrency the sequence of draws still repeats, but which request gets draw *n* depends
  on arrival order. Posting any of latencyMs, failRandomly, wire or seed restarts *n* at 1.
  Default: the emulator's seed.
- ``errorRate`` and ``failPulls`` (pulls that end in an error status) are kept by the state.

``failRandomly`` and ``wire`` replace the previous lists (``[]`` turns them off). One draw picks at
most one fault per request: the matching rules, status rules first, take consecutive slices of
[0, 1), so each fires with its own probability while they add up to at most 1. Controls
(``/_sandbox/...``) and the Link pages are never faulted. ``GET /_sandbox/faults`` shows the settings
and ``counters``: ``requests`` drawn for (while a range or a chance rule is set), ``delayed``,
``failNext``, ``status`` and ``wire`` faults by kind, and ``injected`` (all faults); DELETE clears
settings and counters.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from .http import HTTPError, Request
from .wire_faults import WireRule, read_filters, read_probability, read_wire_rule

_MESSAGES = {
    401: ("PublicApi", "Unauthorized"),
    403: ("PublicApi", "You are using an outdated API key or a key not associated with that resource."),
    408: ("PublicApi", "The request timed out."),
    429: ("PublicApi", "You have made too many requests in a given amount of time; please retry later."),
    500: ("PublicApi", "An internal server error occurred (injected by the emulator's fault controls)."),
    502: ("PublicApi", "Bad gateway (injected by the emulator's fault controls)."),
    503: ("PublicApi", "The service is unavailable for maintenance (injected by the emulator's fault controls)."),
    504: ("PublicApi", "Gateway timeout (injected by the emulator's fault controls)."),
}
FAULT_STATUSES = tuple(sorted(_MESSAGES))
MAX_LATENCY_MS = 60_000
#: What POST /_sandbox/faults accepts besides the state's errorRate and failPulls.
SETTINGS = ("failNext", "failRandomly", "latencyMs", "seed", "wire")


def _matches(method: str | None, path: str | None, request: Request) -> bool:
    if method and method != request.method:
        return False
    return not path or request.raw_path.startswith(path)


def status_error(status: int, retry_after: float | None = None, detail: str = "") -> HTTPError:
    """Codat's ErrorMessage for ``status``, with ``Retry-After`` when given."""
    service, message = _MESSAGES[status]
    headers = [("retry-after", _seconds(retry_after))] if retry_after is not None else []
    retryable = "True" if status in (408, 429) or status >= 500 else "False"
    return HTTPError(status, message + detail, service=service, headers=headers, can_be_retried=retryable)


@dataclass
class FaultRule:
    """Fail the next ``count`` requests that match ``method`` and start with ``path``."""

    status: int
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None

    def matches(self, request: Request) -> bool:
        return _matches(self.method, self.path, request)

    def error(self) -> HTTPError:
        return status_error(self.status, self.retry_after)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "count": self.count, "method": self.method, "path": self.path, "retryAfter": self.retry_after}


@dataclass(frozen=True)
class ChanceRule:
    """Answer ``status`` to a share ``probability`` of the requests matching ``method`` and ``path``."""

    status: int
    probability: float
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None

    def error(self) -> HTTPError:
        return status_error(self.status, self.retry_after)

    def to_json(self) -> dict[str, Any]:
        shown = {"status": self.status, "probability": self.probability, "method": self.method, "path": self.path}
        return {**shown, "retryAfter": self.retry_after}


@dataclass(frozen=True)
class Draw:
    """What the faults hold for one request: its latency, at most one fault, and where a body is cut."""

    latency: float = 0.0
    status: ChanceRule | None = None
    wire: WireRule | None = None
    cut: float = 0.0


NO_DRAW = Draw()


def _uniforms(seed: int, n: int) -> tuple[float, float, float]:
    """Three numbers in [0, 1) fixed by ``seed`` and ``n``: a hash is 20x cheaper than seeding a Random per request."""
    digest = hashlib.blake2b(f"{seed}:{n}".encode(), digest_size=24).digest()
    return tuple(int.from_bytes(digest[i : i + 8], "big") / 2**64 for i in (0, 8, 16))  # type: ignore[return-value]


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class Faults:
    latency_ms: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    #: ``(min, max)`` ms when latency is drawn per request; wins over ``latency_ms``.
    latency_range: tuple[int, int] | None = None
    chances: list[ChanceRule] = field(default_factory=list)
    wire: list[WireRule] = field(default_factory=list)
    seed: int | None = None
    default_seed: int = 0
    _drawn: int = 0
    _stats: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def draw(self, request: Request) -> Draw:
        """This request's latency and fault (Codat API paths only: the caller skips the others)."""
        if not (self.chances or self.wire or self.latency_range):
            return Draw(latency=self.latency_ms / 1000) if self.latency_ms else NO_DRAW
        with self._lock:
            self._drawn += 1
            spread, pick, cut = _uniforms(self.default_seed if self.seed is None else self.seed, self._drawn)
            low, high = self.latency_range or (self.latency_ms, self.latency_ms)
            latency = (low + spread * (high - low)) / 1000
            status, wire = self._pick(request, pick)
            self._count("requests")
            if latency:
                self._count("delayed")
            if wire is not None:
                self._count("wire", wire.kind)
        return Draw(latency, status, wire, cut)

    def _pick(self, request: Request, pick: float) -> tuple[ChanceRule | None, WireRule | None]:
        edge = 0.0
        for rule in (*self.chances, *self.wire):
            if rule.probability and _matches(rule.method, rule.path, request):
                edge += rule.probability
                if pick < edge:
                    return (rule, None) if isinstance(rule, ChanceRule) else (None, rule)
        return None, None

    def take(self, request: Request) -> HTTPError | None:
        """The injected error for this request, if a rule claims it (each rule counts down)."""
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if rule.count > 0 and rule.matches(request):
                    rule.count -= 1
                    if rule.count == 0:
                        self.rules.remove(rule)
                    self._count("failNext")
                    return rule.error()
        return None

    def injected(self, rule: ChanceRule) -> HTTPError:
        """The error of a status fault drawn for a request that reached the emulator, counted."""
        with self._lock:
            self._count("status", str(rule.status))
        return rule.error()

    def _count(self, name: str, kind: str | None = None) -> None:
        if kind is None:
            self._stats[name] = self._stats.get(name, 0) + 1
        else:
            group = self._stats.setdefault(name, {})
            group[kind] = group.get(kind, 0) + 1

    def counters(self) -> dict[str, Any]:
        with self._lock:
            status, wire = dict(self._stats.get("status", {})), dict(self._stats.get("wire", {}))
            fail_next = self._stats.get("failNext", 0)
            return {
                "requests": self._stats.get("requests", 0),
                "delayed": self._stats.get("delayed", 0),
                "failNext": fail_next,
                "status": status,
                "wire": wire,
                "injected": fail_next + sum(status.values()) + sum(wire.values()),
            }

    def apply(self, changes: dict[str, Any]) -> None:
        """Take settings checked by :func:`read_settings`; new random settings restart the draws."""
        with self._lock:
            if "latencyMs" in changes:
                self.latency_ms, self.latency_range = changes["latencyMs"]
            if "failNext" in changes:
                self.rules.extend(changes["failNext"])
            if "failRandomly" in changes:
                self.chances = changes["failRandomly"]
            if "wire" in changes:
                self.wire = changes["wire"]
            if "seed" in changes:
                self.seed = changes["seed"]
            if set(changes) & {"latencyMs", "failRandomly", "wire", "seed"}:
                self._drawn = 0

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.latency_ms, self.latency_range = 0, None
            self.chances, self.wire, self.seed = [], [], None
            self._drawn = 0
            self._stats.clear()

    def to_json(self, error_rate: float, failing_pulls: dict[str, int]) -> dict[str, Any]:
        latency: Any = self.latency_ms
        if self.latency_range is not None:
            latency = {"min": self.latency_range[0], "max": self.latency_range[1]}
        return {
            "latencyMs": latency,
            "errorRate": error_rate,
            "failNext": [rule.to_json() for rule in self.rules],
            "failRandomly": [rule.to_json() for rule in self.chances],
            "wire": [rule.to_json() for rule in self.wire],
            "seed": self.default_seed if self.seed is None else self.seed,
            "failPulls": {k: v for k, v in failing_pulls.items() if v},
            "counters": self.counters(),
        }


def read_settings(body: dict[str, Any]) -> dict[str, Any]:
    """The fault settings in a POST /_sandbox/faults body, checked; raises a 400 naming what is wrong."""
    changes: dict[str, Any] = {}
    if "latencyMs" in body:
        changes["latencyMs"] = read_latency(body["latencyMs"])
    if "seed" in body:
        seed = body["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise HTTPError(400, "seed must be a whole number of at least 0, such as 7.")
        changes["seed"] = seed
    for name, reader in (("failNext", read_rule), ("failRandomly", read_chance_rule), ("wire", read_wire_rule)):
        if name in body:
            items = body[name]
            if not isinstance(items, list):
                raise HTTPError(400, f"{name} must be an array of rules, such as {_EXAMPLES[name]}.")
            changes[name] = [reader(item, f"{name}[{i}]") for i, item in enumerate(items)]
    return changes


_EXAMPLES = {
    "failNext": '[{"status": 429, "count": 1, "retryAfter": 1}]',
    "failRandomly": '[{"status": 503, "probability": 0.2}]',
    "wire": '[{"kind": "reset", "probability": 0.03}]',
}


_RANGE = '{"min": 0, "max": 200}'


def read_latency(value: Any) -> tuple[int, tuple[int, int] | None]:
    """``latencyMs``: a fixed delay, or ``{"min": a, "max": b}`` drawn per request."""
    if isinstance(value, dict):
        if set(value) != {"min", "max"} or not all(_is_ms(value[k]) for k in ("min", "max")) or value["min"] > value["max"]:
            raise HTTPError(
                400,
                f"latencyMs as a range must be {_RANGE}: whole milliseconds from 0 to {MAX_LATENCY_MS}, min at most max.",
            )
        return 0, (value["min"], value["max"])
    if not _is_ms(value):
        raise HTTPError(400, f"latencyMs must be a whole number of milliseconds from 0 to {MAX_LATENCY_MS}, or a range like {_RANGE}.")
    return value, None


def _is_ms(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= MAX_LATENCY_MS


def _read_status(item: Any, where: str, example: str, known: set[str] | None) -> tuple[int, float | None]:
    if not isinstance(item, dict):
        raise HTTPError(400, f"{where} must be an object like {example}.")
    unknown = sorted(set(item) - known) if known else []
    if unknown:
        raise HTTPError(400, f"{where} has unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(known))}.")
    status = item.get("status")
    if status not in _MESSAGES:
        raise HTTPError(400, f"{where}.status must be one of {', '.join(map(str, FAULT_STATUSES))}; got {status!r:.20}.")
    retry_after = item.get("retryAfter")
    if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0):
        raise HTTPError(400, f"{where}.retryAfter must be a number of seconds of at least 0.")
    return status, retry_after


def read_rule(item: Any, where: str) -> FaultRule:
    """One ``failNext`` entry, checked; raises a 400 naming what is wrong."""
    # Unknown fields are ignored here, as they always were for failNext.
    status, retry_after = _read_status(item, where, '{"status": 429, "count": 1}', None)
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise HTTPError(400, f"{where}.count must be a whole number from 1 to 10000.")
    method, path = read_filters(item, where)
    return FaultRule(status, count, method, path, retry_after)


def read_chance_rule(item: Any, where: str) -> ChanceRule:
    """One ``failRandomly`` entry, checked; raises a 400 naming what is wrong."""
    known = {"status", "probability", "method", "path", "retryAfter"}
    status, retry_after = _read_status(item, where, '{"status": 503, "probability": 0.2}', known)
    probability = read_probability(item.get("probability"), f"{where}.probability")
    method, path = read_filters(item, where)
    return ChanceRule(status, probability, method, path, retry_after)
