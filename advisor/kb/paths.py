"""Where the shipped knowledge base lives, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path


def default_knowledge_dir() -> Path:
    """The wheel ships knowledge/ inside the package; a checkout has it at the top."""
    packaged = Path(__file__).resolve().parent.parent / "knowledge"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "knowledge"
