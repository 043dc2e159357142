"""Client and AsyncClient: carry out the operations (operations.py, reads.py, syncing.py) over httpx,
with retries, error mapping, and the key kept out of sight.

The client's own frames set ``__tracebackhide__``, which IPython honours: an error in a notebook
shows the caller's line, then the message, not five frames of codat_nb's machinery.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, replace
from typing import Any, AsyncIterator, Callable, Iterator

import httpx

from . import linking, operations, reads, syncing
from .config import CODAT_BASE_URL, EnvSettings, Secret, check_base_url
from .curl import RecordedRequest, to_curl
from .errors import APIError, CodatError, ConfigError, OutcomeUnknownError, RateLimitError, TransportError, ValidationError
from .gc_pause import keeping_pages
from .responses import BrokenBody, answer_json, api_error, raw_body
from .retries import RateLimit, RetryPolicy, as_policy, parse_rate_limit, parse_retry_after
from .steps import Concurrency, Emit, Gather, Now, Operation, Prefetch, Resume, Send, Sleep, Take
from .validation import check_positive_int

log = logging.getLogger("codat_nb.client")

#: Codat allows 10 concurrent requests per company: the default, and AsyncClient's cap per company
#: whatever ``concurrency`` is.
DEFAULT_CONCURRENCY = 10
COMPANY_CONCURRENCY = 10
USER_AGENT = "codat-nb/0.1"
#: The request never reached Codat, so nothing can have happened: any request may be sent again.
#: Every other httpx error (ReadError, RemoteProtocolError, ReadTimeout, WriteError, ...) came
#: after the request was sent, at least in part: Codat may have acted, and the answer was lost.
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol, httpx.LocalProtocolError)
_sandbox_notice_shown = False


class _BaseClient:
    """What both clients share: settings, building requests, deciding on retries, mapping answers."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str = CODAT_BASE_URL,
        *,
        timeout: float = 30.0,
        retries: RetryPolicy | bool | int | None = True,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Any] | None = None,
        clock: Callable[[], float] | None = None,
        label: str | None = None,
    ) -> None:
        if api_key is None:
            raise ConfigError(
                "No API key: set CODAT_API_KEY, pass api_key=..., or use Client.from_env() or codat_nb.Sandbox().client() "
                "for the embedded Sandbox."
            )
        self._key = Secret(api_key)
        self.base_url = check_base_url(base_url)
        self.retry_policy = as_policy(retries)
        self.concurrency = check_positive_int(concurrency, "concurrency", 1, 100)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:  # NaN too
            raise ConfigError(f"timeout must be a positive number of seconds; got {timeout!r}.")
        self.timeout = float(timeout)
        self._transport = transport
        self._sleep_hook = sleep
        self._now = clock or time.monotonic
        self._label = label
        self._last: RecordedRequest | None = None
        #: The embedded Sandbox behind this client (codat_nb.Sandbox), else None: what lets code and
        #: widgets act as the customer (sandbox.authorize) or move the Sandbox's clock.
        self.sandbox: Any = None
        self._owned_sandbox: Any = None
        #: Requests sent, retries included: what a benchmark or a rate-limit budget counts.
        self.requests_sent = 0
        #: Failed tries the client got past, by cause ("HTTP 503", "ReadError", "malformed body", ...):
        #: each one was followed by another try or, for a write, by a check of whether it took effect.
        self.retries_by_cause: Counter[str] = Counter()
        #: The rate-limit headers of the latest answer that carried them; None before any.
        self.rate_limit: RateLimit | None = None
        self._hold_until = float("-inf")  # no request starts before this (client clock): a 429's Retry-After

    def __repr__(self) -> str:
        where = self._label or self.base_url
        return f"{type(self).__name__}({where!r}, api_key={self._key!r}, retries={self.retry_policy.max_attempts - 1})"

    # -- requests -----------------------------------------------------------------------------------------

    def _build(self, http: httpx.Client | httpx.AsyncClient, send: Send) -> httpx.Request:
        path = send.path if send.path.startswith("/") else "/" + send.path
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        request = http.build_request(send.method, self.base_url + path, params=send.params or None, json=send.json, headers=headers)
        shown = tuple((k, v) for k, v in request.headers.items() if k.lower() != "authorization")
        self._last = RecordedRequest(send.method, str(request.url), shown, request.content)
        request.headers["Authorization"] = self._key.authorization()
        return request

    def _judge(
        self, send: Send, tries: int, started: float, unclear_before: bool, response: httpx.Response | None, exc: httpx.HTTPError | None
    ) -> _Done | _Again:
        """What one try comes to: the result, another try after a wait, or an error raised.

        (a) Nothing can have happened: the request never left (connect errors, pool timeouts) or
        was refused before any action (408, 429): every request may go again. (b) Unclear: it was
        sent and the answer was lost (read errors, a body cut short, a 2xx whose JSON is empty or
        broken) or was a 5xx: idempotent requests go again; a write that must not happen twice
        raises OutcomeUnknownError, which the runner throws into the operation to settle.
        """
        __tracebackhide__ = True  # see the module docstring
        failed = self._failure(send, unclear_before, response, exc)
        if isinstance(failed, _Done):
            return failed
        wait = self.retry_policy.wait(tries, self._now() - started, failed.retry_after)
        if send.idempotent or not failed.unclear:
            if wait is None:
                raise self._gave_up(failed.error, failed.retry_after) from exc
            self.retries_by_cause[failed.cause] += 1
            if failed.status == 429 and failed.retry_after is not None:
                self._hold_until = max(self._hold_until, self._now() + wait)
            log.info("Retrying %s %s after %s in %.2f s (attempt %d of %d)", send.method, _path(send), failed.cause, wait,
                     tries + 1, self.retry_policy.max_attempts)  # fmt: skip
            return _Again(wait, failed.unclear, failed.retry_after is not None)
        if wait is not None:
            self.retries_by_cause[failed.cause] += 1
        resume = None if wait is None else Resume(tries, started, wait)
        raise self._unclear(send, failed.what, failed.error, resume) from exc

    def _failure(self, send: Send, unclear_before: bool, response: httpx.Response | None, exc: httpx.HTTPError | None) -> _Done | _Failed:
        """The result of a try, or what went wrong with it; raises at once what no retry can mend (4xx)."""
        __tracebackhide__ = True  # see the module docstring
        if exc is not None:
            cause = type(exc).__name__
            return _Failed(not isinstance(exc, _UNSENT), cause, self._transport_error(send, exc), f"its answer was lost ({cause}: {exc})")
        assert response is not None
        self._note_rate_limit(response)
        status = response.status_code
        if response.is_success:
            try:
                return _Done(self._body(send, response))
            except BrokenBody as broken:
                return _Failed(True, broken.cause, broken.error, f"it answered {status} with a {broken.cause}", status=status)
        if status == 404 and send.method == "DELETE" and unclear_before:
            # An earlier try's answer was lost after it was sent: the thing is gone, as asked.
            log.info("%s %s -> 404 after an unclear try: taken as done", send.method, _path(send))
            return _Done(None)
        if status not in self.retry_policy.statuses:
            raise api_error(response, send.method, _path(send))
        error = api_error(response, send.method, _path(send))
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        # 408 and 429 are refusals before anything happened; a 5xx may come after the act.
        return _Failed(status >= 500, f"HTTP {status}", error, f"it answered {status} ({_said(error)})", retry_after, status)

    def _body(self, send: Send, response: httpx.Response) -> Any:
        __tracebackhide__ = True  # see the module docstring
        if send.empty or response.status_code == 204:
            return None
        if send.raw:
            return raw_body(response, send.method, _path(send))
        return answer_json(response, send.method, _path(send))

    def _gave_up(self, error: CodatError, retry_after: float | None) -> CodatError:
        if isinstance(error, RateLimitError) and retry_after is not None and retry_after > self.retry_policy.max_backoff:
            backoff = self.retry_policy.max_backoff
            error.args = (
                f"{error.args[0]} That is longer than this client waits (max_backoff {backoff:g} s), so it stopped: "
                f"try again after {retry_after:g} s, or allow longer waits with retries=RetryPolicy(max_backoff={retry_after:g}).",
                *error.args[1:],
            )
        return error

    def _unclear(self, send: Send, what: str, error: CodatError, resume: Resume | None) -> OutcomeUnknownError:
        check = send.check_hint or "Check whether it took effect before sending it again."
        message = f"{send.method} {_path(send)} was sent, but {what}, so Codat may or may not have acted on it. {check}"
        retry = None if resume is None else replace(send, resume=resume)
        return OutcomeUnknownError(message, method=send.method, path=_path(send), error=error, retry=retry)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        found = parse_rate_limit(response.headers)
        if found is not None:
            self.rate_limit = found

    def _start(self, send: Send) -> tuple[int, float, bool]:
        """Tries made, when the first began, and whether one was unclear: a write sent again
        after its operation's check carries these in ``resume``."""
        if send.resume is None:
            return 0, self._now(), False
        return send.resume.tries, send.resume.started, True

    def _held(self) -> float:
        """How long a request must wait before it starts: another request was answered 429 with
        Retry-After, and the limit applies to every request of this key."""
        return max(0.0, self._hold_until - self._now())

    def _transport_error(self, send: Send, exc: httpx.HTTPError) -> TransportError:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not reach Codat"
        message = (
            f"{send.method} {_path(send)} {kind} ({type(exc).__name__}: {exc}). "
            f"Check the network and base_url ({self.base_url}), or raise timeout= (now {self.timeout:g} s)."
        )
        return TransportError(message, method=send.method, path=_path(send))

    def _log_answer(self, send: Send, response: httpx.Response, elapsed: float) -> None:
        log.debug("%s %s -> %s in %.0f ms", send.method, _path(send), response.status_code, elapsed * 1000)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Any:
        """CODAT_API_KEY (and CODAT_BASE_URL) reach that API; without a key, the embedded Sandbox."""
        settings = EnvSettings.read()
        if settings.api_key is not None:
            return cls(settings.api_key, settings.base_url, **kwargs)
        from .embedded import Sandbox

        cls._notice_sandbox()
        client = Sandbox().bind(cls, **kwargs)
        client._owned_sandbox = client.sandbox  # closed with the client
        return client

    # -- teaching aid ------------------------------------------------------------------------------------------

    def last_request_as_curl(self) -> str:
        """The last request as a curl command; the key stays in $CODAT_API_KEY, never in the text."""
        if self._last is None:
            raise ConfigError("No request has been sent yet: call a method first, then ask for its curl command.")
        return to_curl(self._last)

    @staticmethod
    def _notice_sandbox() -> None:
        global _sandbox_notice_shown
        if not _sandbox_notice_shown:
            _sandbox_notice_shown = True
            print("No CODAT_API_KEY set: using the embedded Codat Sandbox (offline, dummy data).")


def _path(send: Send) -> str:
    return send.path.split("?", 1)[0]


@dataclass(frozen=True)
class _Done:
    value: Any


@dataclass(frozen=True)
class _Failed:
    unclear: bool  # Codat may have acted
    cause: str  # for retries_by_cause
    error: CodatError  # what the caller gets if no retry mends it
    what: str  # what happened, for OutcomeUnknownError's message
    retry_after: float | None = None
    status: int | None = None


@dataclass(frozen=True)
class _Again:
    wait: float
    unclear: bool  # the failed try may have acted (for a DELETE: a later 404 means done)
    waited_out: bool  # the wait is the server's Retry-After: the next try need not check the hold again


def _said(error: CodatError) -> str:
    said = getattr(error, "error", "") or "no error message"
    correlation = getattr(error, "correlation_id", None)
    return f"{said}; correlation id {correlation}" if correlation else said


def _for_operation(step: Any, error: CodatError) -> bool:
    """Whether an error goes into the operation (generator.throw) rather than straight to the
    caller: an unclear write; a request whose operation handles its errors (``catches``: the check
    of an unclear write, the snapshot before one); or a refusal of a write sent again after one, which the operation may read as a sign
    that the first try took effect (already in progress, already connected)."""
    if isinstance(error, OutcomeUnknownError) or step.catches:
        return True
    return step.resume is not None and isinstance(error, APIError)


def _blocking(operation: Callable[..., Operation[Any]]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def method(self: Client, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # see the module docstring
        return self._run(operation(*args, **kwargs))

    return method


def _awaitable(operation: Callable[..., Operation[Any]]) -> Callable[..., Any]:
    @functools.wraps(operation)
    async def method(self: AsyncClient, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # see the module docstring
        return await self._run(operation(*args, **kwargs))

    return method


#: The public operations, the same on both clients.
OPERATIONS: dict[str, Callable[..., Operation[Any]]] = {
    name: getattr(operations, name)
    for name in (
        "create_company", "get_company", "list_companies", "update_company", "replace_company", "delete_company",
        "create_connection", "list_connections", "get_connection", "unlink_connection", "delete_connection",
        "list_integrations", "get_integration", "get_sync_settings", "set_sync_settings",
        "refresh_all", "refresh_data_type", "data_status", "list_pull_operations", "get_pull_operation",
    )
} | {
    "wait_for_sync": syncing.wait_for_sync,
    "wait_for_link": linking.wait_for_link,
    "get_record": reads.get_record,
    "count_records": reads.count_records,
    "get_page": reads.get_page,
    "company_info": reads.company_info,
}  # fmt: skip


def _primed(operation: Operation[Any], key: Secret) -> tuple[Operation[Any], Any]:
    """Start an operation: its argument checks run now, before any request, even for iterators.

    An argument check quotes the bad value; if that value is the API key pasted in the wrong
    place, it is masked, since the key must never come back in an error.
    """
    __tracebackhide__ = True  # see the module docstring
    try:
        return operation, operation.send(None)
    except CodatError as error:
        from .masking import mask_error  # any run of the key, cut or not, and its base64

        mask_error(error, [key.reveal()])
        raise
    except StopIteration as stop:  # pragma: no cover - every operation makes at least one request
        raise RuntimeError("an operation ended without a request") from stop


class Client(_BaseClient):
    """The blocking client. ``Client(api_key=..., base_url=...)`` for api.codat.io or a served Sandbox;
    ``Client.from_env()`` or ``codat_nb.Sandbox().client()`` for the embedded one."""

    def __init__(self, api_key: str | Secret | None = None, base_url: str = CODAT_BASE_URL, **kwargs: Any) -> None:
        super().__init__(api_key, base_url, **kwargs)
        self._http = httpx.Client(transport=self._transport, timeout=self.timeout, follow_redirects=False)  # type: ignore[arg-type]

    def close(self) -> None:
        self._http.close()
        if self._owned_sandbox is not None:
            self._owned_sandbox.close()

    def as_async(self) -> AsyncClient:
        """An :class:`AsyncClient` with this client's key, base URL, transport, retries and embedded
        Sandbox: for asyncio code and widgets, which must not block the notebook while they wait."""
        if self._transport is not None and not isinstance(self._transport, httpx.AsyncBaseTransport):
            raise ConfigError(
                f"This client's transport ({type(self._transport).__name__}) cannot be used by an AsyncClient: "
                "pass an AsyncClient built with an async transport instead."
            )
        twin = AsyncClient(
            self._key, self.base_url, timeout=self.timeout, retries=self.retry_policy, concurrency=self.concurrency,
            transport=self._transport, sleep=self._sleep_hook, clock=self._now, label=self._label,
        )  # fmt: skip
        twin.sandbox = self.sandbox
        return twin

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _sleep(self, seconds: float) -> None:
        (self._sleep_hook or time.sleep)(seconds)

    def _send(self, send: Send) -> Any:
        __tracebackhide__ = True  # see the module docstring
        request = self._build(self._http, send)
        tries, started, unclear = self._start(send)
        if send.resume is not None and send.resume.wait:
            self._sleep(send.resume.wait)
        waited_out = False
        while True:
            held = 0.0 if waited_out else self._held()
            if held:
                self._sleep(held)
            tries += 1
            self.requests_sent += 1
            sent = time.perf_counter()
            response = exc = None
            try:
                response = self._http.send(request)
                self._log_answer(send, response, time.perf_counter() - sent)
            except httpx.HTTPError as error:
                exc = error
            verdict = self._judge(send, tries, started, unclear, response, exc)
            if isinstance(verdict, _Done):
                return verdict.value
            unclear, waited_out = unclear or verdict.unclear, verdict.waited_out
            self._sleep(verdict.wait)

    def _steps(self, operation: Operation[Any], step: Any) -> Iterator[list[Any]]:
        """Carry out steps, yielding what the operation emits; returns the operation's result."""
        __tracebackhide__ = True  # see the module docstring
        prefetched: deque[Send] = deque()
        while True:
            reply, thrown = None, None
            if isinstance(step, Emit):
                yield step.records
            elif isinstance(step, Send):
                try:
                    reply = self._send(step)
                except CodatError as error:
                    if not _for_operation(step, error):
                        raise
                    thrown = error
            elif isinstance(step, Gather):
                reply = [self._send(send) for send in step.sends]
            elif isinstance(step, Prefetch):
                prefetched.extend(step.sends)  # one request at a time: each is sent when taken
            elif isinstance(step, Take):
                reply = self._send(prefetched.popleft())
            elif isinstance(step, Sleep):
                time.sleep(step.seconds) if step.wall else self._sleep(step.seconds)
            elif isinstance(step, Now):
                reply = time.monotonic() if step.wall else self._now()
            elif isinstance(step, Concurrency):
                reply = 1  # one request at a time: pages follow _links.next
            try:
                step = operation.send(reply) if thrown is None else operation.throw(thrown)
            except StopIteration as stop:
                return stop.value

    def _run(self, operation: Operation[Any]) -> Any:
        __tracebackhide__ = True  # see the module docstring
        steps = self._steps(*_primed(operation, self._key))
        try:
            while True:
                next(steps)
        except StopIteration as stop:
            return stop.value

    def iter_records(self, company_id: str, data_type: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every record of a data type, page by page (following ``_links.next``), as Codat's JSON.

        Keyword arguments: query, order_by, page_size (1-5000), connection_id and account_id
        (bank accounts and transactions hang off the accounting connection).
        """
        return (record for page in self._pages(_records(company_id, data_type, kwargs)) for record in page)

    def _pages(self, operation: Operation[None]) -> Iterator[list[Any]]:
        return self._steps(*_primed(operation, self._key))

    def list_records(self, company_id: str, data_type: str, **kwargs: Any) -> list[dict[str, Any]]:
        """:meth:`iter_records` as a list."""
        records: list[dict[str, Any]] = []
        pages = self._pages(_records(company_id, data_type, kwargs))
        with keeping_pages() as kept:
            for page in pages:
                records.extend(page)
                kept()
        return records

    def read_frame(self, company_id: str, data_type: str, **kwargs: Any) -> Any:
        """Every record of a data type as one tidy DataFrame (:func:`codat_nb.frames.frame`), read
        from the page bodies' bytes by pyarrow, without Python dicts in between."""
        return next(iter(self._read_frames(company_id, data_type, True, kwargs).values()))

    def read_tables(self, company_id: str, data_type: str, **kwargs: Any) -> dict[str, Any]:
        """The data type's frame and its child frames (line items, ...): :func:`codat_nb.frames.tables`."""
        return self._read_frames(company_id, data_type, False, kwargs)

    def _read_frames(self, company_id: str, data_type: str, main_only: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        pages = self._pages(_records(company_id, data_type, kwargs, raw=True))
        return _frames_of_pages(data_type, [body for page in pages for body in page], main_only)

    def balance_sheet(self, company_id: str, period_length: int = 1, periods_to_compare: int = 12, start_month: Any = None) -> dict[str, Any]:
        """Codat's balance sheet: ``periods_to_compare`` periods of ``period_length`` months, latest first."""
        return self._run(reads.financial_report(company_id, "balanceSheet", period_length, periods_to_compare, start_month))

    def profit_and_loss(self, company_id: str, period_length: int = 1, periods_to_compare: int = 12, start_month: Any = None) -> dict[str, Any]:
        """Codat's profit and loss: ``periods_to_compare`` periods of ``period_length`` months, latest first."""
        return self._run(reads.financial_report(company_id, "profitAndLoss", period_length, periods_to_compare, start_month))


class AsyncClient(_BaseClient):
    """The asyncio twin of :class:`Client`: the same methods, awaited; reads fetch pages concurrently
    (at most ``concurrency`` requests in flight, 10 by default as Codat allows per company)."""

    def __init__(self, api_key: str | Secret | None = None, base_url: str = CODAT_BASE_URL, **kwargs: Any) -> None:
        super().__init__(api_key, base_url, **kwargs)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        self._http = httpx.AsyncClient(transport=self._transport, timeout=self.timeout, limits=limits, follow_redirects=False)  # type: ignore[arg-type]
        self._slots: _Slots | None = None

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._owned_sandbox is not None:
            self._owned_sandbox.close()

    def as_async(self) -> AsyncClient:
        """This client itself (see :meth:`Client.as_async`)."""
        return self

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _sleep(self, seconds: float) -> None:
        if self._sleep_hook is not None:
            result = self._sleep_hook(seconds)
            if asyncio.iscoroutine(result):
                await result
            return
        await asyncio.sleep(seconds)

    async def _send(self, send: Send) -> Any:
        __tracebackhide__ = True  # see the module docstring
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots.loop is not loop:  # semaphores belong to one event loop
            self._slots = _Slots(loop, self.concurrency)
        async with self._slots.held(send.path):
            request = self._build(self._http, send)
            tries, started, unclear = self._start(send)
            if send.resume is not None and send.resume.wait:
                await self._sleep(send.resume.wait)
            waited_out = False
            while True:
                # Every request waits out a 429's Retry-After, not only the one that got it.
                held = 0.0 if waited_out else self._held()
                if held:
                    await self._sleep(held)
                tries += 1
                self.requests_sent += 1
                sent = time.perf_counter()
                response = exc = None
                try:
                    response = await self._http.send(request)
                    self._log_answer(send, response, time.perf_counter() - sent)
                except httpx.HTTPError as error:
                    exc = error
                verdict = self._judge(send, tries, started, unclear, response, exc)
                if isinstance(verdict, _Done):
                    return verdict.value
                unclear, waited_out = unclear or verdict.unclear, verdict.waited_out
                await self._sleep(verdict.wait)

    async def _gather(self, sends: tuple[Send, ...]) -> list[Any]:
        __tracebackhide__ = True  # see the module docstring
        try:
            async with asyncio.TaskGroup() as group:  # the first failure cancels the rest
                tasks = [group.create_task(self._send(send)) for send in sends]
        except BaseExceptionGroup as failed:  # raise the CodatError itself, not a group of one
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _do(self, step: Any, prefetcher: _Prefetcher) -> Any:
        __tracebackhide__ = True  # see the module docstring
        if isinstance(step, Send):
            return await self._send(step)
        if isinstance(step, Take):
            return await prefetcher.take()
        if isinstance(step, Prefetch):
            return prefetcher.add(step)
        if isinstance(step, Gather):
            return await self._gather(step.sends)
        if isinstance(step, Sleep):
            return await (asyncio.sleep(step.seconds) if step.wall else self._sleep(step.seconds))
        if isinstance(step, Now):
            return time.monotonic() if step.wall else self._now()
        if isinstance(step, Concurrency):
            return self.concurrency
        raise TypeError(f"unexpected step {step!r}")  # pragma: no cover

    async def _run(self, operation: Operation[Any]) -> Any:
        __tracebackhide__ = True  # see the module docstring
        operation, step = _primed(operation, self._key)
        prefetcher = _Prefetcher(self._send)
        try:
            while True:
                reply, thrown = None, None
                try:
                    reply = await self._do(step, prefetcher)
                except CodatError as error:
                    if not (isinstance(step, Send) and _for_operation(step, error)):
                        raise
                    thrown = error
                try:
                    step = operation.send(reply) if thrown is None else operation.throw(thrown)
                except StopIteration as stop:
                    return stop.value
        finally:
            await prefetcher.cancel()

    def iter_records(self, company_id: str, data_type: str, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        """Every record of a data type, in Codat's order; pages are planned from ``totalResults`` and
        fetched concurrently, a bounded number ahead of the caller (a sliding window). Keyword
        arguments as for :meth:`Client.iter_records`."""
        pages = self._pages(_records(company_id, data_type, kwargs))

        async def stream() -> AsyncIterator[dict[str, Any]]:
            try:
                async for page in pages:
                    for record in page:
                        yield record
            finally:  # the caller stopped early: stop the prefetched pages now, not at garbage collection
                await pages.aclose()

        return stream()

    def _pages(self, operation: Operation[None]) -> AsyncIterator[list[Any]]:
        operation, step = _primed(operation, self._key)

        async def stream() -> AsyncIterator[list[Any]]:
            current, prefetcher = step, _Prefetcher(self._send)
            try:
                while True:
                    reply, thrown = None, None
                    if isinstance(current, Emit):
                        yield current.records
                    else:
                        try:
                            reply = await self._do(current, prefetcher)
                        except CodatError as error:
                            if not (isinstance(current, Send) and _for_operation(current, error)):
                                raise
                            thrown = error
                    try:
                        current = operation.send(reply) if thrown is None else operation.throw(thrown)
                    except StopIteration:
                        return
            finally:  # an error, or the caller stopped early: nothing keeps running
                await prefetcher.cancel()

        return stream()

    async def list_records(self, company_id: str, data_type: str, **kwargs: Any) -> list[dict[str, Any]]:
        """:meth:`iter_records` as a list."""
        records: list[dict[str, Any]] = []
        pages = self._pages(_records(company_id, data_type, kwargs))
        with keeping_pages() as kept:
            async for page in pages:
                records.extend(page)
                kept()
        return records

    async def read_frame(self, company_id: str, data_type: str, **kwargs: Any) -> Any:
        """Every record of a data type as one tidy DataFrame (:func:`codat_nb.frames.frame`), read
        from the page bodies' bytes by pyarrow, without Python dicts in between."""
        return next(iter((await self._read_frames(company_id, data_type, True, kwargs)).values()))

    async def read_tables(self, company_id: str, data_type: str, **kwargs: Any) -> dict[str, Any]:
        """The data type's frame and its child frames (line items, ...): :func:`codat_nb.frames.tables`."""
        return await self._read_frames(company_id, data_type, False, kwargs)

    async def _read_frames(self, company_id: str, data_type: str, main_only: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
        pages = self._pages(_records(company_id, data_type, kwargs, raw=True))
        return _frames_of_pages(data_type, [body async for page in pages for body in page], main_only)

    async def balance_sheet(self, company_id: str, period_length: int = 1, periods_to_compare: int = 12, start_month: Any = None) -> dict[str, Any]:
        """Codat's balance sheet: ``periods_to_compare`` periods of ``period_length`` months, latest first."""
        return await self._run(reads.financial_report(company_id, "balanceSheet", period_length, periods_to_compare, start_month))

    async def profit_and_loss(self, company_id: str, period_length: int = 1, periods_to_compare: int = 12, start_month: Any = None) -> dict[str, Any]:
        """Codat's profit and loss: ``periods_to_compare`` periods of ``period_length`` months, latest first."""
        return await self._run(reads.financial_report(company_id, "profitAndLoss", period_length, periods_to_compare, start_month))


#: What the record readers (iter_records, list_records, read_frame, read_tables) take besides the company and type.
READ_OPTIONS = ("query", "order_by", "page_size", "connection_id", "account_id")


def _records(company_id: str, data_type: str, options: dict[str, Any], raw: bool = False) -> Operation[None]:
    """reads.records, with a clear message for an option it does not take (not Python's TypeError)."""
    unknown = sorted(set(options) - set(READ_OPTIONS))
    if unknown:
        raise ValidationError(
            f"Unknown read option(s) {', '.join(map(repr, unknown))}: a read takes {', '.join(READ_OPTIONS)}."
        )
    return reads.records(company_id, data_type, raw=raw, **options)


def _frames_of_pages(data_type: str, pages: list[tuple[bytes, int | None]], main_only: bool) -> dict[str, Any]:
    """Frames from raw page bodies, checking each page carries the total page 1 planned with."""
    from . import frames

    built, totals = frames.pages_to_tables(data_type, [body for body, _ in pages], main_only)
    reads.check_page_totals(data_type, [expected for _, expected in pages], totals)
    return built


class _Slots:
    """At most ``concurrency`` requests in flight, and never more than Codat's 10 for one company:
    a client reading 25 companies with ``concurrency=50`` spreads them instead of meeting 429s."""

    def __init__(self, loop: asyncio.AbstractEventLoop, concurrency: int) -> None:
        self.loop = loop
        self._all = asyncio.Semaphore(concurrency)
        self._per_company: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}
        self._company_limit = min(concurrency, COMPANY_CONCURRENCY)

    @contextlib.asynccontextmanager
    async def held(self, path: str) -> AsyncIterator[None]:
        company = _company_of(path)
        if company is None:
            async with self._all:
                yield
            return
        semaphore, users = self._per_company.setdefault(company, (asyncio.Semaphore(self._company_limit), [0]))
        users[0] += 1
        try:
            async with semaphore, self._all:  # the company's slot first: a waiting request holds no global slot
                yield
        finally:
            users[0] -= 1
            if not users[0]:  # nobody holds or awaits it: forget it, so a long session does not grow
                del self._per_company[company]


def _company_of(path: str) -> str | None:
    """The company id of a /companies/{id}/... path (what Codat's per-company limit counts)."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "companies" else None


class _Prefetcher:
    """AsyncClient's side of Prefetch/Take: calls started early, handed back in order."""

    def __init__(self, send: Callable[[Send], Any]) -> None:
        self._send = send
        self._waiting: deque[Send] = deque()
        self._started: deque[asyncio.Task[Any]] = deque()
        self._ahead = 1

    def add(self, step: Prefetch) -> None:
        self._waiting.extend(step.sends)
        self._ahead = max(1, step.ahead)
        self._start()

    def _start(self) -> None:
        # Tasks wait on the client's semaphore, so at most `concurrency` are in flight; the rest
        # of the `ahead` started-but-not-taken calls are ready and waiting to be taken.
        while self._waiting and len(self._started) < self._ahead:
            self._started.append(asyncio.ensure_future(self._send(self._waiting.popleft())))

    async def take(self) -> Any:
        task = self._started.popleft()
        self._start()
        return await task

    async def cancel(self) -> None:
        self._waiting.clear()
        started, self._started = list(self._started), deque()
        for task in started:
            task.cancel()
        if started:  # collect them, so no "exception was never retrieved" warnings
            await asyncio.gather(*started, return_exceptions=True)


for _name, _operation in OPERATIONS.items():
    setattr(Client, _name, _blocking(_operation))
    setattr(AsyncClient, _name, _awaitable(_operation))
del _name, _operation
