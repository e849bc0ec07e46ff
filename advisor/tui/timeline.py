"""The calls of a trace on one time axis (no textual here).

A ladder shows one call from its own 0.000 s, so a burst of calls (the CPS case:
dozens of INVITEs within a second, the later ones refused with 503) cannot be
seen there. The timeline places every call at its start time relative to the
first call of its file, and reports the busiest one-second window.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.evidence.analyze import CallView, TraceAnalysis


@dataclass(frozen=True)
class CallSpan:
    """One call on the axis: `number` is its position in the ladder's list of calls."""

    number: int
    call_id: str
    file: str
    start: float | None
    """Seconds since the first call of the same file (None: the trace has no times)."""
    end: float | None
    outcome: str
    summary: str


def _times(call: CallView) -> tuple[str, float | None, float | None]:
    shown = [m for m in call.messages if m.view_of is None]
    file = shown[0].file if shown else ""
    ts = [m.ts for m in shown if m.ts is not None and m.file == file]
    return file, (min(ts) if ts else None), (max(ts) if ts else None)


def spans(calls: list[CallView]) -> list[CallSpan]:
    """Every call with its start and end relative to the first call of its file."""
    raw = [(n, c, *_times(c)) for n, c in enumerate(calls)]
    origin: dict[str, float] = {}
    for _, _, file, start, _ in raw:
        if start is not None:
            origin[file] = min(origin.get(file, start), start)
    out = []
    for n, call, file, start, end in raw:
        base = origin.get(file)
        out.append(CallSpan(n, call.call_id, file,
                            round(start - base, 6) if start is not None and base is not None else None,
                            round(end - base, 6) if end is not None and base is not None else None,
                            call.outcome or "", call.summary))
    return sorted(out, key=lambda s: (s.file, s.start if s.start is not None else float("inf"), s.number))


def calls_of(analyses: list[TraceAnalysis]) -> list[CallView]:
    return [call for a in analyses for call in a.calls]


@dataclass(frozen=True)
class Peak:
    calls: int
    at: float
    """Start of the busiest one-second window (seconds on the axis)."""


def peak_rate(spans_: list[CallSpan], window: float = 1.0) -> Peak | None:
    """The most calls started within `window` seconds of each other (per file), or None without times."""
    best: Peak | None = None
    by_file: dict[str, list[float]] = {}
    for s in spans_:
        if s.start is not None:
            by_file.setdefault(s.file, []).append(s.start)
    for starts in by_file.values():
        starts.sort()
        for i, t in enumerate(starts):
            n = bisect_right(starts, t + window - 1e-9) - i
            if best is None or n > best.calls:
                best = Peak(n, t)
    return best


def axis(spans_: list[CallSpan]) -> float:
    """The axis length in seconds (at least 1 s)."""
    ends = [s.end if s.end is not None else s.start for s in spans_ if s.start is not None]
    return max([1.0, *(e for e in ends if e is not None)])


def bar(span: CallSpan, length: float, width: int) -> str:
    """Where the call sits on an axis of `width` cells: '·' before, '█' while it lasts, at least one cell."""
    if span.start is None or width <= 0:
        return " " * width
    a = min(width - 1, int(span.start / length * width))
    b = max(a + 1, min(width, round((span.end if span.end is not None else span.start) / length * width)))
    return "·" * a + "█" * (b - a) + " " * (width - b)
