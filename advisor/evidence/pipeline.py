"""Trace files -> calls -> sides -> findings, without the report models (and without pydantic).

`advisor.evidence.analyze` turns the result into the TraceAnalysis models;
`advisor.evidence.report_json` writes it as the same JSON directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.evidence.calls import CallSet, build_calls
from advisor.evidence.extract import FindingsResult, derive_findings
from advisor.evidence.knowledge import TraceKnowledge
from advisor.evidence.load import LoadedTrace
from advisor.evidence.sides import Sides, TraceContext, assign_sides

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase

__all__ = ["analyze_parts"]


def analyze_parts(loaded: list[LoadedTrace], kb: KnowledgeBase | TraceKnowledge,
                  context: TraceContext | None = None) -> tuple[CallSet, Sides, FindingsResult]:
    """Calls, sides and findings of traces read together: what the report is made from."""
    cs = build_calls(loaded)
    sides = assign_sides(cs, kb, context)
    return cs, sides, derive_findings(cs, sides, kb)
