"""``codat-nb sandbox serve``: the emulator on uvicorn until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import _types


#: Where --control-key is read from when not given: an argument shows in `ps`, the environment does not.
CONTROL_KEY_ENV = "CODAT_NB_CONTROL_KEY"


def add_parser(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser("sandbox", help="the embedded offline Codat Sandbox")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION")
    sandbox.set_defaults(run=lambda args: sandbox.error("choose an action: serve (codat-nb sandbox serve --help says more)"), parser=sandbox)
    serve = sandbox_commands.add_parser(
        "serve",
        help="serve the emulator over HTTP",
        description="Serve the offline Codat Sandbox on uvicorn until Ctrl-C or SIGTERM. "
        "Point any client at the printed URL with 'Authorization: Basic <base64 of any key>'.",
    )
    serve.set_defaults(run=lambda args: run(args, serve), parser=serve)
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_types.port, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--seed", type=_types.non_negative(int, "a whole number"), default=0, help="fixes every generated id (default 0)")
    serve.add_argument(
        "--speed",
        type=_types.non_negative(float, "a number"),
        default=1.0,
        help="simulated seconds per real second (default 1: a first sync takes about 30 s; 0 = manual clock)",
    )
    serve.add_argument("--latency-ms", type=_types.non_negative(int, "a whole number"), default=0, help="delay added to each API answer")
    serve.add_argument("--error-rate", type=_types.share, default=0.0, help="share of pulls that end in an error status (0-1)")
    serve.add_argument("--state", type=Path, default=None, metavar="PATH", help="keep state in this SQLite file across restarts")
    serve.add_argument(
        "--api-key", action="append", default=None, metavar="KEY", help="accept only this key (repeat for several)"
    )
    serve.add_argument(
        "--public-url",
        type=_types.public_url,
        default=None,
        metavar="URL",
        help="where browsers reach this server, for the Link URLs it hands out (default: the URL each request used); "
        "e.g. behind jupyter-server-proxy: https://HUB/user/NAME/proxy/8787",
    )
    serve.add_argument(
        "--rate-limits",
        nargs="?",
        const="10:1000",
        default=None,
        type=_rate_limits,
        metavar="CONCURRENT:DAILY",
        help="enforce Codat's rate limits: 10 concurrent requests per company and 1000 x (1 + connected companies) "
        "a day per key (429 with Retry-After); give other numbers as e.g. 2:50 (default off)",
    )
    serve.add_argument(
        "--control-key",
        default=os.environ.get(CONTROL_KEY_ENV) or None,
        metavar="KEY",
        help="only this API key may use the /_sandbox/... controls (reset, clock, faults): for a Sandbox served to a team; "
        f"${CONTROL_KEY_ENV} sets it without showing it in the process list",
    )
    serve.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])


def _rate_limits(text: str):  # -> RateLimits (imported only when the option is used)
    from ..sandbox.rate_limits import RateLimits

    concurrent, _, daily = text.partition(":")
    try:
        return RateLimits(concurrent=int(concurrent), daily_base=int(daily))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text[:40]}' is not CONCURRENT:DAILY; give two whole numbers of at least 1, such as 10:1000 (Codat's limits)"
        ) from None


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ..sandbox import Emulator
    from ..sandbox.server import serve

    if args.state is not None and not args.state.parent.exists():
        parser.error(f"--state: the folder {args.state.parent} does not exist")
    if args.control_key is not None and not args.control_key.strip():
        parser.error("--control-key: the key is empty; give the key that may use the controls")
    try:
        emulator = Emulator(
            seed=args.seed,
            speed=args.speed,
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            api_keys=args.api_key,
            state_path=args.state,
            public_url=args.public_url,
            rate_limits=args.rate_limits,
            control_key=args.control_key,
        )
    except ValueError as exc:  # e.g. a state file from another version
        parser.error(str(exc))

    def ready(url: str) -> None:
        state = f"state in {args.state}" if args.state else "in-memory state"
        clock = "manual clock" if args.speed == 0 else f"speed {args.speed:g}x"
        keys = f", {len(args.api_key)} accepted key(s)" if args.api_key else ""
        if args.rate_limits is not None:
            limits = args.rate_limits
            keys += f", rate limits: {limits.concurrent} concurrent per company and {limits.daily_base} x (1 + connected companies) a day"
        if args.control_key is not None:  # say so, never the key itself
            keys += ", controls (/_sandbox/...) restricted to the control key"
        print(f"Codat Sandbox emulator ready at {url} (seed {args.seed}, {clock}, {state}{keys})", flush=True)
        print("Press Ctrl-C to stop.", flush=True)

    try:
        serve(emulator, args.host, args.port, ready, log_level=args.log_level)
    except OSError as exc:
        print(f"codat-nb: {exc}", file=sys.stderr)
        return 1
    print("Codat Sandbox emulator stopped.", flush=True)
    return 0
