"""Findings: what the calls in a trace prove, as Observations of knowledge/observations.yaml.

Every finding names the message (file + line or frame) that decides it and a
note saying what exactly was seen.  Nothing is guessed: a value is emitted
only when the trace shows it, from a capture point that can see it (e.g. "no
RTP from the carrier arrives" needs a packet capture with RTP in it, taken on
the PBX host or at the edge).

With several calls in a trace, one call is in focus: the most telling failing
one (an error response, no response at all, a drop after about 30 s, one-way
audio), the latest of equals.  Rate and concurrency findings look across calls.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import phonenumbers

from advisor.engine.observations import Observation, Source
from advisor.evidence.calls import Call, CallSet, Message, Transaction
from advisor.evidence.records import RtpStream, TraceRef
from advisor.evidence.sdp import SessionDescription
from advisor.evidence.sides import PACKET_FORMATS, Sides, is_private
from advisor.evidence.sipmsg import Via, ip_or_none
from advisor.kb.loader import KnowledgeBase

__all__ = ["CallVerdict", "Finding", "FindingsResult", "derive_findings", "e164_check"]

PBX_SIDE_POINTS = ("pbx_host", "pbx_log", "host_log")


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
    ref: TraceRef | None = None  # a packet that is not SIP (DNS, ICMP)
    at: datetime | None = None  # time of that packet or RTP stream

    def source(self) -> Source:
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
        return Observation(id=self.obs_id, value=self.value, source=self.source(), note=self.note)


_Add = Callable[[Finding], None]


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


# --------------------------------------------------------------------------- helpers


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


def _dur(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _where(m: Message) -> str:
    src, dst = m.endpoint("src"), m.endpoint("dst")
    if src and dst:
        return f"{src} -> {dst}"
    if dst:
        return f"to {dst}"
    if src:
        return f"from {src}"
    return ""


def _sdp_target(sdp: SessionDescription | None) -> tuple[str | None, int | None]:
    if sdp is None:
        return None, None
    media = sdp.audio()
    if media is None:
        return sdp.connection, None
    return sdp.address_of(media), media.port


class _Ctx:
    def __init__(self, cs: CallSet, sides: Sides, kb: KnowledgeBase) -> None:
        self.cs = cs
        self.sides = sides
        self.kb = kb
        th = kb.trace.thresholds
        window = th.get("drop_window_seconds", [20, 40])
        self.drop_lo, self.drop_hi = (float(window[0]), float(window[1])) if isinstance(window, list) else (20.0, 40.0)
        cps = th.get("default_cps_limit", 1)
        self.cps_limit = float(sides.carrier.cps_limit or (cps if isinstance(cps, int | float) else 1))
        trial = th.get("trial_concurrent_limit", 4)
        self.trial_limit = float(trial if isinstance(trial, int | float) else 4)
        self.reason_res = [(re.compile(p.pattern, re.IGNORECASE), p.value) for p in kb.trace.reason_patterns]
        self.status_values = set(kb.observations["invite_final_status"].values) if "invite_final_status" in \
            kb.observations else set()
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


def _copies(msgs: list[Message], first: Message) -> list[Message]:
    return [m for m in msgs if m.file == first.file]


# --------------------------------------------------------------------------- verdicts


def _verdict(ctx: _Ctx, call: Call) -> CallVerdict:
    t = call.last_invite
    inv = t.request if t else None
    final = t.final if t else None
    status: str | None = None
    outcome: str | None = None
    severity = 0.0
    notes: list[str] = []
    summary = "INVITE"
    ok_list = call.oks()
    drop = None
    one_way = None
    if final is not None and final.status is not None:
        code = final.status
        status = "2xx" if 200 <= code < 300 else (str(code) if str(code) in ctx.status_values else "other")
        summary = f"{code} {final.msg.reason or ''}".strip()
        if code >= 300:
            cancelled = code == 487 and call.cancelled()
            if cancelled:
                outcome, severity = None, 0.3
                notes.append("the caller cancelled the INVITE (487 Request Terminated)")
            elif code in (408, 504):
                outcome, severity = "timeout", 3.0
            else:
                outcome, severity = "rejected", 3.0
                if code in (401, 407) and len(call.invites) == 1:
                    severity = 2.5  # a challenge nobody answered
    elif t is not None and inv is not None:
        any_response = any(tt.responses for tt in call.invites)
        later = ctx.after(_copies(t.requests, inv)[-1])
        if not any_response and (t.sends >= 2 or (later is not None and later >= 4)):
            status, outcome, severity = "none", "no_response", 3.0
            span = (t.requests[-1].ts - inv.ts) if (t.requests[-1].ts is not None and inv.ts is not None) else None
            summary = f"no response (INVITE sent {t.sends} times" + (f" over {_dur(span)})" if span else ")")
        else:
            summary = "no final response in the trace"
            severity = 0.5
    if ok_list:
        first_ok = ok_list[0]
        oks_same_file = _copies(ok_list, first_ok)
        bye = call.first_bye()
        acks = call.acks_for(first_ok)
        if bye is not None and bye.ts is not None and first_ok.ts is not None and bye.ts >= first_ok.ts:
            drop = bye.ts - first_ok.ts
        retrans = len(oks_same_file) >= 2
        missing_ack = not acks and (ctx.after(first_ok) or 0) >= 2
        if drop is not None and ctx.drop_lo <= drop <= ctx.drop_hi and (retrans or missing_ack):
            outcome, severity = "drops_after_30s", 3.0
            summary = f"answered, BYE {_dur(drop)} after the 200 OK"
        elif (drop is None and bye is not None and len(oks_same_file) >= 8
              and bye.seq > oks_same_file[-1].seq and bye.file == first_ok.file):
            # A log without times: 8+ transmissions of the 200 OK follow RFC 3261 timer G
            # (0.5, 1, 2, 4, 4, ... s), i.e. 20-32 s without a usable ACK, then the call is torn down.
            elapsed = _timer_g_span(len(oks_same_file))
            outcome, severity = "drops_after_30s", 3.0
            summary = (f"answered, 200 OK sent {len(oks_same_file)} times (about {elapsed:.0f} s by timer G;"
                       " the log has no times), then BYE")
        else:
            one_way = _rtp_audio(ctx, call)[0]
            if one_way in ("pbx_side_hears_nothing", "pstn_side_hears_nothing", "none"):
                outcome, severity = "audio_problem", 2.8
                summary = "answered, " + {"pbx_side_hears_nothing": "no RTP from the carrier reaches the PBX",
                                          "pstn_side_hears_nothing": "no RTP from the PBX leaves towards the carrier",
                                          "none": "no RTP either way"}[one_way]
            else:
                # Clean signalling is not "completes normally": whether the far end hears
                # anything is invisible from the customer side, so call_outcome stays open.
                severity = 1.5 if retrans else 1.0
                clean = bool(acks) and not retrans and bye is not None
                summary = "answered and ended normally (signalling)" if clean else "answered"
    return CallVerdict(call=call, final=final, status=status, outcome=outcome, severity=severity, summary=summary,
                       notes=notes, drop_seconds=drop, ok_copies=len(_copies(ok_list, ok_list[0])) if ok_list else 0,
                       one_way=one_way)


def _timer_g_span(transmissions: int, t1: float = 0.5, t2: float = 4.0) -> float:
    """Seconds from the first to the last of n transmissions of a 2xx (RFC 3261 13.3.1.4)."""
    span, interval = 0.0, t1
    for _ in range(max(0, transmissions - 1)):
        span += interval
        interval = min(interval * 2, t2)
    return span


def _choose(verdicts: list[CallVerdict]) -> CallVerdict | None:
    if not verdicts:
        return None
    directed = [v for v in verdicts if v.call.direction is not None] or verdicts
    best = directed[0]
    for v in directed[1:]:
        if v.severity >= best.severity:
            best = v
    return best


# --------------------------------------------------------------------------- RTP


def _rtp_view(ctx: _Ctx, call: Call) -> tuple[str | None, list[RtpStream], list[RtpStream], str, list[RtpStream]]:
    """(file, carrier->PBX streams, PBX->carrier streams, explanation, all streams in file) for the call.

    Every SDP of the call counts (a re-INVITE or UPDATE may move the media)."""
    if call.carrier_party is None:
        return None, [], [], "", []
    carrier_targets: list[tuple[str, int]] = []
    pbx_targets: list[tuple[str, int]] = []
    for m in call.messages:
        sdp = m.msg.sdp
        if sdp is None or sdp.audio() is None:
            continue
        addr, port = _sdp_target(sdp)
        if not addr or not port:
            continue
        targets = carrier_targets if m.sender == "carrier" else pbx_targets if m.sender == "customer" else None
        if targets is not None and (addr, port) not in targets:
            targets.append((addr, port))
    if not carrier_targets:
        return None, [], [], "", []
    for file in call.files():
        if ctx.file_format.get(file) not in PACKET_FORMATS:
            continue
        streams = ctx.file_rtp.get(file, [])
        if not streams:
            continue
        carrier = ctx.sides.carrier
        # this call's own streams first: SDP address:port to SDP address:port, one lookup each
        flows = ctx.rtp_flows(file)
        pairs = [(c, p) for c in carrier_targets for p in pbx_targets]
        c2p = _distinct(s for c, p in pairs for s in flows.get((*c, *p), ()))
        p2c = _distinct(s for c, p in pairs for s in flows.get((*p, *c), ()))
        if not c2p:  # the carrier may send from another port than it offers: any stream to the PBX's port
            by_port = ctx.rtp_by_dport(file)
            c_addrs = {a for a, _ in carrier_targets}
            towards_pbx = [s for _, port in pbx_targets for s in by_port.get(port, [])] if pbx_targets else streams
            c2p = _distinct(s for s in towards_pbx if s.src in c_addrs or carrier.in_media(s.src))
        if not p2c:
            by_dest = ctx.rtp_by_dest(file)
            p2c = _distinct(s for target in carrier_targets for s in by_dest.get(target, ()))
        why = (f"carrier SDP {_targets(carrier_targets)}, PBX SDP {_targets(pbx_targets)}; RTP streams in {file}:"
               f" {len(c2p)} carrier->PBX, {len(p2c)} PBX->carrier")
        return file, c2p, p2c, why, streams
    return None, [], [], "", []


def _targets(targets: list[tuple[str, int]]) -> str:
    return ", ".join(f"{a}:{p}" for a, p in targets) or "none"


def _distinct(streams: Iterable[RtpStream]) -> list[RtpStream]:
    """Each stream once, in order (identity, one dict lookup per stream)."""
    return list({id(st): st for st in streams}.values())


def _rtp_audio(ctx: _Ctx, call: Call) -> tuple[str | None, str]:
    file, c2p, p2c, why, streams = _rtp_view(ctx, call)
    if file is None or not streams:
        return None, ""
    point = ctx.sides.capture_point(file)
    if point != "pbx_host":
        return None, why
    if p2c and not c2p:
        return "pbx_side_hears_nothing", why
    if c2p and not p2c:
        return "pstn_side_hears_nothing", why
    if not c2p and not p2c:
        return "none", why
    return None, why


# --------------------------------------------------------------------------- derivation


def derive_findings(cs: CallSet, sides: Sides, kb: KnowledgeBase) -> FindingsResult:
    ctx = _Ctx(cs, sides, kb)
    verdicts = [_verdict(ctx, c) for c in cs.calls]
    focus_v = _choose(verdicts)
    out: list[Finding] = []
    notes: list[str] = []
    if focus_v is None or focus_v.final is None:
        for lt in cs.loaded:
            lt.scan_extras()  # DNS/ICMP of captures: only read when no final answer came back
    if focus_v is None:
        _dns(ctx, cs, None, out.append)
        _icmp(ctx, cs, None, out.append)
        _options(ctx, cs, out.append)
        unique = _unique(out, kb)
        return FindingsResult(unique, None, verdicts, ["no call (INVITE) in the trace"] if not unique else [
            "no call (INVITE) in the trace; findings from DNS/ICMP packets"])
    call = focus_v.call
    if len(verdicts) > 1:
        others = [v for v in verdicts if v is not focus_v]
        counts: dict[str, int] = {}
        for v in others:
            counts[v.summary] = counts.get(v.summary, 0) + 1
        listing = ", ".join(f"{n} x {s}" for s, n in counts.items())
        notes.append(f"{len(verdicts)} calls in the trace; findings are for call {call.call_id}"
                     f" ({focus_v.summary}); the others: {listing}")
    if call.direction is None:
        notes.append("could not tell which side is the carrier for call "
                     f"{call.call_id}: only direction-independent findings")
    add = out.append
    _direction(ctx, call, add)
    _final_status(ctx, call, focus_v, add, notes)
    if call.direction == "termination":
        _termination(ctx, call, focus_v, add)
    if call.direction == "origination":
        _origination(ctx, call, focus_v, add)
    _session_timer(call, add)
    _sdp(ctx, call, focus_v, add)
    _outcome(ctx, call, focus_v, add, notes)
    _rtp(ctx, call, focus_v, add)
    _rates(ctx, cs, add)
    _dns(ctx, cs, call, add)
    _icmp(ctx, cs, call, add)
    _options(ctx, cs, add)
    unique = _unique(out, kb)
    for f in unique:
        if f.ref is None:
            f.call = f.call or call
    return FindingsResult(unique, call, verdicts, notes)


def _unique(findings: list[Finding], kb: KnowledgeBase) -> list[Finding]:
    """One finding per observation: the first one wins (they are added most specific first)."""
    seen: set[str] = set()
    unique: list[Finding] = []
    for f in findings:
        if f.obs_id in seen or f.obs_id not in kb.observations:
            continue
        seen.add(f.obs_id)
        unique.append(f)
    return unique


def _dns_name(name: str) -> str:
    # _sip._udp.example.pstn.twilio.com -> example.pstn.twilio.com
    labels = name.split(".")
    while labels and labels[0].startswith("_"):
        labels.pop(0)
    return ".".join(labels)


def _dns(ctx: _Ctx, cs: CallSet, call: Call | None, add: _Add) -> None:
    """Does the PBX's resolver answer for the termination URI?"""
    carrier = ctx.sides.carrier
    events = [(lt.contents.file, e) for lt in cs.loaded for e in lt.dns]
    queries = [(f, e) for f, e in events if not e.response and e.name
               and carrier.termination_match(_dns_name(e.name))]
    if not queries:
        return
    names = {_dns_name(e.name or "") for _, e in queries}
    answers = [(f, e) for f, e in events if e.response and e.name and _dns_name(e.name) in names]
    file0, q0 = queries[0]
    name = _dns_name(q0.name or "")
    ok = [(f, e) for f, e in answers if e.answers and e.rcode == "NoError"]
    if ok:
        f, e = ok[0]
        add(Finding("dns_resolves_termination_uri", "yes", f"DNS answer for {name}",
                    f"the PBX's resolver {e.src} answers {e.qtype or ''} {name}: {', '.join(e.answers[:4])}",
                    ref=e.ref, at=ctx.at(f, e.ts)))
        return
    failed = [(f, e) for f, e in answers if e.rcode in ("NXDomain", "ServFail", "Refused", "FormErr", "NotImp")]
    unreachable = [(lt.contents.file, i) for lt in cs.loaded for i in lt.icmp
                   if i.port == 53 and i.kind in ("port_unreachable", "host_unreachable", "net_unreachable",
                                                  "admin_prohibited")]
    if failed:
        f, e = failed[0]
        add(Finding("dns_resolves_termination_uri", "no", f"DNS {e.rcode} for {name}",
                    f"the PBX asks {e.src} for {e.qtype or ''} {name} and gets {e.rcode} ({len(queries)} queries)",
                    ref=e.ref, at=ctx.at(f, e.ts)))
    elif unreachable:
        f, i = unreachable[0]
        add(Finding("dns_resolves_termination_uri", "no", "DNS server unreachable",
                    f"the PBX's DNS query for {name} gets ICMP '{i.text}' from {i.src}: no resolver answers",
                    ref=i.ref, at=ctx.at(f, i.ts)))
    elif not answers:
        end = ctx.file_end.get(file0)
        waited = (end - q0.ts) if (end is not None and q0.ts is not None) else None
        if len(queries) >= 2 or (waited is not None and waited >= 5):
            f, last = queries[-1]
            add(Finding("dns_resolves_termination_uri", "no", f"DNS query for {name} unanswered",
                        f"the PBX asks {q0.dst} for {name} {len(queries)} time(s)"
                        + (f" over {_dur(waited)}" if waited else "") + " and gets no answer at all",
                        ref=last.ref, at=ctx.at(f, last.ts)))
    if call is None:
        add(Finding("call_direction", "termination", "PBX resolves the termination URI",
                    f"no call in the trace, but the PBX looks up {name}, the carrier's termination URI, to send"
                    " its INVITE there", ref=q0.ref, at=ctx.at(file0, q0.ts)))


def _options(ctx: _Ctx, cs: CallSet, add: _Add) -> None:
    """OPTIONS pings from the PBX to the carrier: answered, or retransmitted into silence."""
    answered: Message | None = None
    unanswered: tuple[Transaction, float | None] | None = None
    for dialog in cs.calls + cs.dialogs:
        for t in dialog.transactions:
            req = t.request
            if t.method != "OPTIONS" or req is None or req.sender != "customer":
                continue
            final = next((r for r in t.responses if r.sender == "carrier" and (r.status or 0) >= 200), None)
            if final is not None:
                answered = answered or final
                continue
            if t.responses:
                continue
            later = ctx.after(_copies(t.requests, req)[-1])
            if t.sends >= 3 or (later is not None and later >= 10):
                span = (t.requests[-1].ts - req.ts) if (t.requests[-1].ts is not None and req.ts is not None) else None
                unanswered = unanswered or (t, span)
    if answered is not None:
        add(Finding("options_ping_to_carrier", "answered", f"{answered.status} to OPTIONS",
                    f"the carrier answers the PBX's OPTIONS with {answered.msg.first_line[8:]} ({_where(answered)})",
                    answered))
    elif unanswered is not None:
        t, span = unanswered
        req = t.request
        assert req is not None
        add(Finding("options_ping_to_carrier", "timeout", "OPTIONS without response",
                    f"the PBX's OPTIONS to {req.endpoint('dst') or req.msg.request_uri} is sent {t.sends} time(s)"
                    + (f" over {_dur(span)}" if span else "") + " and never answered", req))


def _icmp(ctx: _Ctx, cs: CallSet, call: Call | None, add: _Add) -> None:
    """ICMP errors about the PBX's SIP to the carrier: rejected before the edge, or reaching the carrier."""
    carrier = ctx.sides.carrier
    targets: set[tuple[str, int | None]] = set()
    for m in cs.messages:
        if m.sender == "customer" and m.is_request and m.dst:
            targets.add((m.dst, m.record.dport))
    for lt in cs.loaded:
        for i in lt.icmp:
            if i.about is None:
                continue
            aimed = (i.about, i.port) in targets or (i.port in (5060, 5061, None) and carrier.in_signalling(i.about))
            if not aimed or i.kind == "time_exceeded":
                continue
            f = lt.contents.file
            if i.src == i.about and i.kind == "port_unreachable":
                add(Finding("sip_reaches_internet_edge", "yes", "ICMP from the carrier",
                            f"the carrier's address {i.src} itself answers the PBX's SIP with ICMP '{i.text}':"
                            " the request passed the customer firewall", ref=i.ref, at=ctx.at(f, i.ts)))
                return
            if i.src != i.about and not carrier.is_carrier_address(i.src) and (
                    i.kind == "admin_prohibited" or is_private(i.src)):
                add(Finding("sip_reaches_internet_edge", "no", f"ICMP {i.kind.replace('_', ' ')}",
                            f"{i.src} (customer side) rejects the PBX's SIP to {i.about}"
                            + (f":{i.port}" if i.port else "") + f" with ICMP '{i.text}'",
                            ref=i.ref, at=ctx.at(f, i.ts)))
                return


def _direction(ctx: _Ctx, call: Call, add: _Add) -> None:
    inv = call.initial_invite
    if call.direction is None or inv is None:
        return
    if call.direction == "termination":
        detail, text = "INVITE to the carrier", "the customer's PBX sends the INVITE to the carrier"
    else:
        detail, text = "INVITE from the carrier", "the carrier sends the INVITE to the customer's PBX"
    where = _where(inv)
    note = f"{text}" + (f" ({where})" if where else "")
    if call.sides_note:
        note += f"; sides: {call.sides_note}"
    add(Finding("call_direction", call.direction, detail, note, inv))


def _final_status(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add, notes: list[str]) -> None:
    t = call.last_invite
    if t is None or t.request is None:
        return
    chain = ""
    if len(call.invites) > 1:
        prev = [x.final.status for x in call.invites[:-1] if x.final is not None and x.final.status is not None]
        if prev:
            chain = (f"; the INVITE was sent {len(call.invites)} times with CSeq "
                     f"{', '.join(str(x.cseq) for x in call.invites)}, after {', '.join(map(str, prev))}")
    final = v.final
    if final is not None and v.status is not None:
        code = final.status
        add(Finding("invite_final_status", v.status, f"{code} to INVITE",
                    f"final response '{final.msg.first_line[8:]}' to the INVITE (CSeq {t.cseq}){chain}", final))
        if code is not None and code >= 300:
            _reason(ctx, final, add)
    elif v.status == "none":
        first = t.request
        span = (t.requests[-1].ts - first.ts) if (t.requests[-1].ts is not None and first.ts is not None) else None
        add(Finding("invite_final_status", "none", "INVITE without response",
                    f"INVITE sent {t.sends} time(s)" + (f" over {_dur(span)}" if span else "")
                    + ", no response at all (not even 100 Trying)", first))
    elif t.request is not None and not t.responses:
        notes.append("the INVITE got no response in the trace, but the trace ends too soon to call it unanswered")


def _reason(ctx: _Ctx, final: Message, add: _Add) -> None:
    phrase = final.msg.reason or ""
    value = ctx.classify_reason(phrase)
    note = f"reason phrase '{phrase}'"
    if value in (None, "plain"):
        # a more specific text in Reason or Warning headers beats a generic phrase
        for hdr in ctx.kb.trace.reason_headers:
            for raw in final.msg.values(hdr):
                quoted = re.findall(r'"([^"]{1,200})"', raw) or [raw]
                for text in quoted:
                    better = ctx.classify_reason(text)
                    if better not in (None, "plain", "other"):
                        add(Finding("response_reason", better, f"{final.status} {hdr}",
                                    f"{note}; the {hdr} header says '{text}'", final))
                        return
    if value is None:
        value = "other"
        note += " (no known pattern matches)"
    add(Finding("response_reason", value, f"{final.status} reason phrase", note, final))


def _termination(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add) -> None:
    t = call.last_invite
    inv = t.request if t else None
    if inv is None or t is None:
        return
    msg = inv.msg
    final = v.final
    if final is not None and final.status is not None and final.status >= 300:
        creds = [h for h in ("proxy-authorization", "authorization") if msg.has(h)]
        if creds:
            user = re.search(r'username="?([^",]{1,64})', msg.header(creds[0]) or "")
            note = (f"the INVITE (CSeq {t.cseq}) that got {final.status} carried {creds[0].title()}"
                    + (f" (username {user.group(1)!r})" if user else "") + ": it is the retry after a challenge")
            add(Finding("rejected_invite_had_credentials", "yes", f"INVITE with {creds[0].title()}", note, inv))
        else:
            add(Finding("rejected_invite_had_credentials", "no", "INVITE without credentials",
                        f"the INVITE (CSeq {t.cseq}) that got {final.status} carried no Authorization or"
                        " Proxy-Authorization header", inv))
    ruri = msg.ruri
    if ruri is not None:
        match = ctx.sides.carrier.termination_match(ruri.host)
        if match is not None:
            target = (f"the termination URI {ctx.sides.carrier.termination_host}" if ctx.sides.carrier.termination_host
                      else f"a {ctx.sides.carrier.name or 'carrier'} trunk domain ({', '.join(ctx.sides.carrier.domains)})")
            kind = "an IP address" if ruri.host_is_ip else "a host name"
            note = (f"Request-URI {msg.request_uri}: its host {ruri.host} ({kind}) "
                    f"{'is' if match else 'is not'} {target}")
            add(Finding("request_uri_host_matches_termination_uri", "yes" if match else "no",
                        "INVITE Request-URI host", note, inv))
        number = ruri.user_number
        if number is not None:
            ok, why = e164_check(number)
            add(Finding("dialed_number_e164", "yes" if ok else "no", "INVITE Request-URI user",
                        f"dialed number {number!r} in the Request-URI: {'+E.164' if ok else 'not +E.164'} ({why})",
                        inv))
    frm = msg.from_
    from_number = frm.uri.user_number if frm is not None and frm.uri is not None else None
    if frm is not None and frm.uri is not None:
        ok, why = e164_check(from_number)
        add(Finding("caller_id_e164", "yes" if ok else "no", "INVITE From user",
                    f"caller ID {from_number!r} in From {frm.uri.raw}: {'+E.164' if ok else 'not +E.164'} ({why})",
                    inv))
    dialed = ruri.user_number if ruri is not None else None
    if dialed and from_number and e164_check(dialed)[0] and e164_check(from_number)[0]:
        to_cc = phonenumbers.parse(dialed, None).country_code
        from_cc = phonenumbers.parse(from_number, None).country_code
        add(Finding("destination_international", "yes" if to_cc != from_cc else "no", "country codes",
                    f"dialed {dialed} (+{to_cc}) from caller ID {from_number} (+{from_cc}):"
                    f" {'an international' if to_cc != from_cc else 'a domestic'} call", inv))
    pai = msg.values("p-asserted-identity")
    pai_note = f"; P-Asserted-Identity {pai[0]}" if pai else ""
    rpid = msg.values("remote-party-id")
    if not rpid:
        add(Finding("remote_party_id", "absent", "INVITE has no Remote-Party-ID",
                    f"the INVITE carries no Remote-Party-ID header{pai_note}", inv))
    else:
        from advisor.evidence.sipmsg import parse_name_addr

        na = parse_name_addr(rpid[0])
        number = na.uri.user_number if na.uri is not None else None
        ok, why = e164_check(number)
        if not ok:
            add(Finding("remote_party_id", "invalid", "INVITE Remote-Party-ID",
                        f"Remote-Party-ID {rpid[0]!r}: {number!r} is not +E.164 ({why}){pai_note}", inv))
        elif number == from_number or number in ctx.sides.carrier.numbers:
            add(Finding("remote_party_id", "valid", "INVITE Remote-Party-ID",
                        f"Remote-Party-ID {rpid[0]!r}: +E.164 and the same number as the From{pai_note}", inv))
    _leaves(ctx, call, inv, add)


def _leaves(ctx: _Ctx, call: Call, inv: Message, add: _Add) -> None:
    if inv.sender != "customer":
        return
    points = {ctx.sides.capture_point(v.file) for v in inv.all_views()}
    where = _where(inv)
    add(Finding("sip_leaves_pbx", "yes", "INVITE to the carrier in the trace",
                f"the PBX's INVITE {where} is in the trace ({', '.join(sorted(points))})", inv))
    at_edge = [v for v in inv.all_views() if ctx.sides.capture_point(v.file) == "edge"]
    if at_edge:
        v = at_edge[0]
        add(Finding("sip_reaches_internet_edge", "yes", "INVITE outside the NAT",
                    f"the PBX's INVITE is seen leaving the customer's edge ({_where(v)}, {v.file})", v))


def _origination(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add) -> None:
    t = call.last_invite
    inv = t.request if t else None
    if inv is None or t is None:
        return
    final = v.final
    customer_responses = [r for tt in call.invites for r in tt.responses if r.sender == "customer"]
    # who challenges whom
    if final is not None and final.sender == "customer" and final.status is not None:
        value = {401: "with_401", 407: "with_407"}.get(final.status, "no")
        add(Finding("pbx_challenges_carrier", value, f"PBX {final.status} to INVITE",
                    f"the PBX answers the carrier's INVITE with {final.status} {final.msg.reason or ''}".rstrip(), final))
    # reachability of the PBX
    pbx_views = [x for x in inv.all_views() if ctx.sides.capture_point(x.file) in PBX_SIDE_POINTS]
    log_views = [x for x in inv.all_views() if ctx.sides.capture_point(x.file) == "pbx_log"]
    if pbx_views or customer_responses:
        shown = pbx_views[0] if pbx_views else inv
        why = (f"seen in {shown.file} ({ctx.sides.capture_point(shown.file)})" if pbx_views
               else "the PBX responds to it")
        add(Finding("invite_reaches_pbx_host", "yes", "carrier INVITE at the PBX",
                    f"the carrier's INVITE reaches the PBX: {why}", shown))
    else:
        missing = _absent_from_pbx_files(ctx, inv)
        if missing:
            add(Finding("invite_reaches_pbx_host", "no", "carrier INVITE not at the PBX",
                        f"the carrier's INVITE is in {inv.file} but not in {missing}, which covers that time", inv))
    edge_points = {ctx.sides.capture_point(x.file) for x in inv.all_views()} - {"unknown"}
    if edge_points or customer_responses:
        add(Finding("invite_reaches_network_edge", "yes", "carrier INVITE at the customer side",
                    f"the carrier's INVITE is in a customer-side trace ({', '.join(sorted(edge_points)) or 'answered'})",
                    inv))
    if log_views:
        add(Finding("invite_in_pbx_logs", "yes", "carrier INVITE in the PBX log",
                    f"the carrier's INVITE is in the PBX's own SIP log {log_views[0].file}", log_views[0]))
    else:
        missing_log = _absent_from_pbx_files(ctx, inv, logs_only=True)
        if missing_log:
            add(Finding("invite_in_pbx_logs", "no", "carrier INVITE not in the PBX log",
                        f"the carrier's INVITE is in {inv.file} but not in the PBX log {missing_log}", inv))
    if customer_responses:
        r = customer_responses[0]
        add(Finding("pbx_responds_to_invite", "yes", f"PBX {r.status} to INVITE",
                    f"the PBX answers the carrier's INVITE ({r.msg.summary()})", r))
    elif pbx_views:
        later = ctx.after(_copies(t.requests, pbx_views[0])[-1]) if t.requests else None
        if t.sends >= 2 or (later is not None and later >= 4):
            span = f" over {_dur(t.requests[-1].ts - inv.ts)}" if (t.requests[-1].ts and inv.ts) else ""
            add(Finding("pbx_responds_to_invite", "no", "INVITE unanswered by the PBX",
                        f"the carrier's INVITE arrives {t.sends} time(s){span} and the PBX sends no response at all",
                        pbx_views[0]))
    if customer_responses or log_views:
        shown = log_views[0] if log_views else inv
        add(Finding("origination_uri_state", "correct", "carrier INVITE delivered",
                    f"the carrier delivers the call to {inv.msg.request_uri} and it reaches the PBX"
                    + (" (it answers)" if customer_responses else " (in its SIP log)"), shown))
    # the PBX's 200 OK versus the carrier's INVITE
    oks = [r for r in call.oks() if r.sender == "customer"]
    if not oks:
        return
    ok = oks[0]
    ok_t = call.ok_transaction()
    req = ok_t.request if ok_t else None
    if req is not None and req.sender == "carrier":
        same, diff = _vias_match(req.msg.vias, ok.msg.vias)
        add(Finding("ok_via_matches_invite", "yes" if same else "no", "200 OK Via headers",
                    "the 200 OK returns the INVITE's Via headers unchanged, in order" if same
                    else f"the 200 OK changes the INVITE's Via headers: {diff}", ok))
    contact = ok.msg.contacts[0] if ok.msg.contacts else None
    if contact is not None and contact.uri is not None:
        private = is_private(contact.uri.host)
        if private is not None:
            add(Finding("ok_contact_private", "yes" if private else "no", "200 OK Contact",
                        f"the PBX's 200 OK Contact {contact.uri.raw}: {contact.uri.host} is "
                        f"{'private (not routable from the carrier)' if private else 'public'}", ok))
    acks = [a for a in call.acks_for(ok) if a.sender == "carrier"]
    copies = _copies(oks, ok)
    if acks:
        add(Finding("ack_reaches_pbx", "yes", "ACK from the carrier",
                    f"the carrier's ACK for the 200 OK arrives ({_where(acks[0])})", acks[0]))
    elif len(copies) >= 2 or (ctx.after(ok) or 0) >= 4:
        add(Finding("ack_reaches_pbx", "no", "no ACK for the 200 OK",
                    f"no ACK from the carrier; the PBX sends its 200 OK {len(copies)} time(s)", copies[-1]))


def _absent_from_pbx_files(ctx: _Ctx, inv: Message, logs_only: bool = False) -> str | None:
    """A PBX-side file that covers the INVITE's time but does not contain it."""
    if inv.ts is None or not inv.absolute:
        return None
    have = {x.file for x in inv.all_views()}
    for lt in ctx.cs.loaded:
        f = lt.contents.file
        point = ctx.sides.capture_point(f)
        if f in have or (point != "pbx_log" if logs_only else point not in PBX_SIDE_POINTS):
            continue
        times = [r.ts for r in lt.contents.sip if r.ts is not None and r.ts >= 1e8]
        if times and min(times) <= inv.ts <= max(times):
            return f
    return None


def _vias_match(invite: list[Via], ok: list[Via]) -> tuple[bool, str]:
    if len(invite) != len(ok):
        return False, f"the INVITE has {len(invite)} Via header(s), the 200 OK {len(ok)}"
    for i, (a, b) in enumerate(zip(invite, ok, strict=True), start=1):
        if a.host.lower() != b.host.lower() or a.port != b.port or a.transport != b.transport:
            return False, f"Via {i} is {a.hostport()} in the INVITE but {b.hostport()} in the 200 OK"
        pa, pb = dict(a.params), dict(b.params)
        if i == 1:
            # the receiving server adds received/rport to the top Via (RFC 3261 18.2.1, RFC 3581)
            for name in ("received", "rport"):
                if name not in pa or pa.get(name) == "":
                    pa.pop(name, None)
                    pb.pop(name, None)
        if pa != pb:
            changed = sorted(k for k in set(pa) | set(pb) if pa.get(k) != pb.get(k))
            return False, f"Via {i} ({a.hostport()}) parameter(s) {', '.join(changed)} differ"
    return True, ""


def _session_timer(call: Call, add: _Add) -> None:
    for t in call.invites:
        final = t.final
        if final is None or final.status != 422 or t.request is None:
            continue
        min_se = final.msg.int_header("min-se")
        se = t.request.msg.int_header("session-expires")
        if min_se is None:
            continue
        if se is None:
            add(Finding("min_se_exceeds_session_expires", "yes", "422 Min-SE",
                        f"422 with Min-SE {min_se}; the INVITE carries no Session-Expires", final))
        else:
            add(Finding("min_se_exceeds_session_expires", "yes" if min_se > se else "no", "422 Min-SE",
                        f"422 with Min-SE {min_se} against Session-Expires {se} in the INVITE", final))
        return


def _sdp(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add) -> None:
    if call.carrier_party is None:
        return
    customer_sdps = [m for m in call.messages if m.sender == "customer" and m.msg.sdp is not None
                     and m.msg.sdp.audio() is not None]
    if customer_sdps:
        with_pcmu = [m for m in customer_sdps if m.msg.sdp is not None and m.msg.sdp.offers_pcmu()]
        m = with_pcmu[0] if with_pcmu else customer_sdps[0]
        sdp = m.msg.sdp
        assert sdp is not None
        media = sdp.audio()
        encs = ", ".join(sdp.encodings(media)) if media else ""
        add(Finding("pcmu_offered", "yes" if with_pcmu else "no", f"PBX SDP in {m.short()}",
                    f"the PBX's SDP ({m.short()}) lists {encs or 'no audio codec'}: "
                    f"{'includes' if with_pcmu else 'no'} PCMU (payload type 0)", m))
        for m in customer_sdps:
            sd = m.msg.sdp
            addr = sd.audio_address() if sd else None
            if not addr or ip_or_none(addr) is None or addr in ("0.0.0.0", "::"):
                continue
            private = is_private(addr)
            add(Finding("pbx_sdp_address", "private" if private else "public", f"PBX SDP c= in {m.short()}",
                        f"the PBX's SDP ({m.short()}) gives c={addr}: {'private' if private else 'public'}", m))
            break
    elif v.final is not None and v.final.status == 415 and v.final.sender == "customer":
        offer = next((m for m in call.messages if m.sender == "carrier" and m.msg.sdp is not None), None)
        if offer is not None and offer.msg.sdp is not None and offer.msg.sdp.offers_pcmu():
            add(Finding("pcmu_offered", "no", "PBX 415 to a PCMU offer",
                        "the carrier offers PCMU and the PBX refuses the offer with 415 Unsupported Media Type:"
                        " the PBX side does not accept PCMU", v.final))


def _outcome(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add, notes: list[str]) -> None:
    oks = call.oks()
    if oks:
        first_ok = oks[0]
        copies = _copies(oks, first_ok)
        bye = call.first_bye()
        if len(copies) >= 2:
            span = (copies[-1].ts - first_ok.ts) if (copies[-1].ts is not None and first_ok.ts is not None) else None
            add(Finding("ok_retransmitted", "yes", "200 OK retransmitted",
                        f"the 200 OK to the INVITE is sent {len(copies)} times"
                        + (f" over {_dur(span)}" if span else ""), copies[1]))
        elif call.acks_for(first_ok) or (ctx.after(first_ok) or 0) >= 4:
            add(Finding("ok_retransmitted", "no", "200 OK sent once", "the 200 OK to the INVITE is sent once",
                        first_ok))
        if v.drop_seconds is not None and bye is not None:
            who = "carrier" if bye.sender == "carrier" else "PBX" if bye.sender == "customer" else "one side"
            add(Finding("seconds_until_drop", round(v.drop_seconds, 1), f"BYE {_dur(v.drop_seconds)} after 200 OK",
                        f"the {who} sends BYE {v.drop_seconds:.1f} s after the first 200 OK", bye))
        if call.direction == "termination":
            _ack_target(ctx, call, first_ok, copies, add)
    if v.outcome is None:
        return
    msg: Message | None = v.final
    detail = v.summary
    note = v.summary
    if v.outcome == "no_response":
        t = call.last_invite
        msg = t.request if t else None
        note = f"{v.summary}: nothing at all comes back"
    elif v.outcome in ("rejected", "timeout") and v.final is not None:
        note = f"the call attempt ends with {v.final.msg.first_line[8:]}"
        detail = f"{v.final.status} to INVITE"
    elif v.outcome == "drops_after_30s":
        msg = call.first_bye()
        reasons = []
        if v.ok_copies >= 2:
            reasons.append(f"200 OK sent {v.ok_copies} times")
        first_ok = oks[0]
        if not call.acks_for(first_ok):
            reasons.append("no ACK")
        note = f"{v.summary} ({', '.join(reasons)})"
        detail = "BYE after 200 OK"
    elif v.outcome == "audio_problem":
        why = _rtp_view(ctx, call)[3]
        msg = oks[0] if oks else None
        note = f"{v.summary} ({why})"
        detail = "one-way RTP"
    if v.notes:
        note += "; " + "; ".join(v.notes)
    if notes:
        note += "; " + notes[0]
    add(Finding("call_outcome", v.outcome, detail, note, msg))


def _ack_target(ctx: _Ctx, call: Call, ok: Message, copies: list[Message], add: _Add) -> None:
    if ok.sender != "carrier":
        return
    contact = ok.msg.contacts[0].uri if ok.msg.contacts else None
    acks = [a for a in call.acks_for(ok) if a.sender == "customer"]
    if not acks:
        if len(copies) >= 2 or (ctx.after(ok) or 0) >= 4:
            add(Finding("ack_request_uri", "not_sent", "no ACK for the 200 OK",
                        f"the PBX sends no ACK for the carrier's 200 OK (200 OK seen {len(copies)} time(s))", ok))
        return
    ack = acks[0]
    ruri = ack.msg.ruri
    if ruri is None or contact is None:
        return
    rr_hosts = [r.uri.host.lower() for r in ok.msg.record_route if r.uri is not None]
    if ruri.same_target(contact):
        routes = [r.uri.host.lower() for r in ack.msg.route if r.uri is not None]
        routed = (not rr_hosts or bool(set(routes) & set(rr_hosts))
                  or (ack.dst is not None and ack.dst.lower() in rr_hosts))
        if routed:
            add(Finding("ack_request_uri", "matches_ok_contact", "ACK Request-URI",
                        f"ACK Request-URI {ack.msg.request_uri} is the 200 OK's Contact {contact.raw}"
                        + (f", routed via {rr_hosts[0]}" if rr_hosts else ""), ack))
        else:
            add(Finding("ack_request_uri", "carrier_other_address", "ACK not sent to the Record-Route",
                        f"ACK Request-URI is the 200 OK's Contact {contact.raw} but the ACK has no Route to the"
                        f" 200 OK's Record-Route {rr_hosts[0]} and goes to {ack.endpoint('dst')}", ack))
        return
    host = ruri.host.lower()
    carrier = ctx.sides.carrier
    own = host in ctx.sides.pbx_addresses and not carrier.is_carrier_address(host) and host not in rr_hosts
    if own:
        add(Finding("ack_request_uri", "pbx_own_address", "ACK Request-URI is the PBX's address",
                    f"ACK Request-URI {ack.msg.request_uri} carries the PBX's own address {ruri.host} where the 200 OK"
                    f" Contact is {contact.raw}", ack))
    else:
        add(Finding("ack_request_uri", "carrier_other_address", "ACK Request-URI not the 200 OK Contact",
                    f"ACK Request-URI {ack.msg.request_uri} is not the 200 OK's Contact {contact.raw}"
                    f" ({ruri.host} is {'a carrier signalling address' if carrier.in_signalling(ruri.host) else 'another address'})",
                    ack))


def _rtp(ctx: _Ctx, call: Call, v: CallVerdict, add: _Add) -> None:
    oks = call.oks()
    if not oks or call.carrier_party is None:
        return
    file, c2p, p2c, why, streams = _rtp_view(ctx, call)
    if file is None or not streams:
        return
    ok = next((x for x in oks if x.file == file), oks[0])
    covered = ctx.after(ok)
    if covered is None or covered < 1:
        return
    point = ctx.sides.capture_point(file)
    if c2p:
        s = max(c2p, key=lambda x: x.packets)
        if point == "pbx_host":
            add(Finding("rtp_from_carrier_arrives", "yes", "RTP from the carrier",
                        f"{s.packets} RTP packets {s.src}:{s.sport} -> {s.dst}:{s.dport} arrive ({why})", rtp=s,
                        rtp_file=file, at=ctx.at(file, s.first_ts)))
    elif point in ("pbx_host", "edge", "unknown"):
        add(Finding("rtp_from_carrier_arrives", "no", "no RTP from the carrier",
                    f"no RTP from the carrier's media address arrives during {_dur(covered)} after the 200 OK ({why})",
                    ok))
    if p2c:
        s = max(p2c, key=lambda x: x.packets)
        add(Finding("rtp_from_pbx_leaves", "yes", "RTP from the PBX",
                    f"{s.packets} RTP packets {s.src}:{s.sport} -> {s.dst}:{s.dport} leave towards the carrier ({why})",
                    rtp=s, rtp_file=file, at=ctx.at(file, s.first_ts)))
        ttls = [x.min_ttl for x in p2c if x.max_ttl > 0 and x.min_ttl <= 255 and x.min_ttl <= x.max_ttl]
        if ttls:
            low = min(ttls)
            src = min(p2c, key=lambda x: x.min_ttl if x.max_ttl > 0 else 999)
            add(Finding("rtp_ttl", float(low), f"RTP TTL {low}",
                        f"the PBX's RTP to the carrier leaves with IP TTL {low} (capture point: {point})",
                        rtp=src, rtp_file=file, at=ctx.at(file, src.first_ts)))
    elif point == "pbx_host":
        add(Finding("rtp_from_pbx_leaves", "no", "no RTP from the PBX",
                    f"no RTP from the PBX towards the carrier's SDP address ({why})", ok))
    heard, _ = _rtp_audio(ctx, call)
    if heard is not None:
        texts = {"pbx_side_hears_nothing": "RTP from the PBX flows out but none from the carrier arrives at the PBX"
                 " host: the PBX side hears nothing",
                 "pstn_side_hears_nothing": "RTP from the carrier arrives but the PBX sends none: the PSTN side"
                 " hears nothing",
                 "none": "no RTP either way"}
        add(Finding("audio_heard", heard, "RTP directions", f"{texts[heard]} ({why})", ok))


def _rates(ctx: _Ctx, cs: CallSet, add: _Add) -> None:
    starts: list[tuple[float, Message, Call]] = []
    for call in cs.calls:
        if call.direction != "termination":
            continue
        inv = call.initial_invite
        if inv is None or inv.ts is None:
            continue
        starts.append((inv.ts, inv, call))
    if len(starts) < 2:
        return
    starts.sort(key=lambda x: x[0])
    best = 1
    best_i, best_j = 0, 0
    i = 0
    for j in range(len(starts)):
        while starts[j][0] - starts[i][0] >= 1.0:
            i += 1
        if j - i + 1 > best:
            best, best_i, best_j = j - i + 1, i, j
    first, last = starts[best_i], starts[best_j]
    span = last[0] - first[0]
    limit = ctx.cps_limit
    over = best > limit
    deciding = starts[min(best_i + int(limit), best_j)][1] if over else first[1]
    note = (f"{best} new INVITE(s) (distinct Call-IDs, no retransmissions or authenticated retries) within "
            f"{span:.2f} s; {len(starts)} calls from the PBX in the trace; CPS limit {limit:g}/s")
    if over:
        add(Finding("invite_rate_over_cps_limit", "yes", f"{best} INVITEs in 1 s", note, deciding))
    add(Finding("invites_per_second", float(best), f"{best} INVITEs in 1 s", note, deciding))
    # concurrency: established or ringing calls overlapping a new INVITE
    # a call counts from its INVITE until its BYE or error response; answered or still
    # ringing without either, it is up until the end of the trace
    intervals: list[tuple[float, float, Message]] = []
    for ts, inv, call in starts:
        end = ctx.file_end.get(inv.file, ts)
        v_final = call.last_invite.final if call.last_invite else None
        bye = call.first_bye()
        if v_final is not None and v_final.status is not None and v_final.status >= 300 and v_final.ts is not None:
            end = v_final.ts
        elif bye is not None and bye.ts is not None:
            end = bye.ts
        intervals.append((ts, end, inv))
    starts_sorted = sorted(s for s, _, _ in intervals)
    ends_sorted = sorted(e for _, e, _ in intervals)
    peak, peak_msg = 0, None
    for ts, _end, inv in intervals:
        # calls started at or before ts, minus those already over before ts
        active = bisect.bisect_right(starts_sorted, ts) - bisect.bisect_left(ends_sorted, ts)
        if active > peak:
            peak, peak_msg = active, inv
    if peak > ctx.trial_limit and peak_msg is not None:
        add(Finding("concurrent_calls", float(peak), f"{peak} calls at once",
                    f"{peak} calls from the PBX are up or being set up at the same time (only calls in this trace"
                    " are counted)", peak_msg))


