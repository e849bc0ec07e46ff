"""Origination: the carrier's INVITE to the PBX, the PBX's answer, its 200 OK and the carrier's ACK."""

from __future__ import annotations

from advisor.evidence.calls import Call, Message
from advisor.evidence.extract.base import PBX_SIDE_POINTS, Add, CallVerdict, Ctx, Finding, copies, dur, where
from advisor.evidence.sides import is_private
from advisor.evidence.sipmsg import Via


def origination(ctx: Ctx, call: Call, v: CallVerdict, add: Add) -> None:
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
    # the carrier's own capture shows what it sent, not what reached the customer's edge
    edge_points = {ctx.sides.capture_point(x.file) for x in inv.all_views() if ctx.sides.on_customer_side(x.file)}
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
        later = ctx.after(copies(t.requests, pbx_views[0])[-1]) if t.requests else None
        if t.sends >= 2 or (later is not None and later >= 4):
            span = f" over {dur(t.requests[-1].ts - inv.ts)}" if (t.requests[-1].ts and inv.ts) else ""
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
    sent = copies(oks, ok)
    if acks:
        add(Finding("ack_reaches_pbx", "yes", "ACK from the carrier",
                    f"the carrier's ACK for the 200 OK arrives ({where(acks[0])})", acks[0]))
    elif len(sent) >= 2 or (ctx.after(ok) or 0) >= 4:
        add(Finding("ack_reaches_pbx", "no", "no ACK for the 200 OK",
                    f"no ACK from the carrier; the PBX sends its 200 OK {len(sent)} time(s)", sent[-1]))


def vias_side_free(ctx: Ctx, call: Call, add: Add) -> None:
    """With the sides unknown, a 200 OK whose Via headers differ from its INVITE's still shows a
    rewrite on the path (RFC 3261 8.2.6.2: a response copies the request's Via headers)."""
    t = call.ok_transaction()
    oks = call.oks()
    req = t.request if t else None
    if req is None or not oks or req.fragment or oks[0].fragment:
        return
    same, diff = _vias_match(req.msg.vias, oks[0].msg.vias)
    if not same:
        add(Finding("ok_via_matches_invite", "no", "200 OK Via headers",
                    f"the 200 OK changes the INVITE's Via headers: {diff} (sides unknown: a rewrite on the path)",
                    oks[0]))


def _absent_from_pbx_files(ctx: Ctx, inv: Message, logs_only: bool = False) -> str | None:
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
