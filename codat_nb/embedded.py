"""codat_nb.Sandbox: the embedded Codat Sandbox with clients bound to it in-process (no port, no key)."""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from .client import AsyncClient, Client
from .link_server import LinkServer
from .sandbox import DEFAULT_BASE_URL, Clock, Emulator, ManualClock
from .sandbox.rate_limits import RateLimits
from .errors import ValidationError
from .validation import check_positive_int, check_uuid

#: Every in-process client uses this key: the Sandbox keeps one tenant per key.
SANDBOX_KEY = "sandbox"


class Sandbox:
    """The embedded Sandbox (see codat_nb.sandbox), ready for ``.client()`` and ``.async_client()``.

    Args:
        seed: fixes every id and all the generated books.
        speed: simulated seconds per wall second; the default finishes a first sync in about 30 s.
        manual_clock: time stands still until something waits: a client's waits (wait_for_sync,
            retry backoff) then move the Sandbox's clock instead of sleeping, so notebooks and
            tests are instant and repeatable.
        latency_ms, error_rate: simulated network delay, and the share of pulls that fail.
        state_path: keep companies, connections and pulls in this SQLite file.
        start: the simulated time the clock starts at (a datetime or ISO 8601 text; default now, or
            MANUAL_EPOCH for a manual clock): a fixed start on a running clock keeps the books and
            their counts the same every day (they are drawn up to the day of the link).
        browser_links: hand out Link URLs (``redirect``, ``linkUrl``) that a browser can open: the
            first one handed out starts serving the Sandbox on a loopback port in the background
            (see codat_nb.link_server; also through jupyter-server-proxy on JupyterHub and Binder).
            False keeps the in-process origin, ``http://sandbox.codat.local``, which opens nowhere.
        rate_limits: enforce Codat's rate limits (see codat_nb.sandbox.rate_limits): ``True`` for
            Codat's numbers or a ``RateLimits(concurrent=..., daily_base=...)``; off by default so
            notebooks stay fast. Its controls (``advance``, ``authorize``) are never limited.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        speed: float = 1.0,
        manual_clock: bool = False,
        latency_ms: int = 0,
        error_rate: float = 0.0,
        state_path: str | Path | None = None,
        browser_links: bool = True,
        start: datetime | str | None = None,
        rate_limits: RateLimits | bool | None = None,
    ) -> None:
        begin = _start(start)
        _check_options(seed, speed, latency_ms, error_rate, state_path)
        clock = (ManualClock(begin) if begin else ManualClock()) if manual_clock else Clock(start=begin, speed=speed)
        self.emulator = Emulator(
            seed=seed, clock=clock, latency_ms=latency_ms, error_rate=error_rate, state_path=state_path, rate_limits=rate_limits
        )
        self.link_server = LinkServer(self.emulator) if browser_links else None
        if self.link_server is not None:
            self.emulator.public_url = self._browser_base
        self._control = self.emulator.http_client(api_key=SANDBOX_KEY)
        self._started = time.monotonic()

    def __repr__(self) -> str:
        return f"Sandbox(seed={self.emulator.state.seed}, clock={self.emulator.clock!r})"

    @property
    def manual_clock(self) -> bool:
        return self.emulator.clock.is_manual

    def client(self, **kwargs: Any) -> Client:
        """A :class:`Client` bound to this Sandbox in-process."""
        return self.bind(Client, **kwargs)

    def async_client(self, **kwargs: Any) -> AsyncClient:
        """An :class:`AsyncClient` bound to this Sandbox in-process."""
        return self.bind(AsyncClient, **kwargs)

    def bind(self, client_class: type[Any], **kwargs: Any) -> Any:
        """A client of ``client_class`` on this Sandbox: its transport, and on a manual clock its waits."""
        kwargs.setdefault("transport", self.emulator.transport())
        kwargs.setdefault("label", f"embedded Sandbox, seed {self.emulator.state.seed}")
        if self.manual_clock:
            kwargs.setdefault("sleep", self.advance)
            kwargs.setdefault("clock", self._simulated_seconds)
        client = client_class(SANDBOX_KEY, DEFAULT_BASE_URL, **kwargs)
        client.sandbox = self
        return client

    def _browser_base(self, origin: str) -> str:
        # Only in-process requests need the served Link pages; a served request's origin opens as it is.
        if origin != DEFAULT_BASE_URL or self.link_server is None:
            return origin
        return self.link_server.url()

    def link_url(self) -> str:
        """Where the user's browser reaches this Sandbox's Link pages (serving them if not yet)."""
        return self.emulator.link_base(DEFAULT_BASE_URL)

    def _simulated_seconds(self) -> float:
        return self.emulator.clock.now().timestamp()

    def advance(self, seconds: float) -> None:
        """Move the Sandbox's clock on (pulls progress as if that time had passed)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            raise ValidationError(f"seconds must be a finite number of seconds, such as 30; got {seconds!r:.60}.")
        answer = self._control.post("/_sandbox/clock/advance", json={"seconds": seconds})
        if answer.status_code != 200:
            raise ValidationError(answer.json().get("error", "The Sandbox refused to move its clock."))

    def authorize(self, company_id: str, connection_id: str, dataset: str | None = None, invoices: int | None = None) -> dict[str, Any]:
        """What the customer does on the Link page: sign in to the Sandbox, optionally picking
        the sample company (``small-uk``, ``us-retailer``, ``multi-currency-wholesaler``) and its size."""
        body: dict[str, Any] = {}
        if dataset is not None:
            body["dataset"] = dataset
        if invoices is not None:
            body["invoices"] = check_positive_int(invoices, "invoices", 1, 1_000_000)
        path = f"/_sandbox/companies/{check_uuid(company_id, 'company_id')}/connections/{check_uuid(connection_id, 'connection_id')}/authorize"
        answer = self._control.post(path, json=body)
        if answer.status_code != 200:
            from .responses import api_error

            raise api_error(answer, "POST", path)
        return answer.json()

    def serve(self, host: str = "127.0.0.1", port: int = 0):  # -> BackgroundServer
        """Serve this Sandbox over HTTP on a thread (``with sandbox.serve() as url: ...``)."""
        from .sandbox.server import BackgroundServer

        return BackgroundServer(self.emulator, host, port)

    def reset(self) -> None:
        self.emulator.reset()

    def close(self) -> None:
        if self.link_server is not None:
            self.link_server.stop()
        self._control.close()
        self.emulator.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _check_options(seed: Any, speed: Any, latency_ms: Any, error_rate: Any, state_path: Any) -> None:
    """Refuse, saying what to give, what the emulator would take badly (a NaN speed) or refuse from deep inside."""

    def number(value: Any) -> bool:
        return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError(f"seed must be a whole number such as 0; got {seed!r:.60}.")
    if not number(speed) or speed < 0:
        raise ValidationError(f"speed must be a finite number of simulated seconds per second, at least 0; got {speed!r:.60}.")
    if not number(latency_ms) or latency_ms < 0:
        raise ValidationError(f"latency_ms must be a number of milliseconds, at least 0; got {latency_ms!r:.60}.")
    if not number(error_rate) or not 0 <= error_rate <= 1:
        raise ValidationError(f"error_rate must be a share of pulls from 0 to 1, such as 0.1; got {error_rate!r:.60}.")
    if state_path is not None:
        path = Path(state_path)
        if not path.parent.is_dir():
            raise ValidationError(f"state_path: the folder {path.parent} does not exist; create it, or pick a path in an existing folder.")
        if path.is_file() and path.stat().st_size and not _head(path).startswith(b"SQLite format 3"):
            raise ValidationError(f"state_path: {path} is not a Sandbox state file (SQLite); pass a new path, or the file a Sandbox wrote.")


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(16)


def _start(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if value is not None and value.tzinfo is None:
            raise ValidationError("start must be timezone-aware, such as datetime(2026, 1, 5, 9, tzinfo=timezone.utc).")
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ValidationError(f"start must be a datetime or ISO 8601 text such as '2026-01-05T09:00:00Z'; got {value!r:.60}.") from None
    return _start(parsed)
