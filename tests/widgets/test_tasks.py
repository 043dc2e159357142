"""TaskRunner: one task at a time on the running loop, its errors shown, Cancel honoured."""

from __future__ import annotations

import asyncio
import logging

import pytest

from codat_nb.errors import ValidationError
from codat_nb.widgets._tasks import TaskRunner


class Recorder:
    def __init__(self) -> None:
        self.busy: list[bool] = []
        self.errors: list[BaseException] = []
        self.cancels = 0

    def runner(self) -> TaskRunner:
        return TaskRunner(self.busy.append, self.errors.append, self.cancelled)

    def cancelled(self) -> None:
        self.cancels += 1


def test_a_second_start_while_busy_does_nothing() -> None:
    seen = Recorder()
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return 42

    async def scenario() -> int:
        runner = seen.runner()
        assert runner.start(work) is not None and runner.busy
        assert runner.start(work) is None
        return await runner.wait()

    assert asyncio.run(scenario()) == 42 and calls == 1 and seen.busy == [True, False]


def test_an_error_is_handed_over_not_lost(caplog: pytest.LogCaptureFixture) -> None:
    seen = Recorder()

    async def codat_error() -> None:
        raise ValidationError("bad value")

    async def bug() -> None:
        raise KeyError("oops")

    async def scenario() -> None:
        runner = seen.runner()
        runner.start(codat_error)
        await runner.wait()
        runner.start(bug)
        await runner.wait()

    with caplog.at_level(logging.ERROR, "codat_nb.widgets"):
        asyncio.run(scenario())
    assert [type(e) for e in seen.errors] == [ValidationError, KeyError]
    assert "KeyError" in caplog.text and "bad value" not in caplog.text  # a bug's traceback goes to the log
    assert seen.busy == [True, False, True, False]


def test_cancel_even_before_the_task_started() -> None:
    seen = Recorder()

    async def forever() -> None:
        await asyncio.sleep(3600)

    async def scenario() -> TaskRunner:
        runner = seen.runner()
        runner.start(forever)
        assert runner.cancel()  # before its first step
        await runner.wait()
        assert not runner.cancel()  # nothing left to cancel
        return runner

    runner = asyncio.run(scenario())
    assert runner.task.cancelled() and seen.busy == [True, False] and seen.cancels == 1 and seen.errors == []


def test_without_a_running_loop_it_says_where_to_use_it() -> None:
    seen = Recorder()

    async def work() -> None:  # pragma: no cover - never started
        pass

    assert seen.runner().start(work) is None
    assert "use it in JupyterLab or Notebook" in str(seen.errors[0]) and seen.busy == []
