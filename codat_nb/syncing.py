"""wait_for_sync: poll dataStatus (one request per poll, whatever the number of data types) until every
watched data type has ended, with growing intervals, reporting progress as it goes."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .errors import SyncFailedError, SyncTimeoutError, ValidationError
from .linking import linked_connections, not_linked_error
from .operations import data_status, get_company, get_pull_operation
from .progress import SyncProgress
from .records import DataStatus
from .steps import Now, Operation, Sleep
from .validation import check_data_type, check_uuid


def wait_for_sync(
    company_id: str,
    data_types: Iterable[str] | None = None,
    timeout: float = 300.0,
    on_progress: Callable[[SyncProgress], Any] | None = None,
    poll_interval: float = 0.5,
    max_interval: float = 5.0,
) -> Operation[dict[str, DataStatus]]:
    """Wait until the watched data types (default: every one in dataStatus) have ended.

    Returns each data type's final DataStatus (Complete or NotSupported). Raises SyncFailedError
    when any ended in an error status (naming each with its errorMessage; ``completed`` keeps the
    rest), SyncTimeoutError when ``timeout`` seconds pass first, and NotLinkedError at once when
    nothing is queued and the company has no Linked connection (nothing could ever end).
    """
    check_uuid(company_id, "company_id")
    watched = _watched(data_types)
    timeout = _seconds(timeout, "timeout")
    interval = _seconds(poll_interval, "poll_interval")
    ceiling = max(interval, _seconds(max_interval, "max_interval"))
    if on_progress is not None and not callable(on_progress):
        raise ValidationError("on_progress must be a function taking one SyncProgress argument.")
    start = yield Now()
    polls = 0
    checked_link = False
    while True:
        statuses = yield from data_status(company_id)
        polls += 1
        now = yield Now()
        names = watched if watched is not None else tuple(sorted(statuses))
        progress = SyncProgress({name: statuses.get(name) for name in names}, polls, now - start)
        nothing_queued = all(status is None for status in progress.statuses.values())
        if nothing_queued and not checked_link:
            # Nothing to wait for yet: only a Linked connection can ever queue something.
            checked_link = True
            company = yield from get_company(company_id)
            if not linked_connections(company):
                raise not_linked_error(company)
        if on_progress is not None:
            on_progress(progress)
        if progress.finished:
            return (yield from _outcome(company_id, progress))
        if now - start + interval > timeout:
            raise SyncTimeoutError(_timeout_message(company_id, progress, timeout), progress)
        yield Sleep(interval)
        interval = min(ceiling, interval * 1.5)


def _outcome(company_id: str, progress: SyncProgress) -> Operation[dict[str, DataStatus]]:
    finished = {name: status for name, status in progress.statuses.items() if status is not None}
    errored = {name: status for name, status in finished.items() if status.is_errored}
    completed = {name: status for name, status in finished.items() if not status.is_errored}
    if not errored:
        return completed
    # Only a failure costs more requests: the pull operations hold the errorMessage.
    failed = {}
    for name, status in errored.items():
        failed[name] = (yield from get_pull_operation(company_id, status.latest_sync_id)) if status.latest_sync_id else status
    lines = []
    for name, pull in failed.items():
        reason = getattr(pull, "error_message", None) or "no error message"
        lines.append(f"{name}: {getattr(pull, 'status', None) or pull.current_status} ({reason})")
    message = (
        f"The sync of company {company_id} failed for {len(failed)} data type(s): {'; '.join(lines)}. "
        f"{len(completed)} other data type(s) completed and are in .completed. "
        "Queue the failed ones again with refresh_data_type(company_id, data_type); an AuthError status means "
        "the connection must be re-linked."
    )
    raise SyncFailedError(message, failed=failed, completed=completed)


def _timeout_message(company_id: str, progress: SyncProgress, timeout: float) -> str:
    if not progress.statuses:
        return (
            f"Nothing was queued for company {company_id} in {timeout:g} s, though it is linked: queue its data "
            "with refresh_all(company_id) or refresh_data_type(company_id, data_type), then call wait_for_sync again."
        )
    waiting = []
    for name in progress.pending:
        status = progress.statuses[name]
        waiting.append(f"{name} (never queued: call refresh_data_type)" if status is None else f"{name} ({status.current_status})")
    return (
        f"The sync of company {company_id} had not ended after {timeout:g} s: still waiting for {', '.join(waiting)}. "
        "Call wait_for_sync again to keep waiting, or pass a longer timeout=."
    )


def _watched(data_types: Iterable[str] | None) -> tuple[str, ...] | None:
    if data_types is None:
        return None
    if isinstance(data_types, str):
        data_types = [data_types]
    if not isinstance(data_types, Iterable):
        raise ValidationError(f"data_types must be a list of data types such as ['invoices']; got {type(data_types).__name__}.")
    names = tuple(dict.fromkeys(check_data_type(name) for name in data_types))
    if not names:
        raise ValidationError("data_types is empty: pass None to wait for every data type, or name some.")
    return names


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValidationError(f"{what} must be a number of seconds >= 0; got {value!r}.")
    return float(value)
