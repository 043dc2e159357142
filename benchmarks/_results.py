"""What a benchmark script measured, in the shape benchmarks/run.py tabulates (one dict per result)."""

from __future__ import annotations

from typing import Any


class Results(list):
    def record(self, key: str, label: str, value: float, unit: str, target: float | None = None, note: str = "") -> None:
        """A higher-is-better result (PASS when ``value >= target``)."""
        passed = None if target is None else value >= target
        self.append({"key": key, "label": label, "value": value, "unit": unit, "target": target, "passed": passed, "note": note})

    def record_at_most(self, key: str, label: str, value: float, unit: str, limit: float, note: str = "") -> None:
        """A lower-is-better result (run.py shows ``direction: at_most`` targets as ``<=``)."""
        self.append({"key": key, "label": label, "value": value, "unit": unit, "target": None, "passed": value <= limit,
                     "note": note, "limit": limit, "direction": "at_most"})  # fmt: skip


def as_json(script: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"script": script, "results": results}
