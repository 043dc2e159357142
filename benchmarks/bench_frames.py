"""codat_nb.frames against pandas.json_normalize: 100,000 invoices with 3 line items each.

The invoices are the embedded Sandbox's own (a ``us-retailer`` company sized to 100,000 invoices,
read in-process at pageSize 5000), each given exactly three line items (its own, repeated when it
had fewer), so both sides get the same realistic JSON. In one run, alternating, best of
``--rounds``:

- codat_nb: ``frames.tables("invoices", records)`` — the header frame and the line-item frame
  (plus the smaller child frames it also builds: tracking categories, payment allocations,
  withholding tax), every column in its dtype (UTC and local datetimes, categorical status ...);
- baseline: ``pd.json_normalize(records)`` for the headers plus
  ``pd.json_normalize(records, record_path="lineItems", meta=["id"])`` for the lines, which
  leaves dates as text and statuses as objects (less work than codat_nb does).

Targets: baseline / codat_nb >= 10 (time); codat_nb's peak memory <= the baseline's (tracemalloc
peak, which numpy's buffers report to, in separate untimed runs).

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_frames.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from codat_nb import Sandbox, frames  # noqa: E402

sys.path.insert(0, str(HERE))
from _results import Results, as_json  # noqa: E402

INVOICES = 100_000
LINES = 3
SPEED_TARGET = 10.0

results = Results()
record, record_at_most = results.record, results.record_at_most


def sandbox_invoices(count: int) -> list[dict[str, Any]]:
    """``count`` Sandbox invoices, each with exactly LINES line items."""
    sandbox = Sandbox(seed=7, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Frames Benchmark Inc")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="us-retailer", invoices=count)
        client.wait_for_sync(company.id, data_types=["invoices"], timeout=10**6)
        invoices = client.list_records(company.id, "invoices", page_size=5000)
    sandbox.close()
    for invoice in invoices:
        own = invoice["lineItems"]
        invoice["lineItems"] = [dict(own[i % len(own)]) for i in range(LINES)]
    return invoices


def with_codat_nb(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    return frames.tables("invoices", records)


def with_json_normalize(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    headers = pd.json_normalize(records)
    lines = pd.json_normalize(records, record_path="lineItems", meta=["id"], meta_prefix="invoice_")
    return {"invoices": headers, "invoices.line_items": lines}


def timed(function: Callable[[list[dict[str, Any]]], Any], records: list[dict[str, Any]]) -> float:
    gc.collect()
    started = time.perf_counter()
    function(records)
    return time.perf_counter() - started


def traced_peak_mb(function: Callable[[list[dict[str, Any]]], Any], records: list[dict[str, Any]]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        result = function(records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", default=os.environ.get("BENCH_RESULTS"), help="also write the results here as JSON")
    args = parser.parse_args()
    print(f"== bench_frames: Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} CPUs", flush=True)

    started = time.perf_counter()
    records = sandbox_invoices(args.invoices)
    print(f"{len(records):,} Sandbox invoices x {LINES} lines ready in {time.perf_counter() - started:.1f} s", flush=True)

    ours = with_codat_nb(records)
    theirs = with_json_normalize(records)
    assert len(ours["invoices"]) == len(theirs["invoices"]) == len(records)
    assert len(ours["invoices.line_items"]) == len(theirs["invoices.line_items"]) == LINES * len(records)
    assert ours["invoices"]["id"].tolist() == theirs["invoices"]["id"].tolist()
    del ours, theirs

    best = {"codat_nb": float("inf"), "json_normalize": float("inf")}
    for round_number in range(args.rounds):
        order = [("codat_nb", with_codat_nb), ("json_normalize", with_json_normalize)]
        for name, function in order if round_number % 2 == 0 else reversed(order):
            seconds = timed(function, records)
            best[name] = min(best[name], seconds)
            print(f"  round {round_number + 1}: {name:15s} {seconds:6.2f} s", flush=True)
    ratio = best["json_normalize"] / best["codat_nb"]
    print(f"json_normalize / codat_nb: {ratio:.1f}x (target >= {SPEED_TARGET:g}x)")
    record("speedup", f"json_normalize / codat_nb frames, {len(records) // 1000}k invoices x {LINES} lines", ratio, "x",
           SPEED_TARGET, f"{best['json_normalize']:.2f} s vs {best['codat_nb']:.2f} s")  # fmt: skip
    record("codat_nb_ms", "codat_nb frames.tables('invoices') (best)", best["codat_nb"] * 1000, "ms")
    record("json_normalize_ms", "pd.json_normalize headers + lines (best)", best["json_normalize"] * 1000, "ms")

    peaks = {name: traced_peak_mb(function, records) for name, function in (("codat_nb", with_codat_nb), ("json_normalize", with_json_normalize))}
    print(f"tracemalloc peak: codat_nb {peaks['codat_nb']:.0f} MB, json_normalize {peaks['json_normalize']:.0f} MB")
    record_at_most("peak_memory", "codat_nb peak memory / json_normalize's", peaks["codat_nb"] / peaks["json_normalize"], "x", 1.0,
                   f"{peaks['codat_nb']:.0f} MB vs {peaks['json_normalize']:.0f} MB (tracemalloc peak)")  # fmt: skip

    if args.json:
        Path(args.json).write_text(json.dumps(as_json("bench_frames", results), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
