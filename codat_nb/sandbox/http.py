"""Transport-neutral request and response types, and Codat-shaped errors for the emulator core."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

try:  # orjson writes the books' records 5-10x faster than json, byte for byte the same (see encode_records)
    import orjson as _orjson
except ImportError:  # pragma: no cover - a dependency, but the emulator still works without it
    _orjson = None


@dataclass(frozen=True)
class Request:
    """One HTTP request as the emulator core sees it, whichever transport carried it."""

    method: str
    raw_path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""
    base_url: str = "http://sandbox.codat.local"

    @property
    def segments(self) -> list[str]:
        """Path segments, each percent-decoded on its own so ``%2F`` cannot forge a segment."""
        parts = self.raw_path.split("/")[1:] if self.raw_path != "/" else [""]
        return [unquote(part) for part in parts] if "%" in self.raw_path else parts

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def params(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def param(self, name: str) -> str | None:
        values = self.params(name)
        return values[-1] if values else None


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def encode(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as every answer is written."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def encode_records(records: list[Any]) -> bytes:
    """The items of a JSON array of records, comma-separated, without the brackets.

    Only for records rendered from the books: their values are strings, ints, bools, None and
    floats that are cents / 100, exchange rates (6 decimals, near 1) or tax percentages. For all
    of those orjson's output is exactly ``encode``'s. It differs only for non-zero floats smaller
    than 1e-4 (``1e-05`` against ``0.00001``) and NaN/Infinity (``null``), and refuses integers
    beyond 64 bits: none of which the books hold (tests/sandbox/books/test_rendering.py checks
    every record of the sample companies).
    """
    if _orjson is None:
        return b",".join(encode(record) for record in records)
    return _orjson.dumps(records)[1:-1]


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, [("content-type", "application/json; charset=utf-8"), *(headers or [])], encode(payload))


def json_bytes_response(status: int, body: bytes) -> Response:
    """A JSON answer whose body is already serialised (cached pages, for instance)."""
    return Response(status, [("content-type", "application/json; charset=utf-8")], body)


def empty_response(status: int) -> Response:
    return Response(status, [], b"")


def html_response(status: int, text: str) -> Response:
    return Response(status, [("content-type", "text/html; charset=utf-8")], text.encode())


def redirect_response(location: str) -> Response:
    return Response(303, [("location", location)], b"")


class HTTPError(Exception):
    """Raised inside the core; the app turns it into Codat's ErrorMessage JSON.

    It never leaves the emulator as a Python exception.
    """

    def __init__(
        self,
        status: int,
        error: str,
        *,
        service: str = "PublicApi",
        validation: list[dict[str, str]] | None = None,
        headers: list[tuple[str, str]] | None = None,
        can_be_retried: str = "Unknown",
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.service = service
        self.validation = validation
        self.headers = headers or []
        self.can_be_retried = can_be_retried

    def body(self, correlation_id: str) -> dict[str, Any]:
        validation = None
        if self.validation:
            validation = {"errors": self.validation, "warnings": []}
        return {
            "statusCode": self.status,
            "service": self.service,
            "error": self.error,
            "correlationId": correlation_id,
            "validation": validation,
            "canBeRetried": self.can_be_retried,
            "detailedErrorCode": 0,
        }


def validation_error(item: str, message: str, validator: str, status: int = 400) -> HTTPError:
    """A 400 whose ``validation.errors`` names the offending field."""
    return HTTPError(
        status,
        message,
        validation=[{"itemId": item, "message": message, "validatorName": validator}],
    )


def read_json_body(request: Request, *, validator: str) -> dict[str, Any]:
    """The request's JSON object body, or a Codat-shaped 415/400 saying what to fix."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if not request.body:
        raise validation_error("body", "The request body is empty; send a JSON object.", validator)
    if content_type != "application/json" and not content_type.endswith("+json"):
        shown = content_type or "none"
        raise HTTPError(415, f"Unsupported content type '{shown}': send the body as JSON with 'Content-Type: application/json'.")
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        raise validation_error("body", "The request body is not UTF-8 text; send UTF-8 encoded JSON.", validator) from None
    except json.JSONDecodeError as exc:
        raise validation_error(
            "body", f"The request body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}).", validator
        ) from None
    if not isinstance(payload, dict):
        raise validation_error("body", f"The request body must be a JSON object, not {json_kind(payload)}.", validator)
    _check_json_text(payload, validator)
    return payload


def _check_json_text(payload: Any, validator: str) -> None:
    """Python's json reads NaN, Infinity (also 1e400) and lone surrogate escapes (``"\\ud800"``), which
    Codat refuses and no answer could carry back: stored, one would break every later answer about it."""
    try:
        json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError as exc:  # UnicodeEncodeError is a ValueError
        what = "a lone surrogate escape such as \\ud800, which is not text" if isinstance(exc, UnicodeEncodeError) else "NaN or Infinity, which JSON does not allow"
        raise validation_error("body", f"The request body holds {what}: send valid JSON (UTF-8 text, finite numbers).", validator) from None


def json_kind(value: Any) -> str:
    """How a JSON value's type reads in a message: 'a string', 'an array', 'a number'..."""
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
