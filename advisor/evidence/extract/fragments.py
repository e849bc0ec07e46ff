"""Findings from headers-only fragments (a paste cut above its start line; advisor/evidence/headless.py).

Such a fragment has no method and no status, so it is no transaction member and the
other extractors pass it by. What it still shows is enough for three checks:

* Session-Expires below RFC 4028's minimum in an INVITE or UPDATE transaction
  (whoever sent it, the value is below what any peer doing session timers accepts);
* the Contact and Record-Route of the callee's answer in the initial INVITE
  transaction (same CSeq number as the ACK, both dialog tags): an ACK whose
  Request-URI is a Record-Route hop instead of that Contact is misrouted;
* the SDP c= address class, only when the fragment's sender is proven (its kind
  by a header, its party by the From tag) and the sides are known;
* an ACK cut before its Call-ID (so it joins no dialog) when the paste holds exactly
  one such ACK and exactly one answer to compare it with (the one call's 200 OK, or,
  with no call, one headers-only fragment carrying a Contact and a Record-Route): an
  engineer who pastes "the 200 OK" and "the ACK" pastes one dialog. A Request-URI that
  is a Record-Route hop or the 200 OK's source, not its Contact, is misrouted.

Whole messages are read first; these findings only fill what they left open.
"""

from __future__ import annotations

from advisor.evidence.calls import Call, CallSet, Message
from advisor.evidence.extract.base import Add, Ctx, Finding
from advisor.evidence.sides import is_private
from advisor.evidence.sipmsg import ip_or_none

__all__ = ["fragments"]


def _headless(msgs: list[Message]) -> list[Message]:
    return [m for m in msgs if m.headless is not None]


def fragments(ctx: Ctx, cs: CallSet, call: Call | None, add: Add) -> None:
    _orphan_ack(cs, call, add)
    pool = _headless(call.messages) if call is not None else [m for d in cs.dialogs for m in _headless(d.messages)]
    if not pool:
        return
    _session_expires(ctx, pool, add)
    if call is not None:
        _ack_target(call, pool, add)
        _sdp_class(call, pool, add)


def _session_expires(ctx: Ctx, pool: list[Message], add: Add) -> None:
    low = ctx.th.min_session_expires_seconds
    for m in pool:
        se = m.msg.int_header("session-expires")
        if se is None or m.msg.cseq_method not in ("INVITE", "UPDATE"):
            continue
        below = se < low
        add(Finding("session_expires_below_minimum", "yes" if below else "no", "Session-Expires in a fragment",
                    f"headers with no start line ({m.msg.cseq_method} transaction, CSeq {m.msg.cseq[0] if m.msg.cseq else '?'})"
                    f" give Session-Expires {se} s" + (f", below the {low:g} s minimum of RFC 4028" if below else
                                                       f" (minimum {low:g} s)"), m))
        return


def _ack_target(call: Call, pool: list[Message], add: Add) -> None:
    acks = [a for a in call.requests("ACK") if a.msg.ruri is not None and a.msg.cseq and a.to_tag]
    for a in acks:
        assert a.msg.cseq is not None and a.msg.ruri is not None
        num = a.msg.cseq[0]
        answer = next((m for m in pool if m.msg.cseq == (num, "INVITE") and m.to_tag == a.to_tag
                       and m.from_tag == a.from_tag and m.msg.contacts and m.msg.contacts[0].uri is not None), None)
        if answer is None:
            continue
        contact = answer.msg.contacts[0].uri
        assert contact is not None
        ruri = a.msg.ruri
        if ruri.same_target(contact):
            return
        rr_hosts = [r.uri.host.lower() for r in answer.msg.record_route if r.uri is not None]
        if ruri.host.lower() in rr_hosts:
            add(Finding("ack_request_uri", "carrier_other_address", "ACK Request-URI not the answer's Contact",
                        f"ACK Request-URI {a.msg.request_uri} is a Record-Route hop of the answer whose headers are"
                        f" pasted without a start line ({answer.label}: CSeq {num} INVITE with both tags, Contact"
                        f" {contact.raw}): the far end does not take the ACK as its own", a))
        return


def _sdp_class(call: Call, pool: list[Message], add: Add) -> None:
    if call.carrier_party is None:
        return
    for m in pool:
        sdp = m.msg.sdp
        if m.sender != "customer" or sdp is None:
            continue
        addr = sdp.audio_address()
        if not addr or ip_or_none(addr) is None or addr in ("0.0.0.0", "::"):
            continue
        private = is_private(addr)
        add(Finding("pbx_sdp_address", "private" if private else "public", "PBX SDP c= in a fragment",
                    f"the PBX's SDP in headers pasted without a start line ({m.label}) gives c={addr}:"
                    f" {'private' if private else 'public'}", m))
        return


def _orphan_ack(cs: CallSet, call: Call | None, add: Add) -> None:
    orphans = [m for m in cs.messages if m.view_of is None and not m.retransmission and m.msg.method == "ACK"
               and m.msg.call_id is None and m.msg.ruri is not None]
    if len(orphans) != 1:
        return  # none, or several that need not be one dialog's
    ack = orphans[0]
    if call is not None:
        oks = call.oks()
        if not oks or call.acks_for(oks[0]):
            return  # no answer, or the dialog has its own whole ACK (read by the termination checks)
        answers = oks[:1] if oks[0].msg.contacts else []
    else:
        answers = [m for m in cs.messages if m.headless is not None and m.view_of is None and m.msg.contacts
                   and m.msg.record_route]
    if len(answers) != 1 or answers[0].msg.contacts[0].uri is None:
        return
    answer = answers[0]
    contact = answer.msg.contacts[0].uri
    assert contact is not None and ack.msg.ruri is not None
    ruri = ack.msg.ruri
    if ruri.same_target(contact):
        return
    host = ruri.host.lower()
    rr_hosts = [r.uri.host.lower() for r in answer.msg.record_route if r.uri is not None]
    src = answer.src.lower() if answer.src is not None else None
    if host in rr_hosts or host == src:
        what = "a Record-Route hop" if host in rr_hosts else "the address the 200 OK came from"
        add(Finding("ack_request_uri", "carrier_other_address", "ACK Request-URI not the answer's Contact",
                    f"the one ACK of the paste (cut before its Call-ID, {ack.label}) has Request-URI"
                    f" {ack.msg.request_uri}, {what} of the one answer pasted with it ({answer.label}), not its"
                    f" Contact {contact.raw}: the far end does not take the ACK as its own", ack))
