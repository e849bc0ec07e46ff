"""Trunk context the engineer enters once; traces, probes and tickets read it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TrunkContext(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str | None = Field(None, description="customer name or account")
    ticket: str | None = Field(None, description="ticket reference")
    termination_uri: str | None = Field(None, description="e.g. example.pstn.twilio.com")
    origination_uri: str | None = Field(None, description="e.g. sip:pbx.example.com:5060")
    pbx_public_address: str | None = Field(None, description="the PBX's public IP or FQDN")
    numbers: list[str] = Field(default_factory=list, description="numbers involved (E.164)")
    cps_limit: float | None = Field(None, description="the trunk's CPS limit if not the default 1")

    def is_empty(self) -> bool:
        return not any(v for v in self.model_dump().values())
