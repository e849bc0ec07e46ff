"""The simulated customer: answers from the case's hidden truth, the way a real one would.

A real customer can tell what their phones do and what is on their PBX
screen; they cannot read a capture or the carrier's console for you. So the
customer answers a question only when its cost is within what a customer can
check (settings.customer.knows_up_to_cost) or the case says they know it, says
"I don't know" otherwise, and gets a fact wrong only when the case says so.
"""

from __future__ import annotations

from pydantic import BaseModel

from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN
from advisor.training.models import Artefact, CaseDef, Fact, TrainingSettings

SYMPTOM = "symptom"


class Reply(BaseModel):
    """What the customer said to one question."""

    observation: str
    value: Fact
    words: str
    why_unknown: str | None = None


class ArtefactView(BaseModel):
    """An artefact handed to the trainee: what it shows and the facts it proves."""

    name: Artefact
    summary: str
    reveals: dict[str, Fact]
    file: str | None = None
    text: str | None = None


class Customer:
    """One customer per attempt: remembers how often a fact was asked (for inconsistent answers)."""

    def __init__(self, kb: KnowledgeBase, case: CaseDef, settings: TrainingSettings) -> None:
        self.kb = kb
        self.case = case
        self.settings = settings
        self._asked: dict[str, int] = {}

    def knows(self, obs_id: str) -> bool:
        if obs_id in self.case.customer_unsure:
            return False
        if self.case.customer_knows is not None:
            return obs_id in self.case.customer_knows or obs_id == SYMPTOM
        question = self.kb.question_for.get(obs_id)
        cost = question.cost if question else 5
        return cost <= self.settings.customer.knows_up_to_cost

    def answer(self, obs_id: str) -> Reply:
        n = self._asked.get(obs_id, 0)
        self._asked[obs_id] = n + 1
        wrong = self.case.inconsistent.get(obs_id)
        if wrong and n < len(wrong):
            value = wrong[n]
            return Reply(observation=obs_id, value=value, words=self._words(obs_id, value))
        truth = self.truth(obs_id)
        if truth is None:
            return Reply(observation=obs_id, value=UNKNOWN, words="I don't know, I've never looked at that.",
                         why_unknown="the case has no such fact: nothing the customer could tell")
        if not self.knows(obs_id):
            question = self.kb.question_for.get(obs_id)
            reason = (f"a cost-{question.cost} check: needs a capture, the carrier's console or network access"
                      if question else "not something the customer can see")
            return Reply(observation=obs_id, value=UNKNOWN,
                         words="I'm not sure; I can't check that from here. Can you look at it on your side?",
                         why_unknown=reason)
        return Reply(observation=obs_id, value=truth, words=self._words(obs_id, truth))

    def truth(self, obs_id: str) -> Fact | None:
        """The hidden fact, symptom-implied facts included (a customer who sees 403s knows it's a 403)."""
        if obs_id in self.case.facts:
            return self.case.facts[obs_id]
        symptom = self.case.facts.get(SYMPTOM)
        if isinstance(symptom, str) and symptom in self.kb.symptoms:
            implied = self.kb.symptoms[symptom].implies
            if obs_id in implied:
                return implied[obs_id]
        return None

    def request(self, name: Artefact) -> ArtefactView | None:
        art = self.case.artefacts.get(name)
        if art is None:
            return None
        return ArtefactView(name=name, summary=art.summary, reveals=dict(art.reveals), file=art.file)

    def _words(self, obs_id: str, value: Fact) -> str:
        question = self.kb.question_for.get(obs_id)
        label = question.labels.get(str(value)) if question else None
        if label:
            return label
        unit = self.kb.observations[obs_id].unit if obs_id in self.kb.observations else None
        return f"{value:g} {unit or ''}".strip() if isinstance(value, float) else str(value)
