"""How far a sync has got, as wait_for_sync reports it to its callback after every poll."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .records import DataStatus

#: dataStatus carries a status but no percentage: each stage of Codat's normal path stands for
#: the share of a pull done when it is reached (the emulator's own ``progress`` follows this path).
STAGE_PERCENT: Mapping[str, int] = MappingProxyType({
    "Initial": 0, "Queued": 5, "Fetching": 20, "MapQueued": 40, "Mapping": 50, "ValidationQueued": 60,
    "Validating": 70, "ProcessingQueued": 80, "Processing": 90,
})  # fmt: skip


@dataclass(frozen=True)
class SyncProgress:
    """One poll's view: each watched data type's status (None: not queued yet)."""

    statuses: Mapping[str, DataStatus | None]
    polls: int
    elapsed: float

    def percent(self, data_type: str) -> int:
        status = self.statuses.get(data_type)
        if status is None or status.current_status is None:
            return 0
        if status.is_terminal:
            return 100
        return STAGE_PERCENT.get(status.current_status, 50)

    @property
    def overall(self) -> float:
        """Mean percentage over the watched data types (0 when none is watched: nothing is done)."""
        if not self.statuses:
            return 0.0
        return sum(self.percent(t) for t in self.statuses) / len(self.statuses)

    @property
    def done(self) -> tuple[str, ...]:
        return tuple(t for t, s in self.statuses.items() if s is not None and s.is_terminal)

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(t for t, s in self.statuses.items() if s is None or not s.is_terminal)

    @property
    def finished(self) -> bool:
        """Every watched data type has ended (and there is at least one)."""
        return bool(self.statuses) and not self.pending

    def __repr__(self) -> str:
        return f"SyncProgress({len(self.done)}/{len(self.statuses)} data types done, {self.overall:.0f}%, polls={self.polls})"
