"""The route table: (method, path pattern) -> handler, with path parameters checked on the way in."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from .http import HTTPError, Request, Response
from .state import SandboxState, Tenant, check_uuid, known_data_type

if TYPE_CHECKING:
    from .app import Emulator

#: Path parameters and how each is checked before a handler sees it.
PARAMETER_CHECKS: dict[str, Callable[[str], str]] = {
    "companyId": lambda value: check_uuid(value, "companyId"),
    "connectionId": lambda value: check_uuid(value, "connectionId"),
    "datasetId": lambda value: check_uuid(value, "datasetId"),
    "dataType": known_data_type,
}


@dataclass
class Call:
    """What a handler gets: the request, its checked path parameters, the caller's tenant and the time."""

    request: Request
    params: dict[str, str]
    caller: Tenant | None  # None on the public Link pages
    emulator: Emulator
    now: datetime

    @property
    def tenant(self) -> Tenant:
        if self.caller is None:
            raise HTTPError(401, "Unauthorized")
        return self.caller

    @property
    def state(self) -> SandboxState:
        return self.emulator.state

    @functools.cached_property
    def base_url(self) -> str:
        """Where Link URLs and logos point: the emulator's public URL, else the request's origin."""
        return self.emulator.link_base(self.request.base_url)


Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    handler: Handler
    public: bool = False  # the Link pages and logos need no API key

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.pattern, segments):
            if part.startswith("{"):
                if segment == "":
                    return None
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        #: (segment count, first segment) -> routes: a request looks at a handful, not all.
        self._index: dict[tuple[int, str], list[Route]] = {}

    def add(self, method: str, path: str, handler: Handler, *, public: bool = False) -> None:
        pattern = tuple(path.strip("/").split("/")) if path != "/" else ("",)
        if pattern[0].startswith("{"):
            raise ValueError(f"a route must start with a literal segment: {path}")
        route = Route(method, pattern, handler, public)
        self.routes.append(route)
        self._index.setdefault((len(pattern), pattern[0]), []).append(route)

    def resolve(self, request: Request) -> tuple[Route, dict[str, str]]:
        """The route for a request, or a Codat-shaped 404 / 405."""
        segments = request.segments
        allowed: list[str] = []
        for route in self._index.get((len(segments), segments[0]), ()):
            params = route.match(segments)
            if params is None:
                continue
            if route.method == request.method:
                return route, params
            allowed.append(route.method)
        if allowed:
            raise HTTPError(
                405,
                f"{request.method} is not allowed on {request.raw_path[:200]}; use {', '.join(sorted(set(allowed)))}.",
                headers=[("allow", ", ".join(sorted(set(allowed))))],
            )
        raise HTTPError(
            404,
            f"No endpoint matches {request.method} {request.raw_path[:200]}. The emulator serves the Codat Platform "
            "API paths (see GET / for the list).",
        )


def check_params(params: dict[str, str]) -> dict[str, str]:
    """Run each parameter's check (UUIDs, data types), so handlers only see valid values."""
    return {name: PARAMETER_CHECKS[name](value) if name in PARAMETER_CHECKS else value for name, value in params.items()}


def describe_routes(routes: list[Route]) -> list[dict[str, Any]]:
    return [{"method": r.method, "path": "/" + "/".join(r.pattern)} for r in routes if not r.public]
