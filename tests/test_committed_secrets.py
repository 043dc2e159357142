"""No committed file holds an API key or an ``Authorization: Basic`` value: every file git tracks is scanned
for key-like tokens and Basic headers; only the test suite's fake keys, each named below, are allowed."""

from __future__ import annotations

import base64
import binascii
import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The only key-like strings a committed file may hold: the suite's fake keys, by where they live.
ALLOWED = {
    "tests/test_secrets.py FAKE_KEY": "fAkEkEy0123456789abcdefQWERTY",
    "tests/test_secrets.py restricted emulator's key": "the-only-good-key",
    "tests/test_cli.py KEY": "cli-test-key",
    "tests/widgets/test_create_company.py pasted key": "sk_live_" + "q" * 40,
}

#: ``Basic`` and base64 of at least 12 bytes: an Authorization header's value written out.
BASIC = re.compile(r"Basic\s+([A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=])")
#: A token shaped like a secret: 32+ letters and digits (with _ or -), mixing lower case, upper case and
#: digits, standing alone (not inside a longer base64 run, as image data in a notebook is).
TOKEN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9+/=_-])")
#: Prefixes real keys carry (Stripe-style and the like), whatever their length after it.
PREFIXED = re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")
#: A key assigned in a settings file or shell line: CODAT_API_KEY=value.
ASSIGNED = re.compile(r"CODAT_API_KEY\s*[=:]\s*[\"']?([^\s\"'`$<>{}()]{16,})")
#: Notebook outputs that hold binary data as base64 (images, plotly's typed arrays): not text a key hides in.
_BINARY_MIME = ("image/", "application/vnd.plotly", "application/pdf")


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in done.stdout.decode().split("\0") if name]


def _allowed(text: str) -> bool:
    return any(fake in text or text in fake for fake in ALLOWED.values())


def _looks_random(token: str) -> bool:
    """Mixed case and digits, and not a hex digest or a snake_case name."""
    core = token.replace("_", "").replace("-", "")
    if re.fullmatch(r"[0-9a-fA-F]+", core):  # digests, correlation ids, UUIDs without dashes
        return False
    return any(c.islower() for c in core) and any(c.isupper() for c in core) and sum(c.isdigit() for c in core) >= 2


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None


def findings(text: str) -> list[tuple[int, str]]:
    """(line number, what) for every key-like thing in ``text`` that is not an allowed fake key."""
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in BASIC.finditer(line):
            decoded = _decoded(match.group(1))
            if decoded is None or not _allowed(decoded):
                found.append((number, f"a Basic header value ({match.group(1)[:6]}...)"))
        for match in PREFIXED.finditer(line):
            if not _allowed(match.group(0)):
                found.append((number, f"a prefixed key ({match.group(0)[:8]}...)"))
        for match in ASSIGNED.finditer(line):
            if not _allowed(match.group(1)):
                found.append((number, f"CODAT_API_KEY set to a value ({match.group(1)[:4]}...)"))
        for match in TOKEN.finditer(line):
            if _looks_random(match.group(0)) and not _allowed(match.group(0)):
                found.append((number, f"a key-like token ({match.group(0)[:4]}..., {len(match.group(0))} characters)"))
    return found


def _notebook_text(raw: str) -> str:
    """A notebook as its sources and text outputs, one cell line per line, binary outputs left out."""
    lines: list[str] = []
    for cell in json.loads(raw).get("cells", []):
        lines += "".join(cell.get("source", "")).splitlines()
        for output in cell.get("outputs", []):
            lines += "".join(output.get("text", "")).splitlines() + list(output.get("traceback", []))
            for mime, value in output.get("data", {}).items():
                if not mime.startswith(_BINARY_MIME):
                    lines += ("".join(value) if isinstance(value, list) else json.dumps(value)).splitlines()
    return "\n".join(lines)


def _scan(name: str) -> list[str]:
    path = ROOT / name
    if not path.is_file():  # deleted in the working tree, not yet committed as such
        return []
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:  # a binary file: its text runs are what could hold a key
        raw = "\n".join(run.decode() for run in re.findall(rb"[ -~]{16,}", path.read_bytes()))
    text = _notebook_text(raw) if name.endswith(".ipynb") else raw
    where = "cell line" if name.endswith(".ipynb") else "line"
    return [f"{name}: {where} {number}: {what}" for number, what in findings(text)]


def test_no_tracked_file_holds_a_key_or_a_basic_header() -> None:
    tracked = _tracked()
    assert len(tracked) > 50 and "tests/test_secrets.py" in tracked
    problems = [problem for name in tracked for problem in _scan(name)]
    assert not problems, "key-like text in committed files (allow a test's fake key in ALLOWED, by name):\n" + "\n".join(problems)


def test_every_allowed_fake_key_is_still_where_its_name_says() -> None:
    """An allowlist entry nobody uses any more is a hole: each must still appear in its file."""
    for name, fake in ALLOWED.items():
        path = ROOT / name.split(" ", 1)[0]
        text = path.read_text()
        assert fake in text or (fake.startswith("sk_live_") and '"sk_live_" + "q" * 40' in text), f"{name} is no longer used"


@pytest.mark.parametrize(
    "line",
    [
        'headers = {"Authorization": "Basic ' + base64.b64encode(b"k3yThatIsReal0000Z").decode() + '"}',
        # written in pieces, so this file itself holds no key-like token
        "export CODAT_API_KEY=" + "Zq7Lw2Pn9Xr4" + "Ts6Vb8Yc1Md3Kf5Hg0Jj",
        "api_key = '" + "Xk29fLq8Zr7TwP3m" + "N5vB1cD4eF6gH8jK0lM2nQ'",
        "token: sk_live_" + "Ab1" * 8,
    ],
)
def test_the_scan_finds_what_a_pasted_key_looks_like(line: str) -> None:
    assert findings(line), line


@pytest.mark.parametrize(
    "line",
    [
        "correlation_id = '72004dc1f559b87f8df732ca077f0b89'",  # hex: a digest, not a key
        "8a210b68-6988-11ed-a1eb-0242ac120002",
        "test_notebooks_against_a_served_sandbox__never_show_the_key",
        '"Authorization": "Basic " + base64.b64encode(key.encode()).decode()',
        "CODAT_API_KEY=$CODAT_API_KEY curl ...",
        "Basic " + base64.b64encode(b"fAkEkEy0123456789abcdefQWERTY").decode(),  # an allowed fake key's header
    ],
)
def test_the_scan_lets_ordinary_text_pass(line: str) -> None:
    assert findings(line) == [], line
