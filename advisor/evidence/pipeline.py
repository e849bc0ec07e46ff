"""Trace files -> calls -> sides -> findings, without the report models (and without pydantic).

`advisor.evidence.analyze` turns the result into the TraceAnalysis models;
`advisor.evidence.report_json` writes it as the same JSON directly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from advisor.evidence.calls import CallSet, build_calls
from advisor.evidence.extract import FindingsResult, derive_findings
from advisor.evidence.knowledge import TraceKnowledge
from advisor.evidence.load import LoadedTrace, load_trace_detailed
from advisor.evidence.sides import Sides, TraceContext, assign_sides

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase

__all__ = ["analyze_parts", "load_traces"]


def load_traces(paths: Sequence[str | os.PathLike[str]], max_text_bytes: int | None = None,
                carrier_captures: Sequence[str | os.PathLike[str]] = ()) -> list[LoadedTrace]:
    """Read every file (TraceError, one line, for unusable ones).  carrier_captures: files the
    carrier made (read too when not among paths); their capture point is "carrier", so nothing
    in them is taken as seen on the customer's side."""
    carrier = [os.fspath(p) for p in carrier_captures]
    names = [os.fspath(p) for p in paths]
    names += [c for c in carrier if c not in names]
    loaded = [load_trace_detailed(p, max_text_bytes=max_text_bytes) for p in names]
    for name, lt in zip(names, loaded, strict=True):
        if name in carrier:
            lt.captured_by = "carrier"
    return loaded


def analyze_parts(loaded: list[LoadedTrace], kb: KnowledgeBase | TraceKnowledge,
                  context: TraceContext | None = None) -> tuple[CallSet, Sides, FindingsResult]:
    """Calls, sides and findings of traces read together: what the report is made from."""
    cs = build_calls(loaded)
    sides = assign_sides(cs, kb, context)
    return cs, sides, derive_findings(cs, sides, kb)
