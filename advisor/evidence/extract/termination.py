"""Termination: the PBX's INVITE to the carrier (Request-URI, numbers, credentials) and its ACK."""

from __future__ import annotations

import re

import phonenumbers

from advisor.evidence.calls import Call, Message
from advisor.evidence.extract.base import (
    Add,
    CallVerdict,
    Ctx,
    Finding,
    copies,
    e164_check,
    masked,
    number_format,
    refused_caller_id,
    where,
)
from advisor.evidence.sipmsg import NameAddr, Via


def termination(ctx: Ctx, call: Call, v: CallVerdict, add: Add) -> None:
    t = call.last_invite
    inv = t.request if t else None
    if inv is None or t is None:
        _answer_only(ctx, v, add)
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
    _transport(msg.first_via(), inv, add)
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
        fmt, why = number_format(number) if number is not None else (None, "")
        if fmt is not None:  # None: digits hidden by the engineer in a shape that cannot be judged
            add(Finding("dialed_number_e164", fmt, "INVITE Request-URI user",
                        f"dialed number {number!r} in the Request-URI: {'+E.164' if fmt == 'yes' else 'not +E.164'}"
                        f" ({why})", inv))
    frm = msg.from_
    from_number = frm.uri.user_number if frm is not None and frm.uri is not None else None
    _caller_id(ctx, frm, final, add, "INVITE From user", "in From {raw}", inv, empty_counts=True)
    dialed = ruri.user_number if ruri is not None else None
    if (dialed and from_number and not masked(dialed) and not masked(from_number) and e164_check(dialed)[0]
            and e164_check(from_number)[0]):
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
        fmt, why = number_format(number)
        if fmt == "no":
            add(Finding("remote_party_id", "invalid", "INVITE Remote-Party-ID",
                        f"Remote-Party-ID {rpid[0]!r}: {number!r} is not +E.164 ({why}){pai_note}", inv))
        elif fmt == "yes" and not masked(number or "") and (number == from_number or number in ctx.sides.carrier.numbers):
            add(Finding("remote_party_id", "valid", "INVITE Remote-Party-ID",
                        f"Remote-Party-ID {rpid[0]!r}: +E.164 and the same number as the From{pai_note}", inv))
    _leaves(ctx, call, inv, add)
    _answered_before(call, add)


_TRANSPORTS = {"UDP": "udp", "TCP": "tcp", "TLS": "tls"}


def _transport(via: Via | None, inv: Message, add: Add) -> None:
    """The PBX's own top Via names the transport it sends the INVITE over (RFC 3261 18.1.1): what a
    secure trunk checks (TLS only) even when the capture cannot show the packets' transport."""
    value = _TRANSPORTS.get(via.transport.upper()) if via is not None else None
    if via is None or value is None:
        return  # WS/WSS/SCTP or a cut Via: says nothing about the trunk's transport
    add(Finding("sip_transport", value, "INVITE Via transport",
                f"the PBX's INVITE goes over {via.transport.upper()} (top Via {via.raw[:80]})", inv))


def _answer_only(ctx: Ctx, v: CallVerdict, add: Add) -> None:
    """Only the carrier's answer is in the paste: a response copies the request's From (RFC 3261
    8.2.6.2), so its From still shows the caller ID the PBX sent."""
    final = v.final
    if final is None or final.sender != "carrier" or final.status is None or final.status < 300:
        return
    _caller_id(ctx, final.msg.from_, final, add, "From of the carrier's answer",
               f"in the From the carrier's {final.status} copies from the INVITE ({{raw}})", final, empty_counts=False)


def _caller_id(ctx: Ctx, frm: NameAddr | None, final: Message | None, add: Add, detail: str, where: str,
               shown: Message, *, empty_counts: bool) -> None:
    """The caller ID's format from a From (the INVITE's, or the one a response copies from it); when
    that From cannot be judged, a 403 that quotes the refused number still tells (refused_caller_id).
    `empty_counts`: a From without a user part is 'not +E.164' (the INVITE's own) or says nothing."""
    uri = frm.uri if frm is not None else None
    number = uri.user_number if uri is not None else None
    fmt, why = number_format(number) if uri is not None and (number or empty_counts) else (None, "")
    if fmt is not None and uri is not None:
        add(Finding("caller_id_e164", fmt, detail,
                    f"caller ID {number!r} {where.format(raw=uri.raw)}: {'+E.164' if fmt == 'yes' else 'not +E.164'}"
                    f" ({why})", shown))
    elif final is not None and final.status == 403:
        refused_caller_id(ctx, final.msg.reason, add, final)


def _answered_before(call: Call, add: Add) -> None:
    """A challenge (401/407) or any response from the carrier to an earlier INVITE of the chain
    proves the PBX's INVITEs reach it: a later unanswered retry is not 'no response at all'."""
    for t in call.invites:
        answer = next((r for r in t.responses if r.sender == "carrier"), None)
        if answer is not None:
            add(Finding("sip_reaches_internet_edge", "yes", f"carrier {answer.status} to INVITE",
                        f"the carrier answers the INVITE (CSeq {t.cseq}) with {answer.msg.first_line[8:]}: the PBX's"
                        " SIP passes the customer's edge and reaches it", answer))
            return


def ack(ctx: Ctx, call: Call, add: Add) -> None:
    """The ACK for the 200 OK: against the carrier's Contact when the sides are known; against the
    200 OK's own Contact and Record-Route (which needs no sides) when they are not."""
    oks = call.oks()
    if not oks:
        return
    first_ok = oks[0]
    sent = copies(oks, first_ok)
    if call.direction == "termination":
        ack_target(ctx, call, first_ok, sent, add)
    elif call.direction is None:
        _ack_side_free(ctx, call, first_ok, add)


def _ack_side_free(ctx: Ctx, call: Call, ok: Message, add: Add) -> None:
    contact = ok.msg.contacts[0].uri if ok.msg.contacts else None
    acks = [a for a in call.acks_for(ok) if a.party is not None and a.party != ok.party]
    if contact is None or not acks or acks[0].msg.ruri is None:
        return
    a = acks[0]
    ruri = a.msg.ruri
    assert ruri is not None
    rr_hosts = [r.uri.host.lower() for r in ok.msg.record_route if r.uri is not None]
    if ruri.same_target(contact):
        return  # right target; whether it was routed properly needs the sides
    host = ruri.host.lower()
    if host in rr_hosts or (ok.src is not None and host == ok.src.lower()):
        what = "a Record-Route hop" if host in rr_hosts else "the address the 200 OK came from"
        add(Finding("ack_request_uri", "carrier_other_address", "ACK Request-URI not the 200 OK Contact",
                    f"ACK Request-URI {a.msg.request_uri} is {what}, not the 200 OK's Contact {contact.raw}: the far"
                    " end (the carrier, when this is a call to it) does not take the ACK as its own", a))


def _leaves(ctx: Ctx, call: Call, inv: Message, add: Add) -> None:
    if inv.sender != "customer":
        return
    points = {ctx.sides.capture_point(v.file) for v in inv.all_views()}
    route = where(inv)
    add(Finding("sip_leaves_pbx", "yes", "INVITE to the carrier in the trace",
                f"the PBX's INVITE{' ' + route if route else ''} is in the trace ({', '.join(sorted(points))})", inv))
    at_edge = [v for v in inv.all_views() if ctx.sides.capture_point(v.file) == "edge"]
    if at_edge:
        v = at_edge[0]
        add(Finding("sip_reaches_internet_edge", "yes", "INVITE outside the NAT",
                    f"the PBX's INVITE is seen leaving the customer's edge ({where(v)}, {v.file})", v))


def ack_target(ctx: Ctx, call: Call, ok: Message, copies: list[Message], add: Add) -> None:
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
