"""Verdict: how the focus call ended (final status, reason, outcome, drop after the 200 OK, session timer).

Works on any call, with or without known sides: what the INVITE transactions,
the 200 OK, the ACK and the BYE show needs no carrier address list.
"""

from __future__ import annotations

import re

from advisor.evidence.calls import Call, Message
from advisor.evidence.extract.base import Add, CallVerdict, Ctx, Finding, copies, dur, where
from advisor.evidence.extract.media import rtp_audio, rtp_view


def call_verdict(ctx: Ctx, call: Call) -> CallVerdict:
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
        later = ctx.after(copies(t.requests, inv)[-1])
        if not any_response and (t.sends >= 2 or (later is not None and later >= 4)):
            status, outcome, severity = "none", "no_response", 3.0
            span = (t.requests[-1].ts - inv.ts) if (t.requests[-1].ts is not None and inv.ts is not None) else None
            summary = f"no response (INVITE sent {t.sends} times" + (f" over {dur(span)})" if span else ")")
        else:
            summary = "no final response in the trace"
            severity = 0.5
    if ok_list:
        first_ok = ok_list[0]
        oks_same_file = copies(ok_list, first_ok)
        bye = call.first_bye()
        acks = call.acks_for(first_ok)
        if bye is not None and bye.ts is not None and first_ok.ts is not None and bye.ts >= first_ok.ts:
            drop = bye.ts - first_ok.ts
        retrans = len(oks_same_file) >= 2
        missing_ack = not acks and (ctx.after(first_ok) or 0) >= 2
        if drop is not None and ctx.drop_lo <= drop <= ctx.drop_hi and (retrans or missing_ack):
            outcome, severity = "drops_after_30s", 3.0
            summary = f"answered, BYE {dur(drop)} after the 200 OK"
        elif (drop is None and bye is not None and len(oks_same_file) >= 8
              and bye.seq > oks_same_file[-1].seq and bye.file == first_ok.file):
            # A log without times: 8+ transmissions of the 200 OK follow RFC 3261 timer G
            # (0.5, 1, 2, 4, 4, ... s), i.e. 20-32 s without a usable ACK, then the call is torn down.
            elapsed = _timer_g_span(len(oks_same_file))
            outcome, severity = "drops_after_30s", 3.0
            summary = (f"answered, 200 OK sent {len(oks_same_file)} times (about {elapsed:.0f} s by timer G;"
                       " the log has no times), then BYE")
        elif bye is not None and (said := _no_ack_reason(bye)) is not None and (drop is None or drop <= ctx.drop_hi):
            # the side that hangs up says why: its 2xx was never ACKed (it gives up after 64*T1, ~32 s)
            outcome, severity = "drops_after_30s", 3.0
            summary = (f"answered, BYE {dur(drop)} after the 200 OK" if drop is not None else "answered, then BYE") + \
                f" for want of an ACK ({said})"
        else:
            one_way = rtp_audio(ctx, call)[0]
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
                       notes=notes, drop_seconds=drop, ok_copies=len(copies(ok_list, ok_list[0])) if ok_list else 0,
                       one_way=one_way)


def _ack_seen_arriving(ctx: Ctx, call: Call, ok: Message) -> Message | None:
    """An ACK for the 200 OK in a trace taken on the 200 OK sender's side: the PBX's own log or
    capture for its 200 OK (an inbound call), the carrier's capture for the carrier's."""
    if ok.sender is None:
        return None
    for a in call.acks_for(ok):
        if a.sender is None or a.sender == ok.sender:
            continue
        point = ctx.sides.capture_point(a.file)
        if (ok.sender == "customer" and point in ("pbx_log", "host_log", "pbx_host")) or (
                ok.sender == "carrier" and point == "carrier"):
            return a
    return None


_NO_ACK_RE = re.compile(r"\bACK\b.{0,20}?(?:time-?out|timed out|not received|never|missing)|\bno ACK\b|"
                        r"\bwithout (?:an )?ACK\b", re.IGNORECASE)


def _no_ack_reason(bye: Message) -> str | None:
    """The BYE's Reason or Warning header saying the 2xx was never acknowledged."""
    for name in ("reason", "warning"):
        for value in bye.msg.values(name):
            if _NO_ACK_RE.search(value):
                return f"{name.title()}: {value[:80]}"
    return None


def _timer_g_span(transmissions: int, t1: float = 0.5, t2: float = 4.0) -> float:
    """Seconds from the first to the last of n transmissions of a 2xx (RFC 3261 13.3.1.4)."""
    span, interval = 0.0, t1
    for _ in range(max(0, transmissions - 1)):
        span += interval
        interval = min(interval * 2, t2)
    return span


def choose(verdicts: list[CallVerdict]) -> CallVerdict | None:
    if not verdicts:
        return None
    directed = [v for v in verdicts if v.call.direction is not None] or verdicts
    best = directed[0]
    for v in directed[1:]:
        if v.severity >= best.severity:
            best = v
    return best


def direction(ctx: Ctx, call: Call, add: Add) -> None:
    inv = call.initial_invite
    if call.direction is None:
        return
    if inv is None:  # only answers in the paste: the first INVITE response speaks for the direction
        answer = next((m for m in call.messages if not m.msg.is_request and m.msg.cseq_method == "INVITE"), None)
        if answer is None:
            return
        who = "the carrier answers the PBX's INVITE" if call.direction == "termination" else \
            "the PBX answers the carrier's INVITE"
        add(Finding("call_direction", call.direction, "answer to the INVITE",
                    f"{who} (the INVITE itself is not in the trace); sides: {call.sides_note}", answer))
        return
    if call.direction == "termination":
        detail, text = "INVITE to the carrier", "the customer's PBX sends the INVITE to the carrier"
    else:
        detail, text = "INVITE from the carrier", "the carrier sends the INVITE to the customer's PBX"
    route = where(inv)
    note = f"{text}" + (f" ({route})" if route else "")
    if call.sides_note:
        note += f"; sides: {call.sides_note}"
    add(Finding("call_direction", call.direction, detail, note, inv))


def carrier(ctx: Ctx, call: Call, add: Add) -> None:
    """Which carrier's trunk this is, when a pack's address or domain is in the trace."""
    info = ctx.sides.carrier
    key, host = info.recognised_key, info.recognised_host
    if key is None or host is None:
        return
    where_seen = next((m for m in call.messages if host in (m.src, m.dst, m.msg.ruri_host() if m.msg.is_request
                                                            else None)), call.messages[0] if call.messages else None)
    if where_seen is None:
        return
    add(Finding("trunk_carrier", key, f"{info.name} by {host}",
                f"{host} belongs to {info.name} (knowledge/carriers/{key}.yaml)", where_seen))


def final_status(ctx: Ctx, call: Call, v: CallVerdict, add: Add, notes: list[str]) -> None:
    t = call.last_invite
    if t is None:
        return
    if t.request is None:  # only the answer is in the paste: it still says how the INVITE ended
        final = v.final
        if final is not None and v.status is not None:
            add(Finding("invite_final_status", v.status, f"{final.status} to INVITE",
                        f"final response '{final.msg.first_line[8:]}' to the INVITE (CSeq {t.cseq}); the INVITE"
                        " itself is not in the trace", final))
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
                    f"INVITE sent {t.sends} time(s)" + (f" over {dur(span)}" if span else "")
                    + ", no response at all (not even 100 Trying)", first))
    elif t.request is not None and not t.responses:
        notes.append("the INVITE got no response in the trace, but the trace ends too soon to call it unanswered")


def _reason(ctx: Ctx, final: Message, add: Add) -> None:
    phrase = final.msg.reason or ""
    value = ctx.classify_reason(phrase)
    note = f"reason phrase '{phrase}'"
    if value in (None, "plain"):
        # a more specific text in Reason or Warning headers beats a generic phrase
        for hdr in ctx.kb.reason_headers:
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


def session_timer(ctx: Ctx, call: Call, add: Add) -> None:
    """422 Min-SE against the INVITE's Session-Expires; without the 422, a Session-Expires below
    RFC 4028's minimum is itself the finding (a peer doing session timers must refuse it)."""
    low = ctx.th.min_session_expires_seconds
    for t in call.invites:
        req = t.request
        se = req.msg.int_header("session-expires") if req is not None else None
        if req is not None and se is not None:
            add(Finding("session_expires_below_minimum", "yes" if se < low else "no", "INVITE Session-Expires",
                        f"the INVITE's Session-Expires is {se} s" + (f", below the {low:g} s minimum of RFC 4028"
                                                                      if se < low else f" (minimum {low:g} s)"), req))
            break
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


def outcome(ctx: Ctx, call: Call, v: CallVerdict, add: Add, notes: list[str]) -> None:
    oks = call.oks()
    if oks:
        first_ok = oks[0]
        sent = copies(oks, first_ok)
        bye = call.first_bye()
        if len(sent) >= 2:
            span = (sent[-1].ts - first_ok.ts) if (sent[-1].ts is not None and first_ok.ts is not None) else None
            add(Finding("ok_retransmitted", "yes", "200 OK retransmitted",
                        f"the 200 OK to the INVITE is sent {len(sent)} times"
                        + (f" over {dur(span)}" if span else ""), sent[1]))
        elif (ctx.after(first_ok) or 0) >= 4:
            # a trace that goes on for 4 s after the 200 OK would show its retransmissions (T1 doubling
            # from 0.5 s: at 0.5, 1.5 and 3.5 s)
            add(Finding("ok_retransmitted", "no", "200 OK sent once",
                        f"the 200 OK to the INVITE is sent once in the {ctx.after(first_ok):.0f} s the trace goes on"
                        " after it", first_ok))
        elif (ack := _ack_seen_arriving(ctx, call, first_ok)) is not None:
            # the 200 OK's sender got its ACK, so it had no reason to send the 200 OK again; an ACK merely
            # seen leaving the other side (it may go astray) says nothing
            add(Finding("ok_retransmitted", "no", "200 OK sent once",
                        f"the 200 OK to the INVITE is sent once and its ACK ({ack.label}) reaches the side that"
                        " sent it", first_ok))
        if v.drop_seconds is not None and bye is not None:
            who = "carrier" if bye.sender == "carrier" else "PBX" if bye.sender == "customer" else "one side"
            add(Finding("seconds_until_drop", round(v.drop_seconds, 1), f"BYE {dur(v.drop_seconds)} after 200 OK",
                        f"the {who} sends BYE {v.drop_seconds:.1f} s after the first 200 OK", bye))
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
        why = rtp_view(ctx, call)[3]
        msg = oks[0] if oks else None
        note = f"{v.summary} ({why})"
        detail = "one-way RTP"
    if v.notes:
        note += "; " + "; ".join(v.notes)
    if notes:
        note += "; " + notes[0]
    add(Finding("call_outcome", v.outcome, detail, note, msg))
