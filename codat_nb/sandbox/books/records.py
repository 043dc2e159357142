"""Rows of the books -> Codat's Accounting JSON: what every renderer shares.

Records are rendered a page at a time (``sales_records``, ``purchase_records``,
``ledger_records``): each column of the page's rows is read from numpy once and turned into
Python values with ``tolist()``, ids and date-times are formatted per column (``texts``), and the
references to the small lists (accounts, tax rates, items, customers...) are dicts built once per
books and shared by every record that points at them. Nothing mutates a rendered record.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Sequence

import numpy as np

from . import texts
from .calendar import local_datetime
from .refs import Refs, refs_of
from .snapshot import Snapshot

Rows = Sequence[int] | np.ndarray


def money(cents: Any) -> float:
    return int(cents) / 100


def amounts(cents: np.ndarray) -> list[float]:
    """``money`` of every element (integer cents, so the division is the same exact one)."""
    return [value / 100 for value in cents.astype(np.int64, copy=False).tolist()]


class Stamp:
    """Codat's ``modifiedDate`` for a record whose last change in the source was on a given day.

    ``syncs`` are (snapshot day, completed timestamp) of the data type's completed pulls, oldest
    first: a record last changed on day e was written to the cache by the first of them that saw it.
    """

    def __init__(self, syncs: list[tuple[int, str]]) -> None:
        self.days = [day for day, _ in syncs]
        self.completed = [completed for _, completed in syncs]
        self._days = np.asarray(self.days, dtype=np.int64)

    def __call__(self, event_day: int) -> str:
        index = bisect_left(self.days, int(event_day))
        return self.completed[min(index, len(self.completed) - 1)]

    def many(self, event_days: np.ndarray) -> list[str]:
        """The stamp of every day, as ``bisect_left`` per day would give it."""
        index = np.minimum(np.searchsorted(self._days, event_days, side="left"), len(self.completed) - 1)
        completed = self.completed
        return [completed[i] for i in index.tolist()]


def make_stamp(syncs: list[tuple[int, str]]) -> Stamp:
    return Stamp(syncs)


def spans(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The rows ``starts[i]:ends[i]`` of every document, flattened, and where each one's begin.

    Used for a page's lines and payments: one fancy index per column instead of one per line.
    """
    counts = ends - starts
    offsets = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    flat = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets[:-1], counts)
    return flat, offsets.tolist()


def gather(column: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``column[index]`` where only the non-negative indexes matter (the rest read row 0), so a
    -1 "none" marker never reads past an empty column."""
    if column.size == 0:
        return np.zeros(index.shape + column.shape[1:], dtype=column.dtype)
    return column[np.maximum(index, 0)]


class Reader:
    """Renders records as the snapshot sees them; ``stamp`` gives their ``modifiedDate``."""

    def __init__(self, snapshot: Snapshot, stamp: Stamp) -> None:
        self.snap = snapshot
        self.books = snapshot.books
        self.stamp = stamp
        self.base = self.books.company.currency

    @property
    def refs(self) -> Refs:
        return refs_of(self.books)

    def id(self, kind: str, row: int) -> str:
        return self.books.ids(kind).id(row)

    def ids(self, kind: str, rows: Any) -> list[str]:
        return texts.ids(self.books.ids(kind), rows)

    def account_ref(self, index: int) -> dict[str, str]:
        return self.refs.accounts[index]

    def tax_ref(self, code: int) -> dict[str, Any]:
        return self.refs.tax_rates[int(code)]

    def common(self, event_day: int, event_seconds: int = 0) -> dict[str, Any]:
        return {
            "metadata": {"isDeleted": False},
            "modifiedDate": self.stamp(event_day),
            "sourceModifiedDate": local_datetime(event_day, event_seconds),
        }

    def stamps(self, event_days: np.ndarray) -> list[str]:
        return self.stamp.many(event_days)


def credit_note_number(row: int) -> str:
    return f"CN-{row + 1:06d}"


def datetime_columns(*pairs: tuple[np.ndarray, Any]) -> list[list[str]]:
    """Several (days, seconds) columns formatted in one pass (one set of numpy calls for the
    whole page), returned column by column. ``seconds`` may be one number for the column."""
    sizes = [days.size for days, _ in pairs]
    days = np.concatenate([days for days, _ in pairs])
    seconds = np.concatenate(
        [second if isinstance(second, np.ndarray) else np.full(size, second, dtype=np.int64) for (_, second), size in zip(pairs, sizes)]
    )
    flat = texts.datetimes(days, seconds)
    out, start = [], 0
    for size in sizes:
        out.append(flat[start : start + size])
        start += size
    return out
