"""Start a server process and wait for the base URL it prints when ready (shared by the served benchmarks)."""

from __future__ import annotations

import queue
import subprocess
import threading
import time


def read_ready_url(proc: subprocess.Popen, output: list[str], timeout: float = 60) -> str | None:
    """The ``http://...`` after "ready at" in the process's output, or None if it never comes.

    A thread keeps draining stdout into ``output`` so a chatty server never blocks on a full pipe.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip())
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if line is None:
            return None
        if "ready at http://" in line:
            return "http://" + line.split("ready at http://", 1)[1].split()[0]
    return None
