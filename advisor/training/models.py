"""The training case library's schema: what a case is, what the customer knows, how scores are weighed.

Cases live in knowledge/training/cases/*.yaml and the scoring settings in
knowledge/training/settings.yaml: adding a case or changing a weight needs no
Python. A case holds the hidden truth (every fact of the failing trunk), what
the simulated customer can tell from it, and the artefacts a trainee may ask
for (a trace, the carrier's alert, probe results), each revealing facts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CaseId = Annotated[str, Field(pattern=r"^case\.[a-z0-9_.\-]+$", max_length=120)]
Fact = str | float
Artefact = Literal["trace", "alert", "probes"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text(value: Any) -> Any:
    """YAML's yes/no booleans and bare numbers become strings; the loader normalises them per observation."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if isinstance(value, int | float) else value


def _facts(value: Any) -> Any:
    return {str(k): _text(v) for k, v in value.items()} if isinstance(value, dict) else value


class ArtefactDef(_Strict):
    """Something the trainee can request; it reveals facts the customer could not tell."""

    summary: str = Field(description="what the trainee is shown when asking for it")
    reveals: dict[str, Fact] = Field(default_factory=dict)
    file: str | None = Field(None, description="a trace file under knowledge/training/traces/, shown on request")
    code: str | None = Field(None, description="the carrier's alert code, for an `alert` artefact")

    _norm = field_validator("reveals", mode="before")(classmethod(lambda cls, v: _facts(v)))


class CaseDef(_Strict):
    """One practice case: the customer's words, the hidden truth, what can be learned and how."""

    id: CaseId
    title: str
    cause: str | None = Field(description="the true cause id; null for a healthy trunk (nothing wrong)")
    also: list[str] = Field(default_factory=list, description="a second fault present at the same time")
    words: str = Field(description="the customer's first report, in their words")
    family: str | None = Field(None, description="the problem family a trainee should pick")
    facts: dict[str, Fact] = Field(description="the hidden truth, observation -> value")
    customer_knows: list[str] | None = Field(
        None, description="facts the customer can tell; default: those whose question is cheap (settings)")
    customer_unsure: list[str] = Field(default_factory=list, description="facts the customer answers 'I don't know'")
    inconsistent: dict[str, list[Fact]] = Field(
        default_factory=dict, description="facts the customer first gets wrong: answers in the order given")
    artefacts: dict[Artefact, ArtefactDef] = Field(default_factory=dict)
    difficulty: int = Field(1, ge=1, le=3)
    tags: list[str] = Field(default_factory=list)
    source: str = Field(description="where the case comes from: generated from ..., transcript X, hand-written")

    _norm = field_validator("facts", mode="before")(classmethod(lambda cls, v: _facts(v)))

    @field_validator("inconsistent", mode="before")
    @classmethod
    def _norm_lists(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): [_text(x) for x in xs] if isinstance(xs, list) else xs for k, xs in v.items()}
        return v

    @model_validator(mode="after")
    def _healthy_has_no_second_fault(self) -> CaseDef:
        if self.cause is None and self.also:
            raise ValueError("a healthy case (cause: null) cannot list a second fault in `also`")
        return self

    @property
    def causes(self) -> list[str]:
        """Every cause that counts as a right answer."""
        return ([self.cause] if self.cause else []) + list(self.also)


class CasesFile(_Strict):
    cases: list[CaseDef]


class Scoring(_Strict):
    cause_correct: int = Field(60, ge=0)
    fix_correct: int = Field(20, ge=0)
    efficiency: int = Field(20, ge=0, description="full points when the trainee's question cost is not above the advisor's")
    per_extra_cost: float = Field(2.0, ge=0, description="efficiency points lost per unit of cost above the advisor's")
    hint: int = Field(5, ge=0, description="points a hint costs")
    artefact_cost: int = Field(2, ge=0, description="question cost a requested artefact counts as")


class ExamSettings(_Strict):
    cases: int = Field(10, ge=1)
    pass_mark: int = Field(70, ge=0, le=100, description="average score needed to pass")
    seed: int = 2026


class CustomerSettings(_Strict):
    knows_up_to_cost: int = Field(2, ge=1, le=5, description="the customer can answer questions up to this cost")


class Selection(_Strict):
    weakest_bias: float = Field(0.7, ge=0, le=1, description="share of picks drawn from the trainee's weakest causes")


class TrainingSettings(_Strict):
    scoring: Scoring = Scoring()
    exam: ExamSettings = ExamSettings()
    customer: CustomerSettings = CustomerSettings()
    selection: Selection = Selection()
