"""Score a finished attempt and write its debrief: right or wrong, at what cost, against the advisor.

Points (weights in knowledge/training/settings.yaml): the right cause, the
right fix, efficiency (only earned with the right cause: question cost not
above the advisor's on the same case, minus points per unit over), minus
points per hint. The debrief puts the trainee's path beside the advisor's,
marks every question that kept every candidate, says what the facts said
about the trainee's pick, and ends with the true cause's mechanism and fix.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from advisor.engine.diagnosis import Advisor
from advisor.training.attempt import HEALTHY, AdvisorPath, Attempt, Conclusion, Step, truth_observations
from advisor.training.models import CaseDef, Scoring


class Score(BaseModel):
    case: str
    true_causes: list[str]
    concluded: str
    fix: str
    cause_correct: bool
    fix_correct: bool
    questions: int
    cost: int
    advisor_questions: int
    advisor_cost: int
    advisor_cause: str | None
    hints: int
    seconds: float
    points: dict[str, float]
    total: float = Field(ge=0, le=100)


class CauseBrief(BaseModel):
    id: str
    title: str
    mechanism: str
    fix: list[str]
    guide: str


class DebriefStep(BaseModel):
    kind: str
    what: str
    answer: str
    cost: int
    candidates_before: int
    candidates_after: int
    ruled_out: list[str]
    kept_every_candidate: bool


class Debrief(BaseModel):
    case: str
    title: str
    words: str
    truth: list[CauseBrief]
    concluded: str
    concluded_title: str
    concluded_verdict: str = Field(description="what the facts say about the trainee's pick")
    trainee: list[DebriefStep]
    advisor: list[DebriefStep]
    advisor_status: str
    wasted: list[str] = Field(description="questions that kept every candidate")
    score: Score


def _correct_fix(advisor: Advisor, case: CaseDef, fix: str) -> bool:
    if not case.causes:
        return fix == HEALTHY
    if fix in case.causes:
        return True
    chosen = advisor.kb.causes.get(fix)
    return chosen is not None and any(advisor.kb.causes[c].fix == chosen.fix for c in case.causes)


def score(attempt: Attempt, conclusion: Conclusion, path: AdvisorPath, weights: Scoring) -> Score:
    case = attempt.case
    right = conclusion.cause in case.causes if case.causes else conclusion.cause == HEALTHY
    fix_ok = _correct_fix(attempt.advisor, case, conclusion.fix)
    cost = sum(s.cost for s in attempt.steps)
    over = max(0, cost - path.cost)
    points = {
        "cause": float(weights.cause_correct if right else 0),
        "fix": float(weights.fix_correct if fix_ok else 0),
        "efficiency": max(0.0, weights.efficiency - weights.per_extra_cost * over) if right else 0.0,
        "hints": -float(weights.hint * attempt.hints) if attempt.hints else 0.0,
    }
    most = weights.cause_correct + weights.fix_correct + weights.efficiency
    total = max(0.0, sum(points.values())) * 100.0 / most if most else 0.0
    return Score(case=case.id, true_causes=case.causes or [HEALTHY], concluded=conclusion.cause, fix=conclusion.fix,
                 cause_correct=right, fix_correct=fix_ok,
                 questions=sum(1 for s in attempt.steps if s.kind == "question"), cost=cost,
                 advisor_questions=path.questions, advisor_cost=path.cost, advisor_cause=path.cause,
                 hints=attempt.hints, seconds=round(attempt.seconds, 1), points=points, total=round(total, 1))


def _step_view(attempt: Attempt, s: Step) -> DebriefStep:
    kb = attempt.advisor.kb
    if s.kind == "question" and s.observation:
        q = kb.question_for.get(s.observation)
        what = q.text if q else s.observation
    elif s.kind == "artefact":
        what = f"requested the {s.artefact}"
    else:
        what = "hint"
    return DebriefStep(kind=s.kind, what=what, answer=s.words, cost=s.cost, candidates_before=s.candidates_before,
                       candidates_after=s.candidates_after, ruled_out=s.ruled_out,
                       kept_every_candidate=s.kept_every_candidate)


def _verdict_on(attempt: Attempt, cause: str) -> str:
    """Why the trainee's pick was right or not, in the facts' words."""
    if cause == HEALTHY:
        if not attempt.case.causes:
            return "Right: nothing in the case is a trunk fault."
        return "The trunk has a fault in this case; the facts you gathered did not rule every cause out."
    d = attempt.diagnosis()
    mine = next((c for c in d.causes if c.id == cause), None)
    truth = attempt.advisor.diagnose(truth_observations(attempt.case))
    real = next((c for c in truth.causes if c.id == cause), None)
    parts: list[str] = []
    if mine is not None:
        if mine.status == "ruled_out":
            why = next((b.text for b in mine.because if b.effect in ("rules_out", "excludes")), "")
            parts.append(f"With the facts you had, it was already ruled out: {why}.")
        elif mine.status == "confirmed":
            parts.append("The facts you gathered confirm it.")
        else:
            parts.append(f"With the facts you had it was still possible ({mine.confidence:.0%}), not confirmed.")
    if real is not None and cause not in attempt.case.causes and real.status == "ruled_out":
        why = next((b.text for b in real.because if b.effect in ("rules_out", "excludes")), "")
        parts.append(f"The full facts rule it out: {why}.")
    return " ".join(parts)


def debrief(attempt: Attempt, conclusion: Conclusion, path: AdvisorPath, weights: Scoring) -> Debrief:
    kb = attempt.advisor.kb
    case = attempt.case
    truth = [CauseBrief(id=c, title=kb.causes[c].title, mechanism=kb.causes[c].mechanism, fix=list(kb.causes[c].fix),
                        guide=kb.causes[c].guide) for c in case.causes]
    trainee = [_step_view(attempt, s) for s in attempt.steps]
    helper = Attempt(attempt.advisor, attempt.library, case)
    advisor_steps = [_step_view(helper, s) for s in path.steps]
    title = kb.causes[conclusion.cause].title if conclusion.cause in kb.causes else "Nothing wrong with the trunk"
    return Debrief(case=case.id, title=case.title, words=case.words, truth=truth, concluded=conclusion.cause,
                   concluded_title=title, concluded_verdict=_verdict_on(attempt, conclusion.cause),
                   trainee=trainee, advisor=advisor_steps, advisor_status=path.status,
                   wasted=[s.what for s in trainee if s.kind == "question" and s.kept_every_candidate],
                   score=score(attempt, conclusion, path, weights))
