"""codat-nb walkthrough: Codat's Connect guide (create a company, link it, sync it) in a terminal, drawn with rich."""

from __future__ import annotations

from ._backend import Backend, api_backend, embedded_backend
from ._console import TerminalConsole
from ._run import DEFAULT_NAME, DEFAULT_SAMPLE, Options, run_walkthrough
from ._summary import SyncRow, sync_rows, sync_table
from ._sync_view import SyncView

__all__ = [
    "Backend",
    "DEFAULT_NAME",
    "DEFAULT_SAMPLE",
    "Options",
    "SyncRow",
    "SyncView",
    "TerminalConsole",
    "api_backend",
    "embedded_backend",
    "run_walkthrough",
    "sync_rows",
    "sync_table",
]
