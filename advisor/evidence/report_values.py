"""The trace report's fields as plain values: one source for the pydantic views and the streamed JSON.

`advisor.evidence.analyze` builds its models (TraceAnalysis, CallView,
MessageView...) from these dicts, and `advisor.evidence.report_json` writes
the same dicts as JSON without importing pydantic at all.  Every dict lists
the fields in the model's order, with the values the model holds after
validation (a float field holds a float, an observation value is a string
or a float), so both give the same text.
"""

from __future__ import annotations

from collections.abc import Iterator

from advisor.evidence.calls import Call, CallSet, Message
from advisor.evidence.extract import CallVerdict, Finding, FindingsResult
from advisor.evidence.sides import Sides

__all__ = ["Values", "call_messages", "call_origin", "call_values", "dialog_origin", "event_values",
           "file_values", "finding_values", "message_values", "packet_values", "rtp_values", "warnings_of"]

Values = dict[str, object]
"""A view's fields by name, in the model's order."""

_SIDES = {"carrier": "carrier", "customer": "customer"}
_PARTIES = {"caller": "caller", "callee": "callee"}


def message_values(m: Message, origin: float | None, raw: bool = True) -> Values:
    """One message's MessageView fields."""
    offset = None
    ts = m.record.ts
    if origin is not None and ts is not None:
        offset = round(ts - origin, 6)
    return {
        "index": m.index, "file": m.file, "line": m.line, "frame": m.frame, "ref": m.label, "time": m.at,
        "ts": ts, "offset": offset, "src": m.endpoint("src"), "dst": m.endpoint("dst"),
        "transport": m.record.transport, "sender": _SIDES.get(m.sender or ""), "party": _PARTIES.get(m.party or ""),
        "first_line": m.msg.first_line or f"({m.msg.summary()})", "summary": m.msg.summary(),
        "retransmission": m.retransmission,
        "view_of": m.view_of.index if m.view_of is not None else None, "also_in": [v.label for v in m.views],
        "raw": m.msg.text() if raw else None,
    }


def call_origin(call: Call) -> float | None:
    """Where a call's message offsets count from: its first message's time in its first file."""
    ts = [m.ts for m in call.messages if m.ts is not None and m.file == call.messages[0].file]
    return min(ts) if ts else None


def dialog_origin(d: Call) -> float | None:
    """Where the offsets of a dialog without a call (OPTIONS, REGISTER) count from."""
    ts = [m.ts for m in d.messages if m.ts is not None]
    return min(ts) if ts else None


def call_messages(call: Call) -> list[Message]:
    """A call's messages as the report lists them: its own, then the views from other files."""
    return [*call.messages, *(v for m in call.messages for v in m.views)]


def call_values(call: Call, result: FindingsResult, verdicts: dict[int, CallVerdict]) -> Values:
    """A CallView's fields but its messages."""
    verdict = verdicts.get(id(call))
    inv = call.initial_invite
    caller = callee = None
    if inv is not None:
        frm = inv.msg.from_
        caller = frm.uri.raw if frm is not None and frm.uri is not None else None
        callee = inv.msg.request_uri
    start = next((m.at for m in call.messages if m.at is not None), None)
    return {"call_id": call.call_id, "direction": call.direction, "focus": call is result.focus,
            "outcome": verdict.outcome if verdict else None, "summary": verdict.summary if verdict else "",
            "caller": caller, "callee": callee, "start": start, "sides_note": call.sides_note}


def file_values(cs: CallSet, sides: Sides) -> Iterator[Values]:
    for lt in cs.loaded:
        cc = lt.contents
        fs = sides.files.get(cc.file)
        yield {"path": cc.file, "format": cc.format, "capture_point": fs.capture_point if fs else "unknown",
               "capture_note": fs.note if fs else "", "sip_messages": len(cc.sip), "rtp_streams": len(cc.rtp),
               "packets": cc.packets}


def rtp_values(cs: CallSet, sides: Sides) -> Iterator[Values]:
    carrier = sides.carrier
    for lt in cs.loaded:
        cc = lt.contents
        for s in cc.rtp:
            if carrier.in_media(s.src) or s.src.lower() in sides.carrier_addresses:
                direction = "carrier_to_pbx"
            elif carrier.in_media(s.dst) or s.dst.lower() in sides.carrier_addresses:
                direction = "pbx_to_carrier"
            else:
                direction = "other"
            yield {"file": cc.file, "src": s.src, "sport": s.sport, "dst": s.dst, "dport": s.dport, "ssrc": s.ssrc,
                   "payload_type": s.payload_type, "packets": s.packets, "first_ts": float(s.first_ts),
                   "last_ts": float(s.last_ts), "min_ttl": s.min_ttl if s.max_ttl else None,
                   "max_ttl": s.max_ttl or None, "direction": direction,
                   "ref": s.first_ref.label() if s.first_ref else None}


def packet_values(cs: CallSet) -> Iterator[Values]:
    """DNS, ICMP and SIP-over-TLS handshake packets (PacketView)."""
    for lt in cs.loaded:
        for ev in lt.dns:
            text = (f"{ev.rcode} {ev.qtype or ''}? {ev.name or ''} -> {', '.join(ev.answers) or 'no address'}"
                    if ev.response else f"query {ev.qtype or ''}? {ev.name or ''}")
            yield {"file": ev.ref.file, "ref": ev.ref.label(), "line": ev.ref.line, "frame": ev.ref.frame,
                   "ts": _float(ev.ts), "src": ev.src, "dst": ev.dst, "kind": "dns", "summary": text}
        for i in lt.icmp:
            yield {"file": i.ref.file, "ref": i.ref.label(), "line": i.ref.line, "frame": i.ref.frame,
                   "ts": _float(i.ts), "src": i.src, "dst": i.dst, "kind": "icmp", "summary": i.text}
        for t in lt.tls:
            yield {"file": t.ref.file, "ref": t.ref.label(), "line": t.ref.line, "frame": t.ref.frame,
                   "ts": _float(t.ts), "src": t.src, "dst": t.dst, "kind": "tls", "summary": t.summary()}


def event_values(cs: CallSet) -> Iterator[Values]:
    """Log lines and carrier artefact rows read as evidence (EventView)."""
    for lt in cs.loaded:
        for e in lt.events:
            if e.kind != "text":
                yield {"file": e.ref.file, "ref": e.ref.label(), "line": e.ref.line, "kind": e.kind,
                       "source": e.source, "text": e.text, "status": e.status, "reason": e.reason,
                       "method": e.method, "peer": e.peer, "code": e.code}


def finding_values(f: Finding) -> Values:
    """A FindingView's fields, its observation (and the observation's source) as nested dicts."""
    m = f.message
    at = None
    file: str | None
    if m is not None:
        file, frame, line, at = m.file, m.frame, (m.line if m.frame is None else None), m.at
    else:
        ref = f.ref or (f.rtp.first_ref if f.rtp is not None else None)
        if ref is not None:
            file, frame, line, at = ref.file, ref.frame, (ref.line if ref.frame is None else None), f.at
        else:
            file, frame, line = f.rtp_file, None, None
    value = f.value if isinstance(f.value, str) else float(f.value)  # Observation.value: str | float
    source: Values = {"kind": "trace", "detail": f.detail, "file": file, "frame": frame, "line": line, "at": at,
                      "derived_from": None}
    return {"observation": {"id": f.obs_id, "value": value, "source": source, "note": f.note},
            "message_index": m.index if m is not None else None,
            "call_id": f.call.call_id if f.call is not None else None, "ref": f.ref_label()}


def warnings_of(cs: CallSet, sides: Sides) -> list[str]:
    """Every warning of the reading, once each, in the order they arose."""
    warnings: list[str] = [w for lt in cs.loaded for w in lt.contents.warnings]
    warnings.extend(cs.warnings)
    warnings.extend(sides.warnings)
    if not cs.messages:
        warnings.append("no SIP message in the trace(s)")
    return list(dict.fromkeys(warnings))


def _float(v: float | None) -> float | None:
    return None if v is None else float(v)
