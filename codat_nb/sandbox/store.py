"""Where tenant state lives between restarts: nowhere (memory), or a SQLite file."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator, Protocol

#: Bump when the stored document shapes change incompatibly.
SCHEMA_VERSION = 1


class Store(Protocol):
    closed: bool

    def put(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None: ...
    def put_now(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None: ...
    def delete(self, tenant: str, kind: str, key: str) -> None: ...
    def load(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]: ...
    def commit(self) -> None: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


class MemoryStore:
    """Keeps nothing: the in-memory state is all there is."""

    closed = False

    def put(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        pass

    def put_now(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        pass

    def delete(self, tenant: str, kind: str, key: str) -> None:
        pass

    def load(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        return iter(())

    def commit(self) -> None:
        pass

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass


class SqliteStore:
    """Writes every changed document through to SQLite and reads them all back on start.

    Documents are JSON keyed by (tenant, kind, key); ``seq`` keeps creation order so
    lists come back in the order they were made. One transaction per request, committed
    before its answer leaves, so whatever got an answer is on file.

    Durability: WAL with ``synchronous=NORMAL``. A commit has handed the WAL frames to the
    operating system (``write``) before COMMIT returns; only checkpoints ``fsync``. That
    survives the process being killed (SIGKILL, a crash: the kernel still holds the pages
    and the next open replays the WAL), which is what an emulator needs; a power cut or an
    OS crash may lose the last commits, never consistency. ``FULL`` would ``fsync`` every
    request for protection against power loss that a test Sandbox does not need.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            raise FileNotFoundError(f"The folder for the state file does not exist: {self.path.parent}")
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # see the class docstring for why not FULL
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (tenant TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
            " seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant, kind, key))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} was written by another version of the emulator (schema {row[0]}, "
                f"this one needs {SCHEMA_VERSION}); pass a new --state path or delete the file."
            )
        (self._seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM docs").fetchone()
        self._in_transaction = False
        self.closed = False

    def _begin(self) -> None:
        if not self._in_transaction:
            self._db.execute("BEGIN")
            self._in_transaction = True

    def put(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._begin()
            self._seq += 1
            body = json.dumps(doc, separators=(",", ":"))
            self._db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, kind, key)"
                " DO UPDATE SET body = excluded.body",
                (tenant, kind, key, self._seq, body),
            )

    def put_now(self, tenant: str, kind: str, key: str, doc: dict[str, Any]) -> None:
        """:meth:`put`, committed at once, unless a request's transaction is open: that one
        commits it before its answer (and committing here would commit half a request)."""
        with self._lock:
            alone = not self._in_transaction
            self.put(tenant, kind, key, doc)
            if alone:
                self.commit()

    def delete(self, tenant: str, kind: str, key: str) -> None:
        with self._lock:
            self._begin()
            self._db.execute("DELETE FROM docs WHERE tenant = ? AND kind = ? AND key = ?", (tenant, kind, key))

    def load(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        with self._lock:
            rows = self._db.execute("SELECT tenant, kind, key, body FROM docs ORDER BY seq").fetchall()
        for tenant, kind, key, body in rows:
            yield tenant, kind, key, json.loads(body)

    def commit(self) -> None:
        with self._lock:
            if self._in_transaction:
                self._db.execute("COMMIT")
                self._in_transaction = False

    def clear(self) -> None:
        with self._lock:
            self._begin()
            self._db.execute("DELETE FROM docs")
            self.commit()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.commit()
            self._db.close()
            self.closed = True


def stored_seed(path: str | Path) -> int | None:
    """The seed a state file was made with (its books are drawn from it), None if it predates that."""
    db = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT body FROM docs WHERE tenant = '*' AND kind = 'seed'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return int(json.loads(row[0])["seed"]) if row else None
