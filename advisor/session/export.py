"""Tickets and transcripts: a session as Markdown, HTML, plain text or JSON, always redacted.

`build_export(session)` gathers everything worth handing over into one
pydantic model: the raw record (context, the question path, notes, evidence
with its sources and the SIP lines it rests on, probes, every cause's
verdict) and a `Ticket` that reads top-down like a good escalation: a
one-paragraph summary, the fix as numbered steps (only for a confirmed
cause), the deciding evidence with the actual SIP lines, the guide section,
the path, what is still possible and how to tell, and the ruled-out causes
grouped with their reason in words. An in-progress session becomes "in
progress: what we know, what to check next", never a fix for a guess.

The JSON export is this model, lossless. Markdown, HTML and text are laid out
by one set of Jinja2 templates (`advisor/session/templates`) with escaping
for each format (see `ticket_render`). Redaction runs twice: on the model
(every string, every secret-named key) and on the final text.

For the TUI: `export_session(session, "markdown" | "html" | "text" | "json", redact_numbers=False) -> str`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from advisor import __version__
from advisor.context import TrunkContext
from advisor.engine.diagnosis import Reason
from advisor.session.excerpts import TraceExcerpt, excerpt_for
from advisor.session.redact import redact_data, redact_model, redact_text
from advisor.session.wording import (
    fact,
    mid,
    needs,
    obs_name,
    one_line,
    sentence,
    source_words,
    to_confirm,
    value_label,
)

if TYPE_CHECKING:
    from advisor.engine.diagnosis import CauseResult, Diagnosis
    from advisor.engine.observations import Observation
    from advisor.kb.loader import KnowledgeBase
    from advisor.session.core import Session

Format = Literal["markdown", "html", "text", "json"]
FORMATS: tuple[str, ...] = ("markdown", "html", "text", "json")
FORMAT_HELP: dict[str, str] = {
    "markdown": "a Markdown ticket: user and trace text escaped, SIP lines fenced, wrapped at 100 columns",
    "html": "one self-contained HTML page that prints well (no scripts, no remote loads)",
    "text": "plain text for ticket systems without Markdown, wrapped at 100 columns",
    "json": "every field of the export, lossless (the SessionExport model)",
}
ALIASES = {"md": "markdown", "htm": "html", "txt": "text", "plain": "text"}
SUFFIX = {"markdown": ".md", "html": ".html", "text": ".txt", "json": ".json"}
_SIP_START = re.compile(r"^(?:SIP/2\.0 \d{3}\b|[A-Z]+ \S+ SIP/2\.0\s*$)", re.M)
MAX_POSSIBLE = 8  # still-possible causes listed in a ticket; the JSON keeps them all

# ---- the export model ---------------------------------------------------------
class Step(BaseModel):
    """One answer on the question path, in order."""

    n: int
    at: datetime
    question_id: str | None
    question: str
    observation: str
    value: str | float
    label: str
    changed: bool = False
    previous: str | float | None = None
    previous_label: str | None = None


class Note(BaseModel):
    at: datetime
    text: str
    question: str | None = None


class CustomerText(BaseModel):
    at: datetime
    text: str
    facts: list[str] = Field(default_factory=list, description="observation=value pairs read from it")


class Evidence(BaseModel):
    observation: str
    value: str | float
    label: str
    kind: str = Field(description="answer, symptom, text, probe, trace, context")
    source: str = Field(description="the source label: trace:file#frame 12, probe:dns@time, answer:q.id ...")
    file: str | None = None
    frame: int | None = None
    line: int | None = None
    at: datetime | None = None
    note: str | None = None
    excerpt: TraceExcerpt | None = Field(None, description="the SIP message it was read from, trimmed")


class TraceInfo(BaseModel):
    at: datetime
    file: str
    format: str = ""
    calls: int = 0
    facts: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    excerpts: list[TraceExcerpt] = Field(default_factory=list)


class ProbeInfo(BaseModel):
    at: datetime
    probe: str
    target: str = ""
    ok: bool = True
    summary: str = ""
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    facts: list[str] = Field(default_factory=list)


class CauseInfo(BaseModel):
    id: str
    title: str
    status: str
    confidence: float
    because: list[str] = Field(default_factory=list)


class DiagnosisInfo(BaseModel):
    status: str = Field(description="confirmed, in_progress, undecided or no_candidates")
    summary: str
    cause: str | None = None
    title: str | None = None
    confidence: float = 0.0
    mechanism: str | None = None
    because: list[str] = Field(default_factory=list)
    fix: list[str] = Field(default_factory=list)
    next_question: str | None = None
    recorded: str | None = Field(default=None, description="the last DiagnosisReached, if it differs")


class Redaction(BaseModel):
    secrets: bool = True
    numbers: bool = False


class DecidingFact(BaseModel):
    """A fact that decides (or, in progress, informs) the verdict, with where it was seen."""

    observation: str
    value: str | float
    text: str = Field(description="the fact in words")
    source: str = Field(description="where it came from, in words")
    ref: str = Field(description="the source label (trace:file#frame 12, answer:q.id ...)")
    excerpt: TraceExcerpt | None = Field(None, description="the SIP lines it was read from")
    same_message_as: str | None = Field(None, description="the excerpt was shown for an earlier fact")


class PossibleCause(BaseModel):
    id: str
    title: str
    confidence: float
    how_to_tell: list[str] = Field(default_factory=list, description="what would confirm it, in words")


class RuledOutCause(BaseModel):
    id: str
    title: str
    needs: str = Field("", description="what the cause would need instead, in words")


class RuledOutGroup(BaseModel):
    """Causes ruled out by the same fact: the reason said once, in words."""

    reason: str
    causes: list[RuledOutCause]


class Ticket(BaseModel):
    """The escalation, top-down: what is wrong, what to change, which SIP lines prove it."""

    status: str = Field(description="confirmed, in_progress, undecided or no_candidates")
    headline: str
    summary: str = Field(description="one paragraph: status, cause, confidence, what was and was not checked")
    fix: list[str] = Field(default_factory=list, description="numbered steps; only for a confirmed cause")
    fix_for: str | None = None
    next_title: str = "In progress: what to check next"
    next_checks: list[str] = Field(default_factory=list, description="what to check next (not confirmed)")
    evidence_title: str
    deciding: list[DecidingFact] = Field(default_factory=list)
    guide: str | None = Field(None, description="the carrier guide's section for the cause")
    possible: list[PossibleCause] = Field(default_factory=list)
    possible_more: int = Field(0, description="further causes still possible, not listed")
    possible_more_max: float = Field(0.0, description="the highest confidence among those not listed")
    ruled_out: list[RuledOutGroup] = Field(default_factory=list)


class SessionExport(BaseModel):
    """Everything a ticket or transcript shows; the JSON export is this model."""

    export_version: Literal[2] = 2
    advisor_version: str = __version__
    exported: datetime
    session_id: str
    title: str = ""
    created: datetime
    duration_s: float = 0.0
    summary: str = Field(description="one line: who, what, verdict")
    ticket: Ticket
    context: TrunkContext
    family: str | None = None
    family_title: str | None = None
    symptom: str | None = None
    symptom_title: str | None = None
    path: list[Step] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    customer_text: list[CustomerText] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    traces: list[TraceInfo] = Field(default_factory=list)
    probes: list[ProbeInfo] = Field(default_factory=list)
    diagnosis: DiagnosisInfo
    still_possible: list[CauseInfo] = Field(default_factory=list)
    ruled_out: list[CauseInfo] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    redaction: Redaction = Field(default_factory=Redaction)


# ---- building ---------------------------------------------------------------------
def _label(kb: KnowledgeBase, obs_id: str, value: str | float | None) -> str:
    if value is None:
        return ""
    if value == "unknown":
        return "I don't know"
    return value_label(kb, obs_id, value)


def _question_text(kb: KnowledgeBase, qid: str | None, obs_id: str) -> tuple[str | None, str]:
    q = kb.questions.get(qid) if qid else None
    if q is None:
        q = kb.question_for.get(obs_id)
    if q is not None:
        return q.id, q.text
    return qid, obs_name(obs_id)


def _because(c: CauseResult, effects: tuple[str, ...]) -> list[str]:
    return [r.text + (f" [{r.source}]" if r.source else "") for r in c.because if r.effect in effects]


def _val(v: str | float | None) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return "" if v is None else str(v)


def _fmt_facts(observations: list[Observation]) -> list[str]:
    return [f"{o.id}={_val(o.value)}" for o in observations]


def _pct(x: float) -> str:
    return f"{round(x * 100)}%"


def duration_words(secs: float) -> str:
    seconds = round(secs)
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def build_export(session: Session, redact_numbers: bool = False) -> SessionExport:
    """The export model of a session (redacted: secrets always, phone numbers on request)."""
    kb = session.advisor.kb
    record = session.record
    d = session.diagnosis()
    ctx = session.context
    view = session.view()
    family, symptom = view.family, view.symptom
    path = [Step(n=n, at=a.at, question_id=qid, question=qtext, observation=a.observation.id,
                 value=a.observation.value, label=_label(kb, a.observation.id, a.observation.value),
                 changed=a.changed, previous=a.previous,
                 previous_label=_label(kb, a.observation.id, a.previous) if a.previous is not None else None)
            for n, a in enumerate(view.answers, 1)
            for qid, qtext in [_question_text(kb, a.question, a.observation.id)]]
    notes = [Note(at=ev.at, text=ev.text,
                  question=(_question_text(kb, ev.question, "")[1] or None) if ev.question else None)
             for ev in view.notes]
    texts = [CustomerText(at=ev.at, text=ev.text, facts=_fmt_facts(ev.observations)) for ev in view.customer_words]
    traces = [TraceInfo(at=ev.at, file=ev.file, format=ev.format, calls=ev.calls,
                        facts=_fmt_facts(ev.observations), warnings=list(ev.warnings), excerpts=list(ev.excerpts))
              for ev in view.traces]
    probes = [ProbeInfo(at=ev.at, probe=ev.probe, target=ev.target, ok=ev.ok, summary=ev.summary,
                        details=dict(ev.details), facts=_fmt_facts(ev.observations)) for ev in view.probes]
    recorded = view.conclusion
    excerpts = [x for ev in view.traces for x in ev.excerpts]

    def excerpt_of(o: Observation) -> TraceExcerpt | None:
        if o.source.kind != "trace":
            return None
        found = excerpt_for(excerpts, o.source.file, o.source.frame, o.source.line, o.id)
        if found is None and o.note and _SIP_START.match(o.note):  # sessions recorded before excerpts were kept
            found = TraceExcerpt(ref=o.source.label().removeprefix("trace:"), file=o.source.file or o.source.detail,
                                 frame=o.source.frame, line=o.source.line, lines=o.note.splitlines(), proves=[o.id])
        return found

    evidence = [Evidence(observation=o.id, value=o.value, label=_label(kb, o.id, o.value),
                         kind=o.source.kind, source=o.source.label(), file=o.source.file,
                         frame=o.source.frame, line=o.source.line, at=o.source.at, note=o.note,
                         excerpt=excerpt_of(o))
                for o in d.observations]
    by_id = {c.id: c for c in d.causes}
    top = by_id.get(d.conclusion.cause) if d.conclusion.cause else None
    cause_def = kb.causes.get(top.id) if top else None
    rec_line = None
    now_verdict = (d.conclusion.status, d.conclusion.cause)
    if recorded is not None and (recorded.status, recorded.cause) != now_verdict:
        rec_line = f"{recorded.status}: {recorded.cause or '-'} ({recorded.summary})"
    nq = d.next_question
    diagnosis = DiagnosisInfo(
        status=d.conclusion.status, summary=d.conclusion.summary, cause=top.id if top else None,
        title=top.title if top else None, confidence=top.confidence if top else 0.0,
        mechanism=cause_def.mechanism if cause_def else None,
        because=_because(top, ("meets_requirement", "supports", "weakens", "still_needed")) if top else [],
        fix=list(top.fix) if top else [], next_question=f"{nq.text} ({nq.observation})" if nq else None,
        recorded=rec_line)
    still = [CauseInfo(id=c.id, title=c.title, status=c.status, confidence=c.confidence,
                       because=_because(c, ("meets_requirement", "supports", "weakens", "still_needed")))
             for c in d.causes if c.status != "ruled_out" and (top is None or c.id != top.id)]
    gone = [CauseInfo(id=c.id, title=c.title, status=c.status, confidence=c.confidence,
                      because=_because(c, ("rules_out", "excludes")))
            for c in d.causes if c.status == "ruled_out"]

    fam_title = kb.families[family].title if family and family in kb.families else None
    sym_title = kb.symptoms[symptom].title if symptom and symptom in kb.symptoms else None
    duration = (view.last_at - view.first_at).total_seconds() if view.first_at and view.last_at else 0.0
    who = " / ".join(x for x in (ctx.customer, f"ticket {ctx.ticket}" if ctx.ticket else None) if x)
    what = sym_title or fam_title or "no symptom chosen"
    verdict = d.conclusion.summary
    if top is not None and d.conclusion.status == "confirmed":
        verdict = f"Confirmed: {top.title} ({_pct(top.confidence)})"
    counts = [f"{len(path)} answer(s)"] + ([f"{len(traces)} trace(s)"] if traces else []) \
        + ([f"{len(probes)} probe(s)"] if probes else []) + [duration_words(duration)]
    summary = f"{who + ': ' if who else ''}{what} -> {verdict}; {', '.join(counts)}."
    ticket = _ticket(kb, d, who, what, path, traces, probes, texts, excerpt_of)
    export = SessionExport(
        exported=datetime.now(UTC), session_id=record.id, title=record.title, created=record.created,
        duration_s=round(duration, 3), summary=summary, ticket=ticket, context=ctx, family=family,
        family_title=fam_title, symptom=symptom, symptom_title=sym_title, path=path, notes=notes,
        customer_text=texts, evidence=evidence, traces=traces, probes=probes, diagnosis=diagnosis,
        still_possible=still, ruled_out=gone,
        warnings=list(dict.fromkeys(d.warnings)), redaction=Redaction(secrets=True, numbers=redact_numbers))
    return redact_model(export, numbers=redact_numbers)


# ---- the ticket ------------------------------------------------------------------------------
def _ticket(kb: KnowledgeBase, d: Diagnosis, who: str, what: str, path: list[Step], traces: list[TraceInfo],
            probes: list[ProbeInfo], texts: list[CustomerText],
            excerpt_of: Callable[[Observation], TraceExcerpt | None]) -> Ticket:
    status = d.conclusion.status
    by_id = {c.id: c for c in d.causes}
    top = by_id.get(d.conclusion.cause) if d.conclusion.cause else None
    alive = [c for c in d.causes if c.status != "ruled_out"]
    confirmed = status == "confirmed" and top is not None
    known = {o.id: o for o in d.observations}

    # what was checked, and what was not
    answered = len({s.observation for s in path if s.value != "unknown"})
    checked = [_plural(answered, "answer")] if answered else []
    checked += [f"trace {t.file} ({_plural(t.calls, 'call')})" for t in traces]
    checked += [f"{p.probe} probe ({'ok' if p.ok else 'failed'})" for p in probes]
    if texts:
        checked.append("the customer's words")
    unknown = [obs_name(o.id) for o in d.observations if o.value == "unknown"]
    not_checked = list(unknown)
    leaders = [c for c in alive if alive and abs(c.confidence - alive[0].confidence) < 0.005]
    if top is not None and not confirmed and len(leaders) == 1:
        not_checked += [obs_name(r.observation) for r in top.because if r.effect == "still_needed"]
    not_checked = list(dict.fromkeys(not_checked))
    checked_text = f"Checked: {_listing(checked)}." if checked else "Nothing checked yet."
    not_text = f" Not checked: {_listing(not_checked)}." if not_checked else ""
    lead = f"{who}: {what}." if who else f"{what[:1].upper()}{what[1:]}."

    deciding: list[DecidingFact] = []
    fix: list[str] = []
    next_checks: list[str] = []
    guide = None
    reasons: list[Reason] = []
    next_title = "In progress: what to check next"
    if confirmed and top is not None:
        cause_def = kb.causes.get(top.id)
        guide = cause_def.guide if cause_def else None
        more = len([c for c in d.causes if c.status == "confirmed"]) - 1
        also = f" ({_plural(more, 'other cause')} also confirmed, listed below)" if more else ""
        headline = one_line(d.conclusion.summary) or f"Confirmed: {top.title}"
        summary = (f"{lead} Status: confirmed{also}. Cause: {top.title} ({top.id}), confidence "
                   f"{_pct(top.confidence)}. {checked_text}{not_text}")
        fix = [one_line(step) for step in top.fix]
        reasons = [r for r in top.because if r.effect in ("meets_requirement", "supports")]
        evidence_title = "Evidence that decides it"
    else:
        evidence_title = "What we know so far"
        lead_cause = alive[0] if alive else None
        tied = [c for c in alive if lead_cause and abs(c.confidence - lead_cause.confidence) < 0.005]
        if status == "no_candidates":
            headline = "Not decided: no known cause fits"
            summary = (f"{lead} Status: no known cause fits: every cause the advisor knows is ruled out by the "
                       f"facts below. The call may be healthy, or the problem is outside the knowledge base. "
                       f"{checked_text}{not_text}")
            next_checks.append("Check the facts below against a fresh trace of a failing call; a wrong answer "
                               "rules out the right cause.")
        elif status == "in_progress":
            headline = f"In progress: {_plural(len(alive), 'cause')} still possible"
            state = f"Status: in progress, not a diagnosis yet: {_plural(len(alive), 'cause')} still possible"
            if lead_cause is not None and len(tied) > 1:
                share = f"all {len(tied)}" if len(tied) == len(alive) else f"the top {len(tied)}"
                state += f"; {share} are tied at {_pct(lead_cause.confidence)}, so none is more likely yet"
            elif lead_cause is not None:
                state += f"; the most likely so far is {lead_cause.title} at {_pct(lead_cause.confidence)}"
            summary = f"{lead} {state}. {checked_text}{not_text}"
        elif status == "nothing_wrong":
            headline = "Nothing wrong found"
            next_title = "Nothing wrong found: what was not checked"
            summary = f"{lead} Status: {one_line(d.conclusion.summary).rstrip('.')}. {checked_text}"
            next_checks += [f"Not checked: {x}" for x in d.conclusion.not_checked]
        else:  # undecided, or a verdict this ticket has no special words for: the engine's own summary
            words = status.replace("_", " ")
            headline = f"{sentence(words)}: not a diagnosis"
            next_title = f"{sentence(words)}: what to check next"
            summary = f"{lead} Status: {words}: {mid(one_line(d.conclusion.summary))}. {checked_text}{not_text}"
        if d.next_question is not None:
            q = d.next_question
            options = "; ".join(o.label for o in q.options if o.value != "unknown")
            next_checks.append(f"{q.text} ({options})" if options else q.text)
            if q.help:
                next_checks.append(f"How: {one_line(q.help)}")
        single = lead_cause is not None and len(tied) == 1
        # in progress: the next question leads (and how to confirm a clear leader); otherwise the top three
        for c in (alive[:1] if single else []) if status == "in_progress" else alive[:3]:
            next_checks += [f"To confirm that {mid(c.title)}: {check}" for check in _how_to_tell(kb, c, known)]
    if not reasons:  # in progress: every fact known, not just the deciding ones
        facts = [o for o in d.observations if o.value != "unknown" and not o.source.detail.startswith("implied")]
        pseudo: list[tuple[str, str | float | None]] = [(o.id, o.value) for o in facts]
    else:
        pseudo = [(r.observation, r.value) for r in reasons]
    shown: dict[str, str] = {}
    rank = {"trace": 0, "probe": 1, "answer": 2, "text": 3, "context": 4, "symptom": 5}
    pseudo = sorted(dict.fromkeys(pseudo), key=lambda p: rank.get(known[p[0]].source.kind, 9) if p[0] in known else 9)
    for obs_id, value in pseudo:
        o = known.get(obs_id)
        if o is None or value is None:
            continue
        ex = excerpt_of(o)
        same = shown.get(ex.ref) if ex is not None else None
        if ex is not None and same is None:
            shown[ex.ref] = fact(kb, obs_id, value)
        deciding.append(DecidingFact(observation=obs_id, value=value, text=fact(kb, obs_id, value),
                                     source=source_words(o.source), ref=o.source.label(),
                                     excerpt=ex if same is None else None,
                                     same_message_as=ex.ref if same is not None and ex is not None else None))

    listed = [c for c in alive if not (confirmed and top is not None and c.id == top.id)]
    possible = [PossibleCause(id=c.id, title=c.title, confidence=c.confidence,
                              how_to_tell=[sentence(x) for x in _how_to_tell(kb, c, known)])
                for c in listed[:MAX_POSSIBLE]]
    return Ticket(status=status, headline=headline, summary=summary, fix=fix, next_title=next_title, fix_for=top.title if confirmed and top
                  else None, next_checks=next_checks, evidence_title=evidence_title, deciding=deciding, guide=guide,
                  possible=possible, possible_more=max(len(listed) - MAX_POSSIBLE, 0),
                  possible_more_max=max((c.confidence for c in listed[MAX_POSSIBLE:]), default=0.0),
                  ruled_out=_ruled_out_groups(kb, d))


def _how_to_tell(kb: KnowledgeBase, c: CauseResult, known: dict[str, Observation]) -> list[str]:
    """What would confirm a cause: the facts it still needs, and those answered "I don't know"."""
    out = [to_confirm(kb, c.id, r) for r in c.because if r.effect == "still_needed"]
    cause = kb.causes.get(c.id)
    if cause is not None:
        for alt in cause.requires:
            for obs_id in alt:
                o = known.get(obs_id)
                if o is not None and o.value == "unknown":
                    out.append(to_confirm(kb, c.id, Reason(observation=obs_id, value=None, effect="still_needed",
                                                           text="")) + " (it was answered \"I don't know\")")
    return list(dict.fromkeys(out))


def _ruled_out_groups(kb: KnowledgeBase, d: Diagnosis) -> list[RuledOutGroup]:
    """Ruled-out causes grouped by the fact that rules them out, each cause once."""
    known = {o.id: o for o in d.observations}
    groups: dict[tuple[str, str], RuledOutGroup] = {}
    for c in d.causes:
        if c.status != "ruled_out":
            continue
        decisive: list[Reason] = [r for r in c.because if r.effect in ("excludes", "rules_out")]
        if not decisive:
            key = ("", "")
            reason_text = "Ruled out by the facts as a whole"
            need = ""
        else:
            r = decisive[0]
            key = (r.observation, _val(r.value))
            o = known.get(r.observation)
            where = f" ({source_words(o.source)})" if o is not None else ""
            reason_text = f"{fact(kb, r.observation, r.value)}{where}"
            need = needs(kb, c.id, r)
        group = groups.setdefault(key, RuledOutGroup(reason=reason_text, causes=[]))
        group.causes.append(RuledOutCause(id=c.id, title=c.title, needs=need))
    return sorted(groups.values(), key=lambda g: -len(g.causes))


# ---- entry points -------------------------------------------------------------------------
def normalize_format(fmt: str) -> str:
    f = ALIASES.get(fmt.lower(), fmt.lower())
    if f not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use: {', '.join(FORMATS)})")
    return f


_C1 = re.compile("[\x7f-\x9f]")


def render(export: SessionExport, fmt: str) -> str:
    """Lay out an export model, then redact the final text once more."""
    from advisor.session.ticket_render import render_ticket

    f = normalize_format(fmt)
    numbers = export.redaction.numbers
    if f == "json":
        data = redact_data(json.loads(export.model_dump_json()), numbers)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # C1 controls escaped, as JSON allows
    return redact_text(render_ticket(export, f), numbers)


def export_session(session: Session, fmt: str, redact_numbers: bool = False) -> str:
    """The session as a ticket/transcript in "markdown", "html", "text" or "json" (secrets always masked)."""
    return render(build_export(session, redact_numbers), fmt)
