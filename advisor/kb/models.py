"""Pydantic models of the knowledge files (the schema authors write against)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

UNKNOWN = "unknown"
"""The value every observation accepts for "I don't know"; never evidence."""

Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", min_length=1, max_length=80)]
ObsValue = str | float
SourceUrl = Annotated[str, Field(pattern=r"^https?://\S+$")]


class StrictModel(BaseModel):
    # defer_build: schemas are built on first validation, so a start from the compiled cache
    # (advisor/kb/cache.py: no validation at all) does not pay ~80 ms of pydantic schema building
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def _scalar(value: Any) -> Any:
    """YAML 1.1 reads bare yes/no as booleans; the vocabulary says "yes"/"no"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return value


def _yes_no_values(cls: type, v: Any) -> Any:
    """A mapping of observation -> value written in YAML: bare yes/no become the vocabulary's strings."""
    return {k: _scalar(x) for k, x in v.items()} if isinstance(v, dict) else v


class ObservationDef(StrictModel):
    """One fact of the shared vocabulary."""

    id: Ident
    type: Literal["enum", "bool", "number"]
    values: list[str] = Field(default_factory=list)
    unit: str | None = None
    description: str

    @model_validator(mode="after")
    def _values_fit_type(self) -> ObservationDef:
        if self.type == "bool":
            if self.values and sorted(self.values) != ["no", "yes"]:
                raise ValueError("a bool observation has the values yes/no; leave `values` out")
            object.__setattr__(self, "values", ["yes", "no"])
        elif self.type == "enum":
            if len(self.values) < 2:
                raise ValueError("an enum observation needs at least two values")
            if len(set(self.values)) != len(self.values):
                raise ValueError("enum values must be distinct")
            if UNKNOWN in self.values:
                raise ValueError(f"'{UNKNOWN}' is reserved for \"I don't know\"")
        elif self.values:
            raise ValueError("a number observation takes no `values` (causes compare it with thresholds)")
        return self

    @field_validator("values", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        return [str(_scalar(x)) for x in v] if isinstance(v, list) else v


class Condition(StrictModel):
    """A test on one observation's value; written as a value, a list, or a mapping."""

    is_: str | None = Field(None, alias="is")
    in_: list[str] | None = Field(None, alias="in")
    not_: list[str] | None = Field(None, alias="not")
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    weight: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"in": [str(_scalar(x)) for x in data]}
        if isinstance(data, dict):
            out = dict(data)
            for key in ("is",):
                if key in out and not isinstance(out[key], list | dict):
                    out[key] = str(_scalar(out[key]))
            for key in ("in", "not"):
                if key in out and isinstance(out[key], list):
                    out[key] = [str(_scalar(x)) for x in out[key]]
            return out
        if isinstance(data, str | bool | int | float):
            return {"is": str(_scalar(data))}
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        sets = [x is not None for x in (self.is_, self.in_, self.not_)]
        nums = [x is not None for x in (self.lt, self.le, self.gt, self.ge)]
        if sum(sets) > 1 or (any(sets) and any(nums)):
            raise ValueError("use one of `is`, `in`, `not`, or numeric bounds (lt/le/gt/ge)")
        if not any(sets) and not any(nums):
            raise ValueError("a condition needs a value, a list, `not`, or numeric bounds")
        return self

    @property
    def numeric(self) -> bool:
        return self.is_ is None and self.in_ is None and self.not_ is None

    def holds(self, value: ObsValue) -> bool:
        """True when a known value satisfies the condition."""
        if self.numeric:
            try:
                x = float(value)
            except (TypeError, ValueError):
                return False
            return (
                (self.lt is None or x < self.lt)
                and (self.le is None or x <= self.le)
                and (self.gt is None or x > self.gt)
                and (self.ge is None or x >= self.ge)
            )
        text = str(value)
        if self.is_ is not None:
            return text == self.is_
        if self.in_ is not None:
            return text in self.in_
        return text not in (self.not_ or [])

    def named_values(self) -> list[str]:
        return [self.is_] if self.is_ is not None else list(self.in_ or self.not_ or [])

    def thresholds(self) -> list[float]:
        return [x for x in (self.lt, self.le, self.gt, self.ge) if x is not None]

    def describe(self) -> str:
        if self.is_ is not None:
            return f"= {self.is_}"
        if self.in_ is not None:
            return "in {" + ", ".join(self.in_) + "}"
        if self.not_ is not None:
            return "not in {" + ", ".join(self.not_) + "}"
        parts = []
        for op, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            bound = getattr(self, op)
            if bound is not None:
                parts.append(f"{sym} {bound:g}")
        return " and ".join(parts)


Conditions = dict[str, Condition]


class Indistinct(StrictModel):
    cause: str
    reason: str


class CauseDef(StrictModel):
    """A root cause: what confirms it, what makes it likelier or unlikelier, its fix."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+){1,4}$")]
    title: str
    symptom: str
    guide: str
    mechanism: str
    requires: list[Conditions] = Field(min_length=1)
    supports: Conditions = Field(default_factory=dict)
    contradicts: Conditions = Field(default_factory=dict)
    confirmed_by: Conditions = Field(
        default_factory=dict,
        description="a fact that proves the cause on its own (e.g. the carrier's alert code), unless `requires` is broken")
    fix: list[str] = Field(min_length=1)
    prior: float = Field(1.0, gt=0)
    indistinguishable_from: list[Indistinct] = Field(default_factory=list)
    direction: Literal["termination", "origination", "any"] | None = Field(
        None, description="call direction the cause belongs to; default from the id (term./orig.), else any; "
                          "the other direction rules the cause out")
    outcome: bool = Field(False, description="not a fault: the trunk worked and the far end answered (e.g. busy)")
    compatible_with: list[str] = Field(default_factory=list,
                                       description="causes that may be confirmed together with this one")
    also_under: list[str] = Field(default_factory=list,
                                  description="symptoms of other families under which the cause is legitimately possible")
    sources: list[SourceUrl] = Field(default_factory=list,
                                     description="where each fact beyond the seed guide is documented (URLs)")

    @field_validator("requires", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v

    @field_validator("requires")
    @classmethod
    def _no_empty_alternative(cls, v: list[Conditions]) -> list[Conditions]:
        if any(not alt for alt in v):
            raise ValueError("an alternative in `requires` has no conditions")
        return v

    def required_observations(self) -> set[str]:
        return {o for alt in self.requires for o in alt}


class ImplicationDef(StrictModel):
    """A derived fact: when these observations hold, these others follow."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_:.\-]+$")]
    when: Conditions = Field(min_length=1)
    then: dict[str, ObsValue] = Field(min_length=1)
    why: str
    source: str = Field(description='"guide", "sip" (RFC 3261 behaviour) or a URL of the carrier\'s docs')

    _yes_no = field_validator("then", mode="before")(_yes_no_values)

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str) -> str:
        if v not in ("guide", "sip") and not re.match(r"^https?://\S+$", v):
            raise ValueError('source is "guide", "sip" or a URL')
        return v


class QuestionDef(StrictModel):
    id: Annotated[str, Field(pattern=r"^q\.[a-z0-9_.]+$")]
    observation: str
    text: str
    help: str
    cost: int = Field(ge=1, le=5)
    labels: dict[str, str] = Field(default_factory=dict)


class FamilyDef(StrictModel):
    id: Ident
    title: str
    implies: dict[str, ObsValue] = Field(default_factory=dict)

    _yes_no = field_validator("implies", mode="before")(_yes_no_values)


class SymptomDef(FamilyDef):
    family: str
    guide: str


class SymptomQuestion(StrictModel):
    text: str
    help: str
    cost: int = Field(1, ge=1, le=5)


class SymptomsFile(StrictModel):
    question: SymptomQuestion | None = None
    families: list[FamilyDef]
    symptoms: list[SymptomDef]


class TipDef(StrictModel):
    id: Ident
    title: str
    guide: str
    text: str


class AlertDef(StrictModel):
    """One carrier debugger alert code: what it proves and which cause it points at."""

    code: Annotated[str, Field(pattern=r"^[0-9]{5}$")]
    title: str
    level: Literal["error", "warning"] | None = None
    cause: str | None = Field(None, description="the cause the code's documented meaning proves (confirms it)")
    supports: list[str] = Field(default_factory=list, description="causes the code makes likelier")
    proves: dict[str, ObsValue] = Field(default_factory=dict, description="facts the alert establishes")
    note: str | None = None
    source: SourceUrl

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    _yes_no = field_validator("proves", mode="before")(_yes_no_values)


class AlertsFile(StrictModel):
    """knowledge/alerts/<carrier>.yaml: the carrier's alert dictionary as evidence."""

    carrier: str
    source: SourceUrl
    alerts: list[AlertDef]


class TipsFile(StrictModel):
    tips: list[TipDef]
    alerts: list[AlertDef] = Field(default_factory=list, description="deprecated: use alerts/<carrier>.yaml")


class Network(StrictModel):
    cidr: str
    region: str

    @field_validator("cidr")
    @classmethod
    def _valid(cls, v: str) -> str:
        import ipaddress

        ipaddress.ip_network(v, strict=False)
        return v


class CarrierDef(StrictModel):
    name: str
    domains: list[str]
    signalling_networks: list[Network]
    media_networks: list[Network] = Field(default_factory=list)
    internal_networks: list[str] = Field(default_factory=list)
    user_agent_patterns: list[str] = Field(default_factory=list)
    source: str


class ReasonPattern(StrictModel):
    pattern: str
    value: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        return v


class TraceThresholds(StrictModel):
    """Numbers the trace extractors compare with; typed so a typo is a load error, not a silent default."""

    drop_window_seconds: tuple[float, float] = Field((20.0, 40.0), description="BYE this long after the 200 OK = the lost-ACK drop")
    default_cps_limit: float = Field(1.0, gt=0, description="a trunk's calls per second unless the context says otherwise")
    trial_concurrent_limit: float = Field(4.0, gt=0, description="concurrent calls above this are reported")
    low_rtp_ttl: float = Field(10.0, ge=0, description="RTP leaving with this IP TTL or less expires on the way")
    min_session_expires_seconds: float = Field(90.0, gt=0, description="RFC 4028 section 4: the smallest Session-Expires allowed")
    unanswered_after_seconds: float = Field(4.0, gt=0, description="a request with no response for this long, in a trace that goes on, is unanswered")
    timer_g_transmissions: int = Field(8, gt=1, description="this many 200 OKs without times = 20-32 s of retransmission (RFC 3261 timer G)")
    options_unanswered_after_seconds: float = Field(10.0, gt=0, description="an OPTIONS ping left unanswered this long is a timeout")


class TraceFile(StrictModel):
    carrier: CarrierDef = Field(default_factory=lambda: CarrierDef(name="", domains=[], signalling_networks=[], source=""),
                                description="deprecated here: carriers/<name>.yaml; filled from the default pack")
    reason_patterns: list[ReasonPattern]
    reason_headers: list[str] = Field(default_factory=lambda: ["reason", "warning"])
    thresholds: TraceThresholds = Field(default_factory=TraceThresholds)


class AlertPhrase(StrictModel):
    """Debugger wording that names one alert code, for pastes that quote the text without the code.

    The pattern may capture the number the wording quotes as a named group `caller` (the caller ID)
    or `number` (the dialled number); the logs extractor then judges that value's format."""

    pattern: str
    code: Annotated[str, Field(pattern=r"^[0-9]{5}$")]

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            compiled = re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        unknown = set(compiled.groupindex) - {"caller", "number"}
        if unknown:
            raise ValueError(f"named groups may only be 'caller' or 'number', not {sorted(unknown)}")
        return v


class CallLogColumns(StrictModel):
    """Header names of the carrier's call-log CSV export (its console's "Download CSV")."""

    call_id: str
    direction: str
    status: str
    from_: str = Field(alias="from")
    to: str
    duration: str | None = None
    start: str | None = None
    termination_directions: list[str] = Field(default_factory=list, description="Direction values of calls to the PSTN")
    origination_directions: list[str] = Field(default_factory=list, description="Direction values of calls from the PSTN")
    failed_statuses: list[str] = Field(default_factory=list)


class CarrierPack(StrictModel):
    """knowledge/carriers/<name>.yaml: everything the trace reader knows about one carrier.

    With alerts/<name>.yaml (its debugger codes) it is the carrier's pack; adding a carrier
    needs no code."""

    name: str = Field(description="display name")
    default: bool = Field(False, description="the carrier assumed when the trace does not name one")
    trunk_domains: list[str] = Field(min_length=1, description="termination URIs end in these; labels may sit between the first label and the rest (regional edges)")
    other_domains: list[str] = Field(default_factory=list, description="the carrier's hosts that are NOT trunk termination URIs (e.g. programmable SIP domains)")
    signalling_networks: list[Network]
    media_networks: list[Network] = Field(default_factory=list)
    private_networks: list[str] = Field(default_factory=list, description="the carrier's own internal ranges, normal in its Contact, Via and SDP o=")
    user_agent_patterns: list[str] = Field(default_factory=list)
    signature_headers: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9!%*+`'~._-]{2,64}$")]] = Field(
        default_factory=list, description="header names only the carrier's own SIP carries; one ending in '-' is a prefix"
                                          " (X-Twilio-)")
    reason_patterns: list[ReasonPattern] = Field(default_factory=list, description="the carrier's own reason phrases, read before the generic ones")
    alert_phrases: list[AlertPhrase] = Field(default_factory=list)
    call_log: CallLogColumns | None = None
    source: list[SourceUrl] = Field(min_length=1)

    @field_validator("private_networks")
    @classmethod
    def _nets(cls, v: list[str]) -> list[str]:
        import ipaddress

        for n in v:
            ipaddress.ip_network(n, strict=False)
        return v

    def as_carrier_def(self) -> CarrierDef:
        return CarrierDef(name=self.name, domains=[*self.trunk_domains, *self.other_domains],
                          signalling_networks=self.signalling_networks, media_networks=self.media_networks,
                          internal_networks=self.private_networks, user_agent_patterns=self.user_agent_patterns,
                          source=self.source[0])


class ExtractorDecl(StrictModel):
    """One area of trace evidence and the observations (and values) it may produce."""

    area: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    description: str
    produces: dict[str, list[str] | Literal["any"]] = Field(min_length=1, description="observation -> its values this area may emit, or any")

    @field_validator("produces", mode="before")
    @classmethod
    def _values_text(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {k: x if x == "any" else [str(_scalar(y)) for y in x] if isinstance(x, list) else x for k, x in v.items()}


class ExtractorsFile(StrictModel):
    """knowledge/extractors.yaml: what each trace extractor is allowed to conclude."""

    extractors: list[ExtractorDecl] = Field(min_length=1)


class CatalogFile(StrictModel):
    catalog: list[str] = Field(min_length=1)
