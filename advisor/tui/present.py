"""What the screens show, computed from the session and the diagnosis (no textual here).

The TUI only renders and forwards input: every fact comes from `Session`
(events, observations) and `Diagnosis` (verdicts, reasons, next question).
This module turns them into display strings and small records the widgets
lay out; nothing in it decides anything about the trunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.context import TrunkContext
from advisor.engine.diagnosis import CauseResult, Diagnosis, Reason
from advisor.engine.observations import Observation
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN, QuestionDef
from advisor.session.core import Session
from advisor.session.events import (
    ContextEntered,
    DiagnosisReached,
    ExportMade,
    FamilyChosen,
    NoteTyped,
    ProbeRun,
    TextReported,
    TraceAttached,
)
from advisor.session.projection import AnswerStep
from advisor.tui.fields import CONTEXT_FIELDS as CONTEXT_FIELDS  # their home is advisor.tui.fields
from advisor.tui.fields import parse_numbers as parse_numbers

DONT_KNOW = "I don't know"
CONCLUDED = ("confirmed", "undecided", "no_candidates", "nothing_wrong")


_QFOR: dict[int, dict[str, QuestionDef]] = {}


def question_for(kb: KnowledgeBase, observation: str) -> QuestionDef | None:
    cache = _QFOR.get(id(kb))
    if cache is None:
        cache = _QFOR[id(kb)] = kb.question_for
    return cache.get(observation)


def question_text(kb: KnowledgeBase, observation: str, question_id: str | None = None) -> str:
    q = kb.questions.get(question_id or "") or question_for(kb, observation)
    if q is not None:
        return q.text
    obs = kb.observations.get(observation)
    return obs.description if obs is not None else observation


def value_label(kb: KnowledgeBase, observation: str, value: str | float | None,
                question_id: str | None = None) -> str:
    """How an answer reads for a person: the question's label, "I don't know", or the number with its unit."""
    if value is None:
        return "not known"
    if value == UNKNOWN:
        return DONT_KNOW
    obs = kb.observations.get(observation)
    if obs is not None and obs.type == "number":
        try:
            number = f"{float(value):g}"
        except (TypeError, ValueError):
            number = str(value)
        return f"{number} {obs.unit}" if obs.unit else number
    q = kb.questions.get(question_id or "") or question_for(kb, observation)
    if q is not None:
        return q.labels.get(str(value), str(value))
    return str(value)


def answer_choices(kb: KnowledgeBase, observation: str) -> list[tuple[str, str]]:
    """Every (value, label) an observation accepts, for changing an earlier answer."""
    obs = kb.observations.get(observation)
    if obs is None or obs.type == "number":
        return []
    return [(v, value_label(kb, observation, v)) for v in obs.values]


def family_title(kb: KnowledgeBase, family: str) -> str:
    fam = kb.families.get(family)
    return fam.title if fam is not None else family


def symptom_title(kb: KnowledgeBase, symptom: str | None) -> str:
    if symptom is None:
        return ""
    sym = kb.symptoms.get(symptom)
    return sym.title if sym is not None else symptom


def symptoms_of(kb: KnowledgeBase, family: str) -> list[tuple[str, str]]:
    return [(s.id, s.title) for s in kb.symptoms.values() if s.family == family]


def context_lines(ctx: TrunkContext) -> list[str]:
    out = []
    for name, label in CONTEXT_FIELDS:
        value = getattr(ctx, name)
        if isinstance(value, list):
            value = ", ".join(value)
        if value:
            out.append(f"{label}: {value}")
    if ctx.cps_limit:
        out.append(f"CPS limit: {ctx.cps_limit:g}")
    return out


def context_badge(ctx: TrunkContext) -> str:
    """One short line for the header: customer and ticket when known."""
    parts = [p for p in (ctx.customer, ctx.ticket) if p]
    return " · ".join(parts)


def bar(confidence: float, width: int = 10) -> str:
    """A confidence bar in eighth blocks, always `width` cells."""
    eighths = round(max(0.0, min(1.0, confidence)) * width * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part else ""
    return ("█" * full + partial).ljust(width, " ")[:width]


def percent(confidence: float) -> str:
    return f"{round(confidence * 100):d}%"


EFFECT_MARK = {
    "meets_requirement": "✔",
    "supports": "+",
    "still_needed": "?",
    "weakens": "−",
    "rules_out": "✗",
    "excludes": "✗",
}

EFFECT_WORD = {
    "meets_requirement": "required, and holds",
    "supports": "fits",
    "still_needed": "still needed",
    "weakens": "makes it less likely",
    "rules_out": "rules it out",
    "excludes": "excludes it",
}


def why_ruled_out(cause: CauseResult) -> str:
    for r in cause.because:
        if r.effect in ("rules_out", "excludes"):
            return r.text
    return "ruled out"


def evidence(cause: CauseResult) -> list[Reason]:
    return [r for r in cause.because if r.effect != "still_needed"]


def still_needed(cause: CauseResult) -> list[Reason]:
    return [r for r in cause.because if r.effect == "still_needed"]


def source_label(reason: Reason) -> str:
    src = reason.source or ""
    if src.startswith("answer"):
        return "your answer"
    if src.startswith("symptom"):
        return "the chosen symptom"
    if src.startswith("trace:"):
        return f"from the trace ({src.removeprefix('trace:')})"
    if src.startswith("text:"):
        return f"the customer's words {src.removeprefix('text:')}"
    return src or "not known yet"


def reason_line(kb: KnowledgeBase, reason: Reason) -> str:
    if reason.effect == "still_needed":
        return f"{question_text(kb, reason.observation)} ({reason.text})"
    value = value_label(kb, reason.observation, reason.value)
    return f"{question_text(kb, reason.observation)} → {value}"


# ---- the conversation log --------------------------------------------------------


@dataclass(frozen=True)
class LogItem:
    """One line group of the conversation, derived from one session event."""

    index: int
    kind: str
    title: str
    body: str = ""
    lines: tuple[str, ...] = ()
    observation: str | None = None
    question: str | None = None
    superseded: bool = False


def log_items(session: Session) -> list[LogItem]:
    kb = session.advisor.kb
    view = session.view()
    answered = set(view.current)
    items: list[LogItem] = []
    for entry in view.timeline:
        match entry:
            case FamilyChosen():
                lines = tuple(f"{o.id} = {value_label(kb, o.id, o.value)}" for o in entry.observations)
                items.append(LogItem(len(items), "family", family_title(kb, entry.family),
                                     symptom_title(kb, entry.symptom), lines))
            case TextReported():
                lines = tuple(f"{o.id} = {value_label(kb, o.id, o.value)}" for o in entry.observations)
                items.append(LogItem(len(items), "text", "in their words", entry.text, lines))
            case ContextEntered():
                items.append(LogItem(len(items), "context", "Trunk context", "", tuple(context_lines(entry.context))))
            case AnswerStep():
                obs = entry.observation
                body = value_label(kb, obs.id, obs.value, entry.question)
                if entry.changed:
                    body = f"{body}  (changed from {value_label(kb, obs.id, entry.previous, entry.question)})"
                items.append(LogItem(len(items), "answer", question_text(kb, obs.id, entry.question), body,
                                     observation=obs.id, question=entry.question,
                                     superseded=view.superseded(entry)))
            case NoteTyped():
                items.append(LogItem(len(items), "note", "Note", entry.text))
            case TraceAttached():
                head = f"{entry.file}" + (f" ({entry.format})" if entry.format else "")
                body = f"{entry.calls} call(s), {len(entry.observations)} fact(s) found" \
                    if entry.calls or entry.observations else "no facts found"
                lines = tuple(_trace_fact(kb, o, o.id in answered) for o in entry.observations)
                lines += tuple(f"warning: {w}" for w in entry.warnings)
                items.append(LogItem(len(items), "trace", head, body, lines))
            case ProbeRun():
                items.append(LogItem(len(items), "probe", f"Probe {entry.probe}", entry.summary))
            case DiagnosisReached():
                items.append(LogItem(len(items), "diagnosis", "Diagnosis", entry.summary))
            case ExportMade():
                items.append(LogItem(len(items), "export", "Exported", f"{entry.format} to {entry.destination}"))
    return items


def _trace_fact(kb: KnowledgeBase, obs: Observation, overridden: bool) -> str:
    where = obs.source.label().removeprefix("trace:")
    text = f"{question_text(kb, obs.id)} → {value_label(kb, obs.id, obs.value)}  ({where})"
    return text + ("  (overridden by your answer)" if overridden else "")


def answerable_facts(session: Session) -> list[tuple[Observation, str | None]]:
    """Observations the engineer may (re)answer: own answers and facts from traces and probes, latest first."""
    seen: set[str] = set()
    out: list[tuple[Observation, str | None]] = []
    kb = session.advisor.kb
    for entry in reversed(session.view().timeline):
        if isinstance(entry, AnswerStep):
            if entry.observation.id not in seen:
                seen.add(entry.observation.id)
                out.append((entry.observation, entry.question))
        elif isinstance(entry, TraceAttached | TextReported | FamilyChosen | ProbeRun):
            for o in entry.observations:
                if o.id not in seen and o.id in kb.observations:
                    seen.add(o.id)
                    q = question_for(kb, o.id)
                    out.append((o, q.id if q else None))
    return out


def current_value(session: Session, observation: str) -> Observation | None:
    for o in reversed(session.observations()):
        if o.id == observation:
            return o
    return None


def answered_count(session: Session) -> int:
    return session.view().answered


# ---- the summary for a ticket or the clipboard ------------------------------------


@dataclass
class DiagnosisView:
    """The diagnosis screen's content."""

    status: str
    headline: str
    cause: CauseResult | None
    mechanism: str = ""
    guide: str = ""
    evidence: list[Reason] = field(default_factory=list)
    fix: list[str] = field(default_factory=list)
    still_possible: list[CauseResult] = field(default_factory=list)
    ruled_out: list[CauseResult] = field(default_factory=list)


def diagnosis_view(kb: KnowledgeBase, d: Diagnosis) -> DiagnosisView:
    top = next((c for c in d.causes if c.id == d.conclusion.cause), None)
    others = [c for c in d.causes if c.status != "ruled_out" and (top is None or c.id != top.id)]
    ruled = [c for c in d.causes if c.status == "ruled_out"]
    view = DiagnosisView(status=d.conclusion.status, headline=d.conclusion.summary, cause=top,
                         still_possible=others, ruled_out=ruled)
    if top is not None:
        cdef = kb.causes.get(top.id)
        view.mechanism = cdef.mechanism if cdef else ""
        view.guide = cdef.guide if cdef else ""
        view.evidence = evidence(top)
        view.fix = list(top.fix)
    return view


def summary_text(session: Session, d: Diagnosis) -> str:
    """Plain text for the clipboard or a ticket comment."""
    kb = session.advisor.kb
    view = diagnosis_view(kb, d)
    lines = [f"SIP Trunk Advisor - session {session.id}"]
    lines += context_lines(session.context)
    lines.append("")
    lines.append(view.headline)
    if view.cause is not None:
        lines.append(f"Cause: {view.cause.title} [{view.cause.id}] ({view.cause.status}, "
                     f"{percent(view.cause.confidence)})")
        if view.mechanism:
            lines.append(f"Why it happens: {view.mechanism.strip()}")
        if view.evidence:
            lines.append("Evidence:")
            for r in view.evidence:
                lines.append(f"  - {reason_line(kb, r)} ({EFFECT_WORD.get(r.effect, r.effect)}; {source_label(r)})")
        if view.fix:
            lines.append("Fix:")
            for n, step in enumerate(view.fix, 1):
                lines.append(f"  {n}. {step.strip()}")
    if view.still_possible:
        lines.append("Still possible: " + "; ".join(f"{c.title} ({percent(c.confidence)})"
                                                    for c in view.still_possible[:5]))
    if view.ruled_out:
        lines.append(f"Ruled out: {len(view.ruled_out)} cause(s)")
    answers = session.view().answers
    if answers:
        lines.append("Answers:")
        for a in answers:
            o = a.observation
            lines.append(f"  - {question_text(kb, o.id, a.question)} {value_label(kb, o.id, o.value, a.question)}")
    return "\n".join(lines) + "\n"
