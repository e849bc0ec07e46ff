"""The diagnose contract: what `advisor diagnose --json`, the TUI, traces and probes share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from advisor import __version__
from advisor.engine.derive import Deriver, FactConflict
from advisor.engine.inference import CauseState, Reasoner, Status
from advisor.engine.observations import Observation, effective
from advisor.engine.questions import QuestionChoice, choose, missing_required, splits
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
    not_a_fault: bool = Field(False, description="an outcome, not a fault: the trunk worked (e.g. the far end was busy)")
    held_back: str | None = Field(None, description="why a cause whose evidence is complete is not confirmed")


class AnswerOption(BaseModel):
    value: str
    label: str
    keeps: list[str] = Field(description="candidate causes still possible after this answer")
    rules_out: list[str]
    confirms: list[str] = Field(default_factory=list, description="causes this answer would confirm")
    contradicts_answers: bool = Field(False, description="keeps no candidate: it contradicts what is already known")


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
    needed_by: list[str] = Field(default_factory=list,
                                 description="candidate causes whose confirmation still needs this fact")


class Conclusion(BaseModel):
    status: Literal["confirmed", "in_progress", "undecided", "no_candidates", "nothing_wrong"]
    cause: str | None
    summary: str
    between: list[str] = Field(default_factory=list,
                               description="undecided: the causes still in the running, best first")
    how_to_tell: list[str] = Field(default_factory=list,
                                   description="undecided: how to find the answer that would decide (question help)")
    not_checked: list[str] = Field(default_factory=list,
                                   description="nothing_wrong: what the facts at hand did not cover")


class Conflict(BaseModel):
    """Two sources disagree about one fact (an answer and a trace, or a stated and a derived fact)."""

    observation: str
    stated: str | float
    stated_source: str
    other: str | float
    other_source: str
    derived_from: list[str] = Field(default_factory=list, description="premises of the implication, if derived")
    rule: str | None = Field(None, description="the implication that derives the other value")
    held_back: list[str] = Field(default_factory=list, description="causes not confirmed because of this conflict")
    question: str = Field(description="what to ask the engineer to resolve it")


class Diagnosis(BaseModel):
    """Every cause ranked best first (ruled-out last), the facts used, and what to ask next."""

    schema_version: Literal[1] = 1
    advisor_version: str = __version__
    conclusion: Conclusion
    causes: list[CauseResult]
    observations: list[Observation]
    next_question: NextQuestion | None
    warnings: list[str] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)


_ORDER = {"confirmed": 0, "candidate": 1, "ruled_out": 2}


class Advisor:
    """Knowledge compiled once; `diagnose` is one inference step over a set of observations."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb if kb is not None else load_kb()
        self.reasoner = Reasoner(self.kb)
        self.deriver = Deriver(self.kb)

    def diagnose(self, observations: Iterable[Observation], warnings: Iterable[str] = ()) -> Diagnosis:
        given = list(observations)
        derivation = self.deriver.derive(effective(given))
        known_obs = derivation.facts
        raw_conflicts = [*_source_conflicts(given), *derivation.conflicts]
        contested = frozenset(c.observation for c in raw_conflicts)
        states = self.reasoner.infer(known_obs, contested)
        values = {o.id: o.value for o in known_obs.values()}
        choice = choose(self.reasoner.model, states, values, self.deriver)
        causes = [self._result(states[cid], known_obs, values) for cid in self.kb.causes]
        causes.sort(key=lambda c: (_ORDER[c.status], -c.confidence, c.id))
        question = self._question(choice, states) if choice else None
        conflicts = [self._conflict(c, states) for c in raw_conflicts]
        conflicts += self._proof_clashes(states, {c.observation for c in raw_conflicts})
        conflicts += self._confirmer_clashes(states, values)
        notes = [*warnings, *(f"conflict: {c.question}" for c in conflicts)]
        conclusion = self._conclusion(causes, question, states, values)
        return Diagnosis(conclusion=conclusion, causes=causes, observations=list(known_obs.values()),
                         next_question=question, warnings=notes, conflicts=conflicts)

    def _conflict(self, c: FactConflict, states: dict[str, CauseState]) -> Conflict:
        held = [cid for cid, st in states.items() if st.held_back and c.observation in st.held_back]
        return Conflict(observation=c.observation, stated=c.stated, stated_source=c.stated_source, other=c.other,
                        other_source=c.other_source, derived_from=list(c.derived_from), rule=c.rule,
                        held_back=held, question=c.question())

    def _confirmer_clashes(self, states: dict[str, CauseState], values: dict[str, str | float]) -> list[Conflict]:
        """A fact that proves a cause on its own (an alert code) while other facts rule the cause out."""
        out: list[Conflict] = []
        for cid, st in states.items():
            if st.status != "ruled_out" or not st.confirmed_by:
                continue
            cause = self.kb.causes[cid]
            against = sorted({o for broken in st.violated.values() for o in broken} | set(st.excluded_by))
            for obs_id in st.confirmed_by:
                facts = ", ".join(f"{o} = {values.get(o)}" for o in against)
                out.append(Conflict(observation=obs_id, stated=values.get(obs_id, ""), stated_source="",
                                    other=facts, other_source="", held_back=[cid],
                                    question=f"{obs_id} = {values.get(obs_id)} proves \"{cause.title}\", but {facts} "
                                             "rules it out: which is wrong?"))
        return out

    def _proof_clashes(self, states: dict[str, CauseState], reported: set[str]) -> list[Conflict]:
        """Causes proven by different facts that cannot both explain one call."""
        clashing = [cid for cid, st in states.items() if st.held_back and st.held_back.startswith("also proven")]
        if len(clashing) < 2:
            return []
        titles = " and ".join(self.kb.causes[c].title for c in clashing)
        return [Conflict(observation="", stated="", stated_source="", other="", other_source="", held_back=clashing,
                         question=f"The facts prove several causes at once ({titles}); they cannot all explain one "
                                  "failed call: which of the facts behind them is stale or wrong?")]

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
        elif st.status == "confirmed" and st.confirmed_by and not (st.satisfied - set(st.violated)):
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
                           because=because, symptom=cause.symptom, fix=list(cause.fix), not_a_fault=cause.outcome,
                           held_back=st.held_back)

    def _question(self, choice: QuestionChoice, states: dict[str, CauseState]) -> NextQuestion:
        q = choice.question
        obs = self.kb.observations[q.observation]
        alive = sum(1 for st in states.values() if st.status != "ruled_out")
        options = [AnswerOption(value=s.value, label=s.label, keeps=s.keeps, rules_out=s.rules_out, confirms=s.confirms,
                                contradicts_answers=not s.keeps and s.value != UNKNOWN)
                   for s in choice.splits]
        best_cut = max((len(o.rules_out) for o in options), default=0)
        can_confirm = sorted({c for o in options for c in o.confirms})
        effect = f"rules out up to {best_cut} of them" if best_cut else ""
        if can_confirm:
            effect += (" and " if effect else "") + f"can confirm {', '.join(can_confirm[:3])}"
        if choice.needed_by:
            effect += ("; " if effect else "") + f"it is still needed to confirm {', '.join(choice.needed_by[:3])}"
        why = (f"{_remain(alive)}; depending on the answer this {effect}"
               f" (expected information gain {choice.gain:.2f} bits, cost {q.cost}).")
        return NextQuestion(id=q.id, observation=q.observation, text=q.text, help=q.help, cost=q.cost,
                            type=obs.type, unit=obs.unit, options=options, why=why,
                            information_gain=round(choice.gain, 4), score=round(choice.score, 4),
                            needed_by=choice.needed_by)

    def _conclusion(self, causes: list[CauseResult], question: NextQuestion | None,
                    states: dict[str, CauseState], values: dict[str, str | float]) -> Conclusion:
        confirmed = [c for c in causes if c.status == "confirmed"]
        alive = [c for c in causes if c.status != "ruled_out"]
        if confirmed:
            top = confirmed[0]
            more = f" ({len(confirmed) - 1} other cause(s) also confirmed)" if len(confirmed) > 1 else ""
            if top.not_a_fault:
                answered = self._status_label(values.get("invite_final_status"))
                return Conclusion(status="confirmed", cause=top.id,
                                  summary=f"Not a trunk fault: the trunk worked; the far end answered {answered}{more}")
            return Conclusion(status="confirmed", cause=top.id, summary=f"Confirmed: {top.title}{more}")
        if values.get("call_outcome") == "completes_normally":
            gaps = self._not_checked(values, alive)
            return Conclusion(status="nothing_wrong", cause=None, not_checked=gaps,
                              summary="Nothing wrong found: the call completed normally. Not checked: "
                                      + "; ".join(gaps))
        if not alive:
            return Conclusion(status="no_candidates", cause=None,
                              summary="Every known cause is ruled out: the call looks healthy, or the problem is outside the knowledge base")
        tied = len(alive) > 1 and abs(alive[0].confidence - alive[1].confidence) < TIE
        if question is None:
            if len(alive) == 1:
                held = f" ({alive[0].held_back})" if alive[0].held_back else ""
                return Conclusion(status="undecided", cause=alive[0].id, between=[alive[0].id],
                                  how_to_tell=self._how_to_tell([alive[0].id], states, values),
                                  summary=f"1 cause remains but it cannot be confirmed from the facts at hand{held}: "
                                          f"{alive[0].title}")
            between = [c.id for c in alive]
            tell = self._how_to_tell(between, states, values)
            names = " and ".join(c.title for c in alive[:2]) + (f" (and {len(alive) - 2} more)" if len(alive) > 2 else "")
            return Conclusion(status="undecided", cause=None, between=between, how_to_tell=tell,
                              summary=f"Undecided between {names}. How to find out: "
                                      + (" / ".join(tell) if tell else "no question in the knowledge base separates them"))
        if tied:
            leaders = [c for c in alive if abs(c.confidence - alive[0].confidence) < TIE]
            return Conclusion(status="in_progress", cause=alive[0].id,  # first in the ranking, not "most likely"
                              summary=f"{_remain(len(alive))}; {len(leaders)} are equally likely so far")
        return Conclusion(status="in_progress", cause=alive[0].id,
                          summary=f"{_remain(len(alive))}; most likely so far: {alive[0].title}")

    def _status_label(self, status: str | float | None) -> str:
        q = self.kb.question_for.get("invite_final_status")
        text = str(status) if status is not None else "with a final response"
        return q.labels.get(text, text) if q else text

    def _how_to_tell(self, between: list[str], states: dict[str, CauseState], values: dict[str, str | float]) -> list[str]:
        """The help of the questions answered "I don't know" that would have separated the causes."""
        alive = [states[c] for c in between]
        out: list[str] = []
        for q in self.kb.questions.values():
            if values.get(q.observation) != UNKNOWN:
                continue
            known = {k: v for k, v in values.items() if k != q.observation}
            if any(s.decides for s in splits(self.reasoner.model, alive, q, known, self.deriver) if s.value != UNKNOWN):
                out.append(f"{q.text} {q.help}")
        return out

    def _not_checked(self, values: dict[str, str | float], alive: list[CauseResult]) -> list[str]:
        gaps: list[str] = []
        for obs_id, what in NOT_CHECKED:
            if values.get(obs_id, UNKNOWN) == UNKNOWN:
                gaps.append(what)
        if alive:
            gaps.append("causes the facts do not rule out: " + ", ".join(c.id for c in alive[:5]))
        return gaps or ["nothing: every cause in the knowledge base is ruled out"]


TIE = 1e-3
"""Leaders closer than this are tied: none of them is named "most likely"."""

NOT_CHECKED = (
    ("audio_heard", "whether both parties hear each other (audio is not in a signalling-only log)"),
    ("seconds_until_drop", "whether the call stays up past 30 s"),
    ("call_direction", "which way the failing calls go"),
)


def _causes(n: int) -> str:
    return "1 cause" if n == 1 else f"{n} causes"


def _remain(n: int) -> str:
    return "1 cause remains" if n == 1 else f"{n} causes remain"


def _source_conflicts(given: list[Observation]) -> list[FactConflict]:
    """An answer and a trace (or probe) that disagree about one fact: the later one is used, both are shown."""
    out: list[FactConflict] = []
    by_id: dict[str, list[Observation]] = {}
    for o in given:
        if o.value != UNKNOWN:
            by_id.setdefault(o.id, []).append(o)
    for obs_id, seen in by_id.items():
        last = seen[-1]
        for earlier in seen[:-1]:
            if earlier.source.kind != last.source.kind and str(earlier.value) != str(last.value):
                out.append(FactConflict(observation=obs_id, stated=last.value, stated_source=last.source.label(),
                                        other=earlier.value, other_source=earlier.source.label()))
                break
    return out
