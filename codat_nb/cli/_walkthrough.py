"""``codat-nb walkthrough``: its arguments and their checks; the steps themselves are codat_nb.walkthrough."""

from __future__ import annotations

import argparse
import sys

from . import _types

#: The embedded Sandbox's sample companies (codat_nb.sandbox.books.datasets; a test keeps them in step),
#: written out so that building the parser imports nothing.
SAMPLES = ("small-uk", "us-retailer", "multi-currency-wholesaler")
DEFAULT_NAME = "Platypus Properties"
DEFAULT_SPEED = 8.0

_DESCRIPTION = """\
Codat's Connect guide in three steps, in the terminal:
  1. create a company and a Sandbox connection, and print its Link URL;
  2. link it: on the embedded Sandbox, sign in as the business would (or, with --wait-for-link,
     wait for you to press Connect on the Link page); with CODAT_API_KEY, wait for you to do so;
  3. synchronise its data, with a progress bar per data type, then a table of what arrived.

Where it runs:
  CODAT_API_KEY unset        the embedded Sandbox, offline (--seed, --speed, --sample)
  CODAT_API_KEY set          api.codat.io, or $CODAT_BASE_URL / --base-url (e.g. codat-nb sandbox serve)"""

_EPILOG = """\
examples:
  codat-nb walkthrough --name 'Platypus Properties' --sample us-retailer
  codat-nb walkthrough --wait-for-link        # then open the printed Link URL and press Connect

exit status: 0 when every data type synced, 1 when Codat refused or a data type failed (the table
shows it, with Codat's message), 2 for bad arguments, 130 when interrupted."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    walk = commands.add_parser(
        "walkthrough",
        help="Codat's Connect guide in the terminal: create a company, link it, sync it",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    walk.set_defaults(run=lambda args: run(args, walk), parser=walk)
    walk.add_argument("--name", type=_types.company_name, default=DEFAULT_NAME, help=f"the company's name (default {DEFAULT_NAME!r})")
    walk.add_argument(
        "--sample", choices=SAMPLES, default=None,
        help="the embedded Sandbox's sample books to share: small-uk (default), us-retailer or multi-currency-wholesaler",
    )  # fmt: skip
    walk.add_argument(
        "--wait-for-link", action="store_true",
        help="on the embedded Sandbox, wait for you to press Connect on the Link page rather than signing in for you",
    )  # fmt: skip
    walk.add_argument("--seed", type=_types.non_negative(int, "a whole number"), default=None, metavar="N",
                      help="the embedded Sandbox's seed: fixes ids and books (default 0)")  # fmt: skip
    walk.add_argument(
        "--speed", type=_types.non_negative(float, "a number"), default=None, metavar="X",
        help=f"the embedded Sandbox's simulated seconds per real second (default {DEFAULT_SPEED:g}: a first sync takes "
        "a few seconds; 0 = a manual clock: at once)",
    )  # fmt: skip
    walk.add_argument("--base-url", default=None, metavar="URL", help="the API to use with CODAT_API_KEY (default $CODAT_BASE_URL, else api.codat.io)")
    walk.add_argument("--timeout", type=_types.positive_seconds, default=600.0, metavar="SECONDS",
                      help="the longest wait for the link, and then for the sync (default 600)")  # fmt: skip


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Check how the arguments combine with the environment (exit 2 if they do not), then walk through."""
    from ..config import EnvSettings, check_base_url
    from ..errors import CodatError, ConfigError

    try:
        settings = EnvSettings.read()
        base_url = check_base_url(args.base_url) if args.base_url is not None else settings.base_url
    except ConfigError as exc:
        parser.error(str(exc))
    if settings.api_key is None and args.base_url is not None:
        parser.error(f"--base-url {args.base_url} needs an API key in CODAT_API_KEY (any key works for a served Sandbox).")
    embedded_only = [name for name, value in (("--seed", args.seed), ("--speed", args.speed), ("--sample", args.sample)) if value is not None]
    if settings.api_key is not None and embedded_only:
        parser.error(
            f"{', '.join(embedded_only)} set up the embedded Sandbox, but CODAT_API_KEY is set, so {base_url} is used: "
            "unset CODAT_API_KEY for the embedded Sandbox, or leave them out (the business picks its books on the Link page)."
        )
    if args.wait_for_link and args.sample is not None:
        parser.error("--sample is picked on the Link page when you --wait-for-link: leave one of them out.")

    from ..walkthrough import DEFAULT_SAMPLE, Options, TerminalConsole, api_backend, embedded_backend, run_walkthrough

    options = Options(name=args.name, sample=args.sample or DEFAULT_SAMPLE, wait_for_link=args.wait_for_link, timeout=args.timeout)
    try:
        if settings.api_key is None:
            backend = embedded_backend(args.seed or 0, DEFAULT_SPEED if args.speed is None else args.speed)
        else:
            backend = api_backend(settings.api_key, base_url)
        with backend:
            return run_walkthrough(options, backend, TerminalConsole())
    except CodatError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing more was asked of Codat.", 130)


def _fail(message: str, code: int) -> int:
    from ..masking import mask_text  # a message may quote an argument: never the API key in it

    print(f"codat-nb walkthrough: {mask_text(' '.join(message.split()))}", file=sys.stderr, flush=True)
    return code
