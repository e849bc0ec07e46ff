"""Where the shipped knowledge base lives, installed or in a checkout."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def default_knowledge_dir() -> Path:
    """The wheel ships knowledge/ inside the package; a checkout has it at the top.

    Cached: where the package lives does not change while it runs, and redaction asks
    for every exported string (two `resolve()` calls each were ~80% of an export's CPU).
    """
    packaged = Path(__file__).resolve().parent.parent / "knowledge"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "knowledge"
