"""The walkthrough's rich Console: plain text when not a terminal, and a closed pipe left to the command to end."""

from __future__ import annotations

import errno

from rich.console import Console


class TerminalConsole(Console):
    """rich's Console without highlighting guesses (ids and URLs print as they are).

    rich's own answer to a closed pipe is ``SystemExit(1)``; this one goes quiet and raises
    BrokenPipeError instead, so the command line ends the way it ends every closed pipe (see
    codat_nb.cli._output) and cleanup (the Sandbox's Link server) still runs on the way out.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more is written, also from cleanup on the way out
        raise BrokenPipeError(errno.EPIPE, "the reader of the output closed the pipe")
