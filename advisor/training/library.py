"""Load the training case library (knowledge/training/) with `file:line` problems, like the rest of the KB.

Every fact a case names is checked against the shared vocabulary and
normalised the way an answer would be, so the simulated customer answers
exactly what an engineer could have typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import ValidationError

from advisor.kb.loader import KBError, KnowledgeBase
from advisor.kb.yamlsrc import PathKey, Problem, SourceDoc, read_yaml
from advisor.training.models import CaseDef, CasesFile, Fact, TrainingSettings

M = TypeVar("M", TrainingSettings, CasesFile)

TRAINING_DIR = "training"
CASES_DIR = "cases"
TRACES_DIR = "traces"
SETTINGS_FILE = "settings.yaml"


@dataclass
class CaseLibrary:
    """Every case by id, in file order, with the settings that score them."""

    root: Path
    cases: dict[str, CaseDef]
    settings: TrainingSettings
    where: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False)

    def trace_path(self, name: str) -> Path:
        return self.root / TRACES_DIR / name

    def for_cause(self, cause_id: str) -> list[CaseDef]:
        return [c for c in self.cases.values() if cause_id in c.causes]


def training_dir(kb: KnowledgeBase) -> Path:
    return kb.root / TRAINING_DIR


def load_library(kb: KnowledgeBase) -> CaseLibrary:
    """Read settings and cases; raises KBError listing every problem with its file:line."""
    root = training_dir(kb)
    problems: list[Problem] = []

    def display(p: Path) -> str:
        try:
            return str(p.relative_to(kb.root.parent))
        except ValueError:
            return str(p)

    settings = TrainingSettings()
    spath = root / SETTINGS_FILE
    if spath.is_file():
        doc, errs = read_yaml(spath, display(spath))
        problems.extend(errs)
        if doc is not None:
            got = _validate(doc, TrainingSettings, (), doc.data, problems)
            settings = got or settings
    cases: dict[str, CaseDef] = {}
    where: dict[str, tuple[str, int]] = {}
    files = sorted((root / CASES_DIR).glob("*.yaml")) if (root / CASES_DIR).is_dir() else []
    if not files:
        problems.append(Problem(display(root / CASES_DIR), 1, "no training case files (training/cases/*.yaml)"))
    for path in files:
        doc, errs = read_yaml(path, display(path))
        problems.extend(errs)
        if doc is None:
            continue
        parsed = _validate(doc, CasesFile, (), doc.data, problems)
        if parsed is None:
            continue
        for i, case in enumerate(parsed.cases):
            at = (doc.file, doc.line_of(("cases", i, "id")))
            if case.id in cases:
                problems.append(Problem(*at, f"duplicate case id {case.id!r}"))
                continue
            def report(msg: str, *more: str | int, _i: int = i, _doc: SourceDoc = doc) -> None:
                problems.append(Problem(_doc.file, _doc.line_of(("cases", _i, *more)), msg))

            fixed = check_case(kb, case, root, report)
            cases[case.id] = fixed
            where[case.id] = at
    if problems:
        raise KBError(list(dict.fromkeys(problems)))
    return CaseLibrary(root, cases, settings, where)


def _validate(doc: SourceDoc, model: type[M], path: PathKey, data: object,
                                                  problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc: tuple[str | int, ...] = tuple(x for x in err["loc"] if not (isinstance(x, str) and "[" in x))
            where = ".".join(str(x) for x in loc) or "entry"
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            problems.append(Problem(doc.file, doc.line_of((*path, *loc)), f"{where}: {msg}"))
        return None


class Report(Protocol):
    def __call__(self, msg: str, *where: str | int) -> None: ...


def check_case(kb: KnowledgeBase, case: CaseDef, root: Path, bad: Report) -> CaseDef:
    """Check every reference of one case (problems go to `bad` with their place in the case);
    return it with values normalised like answers."""

    def facts(raw: dict[str, Fact], *where: str | int) -> dict[str, Fact]:
        out: dict[str, Fact] = {}
        for obs_id, value in raw.items():
            try:
                out[obs_id] = kb.check_value(obs_id, str(value))
            except ValueError as exc:
                bad(str(exc), *where, obs_id)
        return out

    for cid in case.causes:
        if cid not in kb.causes:
            bad(f"unknown cause {cid!r}", "cause" if cid == case.cause else "also")
    if case.family is not None and case.family not in kb.families:
        bad(f"unknown family {case.family!r} (known: {', '.join(kb.families)})", "family")
    truth = facts(case.facts, "facts")
    for key in (*(case.customer_knows or []), *case.customer_unsure, *case.inconsistent):
        if key not in kb.observations:
            bad(f"unknown observation {key!r}", "customer_knows")
    inconsistent: dict[str, list[Fact]] = {}
    for obs_id, answers in case.inconsistent.items():
        checked = [facts({obs_id: v}, "inconsistent").get(obs_id) for v in answers]
        inconsistent[obs_id] = [v for v in checked if v is not None]
    artefacts = {}
    for name, art in case.artefacts.items():
        if art.file is not None and not (root / TRACES_DIR / art.file).is_file():
            bad(f"artefact file {art.file!r} not found in training/{TRACES_DIR}/", "artefacts", name, "file")
        artefacts[name] = art.model_copy(update={"reveals": facts(art.reveals, "artefacts", name, "reveals")})
    return case.model_copy(update={"facts": truth, "inconsistent": inconsistent, "artefacts": artefacts})

