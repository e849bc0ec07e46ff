"""The real-world corpus (tests/data/real): each paste scored against what its thread established.

A paste passes when
* its thread established a catalog cause (`expected`): that cause is ranked first and no
  cause outside `acceptable` is confirmed;
* its thread left the cause open, or it is not a catalog cause (`expected: null`): nothing
  is confirmed;
* and every `expect_observations` value is read, and no `never_observations` value is.

`python -m tests.evidence.real_corpus` prints the per-paste table and the score (the
numbers in tests/data/real/README.md come from it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.evidence.records import TraceError
from advisor.kb.loader import KnowledgeBase, load_kb

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


@dataclass
class Outcome:
    name: str
    passed: bool
    top: str
    confirmed: list[str]
    read: bool  # anything at all was read from the paste (a message, fragment or log event)
    findings: int
    problems: list[str] = field(default_factory=list)


def pastes() -> list[str]:
    return sorted(p.name.removesuffix(".source.yaml") for p in REAL.glob("*.source.yaml"))


def spec(name: str) -> dict[str, object]:
    data = yaml.safe_load((REAL / f"{name}.source.yaml").read_text())
    assert isinstance(data, dict)
    return data


def score(name: str, kb: KnowledgeBase, advisor: Advisor) -> Outcome:
    meta = spec(name)
    path = REAL / f"{name}.txt"
    try:
        analysis = analyze_files([path], kb, TrunkContext())
    except TraceError as exc:
        expected = meta.get("expected")
        return Outcome(name, expected is None, "unreadable", [], False, 0, [str(exc)])
    diagnosis = advisor.diagnose(analysis.observations(), analysis.warnings)
    confirmed = [c.id for c in diagnosis.causes if c.status == "confirmed"]
    top = diagnosis.causes[0]
    problems: list[str] = []
    expected = meta.get("expected")
    acceptable = set(meta.get("acceptable") or ([expected] if expected else []))  # type: ignore[list-item]
    if expected:
        if top.id not in acceptable:
            problems.append(f"top cause {top.id} ({top.status}), expected {expected}")
        wrong = [c for c in confirmed if c not in acceptable]
        if wrong:
            problems.append(f"confirmed {wrong}")
    elif confirmed:
        problems.append(f"confirmed {confirmed} where the paste cannot decide")
    got = {f.observation.id: str(f.observation.value) for f in analysis.findings}
    for f in analysis.findings:  # what a finding proves (a debugger alert code's facts) counts as read
        for obs_id, value in kb.implied_by(f.observation.id, f.observation.value).items():
            got.setdefault(obs_id, str(value))
    for obs_id, value in (meta.get("expect_observations") or {}).items():  # type: ignore[union-attr]
        if got.get(obs_id) != str(value):
            problems.append(f"{obs_id} is {got.get(obs_id)!r}, expected {value!r}")
    for obs_id, value in (meta.get("never_observations") or {}).items():  # type: ignore[union-attr]
        if got.get(obs_id) == str(value):
            problems.append(f"{obs_id} must not be {value!r}")
    read = (bool(analysis.findings) or any(c.messages for c in analysis.calls) or bool(analysis.other_messages)
            or bool(analysis.events))
    return Outcome(name, not problems, f"{top.id} ({top.status})", confirmed, read, len(analysis.findings), problems)


def main() -> int:
    kb = load_kb()
    advisor = Advisor(kb)
    results = [score(n, kb, advisor) for n in pastes()]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        print(f"{mark} {r.name:34} read={'yes' if r.read else 'no ':3} findings={r.findings:2} top={r.top}"
              + (f"  <- {'; '.join(r.problems)}" if r.problems else ""))
    decidable = [r for r in results if spec(r.name).get("expected")]
    print(f"\n{sum(r.passed for r in results)}/{len(results)} pass"
          f" ({sum(r.passed for r in decidable)}/{len(decidable)} with an established catalog cause,"
          f" {sum(r.passed for r in results if r not in decidable)}/{len(results) - len(decidable)} undecidable);"
          f" something read from {sum(r.read for r in results)}/{len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
