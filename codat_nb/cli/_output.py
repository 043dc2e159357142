"""A reader that stops early (``codat-nb walkthrough | head -3``) ends a command quietly, as a Unix tool does."""

from __future__ import annotations

import os
import sys

#: What a shell reports for a program ended by SIGPIPE (128 + 13), so ``set -o pipefail`` sees the cut.
CLOSED_PIPE_STATUS = 141


def stop_writing_stdout() -> int:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail with "Exception ignored"
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe), and give the status to exit with."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file descriptor (a test's capture)
        pass
    return CLOSED_PIPE_STATUS
