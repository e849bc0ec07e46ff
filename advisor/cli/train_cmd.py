"""`advisor train`: practise on cases, scored against the advisor; reports, exams, explore mode.

    advisor train                       the TUI in training mode
    advisor train cases [--json]        the case library
    advisor train run --case ID --trainee NAME --ask OBS... --conclude CAUSE [--json]
    advisor train next --trainee NAME   the case to work next (favours the weakest causes)
    advisor train exam [--seed N] [--cases N]      a fixed exam: its id and cases
    advisor train --report [--trainee NAME] [--exam ID] [--format markdown|html|json]
    advisor train explore [--search TEXT] [--depth N] [--json]
"""

from __future__ import annotations

import argparse
import random
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from advisor.cli.common import fail, load_kb_or_exit

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase
    from advisor.training.library import CaseLibrary
    from advisor.training.rounds import RoundResult


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="training mode: work practice cases, scored against the advisor",
                       description="Practise SIP trunk troubleshooting on cases from the case library. Without a "
                                   "subcommand: the TUI in training mode, or the progress report with --report.")
    p.add_argument("--report", action="store_true", help="print the progress report instead of training")
    p.add_argument("--trainee", help="whose progress (default: everyone's)")
    p.add_argument("--exam", metavar="EXAM_ID", help="with --report: the result of this exam")
    p.add_argument("--format", choices=("markdown", "html", "json"), default="markdown", help="report format")
    p.set_defaults(handler=run_default)
    tsub = p.add_subparsers(dest="train_command", metavar="SUBCOMMAND")

    c = tsub.add_parser("cases", help="list the case library")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=run_cases)

    r = tsub.add_parser("run", help="play one round non-interactively (scripts, CI, batch exams)",
                        description="Replay a trainee's choices against a case: the customer's answers, the score "
                                    "and the debrief. Moves are applied in the order given on the command line.")
    r.add_argument("--case", required=True, metavar="CASE_ID")
    r.add_argument("--trainee", help="record the round in this trainee's progress")
    r.add_argument("--family", help="the problem family picked from the customer's words")
    r.add_argument("--ask", nargs="+", action=_Moves, default=[], metavar="OBSERVATION",
                   help="questions to ask the customer, by observation id (see `advisor kb list`)")
    r.add_argument("--request", nargs="+", action=_Moves, choices=("trace", "alert", "probes"), metavar="ARTEFACT",
                   help="artefacts to request: trace, alert, probes")
    r.add_argument("--hint", nargs=0, action=_Moves, help="take a hint here (costs points; not in an exam)")
    r.add_argument("--conclude", required=True, metavar="CAUSE_ID", help="the cause you commit to ('none': no fault)")
    r.add_argument("--fix", metavar="CAUSE_ID", help="whose fix you would apply (default: the concluded cause's)")
    r.add_argument("--exam", metavar="EXAM_ID", help="this round belongs to an exam (no hints)")
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=run_round, moves=[])

    n = tsub.add_parser("next", help="the case to work next (favours the trainee's weakest causes)")
    n.add_argument("--trainee", required=True)
    n.add_argument("--seed", type=int, default=None)
    n.add_argument("--json", action="store_true")
    n.set_defaults(handler=run_next)

    e = tsub.add_parser("exam", help="a fixed, seeded exam: its id and its cases")
    e.add_argument("--seed", type=int, default=None, help="default: the settings' seed")
    e.add_argument("--cases", type=int, default=None, help="how many cases (default: settings)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=run_exam)

    x = tsub.add_parser("explore", help="the knowledge base as a tree: family > symptom > cause > evidence > fix")
    x.add_argument("--search", default="", help="keep only branches that mention this text")
    x.add_argument("--depth", type=int, default=99, help="how many levels to show")
    x.add_argument("--json", action="store_true")
    x.set_defaults(handler=run_explore)


class _Moves(argparse.Action):
    """Keeps --ask/--request/--hint in command-line order, so the replay follows the trainee's sequence."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        moves: list[tuple[str, str]] = list(getattr(namespace, "moves", []) or [])
        kind = (option_string or "").lstrip("-")
        if kind == "hint":
            moves.append(("hint", ""))
        else:
            moves.extend((kind, str(v)) for v in (values or []))
        namespace.moves = moves


def _library(args: argparse.Namespace) -> tuple[KnowledgeBase, CaseLibrary]:
    from advisor.cli.common import CliError
    from advisor.kb.loader import KBError
    from advisor.training.library import load_library

    kb = load_kb_or_exit(args)
    try:
        return kb, load_library(kb)
    except KBError as exc:
        raise CliError("\n".join(str(p) for p in exc.problems), 1) from None


def _store() -> Any:
    from advisor.training.progress import ProgressStore

    return ProgressStore()


def _safe(text: object) -> str:
    """Untrusted text (case words, trainee names) without control characters before it reaches a terminal."""
    return "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}" for ch in str(text))


def run_default(args: argparse.Namespace) -> int:
    if args.report:
        return run_report(args)
    try:
        from advisor.tui.training.app import TrainingApp
    except ImportError:
        fail("the training TUI is not available; use `advisor train run ...` or `advisor train --report`")
    app = TrainingApp(kb_dir=getattr(args, "kb", None), trainee=args.trainee)
    app.run()
    return int(app.return_code or 0)


def run_cases(args: argparse.Namespace) -> int:
    _, lib = _library(args)
    if args.json:
        import json

        rows = [{"id": c.id, "title": c.title, "family": c.family, "difficulty": c.difficulty, "tags": c.tags,
                 "artefacts": sorted(c.artefacts), "words": c.words} for c in lib.cases.values()]
        sys.stdout.write(json.dumps({"cases": rows}, indent=2) + "\n")
        return 0
    width = max(len(c) for c in lib.cases)
    for case in lib.cases.values():
        extra = f"  [{', '.join(sorted(case.artefacts))}]" if case.artefacts else ""
        print(f"{case.id:<{width}}  {'*' * case.difficulty:<3}  {_safe(case.title)}{extra}")
    print(f"\n{len(lib.cases)} cases. Work one: advisor train run --case ID --ask OBSERVATION... --conclude CAUSE_ID")
    return 0


def run_round(args: argparse.Namespace) -> int:
    from advisor.cli.common import advisor_or_exit
    from advisor.training.rounds import Choice, play

    _, lib = _library(args)
    choices: list[Choice] = []
    for kind, value in args.moves:
        if kind == "ask":
            choices.append(Choice(ask=value))
        elif kind == "request":
            choices.append(Choice(request=value))
        else:
            choices.append(Choice(hint=True))
    if args.exam and any(c.hint for c in choices):
        fail("hints are not allowed in an exam")
    try:
        result = play(advisor_or_exit(args), lib, args.case, choices, args.conclude, args.fix, family=args.family,
                      trainee=args.trainee, exam=args.exam, store=_store() if args.trainee else None)
    except ValueError as exc:
        fail(str(exc))
    if args.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(render_round(result))
    return 0


def render_round(result: RoundResult) -> str:
    d = result.debrief
    s = d.score
    out: list[str] = [f"Case {result.case}: {_safe(d.title)}", f'Customer: "{_safe(result.words)}"', ""]
    for r in result.replies:
        out.append(f"  you asked {r.observation}: {_safe(r.words)}" + (" [I don't know]" if r.value == "unknown" else ""))
    for a in result.artefacts:
        out.append(f"  you requested the {a.name}: {_safe(a.summary)}")
    for h in result.hints:
        out.append(f"  hint: {_safe(h)}")
    verdict = "RIGHT" if s.cause_correct else "WRONG"
    out += ["", f"Your conclusion: {s.concluded} - {verdict} (true cause: {', '.join(s.true_causes)})",
            f"Fix: {'right' if s.fix_correct else 'wrong'}",
            f"Score: {s.total:.0f}/100  (cause {s.points['cause']:g}, fix {s.points['fix']:g}, efficiency "
            f"{s.points['efficiency']:g}, hints {s.points['hints']:g})",
            f"Questions: you {s.questions} (cost {s.cost}), the advisor {s.advisor_questions} (cost {s.advisor_cost})",
            "", "Debrief", textwrap.fill(d.concluded_verdict, 100, initial_indent="  ", subsequent_indent="  "),
            "  Your path:"]
    for step in d.trainee:
        flag = "  <- kept every candidate" if step.kept_every_candidate else ""
        out.append(f"    {step.what} -> {_safe(step.answer)[:60]}  ({step.candidates_before} -> "
                   f"{step.candidates_after} candidates){flag}")
    out.append(f"  The advisor's path ({d.advisor_status}):")
    for step in d.advisor:
        out.append(f"    {step.what} -> {_safe(step.answer)[:60]}  ({step.candidates_before} -> "
                   f"{step.candidates_after})")
    for cause in d.truth:
        out += ["", f"True cause: {cause.title} [{cause.id}]", f"  Guide: {cause.guide}",
                textwrap.fill(cause.mechanism, 100, initial_indent="  ", subsequent_indent="  "), "  Fix:"]
        out += [textwrap.fill(f"{i}. {step}", 100, initial_indent="    ", subsequent_indent="       ")
                for i, step in enumerate(cause.fix, 1)]
    if not d.truth:
        out += ["", "True state: the trunk is healthy; nothing in the case is a trunk fault."]
    return "\n".join(out)


def run_next(args: argparse.Namespace) -> int:
    from advisor.training.plan import next_case

    _, lib = _library(args)
    rounds = _store().rounds(args.trainee)
    case = next_case(lib, rounds, random.Random(args.seed))
    if args.json:
        import json

        sys.stdout.write(json.dumps({"case": case.id, "title": case.title, "words": case.words}, indent=2) + "\n")
    else:
        print(f"{case.id}: {_safe(case.title)}\nCustomer: \"{_safe(case.words)}\"")
    return 0


def run_exam(args: argparse.Namespace) -> int:
    from advisor.training.plan import exam_cases, exam_id

    _, lib = _library(args)
    seed = lib.settings.exam.seed if args.seed is None else args.seed
    n = lib.settings.exam.cases if args.cases is None else args.cases
    if n < 1:
        fail("--cases takes a whole number from 1")
    cases = exam_cases(lib, seed, n)
    eid = exam_id(seed, n)
    if args.json:
        import json

        rows = [{"id": c.id, "title": c.title, "words": c.words} for c in cases]
        sys.stdout.write(json.dumps({"exam": eid, "pass_mark": lib.settings.exam.pass_mark, "cases": rows},
                                    indent=2) + "\n")
        return 0
    print(f"Exam {eid}: {len(cases)} cases, no hints, pass mark {lib.settings.exam.pass_mark}/100")
    for c in cases:
        print(f"  {c.id}: \"{_safe(c.words)}\"")
    print(f"\nWork each: advisor train run --exam {eid} --trainee NAME --case ID --ask ... --conclude CAUSE_ID\n"
          f"Then: advisor train --report --trainee NAME --exam {eid}")
    return 0


def parse_exam_id(text: str) -> tuple[int, int]:
    parts = text.split("-")
    if len(parts) != 3 or parts[0] != "exam" or not parts[1].lstrip("-").isdigit() or not parts[2].isdigit():
        fail(f"not an exam id: {text!r} (expected exam-SEED-CASES, as `advisor train exam` prints)")
    return int(parts[1]), int(parts[2])


def run_report(args: argparse.Namespace) -> int:
    from advisor.training.plan import exam_cases, exam_result
    from advisor.training.progress import ProgressError
    from advisor.training.report import build_report, render_report

    kb, lib = _library(args)
    store = _store()
    try:
        report = build_report(kb, store, args.trainee, args.exam)
        if args.exam:
            seed, n = parse_exam_id(args.exam)
            report.exam = exam_result(lib, args.exam, exam_cases(lib, seed, n), store.rounds(args.trainee))
    except ProgressError as exc:
        fail(str(exc), 1)
    sys.stdout.write(render_report(report, args.format) if args.format != "markdown"
                     else _safe(render_report(report, "markdown")))
    return 0


def run_explore(args: argparse.Namespace) -> int:
    from advisor.training.explore import build_tree, render_text, search

    kb = load_kb_or_exit(args)
    nodes = search(build_tree(kb), args.search)
    if args.json:
        import json

        sys.stdout.write(json.dumps([n.model_dump() for n in nodes], indent=2) + "\n")
        return 0
    if not nodes:
        print(f"nothing in the knowledge base mentions {args.search!r}")
        return 1
    print(render_text(nodes, args.depth))
    return 0
