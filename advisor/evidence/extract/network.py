"""Network: DNS for the termination URI, ICMP errors about SIP, OPTIONS pings."""

from __future__ import annotations

from advisor.evidence.calls import Call, CallSet, Message, Transaction
from advisor.evidence.extract.base import Add, Ctx, Finding, copies, dur, where
from advisor.evidence.sides import CarrierInfo, is_private


def _dns_name(name: str) -> str:
    # _sip._udp.example.pstn.twilio.com -> example.pstn.twilio.com
    labels = name.split(".")
    while labels and labels[0].startswith("_"):
        labels.pop(0)
    return ".".join(labels)


def _names_trunk(carrier: CarrierInfo, name: str) -> bool:
    """A looked-up name is the trunk's: the context's termination URI, or a trunk name of a carrier pack."""
    if carrier.termination_host:
        return name.lower().rstrip(".") == carrier.termination_host
    return carrier.is_termination_host(name)


def dns(ctx: Ctx, cs: CallSet, call: Call | None, add: Add) -> None:
    """Does the PBX's resolver answer for the termination URI?"""
    carrier = ctx.sides.carrier
    events = [(lt.contents.file, e) for lt in cs.loaded for e in lt.dns]
    queries = [(f, e) for f, e in events if not e.response and e.name
               and _names_trunk(carrier, _dns_name(e.name))]
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
                        + (f" over {dur(waited)}" if waited else "") + " and gets no answer at all",
                        ref=last.ref, at=ctx.at(f, last.ts)))
    if call is None:
        add(Finding("call_direction", "termination", "PBX resolves the termination URI",
                    f"no call in the trace, but the PBX looks up {name}, the carrier's termination URI, to send"
                    " its INVITE there", ref=q0.ref, at=ctx.at(file0, q0.ts)))


def options(ctx: Ctx, cs: CallSet, add: Add) -> None:
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
            later = ctx.after(copies(t.requests, req)[-1])
            if t.sends >= 3 or (later is not None and later >= 10):
                span = (t.requests[-1].ts - req.ts) if (t.requests[-1].ts is not None and req.ts is not None) else None
                unanswered = unanswered or (t, span)
    if answered is not None:
        add(Finding("options_ping_to_carrier", "answered", f"{answered.status} to OPTIONS",
                    f"the carrier answers the PBX's OPTIONS with {answered.msg.first_line[8:]} ({where(answered)})",
                    answered))
    elif unanswered is not None:
        t, span = unanswered
        req = t.request
        assert req is not None
        add(Finding("options_ping_to_carrier", "timeout", "OPTIONS without response",
                    f"the PBX's OPTIONS to {req.endpoint('dst') or req.msg.request_uri} is sent {t.sends} time(s)"
                    + (f" over {dur(span)}" if span else "") + " and never answered", req))


def icmp(ctx: Ctx, cs: CallSet, call: Call | None, add: Add) -> None:
    """ICMP errors about the PBX's SIP to the carrier: rejected before the edge, or reaching the carrier."""
    carrier = ctx.sides.carrier
    targets: set[tuple[str, int | None]] = set()
    inbound: set[str] = set()  # where the carrier's INVITEs go (the customer's edge or PBX)
    for m in cs.messages:
        if m.sender == "customer" and m.is_request and m.dst:
            targets.add((m.dst, m.record.dport))
        if m.is_request and m.method == "INVITE" and m.dst and (
                m.sender == "carrier" or (m.sender is None and carrier.is_carrier_address(m.src))):
            inbound.add(m.dst)
    for lt in cs.loaded:
        for i in lt.icmp:
            if (i.kind == "admin_prohibited" and i.about in inbound and i.dst is not None
                    and carrier.is_carrier_address(i.dst) and not carrier.is_carrier_address(i.src)):
                f = lt.contents.file
                add(Finding("firewall_allows_carrier_signalling", "no", "ICMP administratively prohibited",
                            f"{i.src} answers the carrier's INVITE to {i.about} with ICMP '{i.text}': the customer's"
                            " firewall rejects inbound SIP from the carrier", ref=i.ref, at=ctx.at(f, i.ts)))
                break
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
