"""The one vocabulary of facts: an observation is a value plus where it came from.

Answers, probe results, trace findings and free-text intake all produce
`Observation`s; the engine only reads id and value, the session and exports
show the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["answer", "symptom", "text", "probe", "trace", "context", "derived"]


class Source(BaseModel):
    """Where a fact came from: enough to find the proof again."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind
    detail: str = Field("", description="question id, probe name, quoted words, or trace reference")
    file: str | None = None
    frame: int | None = None
    line: int | None = None
    at: datetime | None = Field(None, description="when the fact was observed (message time for traces)")
    derived_from: list[str] | None = Field(
        None, description="for a derived fact: the premises (observation=value) it follows from")

    def label(self) -> str:
        if self.kind == "trace":
            where = self.file or ""
            if self.frame is not None:
                where += f"#frame {self.frame}"
            elif self.line is not None:
                where += f":line {self.line}"
            return f"trace:{where}" if where else f"trace:{self.detail}"
        if self.kind == "text":
            return f'text:"{self.detail}"'
        if self.kind == "derived":
            return f"derived from {' and '.join(self.derived_from)}" if self.derived_from else f"derived:{self.detail}"
        if self.kind == "probe":
            stamp = f"@{self.at.isoformat(timespec='seconds')}" if self.at else ""
            return f"probe:{self.detail}{stamp}"
        return f"{self.kind}:{self.detail}" if self.detail else self.kind


class Observation(BaseModel):
    """A fact about the failing trunk; value "unknown" means "I don't know"."""

    model_config = ConfigDict(extra="forbid")

    id: str
    value: str | float
    source: Source
    note: str | None = Field(None, description="what exactly was seen, for the audit trail")


def effective(observations: Iterable[Observation]) -> dict[str, Observation]:
    """Latest observation per id wins: a changed answer simply replaces the old one."""
    out: dict[str, Observation] = {}
    for obs in observations:
        out.pop(obs.id, None)
        out[obs.id] = obs
    return out
