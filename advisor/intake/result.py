"""What the intake understood from one text: the contract the CLI (`diagnose --say
--json`), the TUI confirmation screen and the benchmark share."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from advisor.engine.observations import Observation, Source


class Understood(BaseModel):
    """One fact read from the text, with the words that say it."""

    observation: str
    value: str | float
    confidence: float = Field(ge=0, le=1)
    words: str = Field(description="the customer's own words that triggered it")
    rule: str = Field(description="the vocabulary entry (knowledge/intake.yaml) that matched")
    applied: bool = Field(description="at or above the threshold and not contradicted")
    why_not: str = Field("", description="why it is not applied (below threshold, contradicted, ...)")
    corrections: list[str] = Field(default_factory=list, description="typos read as vocabulary words, 'outbund -> outbound'")

    def observation_model(self) -> Observation:
        note = f"understood from the customer's words (intake rule {self.rule}, confidence {self.confidence:.2f})"
        if self.corrections:
            note += "; read " + ", ".join(self.corrections)
        return Observation(id=self.observation, value=self.value, source=Source(kind="text", detail=self.words),
                           note=note)


class Mention(BaseModel):
    """Something the text names but denies or describes as working ("not dropping", "inbound works")."""

    kind: Literal["negated", "working"]
    rule: str
    words: str


class SymptomCandidate(BaseModel):
    """A heading of the guide that fits what was understood."""

    id: str
    title: str
    confidence: float = Field(ge=0, le=1)
    matched: list[str] = Field(description="observation=value pairs of the heading that the text gives")
    missing: list[str] = Field(description="observation=value pairs of the heading the text does not give")
    applied: bool


class InputItem(BaseModel):
    """A number, address, host or country the text names, kept for the number and address checks."""

    kind: Literal["phone_number", "ip_address", "host", "country"]
    text: str
    value: str = Field(description="normalised: E.164 when it parses, the address, the host, the ISO region")
    detail: str = ""
    probe: str | None = Field(None, description="the probe request that checks it, e.g. numbers=+14155550100")


class Understanding(BaseModel):
    text: str
    threshold: float
    understood: list[Understood] = Field(default_factory=list)
    symptoms: list[SymptomCandidate] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    inputs: list[InputItem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="parts of the text nothing was understood from")
    warnings: list[str] = Field(default_factory=list, description="contradictions within the text")

    def applied(self) -> list[Understood]:
        return [u for u in self.understood if u.applied]

    def observations(self) -> list[Observation]:
        """The applied facts as observations with source kind `text` and the triggering words."""
        return [u.observation_model() for u in self.applied()]
