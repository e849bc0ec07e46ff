"""Shared parts of the trace extractors: the Finding, the per-call verdict, the context.

Every finding names the message (file + line or frame), packet or log line that
decides it and a note saying what exactly was seen. Nothing is guessed: a value
is emitted only when the trace shows it, from a capture point that can see it.
Each extractor area may only produce what knowledge/extractors.yaml declares for
it (`Ctx.emitter`); `advisor kb check` validates those declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import phonenumbers

from advisor.evidence.calls import Call, CallSet, Message
from advisor.evidence.events import LogEvent
from advisor.evidence.knowledge import Thresholds, TraceKnowledge, trace_knowledge
from advisor.evidence.records import RtpStream, TraceRef
from advisor.evidence.sdp import SessionDescription
from advisor.evidence.sides import Sides

if TYPE_CHECKING:  # pydantic models: built only when asked for (`advisor trace --json` writes them itself)
    from advisor.engine.observations import Observation, Source
    from advisor.kb.loader import KnowledgeBase

PBX_SIDE_POINTS = ("pbx_host", "pbx_log", "host_log")

__all__ = ["PBX_SIDE_POINTS", "Add", "CallVerdict", "Ctx", "Finding", "FindingsResult", "UndeclaredFinding", "copies", "dur",
           "e164_check", "masked", "number_format", "quoted_number", "refused_caller_id", "sdp_target", "where"]


@dataclass
class Finding:
    obs_id: str
    value: str | float
    detail: str
    note: str
    message: Message | None = None
    rtp: RtpStream | None = None
    rtp_file: str | None = None
    call: Call | None = None
    ref: TraceRef | None = None  # a packet or log line that is not a SIP message (DNS, ICMP, log event)
    at: datetime | None = None  # time of that packet or RTP stream
    area: str = ""  # the extractor area that produced it (set by Ctx.emitter)

    def source(self) -> Source:
        from advisor.engine.observations import Source

        m = self.message
        if m is not None:
            return Source(kind="trace", detail=self.detail, file=m.file, frame=m.frame,
                          line=m.line if m.frame is None else None, at=m.at)
        ref = self.ref or (self.rtp.first_ref if self.rtp is not None else None)
        if ref is not None:
            return Source(kind="trace", detail=self.detail, file=ref.file, frame=ref.frame,
                          line=ref.line if ref.frame is None else None, at=self.at)
        return Source(kind="trace", detail=self.detail, file=self.rtp_file)

    def ref_label(self) -> str | None:
        if self.message is not None:
            return self.message.label
        ref = self.ref or (self.rtp.first_ref if self.rtp is not None else None)
        return ref.label() if ref is not None else None

    def observation(self) -> Observation:
        from advisor.engine.observations import Observation

        return Observation(id=self.obs_id, value=self.value, source=self.source(), note=self.note)


Add = Callable[[Finding], None]


@dataclass
class CallVerdict:
    call: Call
    final: Message | None  # final response to the last INVITE of the chain
    status: str | None  # invite_final_status value, None when not decidable
    outcome: str | None  # call_outcome value
    severity: float
    summary: str
    notes: list[str] = field(default_factory=list)
    drop_seconds: float | None = None
    ok_copies: int = 0
    one_way: str | None = None  # audio_heard value when RTP shows it


@dataclass
class FindingsResult:
    findings: list[Finding]
    focus: Call | None
    verdicts: list[CallVerdict]
    notes: list[str]

    def observations(self) -> list[Observation]:
        return [f.observation() for f in self.findings]


def e164_check(number: str | None) -> tuple[bool, str]:
    """(is it +E.164, why): leading '+', digits only, a valid or at least possible number."""
    if not number:
        return False, "empty"
    n = number.strip()
    if not n.startswith("+"):
        return False, "no leading +"
    digits = n[1:]
    if not digits.isdigit():
        return False, "not only digits after the +"
    if len(digits) > 15:
        return False, "more than 15 digits"
    try:
        pn = phonenumbers.parse(n, None)
    except phonenumbers.NumberParseException:
        return False, "no known country code"
    if phonenumbers.is_valid_number(pn):
        return True, f"valid number ({phonenumbers.region_code_for_number(pn) or 'international'})"
    if phonenumbers.is_possible_number(pn):
        return True, "possible number (+country code and national number of a plausible length)"
    return False, "not a possible number for its country code"


_MASKS = "Xx*#"
_QUOTED_NUMBER = re.compile(r"(?<![\w+])\+?[0-9][0-9Xx*#]{5,17}(?![\w])")


def masked(number: str) -> bool:
    """Digits replaced by X, * or # in a paste are unknown, not a wrong number format."""
    return any(c in _MASKS for c in number.lstrip("+"))


def number_format(number: str | None) -> tuple[str | None, str]:
    """('yes' | 'no' | None, why) for 'is this +E.164'.  A masked number is judged by its shape
    only, and only ever as 'yes': '+1443XXXXXXX' keeps the plus, the country code and a possible
    length, so its format is right whatever the hidden digits are; a masked number without that
    shape is left undecided (the engineer may have masked the plus or the length too)."""
    if number and masked(number):
        probe = "".join("5" if c in _MASKS else c for c in number.strip())
        ok, _why = e164_check(probe)
        if ok:
            return "yes", "+country code and a possible length; the digits are masked in the paste"
        return None, "digits masked in the paste"
    ok, why = e164_check(number)
    return ("yes" if ok else "no"), why


def quoted_number(text: str | None) -> str | None:
    """The phone number a reason phrase quotes ('Caller Id +1443XXXXXXX is not valid'), if any."""
    found = _QUOTED_NUMBER.search(text or "")
    return found.group(0) if found else None


def refused_caller_id(ctx: Ctx, reason: str | None, add: Add, message: Message | None = None,
                      ref: TraceRef | None = None) -> None:
    """A 403 whose reason phrase refuses the caller ID and quotes it ('Caller Id +1443XXXXXXX is
    not valid'): the carrier names the number it judged, so its format is evidence even when the
    INVITE's From is cut off or masked in the paste."""
    if not reason or ctx.classify_reason(reason) != "invalid_caller_id":
        return
    number = quoted_number(reason)
    fmt, why = number_format(number) if number else (None, "")
    if fmt is not None:
        add(Finding("caller_id_e164", fmt, "403 reason phrase quotes the caller ID",
                    f"the carrier's reason phrase '{reason}' names the refused caller ID {number!r}:"
                    f" {'+E.164' if fmt == 'yes' else 'not +E.164'} ({why})", message, ref=ref))


def dur(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def where(m: Message) -> str:
    src, dst = m.endpoint("src"), m.endpoint("dst")
    if src and dst:
        return f"{src} -> {dst}"
    if dst:
        return f"to {dst}"
    if src:
        return f"from {src}"
    return ""


def sdp_target(sdp: SessionDescription | None) -> tuple[str | None, int | None]:
    if sdp is None:
        return None, None
    media = sdp.audio()
    if media is None:
        return sdp.connection, None
    return sdp.address_of(media), media.port


class UndeclaredFinding(RuntimeError):
    """An extractor produced an observation (or value) its area does not declare in
    knowledge/extractors.yaml: a programming error, never a silently dropped finding."""


class Ctx:
    """What every extractor reads: the calls, the sides, the knowledge and its thresholds."""

    def __init__(self, cs: CallSet, sides: Sides, kb: KnowledgeBase | TraceKnowledge,
                 events: list[LogEvent] | None = None) -> None:
        self.cs = cs
        self.sides = sides
        self.kb = tk = trace_knowledge(kb)
        self.events = events or []
        th: Thresholds = tk.thresholds
        self.th = th
        self.drop_lo, self.drop_hi = th.drop_window_seconds
        self.cps_limit = float(sides.carrier.cps_limit or th.default_cps_limit)
        self.trial_limit = th.trial_concurrent_limit
        self.reason_res = [(re.compile(p.pattern, re.IGNORECASE), p.value)
                           for p in [*sides.carrier.reason_patterns, *tk.reason_patterns]]
        self.status_values = set(tk.observations.get("invite_final_status", ()))
        self.file_end: dict[str, float] = {}
        self._rtp_index: dict[str, dict[int, list[RtpStream]]] = {}
        self._rtp_flows: dict[str, dict[tuple[str, int, str, int], list[RtpStream]]] = {}
        self._rtp_dest: dict[str, dict[tuple[str, int], list[RtpStream]]] = {}
        self.file_rtp: dict[str, list[RtpStream]] = {}
        self.file_format: dict[str, str] = {}
        for lt in cs.loaded:
            cc = lt.contents
            ends = [r.ts for r in cc.sip if r.ts is not None] + [s.last_ts for s in cc.rtp if s.last_ts]
            if ends:
                self.file_end[cc.file] = max(ends)
            self.file_rtp[cc.file] = cc.rtp
            self.file_format[cc.file] = cc.format
        self.findings: list[Finding] = []

    def emitter(self, area: str) -> Add:
        """The `add` of one extractor area: checks each finding against the area's declaration."""
        decl = self.kb.extractors.get(area)
        if decl is None:
            raise UndeclaredFinding(f"extractor area {area!r} is not declared in knowledge/extractors.yaml")

        def add(f: Finding) -> None:
            allowed = decl.get(f.obs_id)
            if allowed is None:
                raise UndeclaredFinding(f"extractor {area!r} produced {f.obs_id}, which it does not declare")
            if allowed != "any" and str(f.value) not in allowed:
                raise UndeclaredFinding(f"extractor {area!r} produced {f.obs_id}={f.value!r}, not among its declared"
                                        f" values {allowed}")
            if f.obs_id not in self.kb.observations:
                raise UndeclaredFinding(f"extractor {area!r} produced unknown observation {f.obs_id}")
            f.area = area
            self.findings.append(f)

        return add

    def rtp_flows(self, file: str) -> dict[tuple[str, int, str, int], list[RtpStream]]:
        """Streams of a file by their full address key (src, sport, dst, dport): one lookup per SDP pair."""
        index = self._rtp_flows.get(file)
        if index is None:
            index = {}
            for st in self.file_rtp.get(file, []):
                index.setdefault((st.src, st.sport, st.dst, st.dport), []).append(st)
            self._rtp_flows[file] = index
        return index

    def rtp_by_dest(self, file: str) -> dict[tuple[str, int], list[RtpStream]]:
        index = self._rtp_dest.get(file)
        if index is None:
            index = {}
            for st in self.file_rtp.get(file, []):
                index.setdefault((st.dst, st.dport), []).append(st)
            self._rtp_dest[file] = index
        return index

    def rtp_by_dport(self, file: str) -> dict[int, list[RtpStream]]:
        index = self._rtp_index.get(file)
        if index is None:
            index = {}
            for st in self.file_rtp.get(file, []):
                index.setdefault(st.dport, []).append(st)
            self._rtp_index[file] = index
        return index

    def at(self, file: str, ts: float | None) -> datetime | None:
        """A packet time as datetime: UTC for captures, the log's wall clock (naive) for text."""
        if ts is None or ts < 1e8:
            return None
        try:
            dt = datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return dt if self.file_format.get(file) in ("pcap", "pcapng") else dt.replace(tzinfo=None)

    def after(self, m: Message) -> float | None:
        """How long the file of m goes on after m (seconds), None without times."""
        end = self.file_end.get(m.file)
        if end is None or m.ts is None:
            return None
        return end - m.ts

    def classify_reason(self, phrase: str | None) -> str | None:
        if phrase is None:
            return None
        text = phrase.strip()
        for rx, value in self.reason_res:
            if rx.search(text):
                return value
        return None


def copies(msgs: list[Message], first: Message) -> list[Message]:
    return [m for m in msgs if m.file == first.file]
