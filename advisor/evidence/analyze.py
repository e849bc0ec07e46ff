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
from advisor.evidence.calls import Call, CallSet, Message, build_calls
from advisor.evidence.extract import CallVerdict, FindingsResult, derive_findings
from advisor.evidence.load import LoadedTrace, load_trace_detailed
from advisor.evidence.sides import Sides, assign_sides
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
    """A DNS or ICMP packet of a capture (evidence for name resolution and firewalls)."""

    file: str
    ref: str
    line: int | None = None
    frame: int | None = None
    ts: float | None = None
    src: str | None = None
    dst: str | None = None
    kind: Literal["dns", "icmp"]
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
    packets: list[PacketView] = Field(default_factory=list, description="DNS and ICMP packets")
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
    carrier = [os.fspath(p) for p in carrier_captures]
    names = [os.fspath(p) for p in paths]
    names += [c for c in carrier if c not in names]
    loaded = [load_trace_detailed(p, max_text_bytes=max_text_bytes) for p in names]
    for name, lt in zip(names, loaded, strict=True):
        if name in carrier:
            lt.captured_by = "carrier"
    return analyze_loaded(loaded, kb, context, raw_messages=raw_messages)


def analyze_loaded(loaded: list[LoadedTrace], kb: KnowledgeBase, context: TrunkContext | None = None,
                   raw_messages: bool = True) -> TraceAnalysis:
    cs = build_calls(loaded)
    sides = assign_sides(cs, kb, context)
    result = derive_findings(cs, sides, kb)
    return _report(cs, sides, result, raw_messages)


_SIDES: dict[str, Side] = {"carrier": "carrier", "customer": "customer"}
_PARTIES: dict[str, Literal["caller", "callee"]] = {"caller": "caller", "callee": "callee"}


def _view(m: Message, origin: float | None, raw: bool = True) -> MessageView:
    rec = m.record
    offset = None
    if origin is not None and m.ts is not None:
        offset = round(m.ts - origin, 6)
    # every value is typed by construction: model_construct skips re-validating 100,000 messages
    return MessageView.model_construct(
        index=m.index, file=m.file, line=m.line, frame=m.frame, ref=m.label, time=m.at, ts=m.ts, offset=offset,
        src=m.endpoint("src"), dst=m.endpoint("dst"), transport=rec.transport,
        sender=_SIDES.get(m.sender or ""), party=_PARTIES.get(m.party or ""),
        first_line=m.msg.first_line or f"({m.msg.summary()})", summary=m.msg.summary(), retransmission=m.retransmission,
        view_of=m.view_of.index if m.view_of is not None else None,
        also_in=[v.label for v in m.views], raw=m.msg.text() if raw else None,
    )


def _call_view(call: Call, result: FindingsResult, raw: bool = True,
               verdicts: dict[int, CallVerdict] | None = None) -> CallView:
    ts = [m.ts for m in call.messages if m.ts is not None and m.file == call.messages[0].file]
    origin = min(ts) if ts else None
    if verdicts is None:
        verdicts = {id(v.call): v for v in result.verdicts}
    verdict = verdicts.get(id(call))
    inv = call.initial_invite
    caller = callee = None
    if inv is not None:
        frm = inv.msg.from_
        caller = frm.uri.raw if frm is not None and frm.uri is not None else None
        callee = inv.msg.request_uri
    start = next((m.at for m in call.messages if m.at is not None), None)
    return CallView(call_id=call.call_id, direction=call.direction,
                    focus=call is result.focus, outcome=verdict.outcome if verdict else None,
                    summary=verdict.summary if verdict else "", caller=caller, callee=callee, start=start,
                    sides_note=call.sides_note,
                    messages=[_view(m, origin, raw) for m in call.messages]
                    + [_view(v, origin, raw) for m in call.messages for v in m.views])


def _report(cs: CallSet, sides: Sides, result: FindingsResult, raw: bool = True) -> TraceAnalysis:
    files = []
    warnings: list[str] = []
    rtp: list[RtpView] = []
    carrier = sides.carrier
    for lt in cs.loaded:
        cc = lt.contents
        fs = sides.files.get(cc.file)
        files.append(FileView(path=cc.file, format=cc.format, capture_point=fs.capture_point if fs else "unknown",
                              capture_note=fs.note if fs else "", sip_messages=len(cc.sip), rtp_streams=len(cc.rtp),
                              packets=cc.packets))
        warnings.extend(cc.warnings)
        for s in cc.rtp:
            if carrier.in_media(s.src) or s.src.lower() in sides.carrier_addresses:
                direction: Literal["carrier_to_pbx", "pbx_to_carrier", "other"] = "carrier_to_pbx"
            elif carrier.in_media(s.dst) or s.dst.lower() in sides.carrier_addresses:
                direction = "pbx_to_carrier"
            else:
                direction = "other"
            rtp.append(RtpView(file=cc.file, src=s.src, sport=s.sport, dst=s.dst, dport=s.dport, ssrc=s.ssrc,
                               payload_type=s.payload_type, packets=s.packets, first_ts=s.first_ts,
                               last_ts=s.last_ts, min_ttl=s.min_ttl if s.max_ttl else None,
                               max_ttl=s.max_ttl or None, direction=direction,
                               ref=s.first_ref.label() if s.first_ref else None))
    packets: list[PacketView] = []
    for lt in cs.loaded:
        for ev in lt.dns:
            text = (f"{ev.rcode} {ev.qtype or ''}? {ev.name or ''} -> {', '.join(ev.answers) or 'no address'}"
                    if ev.response else f"query {ev.qtype or ''}? {ev.name or ''}")
            packets.append(PacketView(file=ev.ref.file, ref=ev.ref.label(), line=ev.ref.line, frame=ev.ref.frame,
                                      ts=ev.ts, src=ev.src, dst=ev.dst, kind="dns", summary=text))
        for i in lt.icmp:
            packets.append(PacketView(file=i.ref.file, ref=i.ref.label(), line=i.ref.line, frame=i.ref.frame, ts=i.ts,
                                      src=i.src, dst=i.dst, kind="icmp", summary=i.text))
    events = [EventView(file=e.ref.file, ref=e.ref.label(), line=e.ref.line, kind=e.kind, source=e.source, text=e.text,
                        status=e.status, reason=e.reason, method=e.method, peer=e.peer, code=e.code)
              for lt in cs.loaded for e in lt.events if e.kind != "text"]
    warnings.extend(cs.warnings)
    warnings.extend(sides.warnings)
    by_call = {id(v.call): v for v in result.verdicts}  # one lookup per call, not a scan of all verdicts
    calls = [_call_view(c, result, raw, by_call) for c in cs.calls]
    other: list[MessageView] = []
    for d in cs.dialogs:
        ts = [m.ts for m in d.messages if m.ts is not None]
        origin = min(ts) if ts else None
        other.extend(_view(m, origin, raw) for m in d.messages)
    findings = []
    for f in result.findings:
        m = f.message
        findings.append(FindingView(observation=f.observation(), message_index=m.index if m is not None else None,
                                    call_id=f.call.call_id if f.call is not None else None, ref=f.ref_label()))
    if not cs.messages:
        warnings.append("no SIP message in the trace(s)")
    return TraceAnalysis(files=files, calls=calls, other_messages=other, rtp=rtp, packets=packets, events=events,
                         findings=findings,
                         focus_call=result.focus.call_id if result.focus is not None else None,
                         notes=result.notes, warnings=list(dict.fromkeys(warnings)))
