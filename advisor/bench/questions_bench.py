"""`advisor bench questions`: how many questions until each catalog cause is confirmed.

A simulated engineer answers truthfully from the knowledge base's own
expectations for the true cause (its first `requires` alternative, then its
`supports`), and "I don't know" wherever the cause says nothing. The advisor's
question choice is compared with a baseline that walks the guide top to
bottom, asking each cause's required facts in turn.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

from pydantic import BaseModel

from advisor.engine.diagnosis import Advisor
from advisor.engine.model import CompiledModel
from advisor.engine.observations import Observation, Source
from advisor.kb.models import UNKNOWN, CauseDef

MAX_QUESTIONS = 25


class CauseRun(BaseModel):
    cause: str
    questions: int
    confirmed: bool
    asked: list[str]
    baseline_questions: int
    baseline_confirmed: bool


class QuestionsBench(BaseModel):
    causes: list[CauseRun]
    mean: float
    max: int
    baseline_mean: float
    baseline_max: int
    reduction: float
    log2_causes: float
    all_confirmed: bool
    goals_met: bool

    def render(self) -> str:
        rows = [f"{'cause':<50} {'advisor':>8} {'guide order':>12}"]
        for r in self.causes:
            mark = "" if r.confirmed else "  NOT CONFIRMED"
            rows.append(f"{r.cause:<50} {r.questions:>8} {r.baseline_questions:>12}{mark}")
        rows += [
            "",
            f"advisor:     mean {self.mean:.2f}  max {self.max}",
            f"guide order: mean {self.baseline_mean:.2f}  max {self.baseline_max}",
            f"reduction:   {self.reduction:.0%} fewer questions than the guide order",
            f"log2(causes) = {self.log2_causes:.2f}",
            f"goals (all confirmed, mean <= 3, max <= 5, >= 40% fewer): {'met' if self.goals_met else 'NOT met'}",
        ]
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


def _simulate(advisor: Advisor, cause: CauseDef, pick: Callable[[dict[str, Observation]], str | None]) -> tuple[int, bool, list[str]]:
    model = advisor.reasoner.model
    known: dict[str, Observation] = {}
    asked: list[str] = []
    while len(asked) < MAX_QUESTIONS:
        d = advisor.diagnose(known.values())
        if d.conclusion.status == "confirmed":
            return len(asked), d.conclusion.cause == cause.id, asked
        obs = pick(known) if pick is not _advisor_pick else (d.next_question.observation if d.next_question else None)
        if obs is None:
            return len(asked), False, asked
        asked.append(obs)
        known[obs] = Observation(id=obs, value=truthful_answer(model, cause, obs),
                                 source=Source(kind="answer", detail="bench"))
    return len(asked), False, asked


def _advisor_pick(known: dict[str, Observation]) -> str | None:  # marker: use the advisor's own choice
    return None


def guide_order(advisor: Advisor) -> list[str]:
    """The guide's order: each cause's required facts, cause after cause."""
    order: list[str] = []
    for cause in advisor.kb.causes.values():
        for obs in cause.requires[0]:
            if obs not in order and obs in advisor.kb.question_for:
                order.append(obs)
    return order


def run_questions_bench(advisor: Advisor | None = None) -> QuestionsBench:
    advisor = advisor or Advisor()
    order = guide_order(advisor)

    def baseline_pick(known: dict[str, Observation]) -> str | None:
        return next((o for o in order if o not in known), None)

    runs = []
    for cause in advisor.kb.causes.values():
        n, ok, asked = _simulate(advisor, cause, _advisor_pick)
        bn, bok, _ = _simulate(advisor, cause, baseline_pick)
        runs.append(CauseRun(cause=cause.id, questions=n, confirmed=ok, asked=asked,
                             baseline_questions=bn, baseline_confirmed=bok))
    counts = [r.questions for r in runs]
    base = [r.baseline_questions for r in runs]
    mean, bmean = statistics.fmean(counts), statistics.fmean(base)
    reduction = 1 - mean / bmean if bmean else 0.0
    all_ok = all(r.confirmed for r in runs)
    return QuestionsBench(causes=runs, mean=round(mean, 3), max=max(counts), baseline_mean=round(bmean, 3),
                          baseline_max=max(base), reduction=round(reduction, 3),
                          log2_causes=round(math.log2(len(runs)), 3), all_confirmed=all_ok,
                          goals_met=all_ok and mean <= 3 and max(counts) <= 5 and reduction >= 0.4)
