"""The probe result document: what `advisor probe --json`, the probe kit and the TUI share.

The kit (standard library only) writes the same shape as plain JSON; these
models are how the advisor reads it back, with size and shape checked.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.probes.wire import WireResult

DetailValue = str | int | float | bool | None
KIT_FORMAT = 1
MAX_RESULTS_BYTES = 2_000_000
"""A probe-results file larger than this is refused (a kit run writes a few kB)."""


class ProbeResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    probe: str = Field(max_length=40)
    role: str = Field(max_length=40)
    target: str = Field(max_length=400)
    outcome: str = Field(max_length=40)
    ok: bool
    summary: str = Field(max_length=2000)
    started: str = Field(max_length=40)
    elapsed_ms: float = Field(ge=0)
    details: dict[str, DetailValue] = Field(default_factory=dict)
    sent: list[str] = Field(default_factory=list)

    @classmethod
    def from_wire(cls, w: WireResult) -> ProbeResult:
        return cls.model_validate(w.to_dict())


class ProbeReport(BaseModel):
    """One run of probes from one place: the engineer's machine or the PBX host (kit)."""

    model_config = ConfigDict(extra="ignore")

    format: Literal[1] = 1
    tool: str = Field("advisor", max_length=80)
    where: str = Field("engineer", max_length=40, description="vantage id from knowledge/probes.yaml")
    host: str = Field("", max_length=255, description="host name of the machine the probes ran on")
    started: str = ""
    wall_ms: float = Field(0.0, ge=0, description="wall time of the whole run (probes run concurrently)")
    sequential_ms: float = Field(0.0, ge=0, description="sum of the probes' own times")
    max_requests_per_second: dict[str, int] = Field(default_factory=dict, description="per host, in any 1 s window")
    results: list[ProbeResult] = Field(default_factory=list, max_length=500)
