"""What widgets show for failures: Codat's message, the correlation id, the next step; no key."""

from __future__ import annotations

import pytest

from codat_nb import errors
from codat_nb.widgets._feedback import describe


@pytest.mark.parametrize(
    ("error", "title", "next_step"),
    [
        (errors.AuthError("Unauthorized.", status=401, error="Unauthorized", correlation_id="c1"), "Codat answered 401", "Check the API key"),
        (errors.RateLimitError("Too many.", status=429, error="Too many", retry_after=3, path="/companies"), "Codat answered 429", "wait 3 s"),
        (errors.ServerError("Internal error.", status=500, error="Internal", correlation_id="c2"), "Codat answered 500", "quote the correlation id"),
        (errors.TransportError("GET /companies could not reach Codat."), "No answer from Codat", "Check the network"),
        (errors.ValidationError("company_id must be a UUID."), "Check the input", "Correct the value"),
        (errors.NotLinkedError("nothing to sync", company_id="x"), "Not linked yet", None),
        (KeyError("oops"), "Unexpected error (KeyError)", None),
    ],
)
def test_titles_and_next_steps(error: BaseException, title: str, next_step: str | None) -> None:
    problem = describe(error)
    assert problem.title == title
    assert (problem.next_step is None) if next_step is None else (next_step in problem.next_step)
    html = problem.to_html()
    assert "role='alert'" in html and "Traceback" not in html


def test_an_api_error_shows_codats_text_the_request_the_correlation_id_and_the_hint_once() -> None:
    error = errors.NotFoundError(
        "No company <b>x</b> (GET /companies/x -> 404; correlation id abc123). Check the id ...",
        status=404, error="No company <b>x</b>", correlation_id="abc123", method="GET", path="/companies/x",
        validation={"errors": [{"itemId": "id", "message": "must be a UUID"}]},
    )  # fmt: skip
    problem = describe(error)
    assert problem.message == "No company <b>x</b> (GET /companies/x) id: must be a UUID"
    assert problem.next_step.startswith("Check the id") and str(problem).count("Check the id") == 1
    html = problem.to_html()
    assert "Correlation id <code>abc123</code>" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_a_bug_says_it_is_one() -> None:
    assert "this is a bug worth reporting" in describe(ZeroDivisionError("division by zero")).message


def test_the_key_is_masked_wherever_it_appears() -> None:
    key = "sk_" + "z" * 30
    problem = describe(errors.ValidationError(f"Unknown data type {key!r}"), secret=key)
    assert key not in str(problem) and key not in problem.to_html() and "***" in problem.message
