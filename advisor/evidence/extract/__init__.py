"""Trace evidence as a declared layer: extractors by area, each producing only what it declares.

The areas (knowledge/extractors.yaml lists what each may conclude):

* verdict      how the focus call ended (status, reason, outcome, drop, session timer)
* termination  the PBX's INVITE to the carrier and its ACK
* origination  the carrier's INVITE to the PBX and the PBX's answer
* media        SDP and RTP
* network      DNS, ICMP, OPTIONS
* tls          SIP over TLS: the clear-text handshake of an encrypted capture
* rates        INVITEs per second, concurrent calls
* fragments    headers pasted without a start line (Session-Expires, the ACK's target, SDP)
* logs         log lines, bare status lines, the carrier's alerts and call logs

With several calls in a trace, one call is in focus: the most telling failing one
(an error response, no response at all, a drop after about 30 s, one-way audio),
the latest of equals. Rate and concurrency findings look across calls. Findings are
added most specific first and the first one per observation is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.evidence.calls import CallSet
from advisor.evidence.events import LogEvent
from advisor.evidence.extract import fragments, logs, media, network, origination, rates, termination, tls, verdict
from advisor.evidence.extract.base import (
    CallVerdict,
    Ctx,
    Finding,
    FindingsResult,
    UndeclaredFinding,
    e164_check,
)
from advisor.evidence.knowledge import TraceKnowledge
from advisor.evidence.sides import Sides

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase

__all__ = ["CallVerdict", "Finding", "FindingsResult", "UndeclaredFinding", "derive_findings", "e164_check"]


def derive_findings(cs: CallSet, sides: Sides, kb: KnowledgeBase | TraceKnowledge,
                    events: list[LogEvent] | None = None) -> FindingsResult:
    ctx = Ctx(cs, sides, kb, events if events is not None else [e for lt in cs.loaded for e in lt.events])
    verdicts = [verdict.call_verdict(ctx, c) for c in cs.calls]
    focus_v = verdict.choose(verdicts)
    notes: list[str] = []
    if focus_v is None or focus_v.final is None:
        for lt in cs.loaded:
            lt.scan_extras()  # DNS/ICMP of captures: only read when no final answer came back
    net = ctx.emitter("network")
    if focus_v is None:
        network.dns(ctx, cs, None, net)
        network.icmp(ctx, cs, None, net)
        network.options(ctx, cs, net)
        tls.tls(ctx, cs, ctx.emitter("tls"), notes)
        fragments.fragments(ctx, cs, None, ctx.emitter("fragments"))
        notes += logs.logs(ctx, cs, None, ctx.emitter("logs"))
        unique = _unique(ctx.findings)
        if not unique:
            notes.insert(0, "no call (INVITE) in the trace")
        else:
            notes.insert(0, "no call (INVITE) in the trace; findings from "
                         + ", ".join(sorted({_AREA_WORDS.get(f.area, f.area) for f in unique})))
        return FindingsResult(unique, None, verdicts, notes)
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
    ver, term, orig = ctx.emitter("verdict"), ctx.emitter("termination"), ctx.emitter("origination")
    verdict.direction(ctx, call, ver)
    verdict.carrier(ctx, call, ver)
    verdict.final_status(ctx, call, focus_v, ver, notes)
    if call.direction == "termination":
        termination.termination(ctx, call, focus_v, term)
    if call.direction == "origination":
        origination.origination(ctx, call, focus_v, orig)
    if call.direction is None:
        origination.vias_side_free(ctx, call, orig)
    verdict.session_timer(ctx, call, ver)
    media.sdp(ctx, call, focus_v, ctx.emitter("media"))
    verdict.outcome(ctx, call, focus_v, ver, notes)
    termination.ack(ctx, call, term)
    media.rtp(ctx, call, focus_v, ctx.emitter("media"))
    rates.rates(ctx, cs, ctx.emitter("rates"))
    network.dns(ctx, cs, call, net)
    network.icmp(ctx, cs, call, net)
    network.options(ctx, cs, net)
    tls.tls(ctx, cs, ctx.emitter("tls"), notes)
    fragments.fragments(ctx, cs, call, ctx.emitter("fragments"))
    notes += logs.logs(ctx, cs, focus_v, ctx.emitter("logs"))
    carrier = ctx.sides.carrier
    if carrier.recognised and carrier.name != carrier.default_name:
        notes.append(f"the carrier is {carrier.name}: the causes and fixes follow {carrier.default_name}'s trunking"
                     f" guide, so rules of its own (number formats, alert codes, limits) may not hold for"
                     f" {carrier.name}; check that carrier's documentation before applying a fix")
    unique = _unique(ctx.findings)
    for f in unique:
        if f.ref is None:
            f.call = f.call or call
    return FindingsResult(unique, call, verdicts, notes)


_AREA_WORDS = {"network": "DNS/ICMP packets", "logs": "log lines and carrier artefacts", "tls": "the TLS handshake"}


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per observation: the first one wins (they are added most specific first).

    Every finding was checked against its area's declaration when it was added
    (Ctx.emitter); nothing is dropped here for being unknown."""
    seen: set[str] = set()
    unique: list[Finding] = []
    for f in findings:
        if f.obs_id in seen:
            continue
        seen.add(f.obs_id)
        unique.append(f)
    return unique
