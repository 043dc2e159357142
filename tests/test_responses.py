"""parse_body and api_error: from an httpx.Response to JSON, or to the right CodatError with a useful message."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import pytest

from codat_nb.errors import (
    APIError,
    AuthError,
    CodatError,
    ConflictError,
    NotFoundError,
    RateLimitError,
    SchemaError,
    ServerError,
)
from codat_nb.responses import api_error, parse_body

COMPANY = "846ed55c-1e3c-4c5f-9d0a-1c2b3d4e5f60"
CORRELATION = "0a40c2f31fc8f992fb88b0853e4166f3"
KEY = "fAkEkEy0123456789abcdefQWERTY"


def response(status: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request(method, "http://x" + path), **body)


def codat_body(status: int, error: str, **extra: Any) -> dict[str, Any]:
    """Codat's ErrorMessage, as in its docs."""
    return {"statusCode": status, "service": "PublicApi", "error": error, "correlationId": CORRELATION,
            "canBeRetried": "Unknown", "detailedErrorCode": 0, "validation": None, **extra}  # fmt: skip


# -- status -> exception class ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, APIError), (401, AuthError), (402, APIError), (403, AuthError), (404, NotFoundError), (405, APIError),
     (409, ConflictError), (418, APIError), (422, APIError), (429, RateLimitError), (500, ServerError),
     (502, ServerError), (503, ServerError), (504, ServerError), (599, ServerError)],
)  # fmt: skip
def test_api_error__status_picks_the_class(status: int, cls: type[APIError]) -> None:
    error = api_error(response(status, f"/companies/{COMPANY}", json=codat_body(status, "Boom")), "GET", f"/companies/{COMPANY}")
    assert type(error) is cls
    assert isinstance(error, APIError) and isinstance(error, CodatError)
    assert error.status == error.status_code == status


# -- messages ---------------------------------------------------------------------------------------------

PATH = f"/companies/{COMPANY}"
DATA_PATH = f"/companies/{COMPANY}/data/invoices"

MESSAGES = {
    "400-validation": (
        400, "POST", "/companies",
        codat_body(400, "Validation failed", validation={
            "errors": [{"itemId": "Company", "message": "Name is required.", "validatorName": "CreateCompany"},
                       {"itemId": None, "message": "Description is too long."}, {"message": ""}, "junk"],
            "warnings": [{"itemId": "Company", "message": "Name was trimmed."}]}),
        {},
        f"Validation failed (POST /companies -> 400; correlation id {CORRELATION}). "
        "Validation: Company: Name is required. Description is too long. Company: Name was trimmed.",
    ),
    "400-query": (
        400, "GET", "/companies",
        codat_body(400, "Error parsing query - Malformed query."), {},
        f"Error parsing query - Malformed query. (GET /companies -> 400; correlation id {CORRELATION}).",
    ),
    "401": (
        401, "GET", PATH, codat_body(401, "Unauthorized"), {},
        f"Unauthorized (GET {PATH} -> 401; correlation id {CORRELATION}). "
        "Check the API key: set CODAT_API_KEY or pass api_key=... (Codat Portal > Developers > API keys).",
    ),
    "403": (
        403, "GET", PATH,
        codat_body(403, "You are using an outdated API key or a key not associated with that resource."), {},
        f"You are using an outdated API key or a key not associated with that resource. (GET {PATH} -> 403; "
        f"correlation id {CORRELATION}). The key may be outdated or from another Codat instance: check it in the Codat Portal.",
    ),
    "404": (
        404, "GET", PATH, codat_body(404, f"No company was found with ID {COMPANY}"), {},
        f"No company was found with ID {COMPANY} (GET {PATH} -> 404; correlation id {CORRELATION}). Check the id "
        "(list_companies() or list_connections(company_id) show what this key can see): each API key sees only its "
        "own companies, so one created with another key, or on another Sandbox, answers 404 here.",
    ),
    "404 on a data read": (
        404, "GET", DATA_PATH, codat_body(404, "Data type not supported"), {},
        f"Data type not supported (GET {DATA_PATH} -> 404; correlation id {CORRELATION}). Check the id "
        "(list what exists with list_companies() or list_connections(company_id)); "
        "for a data read, the integration may not support this data type.",
    ),
    "409-data": (
        409, "GET", DATA_PATH, codat_body(409, "The data set has not been requested."), {},
        f"The data set has not been requested. (GET {DATA_PATH} -> 409; correlation id {CORRELATION}). "
        "The data is not there yet: queue it with refresh_data_type(company_id, data_type) or refresh_all(company_id), "
        "then wait_for_sync(company_id) before reading.",
    ),
    "409-elsewhere": (
        409, "POST", "/apiKeys", codat_body(409, "You already have 10 API keys."), {},
        f"You already have 10 API keys. (POST /apiKeys -> 409; correlation id {CORRELATION}).",
    ),
    "429-retry-after": (
        429, "GET", PATH,
        codat_body(429, "You have made too many requests in a given amount of time; please retry later."),
        {"Retry-After": "7"},
        "You have made too many requests in a given amount of time; please retry later. "
        f"(GET {PATH} -> 429; correlation id {CORRELATION}). Too many requests: Codat asks to wait 7 s before trying again.",
    ),
    "429-no-retry-after": (
        429, "GET", PATH, codat_body(429, "Too many"), {},
        f"Too many (GET {PATH} -> 429; correlation id {CORRELATION}). Too many requests: slow down or wait before "
        "trying again (the client retries these unless retries=False).",
    ),
    "500": (
        500, "GET", PATH, codat_body(500, "An internal error occurred."), {},
        f"An internal error occurred. (GET {PATH} -> 500; correlation id {CORRELATION}). "
        "Codat could not answer: try again later; quote the correlation id if you contact Codat support.",
    ),
    "503": (
        503, "GET", PATH, codat_body(503, "Service Unavailable"), {},
        f"Service Unavailable (GET {PATH} -> 503; correlation id {CORRELATION}). "
        "Codat could not answer: try again later; quote the correlation id if you contact Codat support.",
    ),
}  # fmt: skip


@pytest.mark.parametrize(("status", "method", "path", "body", "headers", "message"), MESSAGES.values(), ids=MESSAGES.keys())
def test_api_error__message(status: int, method: str, path: str, body: Any, headers: dict, message: str) -> None:
    error = api_error(response(status, path, method=method, json=body, headers=headers), method, path)
    assert str(error) == message
    assert CORRELATION in str(error)
    assert (error.method, error.path, error.body) == (method, path, body)
    assert error.error == body["error"]
    assert error.correlation_id == CORRELATION
    assert error.can_be_retried == "Unknown"
    assert error.service == "PublicApi"


@pytest.mark.parametrize("path", [DATA_PATH, f"/companies/{COMPANY}/connections/{COMPANY}/data/commerce-orders"])
def test_api_error__409_on_data_path_hints_sync(path: str) -> None:
    message = str(api_error(response(409, path, json=codat_body(409, "Not yet")), "GET", path))
    assert "refresh_data_type" in message and "wait_for_sync" in message


@pytest.mark.parametrize("path", ["/companies", PATH, f"/companies/{COMPANY}/connections", "/apiKeys"])
def test_api_error__409_elsewhere_no_data_hint(path: str) -> None:
    error = api_error(response(409, path, method="POST", json=codat_body(409, "Conflict")), "POST", path)
    assert isinstance(error, ConflictError)
    assert "refresh_data_type" not in str(error) and "wait_for_sync" not in str(error)


def test_api_error__validation_kept() -> None:
    validation = {"errors": [{"itemId": "Company", "message": "Name is required.", "validatorName": "CreateCompany"}], "warnings": []}
    error = api_error(response(400, "/companies", json=codat_body(400, "Bad", validation=validation)), "POST", "/companies")
    assert error.validation == validation
    assert "Validation: Company: Name is required." in str(error)


@pytest.mark.parametrize("validation", [None, [], "text", {}, {"errors": None, "warnings": None}, {"errors": [{"itemId": "X"}]}])
def test_api_error__odd_validation_no_listing(validation: Any) -> None:
    error = api_error(response(400, "/companies", json=codat_body(400, "Bad", validation=validation)), "POST", "/companies")
    assert "Validation:" not in str(error)
    assert error.validation == (validation if isinstance(validation, dict) else None)


# -- Retry-After ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "seconds", "said"),
    [("7", 7.0, "wait 7 s"), ("0.5", 0.5, "wait 0.5 s"), ("120", 120.0, "wait 120 s"), ("0", 0.0, "wait 0 s")],
)
def test_api_error__429_retry_after(retry_after: str, seconds: float, said: str) -> None:
    error = api_error(response(429, PATH, json=codat_body(429, "Slow down"), headers={"Retry-After": retry_after}), "GET", PATH)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == seconds
    assert said in str(error)


@pytest.mark.parametrize("retry_after", [None, "", "soon"])
def test_api_error__429_without_usable_retry_after(retry_after: str | None) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    error = api_error(response(429, PATH, json=codat_body(429, "Slow down"), headers=headers), "GET", PATH)
    assert isinstance(error, RateLimitError) and error.retry_after is None
    assert "slow down or wait before trying again" in str(error)


def test_api_error__429_retry_after_http_date() -> None:
    error = api_error(response(429, PATH, json={}, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), "GET", PATH)
    assert error.retry_after == 0.0


# -- bodies that are not Codat's ErrorMessage -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kwargs", "cls", "error_text"),
    [
        (502, {"content": b"<html><body><h1>502 Bad Gateway</h1></body></html>", "headers": {"Content-Type": "text/html"}},
         ServerError, "Codat answered 502 Bad Gateway without an error message"),
        (503, {"text": "upstream connect error or disconnect/reset before headers"}, ServerError,
         "Codat answered 503 Service Unavailable without an error message"),
        (500, {"content": b""}, ServerError, "Codat answered 500 Internal Server Error without an error message"),
        (404, {"content": b"   \n"}, NotFoundError, "Codat answered 404 Not Found without an error message"),
        (401, {"json": []}, AuthError, "Codat answered 401 Unauthorized without an error message"),
        (401, {"json": "Unauthorized"}, AuthError, "Codat answered 401 Unauthorized without an error message"),
        (400, {"json": {"error": ""}}, APIError, "Codat answered 400 Bad Request without an error message"),
        (400, {"json": {"error": "   "}}, APIError, "Codat answered 400 Bad Request without an error message"),
        (400, {"json": {"error": None}}, APIError, "Codat answered 400 Bad Request without an error message"),
        (400, {"json": {"error": 12}}, APIError, "12"),
        (400, {"content": b"\xff\xfe\x00garbage"}, APIError, "Codat answered 400 Bad Request without an error message"),
        (599, {"content": b""}, ServerError, "Codat answered 599 without an error message"),
    ],
    ids=["html-502", "text-503", "empty-500", "blank-404", "json-list", "json-string", "empty-error", "blank-error",
         "null-error", "int-error", "binary", "unknown-status"],
)  # fmt: skip
def test_api_error__non_codat_body_still_clear(status: int, kwargs: dict, cls: type[APIError], error_text: str) -> None:
    error = api_error(response(status, PATH, **kwargs), "GET", PATH)
    assert type(error) is cls
    assert error.error == error_text
    assert str(error).startswith(f"{error_text} (GET {PATH} -> {status}).")
    assert "<html>" not in str(error)
    assert error.correlation_id is None and error.can_be_retried is None and error.validation is None


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        ({"error": "x", "correlationId": "from-body"}, None, "from-body"),
        ({"error": "x"}, "from-header", "from-header"),
        ({"error": "x", "correlationId": "from-body"}, "from-header", "from-body"),
        ({"error": "x"}, None, None),
    ],
)
def test_api_error__correlation_id(body: dict, header: str | None, expected: str | None) -> None:
    headers = {"X-Correlation-Id": header} if header else {}
    error = api_error(response(500, PATH, json=body, headers=headers), "GET", PATH)
    assert error.correlation_id == expected
    if expected:
        assert f"correlation id {expected}" in str(error)
    else:
        assert "correlation id" not in str(error).split("Codat could not answer")[0]


def test_api_error__never_shows_request_headers() -> None:
    request = httpx.Request("GET", "http://x" + PATH, headers={"Authorization": "Basic " + KEY})
    error = api_error(httpx.Response(401, json=codat_body(401, "Unauthorized"), request=request), "GET", PATH)
    for text in (str(error), repr(error), repr(vars(error))):
        assert KEY not in text


def test_api_error__status_code_alias() -> None:
    error = api_error(response(404, PATH, json={}), "GET", PATH)
    assert error.status_code == error.status == 404


# -- parse_body -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kwargs", "expected"),
    [
        (200, {"json": {"id": COMPANY}}, {"id": COMPANY}),
        (200, {"json": [1, 2]}, [1, 2]),
        (200, {"json": None}, None),
        (200, {"content": b"0"}, 0),
        (200, {"content": b'"text"'}, "text"),
        (201, {"content": json.dumps({"name": "Café"}).encode()}, {"name": "Café"}),
        (200, {"content": '{"name": "Café"}'.encode()}, {"name": "Café"}),
        (200, {"content": '{"a": 1}'.encode("utf-16")}, {"a": 1}),
        (204, {}, None),
        (204, {"content": b""}, None),
        (200, {"content": b""}, None),
        (200, {"content": b" \r\n "}, None),
        # orjson refuses these; Python's json reads them, so the fast path changes no answer.
        (200, {"content": b'{"big": 123456789012345678901234567890}'}, {"big": 123456789012345678901234567890}),
        (200, {"content": b'[18446744073709551616, -9223372036854775809]'}, [2**64, -(2**63) - 1]),
        (200, {"content": b'{"x": NaN}'}, "nan"),
        (200, {"content": b'{"s": "\\ud800"}'}, {"s": "\ud800"}),
    ],
    ids=["object", "list", "null", "zero", "string", "created", "utf8", "utf16", "no-content", "no-content-empty",
         "empty", "blank", "bigint", "just-beyond-64-bits", "nan", "lone-surrogate"],
)  # fmt: skip
def test_parse_body__json_or_none(status: int, kwargs: dict, expected: Any) -> None:
    parsed = parse_body(response(status, PATH, **kwargs), "GET", PATH)
    if expected == "nan":
        assert math.isnan(parsed["x"])
    else:
        assert parsed == expected


@pytest.mark.parametrize(
    ("kwargs", "kind"),
    [
        ({"content": b"<html>hi</html>", "headers": {"Content-Type": "text/html; charset=utf-8"}}, "text/html; charset=utf-8"),
        ({"content": b"{not json"}, "no content type"),
        ({"text": "OK"}, "text/plain; charset=utf-8"),
        ({"content": b"\xff\xfe\xfd"}, "no content type"),
    ],
    ids=["html", "broken-json", "plain-text", "binary"],
)
def test_parse_body__non_json_is_a_schema_error(kwargs: dict, kind: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_body(response(200, PATH, **kwargs), "GET", PATH)
    assert str(info.value) == (
        f"GET {PATH} answered 200 with a body that is not JSON ({kind}); check base_url points at the Codat API."
    )
    assert info.value.__cause__ is None and info.value.__suppress_context__
