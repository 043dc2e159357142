"""The ``codat-nb`` command line: the parser and the dispatch; each command lives in its own module."""

from __future__ import annotations

import argparse
from typing import Sequence

from .. import __version__
from . import _export, _lab, _serve, _walkthrough
from ._output import stop_writing_stdout

__all__ = ["build_parser", "main"]

#: Commands whose extra arguments belong to the program they start (after --).
_PASSES_ARGUMENTS = ("lab", "app")


class _Parser(argparse.ArgumentParser):
    """argparse's own, but its refusals ("invalid choice: ...", a bad value) quote an argument only
    after masking the API key in it: a key pasted in the wrong place must not be printed."""

    def error(self, message: str):  # type: ignore[override]
        from ..masking import mask_text

        super().error(mask_text(message))


def build_parser() -> argparse.ArgumentParser:
    """Every command's parser; building it imports no heavy library (pandas, httpx, rich)."""
    parser = _Parser(prog="codat-nb", description="Explore the Codat API from Jupyter and the terminal.")
    parser.add_argument("--version", action="version", version=f"codat-nb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve.add_parser(commands)
    _export.add_parser(commands)
    _walkthrough.add_parser(commands)
    _lab.add_parsers(commands)
    parser.set_defaults(run=lambda args: parser.error(f"choose a command: {', '.join(commands.choices)} (codat-nb --help says more)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status: 0 done, 1 refused or failed, 2 bad arguments (usage on stderr)."""
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)  # --help and --version write too
        if unknown:
            _refuse_unknown(parser, args, unknown)
        return args.run(args)
    except BrokenPipeError:  # the reader went away (| head): stop, as a Unix tool does, without a traceback
        return stop_writing_stdout()


def _refuse_unknown(parser: argparse.ArgumentParser, args: argparse.Namespace, unknown: list[str]) -> None:
    """As argparse would refuse them, but with the command's own usage, and for lab and app the way to pass them on."""
    shown = " ".join(unknown)
    hint = f" (options for the program it starts go after --: codat-nb {args.command} -- {shown})" if args.command in _PASSES_ARGUMENTS else ""
    getattr(args, "parser", parser).error(f"unrecognized arguments: {shown}{hint}")
