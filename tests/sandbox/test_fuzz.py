"""Schemathesis fuzzes the served Sandbox from Codat's own OpenAPI document (``Codat-Platform.json``).

Every Platform API operation that the emulator serves is fuzzed against a real uvicorn server:
first a few schema-valid (positive) cases, then a few schema-violating (negative) ones, then the
spec's own examples. All runs are seeded (``derandomize``), so they repeat exactly. The path
parameters are real ids: a company, its Linked Sandbox connection and a completed pull, so the
cases get past the 404s. Bodies that must name their own company or client (sync settings) carry
the real id, and the checks are:

- no 5xx, and each response is valid against the spec's schema for its status, with a content type
  and headers the spec declares;
- each status is one the spec declares for the operation. The only exception is a 400 in Codat's
  ErrorMessage shape: the emulator refuses bad input on a few operations whose spec lists no 400
  (PUT/PATCH /companies/{id}, POST .../connections), as Codat does;
- schema-violating input is refused, and a request without credentials gets 401.

The spec is read from outside the project and never copied in; without it, these tests skip. Its
3.0-style ``nullable`` is rewritten as 3.1 allows, as in test_openapi_conformance. The emulator is
allowed to differ from the spec in three narrow ways, each with its evidence:

1. ``PagingInfo.pageSize`` may be above 2000 when the request asked for 2001-5000. The spec contradicts
   itself here: the ``pageSize`` parameter allows up to 5000, as Codat's paging docs do, while the
   response schema caps it at 2000. The emulator returns the page that was asked for.
2. A company ``name`` that breaks the spec's pattern is accepted. Codat strips the characters that
   are not allowed (``Company (Codat[1])`` becomes ``Company Codat1``: docs, "Create a company") and
   does not refuse the name. The emulator does the same, and refuses only a name with nothing left.
3. A query parameter the operation does not define is ignored, not refused. Schemathesis' negative mode
   counts one as a violation, but the spec forbids none (OpenAPI has no way to), and Codat, like most
   HTTP APIs, ignores them. Refusing them would break clients that add their own, such as a cache-buster.

Codat's own sync-settings examples set both ``syncFromUtc`` and ``syncFromWindow``, although the
schema says to set one *or* the other. The emulator follows the schema and answers a 400 that names
the rule, which the status rule allows. The fuzzing found, and the emulator now refuses with a 400
saying what to send: a ``page`` beyond int32 (the spec's ``format: int32``; it used to be served
as an empty page), and a paging parameter, ``tags`` or ``connectionId`` given more than once
(``pageSize=false&pageSize=`` used to pass as its last, empty value). The regressions are at the end.

Schemathesis' positive-data check (ST202: a schema-valid request must succeed) is not run, because
the schema cannot express what Codat checks beyond it. ``tags=k`` is a string the schema allows,
and Codat answers it with ``400 Error parsing query - Malformed query.``. The same goes for a
sync-settings body whose ``dataType`` is not a Codat data type. These 400s still have to pass the
status rule above.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
)

from codat_nb.sandbox import Emulator, ManualClock
from codat_nb.sandbox.paging import MAX_PAGE_SIZE
from codat_nb.sandbox.server import BackgroundServer

from ..reference import reference_file
from .test_openapi_conformance import ERROR_MESSAGE, Spec, allow_null

pytestmark = pytest.mark.served

SPEC_PATH = reference_file("Codat-Platform.json")
API_KEY = "fuzz-key-3f9c2e7a51d04b8e"
AUTH = {"Authorization": "Basic " + base64.b64encode(API_KEY.encode()).decode()}
POSITIVE_EXAMPLES = 25
NEGATIVE_EXAMPLES = 10
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, response_headers_conformance]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection, ignored_auth]
SPEC_PAGE_SIZE_CAP = 2000  # PagingInfo.pageSize's maximum in the spec (allowance 1)


def _served_operations() -> list[Any]:
    """(method, path template) of each operation the spec has and the emulator's router serves.

    Unlinking and the DELETEs run last, so the others still find a Linked connection.
    """
    if not SPEC_PATH.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"Codat's OpenAPI spec is not at {SPEC_PATH}; fuzzing runs from it"))]
    paths = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["paths"]
    emulator = Emulator(seed=0, clock=ManualClock())
    routes = [(r.method, "/" + "/".join(r.pattern)) for r in emulator.router.routes if not r.public]
    emulator.close()
    served = [(method, path) for method, path in routes if method.lower() in paths.get(path, {})]
    last = [("PATCH", "/companies/{companyId}/connections/{connectionId}"), ("DELETE", "/companies/{companyId}/connections/{connectionId}"),
            ("DELETE", "/companies/{companyId}")]  # fmt: skip
    served.sort(key=lambda op: last.index(op) + 1 if op in last else 0)
    return [pytest.param(op, id=f"{op[0]} {op[1]}") for op in served]


OPERATIONS = _served_operations()


@dataclass
class World:
    """The served Sandbox, the spec, and the real ids the cases use."""

    url: str
    http: httpx.Client
    spec: Spec
    schema: Any
    ids: dict[str, str] = field(default_factory=dict)
    client_id: str = ""

    def ensure(self) -> dict[str, str]:
        """A company with a Linked Sandbox connection and a Complete pull, made again if a DELETE took it."""
        if self.ids:
            company = self.http.get(f"/companies/{self.ids['companyId']}")
            connection = self.http.get(f"/companies/{self.ids['companyId']}/connections/{self.ids['connectionId']}")
            if company.status_code == 200 and connection.status_code == 200:
                return self.ids
        company = _ok(self.http.post("/companies", json={"name": "Fuzzed Foods"}))
        cid = company["id"]
        connection = _ok(self.http.post(f"/companies/{cid}/connections", json={"platformKey": "mqjo"}))
        _ok(self.http.post(f"/_sandbox/companies/{cid}/connections/{connection['id']}/authorize"))
        _ok(self.http.post("/_sandbox/clock/advance", json={"seconds": 3600}))
        pulls = _ok(self.http.get(f"/companies/{cid}/data/history"))["results"]
        assert pulls and all(p["status"] == "Complete" for p in pulls), pulls[:3]
        self.ids = {"companyId": cid, "connectionId": connection["id"], "datasetId": pulls[0]["id"]}
        self.client_id = _ok(self.http.get("/profile/syncSettings"))["clientId"]
        return self.ids


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schema = schemathesis.openapi.from_dict(allow_null(copy.deepcopy(raw)))
    emulator = Emulator(seed=0, clock=ManualClock())
    with BackgroundServer(emulator) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as http:
        yield World(url, http, Spec(raw), schema)
    emulator.close()


@dataclass
class Run:
    """What one operation's cases met: statuses seen, allowances used and findings."""

    method: str
    template: str
    statuses: Counter = field(default_factory=Counter)
    allowed: Counter = field(default_factory=Counter)
    findings: dict[str, str] = field(default_factory=dict)

    def find(self, key: str, detail: str) -> None:
        self.findings.setdefault(key, detail[:2500])


@pytest.mark.parametrize("operation", OPERATIONS)
def test_fuzzed_operation__meets_codats_spec(world: World, operation: tuple[str, str]) -> None:
    method, template = operation
    ids = world.ensure()
    api_operation = world.schema[template][method]
    run = Run(method, template)
    path_parameters = {name: value for name, value in ids.items() if "{" + name + "}" in template}
    for mode, examples, checks in (
        (GenerationMode.POSITIVE, POSITIVE_EXAMPLES, CHECKS),
        (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, NEGATIVE_CHECKS),
    ):
        # The key is fixed, so negative cases mutate the operation's own inputs (ignored_auth tests the key).
        strategy = api_operation.as_strategy(generation_mode=mode, path_parameters=path_parameters, headers=AUTH)

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=strategy)
        def fuzz(case: Any) -> None:
            if mode is GenerationMode.POSITIVE:
                _use_real_ids(case, world)
            _check(world, run, case, checks, mode)

        try:
            fuzz()
        except Unsatisfiable:  # nothing but the fixed ids and key to mutate: no negative case exists
            assert mode is GenerationMode.NEGATIVE
    for strategy in api_operation.get_strategies_from_examples(path_parameters=path_parameters, headers=AUTH):

        @settings(max_examples=1, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=strategy)
        def example(case: Any) -> None:
            case.path_parameters.update(path_parameters)
            _use_real_ids(case, world)
            _check(world, run, case, CHECKS, GenerationMode.POSITIVE)

        example()
    print(f"\n{method} {template}: statuses {dict(sorted(run.statuses.items()))}" + (f", allowances {dict(run.allowed)}" if run.allowed else ""))
    assert not run.findings, f"{method} {template}: {len(run.findings)} finding(s)\n\n" + "\n\n".join(
        f"== {key}\n{detail}" for key, detail in run.findings.items()
    )


def _use_real_ids(case: Any, world: World) -> None:
    """A sync-settings body must name its own company (or client): give it the real one."""
    if isinstance(case.body, dict):
        if "companyId" in case.body and "companyId" in case.path_parameters:
            case.body["companyId"] = case.path_parameters["companyId"]
        if "clientId" in case.body:
            case.body["clientId"] = world.client_id


def _check(world: World, run: Run, case: Any, checks: list[Any], mode: GenerationMode) -> None:
    response = case.call(base_url=world.url, headers=AUTH, timeout=30)
    status = response.status_code
    run.statuses[status] += 1
    where = f"{mode.value}: {case.as_curl_command(headers=AUTH)}"
    if not _declared(world.spec, run, status) and not _is_validation_error(world.spec, response):
        run.find(f"status {status} outside the spec", f"{where}\n[{status}] {response.text[:500]}")
    try:
        case.validate_response(response, checks=checks, headers=AUTH, transport_kwargs={"base_url": world.url, "headers": AUTH})
    except FailureGroup as group:
        for failure in group.exceptions:
            allowance = _allowance(failure, case, response)
            if allowance:
                run.allowed[allowance] += 1
            else:
                run.find(f"{failure.code} {failure.title}", f"{where}\n{failure}")


def _declared(spec: Spec, run: Run, status: int) -> bool:
    return spec.response(run.method, run.template, status) is not None


def _is_validation_error(spec: Spec, response: Any) -> bool:
    """A 400 in Codat's ErrorMessage shape: the one status allowed where the spec declares none."""
    content_type = (response.headers.get("content-type") or [""])[0]  # schemathesis keeps each header's values in a list
    if response.status_code != 400 or not content_type.startswith("application/json"):
        return False
    body = response.json()
    return not spec.problems(body, ERROR_MESSAGE) and body.get("statusCode") == 400 and bool(body.get("error"))


def _allowance(failure: Exception, case: Any, response: Any) -> str | None:
    """The documented allowance (module docstring) that covers ``failure``, if one does."""
    if isinstance(failure, JsonSchemaError) and list(failure.instance_path) == ["pageSize"]:
        asked = str((case.query or {}).get("pageSize", ""))
        if failure.schema_path[-1] == "maximum" and asked.isdigit() and SPEC_PAGE_SIZE_CAP < int(asked) <= MAX_PAGE_SIZE:
            return "pageSize 2001-5000 (the spec's own parameter allows it)"
    if isinstance(failure, AcceptedNegativeData):
        mutated = [line.strip() for line in failure.message.splitlines() if "violates" in line]
        if mutated and all(line.endswith("query: violates `additionalProperties`") for line in mutated):
            return "unknown query parameter ignored"
        if case.operation.path.startswith("/companies") and mutated and all(
            "in body - violates `pattern`" in line and line.split(" (was ")[0].endswith("/properties/name") for line in mutated
        ):
            return "company name stripped of disallowed characters (Codat's rule)"
    return None


# -- what the fuzzing found, kept as plain regressions (they need no spec) ----------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("page=2147483648", "page must be at most 2147483647 (a 32-bit whole number); got 2147483648."),
        ("pageSize=false&pageSize=-0.5&pageSize=", "pageSize is given 3 times; send it once."),
        ("page=1&page=2", "page is given 2 times; send it once."),
        ("query=name%3DA&query=", "query is given 2 times; send it once."),
        ("orderBy=name&orderBy=-name", "orderBy is given 2 times; send it once."),
    ],
)
@pytest.mark.parametrize("path", ["/companies", "/integrations", "/companies/{companyId}/data/history"])
def test_found_by_fuzzing__ambiguous_paging_is_refused(emulator: Emulator, path: str, query: str, message: str) -> None:
    with emulator.http_client(api_key=API_KEY) as http:
        company_id = http.post("/companies", json={"name": "Fuzzed Foods"}).json()["id"]
        response = http.get(path.format(companyId=company_id) + "?" + query)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == message
    assert body["validation"]["errors"][0]["itemId"] == message.split(" ")[0]


def test_found_by_fuzzing__a_repeated_tags_filter_or_connection_id_is_refused(emulator: Emulator) -> None:
    with emulator.http_client(api_key=API_KEY) as http:
        company_id = http.post("/companies", json={"name": "Fuzzed Foods", "tags": {"team": "a"}}).json()["id"]
        connection = http.post(f"/companies/{company_id}/connections", json={"platformKey": "mqjo"}).json()
        http.post(f"/_sandbox/companies/{company_id}/connections/{connection['id']}/authorize")
        tags = http.get("/companies?tags=team%3Da&tags=team%3Db")
        before = http.get(f"/companies/{company_id}/data/history", params={"pageSize": 5000}).json()
        queued = http.post(f"/companies/{company_id}/data/queue/invoices?connectionId={connection['id']}&connectionId=x")
        after = http.get(f"/companies/{company_id}/data/history", params={"pageSize": 5000}).json()
    assert (tags.status_code, tags.json()["error"]) == (400, "tags is given 2 times; send it once.")
    assert (queued.status_code, queued.json()["error"]) == (400, "connectionId is given 2 times; send it once.")
    assert after == before  # the refused queue made no pull
