"""Argument types for the command line: each refuses a bad value with a message saying what to give instead."""

from __future__ import annotations

import argparse
import math
from typing import Callable


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number; use 0-65535 (0 picks a free port)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number; use 0-65535 (0 picks a free port)")
    return value


def fixed_port(text: str) -> int:
    """A port a browser is told about in advance, so 0 (any free port) is refused."""
    value = port(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 would pick a port nobody knows: use 1-65535")
    return value


def public_url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    rooted = not parts.scheme and not parts.netloc and parts.path.startswith("/")
    if not (absolute or rooted) or parts.query or parts.fragment or any(ch.isspace() for ch in text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text[:80]!r} is not a URL browsers can use: give http(s)://host[:port][/prefix] or a path such as /user/me/proxy/8787"
        )
    return text.strip().rstrip("/")


def non_negative(kind: type, what: str) -> Callable[[str], int | float]:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text[:60]}' is not {what}") from None
        if not math.isfinite(value):  # float() reads nan and inf, which no setting means
            raise argparse.ArgumentTypeError(f"'{text[:60]}' is not {what}: give a finite number such as 10")
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text} must not be negative")
        return value

    return parse


def positive_seconds(text: str) -> float:
    value = non_negative(float, "a number of seconds")(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 s would not wait at all: give a number of seconds above 0")
    return value


def share(text: str) -> float:
    value = non_negative(float, "a number")(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text} is a share of pulls and must be from 0 to 1")
    return value


def company_name(text: str) -> str:
    """A name Codat can save: not empty, and not made only of characters Codat strips."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the company name is empty: give one such as --name 'Platypus Properties'")
    from ..validation import company_name_parts

    kept, _stripped = company_name_parts(text)
    if not kept:
        raise argparse.ArgumentTypeError(
            f"{text[:60]!r} has no character Codat keeps: use letters, digits, spaces and - ' , & @ . ? !"
        )
    return text.strip()
