"""The expert-scenario suite: answer sets written from the guide and the carrier's docs."""

from __future__ import annotations

import pytest

from advisor.engine.diagnosis import Advisor
from tests.scenarios.check import evaluate, load_scenarios

SCENARIOS = load_scenarios()


def test_the_suite_is_big_enough_and_ids_are_unique() -> None:
    ids = [s.id for s in SCENARIOS]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(advisor: Advisor, scenario: object) -> None:
    from tests.scenarios.check import Scenario

    assert isinstance(scenario, Scenario)
    assert evaluate(advisor, scenario) == []
