"""`advisor kb ...`: check, schema, graph, show: tools for knowledge authors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.cli.common import CliError, emit, fail, load_kb_or_exit

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase


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
    listing = kbsub.add_parser("list", help="list the causes (or, with --alerts, the carrier alert codes)")
    listing.add_argument("--alerts", action="store_true", help="list the carrier debugger alert codes instead")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    show = kbsub.add_parser("show", help="print one cause with its evidence and fix, or what a carrier alert "
                                         "code means (e.g. `advisor kb show 32201`)")
    show.add_argument("cause", metavar="CAUSE_ID_OR_ALERT_CODE")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    kb.set_defaults(handler=lambda args: (kb.print_help(), 2)[1])


def run_check(args: argparse.Namespace) -> int:
    from advisor.kb.lint import lint

    kb = load_kb_or_exit(args)
    findings = lint(kb)
    findings += probe_findings(kb)
    findings += intake_findings(kb)
    findings += redaction_findings(kb)
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


def redaction_findings(kb: Any) -> list[Any]:
    """knowledge/redaction.yaml: every rule compiles and masks its examples, `untouched` text stays."""
    from advisor.kb.lint import Finding
    from advisor.kb.redaction import REDACTION_FILE
    from advisor.session.redact import check_rules

    path = Path(kb.root) / REDACTION_FILE
    if not path.is_file():
        return []
    return [Finding("error", p.file, p.line, p.message) for p in check_rules(path)]


def probe_findings(kb: Any) -> list[Any]:
    """knowledge/probes.yaml checked against the observations (when the file is there)."""
    from advisor.kb.lint import Finding
    from advisor.probes.catalog import PROBES_FILE, check_catalog

    if not (Path(kb.root) / PROBES_FILE).is_file():
        return []
    return [Finding("error", p.file, p.line, p.message) for p in check_catalog(kb)[1]]


def intake_findings(kb: Any) -> list[Any]:
    """knowledge/intake.yaml (the customer-words vocabulary) checked against the observations, when present."""
    from advisor.intake.vocabulary import VOCABULARY_FILE, check_vocabulary
    from advisor.kb.lint import Finding

    if not (Path(kb.root) / VOCABULARY_FILE).is_file():
        return []
    return [Finding("error", p.file, p.line, p.message) for p in check_vocabulary(kb)]


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


def run_list(args: argparse.Namespace) -> int:
    kb = load_kb_or_exit(args)
    if args.alerts:
        if args.json:
            print(json.dumps([{**a.model_dump(exclude_none=True), "carrier": kb.alert_carriers.get(a.code)}
                              for a in kb.alerts], indent=2))
            return 0
        width = max((len(a.title) for a in kb.alerts), default=0)
        rows = [f"{a.code}  {a.title:<{width}}  -> " + (a.cause or ("narrows down: " + ", ".join(a.supports)
                                                                  if a.supports else "see its note"))
                for a in kb.alerts]
        emit("\n".join(rows) or "No carrier alert codes in this knowledge base.")
        return 0
    if args.json:
        print(json.dumps([{"id": c.id, "title": c.title, "symptom": c.symptom, "guide": c.guide,
                           "alerts": [a.code for a in kb.alerts if a.cause == c.id]} for c in kb.causes.values()],
                         indent=2))
        return 0
    lines: list[str | None] = []
    by_symptom: dict[str, list[str]] = {}
    for c in kb.causes.values():
        by_symptom.setdefault(c.symptom, []).append(c.id)
    width = max(map(len, kb.causes), default=0)
    for symptom, ids in by_symptom.items():
        sym = kb.symptoms.get(symptom)
        lines += ["" if lines else None, f"{sym.title if sym else symptom} ({symptom})"]
        lines += [f"  {cid:<{width}}  {kb.causes[cid].title}" for cid in ids]
    lines += ["", f"{len(kb.causes)} causes; `advisor kb show CAUSE_ID` for one, "
                  "`advisor kb list --alerts` for the carrier's alert codes."]
    emit("\n".join(line for line in lines if line is not None))
    return 0


def run_alert(kb: KnowledgeBase, code: str, as_json: bool) -> int:
    """What a carrier debugger alert code means: its title, the cause it proves, the facts it gives."""
    from advisor.session.wording import fact

    alert = kb.alert(code)
    assert alert is not None
    carrier = kb.alert_carriers.get(alert.code)
    if as_json:
        print(json.dumps({**alert.model_dump(exclude_none=True), "carrier": carrier}, indent=2))
        return 0
    cause = kb.causes.get(alert.cause) if alert.cause else None
    lines = [f"Alert {alert.code}: {alert.title}" + (f" ({carrier} debugger" + (f", {alert.level})" if alert.level
                                                                               else ")") if carrier else "")]
    if cause is not None:
        lines.append(f"  proves:  {cause.id}: {cause.title}")
        lines.append(f"  guide:   {cause.guide}")
    if alert.supports:
        lines.append("  makes these causes likelier:")
        lines += [f"    {cid}: {kb.causes[cid].title if cid in kb.causes else '?'}" for cid in alert.supports]
    if alert.proves:
        lines.append("  facts it establishes:")
        lines += [f"    {fact(kb, obs, value)}" for obs, value in alert.proves.items()]
    if alert.note:
        import textwrap

        lines += ["", *textwrap.wrap(" ".join(alert.note.split()), 98, initial_indent="  ", subsequent_indent="  ")]
    lines += ["", f"  source: {alert.source}",
              f"  use it: advisor diagnose --answer alert_code={alert.code}"
              + (f"   (then `advisor kb show {cause.id}` for the fix)" if cause else "")]
    emit("\n".join(lines))
    return 0


def run_show(args: argparse.Namespace) -> int:
    kb = load_kb_or_exit(args)
    if kb.alert(args.cause.strip()) is not None:
        return run_alert(kb, args.cause.strip(), args.json)
    cause = kb.causes.get(args.cause)
    if cause is None:
        close = [c for c in kb.causes if args.cause in c]
        if args.cause.strip().isdigit():
            hint = " (not a known carrier alert code either; `advisor kb list --alerts` lists them)"
        else:
            hint = f" (did you mean: {', '.join(close[:5])})" if close else " (`advisor kb list` lists them)"
        raise CliError(f"advisor: unknown cause or alert code {args.cause!r}{hint}", 2)
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
