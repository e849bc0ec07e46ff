"""Does an attached trace fit the session it is attached to?

A trace of outbound calls attached to a session about inbound calls is most likely
the wrong file (or the wrong session). The engineer's own facts outrank a trace's,
so the engine would silently keep the session's direction: the mismatch is said
out loud instead, as a warning recorded with the trace.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from advisor.session.projection import SessionView

if TYPE_CHECKING:
    from advisor.evidence.analyze import TraceAnalysis

DIRECTION = "call_direction"
IN_WORDS = {
    "termination": "outbound (termination: PBX to carrier)",
    "origination": "inbound (origination: carrier to PBX)",
}


def session_direction(view: SessionView) -> str | None:
    """The call direction the session holds from its own facts (symptom, answers, probes), not from traces."""
    found = None
    for o in view.evidence():
        if o.id == DIRECTION and o.source.kind != "trace" and o.value in IN_WORDS:
            found = str(o.value)
    return found


def trace_direction(analysis: TraceAnalysis) -> tuple[str | None, int, int]:
    """The direction most of the trace's calls go, with (its count, calls with a known direction)."""
    counts = Counter(c.direction for c in analysis.calls if c.direction is not None)
    if not counts:
        for f in analysis.findings:
            if f.observation.id == DIRECTION and str(f.observation.value) in IN_WORDS:
                return str(f.observation.value), 1, 1
        return None, 0, 0
    direction, n = counts.most_common(1)[0]
    return direction, n, sum(counts.values())


def trace_contradictions(view: SessionView, analysis: TraceAnalysis) -> list[str]:
    """Warnings for facts of the trace that contradict the session (today: the call direction)."""
    ours = session_direction(view)
    theirs, n, total = trace_direction(analysis)
    if ours is None or theirs is None or theirs == ours:
        return []
    share = "its only call is" if total == 1 else f"{n} of its {total} calls are"
    return [f"The trace does not match this session: {share} {IN_WORDS[theirs]}, but the session is about "
            f"{IN_WORDS[ours]} calls. Check that this is the right capture; the session's own facts are kept."]
