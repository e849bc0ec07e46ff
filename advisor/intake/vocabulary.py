"""The intake's vocabulary (knowledge/intake.yaml): pydantic models, loading with
file:line problems, and the cross-check against observations and symptoms.

Kept apart from the knowledge base loader so that a broken phrase list never
stops the engine from loading; `advisor kb check` reports both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import Ident
from advisor.kb.yamlsrc import PathKey, Problem, SourceDoc, read_yaml

VOCABULARY_FILE = "intake.yaml"

Value = str | float
Confidence = Annotated[float, Field(gt=0, le=1)]


def _yes_no(v: Any) -> Any:
    """YAML 1.1 reads bare yes/no as booleans; observation values say "yes"/"no"."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Facts(_Strict):
    """Base for entries that set observation values: yes/no are normalised."""

    @field_validator("set_", "negated_set", "implies", "only_with", "when", "challenge_sets",
                     "negated_challenge_sets", mode="before", check_fields=False)
    @classmethod
    def _normalise(cls, v: Any) -> Any:
        return {k: _yes_no(x) for k, x in v.items()} if isinstance(v, dict) else v


class FuzzyConfig(_Strict):
    min_length: int = Field(5, ge=3)
    min_similarity: float = Field(0.8, gt=0, le=1)
    penalty: float = Field(0.05, ge=0, lt=1)
    never_correct: list[str] = Field(default_factory=list)
    extra_words: list[str] = Field(default_factory=list)


class NegationConfig(_Strict):
    cues: list[str] = Field(min_length=1)
    window: int = Field(3, ge=1, le=10)


class PhraseRule(_Facts):
    """Words or patterns that mean observation values."""

    id: Ident
    set_: dict[str, Value] = Field(alias="set", min_length=1)
    confidence: Confidence
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    negation: Literal["drop", "ignore"] = "drop"
    negated_set: dict[str, Value] = Field(default_factory=dict)
    skip_if_clause_has: list[str] = Field(default_factory=list)
    skip_if_working: bool = False
    only_with: dict[str, Value] = Field(default_factory=dict)
    implies: dict[str, Value] = Field(default_factory=dict)
    implied_confidence: Confidence | None = None

    @field_validator("patterns", "skip_if_clause_has")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        return [_compiles(p) for p in v]

    @model_validator(mode="after")
    def _has_words(self) -> PhraseRule:
        if not self.phrases and not self.patterns:
            raise ValueError("a phrase rule needs `phrases` or `patterns`")
        return self


class StatusCode(_Facts):
    code: Annotated[str, Field(pattern=r"^[1-6]\d\d$")]
    value: str
    phrases: list[str] = Field(default_factory=list)
    implies: dict[str, Value] = Field(default_factory=dict)
    bare: bool = Field(True, description="may a bare number (not on a status line) name this code?")

    @field_validator("code", "value", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class StatusConfidence(_Strict):
    status_line: Confidence
    with_reason: Confidence
    with_cue: Confidence
    bare: Confidence


class StatusConfig(_Facts):
    observation: str
    reason_observation: str
    plain_value: str
    other_value: str
    challenge_codes: list[str] = Field(default_factory=list)
    challenge_sets: dict[str, Value] = Field(default_factory=dict)
    negated_challenge_sets: dict[str, Value] = Field(default_factory=dict)
    provisional: list[str] = Field(default_factory=list)
    cue_words: list[str] = Field(default_factory=list)
    count_words: list[str] = Field(default_factory=list)
    negation_window: int = Field(2, ge=1, le=10)
    confidence: StatusConfidence
    codes: list[StatusCode] = Field(min_length=1)


class AlertConfig(_Strict):
    observation: str
    pattern: str
    other_value: str
    confidence: Confidence

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        return _compiles(v)


class DropConfig(_Facts):
    verbs: list[str] = Field(min_length=1)
    skip_if_clause_has: list[str] = Field(default_factory=list)
    seconds_observation: str
    set_: dict[str, Value] = Field(alias="set", min_length=1)
    implies: dict[str, Value] = Field(default_factory=dict)
    window: tuple[float, float]
    confidence_with_duration: Confidence
    confidence_without_duration: Confidence
    vague: list[str] = Field(default_factory=list)
    confidence_vague: Confidence = 0.7
    number_words: dict[str, float] = Field(default_factory=dict)
    fixed: dict[str, float] = Field(default_factory=dict)
    units: dict[str, float] = Field(min_length=1)

    @field_validator("skip_if_clause_has")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        return [_compiles(p) for p in v]


class HearingConfig(_Facts):
    observation: str
    confidence: Confidence
    implies: dict[str, Value] = Field(default_factory=dict)
    sides: dict[Literal["pbx", "pstn"], list[str]]
    hears_nothing: list[str] = Field(min_length=1)
    values: dict[Literal["pbx", "pstn", "both"], str]

    @field_validator("hears_nothing")
    @classmethod
    def _templates(cls, v: list[str]) -> list[str]:
        for p in v:
            if "{side}" not in p:
                raise ValueError(f"pattern {p!r} needs a {{side}} placeholder")
            _compiles(p.replace("{side}", "(?:x)"))
        return v


class CaptureRule(_Facts):
    id: Ident
    pattern: str
    check: Literal["e164", "private_address", "carrier_host"]
    observation: str
    values: dict[Literal["yes", "no"], str]
    confidence: Confidence

    @field_validator("values", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return {_yes_no(k): _yes_no(x) for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("pattern")
    @classmethod
    def _group(cls, v: str) -> str:
        if "(?P<value>" not in _compiles(v):
            raise ValueError("a capture pattern needs a (?P<value>...) group")
        return v


class NumberRule(_Strict):
    id: Ident
    pattern: str
    observation: str
    confidence: Confidence

    @field_validator("pattern")
    @classmethod
    def _group(cls, v: str) -> str:
        if "(?P<n>" not in _compiles(v):
            raise ValueError("a number pattern needs a (?P<n>...) group")
        return v


class Override(_Strict):
    observation: str
    value: str
    over: list[str] = Field(min_length=1)


class DeriveRule(_Facts):
    id: Ident
    when: dict[str, Value] = Field(min_length=1)
    set_: dict[str, Value] = Field(alias="set", min_length=1)
    confidence: Confidence


class Vocabulary(_Strict):
    """All of knowledge/intake.yaml."""

    threshold: Confidence
    max_chars: int = Field(20000, ge=100)
    fuzzy: FuzzyConfig
    respell: dict[str, str] = Field(default_factory=dict)
    negation: NegationConfig
    clause_breaks: list[str] = Field(default_factory=list)
    filler: list[str] = Field(default_factory=list)
    working_cues: list[str] = Field(default_factory=list)
    phrases: list[PhraseRule] = Field(default_factory=list)
    status: StatusConfig
    generic_reasons_confidence: Confidence = 0.85
    alerts: AlertConfig | None = None
    drops: DropConfig
    hearing: HearingConfig
    captures: list[CaptureRule] = Field(default_factory=list)
    numbers: list[NumberRule] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    derive: list[DeriveRule] = Field(default_factory=list)
    countries: dict[str, str] = Field(default_factory=dict)
    input_probes: dict[Literal["phone_number", "ip_address", "host", "country"], str] = Field(default_factory=dict)

    @field_validator("working_cues")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        return [_compiles(p) for p in v]

    @model_validator(mode="after")
    def _unique_ids(self) -> Vocabulary:
        seen: set[str] = set()
        for rid in [r.id for r in self.phrases] + [c.id for c in self.captures] + [n.id for n in self.numbers] \
                + [d.id for d in self.derive]:
            if rid in seen:
                raise ValueError(f"duplicate rule id {rid!r}")
            seen.add(rid)
        return self


class VocabularyError(Exception):
    """intake.yaml has problems; each is one `file:line: reason`."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the intake vocabulary")
        self.problems = problems


def vocabulary_path(kb: KnowledgeBase) -> Path:
    return kb.root / VOCABULARY_FILE


def load_vocabulary(kb: KnowledgeBase, path: Path | None = None) -> Vocabulary:
    """Read, validate and cross-check the vocabulary; raises VocabularyError."""
    path = path or vocabulary_path(kb)
    display = _display(kb, path)
    if not path.is_file():
        raise VocabularyError([Problem(display, 1, "intake vocabulary file is missing")])
    doc, problems = read_yaml(path, display)
    if doc is None or problems:
        raise VocabularyError(problems)
    try:
        vocab = Vocabulary.model_validate(doc.data)
    except ValidationError as exc:
        raise VocabularyError(_validation_problems(doc, exc)) from None
    problems = cross_check(kb, vocab, doc)
    if problems:
        raise VocabularyError(problems)
    return vocab


def check_vocabulary(kb: KnowledgeBase) -> list[Problem]:
    """Every problem of the shipped vocabulary (empty when it is fine)."""
    try:
        load_vocabulary(kb)
    except VocabularyError as exc:
        return exc.problems
    return []


def _display(kb: KnowledgeBase, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(kb.root.parent))
    except ValueError:
        return str(path)


def _validation_problems(doc: SourceDoc, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc: PathKey = tuple(x for x in err["loc"] if not (isinstance(x, str) and "[" in x))
        where = ".".join(str(x) for x in loc) or "file"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field missing"
        out.append(Problem(doc.file, doc.line_of(tuple("set" if x == "set_" else x for x in loc)), f"{where}: {msg}"))
    return out


def cross_check(kb: KnowledgeBase, vocab: Vocabulary, doc: SourceDoc) -> list[Problem]:
    """Every observation and value named must exist in observations.yaml (and symptoms)."""
    problems: list[Problem] = []

    def bad(path: PathKey, msg: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(path), msg))

    def obs_exists(obs_id: str, path: PathKey) -> bool:
        if obs_id not in kb.observations:
            bad(path, f"unknown observation {obs_id!r}")
            return False
        return True

    def value_ok(obs_id: str, value: Value, path: PathKey) -> None:
        if not obs_exists(obs_id, path):
            return
        obs = kb.observations[obs_id]
        if obs.type == "number":
            if not isinstance(value, int | float):
                bad(path, f"{obs_id} takes a number, not {value!r}")
        elif str(value) not in obs.values:
            bad(path, f"{value!r} is not a value of {obs_id} (allowed: {', '.join(obs.values)})")

    def facts(mapping: dict[str, Value], *path: str | int) -> None:
        for obs_id, value in mapping.items():
            value_ok(obs_id, value, (*path, obs_id))

    for i, rule in enumerate(vocab.phrases):
        for key in ("set", "negated_set", "only_with", "implies"):
            facts(getattr(rule, "set_" if key == "set" else key), "phrases", i, key)
    st = vocab.status
    obs_exists(st.observation, ("status", "observation"))
    value_ok(st.reason_observation, st.plain_value, ("status", "plain_value"))
    value_ok(st.observation, st.other_value, ("status", "other_value"))
    facts(st.challenge_sets, "status", "challenge_sets")
    facts(st.negated_challenge_sets, "status", "negated_challenge_sets")
    codes = {c.code for c in st.codes}
    for code in st.challenge_codes:
        if code not in codes:
            bad(("status", "challenge_codes"), f"challenge code {code} is not listed under codes")
    for i, c in enumerate(st.codes):
        value_ok(st.observation, c.value, ("status", "codes", i, "value"))
        facts(c.implies, "status", "codes", i, "implies")
    if vocab.alerts is not None:
        value_ok(vocab.alerts.observation, vocab.alerts.other_value, ("alerts", "other_value"))
    dr = vocab.drops
    obs_exists(dr.seconds_observation, ("drops", "seconds_observation"))
    facts(dr.set_, "drops", "set")
    facts(dr.implies, "drops", "implies")
    he = vocab.hearing
    for side, value in he.values.items():
        value_ok(he.observation, value, ("hearing", "values", side))
    facts(he.implies, "hearing", "implies")
    for i, cap in enumerate(vocab.captures):
        for key, value in cap.values.items():
            value_ok(cap.observation, value, ("captures", i, "values", key))
    for i, num in enumerate(vocab.numbers):
        if obs_exists(num.observation, ("numbers", i, "observation")) \
                and kb.observations[num.observation].type != "number":
            bad(("numbers", i, "observation"), f"{num.observation} is not a number observation")
    for i, ov in enumerate(vocab.overrides):
        for value in [ov.value, *ov.over]:
            value_ok(ov.observation, value, ("overrides", i))
    for i, d in enumerate(vocab.derive):
        facts(d.when, "derive", i, "when")
        facts(d.set_, "derive", i, "set")
    probes = _probe_ids(kb)
    if probes is not None:
        for kind, probe in vocab.input_probes.items():
            if probe not in probes:
                bad(("input_probes", kind), f"unknown probe {probe!r} (knowledge/probes.yaml has: {', '.join(probes)})")
    return problems


def _probe_ids(kb: KnowledgeBase) -> list[str] | None:
    """The probe ids of knowledge/probes.yaml (None when the knowledge base has no probes)."""
    path = kb.root / "probes.yaml"
    if not path.is_file():
        return None
    doc, _ = read_yaml(path)
    data = doc.data if doc is not None else None
    items = data.get("probes") if isinstance(data, dict) else None
    return [str(p.get("id")) for p in items if isinstance(p, dict)] if isinstance(items, list) else []
