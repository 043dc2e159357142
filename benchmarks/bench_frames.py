"""codat_nb.frames against pandas.json_normalize: 100,000 invoices with 3 line items each.

The invoices are the embedded Sandbox's own (a ``us-retailer`` company sized to 100,000 invoices,
read in-process at pageSize 5000), each given exactly three line items (its own, repeated when it
had fewer), then written back as Codat's page bodies (``{"results": [...], "totalResults": ...}``),
so both sides start from the same realistic JSON, as it arrives from the API. Timed alternately,
best of ``--rounds``:

- codat_nb: ``frames.tables_from_json("invoices", bodies)`` (what ``Client.read_tables`` runs):
  the header frame and the line-item frame (plus the smaller child frames it also builds), every
  column in its dtype (UTC and local datetimes, categorical status ...);
- baseline: ``json.loads`` of each body (what httpx's ``response.json()`` does), then
  ``pd.json_normalize(records)`` for the headers and ``pd.json_normalize(records,
  record_path="lineItems", meta=["id"])`` for the lines, which leaves dates as text and statuses as
  objects (less work than codat_nb does). The parse and the normalising are timed separately, so
  the same run also gives a stricter baseline that parses with orjson (the fastest Python parser).

Targets: baseline / codat_nb >= 10 on the stricter (orjson) baseline; peak memory no higher than
the baseline's: each side runs in a fresh process that first loads the page bodies, and its peak
resident memory above that is compared (tracemalloc would miss pyarrow's own allocations).

Also reported, without a target: both sides from already-parsed dicts (``frames.tables`` vs
json_normalize alone), where no JSON parsing is timed on either side.

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_frames.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
import pandas as pd  # noqa: E402

from codat_nb import Sandbox, frames  # noqa: E402

sys.path.insert(0, str(HERE))
from _results import Results, as_json  # noqa: E402

INVOICES = 100_000
LINES = 3
PAGE_SIZE = 5000
SPEED_TARGET = 10.0

results = Results()
record, record_at_most = results.record, results.record_at_most


def sandbox_pages(count: int) -> list[bytes]:
    """``count`` Sandbox invoices, each with exactly LINES line items, as Codat page bodies."""
    sandbox = Sandbox(seed=7, manual_clock=True)
    with sandbox.client() as client:
        company = client.create_company("Frames Benchmark Inc")
        connection = client.create_connection(company.id)
        sandbox.authorize(company.id, connection.id, dataset="us-retailer", invoices=count)
        client.wait_for_sync(company.id, data_types=["invoices"], timeout=10**6)
        invoices = client.list_records(company.id, "invoices", page_size=PAGE_SIZE)
    sandbox.close()
    for invoice in invoices:
        own = invoice["lineItems"]
        invoice["lineItems"] = [dict(own[i % len(own)]) for i in range(LINES)]
    pages = []
    for start in range(0, len(invoices), PAGE_SIZE):
        links = {"self": {"href": "/companies/x/data/invoices"}, "current": {"href": f"/companies/x/data/invoices?page={len(pages) + 1}"}}
        pages.append(orjson.dumps({"results": invoices[start : start + PAGE_SIZE], "pageNumber": len(pages) + 1,
                                   "pageSize": PAGE_SIZE, "totalResults": len(invoices), "_links": links}))  # fmt: skip
    return pages


def parse_json(bodies: list[bytes]) -> list[dict[str, Any]]:
    return [record for body in bodies for record in json.loads(body)["results"]]


def parse_orjson(bodies: list[bytes]) -> list[dict[str, Any]]:
    return [record for body in bodies for record in orjson.loads(body)["results"]]


def json_normalize(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    headers = pd.json_normalize(records)
    lines = pd.json_normalize(records, record_path="lineItems", meta=["id"], meta_prefix="invoice_")
    return {"invoices": headers, "invoices.line_items": lines}


def codat_nb_from_bytes(bodies: list[bytes]) -> dict[str, pd.DataFrame]:
    return frames.tables_from_json("invoices", bodies)


def codat_nb_from_dicts(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    return frames.tables("invoices", records)


def baseline_from_bytes(bodies: list[bytes]) -> dict[str, pd.DataFrame]:
    return json_normalize(parse_json(bodies))


def timed(function: Callable[[Any], Any], data: Any) -> float:
    gc.collect()
    started = time.perf_counter()
    function(data)
    return time.perf_counter() - started


PEAK_RUNS = {"codat_nb": codat_nb_from_bytes, "baseline": baseline_from_bytes}


def _status_bytes(field: str) -> int:
    """VmRSS (now) or VmHWM (the peak) from Linux's /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status (this measurement needs Linux)")


def peak_above_input(folder: Path, name: str) -> float:
    """In a fresh process: load the bodies (one file per page, so no copy of them all is ever
    made), then run ``name``; the peak resident memory above what the loaded bodies hold, in MB."""
    child = subprocess.run([sys.executable, __file__, "--peak-of", name, "--pages", str(folder)], capture_output=True, text=True, check=True)
    return float(child.stdout.strip().splitlines()[-1])


def _peak_child(name: str, folder: Path) -> None:
    bodies = [path.read_bytes() for path in sorted(folder.glob("page-*.json"))]
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    before = _status_bytes("VmRSS")
    result = PEAK_RUNS[name](bodies)
    peak = _status_bytes("VmHWM")
    del result
    print((peak - before) / 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", default=os.environ.get("BENCH_RESULTS"), help="also write the results here as JSON")
    parser.add_argument("--peak-of", choices=PEAK_RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_of:
        _peak_child(args.peak_of, args.pages)
        return 0
    print(f"== bench_frames: Python {platform.python_version()}, pandas {pd.__version__}, {os.cpu_count()} CPUs", flush=True)

    started = time.perf_counter()
    bodies = sandbox_pages(args.invoices)
    size = sum(map(len, bodies)) / 1e6
    print(f"{args.invoices:,} Sandbox invoices x {LINES} lines as {len(bodies)} page bodies ({size:.0f} MB) ready in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip

    records = parse_orjson(bodies)
    ours, theirs = codat_nb_from_bytes(bodies), json_normalize(records)
    assert len(ours["invoices"]) == len(theirs["invoices"]) == len(records) == args.invoices
    assert len(ours["invoices.line_items"]) == len(theirs["invoices.line_items"]) == LINES * len(records)
    assert ours["invoices"]["id"].tolist() == theirs["invoices"]["id"].tolist()
    for name, table in codat_nb_from_dicts(records).items():  # the two routes give the same frames
        pd.testing.assert_frame_equal(ours[name], table)
    del ours, theirs

    runs: list[tuple[str, Callable[[Any], Any], Any]] = [
        ("codat_nb from bytes", codat_nb_from_bytes, bodies), ("json.loads", parse_json, bodies),
        ("orjson.loads", parse_orjson, bodies), ("json_normalize", json_normalize, records),
        ("codat_nb from dicts", codat_nb_from_dicts, records),
    ]  # fmt: skip
    best = {name: float("inf") for name, _, _ in runs}
    for round_number in range(args.rounds):
        for name, function, data in runs if round_number % 2 == 0 else reversed(runs):
            seconds = timed(function, data)
            best[name] = min(best[name], seconds)
            print(f"  round {round_number + 1}: {name:20s} {seconds:6.2f} s", flush=True)
    ours_s, normalize_s = best["codat_nb from bytes"], best["json_normalize"]
    strict = (best["orjson.loads"] + normalize_s) / ours_s
    usual = (best["json.loads"] + normalize_s) / ours_s
    dicts = normalize_s / best["codat_nb from dicts"]
    scale = f"{args.invoices // 1000}k invoices x {LINES} lines"
    print(f"(orjson + json_normalize) / codat_nb: {strict:.1f}x (target >= {SPEED_TARGET:g}x); with json.loads: {usual:.1f}x; "
          f"from dicts: {dicts:.1f}x")  # fmt: skip
    record("speedup", f"(orjson.loads + json_normalize) / codat_nb tables_from_json, {scale}", strict, "x", SPEED_TARGET,
           f"{best['orjson.loads'] + normalize_s:.2f} s vs {ours_s:.2f} s")  # fmt: skip
    record("speedup_json_loads", "(json.loads + json_normalize) / codat_nb tables_from_json", usual, "x",
           note=f"{best['json.loads'] + normalize_s:.2f} s vs {ours_s:.2f} s")  # fmt: skip
    record("speedup_from_dicts", "from parsed dicts: json_normalize / codat_nb frames.tables", dicts, "x",
           note=f"{normalize_s:.2f} s vs {best['codat_nb from dicts']:.2f} s")  # fmt: skip
    for name, seconds in best.items():
        record(f"{name.replace(' ', '_').replace('.', '_')}_ms", f"{name} (best)", seconds * 1000, "ms")

    with tempfile.TemporaryDirectory() as folder:
        for number, body in enumerate(bodies):
            Path(folder, f"page-{number:05d}.json").write_bytes(body)
        del bodies, records
        gc.collect()
        peaks = {name: peak_above_input(Path(folder), name) for name in PEAK_RUNS}
    print(f"peak memory above the loaded bodies: codat_nb {peaks['codat_nb']:.0f} MB, baseline {peaks['baseline']:.0f} MB")
    record_at_most("peak_memory", "codat_nb peak memory / baseline's (json.loads + json_normalize)", peaks["codat_nb"] / peaks["baseline"],
                   "x", 1.0, f"{peaks['codat_nb']:.0f} MB vs {peaks['baseline']:.0f} MB (peak RSS above the loaded bodies)")  # fmt: skip

    if args.json:
        Path(args.json).write_text(json.dumps(as_json("bench_frames", results), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
