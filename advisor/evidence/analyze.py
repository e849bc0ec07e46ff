"""Trace files -> calls -> findings -> observations, as one serialisable report.

`analyze_files(paths, kb, context)` is what the CLI (`advisor trace`,
`advisor diagnose --trace`) and the TUI use: the report holds every call with
its messages (time, addresses, side, first line, raw text), the RTP streams,
and the findings with the index of the message that decides each, so a ladder
diagram and "jump to the message" can be built from it alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from advisor.context import TrunkContext
from advisor.engine.observations import Observation
from advisor.evidence.calls import Call, CallSet, Message
from advisor.evidence.extract import CallVerdict, FindingsResult
from advisor.evidence.load import LoadedTrace
from advisor.evidence.pipeline import analyze_parts, load_traces
from advisor.evidence.report_values import (
    call_messages,
    call_origin,
    call_values,
    dialog_origin,
    event_values,
    file_values,
    finding_values,
    message_values,
    packet_values,
    rtp_values,
    warnings_of,
)
from advisor.evidence.sides import Sides
from advisor.kb.loader import KnowledgeBase

__all__ = [
    "CallView",
    "EventView",
    "FileView",
    "FindingView",
    "MessageView",
    "PacketView",
    "RtpView",
    "TraceAnalysis",
    "analyze_files",
    "analyze_loaded",
]

Side = Literal["carrier", "customer"]


class MessageView(BaseModel):
    index: int = Field(description="unique in the analysis; findings refer to it")
    file: str
    line: int | None = None
    frame: int | None = None
    ref: str = Field(description="file:line N or file#frame N")
    time: datetime | None = Field(None, description="message time when the trace has a date")
    ts: float | None = Field(None, description="seconds (epoch, or since an arbitrary origin for time-only logs)")
    offset: float | None = Field(None, description="seconds since the call's first message")
    src: str | None = None
    dst: str | None = None
    transport: str = "udp"
    sender: Side | None = None
    party: Literal["caller", "callee"] | None = None
    first_line: str
    summary: str
    retransmission: bool = False
    view_of: int | None = Field(None, description="index of the same message as first seen in another file")
    also_in: list[str] = Field(default_factory=list, description="the same message seen in other files")
    raw: str | None = Field(None, description="the whole message; left out when the analysis is asked for "
                                              "without raw messages (`advisor trace --json` without --full)")


class CallView(BaseModel):
    call_id: str
    direction: Literal["termination", "origination"] | None = None
    focus: bool = False
    outcome: str | None = None
    summary: str = ""
    caller: str | None = None
    callee: str | None = None
    start: datetime | None = None
    sides_note: str = ""
    messages: list[MessageView]


class FindingView(BaseModel):
    observation: Observation
    message_index: int | None = None
    call_id: str | None = None
    ref: str | None = None


class FileView(BaseModel):
    path: str
    format: str
    capture_point: str
    capture_note: str = ""
    sip_messages: int
    rtp_streams: int
    packets: int


class RtpView(BaseModel):
    file: str
    src: str
    sport: int
    dst: str
    dport: int
    ssrc: int
    payload_type: int
    packets: int
    first_ts: float
    last_ts: float
    min_ttl: int | None
    max_ttl: int | None
    direction: Literal["carrier_to_pbx", "pbx_to_carrier", "other"]
    ref: str | None = None


class PacketView(BaseModel):
    """A DNS, ICMP or SIP-over-TLS handshake packet of a capture (evidence for name resolution, firewalls
    and secure trunking)."""

    file: str
    ref: str
    line: int | None = None
    frame: int | None = None
    ts: float | None = None
    src: str | None = None
    dst: str | None = None
    kind: Literal["dns", "icmp", "tls"]
    summary: str


class EventView(BaseModel):
    """A log line, bare status line or carrier artefact row read as evidence (not a full SIP message)."""

    file: str
    ref: str
    line: int | None = None
    kind: str
    source: str = Field(description="the format that recognised it (asterisk, freeswitch, pjsua, livekit, ...)")
    text: str
    status: int | None = None
    reason: str | None = None
    method: str | None = None
    peer: str | None = None
    code: str | None = None


class TraceAnalysis(BaseModel):
    """Everything read from a set of trace files."""

    schema_version: Literal[1] = 1
    files: list[FileView]
    calls: list[CallView]
    other_messages: list[MessageView] = Field(default_factory=list,
                                              description="messages of Call-IDs without an INVITE")
    rtp: list[RtpView] = Field(default_factory=list)
    packets: list[PacketView] = Field(default_factory=list, description="DNS, ICMP and TLS handshake packets")
    events: list[EventView] = Field(default_factory=list, description="log lines and carrier artefacts read as evidence")
    findings: list[FindingView]
    focus_call: str | None = None
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def observations(self) -> list[Observation]:
        return [f.observation for f in self.findings]

    def message(self, index: int) -> MessageView | None:
        for call in self.calls:
            for m in call.messages:
                if m.index == index:
                    return m
        for m in self.other_messages:
            if m.index == index:
                return m
        return None

    def call_of(self, index: int) -> CallView | None:
        for call in self.calls:
            if any(m.index == index for m in call.messages):
                return call
        return None

    def decides_nothing(self) -> str | None:
        """Said first when the trace(s) gave no finding at all, so that what follows is not read as
        resting on them: the honest 'this paste cannot decide'."""
        if self.findings:
            return None
        read = sum(f.sip_messages for f in self.files)
        return (f"the trace(s) decide nothing: {read} SIP message(s) and {len(self.events)} log line(s) read, no"
                " finding in them; what follows rests on the other facts alone")


def analyze_files(paths: Sequence[str | os.PathLike[str]], kb: KnowledgeBase,
                  context: TrunkContext | None = None, raw_messages: bool = True,
                  max_text_bytes: int | None = None,
                  carrier_captures: Sequence[str | os.PathLike[str]] = ()) -> TraceAnalysis:
    """Read every file (TraceError, one line, for unusable ones) and analyse them together.

    raw_messages=False leaves each message's full text out of the report
    (MessageView.raw is None): a capture of 100,000 messages then does not
    hold a second copy of every message.  max_text_bytes raises or lowers
    the size limit for text logs (see advisor.evidence.load).  carrier_captures:
    files the carrier made (read too when not among paths); their capture point is
    "carrier", so nothing in them is taken as seen on the customer's side.
    """
    loaded = load_traces(paths, max_text_bytes=max_text_bytes, carrier_captures=carrier_captures)
    return analyze_loaded(loaded, kb, context, raw_messages=raw_messages)


def analyze_loaded(loaded: list[LoadedTrace], kb: KnowledgeBase, context: TrunkContext | None = None,
                   raw_messages: bool = True) -> TraceAnalysis:
    return _report(*analyze_parts(loaded, kb, context), raw_messages)


def _view(m: Message, origin: float | None, raw: bool = True) -> MessageView:
    # every value is typed by construction: model_construct skips re-validating 100,000 messages
    return MessageView.model_construct(**message_values(m, origin, raw))  # type: ignore[arg-type]


def _call_view(call: Call, result: FindingsResult, raw: bool = True,
               verdicts: dict[int, CallVerdict] | None = None) -> CallView:
    if verdicts is None:
        verdicts = {id(v.call): v for v in result.verdicts}
    origin = call_origin(call)
    return CallView(**call_values(call, result, verdicts),
                    messages=[_view(m, origin, raw) for m in call_messages(call)])


def _report(cs: CallSet, sides: Sides, result: FindingsResult, raw: bool = True) -> TraceAnalysis:
    """The whole report as models (report_json writes the same fields as JSON without them)."""
    by_call = {id(v.call): v for v in result.verdicts}  # one lookup per call, not a scan of all verdicts
    other: list[MessageView] = []
    for d in cs.dialogs:
        origin = dialog_origin(d)
        other.extend(_view(m, origin, raw) for m in d.messages)
    return TraceAnalysis(
        files=[FileView(**v) for v in file_values(cs, sides)],
        calls=[_call_view(c, result, raw, by_call) for c in cs.calls], other_messages=other,
        rtp=[RtpView(**v) for v in rtp_values(cs, sides)],
        packets=[PacketView(**v) for v in packet_values(cs)],
        events=[EventView(**v) for v in event_values(cs)],
        findings=[FindingView.model_validate(finding_values(f)) for f in result.findings],
        focus_call=result.focus.call_id if result.focus is not None else None,
        notes=result.notes, warnings=warnings_of(cs, sides))
