"""codat_nb: explore the Codat API from Jupyter, on an embedded offline Sandbox or the real API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
