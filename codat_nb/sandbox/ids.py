"""Deterministic ids: the seed, a namespace and a counter fix every UUID the emulator makes."""

from __future__ import annotations

import hashlib
import re
import uuid

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

#: Fixed namespace for ids that must never change (integration and source ids).
STATIC_NAMESPACE = uuid.UUID("6f1c63a4-2a43-4f5e-9d0f-c0da7c0da700")


def derive_uuid(seed: int, *parts: object) -> str:
    """A version-4-shaped UUID that depends only on ``seed`` and ``parts``."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def derive_hex(seed: int, *parts: object, length: int = 32) -> str:
    """A hex token (correlation ids) that depends only on ``seed`` and ``parts``."""
    return hashlib.sha256(repr((seed, *parts)).encode()).hexdigest()[:length]


def static_uuid(name: str) -> str:
    """A UUID fixed forever by ``name`` (the same in every run and every seed)."""
    return str(uuid.uuid5(STATIC_NAMESPACE, name))


def tenant_of(api_key: str) -> str:
    """The tenant id for an API key: a one-way digest, so the key itself is never stored."""
    return hashlib.sha256(("codat-nb-tenant:" + api_key).encode()).hexdigest()[:24]


def is_uuid(text: str) -> bool:
    return bool(_UUID_RE.match(text))
