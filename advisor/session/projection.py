"""One typed reading of a session's event log: what every consumer needs, read once.

The event log is the truth, but nobody wants the log itself: the history row wants
the customer and the verdict, the export wants the path of answers and the traces,
the TUI wants its conversation log and the current value of a fact, the transcripts
want the answers given. Each used to walk the events with its own `isinstance`
chain. `SessionView` is the one place that dispatches on the event type; the rest
read its typed fields.

A view can be advanced one event at a time (`apply`), which is how `Session` keeps
its own up to date: a 500-event session costs one event per change, not 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from advisor.context import TrunkContext
from advisor.engine.observations import Observation
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
    TextReported,
    TraceAttached,
)

SYMPTOM_OBSERVATION = "symptom"
UNKNOWN = "unknown"

# precedence of an observation's source: the engineer's answers beat probes, probes beat
# traces, traces beat free text; within a kind the latest wins
_RANK = {"text": 0, "trace": 1, "probe": 2, "context": 2, "symptom": 3, "answer": 3}

FACT_KINDS = frozenset({"family", "answer", "answer_changed", "text", "trace", "probe"})
"""Events that change the facts (and so the diagnosis and the next question)."""


@dataclass(frozen=True)
class AnswerStep:
    """One answer the engineer gave, in order; `previous` is the value it replaced."""

    index: int
    """Position of the event in the log."""
    event: AnswerGiven | AnswerChanged

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def observation(self) -> Observation:
        return self.event.observation

    @property
    def question(self) -> str | None:
        return self.event.question

    @property
    def changed(self) -> bool:
        return isinstance(self.event, AnswerChanged)

    @property
    def previous(self) -> str | float | None:
        return self.event.previous if isinstance(self.event, AnswerChanged) else None


Entry = (FamilyChosen | ContextEntered | AnswerStep | NoteTyped | TextReported | TraceAttached | ProbeRun
         | DiagnosisReached | ExportMade)
"""A line of the session's story: every event except the bookkeeping of shown questions,
answers wrapped as `AnswerStep`."""


@dataclass
class SessionView:
    """The state a session's events add up to. Build with `project(events)` or advance with `apply`."""

    events: int = 0
    """How many events have been applied."""
    last_event: Event | None = None
    family: str | None = None
    chosen_symptom: str | None = None
    """The symptom picked on the start screen (None: only a family was picked)."""
    symptom: str | None = None
    """The symptom as known now: the chosen one, or a later answer to the symptom question."""
    context: TrunkContext = field(default_factory=TrunkContext)
    context_entered: bool = False
    answers: list[AnswerStep] = field(default_factory=list)
    """Every answer event, in order (a changed answer appears twice)."""
    current: dict[str, AnswerStep] = field(default_factory=dict)
    """The answer in effect per observation."""
    notes: list[NoteTyped] = field(default_factory=list)
    customer_words: list[TextReported] = field(default_factory=list)
    traces: list[TraceAttached] = field(default_factory=list)
    probes: list[ProbeRun] = field(default_factory=list)
    conclusions: list[DiagnosisReached] = field(default_factory=list)
    exports: list[ExportMade] = field(default_factory=list)
    timeline: list[Entry] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
    """Time of the last event that is not an export (exports do not lengthen a session)."""
    fact_events: int = 0
    shown: QuestionShown | None = None
    """The question shown since the last fact event, if any."""
    concluded: DiagnosisReached | None = None
    """The conclusion recorded since the last fact event, if any."""
    _evidence: list[Observation] = field(default_factory=list)
    _warnings: list[str] = field(default_factory=list)

    # ---- derived -------------------------------------------------------------------
    @property
    def conclusion(self) -> DiagnosisReached | None:
        """The last recorded conclusion (which may be older than the latest facts)."""
        return self.conclusions[-1] if self.conclusions else None

    @property
    def answered(self) -> int:
        """How many different observations the engineer answered."""
        return len(self.current)

    def evidence(self) -> list[Observation]:
        """Every observation in effect, lowest precedence first (later ones win)."""
        order = {id(o): i for i, o in enumerate(self._evidence)}
        return sorted(self._evidence, key=lambda o: (_RANK.get(o.source.kind, 0), order[id(o)]))

    def warnings(self) -> list[str]:
        return list(self._warnings)

    def superseded(self, step: AnswerStep) -> bool:
        """True when a later answer to the same observation replaced this one."""
        return self.current[step.observation.id].index != step.index

    def showing(self, question: str) -> bool:
        return self.shown is not None and self.shown.question == question

    # ---- advancing -------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Fold one more event in (events must be applied in log order)."""
        index = self.events
        self.events += 1
        self.last_event = event
        if self.first_at is None:
            self.first_at = event.at
        if event.kind in FACT_KINDS:
            self.fact_events += 1
            self.shown = None
            self.concluded = None
        match event:
            case QuestionShown():
                self.shown = event
            case FamilyChosen():
                self.family, self.chosen_symptom, self.symptom = event.family, event.symptom, event.symptom
                self._evidence.extend(event.observations)
                self.timeline.append(event)
            case AnswerGiven() | AnswerChanged():
                step = AnswerStep(index, event)
                obs = event.observation
                self.answers.append(step)
                self.current[obs.id] = step
                if obs.id == SYMPTOM_OBSERVATION and obs.value != UNKNOWN:
                    self.symptom = str(obs.value)
                self._evidence.append(obs)
                self.timeline.append(step)
            case ContextEntered():
                self.context, self.context_entered = event.context, True
                self.timeline.append(event)
            case NoteTyped():
                self.notes.append(event)
                self.timeline.append(event)
            case TextReported():
                self.customer_words.append(event)
                self._evidence.extend(event.observations)
                self.timeline.append(event)
            case TraceAttached():
                self.traces.append(event)
                self._evidence.extend(event.observations)
                self._warnings.extend(event.warnings)
                self.timeline.append(event)
            case ProbeRun():
                self.probes.append(event)
                self._evidence.extend(event.observations)
                self.timeline.append(event)
            case DiagnosisReached():
                self.conclusions.append(event)
                self.concluded = event
                self.timeline.append(event)
            case ExportMade():
                self.exports.append(event)
                self.timeline.append(event)
                return  # an export does not lengthen the session
        self.last_at = event.at

    def extend(self, events: Iterable[Event]) -> SessionView:
        for ev in events:
            self.apply(ev)
        return self


def project(events: Iterable[Event]) -> SessionView:
    """The view of a whole event log."""
    return SessionView().extend(events)
