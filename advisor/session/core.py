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

if TYPE_CHECKING:
    from advisor.evidence.analyze import TraceAnalysis

_DIRECTION = {"termination": "an outbound (termination)", "origination": "an inbound (origination)"}
_RANK = {"text": 0, "trace": 1, "probe": 2, "context": 2, "symptom": 3, "answer": 3}

Listener = Callable[[SessionRecord, Event], None]


class Session:
    def __init__(self, advisor: Advisor, record: SessionRecord | None = None,
                 listeners: Iterable[Listener] = ()) -> None:
        self.advisor = advisor
        self.record = record or SessionRecord()
        self.listeners = list(listeners)
        self._cache: tuple[int, Diagnosis] | None = None

    # ---- derived state -------------------------------------------------
    @property
    def id(self) -> str:
        return self.record.id

    @property
    def context(self) -> TrunkContext:
        for ev in reversed(self.record.events):
            if isinstance(ev, ContextEntered):
                return ev.context
        return TrunkContext()

    def observations(self) -> list[Observation]:
        """Every observation in effect, lowest precedence first (later ones win)."""
        collected: list[Observation] = []
        for ev in self.record.events:
            if isinstance(ev, FamilyChosen | TextReported | TraceAttached | ProbeRun):
                collected.extend(ev.observations)
            elif isinstance(ev, AnswerGiven | AnswerChanged):
                collected.append(ev.observation)
        order = {id(o): i for i, o in enumerate(collected)}
        return sorted(collected, key=lambda o: (_RANK.get(o.source.kind, 0), order[id(o)]))

    def answers(self) -> list[AnswerGiven | AnswerChanged]:
        return [ev for ev in self.record.events if isinstance(ev, AnswerGiven | AnswerChanged)]

    def warnings(self) -> list[str]:
        traces = [ev for ev in self.record.events if isinstance(ev, TraceAttached)]
        return [*(w for ev in traces for w in ev.warnings), *self._direction_conflicts(traces)]

    def _direction_conflicts(self, traces: list[TraceAttached]) -> list[str]:
        """A trace whose call goes the other way than the session says is probably of another call."""
        said = None
        for o in self.observations():
            if o.id == "call_direction" and o.source.kind in ("answer", "symptom") and o.value != "unknown":
                said = o  # the latest answer or symptom wins, as in the diagnosis
        if said is None:
            return []
        out = []
        for ev in traces:
            seen = next((o for o in ev.observations if o.id == "call_direction" and o.value != said.value), None)
            if seen is not None:
                out.append(f"the trace {ev.file} shows {_DIRECTION.get(str(seen.value), seen.value)} call"
                           f" ({seen.source.label()}), but this session is about"
                           f" {_DIRECTION.get(str(said.value), said.value)} calls ({said.source.label()}):"
                           f" it may be a capture of another call; the session's answer is used")
        return out

    def diagnosis(self) -> Diagnosis:
        stamp = len(self.record.events)
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self.advisor.diagnose(self.observations(), self.warnings()))
        return self._cache[1]

    # ---- events ----------------------------------------------------------
    def add(self, event: Event) -> Event:
        self.record.events.append(event)
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

    def show_question(self, question: str, observation: str) -> None:
        self.add(QuestionShown(question=question, observation=observation))

    def answer(self, observation: str, raw: str | float, question: str | None = None) -> Observation:
        """Record an answer; raises ValueError (naming the allowed values) for a bad one."""
        value = self.advisor.kb.check_value(observation, str(raw))
        previous = self._current_answer(observation)
        obs = Observation(id=observation, value=value, source=Source(kind="answer", detail=question or ""))
        if previous is None:
            self.add(AnswerGiven(observation=obs, question=question))
        else:
            self.add(AnswerChanged(observation=obs, previous=previous.value, question=question))
        return obs

    def _current_answer(self, observation: str) -> Observation | None:
        for ev in reversed(self.record.events):
            if isinstance(ev, AnswerGiven | AnswerChanged) and ev.observation.id == observation:
                return ev.observation
        return None

    def note(self, text: str, question: str | None = None) -> None:
        self.add(NoteTyped(text=text, question=question))

    def report_text(self, text: str, observations: Iterable[Observation] = ()) -> None:
        self.add(TextReported(text=text, observations=list(observations)))

    def attach_trace(self, file: str, observations: Iterable[Observation], fmt: str = "", calls: int = 0,
                     warnings: Iterable[str] = (), excerpts: Iterable[TraceExcerpt] = ()) -> None:
        self.add(TraceAttached(file=file, format=fmt, calls=calls, observations=list(observations),
                               warnings=list(warnings), excerpts=list(excerpts)))

    def attach_analysis(self, file: str, analysis: TraceAnalysis) -> None:
        """Attach an analysed trace: its findings, warnings and the SIP lines the findings rest on."""
        fmt = ", ".join(dict.fromkeys(f.format for f in analysis.files))
        self.attach_trace(file, analysis.observations(), fmt, len(analysis.calls),
                          [*analysis.warnings, *analysis.notes],
                          excerpts_from_analysis(analysis, extra_headers=_reason_headers(self.advisor)))

    def record_probe(self, event: ProbeRun) -> None:
        self.add(event)

    def conclude(self) -> DiagnosisReached:
        d = self.diagnosis()
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
