"""The emulator: authenticate, inject faults, route, settle pulls, and answer Codat-shaped JSON."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from . import accounting, api, controls, link
from .clock import Clock, format_timestamp
from .faults import NO_DRAW, Draw, Faults
from .http import HTTPError, Request, Response, html_response, json_response
from .ids import tenant_of
from .rate_limits import RateLimiter, RateLimits
from .routing import Call, Router, check_params, describe_routes
from .state import SandboxState, Tenant
from .wire_faults import WireRule
from .store import MemoryStore, SqliteStore

log = logging.getLogger("codat_nb.sandbox")

#: The origin in-process clients use; the emulator builds Link URLs on whatever origin it is called with.
DEFAULT_BASE_URL = "http://sandbox.codat.local"

#: Bodies above this size are refused with 413 before anything parses them.
MAX_BODY_BYTES = 1_048_576


@dataclass(frozen=True)
class Ticket:
    """One request's passage through a transport: its drawn latency and fault, and the rate-limit
    slot it holds from :meth:`Emulator.begin` until :meth:`Emulator.finish`."""

    draw: Draw = NO_DRAW
    company: str | None = None  # whose concurrency slot this request holds
    refused: HTTPError | None = None  # the 429 when the company had no slot free

    @property
    def latency(self) -> float:
        return self.draw.latency

    @property
    def wire(self) -> WireRule | None:
        return self.draw.wire


PLAIN = Ticket()


class Emulator:
    """An offline Codat Platform API. Transports (in-process httpx, ASGI) call :meth:`handle`.

    Args:
        seed: fixes every id the emulator generates.
        clock: the simulated clock; by default real time at ``speed``.
        speed: simulated seconds per wall second (0 = manual clock) when no clock is given.
        error_rate: the share of pulls that end in an error status.
        latency_ms: delay the transports add to each Codat API answer.
        api_keys: if given, only these keys are accepted; otherwise any key is its own tenant.
        state_path: a SQLite file that keeps state across restarts.
        rate_limits: Codat's rate limits (see codat_nb.sandbox.rate_limits): ``True`` for Codat's
            numbers, or ``RateLimits(concurrent=..., daily_base=...)``; off by default.
        control_key: if given, only this API key may use the ``/_sandbox/...`` controls (others get
            403), so a Sandbox served for a team cannot be reset by any member; it is accepted
            on the API too, as its own tenant (added to ``api_keys`` when those are given).
        public_url: where browsers reach this emulator, for the Link URLs and logos it hands out
            (``redirect``, ``linkUrl``, ``logoUrl``): a URL, or a function of the request's origin
            giving one (the embedded Sandbox starts serving its Link pages when first asked). By
            default, the origin each request came in on.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        speed: float = 1.0,
        error_rate: float = 0.0,
        latency_ms: int = 0,
        api_keys: Iterable[str] | None = None,
        state_path: str | Path | None = None,
        public_url: str | Callable[[str], str] | None = None,
        rate_limits: RateLimits | bool | None = None,
        control_key: str | None = None,
    ) -> None:
        if control_key is not None and (not isinstance(control_key, str) or not control_key.strip()):
            raise ValueError("control_key must be a non-empty API key")
        self.public_url = public_url
        self.clock = clock if clock is not None else Clock(speed=speed)
        store = SqliteStore(state_path) if state_path else MemoryStore()
        self.state = SandboxState(seed, self.clock, store, error_rate)
        self.initial_error_rate = error_rate
        self.faults = Faults(latency_ms=latency_ms, default_seed=seed)
        if rate_limits is True:
            rate_limits = RateLimits()
        if rate_limits not in (None, False) and not isinstance(rate_limits, RateLimits):
            raise ValueError(
                f"rate_limits must be True (Codat's limits) or RateLimits(concurrent=..., daily_base=...); got {rate_limits!r:.40}"
            )
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits else None
        self._keys = frozenset([*api_keys, *([control_key] if control_key else [])]) if api_keys else None
        #: The tenant of the control key: comparing tenants keeps the key itself out of memory dumps.
        self._control_tenant = tenant_of(control_key) if control_key else None
        self._lock = threading.RLock()
        #: Authorization header -> tenant id, so the key is decoded and hashed once.
        self._tenants_by_header: dict[str, str] = {}
        self.router = Router()
        api.register(self.router)
        accounting.register(self.router)  # after api: /data/history and /data/info come first
        controls.register(self.router)
        link.register(self.router)
        self.router.add("GET", "/", self._index, public=True)

    @property
    def persistent(self) -> bool:
        return not isinstance(self.state.store, MemoryStore)

    @property
    def restricted(self) -> bool:
        return self._keys is not None

    @property
    def controls_restricted(self) -> bool:
        """Whether the ``/_sandbox`` controls take only the control key."""
        return self._control_tenant is not None

    def __repr__(self) -> str:
        return f"Emulator(seed={self.state.seed}, clock={self.clock!r}, persistent={self.persistent})"

    def transport(self):  # -> SandboxTransport (httpx is imported only when asked for)
        """An httpx transport bound to this emulator, for ``httpx.Client`` and ``httpx.AsyncClient``."""
        from .transport import SandboxTransport

        return SandboxTransport(self)

    def asgi(self):  # -> ASGIApp
        """This emulator as an ASGI application (what ``codat-nb sandbox serve`` runs on uvicorn)."""
        from .asgi import ASGIApp

        return ASGIApp(self)

    def http_client(self, api_key: str = "sandbox", base_url: str = DEFAULT_BASE_URL, **kwargs):
        """A plain ``httpx.Client`` that sends ``Authorization: Basic base64(api_key)`` to this emulator.

        The header sits in the client's default headers, which httpx shows as ``[secure]``.
        """
        import httpx

        from .transport import basic_auth_headers

        headers = {**basic_auth_headers(api_key), **kwargs.pop("headers", {})}
        return httpx.Client(transport=self.transport(), base_url=base_url, headers=headers, **kwargs)

    def async_http_client(self, api_key: str = "sandbox", base_url: str = DEFAULT_BASE_URL, **kwargs):
        """The ``httpx.AsyncClient`` twin of :meth:`http_client`."""
        import httpx

        from .transport import basic_auth_headers

        headers = {**basic_auth_headers(api_key), **kwargs.pop("headers", {})}
        return httpx.AsyncClient(transport=self.transport(), base_url=base_url, headers=headers, **kwargs)

    def reset(self) -> None:
        with self._lock:
            self.state.reset()
            self.faults.clear()
            self.state.error_rate = self.initial_error_rate
            if self.rate_limiter is not None:
                self.rate_limiter.clear()

    def close(self) -> None:
        self.state.store.close()

    def link_base(self, origin: str) -> str:
        """The base of the Link URLs handed out for a request that came in on ``origin``."""
        if self.public_url is None:
            return origin
        base = self.public_url(origin) if callable(self.public_url) else self.public_url
        return base.rstrip("/")

    def latency_seconds(self, request: Request) -> float:
        """How long a transport should wait before answering (Codat paths only); draws like :meth:`begin`."""
        return 0.0 if _is_local_path(request.raw_path) else self.faults.draw(request).latency

    # -- the request path ------------------------------------------------------------------

    def begin(self, request: Request) -> Ticket:
        """A transport's first step: draw the request's latency and fault, and claim its company's
        rate-limit slot. Pair every call with :meth:`finish` once the answer is out."""
        if _is_local_path(request.raw_path):  # controls and Link pages: never faulted nor limited
            return PLAIN
        draw = self.faults.draw(request)
        if self.rate_limiter is None or (draw.wire is not None and draw.wire.before_handling):
            return PLAIN if draw is NO_DRAW else Ticket(draw)
        company, refused = self.rate_limiter.arrive(request)
        return Ticket(draw, company, refused)

    def finish(self, ticket: Ticket) -> None:
        """Release the rate-limit slot a :meth:`begin` claimed."""
        if ticket.company is not None and self.rate_limiter is not None:
            self.rate_limiter.leave(ticket.company)

    def handle(self, request: Request, ticket: Ticket = PLAIN) -> Response:
        """Answer one request. Never raises: every failure becomes a Codat-shaped error."""
        with self._lock:
            public = _is_public_path(request.raw_path)
            seen: list[Tenant] = []  # the caller, once its key is known: rate-limit headers need it
            try:
                response = self._dispatch(request, public, ticket, seen)
            except HTTPError as exc:
                response = self._error(exc, public)
            except Exception:  # a bug in the emulator must not take the server down
                log.exception("Emulator failure on %s %s", request.method, request.raw_path[:200])
                response = self._error(
                    HTTPError(500, "The emulator hit an internal error; the details are in its log.", can_be_retried="False"),
                    public,
                )
            finally:
                self.state.store.commit()
            if seen and self.rate_limiter is not None and not request.raw_path.startswith(controls.PREFIX):
                extra = self.rate_limiter.headers(seen[0], self.clock.now())
                response = Response(response.status, [*response.headers, *extra], response.body)
            return response

    def _dispatch(self, request: Request, public: bool, ticket: Ticket, seen: list[Tenant]) -> Response:
        if len(request.body) > MAX_BODY_BYTES:
            raise HTTPError(413, f"The request body is larger than the limit of {MAX_BODY_BYTES} bytes; send less.")
        now = self.clock.now()
        tenant = None
        if not public:
            tenant_id = self._authenticate(request)
            tenant = self.state.tenant(tenant_id)
            if request.raw_path.startswith(controls.PREFIX):
                self._check_control_key(tenant_id)
            else:
                seen.append(tenant)
                self._admit(request, tenant, ticket, now)
            self.state.settle(tenant, now)
        route, raw_params = self.router.resolve(request)
        if route.public != public:  # e.g. /link/... with a method only the API has
            raise HTTPError(404, f"No endpoint matches {request.method} {request.raw_path[:200]}.")
        if public:
            for company_tenant in self.state.tenants.values():
                self.state.settle(company_tenant, now)
        call = Call(request, check_params(raw_params), tenant, self, now)
        return route.handler(call)

    def _admit(self, request: Request, tenant: Tenant, ticket: Ticket, now: datetime) -> None:
        """Rate limits, then injected faults: each raises the error that answers instead of the API."""
        if self.rate_limiter is not None:
            if ticket.refused is not None:
                raise ticket.refused
            self.rate_limiter.count(tenant, now, self.clock.speed)
        injected = self.faults.take(request)
        if injected is not None:
            raise injected
        if ticket.draw.status is not None:
            raise self.faults.injected(ticket.draw.status)

    def _check_control_key(self, tenant_id: str) -> None:
        if self._control_tenant is not None and not hmac.compare_digest(tenant_id, self._control_tenant):
            raise HTTPError(
                403,
                "The Sandbox's controls (/_sandbox/...) need its control key: this server was started with "
                "--control-key and this API key is not it. The Codat API paths take your own key.",
                can_be_retried="False",
            )

    def _authenticate(self, request: Request) -> str:
        """The tenant for the request's API key; 401 for a missing, malformed or refused key."""
        header = request.header("authorization")
        tenant = self._tenants_by_header.get(header) if header else None
        if tenant is None:
            tenant = self._check_key(header)
            if len(self._tenants_by_header) >= 4096:  # many keys: start over rather than grow
                self._tenants_by_header.clear()
            self._tenants_by_header[header] = tenant  # type: ignore[index]
        return tenant

    def _check_key(self, header: str | None) -> str:
        if not header:
            raise _unauthorized("No Authorization header: send 'Authorization: Basic <base64 of your API key>'.")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "basic" and not token.strip():
            raise _unauthorized("The API key in the Authorization header is empty: send 'Basic <base64 of your API key>'.")
        if scheme.lower() != "basic":
            raise _unauthorized("The Authorization header must be 'Basic <base64 of your API key>'.")
        try:
            key = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("The Authorization header is not valid base64 of an API key.") from None
        if not key.strip():
            raise _unauthorized("The API key in the Authorization header is empty.")
        if self._keys is not None and key not in self._keys:
            raise _unauthorized("This API key is not accepted by the emulator (it was started with --api-key).")
        return tenant_of(key)

    def _error(self, exc: HTTPError, public: bool) -> Response:
        # Unique per answer, as Codat's are (not drawn from the seed: two runs must not share them).
        correlation = secrets.token_hex(16)
        if public:
            page = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Link error</title></head>"
                f"<body><h1>Something went wrong</h1><p>{_escape(exc.error)}</p>"
                f"<p><small>Correlation id {correlation}</small></p></body></html>"
            )
            response = html_response(exc.status, page)
            response.headers.extend(exc.headers)
            return response
        return json_response(exc.status, exc.body(correlation), headers=exc.headers)

    def _index(self, call: Call) -> Response:
        return json_response(
            200,
            {
                "name": "codat_nb Sandbox: an offline emulator of the Codat Platform API",
                "now": format_timestamp(call.now),
                "auth": "Authorization: Basic <base64 of any API key>",
                "endpoints": describe_routes(self.router.routes),
            },
        )


def _unauthorized(detail: str) -> HTTPError:
    # Codat answers just "Unauthorized"; the emulator adds what to fix.
    return HTTPError(401, f"Unauthorized. {detail}")


def _is_public_path(path: str) -> bool:
    return path in ("/", "", "/favicon.ico") or path.startswith("/link/")


def _is_local_path(path: str) -> bool:
    return _is_public_path(path) or path.startswith(controls.PREFIX)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
