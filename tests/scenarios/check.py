"""Score the expert scenarios (tests/scenarios/*.yaml) against the engine.

A scenario is a set of answers an experienced trunk engineer could give, and
what the guide and the carrier's docs say must (not) come out of it. Every
scenario is also checked against the engine's general promises (no zero-gain
question, no option that keeps nothing unmarked, no "most likely" between tied
leaders, no "1 causes"). Run `python -m tests.scenarios.check` for the score.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from advisor.engine.diagnosis import Advisor, Diagnosis
from advisor.engine.observations import Observation, Source

HERE = Path(__file__).resolve().parent
KEYS = {"id", "heading", "answers", "first", "not_first", "not_confirmed", "ruled_out", "possible", "status",
        "conflict", "summary_contains", "summary_not_contains", "undecided_between"}


@dataclass
class Scenario:
    id: str
    heading: str
    answers: dict[str, str]
    expect: dict[str, Any] = field(default_factory=dict)


def load_scenarios(directory: Path = HERE) -> list[Scenario]:
    out: list[Scenario] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text()) or []:
            unknown = set(raw) - KEYS
            if unknown:
                raise ValueError(f"{path.name}: {raw.get('id')}: unknown keys {sorted(unknown)}")
            answers = {k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in raw["answers"].items()}
            expect = {k: v for k, v in raw.items() if k not in ("id", "heading", "answers")}
            out.append(Scenario(raw["id"], raw["heading"], answers, expect))
    return out


def _matches(cid: str | None, patterns: list[str]) -> bool:
    return cid is not None and any(fnmatch.fnmatchcase(cid, p) for p in patterns)


def diagnose(advisor: Advisor, sc: Scenario) -> Diagnosis:
    obs = [Observation(id=k, value=advisor.kb.check_value(k, v), source=Source(kind="answer", detail=f"q.{k}"))
           for k, v in sc.answers.items()]
    return advisor.diagnose(obs)


def evaluate(advisor: Advisor, sc: Scenario) -> list[str]:
    """Every way the engine's diagnosis falls short of the scenario (empty = passed)."""
    try:
        d = diagnose(advisor, sc)
    except Exception as exc:  # an answer the knowledge base cannot take is a failed scenario
        return [f"cannot diagnose: {str(exc).split(' (known')[0]}"]
    e = sc.expect
    bad: list[str] = []
    status = {c.id: c.status for c in d.causes}
    alive = [c for c in d.causes if c.status != "ruled_out"]
    first = alive[0].id if alive else None
    if "first" in e and not _matches(first, e["first"]):
        bad.append(f"first is {first}, expected one of {e['first']}")
    if _matches(first, e.get("not_first", [])):
        bad.append(f"{first} leads but must not")
    for cid, st in status.items():
        if st == "confirmed" and _matches(cid, e.get("not_confirmed", [])):
            bad.append(f"{cid} is confirmed but must not be")
        if st != "ruled_out" and _matches(cid, e.get("ruled_out", [])):
            bad.append(f"{cid} is still possible but must be ruled out")
        if st == "ruled_out" and _matches(cid, e.get("possible", [])):
            bad.append(f"{cid} is ruled out but must stay possible")
    for pattern in e.get("ruled_out", []) + e.get("possible", []) + e.get("first", []):
        if not any(_matches(cid, [pattern]) for cid in status):
            bad.append(f"no cause matches {pattern}")
    if "status" in e and d.conclusion.status not in e["status"]:
        bad.append(f"conclusion is {d.conclusion.status}, expected {e['status']}")
    summary = d.conclusion.summary
    if "summary_contains" in e and e["summary_contains"].lower() not in summary.lower():
        bad.append(f"summary {summary!r} lacks {e['summary_contains']!r}")
    if "summary_not_contains" in e and e["summary_not_contains"].lower() in summary.lower():
        bad.append(f"summary {summary!r} says {e['summary_not_contains']!r}")
    if "undecided_between" in e:
        between = list(getattr(d.conclusion, "between", []) or [])
        if not set(e["undecided_between"]) <= set(between):
            bad.append(f"undecided between {between}, expected at least {e['undecided_between']}")
        if not getattr(d.conclusion, "how_to_tell", None):
            bad.append("an undecided conclusion must say how to find out")
    confirmed = [c.id for c in d.causes if c.status == "confirmed"]
    if e.get("conflict"):
        if not getattr(d, "conflicts", None):
            bad.append("the conflicting answers are not reported as a conflict")
        if len(confirmed) > 1:
            bad.append(f"conflicting evidence yields several confirmations: {confirmed}")
    bad += general_promises(d)
    return bad


def general_promises(d: Diagnosis) -> list[str]:
    """What must hold for any answers at all."""
    bad: list[str] = []
    summary = d.conclusion.summary
    if re.search(r"\b1 causes\b|\b1 cause remain\b", summary):
        bad.append(f"grammar: {summary!r}")
    alive = [c for c in d.causes if c.status != "ruled_out"]
    if (len(alive) >= 2 and d.conclusion.status in ("in_progress", "undecided")
            and abs(alive[0].confidence - alive[1].confidence) < 1e-3 and "most likely" in summary.lower()):
        bad.append(f"names a 'most likely' cause between tied leaders: {summary!r}")
    q = d.next_question
    if q is not None:
        real = [o for o in q.options if o.value != "unknown"]
        if not any(o.rules_out or getattr(o, "confirms", None) for o in real) and not getattr(q, "needed_by", None):
            bad.append(f"asks {q.id}, whose every answer keeps every candidate and confirms none (zero gain)")
        for o in real:
            if not o.keeps and not getattr(o, "contradicts_answers", False):
                bad.append(f"offers {q.id}={o.value}, which keeps no candidate, unmarked")
        if q.observation == "symptom" and sum(1 for o in real if o.keeps) < 2:
            bad.append("asks the symptom again although the facts pin it")
    return bad


def main() -> int:
    advisor = Advisor()
    scenarios = load_scenarios()
    failed = 0
    for sc in scenarios:
        problems = evaluate(advisor, sc)
        if problems:
            failed += 1
            print(f"FAIL {sc.id}: " + "; ".join(problems))
    print(f"{len(scenarios) - failed}/{len(scenarios)} scenarios pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
