"""`advisor bench questions`: how many questions until each catalog cause is confirmed.

A simulated engineer answers truthfully from the knowledge base's own
expectations for the true cause (its first `requires` alternative, then its
`supports`), and "I don't know" wherever the cause says nothing. The advisor's
question choice is compared with a baseline that reads the guide as a person
would: first find the heading that matches (the symptom question, unless the
heading is already known), then walk the guide top to bottom, asking each
cause's required facts in turn. Three starting points:

* heading known: the engineer picked the guide's heading on the start screen;
* family known, heading unknown: only "calls out fail" (etc.) was picked;
* nothing known.

Reported per mode: questions (mean, max) and the expected question cost (the
sum of the questions' `cost`, 1-5: how long each takes to find out), for the
advisor and for the guide order. Goal: every cause confirmed in every mode; in
the family-known mode mean <= 3 and max <= 6 questions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from advisor.engine.diagnosis import Advisor
from advisor.engine.model import CompiledModel
from advisor.engine.observations import Observation, Source
from advisor.kb.models import UNKNOWN, CauseDef

MAX_QUESTIONS = 25
SYMPTOM = "symptom"
Mode = Literal["heading_known", "family_known", "nothing_known"]
MODES: tuple[tuple[Mode, str], ...] = (("heading_known", "heading known"),
                                       ("family_known", "family known, heading unknown"),
                                       ("nothing_known", "nothing known"))
GOAL_MODE: Mode = "family_known"
GOAL_MEAN, GOAL_MAX = 3.0, 6


class CauseRun(BaseModel):
    cause: str
    mode: Mode = "nothing_known"
    questions: int
    cost: int = 0
    confirmed: bool
    asked: list[str]
    baseline_questions: int
    baseline_cost: int = 0
    baseline_confirmed: bool


class ModeResult(BaseModel):
    mode: Mode
    title: str
    mean: float
    max: int
    mean_cost: float
    baseline_mean: float
    baseline_max: int
    baseline_mean_cost: float
    reduction: float
    all_confirmed: bool
    baseline_all_confirmed: bool


class QuestionsBench(BaseModel):
    modes: list[ModeResult]
    causes: list[CauseRun]
    """Every cause in every mode."""
    mean: float
    """The goal mode's (family known) numbers, repeated at the top level."""
    max: int
    baseline_mean: float
    baseline_max: int
    reduction: float
    log2_causes: float
    all_confirmed: bool
    """Every cause confirmed in every mode."""
    goal_mean: float = GOAL_MEAN
    goal_max: int = GOAL_MAX
    goals_met: bool

    def render(self) -> str:
        head = f"{'cause':<48}" + "".join(f" {title[:22]:>23}" for _, title in MODES)
        rows = [head, f"{'':<48}" + "".join(f" {'advisor / guide':>23}" for _ in MODES)]
        by = {(r.cause, r.mode): r for r in self.causes}
        for cause in dict.fromkeys(r.cause for r in self.causes):
            cells = []
            for mode, _ in MODES:
                r = by[(cause, mode)]
                mark = "" if r.confirmed else "!"
                cells.append(f" {f'{r.questions}{mark} / {r.baseline_questions}':>23}")
            rows.append(f"{cause:<48}" + "".join(cells))
        rows += ["", "(! = not confirmed within the question budget)", ""]
        for m in self.modes:
            rows.append(f"{m.title}:")
            rows.append(f"  advisor:     mean {m.mean:.2f} questions (max {m.max}), expected cost {m.mean_cost:.2f}"
                        + ("" if m.all_confirmed else "  NOT ALL CONFIRMED"))
            rows.append(f"  guide order: mean {m.baseline_mean:.2f} questions (max {m.baseline_max}), expected cost "
                        f"{m.baseline_mean_cost:.2f}" + ("" if m.baseline_all_confirmed else "  (not all confirmed)"))
            rows.append(f"  {m.reduction:.0%} fewer questions than the guide order")
        rows += [f"log2(causes) = {self.log2_causes:.2f}",
                 f"goals (every cause confirmed in every mode; family known: mean <= {self.goal_mean:g}, "
                 f"max <= {self.goal_max}): {'met' if self.goals_met else 'NOT met'}"]
        return "\n".join(rows)


def truthful_answer(model: CompiledModel, cause: CauseDef, obs: str) -> str | float:
    """What an engineer facing this cause would answer, per the knowledge base."""
    cond = cause.requires[0].get(obs) or cause.supports.get(obs)
    if cond is None:
        for alt in cause.requires[1:]:
            if obs in alt:
                cond = alt[obs]
                break
    if cond is None:
        return UNKNOWN
    for sample in model.cells[obs].samples:
        if cond.holds(sample):
            return sample
    return UNKNOWN


def starting_facts(advisor: Advisor, cause: CauseDef, mode: Mode) -> dict[str, Observation]:
    """What is known before the first question: what the start screen's choice implies (as Session does)."""
    kb = advisor.kb
    if mode == "nothing_known":
        return {}
    symptom = kb.symptoms[cause.symptom]
    implies: dict[str, str | float] = dict(kb.families[symptom.family].implies)
    if mode == "heading_known":
        implies.update(symptom.implies)
        if SYMPTOM in kb.observations:
            implies[SYMPTOM] = symptom.id
    detail = symptom.id if mode == "heading_known" else f"family {symptom.family}"
    return {k: Observation(id=k, value=v, source=Source(kind="symptom", detail=detail)) for k, v in implies.items()}


def _simulate(advisor: Advisor, cause: CauseDef, pick: Callable[[dict[str, Observation]], str | None],
              known: dict[str, Observation]) -> tuple[int, int, bool, list[str]]:
    """(questions, their total cost, confirmed the right cause, observations asked)."""
    model = advisor.reasoner.model
    kb = advisor.kb
    known = dict(known)
    asked: list[str] = []
    cost = 0
    while len(asked) < MAX_QUESTIONS:
        d = advisor.diagnose(known.values())
        if d.conclusion.status == "confirmed":
            return len(asked), cost, d.conclusion.cause == cause.id, asked
        obs = pick(known) if pick is not _advisor_pick else (d.next_question.observation if d.next_question else None)
        if obs is None:
            return len(asked), cost, False, asked
        asked.append(obs)
        q = kb.question_for.get(obs)
        cost += q.cost if q is not None else 1
        value = truthful_answer(model, cause, obs)
        known[obs] = Observation(id=obs, value=value, source=Source(kind="answer", detail="bench"))
        for implied, v in kb.implied_by(obs, value).items():  # a heading found gives its facts (the engine does the same)
            known.setdefault(implied, Observation(id=implied, value=v, source=Source(kind="symptom", detail=obs)))
    return len(asked), cost, False, asked


def _advisor_pick(known: dict[str, Observation]) -> str | None:  # marker: use the advisor's own choice
    return None


def guide_order(advisor: Advisor) -> list[str]:
    """The guide read as a person would: the heading first (the symptom question), then each cause's
    required facts, cause after cause."""
    order: list[str] = [SYMPTOM] if SYMPTOM in advisor.kb.question_for else []
    for cause in advisor.kb.causes.values():
        for obs in cause.requires[0]:
            if obs not in order and obs in advisor.kb.question_for:
                order.append(obs)
    return order


def _mode_result(mode: Mode, title: str, runs: list[CauseRun]) -> ModeResult:
    counts = [r.questions for r in runs]
    base = [r.baseline_questions for r in runs]
    mean, bmean = statistics.fmean(counts), statistics.fmean(base)
    return ModeResult(mode=mode, title=title, mean=round(mean, 3), max=max(counts),
                      mean_cost=round(statistics.fmean(r.cost for r in runs), 3), baseline_mean=round(bmean, 3),
                      baseline_max=max(base), baseline_mean_cost=round(statistics.fmean(r.baseline_cost for r in runs), 3),
                      reduction=round(1 - mean / bmean, 3) if bmean else 0.0,
                      all_confirmed=all(r.confirmed for r in runs),
                      baseline_all_confirmed=all(r.baseline_confirmed for r in runs))


def run_questions_bench(advisor: Advisor | None = None) -> QuestionsBench:
    advisor = advisor or Advisor()
    order = guide_order(advisor)

    def baseline_pick(known: dict[str, Observation]) -> str | None:
        return next((o for o in order if o not in known), None)

    runs: list[CauseRun] = []
    results: list[ModeResult] = []
    for mode, title in MODES:
        mode_runs = []
        for cause in advisor.kb.causes.values():
            start = starting_facts(advisor, cause, mode)
            n, cost, ok, asked = _simulate(advisor, cause, _advisor_pick, start)
            bn, bcost, bok, _ = _simulate(advisor, cause, baseline_pick, start)
            mode_runs.append(CauseRun(cause=cause.id, mode=mode, questions=n, cost=cost, confirmed=ok, asked=asked,
                                      baseline_questions=bn, baseline_cost=bcost, baseline_confirmed=bok))
        runs += mode_runs
        results.append(_mode_result(mode, title, mode_runs))
    goal = next(m for m in results if m.mode == GOAL_MODE)
    all_ok = all(m.all_confirmed for m in results)
    return QuestionsBench(modes=results, causes=runs, mean=goal.mean, max=goal.max, baseline_mean=goal.baseline_mean,
                          baseline_max=goal.baseline_max, reduction=goal.reduction,
                          log2_causes=round(math.log2(len(advisor.kb.causes)), 3), all_confirmed=all_ok,
                          goals_met=all_ok and goal.mean <= GOAL_MEAN and goal.max <= GOAL_MAX)
