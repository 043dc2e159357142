"""codat_nb.portfolio.onboard: 25 companies onboarded at once against one alone, on a running clock.

On an embedded Sandbox whose clock runs at ``--speed`` simulated seconds per second (default 20,
so a ``small-uk`` company's first sync, about 25 simulated seconds, takes a second or two of wall
time) and which answers each request after ``--latency-ms`` (default 50, a network's round trip),
``onboard`` creates, links (as the customer) and syncs one company alone, then 25 companies
concurrently: the same sample and size, so each company's sync takes the same simulated time.
Each measurement uses a fresh Sandbox; best of ``--rounds``.

Target: wall(25) / (25 x wall(1)) <= 0.2, i.e. 25 companies take at most 5 times as long as one,
since their syncs wait side by side rather than one after another. Also reported: the walls, the
requests each company used (create, connection, and the polls of its sync, counted by
``RequestCounter``; retries would be included), and the most requests in flight at once, which
the client's semaphore keeps at 10 or fewer.

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_portfolio.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from codat_nb import Sandbox  # noqa: E402
from codat_nb import portfolio as pf  # noqa: E402

sys.path.insert(0, str(HERE))
from _results import Results, as_json  # noqa: E402

COMPANIES = 25
SAMPLE, INVOICES = "small-uk", 360
SPEED = 20.0
LATENCY_MS = 50
START = "2026-01-05T09:00:00Z"
RATIO_TARGET = 0.2
CONCURRENCY = 10

results = Results()
record, record_at_most = results.record, results.record_at_most


def specs(count: int) -> list[pf.CompanySpec]:
    return [pf.CompanySpec(f"Bench Company {n:02d}", SAMPLE, INVOICES, {"region": "uk", "segment": "micro"}) for n in range(1, count + 1)]


def onboard_once(count: int, speed: float, latency_ms: int) -> dict[str, Any]:
    """Onboard ``count`` companies on a fresh running-clock Sandbox; wall seconds and request counts."""
    sandbox = Sandbox(seed=0, speed=speed, start=START, browser_links=False, latency_ms=latency_ms)
    counter = pf.RequestCounter(sandbox.emulator.transport())
    client = sandbox.async_client(transport=counter)
    plan = specs(count)

    async def go() -> tuple[float, list[pf.Onboarded]]:
        started = time.perf_counter()
        onboarded = await pf.onboard(client, plan, sync_timeout=600)
        return time.perf_counter() - started, onboarded

    try:
        wall, onboarded = asyncio.run(go())
        asyncio.run(client.aclose())
    finally:
        sandbox.close()
    failed = [o for o in onboarded if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {count} companies failed to onboard: {failed[0].error}")
    per_company = [counter.by_company[o.company.id] for o in onboarded]
    return {"wall": wall, "requests": per_company, "total": counter.total, "peak": counter.peak_in_flight,
            "sent": client.requests_sent}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=SPEED, help=f"simulated seconds per wall second (default {SPEED:g})")
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS, help=f"the Sandbox's delay per request (default {LATENCY_MS})")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")), help="best of this many (default 3)")
    parser.add_argument("--json", default=os.environ.get("BENCH_RESULTS"), help="also write the results here as JSON")
    args = parser.parse_args()
    print(f"== bench_portfolio: Python {platform.python_version()}, {os.cpu_count()} CPUs; {SAMPLE} x {INVOICES} invoices, "
          f"clock speed {args.speed:g}, latency {args.latency_ms} ms", flush=True)  # fmt: skip

    onboard_once(1, args.speed, args.latency_ms)  # warm-up: imports, the first sync's code paths
    singles, portfolios = [], []
    for round_number in range(max(1, args.rounds)):
        for count, kept in ((1, singles), (COMPANIES, portfolios)) if round_number % 2 == 0 else ((COMPANIES, portfolios), (1, singles)):
            run = onboard_once(count, args.speed, args.latency_ms)
            kept.append(run)
            print(f"  round {round_number + 1}: {count:2d} compan{'y' if count == 1 else 'ies'} onboarded in {run['wall']:.2f} s, "
                  f"{run['total']} requests, peak {run['peak']} in flight", flush=True)  # fmt: skip
    one = min(singles, key=lambda r: r["wall"])
    many = min(portfolios, key=lambda r: r["wall"])
    ratio = many["wall"] / (COMPANIES * one["wall"])
    verdict = "PASS" if ratio <= RATIO_TARGET else "FAIL"
    print(f"wall(25) / (25 x wall(1)) = {many['wall']:.2f} / (25 x {one['wall']:.2f}) = {ratio:.3f} (target <= {RATIO_TARGET}): {verdict}")
    record_at_most("ratio", f"onboard {COMPANIES} at once: wall(25) / (25 x wall(1))", ratio, "x", RATIO_TARGET,
                   f"{many['wall']:.2f} s vs 25 x {one['wall']:.2f} s (speed {args.speed:g}, {args.latency_ms} ms)")  # fmt: skip
    record("wall_1_ms", "onboard 1 company alone (best)", one["wall"] * 1000, "ms")
    record("wall_25_ms", f"onboard {COMPANIES} companies at once (best)", many["wall"] * 1000, "ms")
    mean = statistics.mean(many["requests"])
    print(f"requests per company: {one['requests'][0]} alone; {mean:.1f} on average with {COMPANIES} "
          f"({min(many['requests'])}-{max(many['requests'])}); in all {many['sent']} (client.requests_sent), "
          f"of Codat's {pf.daily_request_budget(COMPANIES):,} a day")  # fmt: skip
    record("requests_1", "requests used by 1 company onboarded alone", one["requests"][0], "req")
    record("requests_25", f"requests per company, {COMPANIES} onboarded at once (mean)", mean, "req",
           note=f"{min(many['requests'])}-{max(many['requests'])}; {many['sent']} in all")  # fmt: skip
    peak = max(r["peak"] for r in portfolios)
    record_at_most("peak_in_flight", "most requests in flight at once (25 companies)", peak, "req", CONCURRENCY, "the client's semaphore")
    if args.json:
        Path(args.json).write_text(json.dumps(as_json("bench_portfolio", results), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
