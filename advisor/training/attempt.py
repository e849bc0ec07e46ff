"""One trainee working one case: questions to the simulated customer, artefacts, hints, a conclusion.

Every step is measured the same way the debrief shows it: how many candidate
causes were still possible before and after, so a question that kept every
candidate is visible. The advisor's own path on the same case is computed with
the same customer and the same costs, so the comparison is fair.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from advisor.engine.diagnosis import Advisor, Diagnosis
from advisor.engine.observations import Observation, Source, SourceKind
from advisor.kb.models import UNKNOWN
from advisor.training.customer import ArtefactView, Customer, Reply
from advisor.training.library import CaseLibrary
from advisor.training.models import Artefact, CaseDef, Fact

MAX_STEPS = 40
ARTEFACT_ORDER: tuple[Artefact, ...] = ("trace", "alert", "probes")
_ARTEFACT_SOURCE: dict[Artefact, SourceKind] = {"trace": "trace", "alert": "answer", "probes": "probe"}
HEALTHY = "none"
"""What a trainee concludes for "nothing is wrong with the trunk"."""


class Step(BaseModel):
    """A question asked, an artefact requested or a hint taken, and how much it narrowed the causes."""

    kind: Literal["question", "artefact", "hint"]
    observation: str | None = None
    artefact: Artefact | None = None
    value: Fact | None = None
    words: str = ""
    cost: int = 0
    candidates_before: int
    candidates_after: int
    ruled_out: list[str] = Field(default_factory=list)

    @property
    def kept_every_candidate(self) -> bool:
        return self.kind != "hint" and self.candidates_after == self.candidates_before


class Conclusion(BaseModel):
    cause: str = Field(description=f"a cause id, or {HEALTHY!r} for a healthy trunk")
    fix: str = Field(description="the cause whose fix the trainee would apply")


def candidates(d: Diagnosis) -> list[str]:
    return [c.id for c in d.causes if c.status != "ruled_out"]


class Attempt:
    """A trainee's round on one case; the caller drives it (CLI, TUI, or a script)."""

    def __init__(self, advisor: Advisor, library: CaseLibrary, case: CaseDef, *, hints_allowed: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.advisor = advisor
        self.library = library
        self.case = case
        self.customer = Customer(advisor.kb, case, library.settings)
        self.hints_allowed = hints_allowed
        self.steps: list[Step] = []
        self.observations: list[Observation] = []
        self.revealed: dict[Artefact, ArtefactView] = {}
        self.replies: list[Reply] = []
        self.hint_texts: list[str] = []
        self._clock = clock
        self.started = clock()
        self.finished: float | None = None
        self.family: str | None = None

    # ---- state -------------------------------------------------------------------
    def diagnosis(self) -> Diagnosis:
        return self.advisor.diagnose(self.observations)

    @property
    def hints(self) -> int:
        return sum(1 for s in self.steps if s.kind == "hint")

    def asked(self) -> set[str]:
        return {s.observation for s in self.steps if s.kind == "question" and s.observation}

    # ---- actions -------------------------------------------------------------------
    def choose_family(self, family: str) -> None:
        """Picking the problem family from the customer's words is free (it is what the words say)."""
        kb = self.advisor.kb
        if family not in kb.families:
            raise ValueError(f"unknown family {family!r} (known: {', '.join(kb.families)})")
        self.family = family
        for obs_id, value in kb.families[family].implies.items():
            self.observations.append(Observation(id=obs_id, value=value, source=Source(kind="symptom",
                                                                                       detail=f"family {family}")))

    def ask(self, obs_id: str) -> Reply:
        kb = self.advisor.kb
        if obs_id not in kb.observations:
            raise ValueError(f"unknown observation {obs_id!r}")
        question = kb.question_for.get(obs_id)
        reply = self.customer.answer(obs_id)
        obs = Observation(id=obs_id, value=reply.value, source=Source(kind="answer", detail="customer"),
                          note=reply.words)
        self._step(Step(kind="question", observation=obs_id, value=reply.value, words=reply.words,
                        cost=question.cost if question else 3, candidates_before=0, candidates_after=0), [obs])
        self.replies.append(reply)
        return reply

    def request(self, name: Artefact) -> ArtefactView:
        view = self.customer.request(name)
        if view is None:
            raise ValueError(f"this case has no {name} to hand over (available: "
                             f"{', '.join(self.case.artefacts) or 'none'})")
        if view.file is not None:
            path = self.library.trace_path(view.file)
            view = view.model_copy(update={"text": path.read_text(encoding="utf-8", errors="replace")})
        kind = _ARTEFACT_SOURCE[name]
        obs = [Observation(id=k, value=v, source=Source(kind=kind, detail=f"training {name}", file=view.file))
               for k, v in view.reveals.items()]
        self.revealed[name] = view
        self._step(Step(kind="artefact", artefact=name, words=view.summary,
                        cost=self.library.settings.scoring.artefact_cost, candidates_before=0,
                        candidates_after=0), obs)
        return view

    def hint(self) -> str:
        """The advisor's next question and why: costs points, not allowed in an exam."""
        if not self.hints_allowed:
            raise ValueError("hints are not allowed in an exam")
        d = self.diagnosis()
        q = d.next_question
        if q is not None:
            text = f"Ask: {q.text} ({q.observation}) - {q.why}"
        else:
            missing = [a for a in ARTEFACT_ORDER if a in self.case.artefacts and a not in self.revealed]
            text = (f"No question separates the remaining causes; request the {missing[0]}." if missing
                    else "Nothing more to learn: commit to the most likely cause.")
        n = len(candidates(d))
        self.steps.append(Step(kind="hint", words=text, candidates_before=n, candidates_after=n))
        self.hint_texts.append(text)
        return text

    def conclude(self, cause: str, fix: str | None = None) -> Conclusion:
        kb = self.advisor.kb
        for cid in (cause, fix or cause):
            if cid != HEALTHY and cid not in kb.causes:
                raise ValueError(f"unknown cause {cid!r} (use '{HEALTHY}' for a healthy trunk)")
        self.finished = self._clock()
        return Conclusion(cause=cause, fix=fix or cause)

    @property
    def seconds(self) -> float:
        return (self.finished if self.finished is not None else self._clock()) - self.started

    def _step(self, step: Step, new: list[Observation]) -> None:
        before = candidates(self.diagnosis())
        self.observations.extend(new)
        after = candidates(self.diagnosis())
        gone = [c for c in before if c not in after]
        self.steps.append(step.model_copy(update={"candidates_before": len(before), "candidates_after": len(after),
                                                  "ruled_out": gone}))


class AdvisorPath(BaseModel):
    """What the advisor itself does on the case: its questions, artefacts, and where it ends."""

    steps: list[Step]
    status: str
    cause: str | None

    @property
    def cost(self) -> int:
        return sum(s.cost for s in self.steps)

    @property
    def questions(self) -> int:
        return sum(1 for s in self.steps if s.kind == "question")


def advisor_path(advisor: Advisor, library: CaseLibrary, case: CaseDef) -> AdvisorPath:
    """The advisor asks its own best questions of the same customer, and asks for artefacts when stuck."""
    run = Attempt(advisor, library, case)
    if case.family is not None:
        run.choose_family(case.family)
    for _ in range(MAX_STEPS):
        d = run.diagnosis()
        if d.conclusion.status == "confirmed":
            break
        q = d.next_question
        if q is not None and q.observation not in run.asked():
            run.ask(q.observation)
            continue
        missing = [a for a in ARTEFACT_ORDER if a in case.artefacts and a not in run.revealed]
        if not missing:
            break
        run.request(missing[0])
    d = run.diagnosis()
    status = d.conclusion.status
    cause = d.conclusion.cause if status == "confirmed" else None
    if status in ("no_candidates",) or (case.cause is None and status != "confirmed"):
        cause = HEALTHY if status == "no_candidates" else cause
    return AdvisorPath(steps=run.steps, status=status, cause=cause)


def truth_observations(case: CaseDef) -> list[Observation]:
    """Everything true about the case (facts and all artefacts), for checking it is solvable at all."""
    obs = [Observation(id=k, value=v, source=Source(kind="answer", detail="truth")) for k, v in case.facts.items()
           if v != UNKNOWN]
    for name, art in case.artefacts.items():
        obs += [Observation(id=k, value=v, source=Source(kind=_ARTEFACT_SOURCE[name], detail=name))
                for k, v in art.reveals.items()]
    return obs
