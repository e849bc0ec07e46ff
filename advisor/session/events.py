"""The session record: an ordered, versioned list of everything that happened.

Saved as JSON after every event; replay, history, tickets and training all read
this one model, so its shape is a compatibility contract (bump SCHEMA_VERSION
and add a migration when it changes).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor import __version__
from advisor.context import TrunkContext
from advisor.engine.observations import Observation
from advisor.session.excerpts import TraceExcerpt

SCHEMA_VERSION = 1


def now() -> datetime:
    return datetime.now(UTC)


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime = Field(default_factory=now)


class ContextEntered(_Event):
    kind: Literal["context"] = "context"
    context: TrunkContext


class FamilyChosen(_Event):
    """The engineer picked a problem family or a guide symptom on the start screen."""

    kind: Literal["family"] = "family"
    family: str
    symptom: str | None = None
    observations: list[Observation] = Field(default_factory=list)


class QuestionShown(_Event):
    kind: Literal["question_shown"] = "question_shown"
    question: str
    observation: str


class AnswerGiven(_Event):
    kind: Literal["answer"] = "answer"
    observation: Observation
    question: str | None = None


class AnswerChanged(_Event):
    kind: Literal["answer_changed"] = "answer_changed"
    observation: Observation
    previous: str | float | None = None
    question: str | None = None


class NoteTyped(_Event):
    kind: Literal["note"] = "note"
    text: str
    question: str | None = None


class TextReported(_Event):
    """Free text from the customer; intake may turn it into observations."""

    kind: Literal["text"] = "text"
    text: str
    observations: list[Observation] = Field(default_factory=list)


class TraceAttached(_Event):
    kind: Literal["trace"] = "trace"
    file: str
    format: str = ""
    calls: int = 0
    observations: list[Observation] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    excerpts: list[TraceExcerpt] = Field(default_factory=list,
                                         description="the SIP messages the findings rest on, trimmed")


class ProbeRun(_Event):
    kind: Literal["probe"] = "probe"
    probe: str
    target: str = ""
    ok: bool = True
    summary: str = ""
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    observations: list[Observation] = Field(default_factory=list)


class DiagnosisReached(_Event):
    kind: Literal["diagnosis"] = "diagnosis"
    status: str
    cause: str | None
    confidence: float = 0.0
    summary: str = ""


class ExportMade(_Event):
    kind: Literal["export"] = "export"
    format: str
    destination: str


Event = Annotated[
    ContextEntered | FamilyChosen | QuestionShown | AnswerGiven | AnswerChanged | NoteTyped | TextReported
    | TraceAttached | ProbeRun | DiagnosisReached | ExportMade,
    Field(discriminator="kind"),
]


class SessionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    id: str = Field(default_factory=lambda: now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6])
    created: datetime = Field(default_factory=now)
    advisor_version: str = __version__
    title: str = ""
    events: list[Event] = Field(default_factory=list)
