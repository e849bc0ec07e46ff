"""`advisor kb ...`: check, schema, graph, show: tools for knowledge authors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from advisor.cli.common import CliError, fail, load_kb_or_exit


def register(sub: Any) -> None:
    kb = sub.add_parser("kb", help="check, draw and inspect the knowledge base")
    kbsub = kb.add_subparsers(dest="kb_command", metavar="ACTION", parser_class=type(kb))
    check = kbsub.add_parser("check", help="validate every knowledge file and lint the decision graph")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=run_check)
    schema = kbsub.add_parser("schema", help="write the JSON Schema of each knowledge file")
    schema.add_argument("--output", "-o", metavar="DIR", help="directory to write *.schema.json into (default: print)")
    schema.set_defaults(handler=run_schema)
    graph = kbsub.add_parser("graph", help="write the decision graph")
    graph.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    graph.add_argument("--output", "-o", metavar="FILE")
    graph.set_defaults(handler=run_graph)
    show = kbsub.add_parser("show", help="print one cause with its evidence and fix")
    show.add_argument("cause", metavar="CAUSE_ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    kb.set_defaults(handler=lambda args: (kb.print_help(), 2)[1])


def run_check(args: argparse.Namespace) -> int:
    from advisor.kb.lint import lint

    kb = load_kb_or_exit(args)
    findings = lint(kb)
    findings += probe_findings(kb)
    errors = [f for f in findings if f.severity == "error" or args.strict]
    if args.json:
        print(json.dumps({"ok": not errors, "causes": len(kb.causes), "observations": len(kb.observations),
                          "questions": len(kb.questions), "findings": [f.__dict__ for f in findings]}, indent=2))
    else:
        for f in findings:
            print(f)
        status = "OK" if not errors else f"{len(errors)} error(s)"
        print(f"knowledge base {kb.root}: {len(kb.causes)} causes, {len(kb.observations)} observations, "
              f"{len(kb.questions)} questions, {len(kb.symptoms)} symptoms: {status}")
    return 1 if errors else 0


def probe_findings(kb: Any) -> list[Any]:
    """knowledge/probes.yaml checked against the observations (when the file is there)."""
    from advisor.kb.lint import Finding
    from advisor.probes.catalog import PROBES_FILE, check_catalog

    if not (Path(kb.root) / PROBES_FILE).is_file():
        return []
    return [Finding("error", p.file, p.line, p.message) for p in check_catalog(kb)[1]]


def run_schema(args: argparse.Namespace) -> int:
    from advisor.kb.loader import schemas

    all_schemas = schemas()
    if not args.output:
        print(json.dumps(all_schemas, indent=2))
        return 0
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, schema in all_schemas.items():
            (out / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write schemas to {out}: {exc.strerror or exc}")
    print(f"wrote {len(all_schemas)} schemas to {out}")
    return 0


def run_graph(args: argparse.Namespace) -> int:
    from advisor.kb.graph import build_graph, to_dot, to_mermaid

    kb = load_kb_or_exit(args)
    g = build_graph(kb)
    text = to_mermaid(g) if args.format == "mermaid" else to_dot(g)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        print(text, end="")
    return 0


def run_show(args: argparse.Namespace) -> int:
    kb = load_kb_or_exit(args)
    cause = kb.causes.get(args.cause)
    if cause is None:
        close = [c for c in kb.causes if args.cause in c]
        hint = f" (did you mean: {', '.join(close[:5])})" if close else " (see `advisor kb check` for the list)"
        raise CliError(f"advisor: unknown cause {args.cause!r}{hint}", 2)
    alerts = [a for a in kb.alerts if a.cause == cause.id]
    if args.json:
        data = cause.model_dump(by_alias=True, exclude_none=True)
        data["alerts"] = [a.model_dump() for a in alerts]
        print(json.dumps(data, indent=2))
        return 0
    symptom = kb.symptoms.get(cause.symptom)
    lines = [f"{cause.id}: {cause.title}",
             f"  symptom: {symptom.title if symptom else cause.symptom}",
             f"  guide:   {cause.guide}", "", "Why it happens:", f"  {cause.mechanism}", "",
             "Confirmed when" + (" any of:" if len(cause.requires) > 1 else ":")]
    for i, alt in enumerate(cause.requires, 1):
        prefix = f"  {i}) " if len(cause.requires) > 1 else "  "
        lines.append(prefix + "; ".join(f"{o} {c.describe()}" for o, c in alt.items()))
    if cause.supports:
        lines.append("More likely when:")
        lines += [f"  {o} {c.describe()} (weight {c.weight or 0.7:g})" for o, c in cause.supports.items()]
    if cause.contradicts:
        lines.append("Less likely / excluded when:")
        lines += [f"  {o} {c.describe()} ({'excludes' if (c.weight or 0) >= 1 else f'weight {c.weight or 0.7:g}'})"
                  for o, c in cause.contradicts.items()]
    lines += ["", "Fix:"] + [f"  {i}. {s}" for i, s in enumerate(cause.fix, 1)]
    if alerts:
        lines += ["", "Carrier alerts:"] + [f"  {a.code} {a.title}" for a in alerts]
    print("\n".join(lines))
    return 0
