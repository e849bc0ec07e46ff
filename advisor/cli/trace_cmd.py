"""`advisor trace`: read SIP traces, list the calls and what they prove.

Also `observations_from_traces`, which `advisor diagnose --trace` uses.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from advisor.cli.common import emit, fail, load_kb_or_exit, print_json

if TYPE_CHECKING:
    from advisor.context import TrunkContext
    from advisor.engine.observations import Observation
    from advisor.evidence.analyze import TraceAnalysis
    from advisor.kb.loader import KnowledgeBase


def register(sub: Any) -> None:
    p = sub.add_parser("trace", help="read SIP traces: calls, messages and findings",
                       description="Read SIP traces (pcap, pcapng, or pasted text: raw SIP, sngrep, Asterisk,"
                                   " FreeSWITCH, tcpdump) and print the calls found, their messages and the"
                                   " findings with the message that proves each.")
    p.add_argument("files", nargs="*", metavar="FILE", help="trace file(s), read together as one session")
    add_carrier_capture(p)
    p.add_argument("--json", action="store_true", help="print the whole analysis as one JSON object")
    p.add_argument("--termination-uri", help="trunk termination URI, helps tell the carrier's side apart")
    p.add_argument("--pbx-address", help="the PBX's public address")
    p.add_argument("--full", action="store_true",
                   help="every message in full: printed under its first line, and as `raw` in --json output")
    add_max_size(p)
    p.set_defaults(handler=run)


def add_carrier_capture(p: Any) -> None:
    """--carrier-capture FILE: a capture the carrier made, never taken as seen on the customer's side."""
    p.add_argument("--carrier-capture", action="append", default=[], metavar="FILE",
                   help="a capture the carrier made (the SIP PCAP on a Twilio call's log page); read with the"
                        " others, and what it shows is never taken as having reached the customer's side")


def add_max_size(p: Any) -> None:
    """--max-size MB: the size limit for text logs (captures are streamed and need none)."""
    from advisor.evidence.records import MAX_TEXT_BYTES

    p.add_argument("--max-size", type=_megabytes, metavar="MB", default=None,
                   help=f"largest text log read, in MB (default {MAX_TEXT_BYTES // 1_000_000})")


def _megabytes(text: str) -> int:
    try:
        mb = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of megabytes: {text!r}") from None
    if not 0 < mb <= 1_000_000:
        raise argparse.ArgumentTypeError(f"between 0 and 1000000 MB, not {text}")
    return int(mb * 1_000_000)


def analyze_or_fail(kb: KnowledgeBase, paths: list[str], context: TrunkContext, raw_messages: bool = True,
                    max_text_bytes: int | None = None, carrier_captures: list[str] | None = None) -> TraceAnalysis:
    from advisor.evidence.analyze import analyze_files
    from advisor.evidence.records import TraceError

    if not paths and not carrier_captures:
        fail("no trace file given (name one or more FILEs, or --carrier-capture FILE)")
    try:
        return analyze_files(paths, kb, context, raw_messages=raw_messages, max_text_bytes=max_text_bytes,
                             carrier_captures=carrier_captures or ())
    except TraceError as exc:
        fail(_one_line(str(exc)))
    except MemoryError:
        fail(f"{', '.join(paths)}: too large to read in the memory available; cut the trace to the failing call")
    except RecursionError:
        fail(f"{', '.join(paths)}: too deeply nested to read")
    except Exception as exc:  # a reader bug must still end in one line, never a traceback
        fail(_one_line(f"{', '.join(paths)}: could not read the trace ({exc or 'internal error'})"))


def observations_from_traces(kb: KnowledgeBase, paths: list[str], context: TrunkContext,
                             carrier_captures: list[str] | None = None) -> tuple[list[Observation], list[str]]:
    """Findings of the traces as observations, plus warnings (truncated input, call choice)."""
    analysis = analyze_or_fail(kb, paths, context, raw_messages=False, carrier_captures=carrier_captures)
    require_evidence(analysis)
    return analysis.observations(), [*analysis.warnings, *analysis.notes]


def require_evidence(analysis: TraceAnalysis) -> None:
    """A file with nothing a trace can hold (no SIP, RTP, DNS or ICMP at all) is bad input, not a
    trace with no findings: one line and exit 2. A file with some SIP among junk stays a warning."""
    empty = [f.path for f in analysis.files if not f.sip_messages and not f.rtp_streams
             and not any(p.file == f.path for p in analysis.packets)
             and not any(e.file == f.path for e in analysis.events)]
    if empty:
        fail(f"{', '.join(empty)}: no SIP message (nor RTP, DNS, ICMP or SIP log line) found; is this a SIP trace"
             " (pcap, pcapng, a SIP log, or the carrier's alert or call-log export)?")


def run(args: argparse.Namespace) -> int:
    from advisor.context import TrunkContext

    kb = load_kb_or_exit(args)
    context = TrunkContext(termination_uri=args.termination_uri, pbx_public_address=args.pbx_address)
    analysis = analyze_or_fail(kb, list(args.files), context, raw_messages=args.full,
                               max_text_bytes=getattr(args, "max_size", None),
                               carrier_captures=list(getattr(args, "carrier_capture", [])))
    if args.json:
        print_json(analysis)
    else:
        emit(render(analysis, full=args.full))
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "unreadable trace"


def render(analysis: TraceAnalysis, full: bool = False) -> str:
    out: list[str] = []
    for f in analysis.files:
        out.append(f"{f.path}: {f.format}, {f.sip_messages} SIP message(s)"
                   + (f", {f.rtp_streams} RTP stream(s)" if f.rtp_streams else "")
                   + f"; capture point: {f.capture_point}" + (f" ({f.capture_note})" if f.capture_note else ""))
    if not analysis.calls:
        out.append("")
        out.append("No call (INVITE) found.")
    for call in analysis.calls:
        out.append("")
        mark = " [focus]" if call.focus else ""
        direction = call.direction or "direction unknown"
        out.append(f"Call {call.call_id} ({direction}){mark}: {call.summary}")
        if call.caller or call.callee:
            out.append(f"  from {call.caller or '?'} to {call.callee or '?'}")
        for m in call.messages:
            if m.time is not None:
                when = m.time.strftime("%H:%M:%S.%f")[:-3]
            elif m.offset is not None:
                when = f"+{m.offset:.3f}s"
            else:
                when = "-"
            who = {"carrier": "carrier ", "customer": "PBX     "}.get(m.sender or "", "?       ")
            route = f"{m.src or '?'} -> {m.dst or '?'}" if (m.src or m.dst) else ""
            flags = " (retransmission)" if m.retransmission else ""
            flags += " (same message, other file)" if m.view_of is not None else ""
            out.append(f"  #{m.index:<4} {when:>12}  {who} {route:<45} {m.first_line}{flags}  [{m.ref}]")
            if full and m.raw is not None:
                out.extend("        " + line for line in m.raw.splitlines())
    if analysis.rtp:
        out.append("")
        out.append("RTP streams:")
        for s in analysis.rtp:
            ttl = f", TTL {s.min_ttl}" + (f"-{s.max_ttl}" if s.max_ttl and s.max_ttl != s.min_ttl else "") \
                if s.min_ttl is not None else ""
            out.append(f"  {s.src}:{s.sport} -> {s.dst}:{s.dport}  {s.packets} packets{ttl}  ({s.direction})"
                       + (f"  [{s.ref}]" if s.ref else ""))
    out.append("")
    if analysis.findings:
        out.append("Findings:")
        for fv in analysis.findings:
            o = fv.observation
            value = f"{o.value:g}" if isinstance(o.value, float) else str(o.value)
            out.append(f"  {o.id} = {value}  [{o.source.label()}]")
            if o.note:
                out.append(f"      {o.note}")
    else:
        out.append("Findings: none")
    for n in analysis.notes:
        out.append(f"Note: {n}")
    for w in analysis.warnings:
        out.append(f"Warning: {w}")
    return "\n".join(out)
