"""Which client a widget uses and what its backend can do: the embedded Sandbox (which can act as
the customer and links only the Sandbox integrations) or an API reached over HTTP."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from ..client import AsyncClient, Client
from ..records import Integration

_default: Client | None = None
_twins: weakref.WeakKeyDictionary[Client, AsyncClient] = weakref.WeakKeyDictionary()


def default_client() -> Client:
    """``Client.from_env()``, made once per kernel: widgets made without a client share it, so a
    company created in one form is the one the next panel links and syncs."""
    global _default
    if _default is None:
        _default = Client.from_env()
    return _default


def async_client(client: Client | AsyncClient | None) -> AsyncClient:
    """The AsyncClient a widget runs its requests with (one per Client, shared by its widgets)."""
    if client is None:
        client = default_client()
    if isinstance(client, AsyncClient):
        return client
    if not isinstance(client, Client):
        from ..errors import ConfigError

        raise ConfigError(f"A widget needs a codat_nb Client or AsyncClient; got {type(client).__name__}.")
    twin = _twins.get(client)
    if twin is None:
        twin = _twins[client] = client.as_async()
    return twin


@dataclass(frozen=True)
class Backend:
    """What a client is connected to, as the widgets need to know it."""

    client: AsyncClient

    @property
    def sandbox(self) -> Any:
        """The embedded codat_nb.Sandbox, which can authorise as the customer; else None."""
        return self.client.sandbox

    @property
    def is_embedded(self) -> bool:
        return self.sandbox is not None

    def can_link(self, integration: Integration) -> tuple[bool, str]:
        """Whether a connection to ``integration`` can be linked here, and if not, why."""
        if not integration.enabled:
            return False, "switched off for this API key (Codat Portal > Settings > Integrations)"
        if self.is_embedded:
            from ..sandbox.catalog import LINKABLE_KEYS

            if integration.key not in LINKABLE_KEYS:
                return False, "needs the real Codat API: the embedded Sandbox links only its Sandbox integrations"
        return True, ""

    def secret(self) -> str | None:
        """The key, only to mask it out of anything a widget shows; None for the embedded Sandbox,
        whose fixed key ("sandbox") is no secret and would otherwise mask the word everywhere."""
        return None if self.is_embedded else self.client._key.reveal()
