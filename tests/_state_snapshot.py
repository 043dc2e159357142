"""The Sandbox's whole state as one canonical text, to prove that a refused input changed nothing.

Two views: what the emulator holds in memory for every tenant (documents, id counters, pending
pull ends, the clock, forced failures), and the rows of a ``--state`` SQLite file. Neither goes
through the HTTP API, so taking a snapshot cannot itself change or settle anything.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from codat_nb.sandbox import Emulator
from codat_nb.sandbox.state import stored


def emulator_state(emulator: Emulator) -> str:
    """Every tenant's companies, connections, pulls, settings, counters and pending pulls, the
    company index, the clock and the forced failures, as sorted JSON.

    A tenant that holds nothing is left out: a request with a key the Sandbox has not seen makes
    an empty one in memory (never stored), which no answer can tell from none.
    """
    state = emulator.state
    dump: dict[str, Any] = {
        "tenants": {
            tenant_id: {
                "companies": {key: stored(doc) for key, doc in tenant.companies.items()},
                "connections": {key: stored(doc) for key, doc in tenant.connections.items()},
                "pulls": {key: stored(doc) for key, doc in tenant.pulls.items()},
                "settings": tenant.settings,
                "meta": tenant.meta,
                "pending": sorted(tenant.pending),
            }
            for tenant_id, tenant in state.tenants.items()
            if tenant.companies or tenant.connections or tenant.pulls or tenant.settings or tenant.meta != {"counter": 0}
        },
        "company_index": state.company_index,
        "now": state.clock.now(),
        "forced_failures": state.forced_failures,
    }
    return json.dumps(dump, sort_keys=True, default=str)


def sqlite_state(path: str | Path) -> str:
    """Every row of a state file's tables (docs and meta), opened read-only, as sorted JSON."""
    with contextlib.closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)) as db:
        docs = db.execute("SELECT tenant, kind, key, seq, body FROM docs ORDER BY tenant, kind, key").fetchall()
        meta = db.execute("SELECT name, value FROM meta ORDER BY name").fetchall()
    return json.dumps({"docs": docs, "meta": meta})


def tenant_count(emulator: Emulator) -> dict[str, int]:
    """How many companies each tenant holds: a quick figure for a failure message."""
    return {tenant_id: len(tenant.companies) for tenant_id, tenant in emulator.state.tenants.items()}
