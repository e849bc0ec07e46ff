"""`advisor bench intake`: how well the intake reads labelled customer phrasings.

Each labelled phrasing (tests/intake/*.yaml) lists the facts its text states
(`expect`), facts it implies (`also_ok`) and the acceptable first causes. We
run the intake, apply what it understood above the threshold, and report per
observation precision (applied facts that are expected or implied) and recall
(expected facts applied), every wrong fact applied, and the share of
phrasings whose first cause after the text alone is acceptable. The held-out
file is reported on its own: it is never used to tune the vocabulary.
"""

from __future__ import annotations

import fnmatch
import time
from collections import defaultdict
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from advisor.engine.diagnosis import Advisor
from advisor.intake.understand import Intake
from advisor.kb.loader import SYMPTOM_OBSERVATION

FIRST_CAUSE_GOAL = 0.9
SET_NAMES = {"phrasings": "tuning", "heldout": "held-out", "real": "real"}
"""File stem -> set name; other files are reported under their own stem."""


class Case(BaseModel):
    id: str
    text: str
    source: str | None = None
    expect: dict[str, str | float] = Field(default_factory=dict)
    also_ok: dict[str, str | float] = Field(default_factory=dict)
    first: list[str] | None = None


class CaseResult(BaseModel):
    id: str
    set: str
    applied: dict[str, str | float]
    wrong: list[str]
    missed: list[str]
    first_cause: str | None
    first_ok: bool | None
    symptom: str | None
    symptom_consistent: bool | None


class ObservationScore(BaseModel):
    observation: str
    applied: int
    correct: int
    expected: int
    found: int
    precision: float | None
    recall: float | None


class SetScore(BaseModel):
    name: str
    phrasings: int
    with_first_cause: int
    first_cause_ok: int
    first_cause_share: float
    wrong_applied: int
    expected_facts: int
    found_facts: int
    recall: float


class IntakeBench(BaseModel):
    threshold: float
    sets: list[SetScore]
    observations: list[ObservationScore]
    cases: list[CaseResult]
    mean_ms: float
    longest_ms: float = Field(description="one text of the longest length read (intake.yaml max_chars), made of the phrasings")
    goals_met: bool

    def render(self) -> str:
        rows = [f"{'observation':<42} {'applied':>7} {'precision':>9} {'expected':>8} {'recall':>7}"]
        for o in self.observations:
            p = f"{o.precision:.0%}" if o.precision is not None else "-"
            r = f"{o.recall:.0%}" if o.recall is not None else "-"
            rows.append(f"{o.observation:<42} {o.applied:>7} {p:>9} {o.expected:>8} {r:>7}")
        rows.append("")
        for c in self.cases:
            for w in c.wrong:
                rows.append(f"WRONG  {c.id}: {w}")
            if c.first_ok is False:
                rows.append(f"FIRST  {c.id}: first cause {c.first_cause}")
            if c.symptom_consistent is False:
                rows.append(f"SYMPT  {c.id}: applied symptom {c.symptom} implies a fact the text does not give")
        rows.append("")
        for s in self.sets:
            rows.append(f"{s.name:<9} {s.phrasings:>3} phrasings: first cause acceptable {s.first_cause_ok}/"
                        f"{s.with_first_cause} ({s.first_cause_share:.0%}), expected facts found "
                        f"{s.found_facts}/{s.expected_facts} ({s.recall:.0%}), wrong facts applied {s.wrong_applied}")
        rows.append(f"threshold {self.threshold:.2f}; {self.mean_ms:.1f} ms per text; "
                    f"{self.longest_ms:.0f} ms for one text of the longest length read")
        rows.append(f"goals (first cause >= {FIRST_CAUSE_GOAL:.0%} acceptable on every set, no wrong fact applied): "
                    f"{'met' if self.goals_met else 'NOT met'}")
        return "\n".join(rows)


def default_case_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "tests" / "intake"


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    cases = []
    for item in data:
        for key in ("expect", "also_ok"):
            item[key] = {k: ("yes" if v is True else "no" if v is False else v) for k, v in (item.get(key) or {}).items()}
        cases.append(Case.model_validate(item))
    return cases


def _same(a: str | float, b: str | float) -> bool:
    if isinstance(a, float | int) or isinstance(b, float | int):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return str(a) == str(b)


def run_intake_bench(advisor: Advisor, files: list[Path], threshold: float | None = None) -> IntakeBench:
    intake = Intake(advisor.kb)
    limit = intake.vocab.threshold if threshold is None else threshold
    results: list[CaseResult] = []
    per_obs: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # applied, correct, expected, found
    elapsed = 0.0
    count = 0
    for path in files:
        set_name = SET_NAMES.get(path.stem, path.stem)
        for case in load_cases(path):
            t0 = time.perf_counter()
            understanding = intake.understand(case.text, limit)
            elapsed += time.perf_counter() - t0
            count += 1
            applied = {u.observation: u.value for u in understanding.applied()}
            facts = {k: v for k, v in applied.items() if k != SYMPTOM_OBSERVATION}
            wrong, missed = [], []
            for obs, value in facts.items():
                per_obs[obs][0] += 1
                ok = any(obs in d and _same(d[obs], value) for d in (case.expect, case.also_ok))
                if ok:
                    per_obs[obs][1] += 1
                else:
                    wrong.append(f"{obs}={value}")
            for obs, value in case.expect.items():
                per_obs[obs][2] += 1
                if obs in facts and _same(facts[obs], value):
                    per_obs[obs][3] += 1
                else:
                    missed.append(f"{obs}={value}")
            symptom = applied.get(SYMPTOM_OBSERVATION)
            consistent = None
            if symptom is not None:
                implied = advisor.kb.symptoms[str(symptom)].implies
                labels = {**case.also_ok, **case.expect}
                consistent = all(o in labels and _same(labels[o], v) for o, v in implied.items())
            first: str | None = None
            first_ok: bool | None = None
            if case.first is not None:
                diagnosis = advisor.diagnose(understanding.observations())
                first = diagnosis.causes[0].id if diagnosis.causes else None
                first_ok = first is not None and any(fnmatch.fnmatchcase(first, p) for p in case.first)
            results.append(CaseResult(id=case.id, set=set_name, applied=applied, wrong=wrong, missed=missed,
                                      first_cause=first, first_ok=first_ok, symptom=str(symptom) if symptom else None,
                                      symptom_consistent=consistent))
    observations = [
        ObservationScore(observation=obs, applied=a, correct=c, expected=e, found=f,
                         precision=round(c / a, 3) if a else None, recall=round(f / e, 3) if e else None)
        for obs, (a, c, e, f) in sorted(per_obs.items())]
    names = list(dict.fromkeys(r.set for r in results))
    sets = [_score(name, [r for r in results if name == "all" or r.set == name], per_case_expected(files))
            for name in [*names, "all"]]
    sets = [s for s in sets if s.phrasings]
    goals = all(s.first_cause_share >= FIRST_CAUSE_GOAL and s.wrong_applied == 0 for s in sets) \
        and not any(r.symptom_consistent is False for r in results)
    return IntakeBench(threshold=limit, sets=sets, observations=observations, cases=results,
                       mean_ms=round(1000 * elapsed / max(count, 1), 2), longest_ms=_longest(intake, files),
                       goals_met=goals)


def _longest(intake: Intake, files: list[Path]) -> float:
    """Time one text as long as the intake reads, made of the labelled phrasings one after another."""
    texts = [c.text for path in files for c in load_cases(path)]
    if not texts:
        return 0.0
    joined = ""
    while len(joined) < intake.vocab.max_chars:
        joined += "\n".join(texts) + "\n"
    t0 = time.perf_counter()
    intake.understand(joined[:intake.vocab.max_chars])
    return round(1000 * (time.perf_counter() - t0), 1)


def per_case_expected(files: list[Path]) -> dict[str, int]:
    return {c.id: len(c.expect) for path in files for c in load_cases(path)}


def _score(name: str, results: list[CaseResult], expected: dict[str, int]) -> SetScore:
    judged = [r for r in results if r.first_ok is not None]
    ok = sum(1 for r in judged if r.first_ok)
    exp = sum(expected.get(r.id, 0) for r in results)
    missed = sum(len(r.missed) for r in results)
    return SetScore(name=name, phrasings=len(results), with_first_cause=len(judged), first_cause_ok=ok,
                    first_cause_share=round(ok / len(judged), 3) if judged else 1.0,
                    wrong_applied=sum(len(r.wrong) + (r.symptom_consistent is False) for r in results),
                    expected_facts=exp, found_facts=exp - missed, recall=round((exp - missed) / exp, 3) if exp else 1.0)
