"""wait_for_link: wait for the customer to press Connect on the Link page, and the words that say
what to do when a company is not linked."""

from __future__ import annotations

from typing import Any, Callable

from .errors import LinkTimeoutError, NotLinkedError, ValidationError
from .operations import get_company
from .records import Company, Connection
from .steps import Now, Operation, Sleep
from .validation import check_uuid


def wait_for_link(
    company_id: str,
    timeout: float = 600.0,
    on_progress: Callable[[Company], Any] | None = None,
    poll_interval: float = 1.0,
    max_interval: float = 5.0,
) -> Operation[Connection]:
    """Wait until one of the company's connections is Linked, and return it.

    A person is being waited for, so this counts real time, also on a manual-clock Sandbox. Each
    poll is one ``GET /companies/{id}`` (its ``dataConnections``), at growing intervals from
    ``poll_interval`` to ``max_interval`` seconds, so a ten-minute wait costs about 130 requests
    of Codat's daily budget. ``on_progress`` gets the Company after every poll. Raises
    LinkTimeoutError, saying which URL to open, when ``timeout`` seconds pass first.
    """
    check_uuid(company_id, "company_id")
    timeout = _seconds(timeout, "timeout")
    interval = _seconds(poll_interval, "poll_interval")
    ceiling = max(interval, _seconds(max_interval, "max_interval"))
    if on_progress is not None and not callable(on_progress):
        raise ValidationError("on_progress must be a function taking one Company argument.")
    start = yield Now(wall=True)
    while True:
        company = yield from get_company(company_id)
        if on_progress is not None:
            on_progress(company)
        linked = linked_connections(company)
        if linked:
            return linked[0]
        now = yield Now(wall=True)
        if now - start + interval > timeout:
            raise LinkTimeoutError(
                f"Company {company.name!r} ({company.id}) still has no Linked connection after {timeout:g} s "
                f"({describe_connections(company)}). To link it, {how_to_link(company)} Then call wait_for_link again, "
                "or pass a longer timeout=.",
                company,
            )
        yield Sleep(interval, wall=True)
        interval = min(ceiling, interval * 1.5)


def linked_connections(company: Company) -> list[Connection]:
    return [c for c in company.data_connections if c.status == "Linked"]


def describe_connections(company: Company) -> str:
    if not company.data_connections:
        return "it has no connections yet"
    return "connections: " + ", ".join(f"{c.platform_name} {c.status}" for c in company.data_connections)


def how_to_link(company: Company) -> str:
    return f"open its Link URL {company.redirect} (or send it to the business), choose a platform, press Connect and sign in."


def not_linked_error(company: Company) -> NotLinkedError:
    """wait_for_sync's answer for a company with nothing queued and no Linked connection."""
    return NotLinkedError(
        f"Company {company.name!r} ({company.id}) has nothing to sync: no data type has been queued and it has "
        f"no Linked connection ({describe_connections(company)}). Link it first: {how_to_link(company)} "
        "client.wait_for_link(company_id) waits for that; then call wait_for_sync.",
        company_id=company.id,
        redirect=company.redirect,
    )


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValidationError(f"{what} must be a number of seconds >= 0; got {value!r}.")
    return float(value)
