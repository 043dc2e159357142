"""The strings of a whole page at once: record ids, local date-times and invoice numbers.

Formatting them one numpy scalar at a time was most of a page's cost. Here a column of
strings is built as a fixed-width byte matrix with a few vectorised operations (table look-ups
for dates and times) and turned into Python strings by numpy in one go. Every function returns
exactly what its one-at-a-time counterpart returns (``IdScheme.id``, ``calendar.local_datetime``);
the rendering tests pin the served bytes.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

import numpy as np

from .calendar import date_of, local_datetime
from .keys import _SPACE, _SPREAD, IdScheme

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_NIBBLE_SHIFTS = np.arange(44, -1, -4, dtype=np.uint64)  # the 12 hex digits of 48 bits, high first
_FIFTEEN, _MASK = np.uint64(15), np.uint64(_SPACE - 1)
_SPREAD64 = np.uint64(_SPREAD)
#: The invoice-number alphabet: ``Sales.number_codes`` index into it.
ALPHABET = np.frombuffer((string.ascii_letters + string.digits).encode(), dtype=np.uint8)
_FIRST_DAY, _LAST_DAY = -719162, 2932896  # 0001-01-01 and 9999-12-31, the days Python can write
#: The most days the date table spans (about 110 years, 400 kB); wider asks are formatted singly.
_TABLE_DAYS = 40_000


def _strings(matrix: np.ndarray) -> list[str]:
    """Rows of an ASCII byte matrix as Python strings (numpy's str conversion is the cheap one)."""
    rows, width = matrix.shape
    return np.ascontiguousarray(matrix, dtype=np.uint32).view(f"U{width}").reshape(rows).tolist()


def ids(scheme: IdScheme, rows: Any) -> list[str]:
    """``scheme.id(row)`` for every row.

    The affine map is computed in uint64, whose wrap-around is arithmetic modulo 2**64; as
    2**48 divides 2**64, masking to 48 bits gives Python's exact ``% 2**48`` (negative rows too).
    """
    values = np.asarray(rows, dtype=np.int64).astype(np.uint64)
    if values.size == 0:
        return []
    values = (values * _SPREAD64 + np.uint64(scheme.offset)) & _MASK
    matrix = np.empty((values.size, 36), dtype=np.uint8)
    matrix[:, :24] = _prefix_bytes(scheme.prefix)
    matrix[:, 24:] = _HEX[(values[:, None] >> _NIBBLE_SHIFTS) & _FIFTEEN]
    return _strings(matrix)


@lru_cache(maxsize=256)
def _prefix_bytes(prefix: str) -> np.ndarray:
    return np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)


def datetimes(days: Any, seconds: Any) -> list[str]:
    """``local_datetime(day, seconds)`` for every pair: ``2025-03-14T13:04:02``.

    Seconds outside a day (never drawn), days Python cannot write or days centuries apart go
    the one-at-a-time way, which formats (or raises) exactly as before.
    """
    days, seconds = np.asarray(days, dtype=np.int64), np.asarray(seconds, dtype=np.int64)
    if days.size == 0:
        return []
    low, high = int(days.min()), int(days.max())
    if seconds.min() < 0 or seconds.max() >= 86400 or low < _FIRST_DAY or high > _LAST_DAY or high - low > _TABLE_DAYS // 2:
        return [local_datetime(day, second) for day, second in zip(days.tolist(), seconds.tolist())]
    return _strings(np.concatenate((_DATES.rows(days, low, high), _times()[seconds]), axis=1))


class _DateTable:
    """``YYYY-MM-DD`` bytes for a span of days, widened (never narrowed) as days are asked for.

    ``span`` (first day, table) is replaced as one tuple, so a thread reading it while another
    widens it sees one consistent pair.
    """

    def __init__(self) -> None:
        self.span: tuple[int, np.ndarray] = (0, np.empty((0, 10), dtype=np.uint8))

    def rows(self, days: np.ndarray, low: int, high: int) -> np.ndarray:
        first, table = self.span
        if low < first or high >= first + len(table):
            first, table = self.span = self._widened(first, table, low, high)
        return table[days - first]

    @staticmethod
    def _widened(first: int, table: np.ndarray, low: int, high: int) -> tuple[int, np.ndarray]:
        end = first + len(table)
        if len(table) and max(high, end - 1) - min(low, first) < _TABLE_DAYS // 2:
            low, high = min(low, first), max(high, end - 1)  # keep the days already covered
        first, end = max(_FIRST_DAY, low - 366), min(_LAST_DAY + 1, high + 367)  # a year of slack either side
        text = "".join(date_of(day).isoformat() for day in range(first, end))
        return first, np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, 10)


_DATES = _DateTable()


@lru_cache(maxsize=1)
def _times() -> np.ndarray:
    """``THH:MM:SS`` bytes for every second of a day (780 kB, built once in a few ms)."""
    second = np.arange(86400)
    table = np.empty((86400, 9), dtype=np.uint8)
    table[:, 0], table[:, 3], table[:, 6] = ord("T"), ord(":"), ord(":")
    for column, part in ((1, second // 3600), (4, second // 60 % 60), (7, second % 60)):
        table[:, column] = part // 10 + ord("0")
        table[:, column + 1] = part % 10 + ord("0")
    return table


def invoice_numbers(codes: np.ndarray) -> list[str]:
    """Invoice numbers from their (n, 8) alphabet codes."""
    if codes.shape[0] == 0:
        return []
    return _strings(ALPHABET[codes])
