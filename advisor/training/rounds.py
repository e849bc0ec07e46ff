"""A whole round from a list of choices: what `advisor train run`, batch exams and tests share.

The interactive TUI drives an `Attempt` step by step; scripts give every
choice up front. Both end the same way: score, debrief, and the round stored
in the trainee's progress.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from advisor.engine.diagnosis import Advisor
from advisor.training.attempt import Attempt, Conclusion, advisor_path
from advisor.training.customer import ArtefactView, Reply
from advisor.training.library import CaseLibrary
from advisor.training.models import Artefact
from advisor.training.progress import ProgressStore, RoundRecord
from advisor.training.scoring import Debrief, debrief


class Choice(BaseModel):
    """One move of the trainee: a question (observation id), an artefact request, or a hint."""

    ask: str | None = None
    request: Artefact | None = None
    hint: bool = False


class RoundResult(BaseModel):
    case: str
    words: str
    family: str | None
    replies: list[Reply] = Field(default_factory=list)
    artefacts: list[ArtefactView] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    debrief: Debrief
    recorded: bool


def play(advisor: Advisor, library: CaseLibrary, case_id: str, choices: Sequence[Choice], conclude: str,
         fix: str | None = None, *, family: str | None = None, trainee: str | None = None,
         exam: str | None = None, store: ProgressStore | None = None) -> RoundResult:
    """Play a round; raises ValueError (one line) for an unknown case, observation, artefact or cause."""
    case = library.cases.get(case_id)
    if case is None:
        raise ValueError(f"unknown case {case_id!r} (see `advisor train cases`)")
    attempt = Attempt(advisor, library, case, hints_allowed=exam is None)
    if family is not None:
        attempt.choose_family(family)
    for choice in choices:
        if choice.ask is not None:
            attempt.ask(choice.ask)
        elif choice.request is not None:
            attempt.request(choice.request)
        elif choice.hint:
            attempt.hint()
    return finish(attempt, attempt.conclude(conclude, fix), trainee=trainee, exam=exam, store=store)


def finish(attempt: Attempt, conclusion: Conclusion, *, trainee: str | None = None, exam: str | None = None,
           store: ProgressStore | None = None) -> RoundResult:
    """Score and debrief a concluded attempt against the advisor's path; store it for the trainee."""
    case = attempt.case
    path = advisor_path(attempt.advisor, attempt.library, case)
    report = debrief(attempt, conclusion, path, attempt.library.settings.scoring)
    recorded = False
    if trainee is not None and store is not None:
        store.add(RoundRecord(trainee=trainee, family=case.family or "not_sure", exam=exam, score=report.score))
        recorded = True
    return RoundResult(case=case.id, words=case.words, family=attempt.family, replies=list(attempt.replies),
                       artefacts=list(attempt.revealed.values()), hints=list(attempt.hint_texts), debrief=report,
                       recorded=recorded)
