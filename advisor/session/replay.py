"""Replay: re-run recorded sessions against the current knowledge base.

A recorded session's inputs (context, the family/symptom chosen, answers,
customer text, trace and probe findings) are fed to a fresh Session in order.
At every DiagnosisReached the recording holds, the replayed diagnosis at that
same point is compared with it (conclusion status and cause); a file may also
carry a top-level `"expected": {"status": ..., "cause": ...}` checked against
the final diagnosis. Any difference means the knowledge base or the engine now
reasons differently about that session.

The family/symptom choice is re-expanded with the current knowledge base (what
a symptom implies may have changed); everything else is replayed as recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from advisor.session.events import DiagnosisReached, FamilyChosen, SessionRecord
from advisor.session.store import SessionStoreError, read_record

if TYPE_CHECKING:
    from advisor.engine.diagnosis import Advisor, Diagnosis


class Verdict(BaseModel):
    status: str
    cause: str | None = None
    confidence: float | None = None

    def same(self, other: Verdict) -> bool:
        return (self.status, self.cause) == (other.status, other.cause)

    def label(self) -> str:
        return f"{self.status} {self.cause or '-'}"


class Checkpoint(BaseModel):
    event: int = Field(description="index of the DiagnosisReached event (-1: the file's `expected`)")
    expected: Verdict
    actual: Verdict

    @property
    def changed(self) -> bool:
        return not self.expected.same(self.actual)


class ReplayResult(BaseModel):
    file: str
    session_id: str | None = None
    outcome: Literal["unchanged", "changed", "error"]
    message: str = Field(description="one line for the terminal")
    expected: Verdict | None = None
    actual: Verdict | None = None
    checkpoints: list[Checkpoint] = Field(default_factory=list)


class ReplayReport(BaseModel):
    results: list[ReplayResult]
    unchanged: int
    changed: int
    errors: int

    @property
    def exit_code(self) -> int:
        """2 when a file could not be replayed, else 1 when a diagnosis changed, else 0."""
        return 2 if self.errors else 1 if self.changed else 0

    def render(self) -> str:
        mark = {"unchanged": "ok     ", "changed": "CHANGED", "error": "ERROR  "}
        lines = [f"{mark[r.outcome]} {r.file}: {r.message}" for r in self.results]
        lines.append(f"{len(self.results)} file(s): {self.unchanged} unchanged, {self.changed} changed, "
                     f"{self.errors} unreadable")
        return "\n".join(lines)


def _verdict(d: Diagnosis) -> Verdict:
    top = next((c for c in d.causes if c.id == d.conclusion.cause), None)
    return Verdict(status=d.conclusion.status, cause=d.conclusion.cause,
                   confidence=top.confidence if top else 0.0)


def replay_record(record: SessionRecord, advisor: Advisor,
                  expected: Verdict | None = None) -> tuple[list[Checkpoint], Verdict]:
    """Feed the record's events to a fresh Session; the checkpoints compared and the final verdict."""
    from advisor.session.core import Session

    kb = advisor.kb
    session = Session(advisor)
    checkpoints: list[Checkpoint] = []
    for i, ev in enumerate(record.events):
        if isinstance(ev, DiagnosisReached):
            recorded = Verdict(status=ev.status, cause=ev.cause, confidence=ev.confidence)
            checkpoints.append(Checkpoint(event=i, expected=recorded, actual=_verdict(session.diagnosis())))
            session.add(ev)
        elif isinstance(ev, FamilyChosen) and ev.family in kb.families and (
                ev.symptom is None or ev.symptom in kb.symptoms):
            session.choose_family(ev.family, ev.symptom)
        else:
            session.add(ev)
    final = _verdict(session.diagnosis())
    if expected is not None:
        checkpoints.append(Checkpoint(event=-1, expected=expected, actual=final))
    return checkpoints, final


def _expected_of(path: Path) -> Verdict | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    raw = data.get("expected") if isinstance(data, dict) else None
    if raw is None:
        return None
    try:
        return Verdict.model_validate(raw)
    except ValidationError as exc:
        raise SessionStoreError(f"{path}: invalid `expected`: {exc.errors()[0]['msg']}") from None


def replay_file(path: Path | str, advisor: Advisor) -> ReplayResult:
    """Replay one recorded session file; never raises for a bad file (outcome "error", one-line message)."""
    path = Path(path)
    name = str(path)
    try:
        record = read_record(path)
        expected = _expected_of(path)
    except SessionStoreError as exc:
        return ReplayResult(file=name, outcome="error", message=str(exc).removeprefix(f"{name}: "))
    if expected is None and not any(isinstance(e, DiagnosisReached) for e in record.events):
        return ReplayResult(file=name, session_id=record.id, outcome="error",
                            message="nothing to compare: no DiagnosisReached event and no `expected` field")
    try:
        checkpoints, final = replay_record(record, advisor, expected)
    except Exception as exc:  # a record the current engine cannot digest (unknown observation...)
        return ReplayResult(file=name, session_id=record.id, outcome="error",
                            message=f"cannot replay: {type(exc).__name__}: {' '.join(str(exc).split())}")
    last = checkpoints[-1]
    changed = [c for c in checkpoints if c.changed]
    if changed:
        first = changed[0]
        where = "expected" if first.event < 0 else f"event {first.event}"
        message = f"was {first.expected.label()}, now {first.actual.label()} (at {where}"
        message += f"; {len(changed)} of {len(checkpoints)} checkpoints differ)" if len(changed) > 1 else ")"
        outcome: Literal["unchanged", "changed", "error"] = "changed"
    else:
        message = last.actual.label()
        if len(checkpoints) > 1:
            message += f" ({len(checkpoints)} checkpoints)"
        outcome = "unchanged"
    return ReplayResult(file=name, session_id=record.id, outcome=outcome, message=message,
                        expected=last.expected, actual=final, checkpoints=checkpoints)


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; directories give their *.json files (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.glob("*.json") if x.is_file()))
        else:
            out.append(p)
    return out


def replay_files(paths: Iterable[Path | str], advisor: Advisor) -> ReplayReport:
    results = [replay_file(p, advisor) for p in expand_paths(paths)]
    return ReplayReport(results=results,
                        unchanged=sum(r.outcome == "unchanged" for r in results),
                        changed=sum(r.outcome == "changed" for r in results),
                        errors=sum(r.outcome == "error" for r in results))
