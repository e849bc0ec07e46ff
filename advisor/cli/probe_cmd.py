"""`advisor probe dns|options|tls|numbers|address|port|kit`: test the trunk instead of asking about it.

Nothing is sent that the engineer did not ask for; `--dry-run` prints exactly
what would be sent. Exit 0 when every probe succeeded, 1 when one failed
(timeout, refused, bad certificate...), 2 for bad usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.cli.common import emit, fail, load_kb_or_exit, print_json, progress, progress_done

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase
    from advisor.probes.catalog import ProbeCatalog
    from advisor.probes.model import ProbeReport, ProbeResult
    from advisor.probes.spec import ProbeRequest

HELP = {
    "dns": "resolve a SIP host like a SIP client (RFC 3263: NAPTR -> SRV -> A/AAAA)",
    "options": "send one SIP OPTIONS over UDP, TCP or TLS and report the answer",
    "tls": "TLS handshake: version, certificate names, expiry, chain",
    "numbers": "check a dialled number (and caller ID): valid, country, type, +E.164",
    "address": "classify an address (private, CGNAT, public...) and match the carrier's networks",
    "port": "is a host:port answered, refused or silent (TCP connect or UDP OPTIONS)",
}


def _common(p: argparse.ArgumentParser, roles: bool = True) -> None:
    if roles:
        p.add_argument("--role", help="what the target is (see knowledge/probes.yaml; default per probe)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per probe (default 3)")
    p.add_argument("--where", default="engineer",
                   help="where this runs: engineer (default) or pbx_host when run on the PBX itself")
    p.add_argument("--dry-run", action="store_true", help="print exactly what would be sent, send nothing")
    p.add_argument("--json", action="store_true", help="print the probe report as JSON")


def register(sub: Any) -> None:
    probe = sub.add_parser("probe", help="test the trunk: DNS, OPTIONS, TLS, numbers, addresses, ports, PBX kit",
                           description=__doc__)
    psub = probe.add_subparsers(dest="probe_command", metavar="PROBE", parser_class=type(probe))
    p = psub.add_parser("dns", help=HELP["dns"])
    p.add_argument("target", metavar="HOST", help="host or SIP URI, e.g. example.pstn.twilio.com")
    p.add_argument("--dns-server", metavar="HOST[:PORT]", help="ask this server instead of the system resolver")
    _common(p)
    p = psub.add_parser("options", help=HELP["options"])
    p.add_argument("target", metavar="URI", help="SIP URI, e.g. sip:example.pstn.twilio.com or sip:127.0.0.1:5070")
    p.add_argument("--transport", choices=["udp", "tcp", "tls", "all"], help="default: from the URI, else UDP")
    _common(p)
    p = psub.add_parser("tls", help=HELP["tls"])
    p.add_argument("target", metavar="HOST[:PORT]", help="default port 5061")
    p.add_argument("--ca-file", help="trust these CA certificates (PEM) instead of the system's")
    p.add_argument("--server-name", help="name to send (SNI) and check the certificate against")
    _common(p)
    p = psub.add_parser("numbers", help=HELP["numbers"])
    p.add_argument("target", metavar="DIALLED", help="dialled number, e.g. +14155550100 (masked digits: X)")
    p.add_argument("--from", dest="caller", metavar="CALLER", help="caller ID, to check it and tell international")
    p.add_argument("--region", help="two-letter region for numbers written without +country code")
    _common(p)
    p = psub.add_parser("address", help=HELP["address"])
    p.add_argument("target", metavar="ADDRESS")
    _common(p)
    p = psub.add_parser("port", help=HELP["port"])
    p.add_argument("target", metavar="HOST:PORT")
    p.add_argument("--udp", action="store_true", help="UDP (a SIP OPTIONS) instead of a TCP connect")
    _common(p)
    for name in HELP:
        psub.choices[name].set_defaults(handler=run_probe, probe_kind=name)
    k = psub.add_parser("kit", help="write the probe kit the customer runs on the PBX host",
                        description="Writes one Python file (standard library only) that runs the planned probes"
                        " on the PBX host and prints a JSON document for `advisor diagnose --probe-results`.")
    k.add_argument("--output", "-o", metavar="FILE", default="advisor-probe-kit.py")
    k.add_argument("--dns", action="append", default=[], metavar="HOST", help="termination URI host to resolve")
    k.add_argument("--options", action="append", default=[], metavar="URI", help="SIP URI to send OPTIONS to")
    k.add_argument("--port", action="append", default=[], metavar="HOST:PORT[/udp]", help="port to test")
    k.add_argument("--tls", action="append", default=[], metavar="HOST[:PORT]", help="TLS endpoint to test")
    k.add_argument("--probe", action="append", default=[], metavar="NAME=ARGS", help="any probe spec (as diagnose)")
    k.set_defaults(handler=run_kit)
    probe.set_defaults(handler=lambda args: (probe.print_help(), 2)[1])


def _request(args: argparse.Namespace) -> ProbeRequest:
    from advisor.probes.spec import ProbeRequest

    options: dict[str, str] = {}
    kind = args.probe_kind
    if kind == "dns" and args.dns_server:
        options["server"] = args.dns_server
    elif kind == "options" and args.transport:
        options["transport"] = args.transport
    elif kind == "tls":
        if args.ca_file:
            options["ca"] = args.ca_file
        if args.server_name:
            options["name"] = args.server_name
    elif kind == "numbers":
        if args.caller:
            options["from"] = args.caller
        if args.region:
            options["region"] = args.region
    elif kind == "port" and args.udp:
        options["transport"] = "udp"
    return ProbeRequest(kind, args.target, getattr(args, "role", None), options)


def load_probe_knowledge(args: argparse.Namespace) -> tuple[KnowledgeBase, ProbeCatalog]:
    from advisor.probes.catalog import ProbeCatalogError, load_catalog

    kb = load_kb_or_exit(args)
    try:
        return kb, load_catalog(kb)
    except ProbeCatalogError as exc:
        fail("\n".join(str(p) for p in exc.problems), 1)


def execute(kb: KnowledgeBase, catalog: ProbeCatalog, requests: list[ProbeRequest], *, timeout: float,
            dry_run: bool = False, where: str = "engineer", dns_server: str | None = None,
            quiet: bool = False) -> ProbeReport:
    """Run requests concurrently with progress on stderr; bad input -> exit 2 before anything is sent."""
    import asyncio

    from advisor.probes.runner import prepare, run_probes
    from advisor.probes.wire import HostLimiter

    if not 0 < timeout <= 60:
        fail("--timeout takes 0 < seconds <= 60")
    if where not in catalog.vantages:
        fail(f"--where {where!r}: one of {', '.join(catalog.vantages)}")
    try:
        prepare(requests, catalog, kb, timeout=timeout, limiter=HostLimiter(), dry_run=True, dns_server=dns_server)
    except ValueError as exc:
        fail(str(exc))

    def show(text: str, result: ProbeResult | None) -> None:
        if not quiet:
            progress(f"probing {text} ..." if result is None else f"done {text}: {result.outcome}")

    try:
        report = asyncio.run(run_probes(requests, catalog, kb, timeout=timeout, dry_run=dry_run, where=where,
                                        dns_server=dns_server, progress=show))
    finally:
        if not quiet:
            progress_done()
    return report


def render(report: ProbeReport, catalog: ProbeCatalog) -> str:
    lines: list[str] = []
    for r in report.results:
        mark = "ok " if r.ok else "FAIL"
        lines.append(f"[{mark}] {r.probe} ({r.role}) {r.target}: {r.outcome}")
        lines.append(f"       {r.summary}")
        for text in r.sent:
            if r.outcome == "dry_run":
                lines.append("       would send:")
                lines += ["         " + line for line in text.rstrip("\r\n").split("\r\n")]
        plan = r.details.get("plan")
        if plan:
            lines.append(f"       {plan}")
        obs = catalog.observations_for(r, report.where, report.host)
        if obs:
            lines.append("       answers: " + ", ".join(f"{o.id}={o.value}" for o in obs))
        elif r.outcome != "dry_run":
            why = catalog.ignored_because(r, report.where)
            if why:
                lines.append(f"       answers nothing: {why}")
    rates = ", ".join(f"{h}: {n}/s" for h, n in report.max_requests_per_second.items())
    lines.append(f"ran on {report.where} ({report.host}) in {report.wall_ms / 1000:.2f} s"
                 f" (one after another: {report.sequential_ms / 1000:.2f} s)" + (f"; busiest second per host: {rates}"
                                                                                  if rates else ""))
    return "\n".join(lines)


def run_probe(args: argparse.Namespace) -> int:
    kb, catalog = load_probe_knowledge(args)
    report = execute(kb, catalog, [_request(args)], timeout=args.timeout, dry_run=args.dry_run, where=args.where,
                     dns_server=getattr(args, "dns_server", None))
    if args.json:
        print_json(report)
    else:
        emit(render(report, catalog))  # reason phrases and Server headers come from the network
    return 0 if all(r.ok for r in report.results) else 1


def run_kit(args: argparse.Namespace) -> int:
    from advisor.probes.kit import build_kit, plan_items
    from advisor.probes.runner import resolve_role
    from advisor.probes.spec import ProbeRequest, parse_spec

    _, catalog = load_probe_knowledge(args)
    requests = [ProbeRequest("dns", h) for h in args.dns] + [ProbeRequest("options", u) for u in args.options]
    for item in args.port:
        target, _, tp = item.partition("/")
        requests.append(ProbeRequest("port", target, None, {"transport": tp} if tp else {}))
    requests += [ProbeRequest("tls", t) for t in args.tls]
    try:
        requests += [parse_spec(s) for s in args.probe]
        roles = {i: resolve_role(catalog, r) for i, r in enumerate(requests)}
        plan = plan_items(requests, roles)
    except ValueError as exc:
        fail(str(exc))
    if not plan:
        fail("the kit needs at least one probe: --dns HOST, --options URI, --port HOST:PORT, --tls HOST or --probe")
    out = Path(args.output)
    try:
        out.write_text(build_kit(plan), encoding="utf-8")
        out.chmod(0o755)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    print(f"wrote {out} ({len(plan)} probe(s)). On the PBX host, run:")
    print(f"    python3 {out.name} > probe-results.json")
    print("then send probe-results.json back and run:")
    print("    advisor diagnose --probe-results probe-results.json")
    print(f"(`python3 {out.name} --list` shows the plan; `--dry-run` shows what it would send.)")
    return 0


def load_results(path: str) -> ProbeReport:
    """A probe-results file from the kit (or `advisor probe --json`); one clear line when it is not one."""
    from advisor.probes.results import ResultsError, read_results

    try:
        return read_results(Path(path))
    except ResultsError as exc:
        fail(f"--probe-results {exc}")


def observations_from_probes(args: argparse.Namespace, kb: KnowledgeBase) -> tuple[list[Any], list[str]]:
    """`diagnose --probe NAME=ARGS` (run now, here) and `--probe-results FILE` (kit runs) as observations."""
    from advisor.probes.catalog import ProbeCatalogError, load_catalog
    from advisor.probes.spec import parse_spec

    if not args.probe and not args.probe_results:
        return [], []
    try:
        catalog = load_catalog(kb)
    except ProbeCatalogError as exc:
        fail("\n".join(str(p) for p in exc.problems), 1)
    reports = [load_results(f) for f in args.probe_results]
    if args.probe:
        try:
            requests = [parse_spec(s) for s in args.probe]
        except ValueError as exc:
            fail(str(exc))
        reports.append(execute(kb, catalog, requests, timeout=args.probe_timeout, dns_server=args.dns_server,
                               quiet=False))
    observations: list[Any] = []
    notes: list[str] = []
    for report in reports:
        if report.where not in catalog.vantages:
            fail(f"probe results from an unknown place {report.where!r} (known: {', '.join(catalog.vantages)})")
        for r in report.results:
            got = catalog.observations_for(r, report.where, report.host)
            observations += got
            if not got:
                why = catalog.ignored_because(r, report.where)
                notes.append(f"probe {r.probe} {r.target} ({report.where}): {r.outcome}: {r.summary}"
                             + (f" [answers nothing: {why}]" if why else ""))
    return observations, notes


def add_diagnose_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--probe", action="append", default=[], metavar="NAME=ARGS",
                   help="run a probe now and use its result, e.g. options=sip:127.0.0.1:5070 or"
                        " numbers=+14155550100,from=+442071234567 (repeatable)")
    p.add_argument("--probe-results", action="append", default=[], metavar="FILE",
                   help="JSON printed by the probe kit on the PBX host (or advisor probe --json); repeatable")
    p.add_argument("--probe-timeout", type=float, default=3.0, metavar="S", help="seconds per probe (default 3)")
    p.add_argument("--dns-server", metavar="HOST[:PORT]", help="DNS server for --probe dns=...")

