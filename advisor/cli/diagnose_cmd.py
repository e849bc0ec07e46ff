"""`advisor diagnose`: one non-interactive inference step (answers and traces in, verdicts out)."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli import say
from advisor.cli.common import advisor_or_exit, emit, fail, print_json
from advisor.cli.probe_cmd import add_diagnose_arguments, observations_from_probes
from advisor.cli.trace_cmd import add_carrier_capture


def register(sub: Any) -> None:
    p = sub.add_parser("diagnose", help="diagnose from answers and/or traces, without the TUI",
                       description="Run the advisor on the given facts and print every cause's verdict.")
    p.add_argument("--answer", "-a", action="append", default=[], metavar="OBSERVATION=VALUE",
                   help="a known fact (repeatable); VALUE 'unknown' means I don't know")
    p.add_argument("--trace", "-t", action="append", default=[], metavar="FILE",
                   help="a SIP trace (pcap, pcapng, or pasted log text); repeatable")
    add_carrier_capture(p)
    p.add_argument("--termination-uri", help="trunk termination URI, helps the trace reader tell sides apart")
    p.add_argument("--origination-uri",
                   help="trunk origination URI (where the carrier sends inbound calls: the PBX), helps the same way")
    p.add_argument("--pbx-address", help="the PBX's public address")
    p.add_argument("--json", action="store_true", help="print one JSON object (the Diagnosis model)")
    say.add_arguments(p)
    add_diagnose_arguments(p)
    p.set_defaults(handler=run)


def parse_answers(kb: Any, pairs: list[str]) -> list[Any]:
    from advisor.engine.observations import Observation, Source

    out = []
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--answer takes OBSERVATION=VALUE, got {pair!r}")
        try:
            value = kb.check_value(name.strip(), raw)
        except ValueError as exc:
            fail(str(exc))
        out.append(Observation(id=name.strip(), value=value, source=Source(kind="answer", detail="--answer")))
    return out


def run(args: argparse.Namespace) -> int:
    from advisor.cli.render import render_diagnosis
    from advisor.context import TrunkContext
    advisor = advisor_or_exit(args)
    kb = advisor.kb
    answers = parse_answers(kb, args.answer)
    said, warnings, understood = say.understand(kb, args)  # lowest precedence: traces, then answers override
    observations: list[Any] = []
    if args.trace or args.carrier_capture:
        from advisor.cli.trace_cmd import observations_from_traces

        context = TrunkContext(termination_uri=args.termination_uri, origination_uri=args.origination_uri,
                               pbx_public_address=args.pbx_address)
        observations, trace_warnings = observations_from_traces(kb, args.trace, context, args.carrier_capture)
        warnings += trace_warnings
    probed, probe_notes = observations_from_probes(args, kb)
    warnings += probe_notes
    diagnosis = advisor.diagnose([*said, *observations, *probed, *answers], warnings)
    if understood:
        say.print_outputs(diagnosis, understood, args.json, render_diagnosis(diagnosis))
    elif args.json:
        print_json(diagnosis)
    else:
        emit(render_diagnosis(diagnosis))
    return 0
