"""A request as the equivalent curl command, for teaching: runnable, with the key left in the environment."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

#: Headers a reader needs to repeat the call; the client's own (user agent, accept-encoding...) are noise.
_SHOWN_HEADERS = ("content-type", "accept")
#: The key never appears: curl reads it from the environment, as Codat's docs tell you to keep it.
AUTH_FROM_ENV = '"Authorization: Basic $(printf %s "$CODAT_API_KEY" | base64 | tr -d \'\\n\')"'


@dataclass(frozen=True)
class RecordedRequest:
    """What the client last sent, minus anything secret."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def to_curl(request: RecordedRequest) -> str:
    first = "curl" + ("" if request.method == "GET" else f" -X {request.method}") + " " + shlex.quote(request.url)
    lines = [first, f"-H {AUTH_FROM_ENV}"]
    for name, value in request.headers:
        if name.lower() in _SHOWN_HEADERS:
            lines.append("-H " + shlex.quote(f"{name}: {value}"))
    if request.body:
        lines.append("--data-raw " + shlex.quote(request.body.decode("utf-8", "replace")))
    return " \\\n  ".join(lines)
