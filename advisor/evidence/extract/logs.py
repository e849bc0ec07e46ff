"""Logs: what log lines, bare status lines and the carrier's artefacts state, when no full message does.

Runs after the message-based extractors, so a full SIP message always wins over a
log line saying the same thing (the first finding per observation is kept). Sides
come from the carrier packs: a response "back from" a carrier address means the
PBX sent the INVITE to the carrier; a request received from one means the carrier
called in. Without a recognised carrier address no direction is claimed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from advisor.evidence.calls import CallSet, Message
from advisor.evidence.events import LogEvent
from advisor.evidence.extract.base import Add, CallVerdict, Ctx, Finding, number_format, refused_caller_id
from advisor.evidence.knowledge import CarrierKnowledge

__all__ = ["logs"]


def _status_value(ctx: Ctx, code: int) -> str:
    if 200 <= code < 300:
        return "2xx"
    return str(code) if str(code) in ctx.status_values else "other"


def _fragment_event(m: Message) -> LogEvent | None:
    """A partial message that still shows a final response (a status line with or without headers)."""
    status = m.msg.status
    if status is None:
        return None
    cseq = m.msg.cseq
    if cseq is not None and cseq[1] != "INVITE":
        return None
    return LogEvent("response", m.record.ref, "fragment", m.msg.first_line, ts=m.ts, status=status,
                    reason=m.msg.reason or None, method=cseq[1] if cseq else None, peer=m.src,
                    peer_port=m.record.sport)


def _peer_is_carrier(ctx: Ctx, peer: str | None) -> bool:
    if not peer:
        return False
    host = peer.strip("[]").lower()
    carrier = ctx.sides.carrier
    return carrier.is_carrier_address(host) or carrier.is_termination_host(host)


def logs(ctx: Ctx, cs: CallSet, focus: CallVerdict | None, add: Add) -> list[str]:
    """Findings from log events and fragments; returns notes on what was used."""
    notes: list[str] = []
    events = list(ctx.events)
    fragments = [e for m in cs.messages if m.fragment for e in [_fragment_event(m)] if e is not None]
    decided = focus is not None and focus.final is not None
    if not decided:
        _responses(ctx, events + fragments, add, notes)
        _requests(ctx, events, add, notes)
    _dials(ctx, events, add)
    _labelled_requests(ctx, events, add)
    _refusals(ctx, events, add, notes)
    _alerts(ctx, events, add, notes)
    _call_logs(ctx, events, add, notes)
    _carrier_capture(ctx, focus, add)
    _faults(ctx, events, focus, add, notes)
    _dns_failures(ctx, events, add, notes)
    _registrations(ctx, events, add, notes)
    return notes


# Names that are placeholders by definition (RFC 6761 .invalid, as WebRTC clients put in their Contact; mDNS
# .local): failing to resolve one says nothing about the PBX's DNS.
_PLACEHOLDER_SUFFIXES = (".invalid", ".local", ".localhost", ".example", ".test")


def _dns_failures(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    """A log line saying the host's resolver could not resolve the name it sends to: the PBX/proxy has no usable
    answer for the trunk's name, so nothing leaves for the carrier.  A name in a Contact (a client's placeholder
    host) is not where the call goes and proves nothing."""
    for e in events:
        if e.kind != "fault" or e.fault != "dns_failure":
            continue
        name = (e.peer or "").lower().rstrip(".")
        if not name:
            continue  # a resolver failure without the name it was for (an update check, NTP...) says nothing
        if name.endswith(_PLACEHOLDER_SUFFIXES) or "contact" in e.text.lower():
            notes.append(f"{e.ref.label()}: a name that cannot be resolved ('{e.text[:80]}') is a placeholder or a"
                         " Contact host, not the trunk's name")
            continue
        carrier = ctx.sides.carrier
        whose = (f"the carrier's termination host {name}" if carrier.is_termination_host(name)
                 else f"the name {name}")
        add(Finding("dns_resolves_termination_uri", "no", "name resolution fails in the log",
                    f"the log's host cannot resolve {whose} it sends the request to ('{e.text[:100]}'): without"
                    " an answer no request leaves for the trunk", ref=e.ref))
        return


def _registrations(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    """The PBX's own REGISTER to a remote, seen in its log with the answer.  It is a registration to the trunk
    when the remote is a carrier's termination host, or when the remote answers 405 Method Not Allowed: a server
    that takes no REGISTER at all (a trunk that authenticates each INVITE instead)."""
    for e in events:
        if e.kind != "response" or e.method != "REGISTER":
            continue
        host = e.peer or ""
        to_trunk = _peer_is_carrier(ctx, host)
        if not to_trunk and e.status != 405:
            notes.append(f"{e.ref.label()}: the PBX registers to {host or 'a remote'}"
                         f" ({e.status or 'failed'}); no carrier pack knows that host as a trunk")
            continue
        why = (f"{host} is a {ctx.sides.carrier.name_of(host) or 'carrier'} trunk host" if to_trunk
               else f"{host or 'the remote'} answers 405 Method Not Allowed: it takes no REGISTER")
        add(Finding("pbx_registers_to_trunk", "yes", "REGISTER to the trunk in the log",
                    f"the PBX sends REGISTER to {host or 'the trunk'} ({e.status or 'no'} answer; {why})", ref=e.ref))
        return


def _carrier_capture(ctx: Ctx, focus: CallVerdict | None, add: Add) -> None:
    """The carrier's own per-call capture (offered on the call's log page) holding the call: the call
    is in the carrier's call logs."""
    if focus is None:
        return
    for m in focus.call.messages:
        if ctx.sides.capture_point(m.file) == "carrier" and m.msg.cseq_method == "INVITE":
            add(Finding("in_carrier_call_logs", "yes", "call in the carrier's own capture",
                        f"the carrier's own capture {m.file} holds this call's INVITE transaction: the carrier"
                        " logged the call", m))
            return


def _responses(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    finals = [e for e in events if e.kind == "response" and e.status is not None and e.status >= 300
              and e.method in (None, "INVITE") and e.direction != "sent"]
    if not finals:
        return
    calls = {e.fields["call"] for e in finals if "call" in e.fields}
    if len(calls) > 1:
        notes.append(f"{len(finals)} failing answers in log lines of {len(calls)} different calls: none is taken as"
                     " the answer to the call in question")
        return
    from_carrier = [e for e in finals if _peer_is_carrier(ctx, e.peer)]
    e = (from_carrier or finals)[-1]
    assert e.status is not None
    where = f" from {e.peer}" + (f":{e.peer_port}" if e.peer_port else "") if e.peer else ""
    what = f"{e.status} {e.reason or ''}".strip()
    how = {"fragment": "a status line without Call-ID/CSeq, taken as the answer to the call attempt"}.get(
        e.source, f"{e.source} log line")
    others = len(finals) - 1
    note = f"{what}{where} ({how})" + (f"; {others} other failing answer(s) in the paste" if others else "")
    add(Finding("invite_final_status", _status_value(ctx, e.status), f"{e.status} in a log line", note, ref=e.ref,
                at=None))
    reason = ctx.classify_reason(e.reason) if e.reason else None
    if reason is not None or e.reason:
        add(Finding("response_reason", reason or "other", f"{e.status} reason phrase",
                    f"reason phrase '{e.reason}'" + ("" if reason else " (no known pattern matches)"), ref=e.ref))
    if e.status == 403:
        refused_caller_id(ctx, e.reason, add, ref=e.ref)
    add(Finding("call_outcome", "timeout" if e.status in (408, 504) else "rejected", f"{e.status} to INVITE",
                f"the call attempt ends with {what}{where}", ref=e.ref))
    if from_carrier:
        add(Finding("call_direction", "termination", "response from the carrier",
                    f"{e.peer} is a {ctx.sides.carrier.name_of(e.peer or '') or 'carrier'} address and answers the"
                    f" PBX's INVITE ({how})", ref=e.ref))
    elif e.peer:
        notes.append(f"the failing answer comes from {e.peer}, which no carrier pack knows: the direction is left"
                     " open (give --termination-uri/--pbx-address)")


def _requests(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    for e in events:
        if e.kind == "request" and e.method == "INVITE" and e.direction == "received" and _peer_is_carrier(ctx, e.peer):
            add(Finding("call_direction", "origination", "INVITE from the carrier",
                        f"the log's host receives an INVITE from {e.peer}, a carrier address ({e.source} log line)",
                        ref=e.ref))
            add(Finding("invite_reaches_pbx_host", "yes", "carrier INVITE in the PBX-side log",
                        f"the carrier's INVITE from {e.peer} is logged by the customer-side host ({e.source})",
                        ref=e.ref))
            if e.fields.get("not_routed"):
                what = (f"the PBX answers the carrier's INVITE for {e.number!r} with 404 Not Found: no extension in"
                        f" its inbound context {e.fields.get('context')!r} ({e.source} log line)")
                add(Finding("pbx_responds_to_invite", "yes", "the PBX refuses the number", what, ref=e.ref))
                add(Finding("pbx_challenges_carrier", "no", "the PBX refuses the number", what, ref=e.ref))
                add(Finding("invite_final_status", "404", "404 from the PBX", what, ref=e.ref))
                notes.append(f"{e.ref.label()}: the PBX refuses the carrier's call to {e.number!r}: no extension for"
                             f" it in its inbound context {e.fields.get('context')!r}: the PBX's inbound route must match the"
                             " number as the carrier sends it")
            return


def _refusals(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    """The PBX's log says it refuses a request from a peer it does not identify or trust.  When that peer
    is the carrier (its address, or its domain in the From), the carrier's INVITE reached the PBX and was
    challenged or refused: the PBX does not treat the carrier as a trusted peer."""
    for e in events:
        if e.kind != "refusal" or e.method not in (None, "INVITE"):
            continue
        from_host = e.fields.get("from_host") or None
        by_address = _peer_is_carrier(ctx, e.peer)
        if not (by_address or _peer_is_carrier(ctx, from_host)):
            who = e.peer or from_host or "a peer"
            notes.append(f"{e.ref.label()}: the PBX refuses a request from {who} ({e.fields.get('why', '')}); no"
                         " carrier pack knows that peer")
            continue
        who = (f"{e.peer}, a {ctx.sides.carrier.name_of(e.peer or '') or 'carrier'} address" if by_address
               else f"a sender in the carrier's domain {from_host}")
        what = f"{e.source} log: the PBX refuses {e.method or 'a request'} from {who} ({e.fields.get('why', '')})"
        add(Finding("call_direction", "origination", "the PBX refuses the carrier's request", what, ref=e.ref))
        add(Finding("invite_reaches_pbx_host", "yes", "carrier request in the PBX log", what, ref=e.ref))
        add(Finding("invite_in_pbx_logs", "yes", "carrier request in the PBX log", what, ref=e.ref))
        challenge = e.fields.get("challenge")
        if challenge:
            code = challenge.removeprefix("with_")
            add(Finding("pbx_challenges_carrier", challenge, f"the PBX answers an unknown peer with {code}",
                        f"{what}; for a peer it does not identify, {e.source} sends a {code} challenge, which the"
                        " carrier does not answer", ref=e.ref))
        return


def _labelled_requests(ctx: Ctx, events: list[LogEvent], add: Add) -> None:
    """A hand-labelled leg (`SBC → carrier : INVITE sip:...`) that goes to the carrier: addressed to a carrier
    signalling address, or to a leg the carrier's name labels.  Its Request-URI host either names the trunk or
    not (a bare edge IP does not); legs between the customer's own boxes say nothing about it."""
    carrier = ctx.sides.carrier
    name = (carrier.name or "").lower()
    legs = [e for e in events if e.kind == "request" and e.source == "labelled" and e.method == "INVITE"]
    to_carrier = [e for e in legs if _peer_is_carrier(ctx, e.peer)
                  or (name and e.fields.get("to_label", "").lower() in name.split())]
    for e in reversed(to_carrier):
        match = carrier.termination_match(e.peer)
        if match is None and carrier.is_carrier_address(e.peer):
            match = carrier.is_termination_host(e.peer)  # a carrier's own edge IP is not its trunk's name
        if match is None:
            continue
        add(Finding("request_uri_host_matches_termination_uri", "yes" if match else "no",
                    "INVITE Request-URI host (labelled leg)",
                    f"the leg {e.fields.get('from_label')} -> {e.fields.get('to_label')} sends INVITE"
                    f" {e.fields.get('ruri')}: its host {e.peer} {'names' if match else 'does not name'} the trunk",
                    ref=e.ref))
        add(Finding("call_direction", "termination", "INVITE to the carrier (labelled leg)",
                    f"the leg to {e.fields.get('to_label')} sends the INVITE to the carrier", ref=e.ref))
        return


def _dials(ctx: Ctx, events: list[LogEvent], add: Add) -> None:
    for e in events:
        if e.kind == "dial" and e.number == "" and "@" in e.fields.get("target", ""):
            add(Finding("dialed_number_e164", "no", "empty dialled number",
                        f"the PBX dials {e.fields.get('target')}: the Request-URI user part (the dialled number) is"
                        " empty", ref=e.ref))
            return
    # a number dialled on a channel that the carrier then answers (same Asterisk call tag) went to the carrier
    answered = {r.fields.get("call") for r in events if r.kind == "response" and _peer_is_carrier(ctx, r.peer)}
    for e in events:
        if e.kind != "dial" or not e.number:
            continue
        call = e.fields.get("call")
        # a dial line without a call tag (verbose console) goes with the one answered call, if only one
        if (call is not None and call not in answered) or (call is None and len(answered) != 1):
            continue
        fmt, why = number_format(e.number)
        if fmt is None:
            continue
        add(Finding("dialed_number_e164", fmt, "dialled number in the log",
                    f"the PBX dials {e.number!r} ({e.fields.get('target')}) and the carrier answers that call:"
                    f" {'+E.164' if fmt == 'yes' else 'not +E.164'} ({why})", ref=e.ref))
        return


def _packs(ctx: Ctx) -> list[CarrierKnowledge]:
    packs = ctx.kb.carriers
    default = ctx.kb.default_carrier
    order = [default] if default else []
    order += [n for n in packs if n != default]
    return [packs[n] for n in order if n in packs]


def _alerts(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    obs = ctx.kb.observations.get("alert_code")
    if obs is None:
        return
    for e in events:
        code = None
        why = ""
        named: dict[str, str] = {}
        if e.kind == "alert" and e.code:
            code, why = e.code, "the carrier's debugger alert export"
        elif e.kind == "text" or (e.kind == "alert" and not e.code):  # prose, never a SIP reason phrase
            for pack in _packs(ctx):
                found = next(((p, m) for p in pack.alert_phrases for m in [_rx(p.pattern).search(e.text)] if m), None)
                if found is not None:
                    hit, match = found
                    code, why = hit.code, f"{pack.name}'s debugger wording ('{e.text[:80]}')"
                    named = {k: v for k, v in match.groupdict().items() if v}
                    break
        if code is None:
            continue
        value = code if code in obs else "other"
        alert = ctx.kb.alert(code)
        title = f" ({alert.title})" if alert else ""
        add(Finding("alert_code", value, f"alert {code}", f"alert {code}{title} from {why}", ref=e.ref))
        _named_numbers(named, add, e)
        return


def _named_numbers(named: dict[str, str], add: Add, e: LogEvent) -> None:
    """The number the carrier's wording names (a pack's phrase captures it as `caller` or `number`): the carrier
    judged that very value, so its format is evidence even when the INVITE is not in the paste."""
    for group, obs, what in (("caller", "caller_id_e164", "caller ID"), ("number", "dialed_number_e164", "dialled number")):
        value = named.get(group)
        if not value:
            continue
        fmt, why = number_format(value)
        if fmt is None:
            continue
        add(Finding(obs, fmt, f"the alert's wording names the {what}",
                    f"the carrier's alert text names the {what} {value!r} it refused:"
                    f" {'+E.164' if fmt == 'yes' else 'not +E.164'} ({why})", ref=e.ref))


def _call_logs(ctx: Ctx, events: list[LogEvent], add: Add, notes: list[str]) -> None:
    rows = [e for e in events if e.kind == "call_log"]
    if not rows:
        return
    for pack in _packs(ctx):
        cols = pack.call_log
        if cols is None or not all(c in rows[0].fields for c in (cols.direction, cols.status, cols.from_, cols.to)):
            continue
        failed = [r for r in rows if r.fields.get(cols.status, "").lower() in cols.failed_statuses]
        row = (failed or rows)[-1]
        direction = row.fields.get(cols.direction, "").lower()
        add(Finding("in_carrier_call_logs", "yes", "call in the carrier's call log",
                    f"{len(rows)} call(s) in {pack.name}'s call-log export; {len(failed)} failed", ref=row.ref))
        if direction in cols.termination_directions:
            add(Finding("call_direction", "termination", f"call log direction {direction}",
                        f"the call log lists the call as {direction} (PBX to the PSTN)", ref=row.ref))
            caller = row.fields.get(cols.from_, "")
            fmt, why = number_format(caller) if caller else (None, "")
            if fmt is not None:
                add(Finding("caller_id_e164", fmt, "call log From",
                            f"caller ID {caller!r} in the call log: {'+E.164' if fmt == 'yes' else 'not +E.164'} ({why})",
                            ref=row.ref))
        elif direction in cols.origination_directions:
            add(Finding("call_direction", "origination", f"call log direction {direction}",
                        f"the call log lists the call as {direction} (PSTN to the PBX)", ref=row.ref))
        notes.append(f"call log: {row.fields.get(cols.status, '?')} {direction} call {row.fields.get(cols.call_id, '')}"
                     f" from {row.fields.get(cols.from_, '?')} to {row.fields.get(cols.to, '?')}")
        return


@lru_cache(maxsize=256)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_ANSWERED_RE = re.compile(r"\bBYE\b|\b2xx\b|\b200 OK\b|\bcause=200\b", re.IGNORECASE)


def _faults(ctx: Ctx, events: list[LogEvent], focus: CallVerdict | None, add: Add, notes: list[str]) -> None:
    acks = [e for e in events if e.kind == "fault" and e.fault == "ack_timeout"]
    if not acks:
        return
    e = acks[0]
    call = focus.call if focus is not None else None
    if (focus is None or focus.outcome is None) and _ANSWERED_RE.search(e.text):
        # Whichever side failed, a stack that gives up on the ACK for its 2xx tears the answered call
        # down after 64*T1 (32 s, RFC 3261 13.3.1.4): that is the outcome the engineer sees. Only when the
        # line says the call was answered (a BYE, a 2xx): an ACK missing after an error answer drops nothing.
        add(Finding("call_outcome", "drops_after_30s", "ACK timeout in the log",
                    f"the stack ends an answered call for want of an ACK ('{e.text[:100]}'): the call drops about"
                    " 32 s after the answer", ref=e.ref))
    # without a SIP message, the PBX's log receiving the carrier's INVITE says the 200 OK was the PBX's
    from_carrier = call is None and any(r.kind == "request" and r.method == "INVITE" and r.direction == "received"
                                        and _peer_is_carrier(ctx, r.peer) for r in events)
    if (call is not None and call.direction == "origination") or from_carrier:
        add(Finding("ack_reaches_pbx", "no", "ACK timeout in the log",
                    f"the PBX-side stack reports the ACK for its 200 OK never arrived ('{e.text[:100]}')", ref=e.ref))
    else:
        notes.append(f"{e.ref.label()}: the stack reports an ACK timeout ('{e.text[:80]}'): the ACK for a 200 OK"
                     " never arrived; which side failed depends on who sent the 200 OK")
