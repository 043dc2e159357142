"""The one exception tree of codat_nb: ``except CodatError`` catches everything the client raises.

Messages say what happened, name the id involved and say what to do next. None of them ever
contains the API key: the client builds them from the response body and the request's method
and path, never from headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "APIError",
    "AuthError",
    "CodatError",
    "ConfigError",
    "ConflictError",
    "DataChangedError",
    "LinkTimeoutError",
    "NotFoundError",
    "NotLinkedError",
    "OutcomeUnknownError",
    "RateLimitError",
    "SchemaError",
    "ServerError",
    "SyncFailedError",
    "SyncTimeoutError",
    "TransportError",
    "ValidationError",
]


class CodatError(Exception):
    """Base of every error codat_nb raises."""

    def __init__(self, *args: Any) -> None:
        # A message may quote an argument, or Codat's answer to one: never the API key in it (masking.py).
        from .masking import mask_text

        super().__init__(*(mask_text(arg) if isinstance(arg, str) else arg for arg in args))

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default rebuilds with cls(*args), which loses the keyword-only fields of the
        # subclasses; rebuild from the message and restore the fields, so copy and pickle work.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[CodatError], args: tuple[Any, ...]) -> CodatError:
    error = cls.__new__(cls, *args)
    error.args = args  # OSError (SyncTimeoutError's TimeoutError) leaves args to __init__, which is skipped here
    return error


class ConfigError(CodatError):
    """Missing or contradictory settings (no API key for the real API, a bad base URL, ...)."""


class ValidationError(CodatError, ValueError):
    """An argument the client refuses before sending anything (bad id, unknown data type, ...)."""


class SchemaError(CodatError):
    """A response lacks a field codat_nb needs, or has the wrong type for it."""


class TransportError(CodatError):
    """The request did not get an HTTP answer (connection refused, timeout, DNS, ...)."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class OutcomeUnknownError(TransportError):
    """A write that must not happen twice was sent, but its outcome is unknown: the answer was lost
    (connection reset, timeout, a body cut short) or was a 5xx, after which Codat may have acted.

    The client hands it to the operation first, which checks whether its write took effect (and
    returns that result) or, if not, sends it again (``retry``: None once the retry policy allows
    no more tries). It reaches the caller only when that check could not settle it: the message
    says what to look at before sending the write again.
    """

    def __init__(
        self, message: str, *, method: str = "", path: str = "", error: CodatError | None = None, retry: Any = None,
        found: Sequence[str] = (),
    ) -> None:  # fmt: skip
        super().__init__(message, method=method, path=path)
        #: The error the failed try would have raised had it been a read (a TransportError or the 5xx).
        self.error = error
        #: The same request, to send again after checking (see :mod:`codat_nb.operations`).
        self.retry = retry
        #: Ids of what the check found when it found more than one candidate.
        self.found = tuple(found)


class APIError(CodatError):
    """Codat answered with a non-2xx status; the fields of its ErrorMessage body are kept."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        error: str = "",
        correlation_id: str | None = None,
        can_be_retried: str | None = None,
        validation: Mapping[str, Any] | None = None,
        service: str | None = None,
        method: str = "",
        path: str = "",
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.correlation_id = correlation_id
        self.can_be_retried = can_be_retried
        self.validation = validation
        self.service = service
        self.method = method
        self.path = path
        self.body = body

    @property
    def status_code(self) -> int:
        """Alias of ``status``, as httpx and the official SDK name it."""
        return self.status


class AuthError(APIError):
    """401 or 403: the API key is missing, wrong, or not allowed this resource."""


class NotFoundError(APIError):
    """404: no such company, connection, pull, record, or a data type the integration lacks."""


class ConflictError(APIError):
    """409: typically data that has not been synced yet (queue a pull, wait for it, then read)."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's advice in seconds, if it gave any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: Codat could not answer; usually worth retrying later."""


class SyncFailedError(CodatError):
    """A sync ended with data types in an error status.

    ``failed`` maps each errored data type to its pull operation (status and errorMessage);
    ``completed`` maps each data type that did finish, so the caller keeps what worked.
    """

    def __init__(self, message: str, *, failed: Mapping[str, Any], completed: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.failed = dict(failed)
        self.completed = dict(completed)

    @property
    def data_types(self) -> Sequence[str]:
        return tuple(self.failed)


class SyncTimeoutError(CodatError, TimeoutError):
    """The sync had not ended when wait_for_sync's timeout ran out; ``progress`` is the last poll."""

    def __init__(self, message: str, progress: Any) -> None:
        super().__init__(message)
        self.progress = progress


class NotLinkedError(CodatError):
    """There is nothing to sync: the company has no Linked connection and nothing queued. Link it
    first (its ``redirect`` is the Link page), e.g. waiting with wait_for_link."""

    def __init__(self, message: str, *, company_id: str, redirect: str | None = None) -> None:
        super().__init__(message)
        self.company_id = company_id
        self.redirect = redirect


class LinkTimeoutError(CodatError, TimeoutError):
    """No connection of the company became Linked before wait_for_link's timeout; ``company`` is the last poll."""

    def __init__(self, message: str, company: Any) -> None:
        super().__init__(message)
        self.company = company


class DataChangedError(CodatError):
    """A collection changed while its pages were being read (a sync completed meanwhile): read it again."""
