"""`advisor bench ...`: speed and quality measurements (never timed unit tests)."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from advisor.cli.common import fail, print_json, progress, progress_done


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and print its numbers")
    bsub = bench.add_subparsers(dest="bench_command", metavar="BENCHMARK", parser_class=type(bench))
    q = bsub.add_parser("questions", help="questions needed to confirm each catalog cause vs the guide's order")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=run_questions)
    e = bsub.add_parser("engine", help="knowledge load+compile and diagnose-step time, shipped and 10x")
    e.add_argument("--factor", type=int, default=10, help="size of the generated knowledge base (default 10x)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=run_engine)
    t = bsub.add_parser("trace", help="trace reading throughput and memory vs sip-doctor and tshark")
    t.add_argument("--shapes", help="comma list of capture shapes: rtp, signalling, shared-media, long, tcp,"
                                    " reinvite (default: all)")
    t.add_argument("--sizes", help="comma list of packet counts (default 125000,250000,500000,1000000)")
    t.add_argument("--quick", action="store_true", help="sizes 25000,50000,100000,200000")
    t.add_argument("--packets", type=int, help="one size only (same as --sizes N)")
    t.add_argument("--no-peers", action="store_true", help="measure only the advisor")
    t.add_argument("--workdir", help="where to write the generated capture (default: a temp dir)")
    t.add_argument("--repeat", type=int, default=1, help="run each tool N times and keep the fastest")
    t.add_argument("--peers-from", metavar="JSON", help="an earlier `bench trace --json` result whose sip-doctor and"
                                                        " tshark runs are shown beside ours (with --no-peers)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(handler=run_trace)
    s = bsub.add_parser("session", help="session save time and history query time")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=run_session)
    u = bsub.add_parser("tui", help="time to first question and key-to-screen latency")
    u.add_argument("--json", action="store_true")
    u.set_defaults(handler=run_tui)
    i = bsub.add_parser("intake", help="free-text intake on labelled phrasings: precision/recall, first cause")
    i.add_argument("cases", nargs="*", metavar="FILE", help="labelled phrasings (default: tests/intake/*.yaml)")
    i.add_argument("--threshold", type=float, help="confidence needed to apply a fact (default: intake.yaml)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(handler=run_intake)
    bench.set_defaults(handler=lambda args: (bench.print_help(), 2)[1])


def _emit(args: argparse.Namespace, result: Any, goals_attr: str = "goals_met") -> int:
    progress_done()
    if args.json:
        print_json(result)
    else:
        print(result.render())
    return 0 if getattr(result, goals_attr, True) else 1


def run_questions(args: argparse.Namespace) -> int:
    from advisor.bench.questions_bench import run_questions_bench
    from advisor.cli.common import load_kb_or_exit
    from advisor.engine.diagnosis import Advisor

    progress("simulating an engineer for every cause…")
    return _emit(args, run_questions_bench(Advisor(load_kb_or_exit(args))))


def run_engine(args: argparse.Namespace) -> int:
    from advisor.bench.engine_bench import run_engine_bench

    if args.factor < 1:
        fail("--factor must be at least 1")
    progress(f"timing the shipped knowledge base and a generated {args.factor}x one…")
    return _emit(args, run_engine_bench(args.factor))


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ModuleNotFoundError, AttributeError):
        fail(f"this benchmark is not available in this build ({module}.{name} missing)")


def run_trace(args: argparse.Namespace) -> int:
    bench = _optional("advisor.bench.trace_bench", "run_trace_bench")
    shapes = _optional("advisor.bench.trace_bench", "SHAPES")
    quick = _optional("advisor.bench.trace_bench", "QUICK_SIZES")
    names = [x.strip() for x in (args.shapes or "").split(",") if x.strip()] or None
    unknown = [n for n in names or [] if n not in shapes]
    if unknown:
        fail(f"unknown shape {', '.join(unknown)}; choose from {', '.join(shapes)}")
    try:
        sizes = [int(x) for x in (args.sizes or "").split(",") if x.strip()] or None
    except ValueError:
        fail("--sizes takes whole packet counts separated by commas, e.g. 25000,100000")
    if args.packets is not None:
        sizes = [args.packets]
    elif sizes is None and args.quick:
        sizes = list(quick)
    if sizes is not None and min(sizes) < 1000:
        fail("sizes must be at least 1000 packets")
    if args.repeat < 1:
        fail("--repeat must be at least 1")
    earlier = None
    if args.peers_from:
        model = _optional("advisor.bench.trace_bench", "TraceBenchResult")
        try:
            with open(args.peers_from, encoding="utf-8") as fh:
                earlier = model.model_validate_json(fh.read())
        except (OSError, ValueError) as exc:
            fail(f"{args.peers_from}: not a `bench trace --json` result ({str(exc).splitlines()[0][:120]})")
    result = bench(shapes=names, sizes=sizes, workdir=args.workdir, peers=not args.no_peers, progress=progress,
                   repeat=args.repeat)
    if earlier is not None:
        result = _optional("advisor.bench.trace_bench", "with_peers_from")(result, earlier)
    return _emit(args, result)


def run_session(args: argparse.Namespace) -> int:
    bench = _optional("advisor.bench.session_bench", "run_session_bench")
    progress("timing session saves and history queries…")
    return _emit(args, bench())


def run_tui(args: argparse.Namespace) -> int:
    bench = _optional("advisor.bench.tui_bench", "run_tui_bench")
    progress("starting the TUI headless…")
    return _emit(args, bench())


def run_intake(args: argparse.Namespace) -> int:
    from pathlib import Path

    from advisor.bench.intake_bench import default_case_dir, run_intake_bench
    from advisor.cli.common import load_kb_or_exit
    from advisor.engine.diagnosis import Advisor

    files = [Path(f) for f in args.cases] or sorted(default_case_dir().glob("*.yaml"))
    missing = [str(f) for f in files if not f.is_file()]
    if not files or missing:
        fail(f"no labelled phrasings to read ({', '.join(missing) or default_case_dir()})")
    if args.threshold is not None and not 0 < args.threshold <= 1:
        fail("--threshold must be in (0, 1]")
    progress(f"reading {len(files)} file(s) of labelled phrasings…")
    return _emit(args, run_intake_bench(Advisor(load_kb_or_exit(args)), files, args.threshold))
