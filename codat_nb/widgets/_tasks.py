"""Long widget work as one asyncio task on the kernel's event loop, never blocking it.

A callback that blocked (a wait_for_sync loop with time.sleep) would hold the kernel: no other
cell, widget message or Cancel click would be handled until it returned. A task on the running
loop keeps all of those answering; the runner keeps a handle on it so Cancel can stop it, a
second click while it runs does nothing (a double click creates one company, not two), and its
exception is shown in the widget instead of being lost in the kernel's log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger("codat_nb.widgets")


class TaskRunner:
    """One task at a time for one widget.

    Args:
        on_busy: called with True when work starts and False when it ends (disable buttons).
        on_error: called with the exception that ended the work (not for a cancel).
        on_cancel: called when Cancel stopped the work.
    """

    def __init__(
        self,
        on_busy: Callable[[bool], None],
        on_error: Callable[[BaseException], None],
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self._on_busy = on_busy
        self._on_error = on_error
        self._on_cancel = on_cancel
        self.task: asyncio.Task[Any] | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, work: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any] | None:
        """Schedule ``work()`` on the running loop; None (and nothing started) if work is running."""
        if self.busy:
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._on_error(
                RuntimeError(
                    "This widget runs its requests on the notebook's event loop, and none is running here: "
                    "use it in JupyterLab or Notebook, or await its methods from asyncio code."
                )
            )
            return None
        task = loop.create_task(self._guarded(work))
        task.add_done_callback(self._ended)  # also runs for a task cancelled before it started
        self.task = task
        self._on_busy(True)
        return task

    async def _guarded(self, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await work()
        except Exception as error:  # shown in the widget; a bug's traceback goes to the log, not the page
            if not _is_codat_error(error):
                log.exception("codat_nb widget task failed")
            self._on_error(error)
            return None

    def _ended(self, task: asyncio.Task[Any]) -> None:
        if task is not self.task:
            return
        self._on_busy(False)
        if task.cancelled() and self._on_cancel is not None:
            self._on_cancel()

    def cancel(self) -> bool:
        """Stop the running work; True if there was any."""
        if not self.busy:
            return False
        assert self.task is not None
        self.task.cancel()
        return True

    async def wait(self) -> Any:
        """Until the current work has ended (for tests and for code driving a widget); its result."""
        if self.task is None:
            return None
        try:
            return await self.task
        except asyncio.CancelledError:
            return None


def _is_codat_error(error: BaseException) -> bool:
    from ..errors import CodatError

    return isinstance(error, CodatError)
