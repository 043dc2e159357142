"""``make bench``: run every ``benchmarks/bench_*.py`` and print a summary table.

Each benchmark runs in its own process with this interpreter. It prints its own detailed
lines and writes its results as JSON to the file named by ``BENCH_RESULTS``; the table at the
end collects them. The served benchmarks prefer ``wrk``: if it is missing and this runs as
root with apt-get available, it is installed; otherwise a Python load generator is used.

Exit status: 1 if a benchmark crashed; missed targets are shown as FAIL but only fail the
run with ``--strict``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_wrk(allow_install: bool) -> bool:
    if shutil.which("wrk"):
        return True
    if not allow_install:
        return False
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        print("wrk is not installed and cannot be installed here (needs root and apt-get); using the Python load generator.")
        return False
    print("Installing wrk with apt-get for the served benchmarks ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    for step in ([install], [["apt-get", "update", "-qq"], install]):
        try:
            for command in step:
                subprocess.run(command, env=env, check=True, timeout=240, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (subprocess.SubprocessError, OSError):
            continue
        if shutil.which("wrk"):
            return True
    print("Could not install wrk; using the Python load generator.")
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto", help="served load generator (auto: wrk if possible)")
    parser.add_argument("--no-install", action="store_true", help="never try to apt-get install wrk")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per served measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of served measurements (default 3)")
    parser.add_argument("--count", type=int, default=20000, help="in-process requests per measurement (default 20000)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("only", nargs="*", help="run only these benchmark scripts (names or stems)")
    args = parser.parse_args()

    loadgen = args.loadgen
    if loadgen in ("auto", "wrk"):
        have_wrk = ensure_wrk(allow_install=not args.no_install)
        if loadgen == "wrk" and not have_wrk:
            print("--loadgen wrk: wrk is not available", file=sys.stderr)
            return 1
        loadgen = "wrk" if have_wrk else "python"

    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {Path(name).stem for name in args.only}
        scripts = [s for s in scripts if s.stem in wanted or s.stem.removeprefix("bench_") in wanted]
    if not scripts:
        print("No benchmark scripts to run.", file=sys.stderr)
        return 1

    rows: list[dict] = []
    crashed: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="codat-bench-") as tmp:
        for script in scripts:
            out = Path(tmp) / f"{script.stem}.json"
            env = {
                **os.environ,
                "BENCH_RESULTS": str(out),
                "BENCH_LOADGEN": loadgen,
                "BENCH_DURATION": str(args.duration),
                "BENCH_ROUNDS": str(args.rounds),
                "BENCH_COUNT": str(args.count),
                "PYTHONUNBUFFERED": "1",
            }
            print(f"\n### {script.name}", flush=True)
            t0 = time.monotonic()
            done = subprocess.run([sys.executable, str(script)], env=env, cwd=HERE.parent)
            print(f"### {script.name} took {time.monotonic() - t0:.0f} s", flush=True)
            if out.exists():
                for row in json.loads(out.read_text())["results"]:
                    rows.append({"script": script.stem, **row})
            if done.returncode != 0 or not out.exists():
                crashed.append(script.name)

    print_table(rows, loadgen, time.monotonic() - started)
    missed = [r for r in rows if r["passed"] is False]
    if crashed:
        print(f"\nCRASHED: {', '.join(crashed)} (see the output above)")
        return 1
    if missed:
        print(f"\n{len(missed)} target(s) missed" + ("" if args.strict else " (informational; --strict makes this fail)"))
        return 1 if args.strict else 0
    print("\nAll targets met.")
    return 0


def _fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.0f} {unit}"


def print_table(rows: list[dict], loadgen: str, seconds: float) -> None:
    print(f"\n=== Summary (served load generator: {loadgen}; total {seconds:.0f} s)")
    if not rows:
        print("(no results)")
        return
    table = [("benchmark", "measured", "target", "result", "detail")]
    for r in rows:
        if r.get("direction") == "at_most":
            target = "<= " + _fmt(r["limit"], r["unit"])
        else:
            target = "" if r["target"] is None else ">= " + _fmt(r["target"], r["unit"])
        result = {True: "PASS", False: "FAIL", None: "info"}[r["passed"]]
        table.append((r["label"], _fmt(r["value"], r["unit"]), target, result, r.get("note") or ""))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for n, row in enumerate(table):
        print("  ".join(cell.ljust(width) if i != 1 else cell.rjust(width) for i, (cell, width) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    raise SystemExit(main())
