"""knowledge/probes.yaml: which probe answers which observation, and from where.

The vantage point is data: a probe result becomes an observation only when an
`answers` (outcome -> value) or `details` (a yes/no detail) entry names the
probe, its role and the place the probe ran. Everything else is shown but is
not evidence. `advisor kb check` validates the file against observations.yaml.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KnowledgeBase
from advisor.kb.yamlsrc import Problem, SourceDoc, read_yaml

PROBES_FILE = "probes.yaml"

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _yes_no(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): ("yes" if x is True else "no" if x is False else str(x)) for k, x in v.items()}
    return v


class Answer(_Strict):
    """An outcome of the probe, for one role, from given vantage points, fills one observation."""

    observation: str
    role: Ident
    where: list[Ident] = Field(min_length=1)
    values: dict[str, str]
    why: str

    _v = field_validator("values", mode="before")(_yes_no)


class DetailAnswer(_Strict):
    """A yes/no detail of an answered probe (e.g. Via came back changed) fills a bool observation."""

    observation: str
    role: Ident
    where: list[Ident] = Field(min_length=1)
    detail: str
    why: str


class ProbeDef(_Strict):
    id: Ident
    title: str
    roles: dict[str, str] = Field(min_length=1)
    default_role: str
    outcomes: list[Ident] = Field(min_length=1)
    answers: list[Answer] = Field(default_factory=list)
    details: list[DetailAnswer] = Field(default_factory=list)


class Vantage(_Strict):
    id: Ident
    title: str


class ProbesFile(_Strict):
    vantages: list[Vantage] = Field(min_length=1)
    probes: list[ProbeDef] = Field(min_length=1)


class ProbeCatalog:
    """The validated probes.yaml with lookups."""

    def __init__(self, data: ProbesFile) -> None:
        self.data = data
        self.probes = {p.id: p for p in data.probes}
        self.vantages = {v.id: v for v in data.vantages}

    def observations_for(self, result: Any, where: str, host: str = "") -> list[Observation]:
        """The observations a result is evidence for, from this vantage point (maybe none)."""
        probe = self.probes.get(str(result.probe))
        if probe is None:
            return []
        at = _parse_time(str(result.started))
        place = f"{where}:{host}" if host else where
        source = Source(kind="probe", detail=f"{probe.id}@{place}", at=at)
        note = f"{result.target}: {result.summary}"
        out: list[Observation] = []
        for ans in probe.answers:
            if ans.role == result.role and where in ans.where and result.outcome in ans.values:
                out.append(Observation(id=ans.observation, value=ans.values[result.outcome], source=source, note=note))
        if result.outcome == "answered":
            for det in probe.details:
                value = result.details.get(det.detail)
                if det.role == result.role and where in det.where and isinstance(value, bool):
                    out.append(Observation(id=det.observation, value="yes" if value else "no", source=source,
                                           note=note))
        return out

    def ignored_because(self, result: Any, where: str) -> str | None:
        """Why a result answers nothing from here (shown next to it), or None when it does answer."""
        probe = self.probes.get(str(result.probe))
        if probe is None:
            return "unknown probe"
        entries = [a for a in probe.answers if a.role == result.role]
        if not entries:
            return f"no observation is answered by a {probe.id} probe in the role {result.role!r}"
        here = [a for a in entries if where in a.where]
        if not here:
            places = sorted({w for a in entries for w in a.where})
            return (f"from {where} this proves nothing about {', '.join(a.observation for a in entries)};"
                    f" it counts when run on: {', '.join(places)}")
        if all(result.outcome not in a.values for a in here):
            return f"the outcome {result.outcome!r} answers none of: {', '.join(a.observation for a in here)}"
        return None

    def probes_answering(self, observation: str) -> list[tuple[ProbeDef, str, list[str]]]:
        """(probe, role, where) for every probe that can fill an observation."""
        out: list[tuple[ProbeDef, str, list[str]]] = []
        for p in self.probes.values():
            for a in p.answers:
                if a.observation == observation:
                    out.append((p, a.role, list(a.where)))
            for d in p.details:
                if d.observation == observation:
                    out.append((p, d.role, list(d.where)))
        return out


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


class ProbeCatalogError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def load_catalog(kb: KnowledgeBase) -> ProbeCatalog:
    """Read and check knowledge/probes.yaml against the knowledge base; ProbeCatalogError lists problems."""
    catalog, problems = check_catalog(kb)
    if catalog is None or problems:
        raise ProbeCatalogError(problems)
    return catalog


def check_catalog(kb: KnowledgeBase) -> tuple[ProbeCatalog | None, list[Problem]]:
    path = Path(kb.root) / PROBES_FILE
    display = f"{Path(kb.root).name}/{PROBES_FILE}"
    if not path.is_file():
        return None, [Problem(display, 1, "probe knowledge file is missing")]
    doc, problems = read_yaml(path, display)
    if doc is None:
        return None, problems
    try:
        data = ProbesFile.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            problems.append(Problem(doc.file, doc.line_of(loc), f"{'.'.join(str(x) for x in loc)}: {msg}"))
        return None, problems
    problems += _cross_check(kb, data, doc)
    return ProbeCatalog(data), problems


def _cross_check(kb: KnowledgeBase, data: ProbesFile, doc: SourceDoc) -> list[Problem]:
    out: list[Problem] = []
    vantages = {v.id for v in data.vantages}
    seen: set[str] = set()
    for i, p in enumerate(data.probes):
        def bad(msg: str, *path: str | int, _i: int = i) -> None:
            out.append(Problem(doc.file, doc.line_of(("probes", _i, *path)), msg))

        if p.id in seen:
            bad(f"duplicate probe id {p.id!r}", "id")
        seen.add(p.id)
        if p.default_role not in p.roles:
            bad(f"default_role {p.default_role!r} is not one of the roles ({', '.join(p.roles)})", "default_role")
        entries: list[tuple[str, Answer | DetailAnswer, int]] = [("answers", a, j) for j, a in enumerate(p.answers)]
        entries += [("details", d, j) for j, d in enumerate(p.details)]
        for key, entry, j in entries:
            obs = kb.observations.get(entry.observation)
            if obs is None:
                bad(f"unknown observation {entry.observation!r}", key, j, "observation")
                continue
            if entry.role not in p.roles:
                bad(f"role {entry.role!r} is not one of the roles ({', '.join(p.roles)})", key, j, "role")
            for w in entry.where:
                if w not in vantages:
                    bad(f"unknown vantage {w!r} (known: {', '.join(sorted(vantages))})", key, j, "where")
            if isinstance(entry, Answer):
                for outcome, value in entry.values.items():
                    if outcome not in p.outcomes:
                        bad(f"{outcome!r} is not an outcome of {p.id} ({', '.join(p.outcomes)})", key, j, "values")
                    if obs.type == "number" or value not in obs.values:
                        bad(f"{value!r} is not a value of {entry.observation}"
                            f" (allowed: {', '.join(obs.values)})", key, j, "values")
            elif obs.type != "bool":
                bad(f"a detail answers yes/no, but {entry.observation} is {obs.type}", key, j, "observation")
    return out
