"""The ``codat-nb`` command line: ``codat-nb sandbox serve`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number; use 0-65535 (0 picks a free port)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number; use 0-65535 (0 picks a free port)")
    return value


def _non_negative(kind: type, what: str):  # -> Callable[[str], int | float]
    def parse(text: str):  # type: ignore[no-untyped-def]
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text} must not be negative")
        return value

    return parse


def _share(text: str) -> float:
    value = _non_negative(float, "a number")(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text} is a share of pulls and must be from 0 to 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codat-nb", description="Explore the Codat API from Jupyter.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sandbox = commands.add_parser("sandbox", help="the embedded offline Codat Sandbox")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="ACTION")
    serve = sandbox_commands.add_parser(
        "serve",
        help="serve the emulator over HTTP",
        description="Serve the offline Codat Sandbox on uvicorn until Ctrl-C or SIGTERM. "
        "Point any client at the printed URL with 'Authorization: Basic <base64 of any key>'.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--seed", type=_non_negative(int, "a whole number"), default=0, help="fixes every generated id (default 0)")
    serve.add_argument(
        "--speed",
        type=_non_negative(float, "a number"),
        default=1.0,
        help="simulated seconds per real second (default 1: a first sync takes about 30 s; 0 = manual clock)",
    )
    serve.add_argument("--latency-ms", type=_non_negative(int, "a whole number"), default=0, help="delay added to each API answer")
    serve.add_argument("--error-rate", type=_share, default=0.0, help="share of pulls that end in an error status (0-1)")
    serve.add_argument("--state", type=Path, default=None, metavar="PATH", help="keep state in this SQLite file across restarts")
    serve.add_argument(
        "--api-key", action="append", default=None, metavar="KEY", help="accept only this key (repeat for several)"
    )
    serve.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox" and args.sandbox_command == "serve":
        return _serve(args, parser)
    if args.command == "sandbox":
        parser.parse_args(["sandbox", "--help"])
    parser.print_help()
    return 2


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .sandbox import Emulator
    from .sandbox.server import serve

    if args.state is not None and not args.state.parent.exists():
        parser.error(f"--state: the folder {args.state.parent} does not exist")
    try:
        emulator = Emulator(
            seed=args.seed,
            speed=args.speed,
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            api_keys=args.api_key,
            state_path=args.state,
        )
    except ValueError as exc:  # e.g. a state file from another version
        parser.error(str(exc))

    def ready(url: str) -> None:
        state = f"state in {args.state}" if args.state else "in-memory state"
        clock = "manual clock" if args.speed == 0 else f"speed {args.speed:g}x"
        keys = f", {len(args.api_key)} accepted key(s)" if args.api_key else ""
        print(f"Codat Sandbox emulator ready at {url} (seed {args.seed}, {clock}, {state}{keys})", flush=True)
        print("Press Ctrl-C to stop.", flush=True)

    try:
        serve(emulator, args.host, args.port, ready, log_level=args.log_level)
    except OSError as exc:
        print(f"codat-nb: {exc}", file=sys.stderr)
        return 1
    print("Codat Sandbox emulator stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
