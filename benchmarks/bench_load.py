"""Mixed load on one served Sandbox: 50 concurrent clients x 200 requests (reads and creates).

The same load as tests/sandbox/test_load.py, run against ``codat-nb sandbox serve --port 0
--speed 0`` in its own process and against the bare uvicorn baseline (``_bare_app.py``: a fixed
JSON body for every request, so it shows what uvicorn and the load generator cost on their own).
Each client is one keep-alive HTTP/1.1 connection on raw asyncio streams, and each draws its mix
from a seeded ``random.Random``: a company created about once in five requests, and otherwise the
company list, a company, its connections, the integrations and the sync settings. Five API keys
share the clients.

Baseline and emulator run alternately (bare, emulator, emulator, bare, ...) with the emulator
reset before each of its rounds, and each figure is the median over rounds. An emulator round
counts only if no answer was unexpected and every key's company list holds each company it
created exactly once. Reported: throughput as a ratio to the baseline (target >= 0.25: a create
writes, a list renders 50 companies), p50/p99 latency as ratios, and the absolute figures.

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_load.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import Results, as_json  # noqa: E402
from _mixed_load import CLIENTS, REQUESTS_PER_CLIENT, Connection, Tally, run_load  # noqa: E402
from bench_sandbox import ServerProcess, cpu_plan, emulator_command  # noqa: E402

KEYS = [f"bench-load-key-{n}" for n in range(5)]
THROUGHPUT_TARGET = 0.25

results = Results()


async def _verify(url: str, tally: Tally) -> str | None:
    """Why an emulator round does not count, or None: each key lists each of its creates exactly once."""
    if tally.unexpected:
        return f"{len(tally.unexpected)} unexpected answers, e.g. {tally.unexpected[:3]}"
    for key in KEYS:
        connection = Connection(url, key)
        status, answer = await connection.request("GET", "/companies?pageSize=5000")
        await connection.close()
        ids = [company["id"] for company in json.loads(answer)["results"]] if status == 200 else []
        if Counter(ids) != Counter(tally.created.get(key, [])) or len(set(ids)) != len(ids):
            return f"key {key}: {len(ids)} companies listed, {len(tally.created.get(key, []))} created"
    return None


async def _reset(url: str) -> None:
    connection = Connection(url, KEYS[0])
    status, answer = await connection.request("POST", "/_sandbox/reset", {})
    await connection.close()
    if status != 204:
        raise RuntimeError(f"POST /_sandbox/reset answered {status}: {answer[:200]!r}")


def main() -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", "3")), help="alternating rounds (median)")
    parser.add_argument("--json", default=env("BENCH_RESULTS"), help="also write the results here as JSON")
    parser.add_argument("--emulator-command", default=env("BENCH_EMULATOR_COMMAND"))
    args = parser.parse_args()

    server_cpus, load_cpus, pinning = cpu_plan()
    if load_cpus:
        os.sched_setaffinity(0, load_cpus)  # this process is the load generator
    total = CLIENTS * REQUESTS_PER_CLIENT
    print(f"== bench_load: {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests ({total}) per round, {args.rounds} rounds; cpus: {pinning}", flush=True)
    bare_command = [sys.executable, str(HERE / "_bare_app.py"), "--port", "0"]
    runs: dict[str, list[Tally]] = {"bare": [], "emulator": []}
    failure = None
    try:
        with ServerProcess("the emulator", emulator_command(args.emulator_command), server_cpus) as emu_url, ServerProcess(
            "the bare uvicorn baseline", bare_command, server_cpus
        ) as bare_url:
            for round_number in range(args.rounds):
                for name in ("bare", "emulator") if round_number % 2 == 0 else ("emulator", "bare"):
                    url = bare_url if name == "bare" else emu_url
                    if name == "emulator":
                        asyncio.run(_reset(url))
                    tally = asyncio.run(run_load(url, KEYS))
                    if name == "emulator" and (problem := asyncio.run(_verify(url, tally))):
                        raise RuntimeError(f"round {round_number + 1}: {problem}; the measurement is not valid")
                    if name == "bare" and tally.unexpected:
                        raise RuntimeError(f"the baseline failed: {tally.unexpected[:3]}")
                    runs[name].append(tally)
                    print(
                        f"  round {round_number + 1}: {name:9s} {tally.rate:8,.0f} req/s, p50 {tally.quantile(50) * 1000:6.1f} ms, "
                        f"p99 {tally.quantile(99) * 1000:6.1f} ms ({tally.seconds:.1f} s)",
                        flush=True,
                    )
        _report(runs)
    except Exception as exc:  # still write what was measured
        failure = exc
    if args.json:
        Path(args.json).write_text(json.dumps(as_json("bench_load", results), indent=2))
    if failure is not None:
        raise failure
    return 0


def _report(runs: dict[str, list[Tally]]) -> None:
    def median(name: str, figure: Any) -> float:
        return statistics.median(figure(t) for t in runs[name])

    rate = {name: median(name, lambda t: t.rate) for name in runs}
    p50 = {name: median(name, lambda t: t.quantile(50) * 1000) for name in runs}
    p99 = {name: median(name, lambda t: t.quantile(99) * 1000) for name in runs}
    ratio = rate["emulator"] / rate["bare"]
    created = statistics.median(sum(len(v) for v in t.created.values()) for t in runs["emulator"])
    print()
    print(
        f"mixed load: emulator {rate['emulator']:,.0f} req/s vs bare uvicorn {rate['bare']:,.0f} req/s -> ratio {ratio:.2f} "
        f"(target >= {THROUGHPUT_TARGET}) {'PASS' if ratio >= THROUGHPUT_TARGET else 'FAIL'}"
    )
    print(f"  latency p50 {p50['emulator']:.1f} ms (bare {p50['bare']:.1f} ms), p99 {p99['emulator']:.1f} ms (bare {p99['bare']:.1f} ms)")
    print(f"  every round: 0 unexpected answers; {created:.0f} companies created, each listed exactly once")
    results.record("load_throughput_ratio", "mixed load (50 x 200) vs bare uvicorn", ratio, "x", THROUGHPUT_TARGET,
                   f"{rate['emulator']:.0f} vs {rate['bare']:.0f} req/s")  # fmt: skip
    results.record("load_p50_ratio", "mixed load p50 latency / bare uvicorn's", p50["emulator"] / p50["bare"], "x",
                   note=f"{p50['emulator']:.1f} vs {p50['bare']:.1f} ms")  # fmt: skip
    results.record("load_p99_ratio", "mixed load p99 latency / bare uvicorn's", p99["emulator"] / p99["bare"], "x",
                   note=f"{p99['emulator']:.1f} vs {p99['bare']:.1f} ms")  # fmt: skip
    results.record("load_rps", "mixed load, emulator", rate["emulator"], "req/s")
    results.record("load_bare_rps", "mixed load, bare uvicorn (baseline)", rate["bare"], "req/s")
    results.record_at_most("load_unexpected", "mixed load, unexpected answers", 0, "answers", 0)


if __name__ == "__main__":
    raise SystemExit(main())
