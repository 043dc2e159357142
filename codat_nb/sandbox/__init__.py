"""The embedded Codat Sandbox: an offline emulator of the Codat Platform API.

The core uses only the standard library; httpx (in-process transport) and uvicorn
(served mode) are imported only when those are asked for.
"""

from __future__ import annotations

from .app import DEFAULT_BASE_URL, Emulator
from .clock import MANUAL_EPOCH, Clock, ManualClock

__all__ = ["Clock", "DEFAULT_BASE_URL", "Emulator", "MANUAL_EPOCH", "ManualClock"]
