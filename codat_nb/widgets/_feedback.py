"""What a widget says when something fails: the CodatError's own text, the correlation id, what to
do next; never a raw traceback, never the API key."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .. import errors

#: What to do next, by kind of failure, when the message itself does not say it.
_NEXT_STEPS: tuple[tuple[type[BaseException], str], ...] = (
    (errors.AuthError, "Check the API key (CODAT_API_KEY; Codat Portal > Developers > API keys) and that it is still active."),
    (errors.RateLimitError, "Codat's rate limit was reached: wait a little, then try again."),
    (errors.ServerError, "Codat could not answer just now: try again; if it persists, quote the correlation id to Codat support."),
    (errors.TransportError, "Check the network connection and the base URL, then try again."),
    (errors.NotFoundError, "Check the id: it may belong to another API key, or have been deleted."),
    (errors.ValidationError, "Correct the value and try again."),
    (errors.SyncTimeoutError, "The pulls carry on in Codat: watch again, or read what has completed."),
    (errors.LinkTimeoutError, "Open the Link URL, press Connect and sign in, then press Refresh."),
)


@dataclass(frozen=True)
class Problem:
    """A failure as a widget shows it."""

    title: str
    message: str
    correlation_id: str | None = None
    next_step: str | None = None

    def to_html(self) -> str:
        parts = [f"<b>{escape(self.title)}</b>: {escape(self.message)}"]
        if self.correlation_id:
            parts.append(f"<br><small>Correlation id <code>{escape(self.correlation_id)}</code></small>")
        if self.next_step:
            parts.append(f"<br><small>{escape(self.next_step)}</small>")
        return f"<div class='codat-nb-error' role='alert' style='{ERROR_STYLE}'>{''.join(parts)}</div>"

    def __str__(self) -> str:
        lines = [f"{self.title}: {self.message}"]
        if self.correlation_id:
            lines.append(f"Correlation id {self.correlation_id}")
        if self.next_step:
            lines.append(self.next_step)
        return "\n".join(lines)


ERROR_STYLE = "background:#fde2e2;border-radius:6px;padding:8px 12px;margin:4px 0;color:#7a1010"
INFO_STYLE = "background:#eef0f7;border-radius:6px;padding:8px 12px;margin:4px 0;color:#1d1d2b"
SUCCESS_STYLE = "background:#dff5e9;border-radius:6px;padding:8px 12px;margin:4px 0;color:#0b6b3a"


def describe(error: BaseException, secret: str | None = None) -> Problem:
    """The Problem a widget shows for ``error``; ``secret`` (the API key) is masked if present."""
    problem = _api_problem(error) if isinstance(error, errors.APIError) else _other_problem(error)
    return _masked(problem, secret)  # the key in use, and any other this process holds


def _other_problem(error: BaseException) -> Problem:
    if isinstance(error, errors.CodatError):
        title, message = _title_of(type(error).__name__), str(error) or type(error).__name__
    else:
        title = f"Unexpected error ({type(error).__name__})"
        message = f"{error or type(error).__name__} (details are in the kernel's log: this is a bug worth reporting)"
    next_step = _next_step(error)
    return Problem(title, message, None, None if next_step and next_step in message else next_step)


def _next_step(error: BaseException) -> str | None:
    return next((step for kind, step in _NEXT_STEPS if isinstance(error, kind)), None)


_TITLES = {
    "TransportError": "No answer from Codat", "ValidationError": "Check the input", "ConfigError": "Configuration",
    "SchemaError": "Unexpected answer", "SyncFailedError": "Sync failed", "SyncTimeoutError": "Sync still running",
    "NotLinkedError": "Not linked yet", "LinkTimeoutError": "Not linked yet", "DataChangedError": "Data changed while reading",
}  # fmt: skip


def _api_problem(error: errors.APIError) -> Problem:
    """Codat's own text and validation lines, the request, the correlation id, then the client's hint."""
    from ..responses import hint_for, validation_lines

    text = error.error or str(error)
    lines = validation_lines(error.validation)
    where = f" ({error.method} {error.path})" if error.method and error.path else ""
    message = text + where + (" " + " ".join(lines) if lines else "")
    hint = hint_for(error.status, error.path, getattr(error, "retry_after", None))
    return Problem(f"Codat answered {error.status}", message, error.correlation_id, hint or _next_step(error))


def _title_of(name: str) -> str:
    return _TITLES.get(name, "Error")


def _masked(problem: Problem, secret: str | None) -> Problem:
    from ..masking import mask_text

    def mask(text: str | None) -> str | None:
        return None if text is None else mask_text(text, [secret])

    return Problem(mask(problem.title) or "", mask(problem.message) or "", mask(problem.correlation_id), mask(problem.next_step))


def note_html(text: str, style: str = INFO_STYLE, role: str = "status") -> str:
    return f"<div role='{role}' style='{style}'>{escape(text)}</div>"
