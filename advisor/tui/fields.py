"""The trunk-context fields the forms show, and how the numbers field is read.

Kept apart from `present` (which needs the engine) so the start screen can draw its
form before the knowledge base and the engine are loaded.
"""

from __future__ import annotations

CONTEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("customer", "Customer / account"),
    ("ticket", "Ticket reference"),
    ("termination_uri", "Termination URI"),
    ("origination_uri", "Origination URI"),
    ("pbx_public_address", "PBX public address"),
    ("numbers", "Numbers involved"),
)


def parse_numbers(text: str) -> list[str]:
    return [n for n in text.replace(",", " ").replace(";", " ").split() if n]
