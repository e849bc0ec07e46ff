"""The SIP lines a trace finding rests on, kept in the session so a ticket can quote them.

A trace finding's note says what was read ("reason phrase 'Forbidden'"); a
tier-2 engineer wants the message itself. When a trace is attached, the
messages its findings point at are trimmed to the start line and the headers
that matter (identity, routing, authentication, reasons, the SDP address and
media lines) and stored with the `TraceAttached` event: the session file is
the record, and the trace may be gone by the time the ticket is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from advisor.evidence.analyze import TraceAnalysis

# RFC 3261 compact forms (and RFC 4028's x) -> full names, lower case
_COMPACT = {"i": "call-id", "m": "contact", "f": "from", "t": "to", "v": "via", "l": "content-length",
            "c": "content-type", "k": "supported", "x": "session-expires", "o": "event", "r": "refer-to",
            "b": "referred-by", "s": "subject", "e": "content-encoding", "u": "allow-events"}

# Headers a reader needs to see who called whom, how it was routed, what it carried and why it failed.
KEPT_HEADERS = frozenset({
    "via", "from", "to", "call-id", "cseq", "contact", "route", "record-route", "authorization",
    "proxy-authorization", "www-authenticate", "proxy-authenticate", "p-asserted-identity",
    "p-preferred-identity", "remote-party-id", "diversion", "session-expires", "min-se", "reason", "warning",
    "retry-after", "x-twilio-error", "x-twilio-errorcode", "x-reason", "unsupported", "require",
})
KEPT_SDP = ("c=", "m=", "a=sendonly", "a=recvonly", "a=inactive")
MAX_LINE = 300  # the stored copy; renderers trim further for their width
MAX_MESSAGES = 8


class TraceExcerpt(BaseModel):
    """One SIP message, trimmed to the lines that matter, and the facts it proves."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(description="where it is: file:line N or file#frame N")
    file: str
    frame: int | None = None
    line: int | None = None
    at: datetime | None = None
    sender: str | None = Field(None, description="carrier or customer, when the sides are known")
    lines: list[str] = Field(description="the start line, then the headers (and SDP lines) kept")
    left_out: int = Field(0, description="how many lines of the message were left out")
    proves: list[str] = Field(default_factory=list, description="observation ids read from this message")


def trim_message(raw: str, extra_headers: frozenset[str] = frozenset()) -> tuple[list[str], int]:
    """(kept lines, number left out): the start line, the headers that matter, SDP c=/m= lines."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return [], 0
    kept = [lines[0][:MAX_LINE]]
    wanted = KEPT_HEADERS | extra_headers
    in_body = False
    seen_via = False
    for text in lines[1:]:
        if not in_body and not text.strip():
            in_body = True
            continue
        if in_body:
            if text.startswith(KEPT_SDP):
                kept.append(text[:MAX_LINE])
            continue
        name = text.partition(":")[0].strip().lower()
        name = _COMPACT.get(name, name)
        if name == "via":  # the top Via says where the request came from; the rest is routing history
            if seen_via:
                continue
            seen_via = True
        if name in wanted:
            kept.append(text[:MAX_LINE])
    left_out = sum(1 for t in lines if t.strip()) - len(kept)
    return kept, max(left_out, 0)


def excerpts_from_analysis(analysis: TraceAnalysis, file: str | None = None,
                           extra_headers: frozenset[str] = frozenset()) -> list[TraceExcerpt]:
    """The messages the findings point at (in message order), each with the facts it proves."""
    proves: dict[int, list[str]] = {}
    for finding in analysis.findings:
        if finding.message_index is not None:
            proves.setdefault(finding.message_index, []).append(finding.observation.id)
    out: list[TraceExcerpt] = []
    for index in sorted(proves)[:MAX_MESSAGES]:
        m = analysis.message(index)
        if m is None or (file is not None and m.file != file):
            continue
        # an analysis made without raw messages (large captures) still gives the start line
        lines, left_out = trim_message(m.raw, extra_headers) if m.raw is not None else ([m.first_line], 0)
        out.append(TraceExcerpt(ref=m.ref, file=m.file, frame=m.frame, line=m.line, at=m.time, sender=m.sender,
                                lines=lines, left_out=left_out, proves=list(dict.fromkeys(proves[index]))))
    return out


def excerpt_for(excerpts: list[TraceExcerpt], file: str | None, frame: int | None, line: int | None,
                observation: str | None = None) -> TraceExcerpt | None:
    """The stored message at a finding's source (file and frame or line), if there is one."""
    for ex in excerpts:
        if ex.file != file:
            continue
        if (frame is not None and ex.frame == frame) or (frame is None and line is not None and ex.line == line):
            return ex
    if observation is not None:
        return next((ex for ex in excerpts if ex.file == file and observation in ex.proves), None)
    return None
