"""Generated books kept in memory, a few at a time, with their recent snapshots.

Books are a pure function of their spec, so evicting them loses nothing but time. numpy is
imported on first use, keeping the emulator's start-up light.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Books, BooksSpec
    from .snapshot import Snapshot


class BooksCache:
    def __init__(self, seed: int, capacity: int = 3, snapshots: int = 4) -> None:
        self.seed = seed
        self.capacity = capacity
        self.snapshots = snapshots
        self._books: OrderedDict[BooksSpec, Books] = OrderedDict()
        self._snaps: OrderedDict[tuple[BooksSpec, int], Snapshot] = OrderedDict()

    def spec(self, sample: str, invoices: int, as_of: int) -> BooksSpec:
        from .model import BooksSpec

        return BooksSpec(self.seed, sample, invoices, as_of)

    def books(self, spec: BooksSpec) -> Books:
        if spec in self._books:
            self._books.move_to_end(spec)
            return self._books[spec]
        from .model import generate

        books = self._books[spec] = generate(spec)
        while len(self._books) > self.capacity:
            evicted, _ = self._books.popitem(last=False)
            for key in [k for k in self._snaps if k[0] == evicted]:
                del self._snaps[key]
        return books

    def snapshot(self, spec: BooksSpec, day: int) -> Snapshot:
        key = (spec, day)
        if key in self._snaps:
            self._snaps.move_to_end(key)
            return self._snaps[key]
        from .snapshot import Snapshot

        snap = self._snaps[key] = Snapshot(self.books(spec), day)
        while len(self._snaps) > self.snapshots * self.capacity:
            self._snaps.popitem(last=False)
        return snap

    def clear(self) -> None:
        self._books.clear()
        self._snaps.clear()
