"""`advisor diagnose --say TEXT`: the customer's words as observations.

Kept out of diagnose_cmd so that command stays a list of inputs: this module
reads the texts, applies what the intake understood at or above the
threshold (source kind `text`, the triggering words as detail) and renders
what it understood, what it did not apply and why, contradictions and the
parts it did not understand (kept as notes).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from advisor.cli.common import CliError, emit, fail

if TYPE_CHECKING:
    from advisor.engine.diagnosis import Diagnosis
    from advisor.engine.observations import Observation
    from advisor.intake.result import Understanding
    from advisor.kb.loader import KnowledgeBase


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--say", action="append", default=[], metavar="TEXT",
                   help="what the customer wrote (repeatable; '-' reads stdin): understood facts are applied")
    p.add_argument("--say-threshold", type=float, metavar="0..1",
                   help="confidence needed to apply an understood fact (default: knowledge/intake.yaml)")


def understand(kb: KnowledgeBase, args: argparse.Namespace) -> tuple[list[Observation], list[str], list[Understanding]]:
    """Observations, warnings and the full understanding of every --say text."""
    texts: list[str] = list(getattr(args, "say", []) or [])
    if not texts:
        return [], [], []
    threshold = getattr(args, "say_threshold", None)
    if threshold is not None and not 0 < threshold <= 1:
        fail("--say-threshold must be in (0, 1]")
    from advisor.intake.understand import Intake
    from advisor.intake.vocabulary import VocabularyError

    try:
        intake = Intake(kb)
    except VocabularyError as exc:
        raise CliError("\n".join(str(p) for p in exc.problems), 1) from None
    results = []
    for text in texts:
        if text == "-":
            text = sys.stdin.read()
        if not text.strip():
            fail("--say needs some text")
        results.append(intake.understand(text, threshold))
    observations = [o for r in results for o in r.observations()]
    warnings = [w for r in results for w in r.warnings]
    warnings += _across_texts(results)
    return observations, warnings, results


def _across_texts(results: list[Understanding]) -> list[str]:
    seen: dict[str, tuple[str | float, str]] = {}
    out = []
    for r in results:
        for u in r.applied():
            before = seen.get(u.observation)
            if before is not None and str(before[0]) != str(u.value):
                out.append(f"Two --say texts disagree on {u.observation}: {before[0]} ({before[1]!r}) and "
                           f"{u.value} ({u.words!r}); the later one is used.")
            seen[u.observation] = (u.value, u.words)
    return out


def render(results: list[Understanding]) -> str:
    lines: list[str] = []
    for r in results:
        lines.append(f"Understood from the customer's words (apply at confidence >= {r.threshold:.2f}):")
        if not r.understood:
            lines.append("  nothing")
        for u in r.understood:
            mark = "applied" if u.applied else "not applied"
            fix = f" [read {', '.join(u.corrections)}]" if u.corrections else ""
            why = f" ({u.why_not})" if u.why_not else ""
            lines.append(f"  {mark:<11} {u.observation} = {u.value}  {u.confidence:.2f}  \"{u.words}\"{fix}{why}")
        for m in r.mentions:
            lines.append(f"  {'denied' if m.kind == 'negated' else 'works'}      \"{m.words}\" ({m.rule})")
        for s in r.symptoms[:3]:
            state = "applied" if s.applied else f"missing {', '.join(s.missing)}" if s.missing else "candidate"
            lines.append(f"  heading    {s.id}: {s.title} ({state})")
        for i in r.inputs:
            lines.append(f"  input      {i.kind} {i.value}" + (f" ({i.detail})" if i.detail else "")
                         + (f"  probe: {i.probe}" if i.probe else ""))
        for w in r.warnings:
            lines.append(f"  WARNING    {w}")
        for n in r.notes:
            lines.append(f"  note       not understood, kept as a note: \"{n}\"")
        lines.append("")
    return "\n".join(lines)


def print_outputs(diagnosis: Diagnosis, results: list[Understanding], as_json: bool, text: str) -> None:
    """With --say, the Diagnosis JSON gains an `intake` list (one entry per text); the rest is unchanged."""
    if as_json:
        data: dict[str, Any] = diagnosis.model_dump(mode="json")
        data["intake"] = [r.model_dump(mode="json") for r in results]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        emit(render(results) + text)
