"""`advisor trace`: read SIP traces, list the calls and what they prove.

Also `observations_from_traces`, which `advisor diagnose --trace` uses.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.cli.common import CliError, emit, fail, load_kb_or_exit

if TYPE_CHECKING:
    from advisor.context import TrunkContext
    from advisor.engine.observations import Observation
    from advisor.evidence.analyze import TraceAnalysis
    from advisor.kb.loader import KnowledgeBase

T = TypeVar("T")


def register(sub: Any) -> None:
    p = sub.add_parser("trace", help="read SIP traces: calls, messages and findings",
                       description="Read SIP traces (pcap, pcapng, or pasted text: raw SIP, sngrep, Asterisk,"
                                   " FreeSWITCH, tcpdump) and print the calls found, their messages and the"
                                   " findings with the message that proves each.")
    p.add_argument("files", nargs="*", metavar="FILE", help="trace file(s), read together as one session")
    add_carrier_capture(p)
    p.add_argument("--json", action="store_true", help="print the whole analysis as one JSON object")
    p.add_argument("--termination-uri", help="trunk termination URI, helps tell the carrier's side apart")
    p.add_argument("--origination-uri", help="trunk origination URI (where the carrier sends inbound calls: the PBX)")
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

    _require_files(paths, carrier_captures)
    return _guarded(paths, lambda: analyze_files(paths, kb, context, raw_messages=raw_messages,
                                                 max_text_bytes=max_text_bytes,
                                                 carrier_captures=carrier_captures or ()))


def _require_files(paths: list[str], carrier_captures: list[str] | None) -> None:
    if not paths and not carrier_captures:
        fail("no trace file given (name one or more FILEs, or --carrier-capture FILE)")


def _guarded(paths: list[str], work: Callable[[], T]) -> T:
    """Run the reading work; every failure ends in one line (exit 2), never a traceback."""
    from advisor.evidence.records import TraceError

    try:
        return work()
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
    nothing = analysis.decides_nothing()
    return analysis.observations(), [*([nothing] if nothing else []), *analysis.warnings, *analysis.notes]


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
    with _fewer_collections():
        return _run(args)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Reading a capture builds a few hundred thousand small objects that live to the end (messages,
    parsed headers, calls) and almost no garbage cycles; with Python's default first-generation
    threshold (700 allocations) the cycle collector walks them again and again (~10 % of the time
    on a signalling-only capture).  Collect ~30 times less often while reading; restored after."""
    before = gc.get_threshold()
    gc.set_threshold(20000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run(args: argparse.Namespace) -> int:
    if args.json:
        _stream_json(args)
        return 0
    from advisor.context import TrunkContext

    kb = load_kb_or_exit(args)
    context = TrunkContext(termination_uri=args.termination_uri, origination_uri=args.origination_uri,
                           pbx_public_address=args.pbx_address)
    analysis = analyze_or_fail(kb, list(args.files), context, raw_messages=args.full,
                               max_text_bytes=getattr(args, "max_size", None),
                               carrier_captures=list(getattr(args, "carrier_capture", [])))
    emit(render(analysis, full=args.full))
    return 0


def _stream_json(args: argparse.Namespace) -> None:
    """`--json`: the report written call by call (advisor.evidence.report_json), the same text as
    print_json(analysis), without the report models, pydantic, or the whole knowledge base: the
    trace's part of the knowledge comes from its cache (advisor.evidence.knowledge)."""
    import sys
    from pathlib import Path

    from advisor.evidence.knowledge import KnowledgeError, load_trace_knowledge
    from advisor.evidence.pipeline import analyze_parts, load_traces
    from advisor.evidence.report_json import write_report_json
    from advisor.evidence.sides import PlainContext

    try:
        tk = load_trace_knowledge(Path(args.kb) if getattr(args, "kb", None) else None)
    except KnowledgeError as exc:
        raise CliError("\n".join(exc.problems), 1) from None
    paths = list(args.files)
    carrier_captures = list(getattr(args, "carrier_capture", []))
    _require_files(paths, carrier_captures)
    max_text_bytes = getattr(args, "max_size", None)
    context = PlainContext(termination_uri=args.termination_uri, origination_uri=args.origination_uri,
                           pbx_public_address=args.pbx_address)
    parts = _guarded(paths, lambda: analyze_parts(
        load_traces(paths, max_text_bytes=max_text_bytes, carrier_captures=carrier_captures), tk, context))
    # everything is read and decided before the first byte is written; only the formatting streams
    _guarded(paths, lambda: write_report_json(*parts, sys.stdout.write, raw=args.full))
    sys.stdout.write("\n")


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
