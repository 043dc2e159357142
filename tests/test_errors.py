"""The exception tree: one root, the documented branches, and the fields each error keeps."""

from __future__ import annotations

import inspect

import pytest

import codat_nb
from codat_nb import errors
from codat_nb.errors import (
    APIError,
    AuthError,
    CodatError,
    ConfigError,
    ConflictError,
    DataChangedError,
    NotFoundError,
    RateLimitError,
    SchemaError,
    ServerError,
    SyncFailedError,
    SyncTimeoutError,
    TransportError,
    ValidationError,
)

ALL = [getattr(errors, name) for name in errors.__all__]


def test_all__lists_every_exception_class_defined() -> None:
    defined = {name for name, obj in vars(errors).items() if inspect.isclass(obj) and issubclass(obj, BaseException)}
    assert defined == set(errors.__all__)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_every_class__derives_from_codat_error(cls: type) -> None:
    assert issubclass(cls, CodatError) and issubclass(cls, Exception)


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.__name__)
def test_every_class__exported_from_the_package(cls: type) -> None:
    assert getattr(codat_nb, cls.__name__) is cls
    assert cls.__name__ in codat_nb.__all__


@pytest.mark.parametrize(
    ("cls", "parents"),
    [
        (ConfigError, (CodatError,)),
        (ValidationError, (CodatError, ValueError)),
        (SchemaError, (CodatError,)),
        (TransportError, (CodatError,)),
        (APIError, (CodatError,)),
        (AuthError, (APIError,)),
        (NotFoundError, (APIError,)),
        (ConflictError, (APIError,)),
        (RateLimitError, (APIError,)),
        (ServerError, (APIError,)),
        (SyncFailedError, (CodatError,)),
        (SyncTimeoutError, (CodatError, TimeoutError)),
        (DataChangedError, (CodatError,)),
    ],
    ids=lambda value: value.__name__ if inspect.isclass(value) else "",
)
def test_hierarchy__documented_parents(cls: type, parents: tuple[type, ...]) -> None:
    assert cls.__bases__ == parents


@pytest.mark.parametrize(
    ("cls", "not_a"),
    [
        (ConfigError, ValueError),
        (SchemaError, ValueError),
        (APIError, ValueError),
        (TransportError, TimeoutError),
        (TransportError, OSError),
        (SyncFailedError, TimeoutError),
        (ServerError, AuthError),
        (ValidationError, APIError),
    ],
    ids=lambda value: value.__name__ if inspect.isclass(value) else "",
)
def test_hierarchy__no_accidental_parents(cls: type, not_a: type) -> None:
    assert not issubclass(cls, not_a)


@pytest.mark.parametrize(
    ("error", "caught_by"),
    [
        (ValidationError("bad id"), ValueError),
        (SyncTimeoutError("still syncing", progress=None), TimeoutError),
        (NotFoundError("gone", status=404), CodatError),
        (RateLimitError("slow", status=429), APIError),
    ],
    ids=["validation-as-valueerror", "timeout-as-timeouterror", "notfound-as-codaterror", "ratelimit-as-apierror"],
)
def test_except_clauses__catch_as_documented(error: CodatError, caught_by: type[BaseException]) -> None:
    with pytest.raises(caught_by) as info:
        raise error
    assert info.value is error


def test_api_error__fields_and_defaults() -> None:
    error = APIError("Boom (GET /x -> 400).", status=400)
    assert str(error) == "Boom (GET /x -> 400)."
    assert (error.status, error.status_code, error.error, error.correlation_id, error.can_be_retried) == (400, 400, "", None, None)
    assert (error.validation, error.service, error.method, error.path, error.body) == (None, None, "", "", None)


def test_api_error__keeps_every_field() -> None:
    validation = {"errors": [{"itemId": "Company", "message": "Name is required."}], "warnings": []}
    error = APIError(
        "m", status=400, error="Bad", correlation_id="c0ffee", can_be_retried="Unknown", validation=validation,
        service="ClientsApi", method="POST", path="/companies", body={"error": "Bad"},
    )  # fmt: skip
    assert error.status_code == 400 and error.error == "Bad" and error.correlation_id == "c0ffee"
    assert error.can_be_retried == "Unknown" and error.validation is validation and error.service == "ClientsApi"
    assert (error.method, error.path, error.body) == ("POST", "/companies", {"error": "Bad"})


def test_api_error__status_is_keyword_only_and_required() -> None:
    with pytest.raises(TypeError):
        APIError("m", 400)  # type: ignore[misc]
    with pytest.raises(TypeError):
        APIError("m")  # type: ignore[call-arg]


@pytest.mark.parametrize("retry_after", [None, 0.0, 7.0])
def test_rate_limit_error__retry_after(retry_after: float | None) -> None:
    error = RateLimitError("slow", retry_after=retry_after, status=429, correlation_id="c")
    assert error.retry_after == retry_after
    assert error.status_code == 429 and error.correlation_id == "c"


@pytest.mark.parametrize("cls", [AuthError, NotFoundError, ConflictError, ServerError])
def test_api_subclasses__take_the_api_fields(cls: type[APIError]) -> None:
    error = cls("m", status=500, correlation_id="c", path="/p")
    assert (error.status_code, error.correlation_id, error.path) == (500, "c", "/p")


def test_transport_error__method_and_path() -> None:
    error = TransportError("GET /companies timed out", method="GET", path="/companies")
    assert (str(error), error.method, error.path) == ("GET /companies timed out", "GET", "/companies")
    assert (TransportError("x").method, TransportError("x").path) == ("", "")


def test_sync_failed_error__keeps_copies() -> None:
    failed = {"invoices": {"status": "FetchError", "errorMessage": "Token expired"}}
    completed = {"bills": {"status": "Complete"}}
    error = SyncFailedError("invoices failed", failed=failed, completed=completed)
    failed["customers"] = {"status": "ParsingError"}
    completed.clear()
    assert error.failed == {"invoices": {"status": "FetchError", "errorMessage": "Token expired"}}
    assert error.completed == {"bills": {"status": "Complete"}}
    assert type(error.failed) is dict and type(error.completed) is dict
    assert error.data_types == ("invoices",)
    assert str(error) == "invoices failed"


def test_sync_failed_error__accepts_any_mapping() -> None:
    from types import MappingProxyType

    error = SyncFailedError("x", failed=MappingProxyType({"a": 1, "b": 2}), completed=MappingProxyType({}))
    assert error.failed == {"a": 1, "b": 2} and error.completed == {}
    assert error.data_types == ("a", "b")


def test_sync_failed_error__fields_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        SyncFailedError("x", {}, {})  # type: ignore[misc]


def test_sync_timeout_error__progress() -> None:
    progress = object()
    error = SyncTimeoutError("Still syncing after 60 s", progress)
    assert error.progress is progress and str(error) == "Still syncing after 60 s"
    assert isinstance(error, TimeoutError) and isinstance(error, OSError)  # TimeoutError is an OSError


SAMPLES = {
    "codat": CodatError("plain"),
    "validation": ValidationError("company_id must be a UUID"),
    "transport": TransportError("GET /companies timed out", method="GET", path="/companies"),
    "api": APIError("Bad (POST /companies -> 400).", status=400, error="Bad", correlation_id="c0ffee",
                    can_be_retried="Unknown", validation={"errors": []}, service="PublicApi", method="POST",
                    path="/companies", body={"error": "Bad"}),
    "auth": AuthError("Unauthorized", status=401),
    "rate-limit": RateLimitError("slow", retry_after=7.0, status=429, correlation_id="c"),
    "sync-failed": SyncFailedError("invoices failed", failed={"invoices": {"status": "FetchError"}}, completed={"bills": {}}),
    "sync-timeout": SyncTimeoutError("Still syncing after 60 s", progress={"invoices": "Queued"}),
}  # fmt: skip


@pytest.mark.parametrize("copier", ["copy", "deepcopy", "pickle"])
@pytest.mark.parametrize("error", SAMPLES.values(), ids=SAMPLES.keys())
def test_every_error__copies_and_pickles_with_its_fields(error: CodatError, copier: str) -> None:
    import copy
    import pickle

    again = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": lambda e: pickle.loads(pickle.dumps(e))}[copier](error)
    assert type(again) is type(error)
    assert again.args == error.args and str(again) == str(error) and repr(again) == repr(error)
    assert vars(again) == vars(error)
