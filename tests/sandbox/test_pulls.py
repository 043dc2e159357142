"""Pull plans: status and progress as a function of simulated time."""

from __future__ import annotations

import random

import pytest

from codat_nb.sandbox.pulls import ERROR_STATUSES, NORMAL_PATH, PullPlan, plan_not_supported, plan_pull


def test_plan__normal_path_in_order_with_rising_progress() -> None:
    plan = plan_pull(random.Random(1), "invoices", 20.0, fail=False)
    samples = [plan.at(t / 10) for t in range(0, 220)]
    statuses = [s for i, (s, _, _) in enumerate(samples) if i == 0 or samples[i - 1][0] != s]
    assert statuses == [name for name, *_ in NORMAL_PATH] + ["Complete"]
    progress = [p for _, p, _ in samples]
    assert progress == sorted(progress) and progress[0] == 10 and progress[-1] == 100
    assert plan.at(19.99)[2] is False and plan.at(20.0) == ("Complete", 100, True)


@pytest.mark.parametrize("seed", range(12))
def test_plan__failure_stops_in_a_working_phase(seed: int) -> None:
    plan = plan_pull(random.Random(seed), "bills", 10.0, fail=True)
    status, progress, finished = plan.at(plan.ends_at)
    assert finished and status in ERROR_STATUSES and 0 < progress < 100
    assert "bills" in (plan.error_message or "")
    assert plan.ends_at < 10.0


def test_plan__round_trips_through_json() -> None:
    plan = plan_pull(random.Random(3), "customers", 8.0, fail=True)
    assert PullPlan.from_json(plan.to_json()) == plan


def test_plan__not_supported_is_quick_and_not_errored() -> None:
    plan = plan_not_supported()
    assert plan.at(0)[0] == "Queued"
    assert plan.at(5) == ("NotSupported", 100, True)
