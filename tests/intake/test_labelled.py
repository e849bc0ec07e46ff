"""The labelled phrasings (tests/intake/phrasings.yaml and the held-out
heldout.yaml), scored the way `advisor bench intake` scores them: no wrong
fact applied, and an acceptable first cause for at least 90 % of each set."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.bench.intake_bench import FIRST_CAUSE_GOAL, IntakeBench, load_cases, run_intake_bench
from advisor.engine.diagnosis import Advisor

HERE = Path(__file__).parent
FILES = [HERE / "phrasings.yaml", HERE / "heldout.yaml", HERE / "real.yaml"]
"""real2.yaml (the blind set) is scored by `advisor bench intake` only: its misses are known and listed
in benchmarks/intake.md, and it must not become a target."""


@pytest.fixture(scope="module")
def bench(advisor: Advisor) -> IntakeBench:
    return run_intake_bench(advisor, FILES)


def test_the_labelled_set_is_big_enough_and_has_a_held_out_part() -> None:
    tuning, held_out, _ = (load_cases(f) for f in FILES)
    assert len(tuning) + len(held_out) >= 100
    assert len(held_out) >= 0.2 * (len(tuning) + len(held_out))
    assert len({c.id for c in tuning + held_out}) == len(tuning) + len(held_out)


def test_no_wrong_fact_is_applied(bench: IntakeBench) -> None:
    wrong = {c.id: c.wrong for c in bench.cases if c.wrong}
    assert wrong == {}
    assert not [c.id for c in bench.cases if c.symptom_consistent is False]


@pytest.mark.parametrize("name", ["tuning", "held-out", "real"])
def test_first_cause_goal(bench: IntakeBench, name: str) -> None:
    score = next(s for s in bench.sets if s.name == name)
    failed = [(c.id, c.first_cause) for c in bench.cases if c.set == name and c.first_ok is False]
    assert score.first_cause_share >= FIRST_CAUSE_GOAL, failed
