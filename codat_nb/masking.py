"""Masking the API key wherever a value is echoed back: whole, cut short, or in its base64 form.

A key pasted where an id or a name belongs is refused with a message that quotes the value; the
message must not carry the key. Comparing whole strings is not enough once a message cuts a long
value to 57 characters, so any run of at least :data:`MIN_RUN` characters shared with a key (or
with the base64 form its ``Authorization`` header carries) counts as the key, and is masked.
Which keys: every :class:`codat_nb.config.Secret` alive in the process, ``CODAT_API_KEY``, and
any key a caller names. Standard library only, so the CLI can mask before importing httpx.
"""

from __future__ import annotations

import base64
import os
import threading
import weakref
from typing import Any, Iterable

#: A shared run this long means the key (Codat's keys are 40+ characters; words rarely run this long
#: into one by chance). A key shorter than this is masked only where it appears whole.
MIN_RUN = 8
MASK = "***"
#: What an echoed argument becomes when it holds the key: says why the value is not shown.
MASKED_VALUE = "'***' (masked: it holds your API key; pass the id or name here, not the key)"
API_KEY_ENV = "CODAT_API_KEY"  # the same name as config.API_KEY_ENV; config imports this module

#: By id, not in a WeakSet: Secrets compare equal by key, and a set would keep only the first of two
#: equal ones, forgetting the key once that one is gone although the other lives on.
_live: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_lock = threading.Lock()


def register(secret: Any) -> None:
    """Remember a Secret (anything with ``reveal()``) for as long as it lives, so its key is masked everywhere."""
    with _lock:
        _live[id(secret)] = secret


def known_keys(extra: Iterable[str | None] = ()) -> list[str]:
    """The keys to mask: live Secrets and CODAT_API_KEY of :data:`MIN_RUN` characters or more, plus ``extra``
    (of any length: a caller that names its own key wants it masked even when short)."""
    keys = [key.strip() for key in extra if isinstance(key, str) and key.strip()]
    with _lock:
        live = [secret.reveal() for secret in list(_live.values())]
    env = os.environ.get(API_KEY_ENV, "").strip()
    keys += [key for key in (*live, env) if len(key) >= MIN_RUN]
    return list(dict.fromkeys(keys))


def _forms(keys: Iterable[str]) -> list[str]:
    """Each key and the base64 of it that an ``Authorization: Basic`` header carries."""
    forms: list[str] = []
    for key in keys:
        forms += [key, base64.b64encode(key.encode()).decode()]
    return forms


def _spans(text: str, forms: list[str]) -> list[tuple[int, int]]:
    """The stretches of ``text`` made of runs shared with any form, merged where they touch."""
    windows: dict[int, set[str]] = {}  # run length -> every run of that length in the forms
    for form in forms:
        run = min(MIN_RUN, len(form))
        windows.setdefault(run, set()).update(form[i : i + run] for i in range(len(form) - run + 1))
    marked = bytearray(len(text))
    for run, known in windows.items():
        for i in range(len(text) - run + 1):
            if text[i : i + run] in known:
                marked[i : i + run] = b"\x01" * run
    spans, start = [], None
    for i, flag in enumerate(marked):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def holds_key(value: Any, keys: Iterable[str | None] = ()) -> bool:
    """Whether ``value`` (its text and its repr) shares a run of :data:`MIN_RUN` characters with a key or its base64."""
    forms = _forms(known_keys(keys))
    if not forms:
        return False
    # A string as it is (its repr only escapes characters a key has none of); anything else as its repr.
    return bool(_spans(value if isinstance(value, str) else repr(value), forms))


def mask_text(text: str, keys: Iterable[str | None] = ()) -> str:
    """``text`` with every run it shares with a key (or the key's base64) replaced by ``***``."""
    if not isinstance(text, str) or not text:
        return text
    forms = _forms(known_keys(keys))
    if not forms:
        return text
    pieces, last = [], 0
    for start, end in _spans(text, forms):
        pieces += [text[last:start], MASK]
        last = end
    return "".join(pieces) + text[last:] if pieces else text


def show_value(value: Any, limit: int = 60, keys: Iterable[str | None] = ()) -> str:
    """An argument as a message quotes it: its repr cut to ``limit`` characters, masked first (a cut
    key would no longer match the whole key)."""
    if holds_key(value, keys):
        return MASKED_VALUE
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mask_error(error: BaseException, keys: Iterable[str | None] = ()) -> BaseException:
    """Mask the key in ``error``'s string arguments, in place; returns ``error``."""
    args = tuple(mask_text(arg, keys) if isinstance(arg, str) else arg for arg in error.args)
    if args != error.args:
        error.args = args
    return error
