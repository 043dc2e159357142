"""Codat's paging: ``page``/``pageSize``/``query``/``orderBy`` in, the PagingInfo envelope out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence, TypeVar
from urllib.parse import quote

from .http import Request, Response, encode, json_bytes_response, validation_error
from .query import Record, Schema, compile_query, order_records

Item = TypeVar("Item")

MAX_PAGE_SIZE = 5000
_DIGITS = re.compile(r"[+-]?[0-9]+")
DEFAULT_PAGE_SIZE = 100
#: Codat's ``page`` is an int32 (the spec's ``format: int32``): a larger one is refused, not served empty.
MAX_PAGE = 2**31 - 1


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int
    query: str | None
    order_by: str | None

    @property
    def start(self) -> int:
        return (self.page - 1) * self.page_size


def read_page_request(request: Request) -> PageRequest:
    """The paging parameters, each checked with a message that says what to send instead."""
    page = _whole_number(single_param(request, "page"), "page", 1, None, 1)
    if page > MAX_PAGE:
        raise validation_error("page", f"page must be at most {MAX_PAGE} (a 32-bit whole number); got {page}.", "Paging")
    page_size = _whole_number(single_param(request, "pageSize"), "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
    return PageRequest(page, page_size, single_param(request, "query"), single_param(request, "orderBy"))


def single_param(request: Request, name: str, validator: str = "Paging") -> str | None:
    """A query parameter given at most once: ``pageSize=false&pageSize=`` must not pass as the last value."""
    values = request.params(name)
    if len(values) > 1:
        raise validation_error(name, f"{name} is given {len(values)} times; send it once.", validator)
    return values[0] if values else None


def _whole_number(raw: str | None, name: str, low: int, high: int | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    allowed = f"from {low} to {high}" if high is not None else f"of at least {low}"
    try:
        if not _DIGITS.fullmatch(raw.strip()):  # int() also reads other scripts' digits (٣) and 1_000; Codat does not
            raise ValueError(raw)
        value = int(raw.strip())
    except ValueError:
        raise validation_error(name, f"{name} must be a whole number {allowed}; got '{raw[:40]}'.", "Paging") from None
    if value < low or (high is not None and value > high):
        raise validation_error(name, f"{name} must be a whole number {allowed}; got {value}.", "Paging")
    return value


def select(records: Sequence[Record], paging: PageRequest, schema: Schema) -> list[Record]:
    """Apply ``query`` then ``orderBy``: every match, in order, before slicing a page."""
    predicate = compile_query(paging.query, schema)
    matches = [record for record in records if predicate(record)] if predicate else list(records)
    return order_records(matches, paging.order_by, schema)


def envelope(request: Request, page_results: list[Any], total: int, paging: PageRequest) -> dict[str, Any]:
    """Codat's paged answer: ``results`` plus PagingInfo with relative ``_links``."""
    last_page = max(1, -(-total // paging.page_size))
    links: dict[str, dict[str, str]] = {
        "self": {"href": request.raw_path},
        "current": {"href": _href(request.raw_path, paging, paging.page)},
    }
    if paging.page < last_page:
        links["next"] = {"href": _href(request.raw_path, paging, paging.page + 1)}
    if 1 < paging.page <= last_page + 1:
        links["previous"] = {"href": _href(request.raw_path, paging, paging.page - 1)}
    return {
        "results": page_results,
        "pageNumber": paging.page,
        "pageSize": paging.page_size,
        "totalResults": total,
        "_links": links,
    }


def _href(path: str, paging: PageRequest, page: int) -> str:
    parts = [f"page={page}", f"pageSize={paging.page_size}"]
    if paging.query:
        parts.append("query=" + quote(paging.query, safe=""))
    if paging.order_by:
        parts.append("orderBy=" + quote(paging.order_by, safe=""))
    return f"{path}?{'&'.join(parts)}"


def paged_list(request: Request, records: Sequence[Record], schema: Schema) -> dict[str, Any]:
    """The whole list flow for small collections: parse, filter, order, slice, wrap."""
    paging = read_page_request(request)
    matches = select(records, paging, schema)
    return envelope(request, list(matches[paging.start : paging.start + paging.page_size]), len(matches), paging)


def paged_response(
    request: Request,
    items: Sequence[Item],
    schema: Schema,
    record: Callable[[Item], Record],
    encoded: Callable[[Item], bytes],
) -> Response:
    """A paged answer that renders only the page when nothing filters or orders the list.

    ``record`` gives an item's JSON (for ``query``/``orderBy``) and ``encoded`` its serialised
    bytes, which are spliced into the envelope, so page N of a long list costs one page of work.
    """
    paging = read_page_request(request)
    if paging.query or paging.order_by:
        predicate = compile_query(paging.query, schema)
        matches = [item for item in items if predicate(record(item))] if predicate else list(items)
        items = order_records(matches, paging.order_by, schema, record)
    meta = encode(envelope(request, [], len(items), paging))
    head = b'{"results":[],'
    page_bytes = b",".join(encoded(item) for item in items[paging.start : paging.start + paging.page_size])
    return json_bytes_response(200, b'{"results":[' + page_bytes + b"]," + meta[len(head) :])


def paged_rows_response(
    request: Request,
    size: int,
    schema: Schema,
    queryables: Callable[[], Iterable[tuple[int, Record]]],
    encoded_page: Callable[[Sequence[int]], bytes],
) -> Response:
    """``paged_response`` for a collection of rows ``0..size-1`` that renders a page at a time.

    ``queryables`` yields (row, record without arrays) for every row, in order; ``encoded_page``
    gives the comma-separated JSON of the full records of some rows. Only a ``query`` or
    ``orderBy`` looks at every record; otherwise the page's rows are all that is rendered.
    """
    paging = read_page_request(request)
    rows: Sequence[int] = range(size)
    if paging.query or paging.order_by:
        rows = matching_rows(queryables(), paging, schema)
    meta = encode(envelope(request, [], len(rows), paging))
    head = b'{"results":[],'
    page_bytes = encoded_page(rows[paging.start : paging.start + paging.page_size])
    return json_bytes_response(200, b'{"results":[' + page_bytes + b"]," + meta[len(head) :])


def matching_rows(records: Iterable[tuple[int, Record]], paging: PageRequest, schema: Schema) -> list[int]:
    """The rows whose records match ``query``, in ``orderBy`` order (stable, as ``select``).

    Only the top-level fields that ``orderBy`` names are kept from each matching record, so
    ordering a large collection holds keys, not every rendered record.
    """
    predicate = compile_query(paging.query, schema)
    fields = _order_fields(paging.order_by)
    kept = [
        (row, {name: record[name] for name in fields if name in record})
        for row, record in records
        if predicate is None or predicate(record)
    ]
    return [row for row, _ in order_records(kept, paging.order_by, schema, lambda pair: pair[1])]


def _order_fields(order_by: str | None) -> list[str]:
    """The top-level record keys that ``orderBy`` can read (bad names are refused later, by
    ``order_records``, exactly as before)."""
    if not order_by:
        return []
    names = []
    for part in order_by.split(","):
        key = part.strip()
        path = key[1:].strip() if key.startswith("-") else key
        names.append(path.split(".")[0])
    return names
