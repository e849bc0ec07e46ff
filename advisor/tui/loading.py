"""The slow or fallible steps the app runs in worker threads, as plain typed calls (no textual).

Each is a direct call into the core (`Advisor`, `SessionStore`, `Session`,
`analyze_files`, `export_session`); what is here is only what the TUI adds: the
compiled-knowledge cache on start, warming the session screen's imports while the
engineer reads the start screen, and one-line errors for what the engineer typed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.tui.choices import LatestSession

if TYPE_CHECKING:
    from advisor.context import TrunkContext
    from advisor.engine.diagnosis import Advisor
    from advisor.evidence.analyze import TraceAnalysis
    from advisor.kb.loader import KnowledgeBase
    from advisor.session.core import Session
    from advisor.session.store import SessionStore


class ResumeFailed(Exception):
    """A session or transcript could not be opened; str() is the one line to show."""


def load_advisor(kb_dir: str | None = None) -> tuple[Advisor, str]:
    """The compiled knowledge (knowledge base and rule networks from the cache when current) and how
    the cache did."""
    from advisor.engine.cache import load_compiled

    return load_compiled(Path(kb_dir) if kb_dir else None)


def prepare_session_screen() -> None:
    """Import the session screen and what it draws with, off the UI thread, before it is needed."""
    import advisor.session.projection
    import advisor.tui.present
    import advisor.tui.screens.session  # noqa: F401


def open_store() -> tuple[SessionStore | None, str]:
    """The user's session store, or None and why (the TUI then runs without saving)."""
    from advisor.session.store import SessionStore, SessionStoreError

    try:
        store = SessionStore()
        store.sessions_dir.mkdir(parents=True, exist_ok=True)
    except (OSError, SessionStoreError) as exc:
        return None, str(exc)
    return store, ""


def latest_session(store: SessionStore | None) -> LatestSession | None:
    """The most recent stored session, for the start screen's "Resume" (None if none or unreadable)."""
    from advisor.session.store import SessionStoreError

    if store is None:
        return None
    try:
        sid = store.latest_id()
        if sid is None:
            return None
        return LatestSession(sid, store.load(sid).title)
    except (OSError, SessionStoreError):
        return None


def open_stored_session(ref: str | None, advisor: Advisor, store: SessionStore | None) -> Session:
    """A stored session (id, unique prefix, or None for the latest), not yet saved-on-change."""
    from advisor.session.core import Session
    from advisor.session.store import SessionStoreError

    if store is None:
        raise ResumeFailed("No session store: sessions are not saved in this run.")
    try:
        record = store.load(store.resolve(ref or "last"))
    except (OSError, SessionStoreError) as exc:
        raise ResumeFailed(str(exc)) from None
    return Session(advisor, record)


def open_transcript(path: Path, advisor: Advisor) -> Session:
    """A recorded session file (a transcript, an exported JSON session) to walk through read-only."""
    from advisor.session.core import Session
    from advisor.session.store import SessionStoreError, read_record

    try:
        record = read_record(path)
    except (OSError, SessionStoreError) as exc:
        raise ResumeFailed(str(exc)) from None
    unknown = sorted({o.id for o in Session(advisor, record).observations() if o.id not in advisor.kb.observations})
    if unknown:
        raise ResumeFailed(f"{path}: recorded with facts this knowledge base does not know: {', '.join(unknown)}")
    return Session(advisor, record)


def analyze_trace(kb: KnowledgeBase, path: str, context: TrunkContext) -> TraceAnalysis:
    """Read one trace file (one-line errors: missing file, unreadable or no SIP)."""
    from advisor.evidence.analyze import analyze_files

    file = Path(path).expanduser()
    if not file.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return analyze_files([str(file)], kb, context)


def trace_format(analysis: TraceAnalysis) -> str:
    return ", ".join(sorted({f.format for f in analysis.files if f.format}))


EXPORT_SUFFIX = {"markdown": ".md", "json": ".json", "html": ".html", "text": ".txt"}


def export_path(session_id: str, fmt: str, destination: str) -> Path:
    """Where an export goes: the file typed, or a default name inside a folder typed.

    A missing folder is an error (never created silently: a typo would scatter tickets).
    """
    path = Path(destination).expanduser()
    if path.is_dir():
        path = path / f"advisor-{session_id}{EXPORT_SUFFIX.get(fmt, '.txt')}"
    if not path.parent.is_dir():
        raise FileNotFoundError(f"no such folder: {path.parent}")
    return Path(os.path.abspath(path))  # never resolve(): a symlink must be refused, not followed


class ExportExists(Exception):
    """The export target already exists: the TUI asks before overwriting it."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists")
        self.path = path


def write_export(session_id: str, fmt: str, text: str, destination: str, *, force: bool = False) -> Path:
    """Write the export with the CLI's rules (no symlink followed, no FIFO or device, atomic);
    an existing file is only replaced when the engineer confirmed it (`force`)."""
    from advisor.session.safe_write import write_text_safely

    path = export_path(session_id, fmt, destination)
    if not force and os.path.lexists(path):
        raise ExportExists(path)
    return write_text_safely(path, text, force=force)
