"""What reading a trace needs of the knowledge base, as plain data, and a cache of it.

`advisor trace` needs only a small part of the knowledge: the carrier packs
(networks, domains, reason phrases, alert wording, call-log columns), the
trace thresholds and reason patterns, the observation vocabulary the
extractors must stay within, their declarations, and the alert titles.  The
full knowledge base is validated with pydantic, whose import alone costs
~12 MB and ~0.1 s per run, the YAML parser on top.  So the trace pipeline
(sides, extractors, the streamed JSON report) reads this `TraceKnowledge`
instead, made from the validated `KnowledgeBase` (`trace_knowledge(kb)`),
and `load_trace_knowledge()` keeps it as JSON in the user cache, under a key
made of every knowledge file, the code that reads them and the versions
involved, like `advisor.kb.cache` (checksums, size and time of every file):
any change rebuilds it from the validated knowledge base, and a broken knowledge base is never cached (the
loader reports it, file:line, every time).  `ADVISOR_NO_CACHE=1` turns the
cache off, `ADVISOR_CACHE_DIR` moves it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase
    from advisor.kb.models import CarrierPack

__all__ = ["AlertTitle", "CallLogColumns", "CarrierKnowledge", "KnowledgeError", "ReasonRule", "Thresholds",
           "TraceKnowledge",
           "as_carrier", "load_trace_knowledge", "trace_knowledge"]

PREFIX = "trace-"
_CODE = ("kb", "engine", "evidence")
"""Packages whose code shapes what is cached (a change there rebuilds it)."""


@dataclass(frozen=True)
class ReasonRule:
    pattern: str
    value: str


@dataclass(frozen=True)
class AlertPhraseRule:
    pattern: str
    code: str


@dataclass(frozen=True)
class CallLogColumns:
    call_id: str
    direction: str
    status: str
    from_: str
    to: str
    termination_directions: list[str] = field(default_factory=list)
    origination_directions: list[str] = field(default_factory=list)
    failed_statuses: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CarrierKnowledge:
    """One carrier pack (knowledge/carriers/<name>.yaml) as the trace reader uses it."""

    name: str
    trunk_domains: list[str]
    other_domains: list[str]
    signalling_networks: list[str]  # CIDRs
    media_networks: list[str]
    private_networks: list[str]
    user_agent_patterns: list[str]
    reason_patterns: list[ReasonRule]
    alert_phrases: list[AlertPhraseRule]
    call_log: CallLogColumns | None = None
    signature_headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Thresholds:
    """knowledge/trace.yaml `thresholds` (validated by kb.models.TraceThresholds)."""

    drop_window_seconds: tuple[float, float]
    default_cps_limit: float
    trial_concurrent_limit: float
    low_rtp_ttl: float
    min_session_expires_seconds: float
    unanswered_after_seconds: float
    timer_g_transmissions: int
    options_unanswered_after_seconds: float


@dataclass(frozen=True)
class AlertTitle:
    code: str
    title: str


@dataclass(frozen=True)
class TraceKnowledge:
    carriers: dict[str, CarrierKnowledge]
    default_carrier: str | None
    reason_patterns: list[ReasonRule]
    reason_headers: list[str]
    thresholds: Thresholds
    observations: dict[str, list[str]]  # observation id -> its values (empty for numbers)
    extractors: dict[str, dict[str, list[str] | Literal["any"]]]  # area -> observation -> values it may emit
    alerts: dict[str, AlertTitle] = field(default_factory=dict)

    def alert(self, code: str) -> AlertTitle | None:
        return self.alerts.get(code)


def as_carrier(pack: CarrierPack | CarrierKnowledge) -> CarrierKnowledge:
    """A carrier pack of the validated knowledge base as plain data (a plain one is returned as is)."""
    if isinstance(pack, CarrierKnowledge):
        return pack
    cols = pack.call_log
    return CarrierKnowledge(
        name=pack.name, trunk_domains=list(pack.trunk_domains), other_domains=list(pack.other_domains),
        signalling_networks=[n.cidr for n in pack.signalling_networks],
        media_networks=[n.cidr for n in pack.media_networks], private_networks=list(pack.private_networks),
        user_agent_patterns=list(pack.user_agent_patterns), signature_headers=list(pack.signature_headers),
        reason_patterns=[ReasonRule(p.pattern, p.value) for p in pack.reason_patterns],
        alert_phrases=[AlertPhraseRule(p.pattern, p.code) for p in pack.alert_phrases],
        call_log=None if cols is None else CallLogColumns(
            call_id=cols.call_id, direction=cols.direction, status=cols.status, from_=cols.from_, to=cols.to,
            termination_directions=list(cols.termination_directions),
            origination_directions=list(cols.origination_directions), failed_statuses=list(cols.failed_statuses)))


_FROM_KB: dict[int, tuple[KnowledgeBase, TraceKnowledge]] = {}


def trace_knowledge(kb: KnowledgeBase | TraceKnowledge) -> TraceKnowledge:
    """The trace's part of a validated knowledge base (made once per knowledge base object)."""
    if isinstance(kb, TraceKnowledge):
        return kb
    hit = _FROM_KB.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    th = kb.trace.thresholds
    alerts: dict[str, AlertTitle] = {}
    for a in kb.alerts:  # kb.alert(code) answers the first definition of a code
        alerts.setdefault(a.code, AlertTitle(a.code, a.title))
    tk = TraceKnowledge(
        carriers={name: as_carrier(p) for name, p in kb.carriers.items()}, default_carrier=kb.default_carrier,
        reason_patterns=[ReasonRule(p.pattern, p.value) for p in kb.trace.reason_patterns],
        reason_headers=list(kb.trace.reason_headers),
        thresholds=Thresholds(
            drop_window_seconds=(float(th.drop_window_seconds[0]), float(th.drop_window_seconds[1])),
            default_cps_limit=th.default_cps_limit, trial_concurrent_limit=th.trial_concurrent_limit,
            low_rtp_ttl=th.low_rtp_ttl, min_session_expires_seconds=th.min_session_expires_seconds,
            unanswered_after_seconds=th.unanswered_after_seconds, timer_g_transmissions=th.timer_g_transmissions,
            options_unanswered_after_seconds=th.options_unanswered_after_seconds),
        observations={oid: list(o.values) for oid, o in kb.observations.items()},
        extractors={area: {oid: v if v == "any" else list(v) for oid, v in d.produces.items()}
                    for area, d in kb.extractors.items()},
        alerts=alerts)
    if len(_FROM_KB) > 16:
        _FROM_KB.clear()
    _FROM_KB[id(kb)] = (kb, tk)
    return tk


# --------------------------------------------------------------------------- the cache


def load_trace_knowledge(directory: Path | None = None, cache: Path | None = None) -> TraceKnowledge:
    """The trace knowledge, from the cache when it is current, else from the validated knowledge base.

    Raises KnowledgeError (the loader's problems, file:line) for a broken knowledge base.
    """
    from advisor.kb.paths import default_knowledge_dir

    root = (directory or default_knowledge_dir()).resolve()
    if os.environ.get("ADVISOR_NO_CACHE"):
        return _build(root)
    try:
        where = cache or _cache_dir()
        key = _key(root)
    except (OSError, ImportError):
        return _build(root)
    entry = where / f"{PREFIX}{key}.json"
    tk = _read(entry)
    if tk is None:
        tk = _build(root)
        _write(entry, tk)
    return tk


def _cache_dir() -> Path:
    """advisor.kb.cache.cache_dir(), without importing that module (it imports hashlib and pickle)."""
    override = os.environ.get("ADVISOR_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sip-trunk-advisor"))


class KnowledgeError(Exception):
    """The knowledge base does not load; `problems` are the loader's lines (file:line: what)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _build(root: Path) -> TraceKnowledge:
    from advisor.kb.loader import KBError, load_kb

    try:
        return trace_knowledge(load_kb(root))
    except KBError as exc:
        raise KnowledgeError([str(p) for p in exc.problems]) from None


def _key(root: Path) -> str:
    """A digest of every knowledge file, the code that reads them and the versions involved.

    CRC-32 and Adler-32 of every byte, with each file's path, size and modification time: any
    edit changes the key.  zlib, not hashlib: importing hashlib maps OpenSSL's libcrypto, ~3.5 MB
    of the trace reader's memory floor, for a cache key that guards against edits, not attacks.
    """
    import zlib
    from importlib.util import find_spec

    from advisor import __version__

    crc = adler = 1
    head = f"{__version__}|{sys.version}|{root}".encode()
    crc, adler = zlib.crc32(head, crc), zlib.adler32(head, adler)
    spec = find_spec("pydantic")  # its version file, without importing it (pydantic validated what is saved)
    extra = [Path(spec.origin).with_name("version.py")] if spec is not None and spec.origin else []
    package = Path(__file__).resolve().parent.parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    code = sorted(p for sub in _CODE for p in (package / sub).rglob("*.py"))
    size = 0
    for p in [*extra, *files, *code]:
        data = p.read_bytes()
        st = p.stat()
        name = f"{p}\0{len(data)}\0{st.st_mtime_ns}\0".encode()
        crc, adler = zlib.crc32(data, zlib.crc32(name, crc)), zlib.adler32(data, zlib.adler32(name, adler))
        size += len(data)
    return f"{crc:08x}{adler:08x}{size:x}"


def _read(entry: Path) -> TraceKnowledge | None:
    try:
        data = json.loads(entry.read_bytes())
        return _from_json(data)
    except OSError:
        return None
    except Exception:  # truncated, corrupt, or written by other code: rebuild it
        with contextlib.suppress(OSError):
            entry.unlink()
        return None


def _from_json(d: Any) -> TraceKnowledge:  # parsed JSON of our own asdict(); a bad one raises
    def carrier(c: Any) -> CarrierKnowledge:
        cols = c["call_log"]
        return CarrierKnowledge(**{
            **c, "reason_patterns": [ReasonRule(**r) for r in c["reason_patterns"]],
            "alert_phrases": [AlertPhraseRule(**a) for a in c["alert_phrases"]],
            "call_log": CallLogColumns(**cols) if cols is not None else None})

    th = dict(d["thresholds"])
    th["drop_window_seconds"] = tuple(th["drop_window_seconds"])
    return TraceKnowledge(
        carriers={k: carrier(v) for k, v in d["carriers"].items()}, default_carrier=d["default_carrier"],
        reason_patterns=[ReasonRule(**r) for r in d["reason_patterns"]], reason_headers=list(d["reason_headers"]),
        thresholds=Thresholds(**th), observations=dict(d["observations"]), extractors=dict(d["extractors"]),
        alerts={k: AlertTitle(**v) for k, v in d["alerts"].items()})


def _write(entry: Path, tk: TraceKnowledge) -> None:
    """Write atomically; drop entries of other keys. Failures are ignored (advisor/cachefile.py)."""
    from advisor.cachefile import replace_entry

    replace_entry(entry, lambda out: out.write(json.dumps(asdict(tk)).encode()), stale=f"{PREFIX}*.json")
