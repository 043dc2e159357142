"""Generated accounting books: how long a large sample company takes to build, and to page through.

1. Generation of a 100,000-invoice ``us-retailer`` (line items, payments, bills, the ledger)
   with ``books.model.generate``, each run in a fresh subprocess: the first generation there
   (numpy imported but otherwise cold, as on a user's first link; target < 3 s) and a second
   one in the same process (warm, informational); medians of 3 subprocesses. Memory, also in
   fresh subprocesses: the growth of the process's peak RSS (``ru_maxrss``) over the first
   generation, and, in a separate subprocess so its overhead does not slow the timed runs,
   tracemalloc's peak (numpy reports its buffers to tracemalloc). Target < 500 MB, both.
2. Serving the LAST page vs the FIRST page of those 100,000 invoices (pageSize 100) once the
   first sync has completed, so generation is not timed: GET page 1, a middle page and the last
   page, interleaved, through ``emu.http_client()`` and through the emulator core
   ``emu.handle(Request)``; medians. Target last/first <= 1.5. Informational: one
   ``query=amountDue>0`` over all 100,000 and one ``orderBy=-totalAmount`` page.
3. Informational: the first read after the link (generation + snapshot + first page), in this
   process with numpy not yet imported (cold), and again for a fresh emulator (warm).

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_books.py``.
Lower-is-better targets are written with ``target: null`` (run.py's table only knows ``>=``),
``passed`` set against the limit, the limit in ``limit`` and ``note`` ("target <= ...").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

API_KEY = "bench-key"
SAMPLE = "us-retailer"
INVOICES = 100_000
PAGE_SIZE = 100
AS_OF = (2026, 1, 5)  # the manual clock's epoch, so the HTTP books and the direct ones are the same
GEN_TARGET_MS = 3000.0
MEM_TARGET_MB = 500.0
RATIO_TARGET = 1.5

results: list[dict[str, Any]] = []


def record(key: str, label: str, value: float, unit: str, target: float | None = None, note: str = "") -> None:
    """A higher-is-better result, exactly as bench_sandbox.py writes them."""
    passed = None if target is None else value >= target
    results.append({"key": key, "label": label, "value": value, "unit": unit, "target": target, "passed": passed, "note": note})


def record_at_most(key: str, label: str, value: float, unit: str, limit: float, note: str = "") -> None:
    """A lower-is-better result (run.py shows ``direction: at_most`` targets as ``<=``)."""
    results.append(
        {"key": key, "label": label, "value": value, "unit": unit, "target": None, "passed": value <= limit,
         "note": note, "limit": limit, "direction": "at_most"}
    )  # fmt: skip


def verdict_at_most(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "FAIL"


# -- children: one generation measurement per fresh process ----------------------------------------


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_generate(mode: str) -> dict[str, Any]:
    """Runs in a fresh interpreter. ``time``: generate twice (cold, then warm); ``trace``: tracemalloc."""
    import gc
    from datetime import date

    t0 = time.perf_counter()
    import numpy  # noqa: F401

    from codat_nb.sandbox.books.calendar import day_of
    from codat_nb.sandbox.books.model import BooksSpec, generate

    imports = time.perf_counter() - t0
    spec = BooksSpec(seed=0, sample=SAMPLE, invoices=INVOICES, as_of=day_of(date(*AS_OF)))
    gc.collect()
    out: dict[str, Any] = {"import_s": imports, "rss_before_mb": _maxrss_mb()}
    if mode == "trace":
        import tracemalloc

        tracemalloc.start()
        t0 = time.perf_counter()
        books = generate(spec)
        out["traced_gen_s"] = time.perf_counter() - t0
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out.update(traced_peak_mb=peak / 2**20, traced_retained_mb=current / 2**20, rss_after_mb=_maxrss_mb())
    else:
        t0 = time.perf_counter()
        books = generate(spec)
        out["cold_s"] = time.perf_counter() - t0
        out["rss_after_mb"] = _maxrss_mb()
        del books
        gc.collect()
        t0 = time.perf_counter()
        books = generate(spec)
        out["warm_s"] = time.perf_counter() - t0
    out["rss_growth_mb"] = out["rss_after_mb"] - out["rss_before_mb"]
    out["sales_rows"] = int(books.sales.count)
    return out


def _run_child(mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "BENCH_RESULTS": ""},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"generation child ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def generation(runs: int) -> None:
    print(f"generation: BooksSpec(seed=0, sample={SAMPLE!r}, invoices={INVOICES:,}, as_of={date_text()}), "
          f"{runs} fresh subprocesses (first generation = cold, second in the same process = warm)")  # fmt: skip
    timed = []
    for n in range(runs):
        one = _run_child("time")
        timed.append(one)
        print(
            f"  run {n + 1}: imports {one['import_s'] * 1000:.0f} ms, cold {one['cold_s'] * 1000:.0f} ms, "
            f"warm {one['warm_s'] * 1000:.0f} ms, max RSS {one['rss_before_mb']:.0f} -> {one['rss_after_mb']:.0f} MB "
            f"(+{one['rss_growth_mb']:.0f} MB), {one['sales_rows']:,} invoice rows incl. the 90-day horizon",
            flush=True,
        )
    traced = _run_child("trace")
    cold = statistics.median(r["cold_s"] for r in timed) * 1000
    warm = statistics.median(r["warm_s"] for r in timed) * 1000
    imports = statistics.median(r["import_s"] for r in timed) * 1000
    rss = statistics.median(r["rss_growth_mb"] for r in timed)
    peak = traced["traced_peak_mb"]
    print(
        f"  tracemalloc run: peak {peak:.0f} MB, still held after generate() {traced['traced_retained_mb']:.0f} MB "
        f"(generation took {traced['traced_gen_s'] * 1000:.0f} ms under tracemalloc; max RSS growth there "
        f"+{traced['rss_growth_mb']:.0f} MB incl. tracemalloc's own bookkeeping)"
    )
    print()
    print(f"generate 100k invoices, fresh process (cold): median {cold:.0f} ms (target < {GEN_TARGET_MS:.0f} ms) "
          f"{verdict_at_most(cold, GEN_TARGET_MS)}; numpy + codat_nb.sandbox.books imports {imports:.0f} ms on top")  # fmt: skip
    print(f"  (info) generate again in the same process (warm): median {warm:.0f} ms")
    print(f"generate 100k invoices, max RSS growth: median +{rss:.0f} MB (target < {MEM_TARGET_MB:.0f} MB) "
          f"{verdict_at_most(rss, MEM_TARGET_MB)}")  # fmt: skip
    print(f"generate 100k invoices, tracemalloc peak: {peak:.0f} MB (target < {MEM_TARGET_MB:.0f} MB) "
          f"{verdict_at_most(peak, MEM_TARGET_MB)}")  # fmt: skip
    record_at_most("gen_cold_ms", "generate 100k invoices, fresh process (median of 3)", cold, "ms", GEN_TARGET_MS,
                   f"imports {imports:.0f} ms not included")  # fmt: skip
    record("gen_warm_ms", "generate 100k invoices again, same process (median of 3)", warm, "ms")
    record_at_most("gen_rss_mb", "generate 100k invoices, max RSS growth", rss, "MB", MEM_TARGET_MB)
    record_at_most("gen_tracemalloc_mb", "generate 100k invoices, tracemalloc peak", peak, "MB", MEM_TARGET_MB,
                   f"{traced['traced_retained_mb']:.0f} MB held after")  # fmt: skip


def date_text() -> str:
    from datetime import date

    return date(*AS_OF).isoformat()


# -- serving pages ----------------------------------------------------------------------------------


def _linked_company(emu: Any, client: Any) -> tuple[str, float]:
    """A company with the sample books linked and every first pull complete; the first read's time."""
    answer = client.post("/companies", json={"name": "Bench Books Co", "platformType": "mqjo"})
    answer.raise_for_status()
    company = answer.json()
    cid, conn = company["id"], company["dataConnections"][0]["id"]
    answer = client.post(f"/_sandbox/companies/{cid}/connections/{conn}/authorize", json={"dataset": SAMPLE, "invoices": INVOICES})
    answer.raise_for_status()
    client.post("/_sandbox/clock/advance", json={"seconds": 20000}).raise_for_status()
    t0 = time.perf_counter()
    first = client.get(f"/companies/{cid}/data/invoices", params={"page": 1, "pageSize": PAGE_SIZE})
    elapsed = time.perf_counter() - t0
    if first.status_code != 200:
        raise RuntimeError(f"first read answered {first.status_code}: {first.text[:300]}")
    body = first.json()
    if body["totalResults"] != INVOICES or len(body["results"]) != PAGE_SIZE:
        raise RuntimeError(f"expected {INVOICES} invoices, got {body['totalResults']} ({len(body['results'])} on page 1)")
    return cid, elapsed


def pages(args: argparse.Namespace) -> None:
    from codat_nb.sandbox import Emulator, ManualClock
    from codat_nb.sandbox.transport import to_core_request

    numpy_loaded = "numpy" in sys.modules
    emu = Emulator(seed=0, clock=ManualClock())
    client = emu.http_client(api_key=API_KEY)
    cid, cold_first = _linked_company(emu, client)
    path = f"/companies/{cid}/data/invoices"
    t0 = time.perf_counter()
    client.get(path, params={"page": 1, "pageSize": PAGE_SIZE}).raise_for_status()
    repeat_first = time.perf_counter() - t0

    # The same first read for a second emulator in this process: numpy and the books modules are warm.
    emu2 = Emulator(seed=0, clock=ManualClock())
    client2 = emu2.http_client(api_key=API_KEY)
    _, warm_first = _linked_company(emu2, client2)
    client2.close()
    emu2.close()
    del emu2, client2

    last_page = -(-INVOICES // PAGE_SIZE)
    middle_page = last_page // 2
    which = {"first": 1, "middle": middle_page, "last": last_page}
    via_client: dict[str, Callable[[], Any]] = {}
    via_core: dict[str, Callable[[], Any]] = {}
    sizes: dict[str, int] = {}
    for name, page in which.items():
        params = {"page": page, "pageSize": PAGE_SIZE}
        answer = client.get(path, params=params)
        body = answer.json()
        if answer.status_code != 200 or len(body["results"]) != PAGE_SIZE or body["pageNumber"] != page:
            raise RuntimeError(f"page {page} answered {answer.status_code}: {answer.text[:300]}")
        sizes[name] = len(answer.content)
        core_request = to_core_request(client.build_request("GET", path, params=params), b"")
        core_answer = emu.handle(core_request)
        if core_answer.status != 200 or core_answer.body != answer.content:
            raise RuntimeError(f"core answer for page {page} differs from the client's")
        via_client[name] = lambda params=params: client.get(path, params=params)
        via_core[name] = lambda request=core_request: emu.handle(request)
    first_ids = [r["id"] for r in client.get(path, params={"page": 1, "pageSize": PAGE_SIZE}).json()["results"]]
    last_body = client.get(path, params={"page": last_page, "pageSize": PAGE_SIZE}).json()
    assert first_ids[0] != last_body["results"][0]["id"] and "next" not in last_body["_links"]

    reps = args.reps
    times: dict[tuple[str, str], list[float]] = {(way, name): [] for way in ("client", "core") for name in which}
    for _ in range(3):  # warm-up
        for name in which:
            via_client[name]()
            via_core[name]()
    order = list(which)
    for rep in range(reps):
        for name in order if rep % 2 == 0 else reversed(order):  # A B C, C B A, ... so drift hits all alike
            for way, calls in (("client", via_client), ("core", via_core)):
                t0 = time.perf_counter()
                calls[name]()
                times[way, name].append(time.perf_counter() - t0)
    ms = {key: statistics.median(values) * 1000 for key, values in times.items()}

    print(f"\npages of {INVOICES:,} invoices (pageSize {PAGE_SIZE}; first sync complete, books cached), "
          f"median of {reps} interleaved repetitions:")  # fmt: skip
    for way, label in (("client", "emu.http_client()"), ("core", "emu.handle(Request)")):
        row = "  ".join(f"page {which[name]}: {ms[way, name]:.1f} ms" for name in which)
        print(f"  {label:22s} {row}")
    print(f"  bodies: page 1 {sizes['first']:,} B, page {middle_page} {sizes['middle']:,} B, page {last_page} {sizes['last']:,} B")
    print()
    for way, label in (("client", "via emu.http_client()"), ("core", "emulator core (emu.handle)")):
        ratio = ms[way, "last"] / ms[way, "first"]
        mid = ms[way, "middle"] / ms[way, "first"]
        print(f"last page / first page, {label}: {ms[way, 'last']:.1f} / {ms[way, 'first']:.1f} ms -> {ratio:.2f}x "
              f"(target <= {RATIO_TARGET}) {verdict_at_most(ratio, RATIO_TARGET)}; middle/first {mid:.2f}x")  # fmt: skip
        record_at_most(f"page_last_first_{way}", f"invoices last/first page, {label}", ratio, "x", RATIO_TARGET,
                       f"{ms[way, 'last']:.1f} vs {ms[way, 'first']:.1f} ms")  # fmt: skip
    for name in which:
        record(f"page_{name}_client_ms", f"GET invoices page {which[name]} via emu.http_client()", ms["client", name], "ms",
               note=f"{ms['client', name]:.1f} ms; core {ms['core', name]:.1f} ms")  # fmt: skip

    # Informational: what query and orderBy cost over every invoice (each renders all 100,000).
    extra = {}
    for key, params, label in (
        ("query", {"page": 1, "pageSize": PAGE_SIZE, "query": "amountDue>0"}, "query=amountDue>0, page 1"),
        ("order", {"page": 1, "pageSize": PAGE_SIZE, "orderBy": "-totalAmount"}, "orderBy=-totalAmount, page 1"),
    ):
        t0 = time.perf_counter()
        answer = client.get(path, params=params)
        elapsed = (time.perf_counter() - t0) * 1000
        answer.raise_for_status()
        extra[key] = (elapsed, answer.json()["totalResults"])
        print(f"  (info) GET invoices {label}: {elapsed:,.0f} ms ({extra[key][1]:,} matches of {INVOICES:,})")
        record(f"page_{key}_ms", f"GET invoices {label} (over all {INVOICES // 1000}k)", elapsed, "ms",
               note=f"{extra[key][1]:,} matches")  # fmt: skip

    print()
    state = "numpy not yet imported" if not numpy_loaded else "numpy already imported"
    print(f"  (info) first read after link (generation + snapshot + page 1), this process cold ({state}): "
          f"{cold_first * 1000:,.0f} ms; the same GET again: {repeat_first * 1000:.0f} ms")  # fmt: skip
    print(f"  (info) first read after link, a second emulator in the same process (warm): {warm_first * 1000:,.0f} ms")
    record("first_read_cold_ms", "first read after link, cold (generate + page 1)", cold_first * 1000, "ms", note=state)
    record("first_read_warm_ms", "first read after link, warm process", warm_first * 1000, "ms")
    client.close()
    emu.close()


# -- main ---------------------------------------------------------------------------------------------


def main() -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh generation subprocesses")
    parser.add_argument("--reps", type=int, default=60, help="interleaved repetitions per page")
    parser.add_argument("--json", default=env("BENCH_RESULTS"), help="also write the results here as JSON")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--child", choices=["time", "trace"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_generate(args.child)))
        return 0

    print(f"== bench_books: Python {platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    failure = None
    started = time.perf_counter()
    try:
        if not args.skip_generation:
            generation(args.runs)
        if not args.skip_pages:
            pages(args)
    except Exception as exc:  # still write what was measured
        failure = exc
    print(f"\nbench_books measured for {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"script": "bench_books", "results": results}, indent=2))
    if failure is not None:
        raise failure
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
