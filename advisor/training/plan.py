"""Which case next, and which cases make an exam.

Next case: with probability `selection.weakest_bias` a case of one of the
trainee's weakest causes (lowest smoothed accuracy; causes never tried count as
half-known), otherwise any case not yet worked; never the case just worked.
An exam is a fixed, seeded draw spread over the problem families, so a team
lead can hand the same exam to everyone.
"""

from __future__ import annotations

import random
from collections import defaultdict

from advisor.training.library import CaseLibrary
from advisor.training.models import CaseDef
from advisor.training.progress import RoundRecord
from advisor.training.report import ExamResult


def weakness(library: CaseLibrary, rounds: list[RoundRecord]) -> dict[str, float]:
    """Per cause, the smoothed share of wrong answers ((wrong + 1) / (done + 2)): higher is weaker."""
    done: dict[str, int] = defaultdict(int)
    wrong: dict[str, int] = defaultdict(int)
    for r in rounds:
        for cause in r.score.true_causes[:1]:
            done[cause] += 1
            wrong[cause] += 0 if r.score.cause_correct else 1
    causes = {c for case in library.cases.values() for c in case.causes[:1]}
    return {c: (wrong[c] + 1) / (done[c] + 2) for c in sorted(causes)}


def next_case(library: CaseLibrary, rounds: list[RoundRecord], rng: random.Random) -> CaseDef:
    cases = list(library.cases.values())
    last = rounds[-1].score.case if rounds else None
    worked = {r.score.case for r in rounds}
    pool = [c for c in cases if c.id != last] or cases
    if rng.random() < library.settings.selection.weakest_bias:
        weak = weakness(library, rounds)
        ranked = sorted(weak, key=lambda c: (-weak[c], c))
        for cause in ranked[:3]:
            options = [c for c in pool if c.causes[:1] == [cause]]
            fresh = [c for c in options if c.id not in worked] or options
            if fresh:
                return rng.choice(sorted(fresh, key=lambda c: c.id))
    fresh = [c for c in pool if c.id not in worked] or pool
    return rng.choice(sorted(fresh, key=lambda c: c.id))


def exam_id(seed: int, n: int) -> str:
    return f"exam-{seed}-{n}"


def exam_cases(library: CaseLibrary, seed: int, n: int) -> list[CaseDef]:
    """n cases, round-robin over families (by the true cause's family), seeded: the same every time."""
    rng = random.Random(seed)
    by_family: dict[str, list[CaseDef]] = defaultdict(list)
    for case in sorted(library.cases.values(), key=lambda c: c.id):
        by_family[case.family or "not_sure"].append(case)
    for cases in by_family.values():
        rng.shuffle(cases)
    order = sorted(by_family)
    rng.shuffle(order)
    picked: list[CaseDef] = []
    while len(picked) < n and any(by_family.values()):
        for fam in order:
            if by_family[fam] and len(picked) < n:
                picked.append(by_family[fam].pop())
    return picked


def exam_result(library: CaseLibrary, exam: str, cases: list[CaseDef], rounds: list[RoundRecord]) -> ExamResult:
    """Each exam case counts once (its first scored round); missing cases score 0."""
    first: dict[str, float] = {}
    for r in rounds:
        if r.exam == exam and r.score.case not in first:
            first[r.score.case] = r.score.total
    scores = [first.get(c.id, 0.0) for c in cases]
    mean = sum(scores) / len(scores) if scores else 0.0
    mark = library.settings.exam.pass_mark
    done = sum(1 for c in cases if c.id in first)
    return ExamResult(exam=exam, cases=len(cases), done=done, mean_score=round(mean, 1), pass_mark=mark,
                      passed=done == len(cases) and mean >= mark)
