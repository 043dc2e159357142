"""codat_nb's clients against the served emulator: paged reads with latency, and wait_for_sync's polls.

1. Reads. ``codat-nb sandbox serve --port 0 --seed 0 --speed 0 --latency-ms 50`` in its own
   process; one company linked to the ``us-retailer`` Sandbox sample sized to 50,000 invoices,
   its first sync completed on the manual clock. Then, after a warm-up (the first read after a
   sync builds the books), every invoice at pageSize 100 (500 pages) is read by
   ``codat_nb.AsyncClient`` (concurrency 10), the sequential ``codat_nb.Client`` and the
   official ``codat_lending`` SDK's page-by-page loop (retries off), alternating the order
   over ``--rounds`` rounds (best of each). Every read must give the same 50,000 distinct ids
   in the same order. Targets: SDK / AsyncClient >= 8; AsyncClient / floor <= 1.3, the floor
   being ceil(500 / 10) x 50 ms = 2.5 s; exactly 500 requests for each codat_nb client.
   A full round takes about two minutes while the SDK loop alone needs ~50 s, so later rounds
   run in full only within ``--budget`` seconds; otherwise just the AsyncClient and the reference
   are read again (the output says so). Informational, so a reader can see where the time goes:
   a reference reader (plain httpx.AsyncClient + json.loads, 10 always in flight, no codat_nb),
   the CPU the server process spent per page during each read (from /proc), the reading
   process's own CPU per page and its garbage-collector share, and, with the latency set to 0,
   one GET's round trip per page (the server's render + loopback), the client-side parse of
   one page (json.loads, and codat_nb's orjson parse) and one SDK call.
2. wait_for_sync over a full first sync of a fresh ``small-uk`` company, the client moving the
   served manual clock on each sleep, against a baseline that each poll lists the pull
   operations and GETs every one not yet finished, on the same sleep schedule, on an identical
   fresh company. Target: <= 1 request per poll for wait_for_sync.

Run by ``benchmarks/run.py`` (``make bench``); on its own: ``python benchmarks/bench_client.py``.
Lower-is-better targets are written as in bench_books.py (``direction: at_most`` and ``limit``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
from _served import read_ready_url  # noqa: E402

from codat_nb.responses import parse_body  # noqa: E402

API_KEY = "bench-key"
AUTH_HEADER = "Basic " + base64.b64encode(API_KEY.encode()).decode()
SAMPLE = "us-retailer"
INVOICES = 50_000
PAGE_SIZE = 100
LATENCY_MS = 50
CONCURRENCY = 10  # codat_nb.client.DEFAULT_CONCURRENCY, checked below
SDK_RATIO_TARGET = 8.0
FLOOR_RATIO_TARGET = 1.3
SYNC_SAMPLE = "small-uk"
POLLS_TARGET = 1.0
#: wait_for_sync's own schedule (its defaults), which the baseline follows too.
POLL_INTERVAL, POLL_GROWTH, MAX_INTERVAL = 0.5, 1.5, 5.0
SYNC_TIMEOUT = 6 * 3600.0  # simulated seconds
TERMINAL = None  # codat_nb.records.TERMINAL_STATUSES, imported in main()

results: list[dict[str, Any]] = []


def record(key: str, label: str, value: float, unit: str, target: float | None = None, note: str = "") -> None:
    """A higher-is-better result, exactly as bench_sandbox.py writes them."""
    passed = None if target is None else value >= target
    results.append({"key": key, "label": label, "value": value, "unit": unit, "target": target, "passed": passed, "note": note})


def record_at_most(key: str, label: str, value: float, unit: str, limit: float, note: str = "", passed: bool | None = None) -> None:
    """A lower-is-better result (run.py shows ``direction: at_most`` targets as ``<=``)."""
    results.append(
        {"key": key, "label": label, "value": value, "unit": unit, "target": None,
         "passed": value <= limit if passed is None else passed, "note": note, "limit": limit, "direction": "at_most"}
    )  # fmt: skip


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


# -- the served emulator in its own process ----------------------------------------------------------


class Emulator:
    """``python -m codat_nb sandbox serve``; ``url`` once it printed ``ready at http://...``."""

    def __init__(self, latency_ms: int) -> None:
        self.command = [
            sys.executable, "-m", "codat_nb", "sandbox", "serve", "--port", "0", "--seed", "0", "--speed", "0",
            "--latency-ms", str(latency_ms), "--log-level", "warning",
        ]  # fmt: skip
        self.output: list[str] = []
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Emulator:
        self.proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        self.url = read_ready_url(self.proc, self.output)
        if self.url is not None:
            return self
        self.__exit__()
        raise RuntimeError(f"the emulator did not start ({' '.join(self.command)}):\n" + "\n".join(self.output[-20:]))

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (Linux /proc), None elsewhere."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def control_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": AUTH_HEADER}, timeout=120)


def ok(answer: httpx.Response) -> Any:
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.request.method} {answer.request.url.path} answered {answer.status_code}: {answer.text[:300]}")
    return answer.json() if answer.content else None


def set_latency(control: httpx.Client, latency_ms: int) -> None:
    faults = ok(control.post("/_sandbox/faults", json={"latencyMs": latency_ms}))
    assert faults["latencyMs"] == latency_ms, faults


def linked_company(control: httpx.Client, name: str, options: dict[str, Any] | None) -> tuple[str, str]:
    company = ok(control.post("/companies", json={"name": name, "platformType": "mqjo"}))
    cid, conn = company["id"], company["dataConnections"][0]["id"]
    path = f"/_sandbox/companies/{cid}/connections/{conn}/authorize"
    ok(control.post(path, json=options) if options is not None else control.post(path))
    return cid, conn


# -- 1. paged reads -------------------------------------------------------------------------------------


def sync_invoices(control: httpx.Client) -> tuple[str, float]:
    """A company with 50,000 us-retailer invoices, its invoices pull Complete on the manual clock."""
    cid, _ = linked_company(control, "Bench Client Co", {"dataset": SAMPLE, "invoices": INVOICES})
    simulated = 0.0
    for _ in range(600):
        status = (ok(control.get(f"/companies/{cid}/dataStatus")).get("invoices") or {}).get("currentStatus")
        if status == "Complete":
            break
        if status is not None and status not in ("Initial", "Queued", "Fetching", "MapQueued", "Mapping", "ValidationQueued",
                                                   "Validating", "ProcessingQueued", "Processing"):  # fmt: skip
            raise RuntimeError(f"the invoices pull ended {status}")
        ok(control.post("/_sandbox/clock/advance", json={"seconds": 30}))
        simulated += 30
    else:
        raise RuntimeError("the invoices pull did not complete within 5 simulated hours")
    return cid, simulated


def sdk_client(url: str) -> tuple[Any, httpx.Client]:
    """The official Lending SDK as Codat's docs construct it, retries off, over an httpx.Client."""
    from codat_lending import CodatLending
    from codat_lending.models.shared.security import Security
    from codat_lending.utils.retries import RetryConfig

    http = httpx.Client(timeout=120)
    sdk = CodatLending(
        security=Security(auth_header=AUTH_HEADER), server_url=url, retry_config=RetryConfig(strategy="none"),
        client=http, timeout_ms=120_000,
    )  # fmt: skip
    return sdk, http


def read_with_sdk(sdk: Any, company_id: str) -> tuple[list[str], int]:
    """Every invoice page by page, as an SDK user writes it: page 1, 2, ... until ``_links.next`` is gone."""
    invoices: list[Any] = []
    page = 1
    while True:
        answer = sdk.accounts_receivable.invoices.list(request={"company_id": company_id, "page": page, "page_size": PAGE_SIZE})
        invoices.extend(answer.results or [])
        if answer.links.next is None:
            break
        page += 1
    return [invoice.id for invoice in invoices], page


def read_with_client(url: str, company_id: str) -> tuple[list[str], int]:
    import codat_nb

    with codat_nb.Client(API_KEY, base_url=url, retries=False, timeout=120) as client:
        invoices = client.list_records(company_id, "invoices", page_size=PAGE_SIZE)
        return [invoice["id"] for invoice in invoices], client.requests_sent


def read_with_async_client(url: str, company_id: str) -> tuple[list[str], int]:
    import codat_nb

    async def read() -> tuple[list[str], int]:
        async with codat_nb.AsyncClient(API_KEY, base_url=url, retries=False, timeout=120) as client:
            assert client.concurrency == CONCURRENCY, client.concurrency
            invoices = await client.list_records(company_id, "invoices", page_size=PAGE_SIZE)
            return [invoice["id"] for invoice in invoices], client.requests_sent

    return asyncio.run(read())


def read_raw_reference(url: str, company_id: str) -> tuple[list[str], int]:
    """Not a product: plain httpx.AsyncClient + json.loads, page 1 then every other page with 10
    always in flight (a sliding window, no batches), to show what this stack can reach here."""

    async def read() -> tuple[list[str], int]:
        path = f"/companies/{company_id}/data/invoices"
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": AUTH_HEADER}, limits=limits, timeout=120) as http:
            slots = asyncio.Semaphore(CONCURRENCY)

            async def page(number: int) -> dict[str, Any]:
                async with slots:
                    answer = await http.get(path, params={"page": number, "pageSize": PAGE_SIZE})
                    answer.raise_for_status()
                    return json.loads(answer.content)

            first = await page(1)
            last = math.ceil(first["totalResults"] / PAGE_SIZE)
            bodies = [first, *await asyncio.gather(*(page(n) for n in range(2, last + 1)))]
            return [record["id"] for body in bodies for record in body["results"]], last

    return asyncio.run(read())


def per_page_costs(url: str, control: httpx.Client, sdk: Any, company_id: str, samples: int) -> dict[str, float]:
    """With latency 0: one GET's round trip (server render + loopback, body read, not parsed), the
    parse of that body (json.loads, and codat_nb's parse_body), and one SDK list call; medians in ms."""

    pages = sorted({1 + round(i * (INVOICES // PAGE_SIZE - 1) / max(1, samples - 1)) for i in range(samples)})
    path = f"/companies/{company_id}/data/invoices"
    round_trip, parse, codat_parse, sdk_call, sizes = [], [], [], [], []
    set_latency(control, 0)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": AUTH_HEADER}, timeout=120) as http:
            for page in pages:
                t0 = time.perf_counter()
                answer = http.get(path, params={"page": page, "pageSize": PAGE_SIZE})
                body = answer.content
                round_trip.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                json.loads(body)
                parse.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                parse_body(answer, "GET", path)
                codat_parse.append(time.perf_counter() - t0)
                sizes.append(len(body))
                t0 = time.perf_counter()
                sdk.accounts_receivable.invoices.list(request={"company_id": company_id, "page": page, "page_size": PAGE_SIZE})
                sdk_call.append(time.perf_counter() - t0)
    finally:
        set_latency(control, LATENCY_MS)
    return {
        "round_trip_ms": statistics.median(round_trip) * 1000,
        "parse_ms": statistics.median(parse) * 1000,
        "codat_parse_ms": statistics.median(codat_parse) * 1000,
        "sdk_call_ms": statistics.median(sdk_call) * 1000,
        "bytes": statistics.median(sizes),
        "pages": len(pages),
    }


def reads(args: argparse.Namespace, emulator: Emulator, control: httpx.Client) -> None:
    url = emulator.url
    pages = math.ceil(INVOICES / PAGE_SIZE)
    floor_s = math.ceil(pages / CONCURRENCY) * LATENCY_MS / 1000

    t0 = time.perf_counter()
    company_id, simulated = sync_invoices(control)
    print(f"company {company_id}: {SAMPLE} with {INVOICES:,} invoices, invoices pull Complete after {simulated:.0f} "
          f"simulated s ({time.perf_counter() - t0:.1f} s)")  # fmt: skip

    # Warm-up: the first read after the sync builds the books; then every reader once on a few pages.
    t0 = time.perf_counter()
    first = ok(control.get(f"/companies/{company_id}/data/invoices", params={"page": 1, "pageSize": PAGE_SIZE}))
    built = time.perf_counter() - t0
    if first["totalResults"] != INVOICES or len(first["results"]) != PAGE_SIZE:
        raise RuntimeError(f"expected {INVOICES} invoices at pageSize {PAGE_SIZE}, got totalResults {first['totalResults']}")
    last = ok(control.get(f"/companies/{company_id}/data/invoices", params={"page": pages, "pageSize": PAGE_SIZE}))
    assert "next" not in last["_links"] and len(last["results"]) == INVOICES - (pages - 1) * PAGE_SIZE
    sdk, sdk_http = sdk_client(url)
    try:
        for page in (1, 2):
            sdk.accounts_receivable.invoices.list(request={"company_id": company_id, "page": page, "page_size": PAGE_SIZE})
        print(f"warm-up: totalResults {first['totalResults']:,} at pageSize {PAGE_SIZE} ({pages} pages); the first read "
              f"(builds the books) took {built * 1000:,.0f} ms incl. {LATENCY_MS} ms latency")  # fmt: skip

        costs = per_page_costs(url, control, sdk, company_id, args.cost_samples)
        print(
            f"per page at latency 0 (median of {costs['pages']} pages, {costs['bytes'] / 1000:,.0f} kB each): GET round trip "
            f"{costs['round_trip_ms']:.1f} ms (server render + loopback), json.loads {costs['parse_ms']:.1f} ms, "
            f"one SDK list call {costs['sdk_call_ms']:.1f} ms",
            flush=True,
        )

        readers: dict[str, Callable[[], tuple[list[str], int]]] = {
            "async": lambda: read_with_async_client(url, company_id),
            "client": lambda: read_with_client(url, company_id),
            "sdk": lambda: read_with_sdk(sdk, company_id),
            "raw": lambda: read_raw_reference(url, company_id),
        }
        labels = {"async": "codat_nb.AsyncClient", "client": "codat_nb.Client", "sdk": "codat_lending SDK loop",
                  "raw": "raw httpx (reference)"}  # fmt: skip
        seconds: dict[str, list[float]] = {name: [] for name in readers}
        server_cpu: dict[str, list[float]] = {name: [] for name in readers}
        client_cpu: dict[str, list[float]] = {name: [] for name in readers}
        requests: dict[str, set[int]] = {name: set() for name in readers}
        gc_seconds: dict[str, list[float]] = {name: [] for name in readers}
        gc_full: dict[str, list[int]] = {name: [] for name in readers}
        gc_timer = GCTimer()
        reference: list[str] | None = None
        order = list(readers)
        started = time.perf_counter()
        for round_number in range(args.rounds):
            elapsed = time.perf_counter() - started
            names = order if round_number % 2 == 0 else order[::-1]
            if round_number and elapsed / round_number * (round_number + 1) > args.budget:
                # A full round would not fit: repeat only the AsyncClient (both targets hinge on it) and the raw reference.
                names = [n for n in names if n in ("async", "raw")]
                if elapsed + sum(min(seconds[n]) for n in names) * 1.5 > args.budget:
                    print(f"  (stopping after {round_number} round(s): another would take the reads past --budget {args.budget:g} s)")
                    break
                print(f"  (round {round_number + 1}: the AsyncClient and the raw reference only; a full round would take the "
                      f"reads past --budget {args.budget:g} s)")  # fmt: skip
            for name in names:
                gc0, full0 = gc_timer.total, gc_timer.full
                cpu0, server0, t0 = time.process_time(), emulator.cpu_seconds(), time.perf_counter()
                ids, sent = readers[name]()
                wall = time.perf_counter() - t0
                cpu, server1 = time.process_time() - cpu0, emulator.cpu_seconds()
                gc_seconds[name].append(gc_timer.total - gc0)
                gc_full[name].append(gc_timer.full - full0)
                if len(ids) != INVOICES or len(set(ids)) != INVOICES:
                    raise RuntimeError(f"{labels[name]} read {len(ids)} invoices, {len(set(ids))} distinct; expected {INVOICES}")
                if reference is None:
                    reference = ids
                elif ids != reference:
                    where = next(i for i, (a, b) in enumerate(zip(ids, reference)) if a != b)
                    raise RuntimeError(f"{labels[name]} read the invoices in another order (first difference at #{where})")
                seconds[name].append(wall)
                client_cpu[name].append(cpu)
                if server0 is not None and server1 is not None:
                    server_cpu[name].append(server1 - server0)
                requests[name].add(sent)
                what = "requests" if name in ("async", "client") else "pages"
                print(
                    f"  round {round_number + 1}: {labels[name]:24s} {wall:7.2f} s, {sent} {what}, "
                    f"server CPU {(server1 - server0) if server1 is not None else float('nan'):6.2f} s, this process CPU {cpu:6.2f} s "
                    f"(GC {gc_seconds[name][-1]:.2f} s, {gc_full[name][-1]} full)",
                    flush=True,
                )
    finally:
        sdk_http.close()

    best = {name: min(values) for name, values in seconds.items()}
    runs = {name: len(values) for name, values in seconds.items()}
    sdk_ratio = best["sdk"] / best["async"]
    floor_ratio = best["async"] / floor_s
    print()
    print(f"read {INVOICES:,} invoices, pageSize {PAGE_SIZE} ({pages} pages), {LATENCY_MS} ms latency per request, best of each:")
    for name in readers:
        print(f"  {labels[name]:24s} {best[name]:7.2f} s  ({best[name] / pages * 1000:.1f} ms per page; best of {runs[name]})")
    print(f"  floor ceil({pages} / {CONCURRENCY}) x {LATENCY_MS} ms = {floor_s:.2f} s")
    sdk_ok = sdk_ratio >= SDK_RATIO_TARGET
    floor_ok = floor_ratio <= FLOOR_RATIO_TARGET
    print(f"SDK loop / AsyncClient: {best['sdk']:.2f} / {best['async']:.2f} s -> {sdk_ratio:.2f}x (target >= {SDK_RATIO_TARGET:g}) {verdict(sdk_ok)}")
    print(f"AsyncClient / floor: {best['async']:.2f} / {floor_s:.2f} s -> {floor_ratio:.2f}x (target <= {FLOOR_RATIO_TARGET:g}) {verdict(floor_ok)}")
    record("sdk_over_async", "SDK page loop / AsyncClient, 50k invoices @50 ms", sdk_ratio, "x", SDK_RATIO_TARGET,
           f"{best['sdk']:.2f} s vs {best['async']:.2f} s")  # fmt: skip
    record_at_most("async_over_floor", f"AsyncClient / floor ({floor_s:g} s)", floor_ratio, "x", FLOOR_RATIO_TARGET,
                   f"{best['async']:.2f} s vs {floor_s:.2f} s")  # fmt: skip
    for name in ("async", "client"):
        sent = sorted(requests[name])
        exact = sent == [pages]
        print(f"{labels[name]} requests: {', '.join(map(str, sent))} (target exactly {pages}: no page twice) {verdict(exact)}")
        record_at_most(f"{name}_requests", f"{labels[name]} requests for {pages} pages", max(sent), "req", pages,
                       f"target exactly {pages}; seen {', '.join(map(str, sent))}", passed=exact)  # fmt: skip
    raw_floor = best["raw"] / floor_s
    print(f"  (info) raw httpx.AsyncClient + json.loads, 10 always in flight (no codat_nb): {best['raw']:.2f} s -> "
          f"{raw_floor:.2f}x the floor; AsyncClient / raw {best['async'] / best['raw']:.2f}x")  # fmt: skip
    record("raw_over_floor", "reference: raw httpx + json.loads, 10 in flight / floor", raw_floor, "x",
           note=f"{best['raw']:.2f} s; AsyncClient/raw {best['async'] / best['raw']:.2f}x")  # fmt: skip
    for name in readers:
        record(f"{name}_read_ms", f"{labels[name]}, 50k invoices @{LATENCY_MS} ms (best of {runs[name]})", best[name] * 1000, "ms",
               note=f"{best[name] / pages * 1000:.1f} ms/page")  # fmt: skip

    # Where the time goes.
    print()
    print("where the time goes (per page; the server renders every page on one event loop, one at a time):")
    record("server_round_trip_ms", "per page at latency 0: GET round trip (server render)", costs["round_trip_ms"], "ms",
           note=f"median of {costs['pages']} pages, {costs['bytes'] / 1000:,.0f} kB")  # fmt: skip
    record("json_parse_ms", "per page: json.loads of one page", costs["parse_ms"], "ms")
    record("client_parse_ms", "per page: codat_nb's parse of one page (orjson)", costs["codat_parse_ms"], "ms")
    record("sdk_call_ms", "per page at latency 0: one SDK list call", costs["sdk_call_ms"], "ms",
           note=f"~{costs['sdk_call_ms'] - costs['round_trip_ms']:.1f} ms SDK-side")  # fmt: skip
    print(f"  latency 0: GET round trip {costs['round_trip_ms']:.1f} ms, json.loads {costs['parse_ms']:.1f} ms, "
          f"codat_nb parse_body {costs['codat_parse_ms']:.1f} ms, "
          f"SDK list call {costs['sdk_call_ms']:.1f} ms (so ~{costs['sdk_call_ms'] - costs['round_trip_ms']:.1f} ms in the SDK)")  # fmt: skip
    for name in readers:
        i = seconds[name].index(best[name])
        server = server_cpu[name][i] / pages * 1000 if server_cpu[name] else float("nan")
        mine = client_cpu[name][i] / pages * 1000
        collecting = gc_seconds[name][i] / pages * 1000
        print(f"  {labels[name]:24s} server CPU {server:5.1f} ms/page, this process CPU {mine:5.1f} ms/page "
              f"(of which GC {collecting:4.1f}), wall {best[name] / pages * 1000:5.1f} ms/page")  # fmt: skip
        if server_cpu[name]:
            record(f"{name}_server_cpu_ms", f"server CPU per page during the {labels[name]} read", server, "ms",
                   note=f"{server:.1f} ms/page")  # fmt: skip
        record(f"{name}_client_cpu_ms", f"this process's CPU per page, {labels[name]}", mine, "ms",
               note=f"{mine:.1f} ms/page, GC {collecting:.1f} ms/page")  # fmt: skip
    sniffio = sniffio_cost()
    if sniffio is not None:
        print(f"  sniffio is not installed: httpcore's current_async_library() is a failed import each time, "
              f"{sniffio:.0f} us per call (several calls per request on httpx.AsyncClient)")  # fmt: skip
        record("sniffio_missing_us", "httpcore current_async_library() without sniffio", sniffio, "us",
               note="a failed import per call")  # fmt: skip
    parse_s = costs["codat_parse_ms"] * pages / 1000
    print(f"  codat_nb's parse of the {pages} pages alone: {parse_s:.2f} s of client CPU ({parse_s / floor_s:.2f}x the floor, "
          f"which counts latency only; server render and client parsing are taken as free there)")  # fmt: skip
    record("parse_over_floor", f"codat_nb's parse of all {pages} pages (client CPU) / floor", parse_s / floor_s, "x",
           note=f"{parse_s:.2f} s at {costs['codat_parse_ms']:.1f} ms/page")  # fmt: skip
    if server_cpu["async"]:
        i = seconds["async"].index(best["async"])
        cpu_floor = max(client_cpu["async"][i], (server_cpu["async"][i] + client_cpu["async"][i]) / (os.cpu_count() or 1))
        print(f"  CPU bound on this machine: the reading process alone needs {client_cpu['async'][i]:.2f} s of one core "
              f"({client_cpu['async'][i] / floor_s:.2f}x the floor) while the server needs {server_cpu['async'][i]:.2f} s "
              f"of {os.cpu_count()} cores shared")  # fmt: skip
        record("cpu_over_floor", "AsyncClient read: client CPU (one core) / floor", client_cpu["async"][i] / floor_s, "x",
               note=f"{cpu_floor:.2f} s at least, CPU alone")  # fmt: skip
    if server_cpu["async"]:
        i = seconds["async"].index(best["async"])
        serial, mine = server_cpu["async"][i], client_cpu["async"][i]
        print(f"  AsyncClient: server CPU {serial:.2f} s + this process's CPU {mine:.2f} s = {serial + mine:.2f} s "
              f"against {best['async']:.2f} s of wall time (the two overlap only where both get a CPU)")  # fmt: skip


class GCTimer:
    """Seconds this process spends in the cyclic garbage collector (gc.callbacks)."""

    def __init__(self) -> None:
        import gc

        self.total = 0.0
        self.full = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start
            self.full += info.get("generation") == 2


def sniffio_cost() -> float | None:
    """httpcore asks sniffio which event loop runs on every lock it takes; without sniffio installed
    (anyio 4.x no longer needs it) each ask is a failed import. Microseconds per ask, None when installed."""
    import importlib.util

    if importlib.util.find_spec("sniffio") is not None:
        return None
    from httpcore._synchronization import current_async_library

    t0 = time.perf_counter()
    for _ in range(200):
        try:
            current_async_library()
        except Exception:  # noqa: BLE001  (outside an event loop it may complain; the import is what is timed)
            pass
    return (time.perf_counter() - t0) / 200 * 1e6


# -- 2. wait_for_sync ----------------------------------------------------------------------------------


class ServedClock:
    """Moves the served manual clock on each sleep; ``now`` counts the simulated seconds waited."""

    def __init__(self, control: httpx.Client) -> None:
        self.control = control
        self.seconds = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        ok(self.control.post("/_sandbox/clock/advance", json={"seconds": seconds}))
        self.seconds += seconds
        self.sleeps.append(seconds)

    def now(self) -> float:
        return self.seconds


def baseline_wait(url: str, company_id: str, clock: ServedClock) -> tuple[int, int]:
    """Each poll: list the pull operations (every page), then GET each one not finished; sleep on
    wait_for_sync's schedule until every pull is terminal. Returns (requests, polls)."""
    sent = 0

    def count(_request: httpx.Request) -> None:
        nonlocal sent
        sent += 1

    polls = 0
    interval = POLL_INTERVAL
    history = f"/companies/{company_id}/data/history"
    with httpx.Client(base_url=url, headers={"Authorization": AUTH_HEADER}, timeout=60, event_hooks={"request": [count]}) as http:
        while True:
            polls += 1
            pulls: list[dict[str, Any]] = []
            page = ok(http.get(history, params={"page": 1, "pageSize": 100}))
            pulls += page["results"]
            while (page.get("_links") or {}).get("next"):
                query = parse_qs(urlsplit(page["_links"]["next"]["href"]).query)
                page = ok(http.get(history, params={"page": query["page"][0], "pageSize": query["pageSize"][0]}))
                pulls += page["results"]
            if not pulls:
                raise RuntimeError("the baseline found no pull operations")
            finished = True
            for pull in pulls:
                if pull["status"] in TERMINAL:
                    continue
                pull = ok(http.get(f"{history}/{pull['id']}"))
                finished = finished and pull["status"] in TERMINAL
            if finished:
                return sent, polls
            if clock.now() + interval > SYNC_TIMEOUT:
                raise RuntimeError("the baseline timed out")
            clock.sleep(interval)
            interval = min(MAX_INTERVAL, interval * POLL_GROWTH)


def syncing(args: argparse.Namespace, emulator: Emulator, control: httpx.Client) -> None:
    import codat_nb

    set_latency(control, 0)
    # wait_for_sync
    cid, _ = linked_company(control, "Bench Sync Co", {"dataset": SYNC_SAMPLE})
    clock = ServedClock(control)
    polls = 0

    def progress(_p: Any) -> None:
        nonlocal polls
        polls += 1

    t0 = time.perf_counter()
    with codat_nb.Client(API_KEY, base_url=emulator.url, retries=False, sleep=clock.sleep, clock=clock.now) as client:
        done = client.wait_for_sync(cid, timeout=SYNC_TIMEOUT, on_progress=progress)
        sent = client.requests_sent
    wall = time.perf_counter() - t0
    statuses = sorted({s.current_status for s in done.values()})
    print(f"wait_for_sync on a fresh {SYNC_SAMPLE} company: {len(done)} data types ended ({', '.join(statuses)}) after "
          f"{clock.seconds:.1f} simulated s; {sent} requests over {polls} polls ({wall:.1f} s)")  # fmt: skip

    # the baseline, on an identical fresh company, the same schedule
    cid2, _ = linked_company(control, "Bench Sync Co 2", {"dataset": SYNC_SAMPLE})
    clock2 = ServedClock(control)
    t0 = time.perf_counter()
    base_sent, base_polls = baseline_wait(emulator.url, cid2, clock2)
    base_wall = time.perf_counter() - t0
    print(f"baseline (list pull operations + GET each unfinished one, every poll): {base_sent} requests over {base_polls} polls "
          f"after {clock2.seconds:.1f} simulated s ({base_wall:.1f} s)")  # fmt: skip
    set_latency(control, LATENCY_MS)

    per_poll = sent / polls
    base_per_poll = base_sent / base_polls
    passed = per_poll <= POLLS_TARGET
    print(f"wait_for_sync: {per_poll:.2f} requests/poll (target <= {POLLS_TARGET:g}) {verdict(passed)}; baseline "
          f"{base_per_poll:.2f} requests/poll -> {base_per_poll / per_poll:.1f}x more per poll, "
          f"{base_sent / sent:.1f}x more in all")  # fmt: skip
    record_at_most("wait_requests_per_poll", f"wait_for_sync requests per poll ({SYNC_SAMPLE} first sync)", per_poll, "req/poll",
                   POLLS_TARGET, f"{per_poll:.2f}: {sent} requests / {polls} polls")  # fmt: skip
    record("baseline_requests_per_poll", "baseline (history + each pull) requests per poll", base_per_poll, "req/poll",
           note=f"{base_per_poll:.2f}: {base_sent} requests / {base_polls} polls")  # fmt: skip
    record("baseline_over_wait", "baseline / wait_for_sync, requests in all", base_sent / sent, "x",
           note=f"{base_sent} vs {sent} requests")  # fmt: skip


# -- main -------------------------------------------------------------------------------------------------


def main() -> int:
    global TERMINAL
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the three reads (default 2; best of each)")
    parser.add_argument("--budget", type=float, default=150.0,
                        help="seconds the timed reads may take: no full round is started past it, only an AsyncClient re-run (default 150)")  # fmt: skip
    parser.add_argument("--cost-samples", type=int, default=20, help="pages timed at latency 0 for the per-page costs")
    parser.add_argument("--json", default=env("BENCH_RESULTS"), help="also write the results here as JSON")
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--skip-sync", action="store_true")
    args = parser.parse_args()

    import codat_lending  # noqa: F401  (fail early when the SDK is missing)

    from codat_nb.client import DEFAULT_CONCURRENCY
    from codat_nb.records import TERMINAL_STATUSES

    TERMINAL = set(TERMINAL_STATUSES)
    assert DEFAULT_CONCURRENCY == CONCURRENCY, DEFAULT_CONCURRENCY
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"== bench_client: Python {platform.python_version()}, httpx {httpx.__version__}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f} at start" + (" (other processes are busy: timings will be noisy)" if load > 0.7 else ""),
          flush=True)  # fmt: skip
    failure = None
    started = time.perf_counter()
    try:
        with Emulator(LATENCY_MS) as emulator, control_client(emulator.url) as control:
            print(f"emulator at {emulator.url} (pid {emulator.proc.pid if emulator.proc else '?'}, seed 0, manual clock, "
                  f"{LATENCY_MS} ms latency)", flush=True)  # fmt: skip
            if not args.skip_sync:  # first: it needs no books, and a sync of its own
                syncing(args, emulator, control)
                print()
            if not args.skip_reads:
                reads(args, emulator, control)
    except Exception as exc:  # still write what was measured
        failure = exc
    print(f"\nbench_client measured for {time.perf_counter() - started:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"script": "bench_client", "results": results}, indent=2))
    if failure is not None:
        raise failure
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
