"""Where the client connects and with which key: the key wrapped so it never shows."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import masking
from .errors import ConfigError

#: Codat's production API, the only server in its OpenAPI specs.
CODAT_BASE_URL = "https://api.codat.io"
API_KEY_ENV = "CODAT_API_KEY"
BASE_URL_ENV = "CODAT_BASE_URL"


class Secret:
    """An API key that shows as ``***`` in reprs, str(), f-strings, logs and tracebacks."""

    __slots__ = ("_value", "__weakref__")

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise ConfigError(f"An API key must be a string; got {type(value).__name__}.")
        value = value.strip()
        if not value:
            raise ConfigError(f"The API key is empty: set {API_KEY_ENV} or pass api_key='...' (Codat Portal > Developers > API keys).")
        if any(ord(ch) < 33 or ord(ch) > 126 for ch in value):
            raise ConfigError("The API key contains spaces or characters outside printable ASCII: copy it again from the Codat Portal.")
        self._value = value
        masking.register(self)  # so a message quoting an argument that holds this key masks it

    def reveal(self) -> str:
        return self._value

    def authorization(self) -> str:
        """Codat's header value: ``Basic`` + base64 of the key alone (no ``user:`` part)."""
        return "Basic " + base64.b64encode(self._value.encode()).decode()

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # pickling would write the key out; refuse rather than leak
        raise TypeError("A Secret cannot be pickled; keep the API key in the environment instead.")


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or a ConfigError saying what a valid one looks like."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"base_url must be a URL such as {CODAT_BASE_URL}; got {masking.show_value(url, 80)}.")
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        scheme, host, _ = parts.scheme, parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError:  # "Invalid IPv6 URL" and the like: refuse it the same way
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or any(ch.isspace() for ch in url):
        raise ConfigError(f"base_url must start with http:// or https:// and name a host, such as {CODAT_BASE_URL}; got {masking.show_value(url, 80)}.")
    if "?" in url or "#" in url:  # even an empty query or fragment would swallow the paths appended to base_url
        raise ConfigError(f"base_url must not carry a query or fragment; got {masking.show_value(url, 80)}.")
    return url


@dataclass(frozen=True)
class EnvSettings:
    """What the environment says: a key for the real API (or a served Sandbox), or nothing."""

    api_key: Secret | None
    base_url: str

    @classmethod
    def read(cls) -> EnvSettings:
        raw = os.environ.get(API_KEY_ENV, "")
        key = Secret(raw) if raw.strip() else None
        return cls(key, check_base_url(os.environ.get(BASE_URL_ENV) or CODAT_BASE_URL))


def ask_for_api_key(prompt: str = "Codat API key (leave empty for the embedded Sandbox): ") -> Secret | None:
    """The key from ``CODAT_API_KEY``, or asked for with getpass (nothing is echoed or stored in outputs).

    Returns None when the environment has no key and the answer is empty: use the Sandbox then.
    """
    settings = EnvSettings.read()
    if settings.api_key is not None:
        return settings.api_key
    import getpass

    answer = getpass.getpass(prompt)
    return Secret(answer) if answer.strip() else None
