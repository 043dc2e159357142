"""How a pull operation moves through Codat's statuses over simulated time."""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Codat's normal path after queueing, with each phase's share of the pull's
#: duration and the progress (0-100) it runs between.
NORMAL_PATH: tuple[tuple[str, float, int, int], ...] = (
    ("Queued", 0.05, 10, 10),
    ("Fetching", 0.35, 15, 50),
    ("MapQueued", 0.05, 52, 52),
    ("Mapping", 0.20, 55, 75),
    ("ValidationQueued", 0.03, 77, 77),
    ("Validating", 0.08, 78, 85),
    ("ProcessingQueued", 0.03, 87, 87),
    ("Processing", 0.21, 88, 99),
)

#: The error status a pull ends in when it fails during a phase, and a message like Codat's.
FAILURES: dict[str, tuple[str, str]] = {
    "Fetching": ("FetchError", "The Sandbox stopped responding while {dataType} were being fetched. Queue the data type again."),
    "Mapping": ("MapError", "A {dataType} record could not be mapped to Codat's data model. Queue the data type again."),
    "Validating": ("ValidationError", "Validation of {dataType} found records that do not reconcile. Queue the data type again."),
    "Processing": ("ProcessingError", "Processing {dataType} into Codat's cache failed. Queue the data type again."),
}

ERROR_STATUSES: frozenset[str] = frozenset({
    "FetchError", "MapError", "InternalError", "ProcessingError", "ValidationError", "AuthError",
    "RateLimitError", "PermissionsError", "PrerequisiteNotMet",
})  # fmt: skip
TERMINAL_STATUSES: frozenset[str] = ERROR_STATUSES | {"Complete", "NotSupported", "Cancelled"}

#: How long a NotSupported pull takes to find out, in simulated seconds.
NOT_SUPPORTED_AFTER = 1.0


@dataclass(frozen=True)
class Step:
    at: float  # seconds after the pull was requested
    status: str
    progress_from: int
    progress_to: int


@dataclass(frozen=True)
class PullPlan:
    """The whole life of one pull, fixed when it is queued so its status is a function of time."""

    steps: tuple[Step, ...]
    ends_at: float
    final_status: str
    final_progress: int
    error_message: str | None = None

    def at(self, elapsed: float) -> tuple[str, int, bool]:
        """``(status, progress, finished)`` ``elapsed`` seconds after the request."""
        if elapsed >= self.ends_at:
            return self.final_status, self.final_progress, True
        current = self.steps[0]
        for step in self.steps:
            if step.at > elapsed:
                break
            current = step
        following = [step.at for step in self.steps if step.at > current.at] + [self.ends_at]
        span = max(following[0] - current.at, 1e-9)
        fraction = min(max((elapsed - current.at) / span, 0.0), 1.0)
        progress = current.progress_from + int((current.progress_to - current.progress_from) * fraction)
        return current.status, progress, False

    def to_json(self) -> dict[str, object]:
        return {
            "steps": [[s.at, s.status, s.progress_from, s.progress_to] for s in self.steps],
            "endsAt": self.ends_at,
            "finalStatus": self.final_status,
            "finalProgress": self.final_progress,
            "errorMessage": self.error_message,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PullPlan:
        steps = tuple(Step(float(a), str(s), int(f), int(t)) for a, s, f, t in data["steps"])  # type: ignore[union-attr]
        return cls(
            steps,
            float(data["endsAt"]),  # type: ignore[arg-type]
            str(data["finalStatus"]),
            int(data["finalProgress"]),  # type: ignore[call-overload]
            data.get("errorMessage"),  # type: ignore[arg-type]
        )


def plan_not_supported() -> PullPlan:
    return PullPlan((Step(0.0, "Queued", 10, 10),), NOT_SUPPORTED_AFTER, "NotSupported", 100)


def plan_pull(rng: random.Random, data_type: str, duration: float, fail: bool) -> PullPlan:
    """A normal-path plan lasting ``duration`` simulated seconds, or one that fails on the way.

    A failing pull stops part-way through a working phase picked by ``rng`` with the
    matching error status and message, keeping the progress it had reached.
    """
    steps: list[Step] = []
    at = 0.0
    for status, share, low, high in NORMAL_PATH:
        steps.append(Step(round(at, 3), status, low, high))
        at += duration * share
    if not fail:
        return PullPlan(tuple(steps), round(duration, 3), "Complete", 100)
    failing = rng.choice(sorted(FAILURES))
    index = next(i for i, step in enumerate(steps) if step.status == failing)
    step = steps[index]
    phase_end = steps[index + 1].at if index + 1 < len(steps) else duration
    ends_at = round(step.at + (phase_end - step.at) * rng.uniform(0.2, 0.9), 3)
    reached = PullPlan(tuple(steps), duration, "Complete", 100).at(ends_at)[1]
    status, message = FAILURES[failing]
    return PullPlan(tuple(steps[: index + 1]), ends_at, status, reached, message.format(dataType=data_type))
