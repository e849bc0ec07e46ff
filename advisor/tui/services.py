"""The TUI's doors to the rest of the advisor: knowledge, persistence, export, traces.

Everything here is plain Python (no textual) so it can run in worker threads.
Persistence, export and trace analysis live in other packages that may not be
installed in every build; each is imported lazily and, when missing, the
feature reports a clear "not available" message instead of failing.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when used: the start screen paints before the engine is loaded
    from advisor.context import TrunkContext
    from advisor.engine.diagnosis import Advisor
    from advisor.engine.observations import Observation
    from advisor.kb.loader import KnowledgeBase
    from advisor.session.core import Session


class FeatureMissing(RuntimeError):
    """A feature whose module is not part of this build yet; str() is the message to show."""


def _optional(module: str, *names: str) -> tuple[Any, ...] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return None
        raise
    if not all(hasattr(mod, n) for n in names):
        return None
    return tuple(getattr(mod, n) for n in names)


def load_advisor(kb_dir: str | None = None) -> Advisor:
    """Load and compile the knowledge, then run one empty inference step so the first real one is warm."""
    from advisor.engine.diagnosis import Advisor
    from advisor.kb.loader import load_kb

    advisor = Advisor(load_kb(Path(kb_dir) if kb_dir else None))
    advisor.diagnose([])
    return advisor


# ---- the start screen's choices -------------------------------------------------


@dataclass(frozen=True)
class StartChoices:
    """The problem families, in order, and each family's symptoms: (id, title) pairs."""

    families: tuple[tuple[str, str], ...]
    symptoms: dict[str, list[tuple[str, str]]]


def choices_of(kb: KnowledgeBase) -> StartChoices:
    symptoms: dict[str, list[tuple[str, str]]] = {}
    for sym in kb.symptoms.values():
        symptoms.setdefault(sym.family, []).append((sym.id, sym.title))
    return StartChoices(tuple((f.id, f.title) for f in kb.families.values()),
                        {f: symptoms.get(f, []) for f in kb.families})


def start_choices(kb_dir: str | None = None) -> StartChoices | None:
    """The families and symptoms straight from symptoms.yaml, without the engine (tens of ms, not a second).

    None when the file cannot be read as expected: the knowledge load then fills the screen
    (and reports any problem).
    """
    try:
        import yaml

        from advisor.kb.paths import default_knowledge_dir

        root = Path(kb_dir) if kb_dir else default_knowledge_dir()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load((root / "symptoms.yaml").read_text(encoding="utf-8"), Loader=loader)
        families = tuple((str(f["id"]), str(f["title"])) for f in doc["families"])
        symptoms: dict[str, list[tuple[str, str]]] = {fid: [] for fid, _ in families}
        for sym in doc["symptoms"]:
            symptoms.setdefault(str(sym["family"]), []).append((str(sym["id"]), str(sym["title"])))
    except Exception:
        return None
    return StartChoices(families, {fid: symptoms[fid] for fid, _ in families})


# ---- persistence ---------------------------------------------------------------


def store_available() -> bool:
    return _optional("advisor.session.store", "SessionStore") is not None


def make_store(root: str | Path | None = None) -> Any | None:
    """A SessionStore, or None when persistence is not part of this build."""
    found = _optional("advisor.session.store", "SessionStore")
    if found is None:
        return None
    (store_cls,) = found
    return store_cls(root=root) if root is not None else store_cls()


def attach_store(store: Any | None, session: Session,
                 on_error: Callable[[Exception], None] | None = None) -> bool:
    """Save the session after every event from now on; False when there is no store."""
    if store is None:
        return False
    try:
        params = inspect.signature(store.attach).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    if on_error is not None and "on_error" in params:
        store.attach(session, on_error=on_error)
    else:
        store.attach(session)
    return True


@dataclass
class StoredSummary:
    id: str
    title: str = ""
    updated: str = ""


def latest_stored(store: Any | None) -> StoredSummary | None:
    """The most recent stored session, or None (also when the store cannot tell)."""
    if store is None:
        return None
    latest_id = getattr(store, "latest_id", None)
    if callable(latest_id):
        try:
            sid = latest_id()
        except Exception:
            return None
        if sid is None:
            return None
        try:
            record = store.load(sid)
        except Exception:
            return StoredSummary(id=str(sid))
        return _summary(record)
    for name in ("latest", "last"):
        fn = getattr(store, name, None)
        if callable(fn):
            try:
                return _summary(fn())
            except Exception:
                return None
    return None


def _summary(item: Any) -> StoredSummary | None:
    from advisor.session.core import Session
    from advisor.session.events import SessionRecord

    if item is None:
        return None
    if isinstance(item, str):
        return StoredSummary(id=item)
    if isinstance(item, Session):
        return StoredSummary(id=item.id, title=item.record.title)
    if isinstance(item, SessionRecord):
        return StoredSummary(id=item.id, title=item.title)
    ident = getattr(item, "id", None) or (item.get("id") if isinstance(item, dict) else None)
    if ident is None:
        return None
    title = getattr(item, "title", None) or (item.get("title") if isinstance(item, dict) else "") or ""
    updated = getattr(item, "updated", None) or (item.get("updated") if isinstance(item, dict) else "") or ""
    return StoredSummary(id=str(ident), title=str(title), updated=str(updated))


def load_stored_session(session_id: str | None, advisor: Advisor, store: Any | None = None) -> Session:
    """Reopen a stored session (the latest when id is None) on the given advisor; not yet attached."""
    from advisor.session.core import Session
    from advisor.session.events import SessionRecord

    found = _optional("advisor.session.store", "load_session")
    if found is None:
        raise FeatureMissing("Resuming sessions is not available yet (advisor.session.store is missing).")
    (load,) = found
    params = inspect.signature(load).parameters
    kwargs: dict[str, Any] = {}
    if "advisor" in params:
        kwargs["advisor"] = advisor
    if "attach" in params:
        kwargs["attach"] = False
    if "store" in params and store is not None:
        kwargs["store"] = store
    elif "root" in params and store is not None and getattr(store, "root", None) is not None:
        kwargs["root"] = store.root
    got = load(session_id, **kwargs)
    if isinstance(got, Session):
        if got.advisor is not advisor:
            got = Session(advisor, got.record, got.listeners)
        return got
    if isinstance(got, SessionRecord):
        return Session(advisor, got)
    raise FeatureMissing(f"load_session returned {type(got).__name__}, not a Session")


# ---- export ----------------------------------------------------------------------

EXPORT_FORMATS = ("markdown", "json", "html")
EXPORT_SUFFIX = {"markdown": ".md", "json": ".json", "html": ".html"}


def export_available() -> bool:
    return _export_fn() is not None


def _export_fn() -> Any | None:
    for module in ("advisor.session.export", "advisor.session.store"):
        found = _optional(module, "export_session")
        if found is not None:
            return found[0]
    return None


def export_text(session: Session, fmt: str, redact_numbers: bool = False) -> str:
    fn = _export_fn()
    if fn is None:
        raise FeatureMissing("Export is not available yet (advisor.session export_session is missing).")
    return str(fn(session, fmt, redact_numbers=redact_numbers))


def default_export_path(session: Session, fmt: str, directory: Path | None = None) -> Path:
    return (directory or Path.cwd()) / f"advisor-{session.id}{EXPORT_SUFFIX.get(fmt, '.txt')}"


def write_export(session: Session, fmt: str, destination: str | Path, redact_numbers: bool = False) -> Path:
    """Render the export and write it; returns the path written."""
    text = export_text(session, fmt, redact_numbers)
    path = Path(destination).expanduser().resolve()
    if path.is_dir():
        path = default_export_path(session, fmt, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- traces ---------------------------------------------------------------------


@dataclass
class TraceResult:
    """What attaching one trace file produced, for the session and for the ladder."""

    file: str
    observations: list[Observation]
    warnings: list[str] = field(default_factory=list)
    format: str = ""
    calls: int = 0
    analysis: Any | None = None


def trace_available() -> bool:
    return (_optional("advisor.evidence.analyze", "analyze_files") is not None
            or _optional("advisor.cli.trace_cmd", "observations_from_traces") is not None)


def analyze_trace(kb: KnowledgeBase, path: str, context: TrunkContext) -> TraceResult:
    """Read one trace file: its findings as observations, plus the analysis for the ladder."""
    if not Path(path).expanduser().is_file():
        raise FileNotFoundError(f"no such file: {path}")
    path = str(Path(path).expanduser())
    analyze = _optional("advisor.evidence.analyze", "analyze_files")
    if analyze is not None:
        analysis = analyze[0]([path], kb, context)
        findings = list(getattr(analysis, "findings", []) or [])
        observations = [_as_observation(f) for f in findings]
        warnings = [str(w) for w in getattr(analysis, "warnings", []) or []]
        calls = getattr(analysis, "calls", []) or []
        fmt = _format_of(analysis)
        return TraceResult(file=path, observations=[o for o in observations if o is not None],
                           warnings=warnings, format=fmt, calls=len(calls), analysis=analysis)
    legacy = _optional("advisor.cli.trace_cmd", "observations_from_traces")
    if legacy is None:
        raise FeatureMissing("Trace analysis is not available yet (advisor.evidence.analyze is missing).")
    observations, warnings = legacy[0](kb, [path], context)
    return TraceResult(file=path, observations=list(observations), warnings=list(warnings))


def _as_observation(finding: Any) -> Observation | None:
    from advisor.engine.observations import Observation

    if isinstance(finding, Observation):
        return finding
    obs = getattr(finding, "observation", None)
    return obs if isinstance(obs, Observation) else None


def _format_of(analysis: Any) -> str:
    fmt = getattr(analysis, "format", None)
    if isinstance(fmt, str):
        return fmt
    formats = getattr(analysis, "formats", None)
    if isinstance(formats, dict):
        return ", ".join(sorted({str(v) for v in formats.values()}))
    if isinstance(formats, list | tuple):
        return ", ".join(str(v) for v in formats)
    files = getattr(analysis, "files", None)
    if isinstance(files, list) and files:
        got = [getattr(f, "format", "") for f in files]
        return ", ".join(sorted({g for g in got if g}))
    return ""
