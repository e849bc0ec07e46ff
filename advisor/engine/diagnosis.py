"""The diagnose contract: what `advisor diagnose --json`, the TUI, traces and probes share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from advisor import __version__
from advisor.engine.inference import CauseState, Reasoner, Status
from advisor.engine.observations import Observation, Source, effective
from advisor.engine.questions import QuestionChoice, choose, missing_required
from advisor.kb.loader import KnowledgeBase, load_kb
from advisor.kb.models import UNKNOWN

Effect = Literal["meets_requirement", "rules_out", "supports", "weakens", "excludes", "still_needed"]


class Reason(BaseModel):
    """One observation's part in a cause's verdict."""

    observation: str
    value: str | float | None
    effect: Effect
    source: str | None = Field(None, description="where the observation came from (answer, trace:file#frame, probe:...)")
    text: str


class CauseResult(BaseModel):
    id: str
    title: str
    status: Status
    confidence: float = Field(ge=0, le=1)
    because: list[Reason]
    symptom: str
    fix: list[str]


class AnswerOption(BaseModel):
    value: str
    label: str
    keeps: list[str] = Field(description="candidate causes still possible after this answer")
    rules_out: list[str]


class NextQuestion(BaseModel):
    id: str
    observation: str
    text: str
    help: str
    cost: int
    type: Literal["enum", "bool", "number"]
    unit: str | None
    options: list[AnswerOption]
    why: str
    information_gain: float
    score: float


class Conclusion(BaseModel):
    status: Literal["confirmed", "in_progress", "undecided", "no_candidates"]
    cause: str | None
    summary: str


class Diagnosis(BaseModel):
    """Every cause ranked best first (ruled-out last), the facts used, and what to ask next."""

    schema_version: Literal[1] = 1
    advisor_version: str = __version__
    conclusion: Conclusion
    causes: list[CauseResult]
    observations: list[Observation]
    next_question: NextQuestion | None
    warnings: list[str] = Field(default_factory=list)


_ORDER = {"confirmed": 0, "candidate": 1, "ruled_out": 2}


class Advisor:
    """Knowledge compiled once; `diagnose` is one inference step over a set of observations."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb if kb is not None else load_kb()
        self.reasoner = Reasoner(self.kb)

    def diagnose(self, observations: Iterable[Observation], warnings: Iterable[str] = ()) -> Diagnosis:
        known_obs = self._with_implied(effective(observations))
        states = self.reasoner.infer(known_obs)
        values = {o.id: o.value for o in known_obs.values()}
        choice = choose(self.reasoner.model, states, values)
        causes = [self._result(states[cid], known_obs, values) for cid in self.kb.causes]
        causes.sort(key=lambda c: (_ORDER[c.status], -c.confidence, c.id))
        question = self._question(choice, states) if choice else None
        return Diagnosis(conclusion=self._conclusion(causes, question), causes=causes,
                         observations=list(known_obs.values()), next_question=question, warnings=list(warnings))

    def _with_implied(self, known: dict[str, Observation]) -> dict[str, Observation]:
        """Add what a known symptom implies, unless the fact is known some other way."""
        out = dict(known)
        for obs in known.values():
            for implied_id, value in self.kb.implied_by(obs.id, obs.value).items():
                if implied_id not in out:
                    out[implied_id] = Observation(id=implied_id, value=value,
                                                  source=Source(kind="symptom", detail=f"implied by {obs.id}={obs.value}"))
        return out

    def _result(self, st: CauseState, known: dict[str, Observation], values: dict[str, str | float]) -> CauseResult:
        cause = self.kb.causes[st.cause]
        because: list[Reason] = []

        def add(obs_id: str, effect: Effect, text: str) -> None:
            o = known.get(obs_id)
            because.append(Reason(observation=obs_id, value=o.value if o else None, effect=effect,
                                  source=o.source.label() if o else None, text=text))

        for obs_id in st.excluded_by:
            add(obs_id, "excludes", f"{obs_id} is {values.get(obs_id)}, which excludes this cause"
                f" ({cause.contradicts[obs_id].describe()})")
        if st.status == "ruled_out":
            for alt, broken in sorted(st.violated.items()):
                for obs_id in broken:
                    add(obs_id, "rules_out", f"needs {obs_id} {cause.requires[alt][obs_id].describe()}"
                        f" but it is {values.get(obs_id)}")
        elif st.confirmed_by and not (st.satisfied - set(st.violated)):
            for obs_id in st.confirmed_by:
                add(obs_id, "meets_requirement", f"{obs_id} = {values.get(obs_id)} proves this cause on its own"
                    f" ({cause.confirmed_by[obs_id].describe()})")
        else:
            alts = sorted(st.satisfied - set(st.violated)) or st.open_alternatives()
            chosen = cause.requires[alts[0]] if alts else {}
            for obs_id, cond in chosen.items():
                if obs_id in values and values[obs_id] != UNKNOWN and cond.holds(values[obs_id]):
                    add(obs_id, "meets_requirement", f"{obs_id} {cond.describe()} as required")
            for obs_id in missing_required(self.reasoner.model, st, values):
                add(obs_id, "still_needed", f"needs {obs_id} {chosen[obs_id].describe()} to confirm"
                    if obs_id in chosen else f"needs {obs_id}")
        for obs_id in st.supports:
            add(obs_id, "supports", f"{obs_id} is {values.get(obs_id)}, which fits this cause")
        for obs_id in st.contradicts:
            if obs_id not in st.excluded_by:
                add(obs_id, "weakens", f"{obs_id} is {values.get(obs_id)}, which makes it less likely")
        confidence = round(st.confidence, 4) if st.status != "ruled_out" else 0.0
        return CauseResult(id=cause.id, title=cause.title, status=st.status, confidence=confidence,
                           because=because, symptom=cause.symptom, fix=list(cause.fix))

    def _question(self, choice: QuestionChoice, states: dict[str, CauseState]) -> NextQuestion:
        q = choice.question
        obs = self.kb.observations[q.observation]
        alive = sum(1 for st in states.values() if st.status != "ruled_out")
        options = [AnswerOption(value=s.value, label=s.label, keeps=s.keeps, rules_out=s.rules_out)
                   for s in choice.splits]
        best_cut = max((len(o.rules_out) for o in options), default=0)
        why = (f"{alive} causes remain; depending on the answer this rules out up to {best_cut} of them"
               f" (expected information gain {choice.gain:.2f} bits, cost {q.cost}).")
        return NextQuestion(id=q.id, observation=q.observation, text=q.text, help=q.help, cost=q.cost,
                            type=obs.type, unit=obs.unit, options=options, why=why,
                            information_gain=round(choice.gain, 4), score=round(choice.score, 4))

    def _conclusion(self, causes: list[CauseResult], question: NextQuestion | None) -> Conclusion:
        confirmed = [c for c in causes if c.status == "confirmed"]
        alive = [c for c in causes if c.status != "ruled_out"]
        if confirmed:
            top = confirmed[0]
            more = f" ({len(confirmed) - 1} other cause(s) also confirmed)" if len(confirmed) > 1 else ""
            return Conclusion(status="confirmed", cause=top.id, summary=f"Confirmed: {top.title}{more}")
        if not alive:
            return Conclusion(status="no_candidates", cause=None,
                              summary="Every known cause is ruled out: the call looks healthy, or the problem is outside the knowledge base")
        if question is None:
            return Conclusion(status="undecided", cause=alive[0].id,
                              summary=f"No question can separate the {len(alive)} remaining causes; most likely: {alive[0].title}")
        return Conclusion(status="in_progress", cause=alive[0].id,
                          summary=f"{len(alive)} causes remain; most likely so far: {alive[0].title}")
