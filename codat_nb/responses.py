"""Turn an HTTP answer into JSON or into the right CodatError, with a message that says what to do next."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from .errors import APIError, AuthError, ConflictError, NotFoundError, RateLimitError, SchemaError, ServerError
from .retries import parse_retry_after

_HINTS = {
    401: "Check the API key: set CODAT_API_KEY or pass api_key=... (Codat Portal > Developers > API keys).",
    403: "The key may be outdated or from another Codat instance: check it in the Codat Portal.",
    404: "Check the id (list what exists with list_companies() or list_connections(company_id)); "
    "for a data read, the integration may not support this data type.",  # /data/ paths; others: _NOT_FOUND_HINT
    409: "The data is not there yet: queue it with refresh_data_type(company_id, data_type) or refresh_all(company_id), "
    "then wait_for_sync(company_id) before reading.",
    429: "Too many requests: slow down or wait before trying again (the client retries these unless retries=False).",
}
_NOT_FOUND_HINT = (
    "Check the id (list_companies() or list_connections(company_id) show what this key can see): each API key "
    "sees only its own companies, so one created with another key, or on another Sandbox, answers 404 here."
)
_SERVER_HINT = "Codat could not answer: try again later; quote the correlation id if you contact Codat support."


def parse_body(response: httpx.Response, method: str, path: str) -> Any:
    """The JSON of a 2xx answer (None when empty)."""
    content = response.content
    if not content.strip():
        return None
    try:
        return parse_json(content)
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise SchemaError(
            f"{method} {path} answered {response.status_code} with a body that is not JSON ({kind}); "
            "check base_url points at the Codat API."
        ) from None


class BrokenBody(Exception):
    """A 2xx answer whose body is empty or not whole JSON where JSON was expected: a fault on the
    way (a body cut short, a dropped connection behind a proxy), so never a result. ``error`` is
    the SchemaError to raise once retrying stops; ``cause`` names the fault for the counters."""

    def __init__(self, cause: str, error: SchemaError) -> None:
        super().__init__(cause)
        self.cause = cause
        self.error = error


def answer_json(response: httpx.Response, method: str, path: str) -> Any:
    """The JSON of a 2xx answer that must carry JSON. Raises BrokenBody for an empty or malformed
    body (worth fetching again), SchemaError at once for a body declared as something else than
    JSON (an HTML page: base_url points elsewhere, and asking again would not help)."""
    content = response.content
    if not content.strip():
        return _broken("empty body", response, method, path, "an empty body where JSON was expected")
    try:
        return parse_json(content)
    except ValueError:
        if _declared_not_json(response):
            parse_body(response, method, path)  # raises its SchemaError
        return _broken("malformed body", response, method, path, "a body that is not whole JSON (cut short or garbled)")


def _declared_not_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return bool(kind) and kind != "application/json" and not kind.endswith("+json")


def _broken(cause: str, response: httpx.Response, method: str, path: str, what: str) -> Any:
    raise BrokenBody(cause, SchemaError(
        f"{method} {path} answered {response.status_code} with {what}, every time it was asked; "
        "check the network (a proxy may cut answers short) and that base_url points at the Codat API."
    ))  # fmt: skip


@dataclass(frozen=True)
class RawBody:
    """A body kept as bytes (for pyarrow), checked to be one whole JSON value, with the fields of
    Codat's paging envelope read from it (None where absent) so page 1 need not be parsed twice."""

    content: bytes
    envelope: Any


def raw_body(response: httpx.Response, method: str, path: str) -> RawBody:
    """The body of a raw read, refused (BrokenBody) unless it is whole JSON.

    The check is exact and cheap: pyarrow's JSON parser (RapidJSON, in C) validates the whole body
    but builds only the envelope (results as empty structs, totalResults, pageSize, _links.next):
    about 36 ms on a 13.6 MB page of 5,000 invoices, against about 200 ms for orjson.loads and
    140-210 ms to build the frame. A proper prefix of a JSON object is never JSON, so every cut is
    caught. What pyarrow refuses but Python's json reads (UTF-16, a non-object page, a string
    total) is settled by :func:`parse_json`, slower but rare.
    """
    content = response.content
    if not content.strip():
        return _broken("empty body", response, method, path, "an empty body where JSON was expected")
    envelope = _arrow_envelope(content)
    if envelope is None:
        try:
            envelope = parse_json(content)
        except ValueError:
            if _declared_not_json(response):
                parse_body(response, method, path)  # raises its SchemaError
            return _broken("malformed body", response, method, path, "a body that is not whole JSON (cut short or garbled)")
    return RawBody(content, envelope)


_ENVELOPE: Any = None


def _arrow_envelope(content: bytes) -> dict[str, Any] | None:
    global _ENVELOPE
    import pyarrow as pa  # only raw reads get here, and their frames need pyarrow anyway
    import pyarrow.json as pa_json

    if _ENVELOPE is None:
        href = pa.struct([pa.field("href", pa.string())])
        schema = pa.schema([
            pa.field("results", pa.list_(pa.struct([]))), pa.field("totalResults", pa.int64()),
            pa.field("pageSize", pa.int64()), pa.field("_links", pa.struct([pa.field("next", href)])),
        ])  # fmt: skip
        _ENVELOPE = pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    if b"\n" in content or b"\r" in content:  # spacing, as frames' reader treats it (rows are lines to pyarrow)
        content = content.replace(b"\r", b" ").replace(b"\n", b" ")
    options = pa_json.ReadOptions(use_threads=False, block_size=len(content) + 1)
    try:
        table = pa_json.read_json(pa.py_buffer(content), read_options=options, parse_options=_ENVELOPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != 1:  # two JSON values in one body is not one answer
        return None
    row = {name: table.column(name)[0] for name in ("totalResults", "pageSize", "_links")}
    results = table.column("results")
    return {
        "results": [] if results.null_count == 0 else None,
        "totalResults": row["totalResults"].as_py(),
        "pageSize": row["pageSize"].as_py(),
        "_links": row["_links"].as_py(),
    }


def parse_json(content: bytes) -> Any:
    """orjson (2.5x json.loads on a page of invoices), or Python's json for what orjson refuses or
    can't keep exact: NaN, UTF-16, lone surrogates, integers beyond 64 bits. ValueError if not JSON."""
    if not may_hold_a_big_integer(content):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    return json.loads(content)


_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))  # digits to "0", the rest to " "


def may_hold_a_big_integer(content: bytes) -> bool:
    """orjson reads integers beyond 64 bits as floats, silently losing digits; Python's json keeps
    them exact. A run of 19 digits (0.3 ms to find on a 270 kB page) sends the body to json."""
    return b"0" * 19 in content.translate(_DIGITS_ONLY)


def api_error(response: httpx.Response, method: str, path: str) -> APIError:
    """The exception for a non-2xx answer, carrying the fields of Codat's ErrorMessage body."""
    status = response.status_code
    body: Any = None
    try:
        body = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    error = str(fields.get("error") or "").strip() or _no_error_text(response)
    correlation = fields.get("correlationId") or response.headers.get("x-correlation-id")
    validation = fields.get("validation") if isinstance(fields.get("validation"), dict) else None
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    details = [f"{method} {path} -> {status}"]
    if correlation:
        details.append(f"correlation id {correlation}")
    message = f"{error} ({'; '.join(details)})."
    problems = _validation_lines(validation)
    if problems:
        message += " Validation: " + " ".join(problems)
    hint = hint_for(status, path, retry_after)
    if hint:
        message += " " + hint
    kwargs: dict[str, Any] = dict(
        status=status, error=error, correlation_id=correlation, can_be_retried=fields.get("canBeRetried"),
        validation=validation, service=fields.get("service"), method=method, path=path, body=body,
    )  # fmt: skip
    if status in (401, 403):
        return AuthError(message, **kwargs)
    if status == 404:
        return NotFoundError(message, **kwargs)
    if status == 409:
        return ConflictError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return APIError(message, **kwargs)


def hint_for(status: int, path: str, retry_after: float | None = None) -> str:
    """What to do about an answer with this status (empty when the status says nothing useful)."""
    if status == 429 and retry_after is not None:
        return f"Too many requests: Codat asks to wait {retry_after:g} s before trying again."
    if status == 409 and "/data/" not in path:
        return ""
    if status == 404 and "/data/" not in path:
        return _NOT_FOUND_HINT
    return _HINTS.get(status) or (_SERVER_HINT if status >= 500 else "")


def validation_lines(validation: Any) -> list[str]:
    """Codat's validation errors and warnings, one line each."""
    return _validation_lines(validation if isinstance(validation, dict) else None)


def _no_error_text(response: httpx.Response) -> str:
    status = f"{response.status_code} {response.reason_phrase or ''}".strip()  # no double space for an unknown status
    return f"Codat answered {status} without an error message"


def _validation_lines(validation: dict[str, Any] | None) -> list[str]:
    if not validation:
        return []
    lines = []
    for kind in ("errors", "warnings"):
        for item in validation.get(kind) or []:
            if isinstance(item, dict) and item.get("message"):
                where = f"{item['itemId']}: " if item.get("itemId") else ""
                lines.append(f"{where}{item['message']}")
    return lines
