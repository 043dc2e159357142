"""Opt-in failures for exercising clients: injected error statuses, Retry-After and latency."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .http import HTTPError, Request

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


@dataclass
class FaultRule:
    """Fail the next ``count`` requests that match ``method`` and start with ``path``."""

    status: int
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None

    def matches(self, request: Request) -> bool:
        if self.method and self.method != request.method:
            return False
        return not self.path or request.raw_path.startswith(self.path)

    def error(self) -> HTTPError:
        service, message = _MESSAGES[self.status]
        headers = [("retry-after", _seconds(self.retry_after))] if self.retry_after is not None else []
        retryable = "True" if self.status in (408, 429) or self.status >= 500 else "False"
        return HTTPError(self.status, message, service=service, headers=headers, can_be_retried=retryable)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "count": self.count, "method": self.method, "path": self.path, "retryAfter": self.retry_after}


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class Faults:
    latency_ms: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
                    return rule.error()
        return None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.latency_ms = 0

    def to_json(self, error_rate: float, failing_pulls: dict[str, int]) -> dict[str, Any]:
        return {
            "latencyMs": self.latency_ms,
            "errorRate": error_rate,
            "failNext": [rule.to_json() for rule in self.rules],
            "failPulls": {k: v for k, v in failing_pulls.items() if v},
        }


def read_rule(item: Any, where: str) -> FaultRule:
    """One ``failNext`` entry, checked; raises a 400 naming what is wrong."""
    if not isinstance(item, dict):
        raise HTTPError(400, f"{where} must be an object like {{\"status\": 429, \"count\": 1}}.")
    status = item.get("status")
    if status not in _MESSAGES:
        raise HTTPError(400, f"{where}.status must be one of {', '.join(map(str, FAULT_STATUSES))}; got {status!r:.20}.")
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise HTTPError(400, f"{where}.count must be a whole number from 1 to 10000.")
    method = item.get("method")
    if method is not None and method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise HTTPError(400, f"{where}.method must be GET, POST, PUT, PATCH or DELETE.")
    path = item.get("path")
    if path is not None and (not isinstance(path, str) or not path.startswith("/")):
        raise HTTPError(400, f"{where}.path must be a path starting with '/', such as '/companies'.")
    retry_after = item.get("retryAfter")
    if retry_after is not None and (isinstance(retry_after, bool) or not isinstance(retry_after, (int, float)) or retry_after < 0):
        raise HTTPError(400, f"{where}.retryAfter must be a number of seconds of at least 0.")
    return FaultRule(status, count, method, path, retry_after)
