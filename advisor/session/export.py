"""Tickets and transcripts: a session as Markdown, HTML or JSON, always redacted.

`build_export(session)` gathers everything worth handing over (context,
symptom, the question path, notes, evidence with its sources, probes, the
diagnosis with its fix, what is still possible and what was ruled out and
why) into one pydantic model; the renderers only lay it out. Redaction runs
twice: on the model (every string, every secret-named key) and on the final
text, so no format can leak a credential.

For the TUI: `export_session(session, "markdown" | "html" | "json", redact_numbers=False) -> str`.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from advisor import __version__
from advisor.context import TrunkContext
from advisor.session.redact import redact_data, redact_model, redact_text

if TYPE_CHECKING:
    from advisor.engine.diagnosis import CauseResult
    from advisor.engine.observations import Observation
    from advisor.kb.loader import KnowledgeBase
    from advisor.session.core import Session

Format = Literal["markdown", "html", "json"]
FORMATS: tuple[str, ...] = ("markdown", "html", "json")
ALIASES = {"md": "markdown", "htm": "html"}
SUFFIX = {"markdown": ".md", "html": ".html", "json": ".json"}


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


class TraceInfo(BaseModel):
    at: datetime
    file: str
    format: str = ""
    calls: int = 0
    facts: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


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


class SessionExport(BaseModel):
    """Everything a ticket or transcript shows; the JSON export is this model."""

    export_version: Literal[1] = 1
    advisor_version: str = __version__
    exported: datetime
    session_id: str
    title: str = ""
    created: datetime
    duration_s: float = 0.0
    summary: str = Field(description="one line: who, what, verdict")
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
    q = kb.question_for.get(obs_id)
    text = q.labels.get(str(value)) if q else None
    if text:
        return text
    obs = kb.observations.get(obs_id)
    if isinstance(value, float):
        shown = f"{value:g}"
        return f"{shown} {obs.unit}" if obs is not None and obs.unit else shown
    return str(value)


def _question_text(kb: KnowledgeBase, qid: str | None, obs_id: str) -> tuple[str | None, str]:
    q = kb.questions.get(qid) if qid else None
    if q is None:
        q = kb.question_for.get(obs_id)
    if q is not None:
        return q.id, q.text
    return qid, obs_id


def _because(c: CauseResult, effects: tuple[str, ...]) -> list[str]:
    return [r.text + (f" [{r.source}]" if r.source else "") for r in c.because if r.effect in effects]


def _fmt_facts(observations: list[Observation]) -> list[str]:
    return [f"{o.id}={_val(o.value)}" for o in observations]


def _duration(secs: float) -> str:
    seconds = round(secs)
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"


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
                        facts=_fmt_facts(ev.observations), warnings=list(ev.warnings)) for ev in view.traces]
    probes = [ProbeInfo(at=ev.at, probe=ev.probe, target=ev.target, ok=ev.ok, summary=ev.summary,
                        details=dict(ev.details), facts=_fmt_facts(ev.observations)) for ev in view.probes]
    recorded = view.conclusion

    evidence = [Evidence(observation=o.id, value=o.value, label=_label(kb, o.id, o.value),
                         kind=o.source.kind, source=o.source.label(), file=o.source.file,
                         frame=o.source.frame, line=o.source.line, at=o.source.at, note=o.note)
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
        + ([f"{len(probes)} probe(s)"] if probes else []) + [_duration(duration)]
    summary = f"{who + ': ' if who else ''}{what} -> {verdict}; {', '.join(counts)}."
    export = SessionExport(
        exported=datetime.now(UTC), session_id=record.id, title=record.title, created=record.created,
        duration_s=round(duration, 3), summary=summary, context=ctx, family=family, family_title=fam_title,
        symptom=symptom, symptom_title=sym_title, path=path, notes=notes, customer_text=texts,
        evidence=evidence, traces=traces, probes=probes, diagnosis=diagnosis, still_possible=still,
        ruled_out=gone,
        warnings=session.warnings(), redaction=Redaction(secrets=True, numbers=redact_numbers))
    return redact_model(export, numbers=redact_numbers)


# ---- rendering: Markdown ------------------------------------------------------------
def _t(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _hm(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%H:%M:%S")


def _pct(x: float) -> str:
    return f"{round(x * 100)}%"


def _cell(text: object) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    s = " ".join(str(text if text is not None else "").split())
    return s.replace("\\", "\\\\").replace("|", "\\|") or " "


def _val(v: str | float | None) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return "" if v is None else str(v)


def _context_rows(ctx: TrunkContext) -> list[tuple[str, str]]:
    rows = [("Customer", ctx.customer), ("Ticket", ctx.ticket), ("Termination URI", ctx.termination_uri),
            ("Origination URI", ctx.origination_uri), ("PBX public address", ctx.pbx_public_address),
            ("Numbers", ", ".join(ctx.numbers) if ctx.numbers else None),
            ("CPS limit", f"{ctx.cps_limit:g}" if ctx.cps_limit is not None else None)]
    return [(k, v) for k, v in rows if v]


def _sip_snippets(e: SessionExport) -> list[tuple[str, str]]:
    """(where, text) of trace evidence that quotes SIP lines."""
    return [(ev.source, ev.note) for ev in e.evidence if ev.kind == "trace" and ev.note]


def _heading(e: SessionExport) -> str:
    who = " - ".join(x for x in (e.context.customer, e.context.ticket) if x)
    return e.title or who or "SIP trunk session"


def render_markdown(e: SessionExport) -> str:
    out: list[str] = []
    add = out.append
    heading = _heading(e)
    add(f"# {heading} (session {e.session_id})")
    add("")
    add(f"**Summary:** {e.summary}")
    add("")
    add(f"Started {_t(e.created)}, lasted {_duration(e.duration_s)}; exported {_t(e.exported)} "
        f"by SIP Trunk Advisor {e.advisor_version}.")
    add("")
    add("## Trunk context")
    add("")
    rows = _context_rows(e.context)
    if rows:
        add("| Field | Value |")
        add("| --- | --- |")
        out.extend(f"| {k} | {_cell(v)} |" for k, v in rows)
    else:
        add("No trunk context entered.")
    add("")
    add("## Symptom")
    add("")
    if e.family or e.symptom:
        if e.family:
            add(f"- Problem family: {e.family_title or e.family} (`{e.family}`)")
        if e.symptom:
            add(f"- Symptom: {e.symptom_title or e.symptom} (`{e.symptom}`)")
    else:
        add("No symptom chosen.")
    add("")
    add("## Questions and answers")
    add("")
    if e.path:
        for s in e.path:
            answer = f"{s.label} (`{s.observation} = {_val(s.value)}`)"
            if s.changed:
                answer = f"changed to {answer}, was {s.previous_label or _val(s.previous)}"
            add(f"{s.n}. {s.question} **{answer}** ({_hm(s.at)})")
    else:
        add("No questions answered.")
    add("")
    if e.notes:
        add("## Notes")
        add("")
        for n in e.notes:
            where = f" (on: {n.question})" if n.question else ""
            lines = n.text.splitlines() or [""]
            add(f"- {_hm(n.at)}{where}: {lines[0]}")
            out.extend(f"  {line}" for line in lines[1:])
        add("")
    if e.customer_text:
        add("## Customer's words")
        add("")
        for ct in e.customer_text:
            facts = f" (read as: {', '.join(ct.facts)})" if ct.facts else ""
            add(f"- {_hm(ct.at)}: \"{' '.join(ct.text.split())}\"{facts}")
        add("")
    add("## Evidence")
    add("")
    if e.evidence:
        add("| Fact | Value | Source | Observed |")
        add("| --- | --- | --- | --- |")
        for ev in e.evidence:
            add(f"| `{ev.observation}` | {_cell(ev.label)} | {_cell(ev.source)} | {_cell(_t(ev.at))} |")
        snippets = _sip_snippets(e)
        if snippets:
            add("")
            add("SIP lines quoted as evidence:")
            for where, text in snippets:
                add("")
                add(f"{where}:")
                add("")
                add("```")
                out.extend(text.replace("```", "'''").splitlines())
                add("```")
    else:
        add("No facts yet.")
    add("")
    if e.traces:
        add("## Traces")
        add("")
        add("| File | Format | Calls | Facts found | Attached |")
        add("| --- | --- | --- | --- | --- |")
        for tr in e.traces:
            add(f"| {_cell(tr.file)} | {_cell(tr.format)} | {tr.calls} | {_cell(', '.join(tr.facts))} "
                f"| {_t(tr.at)} |")
        warnings = [w for tr in e.traces for w in tr.warnings]
        for w in warnings:
            add(f"- warning: {' '.join(w.split())}")
        add("")
    if e.probes:
        add("## Probe results")
        add("")
        add("| Probe | Target | Result | Summary | Facts | Run at |")
        add("| --- | --- | --- | --- | --- | --- |")
        for p in e.probes:
            add(f"| {_cell(p.probe)} | {_cell(p.target)} | {'ok' if p.ok else 'FAILED'} | {_cell(p.summary)} "
                f"| {_cell(', '.join(p.facts))} | {_t(p.at)} |")
        details = [(p, k, v) for p in e.probes for k, v in p.details.items()]
        if details:
            add("")
            add("```")
            out.extend(f"{p.probe} {k}: {v}" for p, k, v in details)
            add("```")
        add("")
    dg = e.diagnosis
    add("## Diagnosis")
    add("")
    add(f"**{dg.summary}**")
    add("")
    if dg.cause:
        add(f"- Cause: `{dg.cause}` ({dg.title})")
        add(f"- Status: {dg.status}, confidence {_pct(dg.confidence)}")
        if dg.mechanism:
            add(f"- Why it happens: {' '.join(dg.mechanism.split())}")
        if dg.because:
            add("- Because:")
            out.extend(f"  - {b}" for b in dg.because)
    if dg.recorded:
        add(f"- Recorded during the session: {dg.recorded}")
    if dg.next_question:
        add(f"- Next question to settle it: {dg.next_question}")
    add("")
    if dg.fix:
        add("## Fix" if dg.status == "confirmed" else "## Fix (if the most likely cause is confirmed)")
        add("")
        out.extend(f"{i}. {' '.join(step.split())}" for i, step in enumerate(dg.fix, 1))
        add("")
    add("## Causes still possible")
    add("")
    if e.still_possible:
        add("| Cause | Confidence | Because |")
        add("| --- | --- | --- |")
        for c in e.still_possible:
            add(f"| `{c.id}` {_cell(c.title)} | {_pct(c.confidence)} | {_cell('; '.join(c.because))} |")
    else:
        add("None.")
    add("")
    add("## Causes ruled out")
    add("")
    if e.ruled_out:
        add("| Cause | Why |")
        add("| --- | --- |")
        for c in e.ruled_out:
            add(f"| `{c.id}` {_cell(c.title)} | {_cell('; '.join(c.because))} |")
    else:
        add("None.")
    add("")
    if e.warnings:
        add("## Warnings")
        add("")
        out.extend(f"- {' '.join(w.split())}" for w in e.warnings)
        add("")
    red = "secrets masked" + (", phone numbers masked" if e.redaction.numbers else "")
    add(f"_Redacted: {red}._")
    return "\n".join(out) + "\n"


# ---- rendering: HTML --------------------------------------------------------------------
_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2330;
 margin:0;background:#f4f6f9}
main{max-width:980px;margin:24px auto;background:#fff;padding:28px 36px;border:1px solid #dde2ea;
 border-radius:6px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:16px;margin:26px 0 8px;padding-bottom:4px;border-bottom:2px solid #e4e8ef;color:#24406b}
.summary{font-size:15px;background:#eef4ff;border-left:4px solid #3a6fd8;padding:10px 14px;margin:12px 0}
.meta{color:#5b6577;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0;font-size:13px}
th,td{border:1px solid #dde2ea;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f1f4f8;font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #e1e5eb;padding:8px 10px;overflow-x:auto;white-space:pre-wrap;
 word-break:break-all}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.confirmed{background:#dff5e3;color:#17692c}.in_progress,.undecided{background:#fff4d6;color:#7a5800}
.no_candidates,.ruled_out,.failed{background:#fde2e1;color:#9b1c1c}.candidate{background:#e8eefb;color:#2a4b8d}
.changed{color:#9b5c00;font-weight:600}
ol.path li{margin:3px 0}
.muted{color:#6b7385}
@media print{
 body{background:#fff;font-size:11pt}
 main{border:none;margin:0;padding:0;max-width:none}
 h2{page-break-after:avoid}
 table,pre,tr{page-break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
"""


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def render_html(e: SessionExport) -> str:
    out: list[str] = []
    add = out.append
    heading = _heading(e)
    add("<!DOCTYPE html>")
    add('<html lang="en"><head><meta charset="utf-8">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>{_e(heading)} - session {_e(e.session_id)}</title>")
    add(f"<style>{_CSS}</style></head><body><main>")
    add(f"<h1>{_e(heading)}</h1>")
    add(f'<div class="meta">Session <code>{_e(e.session_id)}</code> · started {_e(_t(e.created))} · lasted '
        f"{_e(_duration(e.duration_s))} · exported {_e(_t(e.exported))} by SIP Trunk Advisor "
        f"{_e(e.advisor_version)}</div>")
    add(f'<p class="summary">{_e(e.summary)}</p>')

    add("<h2>Trunk context</h2>")
    rows = _context_rows(e.context)
    if rows:
        add("<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows) + "</table>")
    else:
        add('<p class="muted">No trunk context entered.</p>')

    add("<h2>Symptom</h2><ul>")
    if e.family:
        add(f"<li>Problem family: {_e(e.family_title or e.family)} <code>{_e(e.family)}</code></li>")
    if e.symptom:
        add(f"<li>Symptom: {_e(e.symptom_title or e.symptom)} <code>{_e(e.symptom)}</code></li>")
    if not (e.family or e.symptom):
        add('<li class="muted">No symptom chosen.</li>')
    add("</ul>")

    add("<h2>Questions and answers</h2>")
    if e.path:
        add('<ol class="path">')
        for s in e.path:
            ans = f"<strong>{_e(s.label)}</strong> <code>{_e(s.observation)} = {_e(_val(s.value))}</code>"
            if s.changed:
                ans = (f'<span class="changed">changed to</span> {ans}, was '
                       f"{_e(s.previous_label or _val(s.previous))}")
            add(f'<li>{_e(s.question)} {ans} <span class="muted">{_e(_hm(s.at))}</span></li>')
        add("</ol>")
    else:
        add('<p class="muted">No questions answered.</p>')

    if e.notes:
        add("<h2>Notes</h2><ul>")
        for n in e.notes:
            where = f" (on: {_e(n.question)})" if n.question else ""
            add(f'<li><span class="muted">{_e(_hm(n.at))}</span>{where}: {_e(n.text)}</li>')
        add("</ul>")
    if e.customer_text:
        add("<h2>Customer's words</h2><ul>")
        for ct in e.customer_text:
            facts = f' <span class="muted">(read as: {_e(", ".join(ct.facts))})</span>' if ct.facts else ""
            add(f'<li><span class="muted">{_e(_hm(ct.at))}</span>: &ldquo;{_e(ct.text)}&rdquo;{facts}</li>')
        add("</ul>")

    add("<h2>Evidence</h2>")
    if e.evidence:
        add("<table><tr><th>Fact</th><th>Value</th><th>Source</th><th>Observed</th></tr>")
        for ev in e.evidence:
            add(f"<tr><td><code>{_e(ev.observation)}</code></td><td>{_e(ev.label)}</td>"
                f"<td>{_e(ev.source)}</td><td>{_e(_t(ev.at))}</td></tr>")
        add("</table>")
        for where, text in _sip_snippets(e):
            add(f'<div class="muted">{_e(where)}</div><pre>{_e(text)}</pre>')
    else:
        add('<p class="muted">No facts yet.</p>')

    if e.traces:
        add("<h2>Traces</h2><table><tr><th>File</th><th>Format</th><th>Calls</th><th>Facts found</th>"
            "<th>Attached</th></tr>")
        for tr in e.traces:
            add(f"<tr><td>{_e(tr.file)}</td><td>{_e(tr.format)}</td><td>{tr.calls}</td>"
                f"<td>{_e(', '.join(tr.facts))}</td><td>{_e(_t(tr.at))}</td></tr>")
        add("</table>")
        warnings = [w for tr in e.traces for w in tr.warnings]
        if warnings:
            add("<ul>" + "".join(f"<li>warning: {_e(w)}</li>" for w in warnings) + "</ul>")
    if e.probes:
        add("<h2>Probe results</h2><table><tr><th>Probe</th><th>Target</th><th>Result</th><th>Summary</th>"
            "<th>Facts</th><th>Run at</th></tr>")
        for p in e.probes:
            res = ('<span class="status confirmed">ok</span>' if p.ok
                   else '<span class="status failed">FAILED</span>')
            add(f"<tr><td>{_e(p.probe)}</td><td>{_e(p.target)}</td><td>{res}</td><td>{_e(p.summary)}</td>"
                f"<td>{_e(', '.join(p.facts))}</td><td>{_e(_t(p.at))}</td></tr>")
        add("</table>")
        details = [f"{p.probe} {k}: {v}" for p in e.probes for k, v in p.details.items()]
        if details:
            add(f"<pre>{_e(chr(10).join(details))}</pre>")

    dg = e.diagnosis
    add("<h2>Diagnosis</h2>")
    add(f'<p><span class="status {_e(dg.status)}">{_e(dg.status)}</span> '
        f"<strong>{_e(dg.summary)}</strong></p>")
    if dg.cause:
        add("<ul>")
        add(f"<li>Cause: <code>{_e(dg.cause)}</code> {_e(dg.title)}</li>")
        add(f"<li>Confidence: {_e(_pct(dg.confidence))}</li>")
        if dg.mechanism:
            add(f"<li>Why it happens: {_e(dg.mechanism)}</li>")
        if dg.because:
            add("<li>Because:<ul>" + "".join(f"<li>{_e(b)}</li>" for b in dg.because) + "</ul></li>")
        add("</ul>")
    if dg.recorded:
        add(f"<p>Recorded during the session: {_e(dg.recorded)}</p>")
    if dg.next_question:
        add(f"<p>Next question to settle it: {_e(dg.next_question)}</p>")
    if dg.fix:
        add("<h2>Fix</h2>" if dg.status == "confirmed"
            else "<h2>Fix (if the most likely cause is confirmed)</h2>")
        add("<ol>" + "".join(f"<li>{_e(step)}</li>" for step in dg.fix) + "</ol>")

    add("<h2>Causes still possible</h2>")
    if e.still_possible:
        add("<table><tr><th>Cause</th><th>Confidence</th><th>Because</th></tr>")
        for c in e.still_possible:
            add(f"<tr><td><code>{_e(c.id)}</code><br>{_e(c.title)}</td><td>{_e(_pct(c.confidence))}</td>"
                f"<td>{'<br>'.join(_e(b) for b in c.because)}</td></tr>")
        add("</table>")
    else:
        add('<p class="muted">None.</p>')
    add("<h2>Causes ruled out</h2>")
    if e.ruled_out:
        add("<table><tr><th>Cause</th><th>Why</th></tr>")
        for c in e.ruled_out:
            add(f"<tr><td><code>{_e(c.id)}</code><br>{_e(c.title)}</td>"
                f"<td>{'<br>'.join(_e(b) for b in c.because)}</td></tr>")
        add("</table>")
    else:
        add('<p class="muted">None.</p>')
    if e.warnings:
        add("<h2>Warnings</h2><ul>" + "".join(f"<li>{_e(w)}</li>" for w in e.warnings) + "</ul>")
    red = "secrets masked" + (", phone numbers masked" if e.redaction.numbers else "")
    add(f'<p class="meta">Redacted: {_e(red)}.</p>')
    add("</main></body></html>")
    return "\n".join(out) + "\n"


# ---- entry points -------------------------------------------------------------------------
def normalize_format(fmt: str) -> str:
    f = ALIASES.get(fmt.lower(), fmt.lower())
    if f not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use: {', '.join(FORMATS)})")
    return f


def render(export: SessionExport, fmt: str) -> str:
    """Lay out an export model, then redact the final text once more."""
    f = normalize_format(fmt)
    numbers = export.redaction.numbers
    if f == "json":
        data = redact_data(json.loads(export.model_dump_json()), numbers)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text = render_markdown(export) if f == "markdown" else render_html(export)
    return redact_text(text, numbers)


def export_session(session: Session, fmt: str, redact_numbers: bool = False) -> str:
    """The session as a ticket/transcript in "markdown", "html" or "json" (secrets always masked)."""
    return render(build_export(session, redact_numbers), fmt)
