"""Record ids that look like Codat's GUIDs yet map back to a row without an index in memory."""

from __future__ import annotations

import hashlib

_HEX = "0123456789abcdef"
_SPACE = 1 << 48
_SPREAD = 0x9E3779B97F4B  # odd (golden ratio x 2**48), so invertible modulo 2**48
_UNSPREAD = pow(_SPREAD, -1, _SPACE)


class IdScheme:
    """``prefix-xxxxxxxxxxxx``: a fixed, seeded UUID prefix per data type plus the row, masked.

    Turning a row into an id and back is arithmetic, so a collection of a million records
    needs neither a million strings nor a dictionary to answer ``GET .../{id}``.
    """

    def __init__(self, seed: str, kind: str) -> None:
        digest = hashlib.sha256(f"{seed}:{kind}".encode()).hexdigest()
        variant = "89ab"[int(digest[16], 16) % 4]
        self.prefix = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-{variant}{digest[17:20]}-"
        self.offset = int(digest[20:32], 16)

    def id(self, row: int) -> str:
        # An affine bijection on 48 bits scatters neighbouring rows across the id space.
        return f"{self.prefix}{(int(row) * _SPREAD + self.offset) % _SPACE:012x}"

    def row(self, text: str) -> int | None:
        """The row for an id, or None when the id was not made by this scheme."""
        tail = text[24:]
        if len(text) != 36 or not text.startswith(self.prefix) or tail.strip(_HEX):
            return None  # (int() would also take "+", "_" and spaces: only plain hex names a row)
        value = int(tail, 16)
        return ((value - self.offset) * _UNSPREAD) % _SPACE
