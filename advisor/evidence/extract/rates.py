"""Rates: new INVITEs per second and calls up at once, across every call of the trace."""

from __future__ import annotations

import bisect

from advisor.evidence.calls import Call, CallSet, Message
from advisor.evidence.extract.base import Add, Ctx, Finding


def rates(ctx: Ctx, cs: CallSet, add: Add) -> None:
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
