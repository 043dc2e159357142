"""Which client a widget uses: one AsyncClient per Client, one default client per kernel."""

from __future__ import annotations

import pytest

import codat_nb
from codat_nb.widgets import _backend


def test_widgets_share_one_async_twin_per_client(client: codat_nb.Client) -> None:
    twin = _backend.async_client(client)
    assert twin is _backend.async_client(client) and twin.sandbox is client.sandbox
    assert _backend.async_client(twin) is twin


def test_the_default_client_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backend, "_default", None)
    first = _backend.default_client()
    try:
        assert _backend.default_client() is first and first.sandbox is not None
    finally:
        first.close()


def test_anything_else_is_refused_clearly() -> None:
    with pytest.raises(codat_nb.ConfigError, match="needs a codat_nb Client or AsyncClient; got str"):
        _backend.async_client("sk_key")  # type: ignore[arg-type]
