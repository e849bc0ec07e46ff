"""Load knowledge/*.yaml into validated models, collecting every problem with its file:line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from advisor.kb.models import (
    UNKNOWN,
    AlertDef,
    AlertsFile,
    CarrierPack,
    CatalogFile,
    CauseDef,
    Condition,
    ExtractorDecl,
    ExtractorsFile,
    FamilyDef,
    ImplicationDef,
    ObservationDef,
    QuestionDef,
    SymptomDef,
    SymptomQuestion,
    SymptomsFile,
    TipDef,
    TipsFile,
    TraceFile,
)
from advisor.kb.paths import default_knowledge_dir
from advisor.kb.yamlsrc import PathKey, Problem, SourceDoc, read_yaml

M = TypeVar("M", bound=BaseModel)

TOP_FILES = ("observations.yaml", "questions.yaml", "symptoms.yaml", "tips.yaml", "trace.yaml")
OPTIONAL_FILES = ("catalog.yaml", "probes.yaml", "intake.yaml", "redaction.yaml", "implications.yaml",
                  "extractors.yaml")


class KBError(Exception):
    """The knowledge base has problems; each is one `file:line: reason` line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the knowledge base")
        self.problems = problems


@dataclass(slots=True)
class Located:
    doc: SourceDoc
    path: PathKey

    def at(self, *more: str | int) -> tuple[str, int]:
        return self.doc.file, self.doc.line_of((*self.path, *more))


@dataclass
class KnowledgeBase:
    """The validated knowledge, with indexes; immutable by convention."""

    root: Path
    observations: dict[str, ObservationDef]
    questions: dict[str, QuestionDef]
    causes: dict[str, CauseDef]
    families: dict[str, FamilyDef]
    symptoms: dict[str, SymptomDef]
    tips: list[TipDef]
    alerts: list[AlertDef]
    trace: TraceFile
    where: dict[str, Located] = field(default_factory=dict, repr=False)
    catalog: list[str] = field(default_factory=list)
    alert_carriers: dict[str, str] = field(default_factory=dict)  # alert code -> carrier pack name
    implications: list[ImplicationDef] = field(default_factory=list)  # written + generated (symptoms, alerts)
    carriers: dict[str, CarrierPack] = field(default_factory=dict)  # carriers/<name>.yaml by name
    extractors: dict[str, ExtractorDecl] = field(default_factory=dict)  # extractors.yaml by area

    @property
    def default_carrier(self) -> str | None:
        """The pack assumed when nothing in the trace or the context names a carrier."""
        return next((n for n, c in self.carriers.items() if c.default), next(iter(self.carriers), None))

    @property
    def question_for(self) -> dict[str, QuestionDef]:
        return {q.observation: q for q in self.questions.values()}

    def implied_by(self, obs_id: str, value: str | float) -> dict[str, str | float]:
        """Facts that knowing a symptom (its `implies`) or a carrier alert code (its `proves`) gives for free."""
        if obs_id == "symptom" and isinstance(value, str) and value in self.symptoms:
            return dict(self.symptoms[value].implies)
        if obs_id == ALERT_OBSERVATION:
            alert = self.alert(str(value))
            return dict(alert.proves) if alert else {}
        return {}

    def alert(self, code: str) -> AlertDef | None:
        """The alert definition of a carrier debugger code, if we know it."""
        return next((a for a in self.alerts if a.code == code), None)

    def check_value(self, obs_id: str, raw: str) -> str | float:
        """Normalise an observation value or raise ValueError naming the allowed ones."""
        obs = self.observations.get(obs_id)
        if obs is None:
            known = ", ".join(sorted(self.observations))
            raise ValueError(f"unknown observation {obs_id!r} (known: {known})")
        text = str(raw).strip()
        if text.lower() in (UNKNOWN, "?", "dont_know", "don't know"):
            return UNKNOWN
        if obs.type == "number":
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{obs_id} takes a number (unit: {obs.unit or 'none'}) or 'unknown', not {text!r}") from None
        lowered = {"true": "yes", "false": "no", "y": "yes", "n": "no"}.get(text.lower(), text)
        if lowered not in obs.values:
            allowed = ", ".join([*obs.values, UNKNOWN])
            raise ValueError(f"{text!r} is not a value of {obs_id} (allowed: {allowed})")
        return lowered


def load_kb(directory: Path | None = None) -> KnowledgeBase:
    """Read and validate the knowledge base; raises KBError listing every problem."""
    root = (directory or default_knowledge_dir()).resolve()
    problems: list[Problem] = []
    if not root.is_dir():
        raise KBError([Problem(str(root), 1, "knowledge directory not found")])
    docs: dict[str, SourceDoc] = {}

    def display(p: Path) -> str:
        try:
            return str(p.relative_to(root.parent))
        except ValueError:
            return str(p)

    for name in TOP_FILES:
        path = root / name
        if not path.is_file():
            problems.append(Problem(display(path), 1, "required knowledge file is missing"))
            continue
        doc, errs = read_yaml(path, display(path))
        problems += errs
        if doc is not None:
            docs[name] = doc
    cause_docs: list[SourceDoc] = []
    cause_files = sorted((root / "causes").glob("*.yaml")) if (root / "causes").is_dir() else []
    if not cause_files:
        problems.append(Problem(display(root / "causes"), 1, "no cause files (causes/*.yaml)"))
    for path in cause_files:
        doc, errs = read_yaml(path, display(path))
        problems += errs
        if doc is not None:
            cause_docs.append(doc)
    catalog: list[str] = []
    if (root / "catalog.yaml").is_file():
        cdoc, errs = read_yaml(root / "catalog.yaml", display(root / "catalog.yaml"))
        problems += errs
        if cdoc is not None:
            got = _validate(cdoc, CatalogFile, (), cdoc.data, problems)
            catalog = list(got.catalog) if got else []
    written_implications: list[ImplicationDef] = []
    if (root / "implications.yaml").is_file():
        idoc, errs = read_yaml(root / "implications.yaml", display(root / "implications.yaml"))
        problems += errs
        if idoc is not None:
            docs["implications.yaml"] = idoc
    for extra in sorted(root.glob("*.y*ml")):
        if extra.name not in TOP_FILES + OPTIONAL_FILES:
            problems.append(Problem(display(extra), 1, f"unknown knowledge file (expected one of: {', '.join(TOP_FILES)})"))

    where: dict[str, Located] = {}
    observations = _items(docs.get("observations.yaml"), ObservationDef, (), "observation", where, problems)
    questions = _items(docs.get("questions.yaml"), QuestionDef, (), "question", where, problems)
    written_implications = list(_items(docs.get("implications.yaml"), ImplicationDef, (), "implication",
                                       where, problems).values())
    causes: dict[str, CauseDef] = {}
    for doc in cause_docs:
        for cid, cause in _items(doc, CauseDef, (), "cause", where, problems).items():
            if cid in causes:
                f, line = where[cid].at()
                problems.append(Problem(f, line, f"duplicate cause id {cid!r}"))
            causes[cid] = cause
    families: dict[str, FamilyDef] = {}
    symptoms: dict[str, SymptomDef] = {}
    sdoc = docs.get("symptoms.yaml")
    if sdoc is not None and _shape(sdoc, SymptomsFile, ("families", "symptoms"), problems):
        families = _items(sdoc, FamilyDef, ("families",), "family", where, problems)
        symptoms = _items(sdoc, SymptomDef, ("symptoms",), "symptom", where, problems)
    tips: list[TipDef] = []
    alerts: list[AlertDef] = []
    tdoc = docs.get("tips.yaml")
    if tdoc is not None and _shape(tdoc, TipsFile, ("tips", "alerts"), problems):
        tips = list(_items(tdoc, TipDef, ("tips",), "tip", where, problems).values())
        alerts = _list(tdoc, AlertDef, ("alerts",), problems)
    alert_carriers: dict[str, str] = {}
    for path in sorted((root / "alerts").glob("*.yaml")) if (root / "alerts").is_dir() else []:
        adoc, errs = read_yaml(path, display(path))
        problems += errs
        if adoc is None or not _shape(adoc, AlertsFile, ("carrier", "source", "alerts"), problems):
            continue
        head = _validate(adoc, AlertsFile, (), {**adoc.data, "alerts": []}, problems)
        if head is not None and head.carrier != path.stem:
            problems.append(Problem(adoc.file, adoc.line_of(("carrier",)),
                                    f"carrier {head.carrier!r} must match the file name ({path.stem!r})"))
        for i, alert in enumerate(_list(adoc, AlertDef, ("alerts",), problems)):
            if alert.code in alert_carriers:
                problems.append(Problem(adoc.file, adoc.line_of(("alerts", i, "code")), f"duplicate alert code {alert.code}"))
                continue
            alert_carriers[alert.code] = path.stem
            where[f"alert:{alert.code}"] = Located(adoc, ("alerts", i))
            alerts.append(alert)
    trace: TraceFile | None = None
    trdoc = docs.get("trace.yaml")
    if trdoc is not None:
        trace = _validate(trdoc, TraceFile, (), trdoc.data, problems)
    carriers: dict[str, CarrierPack] = {}
    for path in sorted((root / "carriers").glob("*.yaml")) if (root / "carriers").is_dir() else []:
        pdoc, errs = read_yaml(path, display(path))
        problems += errs
        if pdoc is None:
            continue
        pack = _validate(pdoc, CarrierPack, (), pdoc.data, problems)
        if pack is not None:
            carriers[path.stem] = pack
            where[f"carrier:{path.stem}"] = Located(pdoc, ())
    carrier_obs = observations.get("trunk_carrier")
    if carrier_obs is not None and carrier_obs.type == "enum":
        # a pack dropped into carriers/ names a carrier of its own: its file name is a value of trunk_carrier
        # without a second edit (a carrier is data in one place)
        missing = [n for n in carriers if n not in carrier_obs.values]
        if missing:
            observations["trunk_carrier"] = carrier_obs.model_copy(update={"values": [*carrier_obs.values, *missing]})
    defaults = [n for n, c in carriers.items() if c.default]
    if len(defaults) > 1:
        problems.append(Problem(display(root / "carriers"), 1, f"more than one default carrier pack: {', '.join(defaults)}"))
    extractors: dict[str, ExtractorDecl] = {}
    if (root / "extractors.yaml").is_file():
        edoc, errs = read_yaml(root / "extractors.yaml", display(root / "extractors.yaml"))
        problems += errs
        if edoc is not None and _shape(edoc, ExtractorsFile, ("extractors",), problems):
            for i, decl in enumerate(_list(edoc, ExtractorDecl, ("extractors",), problems)):
                if decl.area in extractors:
                    problems.append(Problem(edoc.file, edoc.line_of(("extractors", i, "area")), f"duplicate area {decl.area!r}"))
                extractors[decl.area] = decl
                where[f"extractor:{decl.area}"] = Located(edoc, ("extractors", i))
    trace = trace or _empty_trace()
    if not trace.carrier.name and carriers:
        pack = carriers[defaults[0] if defaults else next(iter(carriers))]
        trace = trace.model_copy(update={"carrier": pack.as_carrier_def()})

    kb = KnowledgeBase(root, observations, questions, causes, families, symptoms, tips, alerts,
                       trace, where, catalog, alert_carriers, written_implications, carriers, extractors)
    if not problems:
        problems += cross_check(kb)
    if problems:
        raise KBError(list(dict.fromkeys(problems)))
    _apply_alerts(kb)
    _apply_directions(kb)
    if sdoc is not None and isinstance(sdoc.data, dict) and sdoc.data.get("question"):
        _derive_symptom_observation(kb, SymptomsFile.model_validate(sdoc.data).question)
    kb.implications = [*written_implications, *_generated_implications(kb)]
    return kb


DIRECTIONS = {"term": "termination", "orig": "origination"}


def cause_direction(cause: CauseDef) -> str:
    """The call direction a cause belongs to: declared, else from its id prefix, else any."""
    return cause.direction or DIRECTIONS.get(cause.id.split(".", 1)[0], "any")


def _apply_directions(kb: KnowledgeBase) -> None:
    """A cause of one call direction is ruled out by the other: generated, never hand-written per cause."""
    if "call_direction" not in kb.observations:
        return
    for cid, cause in kb.causes.items():
        own = cause_direction(cause)
        if own == "any" or all("call_direction" in alt for alt in cause.requires):
            continue
        other = [d for d in kb.observations["call_direction"].values if d != own]
        existing = cause.contradicts.get("call_direction")
        if existing is not None and (existing.weight or 0) >= 1.0 and set(other) <= set(existing.named_values()):
            continue
        cond = Condition.model_validate({"in": other, "weight": 1.0})
        kb.causes[cid] = cause.model_copy(update={"contradicts": {**cause.contradicts, "call_direction": cond}})


def _generated_implications(kb: KnowledgeBase) -> list[ImplicationDef]:
    """A symptom's `implies` and an alert's `proves` are derived facts like any other."""
    out: list[ImplicationDef] = []
    for sym in kb.symptoms.values():
        if sym.implies and SYMPTOM_OBSERVATION in kb.observations:
            out.append(ImplicationDef(id=f"symptom:{sym.id}", when={SYMPTOM_OBSERVATION: Condition(is_=sym.id)},
                                      then=dict(sym.implies), why=f"The guide's heading: {sym.title}.",
                                      source="guide"))
    for alert in kb.alerts:
        if alert.proves and ALERT_OBSERVATION in kb.observations:
            out.append(ImplicationDef(id=f"alert:{alert.code}", when={ALERT_OBSERVATION: Condition(is_=alert.code)},
                                      then=dict(alert.proves), why=f"The carrier's alert {alert.code}: {alert.title}.",
                                      source=alert.source))
    return out


ALERT_OBSERVATION = "alert_code"
ALERT_SUPPORT_WEIGHT = 0.8


def _apply_alerts(kb: KnowledgeBase) -> None:
    """A code whose documented meaning is a cause confirms it (one more `requires`
    alternative); a code that lists a cause among its possible reasons supports it.
    Written once in alerts/<carrier>.yaml, never repeated in the causes."""
    if ALERT_OBSERVATION not in kb.observations:
        return
    confirms: dict[str, list[str]] = {}
    supports: dict[str, list[str]] = {}
    for alert in kb.alerts:
        if alert.cause:
            confirms.setdefault(alert.cause, []).append(alert.code)
        for cid in alert.supports:
            supports.setdefault(cid, []).append(alert.code)
    for cid, cause in kb.causes.items():
        update: dict[str, Any] = {}
        if cid in confirms and ALERT_OBSERVATION not in cause.confirmed_by:
            update["confirmed_by"] = {**cause.confirmed_by, ALERT_OBSERVATION: Condition.model_validate(confirms[cid])}
        if cid in supports and ALERT_OBSERVATION not in cause.supports:
            cond = Condition.model_validate({"in": supports[cid], "weight": ALERT_SUPPORT_WEIGHT})
            update["supports"] = {**cause.supports, ALERT_OBSERVATION: cond}
        if update:
            kb.causes[cid] = cause.model_copy(update=update)


SYMPTOM_OBSERVATION = "symptom"
SYMPTOM_SUPPORT_WEIGHT = 0.9


def _derive_symptom_observation(kb: KnowledgeBase, question: SymptomQuestion | None) -> None:
    """The guide's headings become one observation + question, and each cause
    supports its own heading: derived from symptoms.yaml, never written twice."""
    if question is None or SYMPTOM_OBSERVATION in kb.observations or not kb.symptoms:
        return
    kb.observations[SYMPTOM_OBSERVATION] = ObservationDef(
        id=SYMPTOM_OBSERVATION, type="enum", values=list(kb.symptoms),
        description="The heading of the carrier's guide that matches what is seen; implies that heading's facts.")
    qid = f"q.{SYMPTOM_OBSERVATION}"
    kb.questions = {qid: QuestionDef(id=qid, observation=SYMPTOM_OBSERVATION, text=question.text, help=question.help,
                                     cost=question.cost, labels={s.id: s.title for s in kb.symptoms.values()}),
                    **kb.questions}
    for cid, cause in kb.causes.items():
        if SYMPTOM_OBSERVATION not in cause.supports:
            support = Condition.model_validate({"is": cause.symptom, "weight": SYMPTOM_SUPPORT_WEIGHT})
            kb.causes[cid] = cause.model_copy(update={"supports": {SYMPTOM_OBSERVATION: support, **cause.supports}})


def _empty_trace() -> TraceFile:
    return TraceFile.model_validate({"carrier": {"name": "", "domains": [], "signalling_networks": [], "source": ""},
                                     "reason_patterns": []})



def _shape(doc: SourceDoc, model: type[BaseModel], keys: tuple[str, ...], problems: list[Problem]) -> bool:
    if not isinstance(doc.data, dict):
        problems.append(Problem(doc.file, 1, f"expected a mapping with keys: {', '.join(keys)}"))
        return False
    ok = True
    for key in doc.data:
        if key not in model.model_fields:
            problems.append(Problem(doc.file, doc.line_of((key,)), f"unknown key {key!r} (expected: {', '.join(keys)})"))
            ok = False
    return ok


def _validate(doc: SourceDoc, model: type[M], path: PathKey, data: Any, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and "[" in x))
            line = doc.line_of((*path, *loc))
            where = ".".join(str(x) for x in loc) or "entry"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "required field missing"
            problems.append(Problem(doc.file, line, f"{where}: {msg}"))
        return None


def _list(doc: SourceDoc, model: type[M], path: PathKey, problems: list[Problem]) -> list[M]:
    data: Any = doc.data
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(doc.file, doc.line_of(path), "expected a list"))
        return []
    out = []
    for i, item in enumerate(data):
        got = _validate(doc, model, (*path, i), item, problems)
        if got is not None:
            out.append(got)
    return out


def _items(doc: SourceDoc | None, model: type[M], path: PathKey, kind: str,
           where: dict[str, Located], problems: list[Problem]) -> dict[str, M]:
    if doc is None:
        return {}
    out: dict[str, M] = {}
    data: Any = doc.data
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    if data is None:
        data = []
    if not isinstance(data, list):
        problems.append(Problem(doc.file, doc.line_of(path), f"expected a list of {kind} entries"))
        return {}
    for i, item in enumerate(data):
        got = _validate(doc, model, (*path, i), item, problems)
        if got is None:
            continue
        ident = str(got.id)  # type: ignore[attr-defined]
        if ident in out or (ident in where and kind != "cause"):
            problems.append(Problem(doc.file, doc.line_of((*path, i, "id")), f"duplicate {kind} id {ident!r}"))
            continue
        out[ident] = got
        if ident not in where:
            where[ident] = Located(doc, (*path, i))
    return out


def cross_check(kb: KnowledgeBase) -> list[Problem]:
    """References between files: every id and value named must exist."""
    problems: list[Problem] = []

    def bad(owner: str, msg: str, *more: str | int) -> None:
        f, line = kb.where[owner].at(*more)
        problems.append(Problem(f, line, msg))

    def check_condition(owner: str, obs_id: str, cond: Condition, *path: str | int) -> None:
        obs = kb.observations.get(obs_id)
        if obs is None and obs_id == SYMPTOM_OBSERVATION and kb.symptoms:  # derived from symptoms.yaml later
            for v in cond.named_values():
                if v not in kb.symptoms:
                    bad(owner, f"{v!r} is not a symptom (known: {', '.join(kb.symptoms)})", *path)
            return
        if obs is None:
            bad(owner, f"unknown observation {obs_id!r}", *path)
            return
        if obs.type == "number":
            if not cond.numeric:
                bad(owner, f"{obs_id} is a number: compare it with lt/le/gt/ge", *path)
        elif cond.numeric:
            bad(owner, f"{obs_id} is not a number: numeric bounds do not apply", *path)
        else:
            for v in cond.named_values():
                if v not in obs.values:
                    bad(owner, f"{v!r} is not a value of {obs_id} (allowed: {', '.join(obs.values)})", *path)

    def check_value(owner: str, obs_id: str, value: Any, *path: str | int) -> None:
        obs = kb.observations.get(obs_id)
        if obs is None:
            bad(owner, f"unknown observation {obs_id!r}", *path)
        elif obs.type == "number":
            if not isinstance(value, int | float):
                bad(owner, f"{obs_id} takes a number", *path)
        elif str(value) not in obs.values:
            bad(owner, f"{value!r} is not a value of {obs_id} (allowed: {', '.join(obs.values)})", *path)

    for imp in kb.implications:
        for obs_id, cond in imp.when.items():
            check_condition(imp.id, obs_id, cond, "when", obs_id)
        for obs_id, value in imp.then.items():
            check_value(imp.id, obs_id, value, "then", obs_id)
    for cause in kb.causes.values():
        for other_id in cause.compatible_with:
            if other_id not in kb.causes:
                bad(cause.id, f"unknown cause {other_id!r}", "compatible_with")
        for sym_id in cause.also_under:
            if sym_id not in kb.symptoms:
                bad(cause.id, f"unknown symptom {sym_id!r}", "also_under")
    for q in kb.questions.values():
        obs = kb.observations.get(q.observation)
        if obs is None:
            bad(q.id, f"unknown observation {q.observation!r}", "observation")
            continue
        for label in q.labels:
            if obs.type == "number" or label not in obs.values:
                bad(q.id, f"label for {label!r}, which is not a value of {q.observation}", "labels", label)
    seen_obs: dict[str, str] = {}
    for q in kb.questions.values():
        if q.observation in seen_obs:
            bad(q.id, f"observation {q.observation!r} already has question {seen_obs[q.observation]}", "observation")
        seen_obs[q.observation] = q.id
    for fam in kb.families.values():
        for obs_id, value in fam.implies.items():
            check_value(fam.id, obs_id, value, "implies", obs_id)
    for sym in kb.symptoms.values():
        if sym.family not in kb.families:
            bad(sym.id, f"unknown family {sym.family!r}", "family")
        for obs_id, value in sym.implies.items():
            check_value(sym.id, obs_id, value, "implies", obs_id)
    for cause in kb.causes.values():
        if cause.symptom not in kb.symptoms:
            bad(cause.id, f"unknown symptom {cause.symptom!r}", "symptom")
        for i, alt in enumerate(cause.requires):
            for obs_id, cond in alt.items():
                check_condition(cause.id, obs_id, cond, "requires", i, obs_id)
                if cond.weight is not None:
                    bad(cause.id, "a required condition takes no weight", "requires", i, obs_id)
        for role in ("supports", "contradicts", "confirmed_by"):
            conds: dict[str, Condition] = getattr(cause, role)
            for obs_id, cond in conds.items():
                check_condition(cause.id, obs_id, cond, role, obs_id)
        for other in cause.indistinguishable_from:
            if other.cause not in kb.causes:
                bad(cause.id, f"unknown cause {other.cause!r}", "indistinguishable_from")
    alert_obs = kb.observations.get(ALERT_OBSERVATION)
    for alert in kb.alerts:
        owner = f"alert:{alert.code}"
        loc = kb.where.get(owner)
        f, line = loc.at() if loc else ("knowledge/tips.yaml", 1)
        for cid in [alert.cause] * (alert.cause is not None) + alert.supports:
            if cid not in kb.causes:
                problems.append(Problem(f, line, f"alert {alert.code} names unknown cause {cid!r}"))
        for obs_id, value in alert.proves.items():
            if loc:
                check_value(owner, obs_id, value, "proves", obs_id)
        if alert_obs is not None and alert.code not in alert_obs.values:
            problems.append(Problem(f, line, f"alert {alert.code} is not a value of {ALERT_OBSERVATION}"))
    if alert_obs is not None:
        documented = {a.code for a in kb.alerts}
        for value in alert_obs.values:
            if value not in documented and value not in ("none", "other"):
                o, line = kb.where[ALERT_OBSERVATION].at("values")
                problems.append(Problem(o, line, f"{ALERT_OBSERVATION} value {value!r} has no entry in alerts/*.yaml"))
    for rp in kb.trace.reason_patterns:
        values = kb.observations.get("response_reason")
        if values is not None and rp.value not in values.values:
            problems.append(Problem("trace.yaml", 1, f"reason pattern value {rp.value!r} is not a value of response_reason"))
    problems += check_carriers(kb)
    problems += check_extractors(kb)
    return problems


def check_carriers(kb: KnowledgeBase) -> list[Problem]:
    """Carrier packs: their reason phrases and alert phrases speak the observation vocabulary."""
    problems: list[Problem] = []
    reasons = kb.observations.get("response_reason")
    for name, pack in kb.carriers.items():
        loc = kb.where.get(f"carrier:{name}")
        for i, rp in enumerate(pack.reason_patterns):
            if reasons is not None and rp.value not in reasons.values:
                f, line = loc.at("reason_patterns", i, "value") if loc else (f"carriers/{name}.yaml", 1)
                problems.append(Problem(f, line, f"reason pattern value {rp.value!r} is not a value of response_reason"))
        for i, ap in enumerate(pack.alert_phrases):
            if kb.alert(ap.code) is None:
                f, line = loc.at("alert_phrases", i, "code") if loc else (f"carriers/{name}.yaml", 1)
                problems.append(Problem(f, line, f"alert phrase names code {ap.code}, which no alerts/*.yaml defines"))
    return problems


def check_extractors(kb: KnowledgeBase) -> list[Problem]:
    """Every observation (and value) a trace extractor declares must exist in observations.yaml."""
    problems: list[Problem] = []
    for area, decl in kb.extractors.items():
        loc = kb.where.get(f"extractor:{area}")
        for obs_id, values in decl.produces.items():
            f, line = loc.at("produces", obs_id) if loc else ("knowledge/extractors.yaml", 1)
            obs = kb.observations.get(obs_id)
            if obs is None:
                problems.append(Problem(f, line, f"extractor {area!r} declares unknown observation {obs_id!r}"))
                continue
            if values == "any":
                continue
            if obs.type == "number":
                problems.append(Problem(f, line, f"{obs_id} is a number: declare it as `any`, not a list of values"))
                continue
            for v in values:
                if v not in obs.values:
                    problems.append(Problem(f, line, f"extractor {area!r} declares {obs_id}={v!r}, not a value of {obs_id}"))
    return problems


def schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of every knowledge file, for editor validation."""
    adapters: Iterable[tuple[str, Any]] = (
        ("observations.schema.json", TypeAdapter(list[ObservationDef])),
        ("questions.schema.json", TypeAdapter(list[QuestionDef])),
        ("causes.schema.json", TypeAdapter(list[CauseDef])),
        ("symptoms.schema.json", TypeAdapter(SymptomsFile)),
        ("tips.schema.json", TypeAdapter(TipsFile)),
        ("alerts.schema.json", TypeAdapter(AlertsFile)),
        ("trace.schema.json", TypeAdapter(TraceFile)),
        ("carrier.schema.json", TypeAdapter(CarrierPack)),
        ("extractors.schema.json", TypeAdapter(ExtractorsFile)),
    )
    return {name: adapter.json_schema(by_alias=True) for name, adapter in adapters}
