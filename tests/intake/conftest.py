"""The intake compiled once for the module's tests."""

from __future__ import annotations

import pytest

from advisor.intake.result import Understanding
from advisor.intake.understand import Intake
from advisor.kb.loader import KnowledgeBase


@pytest.fixture(scope="session")
def intake(kb: KnowledgeBase) -> Intake:
    return Intake(kb)


def applied(u: Understanding) -> dict[str, str | float]:
    """The applied facts, without the derived guide heading."""
    return {x.observation: x.value for x in u.applied() if x.observation != "symptom"}
