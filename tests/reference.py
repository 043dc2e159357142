"""Where Codat's reference files (its published OpenAPI specs, github.com/codatio/oas) are, when
this machine has them.

They live outside the project: in the folder named by ``CODAT_NB_REFERENCE_DIR``, or
``shared/reference/openapi`` beside the checkout on the team's machines; tests that need them
skip, saying why, when they are absent.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEARCH = [
    *([Path(os.environ["CODAT_NB_REFERENCE_DIR"])] if os.environ.get("CODAT_NB_REFERENCE_DIR") else []),
    ROOT.parent / "shared" / "reference" / "openapi",
    Path("/work/shared/reference/openapi"),
]


def reference_file(name: str) -> Path:
    """The first existing copy of ``name``, or the first place looked (which does not exist)."""
    for folder in SEARCH:
        if (folder / name).is_file():
            return folder / name
    return SEARCH[0] / name
