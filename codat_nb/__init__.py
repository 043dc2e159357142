"""codat_nb: explore the Codat API from Jupyter, on an embedded offline Sandbox or the real API."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it. Loaded on first use, so ``import codat_nb.sandbox``
#: (the emulator, standard library only) does not pull in httpx, the client or pandas.
_EXPORTS = {
    "AsyncClient": "client", "Client": "client", "Secret": "config", "ask_for_api_key": "config",
    "Sandbox": "embedded", "SyncProgress": "progress", "RetryPolicy": "retries",
    **{name: "errors" for name in (
        "APIError", "AuthError", "CodatError", "ConfigError", "ConflictError", "DataChangedError", "LinkTimeoutError",
        "NotFoundError", "NotLinkedError", "OutcomeUnknownError",
        "RateLimitError", "SchemaError", "ServerError", "SyncFailedError", "SyncTimeoutError", "TransportError",
        "ValidationError",
    )},
    **{name: "records" for name in (
        "Company", "Connection", "DataStatus", "Integration", "PullOperation", "SyncSetting", "SyncSettings",
    )},
}  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    from .client import AsyncClient, Client
    from .config import Secret, ask_for_api_key
    from .embedded import Sandbox
    from .errors import *  # noqa: F403
    from .progress import SyncProgress
    from .records import Company, Connection, DataStatus, Integration, PullOperation, SyncSetting, SyncSettings
    from .retries import RetryPolicy


#: Subpackages reachable as attributes (``codat_nb.frames``), imported when first used.
_SUBPACKAGES = frozenset({"charts", "export", "frames", "portfolio", "sandbox", "widgets"})


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        value = import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'codat_nb' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_SUBPACKAGES])


__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AsyncClient",
    "AuthError",
    "Client",
    "CodatError",
    "Company",
    "ConfigError",
    "ConflictError",
    "Connection",
    "DataChangedError",
    "DataStatus",
    "Integration",
    "LinkTimeoutError",
    "NotFoundError",
    "NotLinkedError",
    "OutcomeUnknownError",
    "PullOperation",
    "RateLimitError",
    "RetryPolicy",
    "Sandbox",
    "SchemaError",
    "Secret",
    "ServerError",
    "SyncFailedError",
    "SyncProgress",
    "SyncSetting",
    "SyncSettings",
    "SyncTimeoutError",
    "TransportError",
    "ValidationError",
    "__version__",
    "ask_for_api_key",
]
