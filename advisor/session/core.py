"""A troubleshooting session: events in, observations and a diagnosis out.

The CLI, the TUI and replay all drive this one class. Observations are
derived from the events every time (never stored twice), ordered so the
engineer's own answers beat probes, probes beat traces and traces beat free
text; within a kind the latest wins. So changing an earlier answer yields
exactly the diagnosis of a fresh run with the new answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor, Diagnosis
from advisor.engine.observations import Observation, Source
from advisor.session.events import (
    AnswerChanged,
    AnswerGiven,
    ContextEntered,
    DiagnosisReached,
    Event,
    ExportMade,
    FamilyChosen,
    NoteTyped,
    ProbeRun,
    QuestionShown,
    SessionRecord,
    TextReported,
    TraceAttached,
)
from advisor.session.excerpts import TraceExcerpt, excerpts_from_analysis
from advisor.session.projection import SessionView

if TYPE_CHECKING:
    from advisor.evidence.analyze import TraceAnalysis

_DIRECTION = {"termination": "an outbound (termination)", "origination": "an inbound (origination)"}

Listener = Callable[[SessionRecord, Event], None]


class Session:
    """A session record plus the advisor that reasons over it.

    Its `view()` is the typed projection of the events, kept up to date one event at a
    time; its diagnosis is cached until the facts change (a note or a shown question
    does not re-run the engine). The bookkeeping events (`QuestionShown`,
    `DiagnosisReached`) are guarded here, so no UI records the same one twice.
    """

    def __init__(self, advisor: Advisor, record: SessionRecord | None = None,
                 listeners: Iterable[Listener] = ()) -> None:
        self.advisor = advisor
        self.record = record or SessionRecord()
        self.listeners = list(listeners)
        self._view: SessionView | None = None
        self._view_of: list[Event] | None = None
        self._cache: tuple[SessionView, int, Diagnosis] | None = None

    # ---- derived state -------------------------------------------------
    @property
    def id(self) -> str:
        return self.record.id

    def view(self) -> SessionView:
        """The projection of the events so far (advanced incrementally; rebuilt if the log was replaced)."""
        events = self.record.events
        v = self._view
        if (v is None or self._view_of is not events or v.events > len(events)
                or (v.events and events[v.events - 1] is not v.last_event)):
            v = self._view = SessionView()
            self._view_of = events
        for i in range(v.events, len(events)):
            v.apply(events[i])
        return v

    @property
    def context(self) -> TrunkContext:
        return self.view().context

    def observations(self) -> list[Observation]:
        """Every observation in effect, lowest precedence first (later ones win)."""
        return self.view().evidence()

    def answers(self) -> list[AnswerGiven | AnswerChanged]:
        return [step.event for step in self.view().answers]

    def warnings(self) -> list[str]:
        v = self.view()
        return [*v.warnings(), *self._direction_conflicts(v)]

    def _direction_conflicts(self, v: SessionView) -> list[str]:
        """A trace whose call goes the other way than the session says is probably of another call."""
        said = None
        for o in v.evidence():
            if o.id == "call_direction" and o.source.kind in ("answer", "symptom") and o.value != "unknown":
                said = o  # the latest answer or symptom wins, as in the diagnosis
        if said is None:
            return []
        out = []
        for ev in v.traces:
            seen = next((o for o in ev.observations if o.id == "call_direction" and o.value != said.value), None)
            if seen is not None:
                out.append(f"the trace {ev.file} shows {_DIRECTION.get(str(seen.value), seen.value)} call"
                           f" ({seen.source.label()}), but this session is about"
                           f" {_DIRECTION.get(str(said.value), said.value)} calls ({said.source.label()}):"
                           f" it may be a capture of another call; the session's answer is used")
        return out

    def diagnosis(self) -> Diagnosis:
        v = self.view()
        if self._cache is None or self._cache[0] is not v or self._cache[1] != v.fact_events:
            self._cache = (v, v.fact_events, self.advisor.diagnose(v.evidence(), self.warnings()))
        return self._cache[2]

    def showing(self, question: str) -> bool:
        """True when this question was recorded as shown since the facts last changed."""
        return self.view().showing(question)

    # ---- events ----------------------------------------------------------
    def add(self, event: Event) -> Event:
        self.record.events.append(event)
        self.view()
        for listener in self.listeners:
            listener(self.record, event)
        return event

    def set_context(self, context: TrunkContext) -> None:
        self.add(ContextEntered(context=context))

    def choose_family(self, family: str, symptom: str | None = None) -> None:
        kb = self.advisor.kb
        implies: dict[str, str | float] = dict(kb.families[family].implies) if family in kb.families else {}
        if symptom is not None:
            implies.update(kb.symptoms[symptom].implies)
            if "symptom" in kb.observations:
                implies["symptom"] = symptom
        detail = symptom if symptom else f"family {family}"
        obs = [Observation(id=k, value=v, source=Source(kind="symptom", detail=detail)) for k, v in implies.items()]
        self.add(FamilyChosen(family=family, symptom=symptom, observations=obs))

    def show_question(self, question: str, observation: str) -> bool:
        """Record that a question is on screen; False (nothing recorded) when it already is."""
        if self.showing(question):
            return False
        self.add(QuestionShown(question=question, observation=observation))
        return True

    def answer(self, observation: str, raw: str | float, question: str | None = None) -> Observation:
        """Record an answer; raises ValueError (naming the allowed values) for a bad one."""
        value = self.advisor.kb.check_value(observation, str(raw))
        step = self.view().current.get(observation)
        obs = Observation(id=observation, value=value, source=Source(kind="answer", detail=question or ""))
        if step is None:
            self.add(AnswerGiven(observation=obs, question=question))
        else:
            self.add(AnswerChanged(observation=obs, previous=step.observation.value, question=question))
        return obs

    def note(self, text: str, question: str | None = None) -> None:
        self.add(NoteTyped(text=text, question=question))

    def report_text(self, text: str, observations: Iterable[Observation] = ()) -> None:
        self.add(TextReported(text=text, observations=list(observations)))

    def attach_trace(self, file: str, observations: Iterable[Observation], fmt: str = "", calls: int = 0,
                     warnings: Iterable[str] = (), excerpts: Iterable[TraceExcerpt] = ()) -> None:
        self.add(TraceAttached(file=file, format=fmt, calls=calls, observations=list(observations),
                               warnings=list(warnings), excerpts=list(excerpts)))

    def attach_analysis(self, file: str, analysis: TraceAnalysis, extra_warnings: Iterable[str] = ()) -> None:
        """Attach an analysed trace: its findings, warnings and the SIP lines the findings rest on."""
        fmt = ", ".join(dict.fromkeys(f.format for f in analysis.files))
        nothing = analysis.decides_nothing()
        self.attach_trace(file, analysis.observations(), fmt, len(analysis.calls),
                          [*([nothing] if nothing else []), *analysis.warnings, *analysis.notes, *extra_warnings],
                          excerpts_from_analysis(analysis, extra_headers=_reason_headers(self.advisor)))

    def record_probe(self, event: ProbeRun) -> None:
        self.add(event)

    def conclude(self) -> DiagnosisReached:
        """Record the current conclusion; the one already recorded when the facts have not changed since."""
        d = self.diagnosis()
        done = self.view().concluded
        if done is not None and (done.status, done.cause) == (d.conclusion.status, d.conclusion.cause):
            return done
        top = next((c for c in d.causes if c.id == d.conclusion.cause), None)
        ev = DiagnosisReached(status=d.conclusion.status, cause=d.conclusion.cause,
                              confidence=top.confidence if top else 0.0, summary=d.conclusion.summary)
        self.add(ev)
        return ev

    def record_export(self, fmt: str, destination: str) -> None:
        self.add(ExportMade(format=fmt, destination=destination))


def _reason_headers(advisor: Advisor) -> frozenset[str]:
    """Headers the carrier's knowledge says carry a reason (kept in quoted SIP lines)."""
    return frozenset(h.lower() for h in advisor.kb.trace.reason_headers)
