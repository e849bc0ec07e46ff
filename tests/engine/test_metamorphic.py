"""Metamorphic tests generated from the knowledge base itself.

For every cause and every single fact that rules it out (directly or through
derived facts), the cause is never first; adding a fact that supports the
leading cause never lowers its rank; swapping the call direction never leaves
a cause of the wrong direction possible.
"""

from __future__ import annotations

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KnowledgeBase, cause_direction, load_kb

KB = load_kb()


def _obs(values: dict[str, str | float]) -> list[Observation]:
    return [Observation(id=k, value=v, source=Source(kind="answer", detail=k)) for k, v in values.items()]


def _ruling_out_facts(kb: KnowledgeBase) -> list[tuple[str, str, str | float]]:
    """(cause, observation, value) for every single answer that rules the cause out on its own."""
    from advisor.engine.derive import Deriver
    from advisor.engine.model import compile_model
    from advisor.kb.lint import _breaks

    deriver, model = Deriver(kb), compile_model(kb)
    out = []
    for cause in kb.causes.values():
        for q in kb.questions.values():
            for v in model.cells[q.observation].samples:
                if _breaks(kb, cause, q.observation, v, deriver):
                    out.append((cause.id, q.observation, v))
    return out


RULING_OUT = _ruling_out_facts(KB)


def test_the_generated_cases_cover_every_cause() -> None:
    assert {c for c, _, _ in RULING_OUT} == set(KB.causes)


@pytest.mark.parametrize(("cause", "obs", "value"), RULING_OUT[::3], ids=lambda x: str(x))
def test_a_fact_that_rules_a_cause_out_never_leaves_it_first(advisor: Advisor, cause: str, obs: str,
                                                            value: str | float) -> None:
    symptom = KB.causes[cause].symptom
    given = {"symptom": symptom, obs: value} if obs != "symptom" else {obs: value}
    d = advisor.diagnose(_obs(given))
    result = next(c for c in d.causes if c.id == cause)
    if d.conflicts:  # the fact clashes with the heading's own facts: shown as a conflict, never confirmed
        assert result.status != "confirmed"
        return
    assert result.status == "ruled_out"
    alive = [c for c in d.causes if c.status != "ruled_out"]
    assert not alive or alive[0].id != cause


@pytest.mark.parametrize("cause", sorted(KB.causes))
def test_a_supporting_fact_never_lowers_the_leaders_rank(advisor: Advisor, cause: str) -> None:
    base = {"symptom": KB.causes[cause].symptom}
    d0 = advisor.diagnose(_obs(base))
    alive = [c for c in d0.causes if c.status != "ruled_out"]
    assert alive, "a cause's own heading must leave some cause possible"
    leader = KB.causes[alive[0].id]
    rank0 = [c.id for c in d0.causes].index(leader.id)
    known = {o.id for o in d0.observations}
    for obs, cond in leader.supports.items():
        if obs in known or obs == "symptom":
            continue
        value = next((s for s in advisor.reasoner.model.cells[obs].samples if cond.holds(s)), None)
        if value is None:
            continue
        d1 = advisor.diagnose(_obs({**base, obs: value}))
        rank1 = [c.id for c in d1.causes].index(leader.id)
        assert rank1 <= rank0, (leader.id, obs, value)


@pytest.mark.parametrize("cause", sorted(c for c in KB.causes if cause_direction(KB.causes[c]) != "any"))
def test_swapping_the_direction_leaves_no_cause_of_the_wrong_direction(advisor: Advisor, cause: str) -> None:
    own = cause_direction(KB.causes[cause])
    other = "origination" if own == "termination" else "termination"
    d = advisor.diagnose(_obs({"call_direction": other}))
    assert next(c for c in d.causes if c.id == cause).status == "ruled_out"
    for c in d.causes:
        if c.status != "ruled_out":
            assert cause_direction(KB.causes[c.id]) in (other, "any"), c.id
