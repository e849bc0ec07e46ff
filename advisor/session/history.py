"""The history index: one SQLite row per saved session, for listing and searching.

The JSON files are the truth; this index is a cache kept in sync on every save
(an upsert of one row) and rebuilt from the files when it is missing, corrupt
or of an older layout. Columns that `advisor history` filters on are indexed.
Each row remembers the stamp (mtime in ns, size) of the file it was read from,
so the store can tell which files changed behind its back (another process, a
save killed before its index update) and read only those again.

Two kinds of failure are kept apart: `IndexCorrupt` (the file is not a usable
database: discard and rebuild) and `IndexUnavailable` (a sound index that
cannot be opened or written right now: read-only or full disk, locked, an
unusable path). An unavailable index is never discarded.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from advisor.session.events import SessionRecord
from advisor.session.projection import SYMPTOM_OBSERVATION as SYMPTOM_OBSERVATION
from advisor.session.projection import SessionView, project

INDEX_VERSION = 2  # 2: file stamps (mtime_ns, size) per row
INDEX_FILE = "history.sqlite3"


class IndexCorrupt(Exception):
    """The index file is unreadable; the store rebuilds it from the JSON files."""


class IndexUnavailable(Exception):
    """The index cannot be opened or written now (read-only, full disk, locked, bad path); str() is one line."""


Stamp = tuple[int, int]
"""(st_mtime_ns, st_size) of a session file: a changed stamp means the row is stale."""


class Verdict(BaseModel):
    """The diagnosis a history row shows: recorded (DiagnosisReached) or live (current session state)."""

    status: str
    cause: str | None = None
    confidence: float = 0.0


class HistoryEntry(BaseModel):
    id: str
    created: datetime
    updated: datetime = Field(description="time of the last event (exports excluded)")
    duration_s: float = Field(description="seconds from the first to the last event")
    title: str = ""
    customer: str | None = None
    ticket: str | None = None
    family: str | None = None
    symptom: str | None = None
    status: str | None = Field(default=None, description="conclusion status (confirmed, in_progress, ...)")
    cause: str | None = None
    confidence: float = 0.0
    concluded: bool = Field(False, description="the session recorded a DiagnosisReached")
    events: int = 0
    answers: int = 0
    notes: int = 0
    path: str = ""


class HistoryQuery(BaseModel):
    cause: str | None = Field(default=None, description="exact cause id, or a prefix (term.403)")
    since: datetime | None = None
    until: datetime | None = Field(default=None, description="exclusive upper bound")
    text: str | None = None
    limit: int | None = 50


def summarize(record: SessionRecord, verdict: Verdict | None = None,
              path: str = "", view: SessionView | None = None) -> tuple[HistoryEntry, str]:
    """The index row of a record, and its search text (lower-cased notes, title, customer, ticket...).

    `verdict` is the live diagnosis when the caller has one; otherwise the last
    DiagnosisReached of the record is shown. `view` is the record's projection when the
    caller keeps one (a live Session does): this runs on every save.
    """
    v = view if view is not None and view.events == len(record.events) else project(record.events)
    ctx = v.context
    texts: list[str] = [record.title, record.id, *(n.text for n in v.notes)]
    texts += [x for x in (ctx.customer, ctx.ticket, ctx.termination_uri, ctx.origination_uri,
                          ctx.pbx_public_address) if x]
    texts += ctx.numbers
    texts += [t.text for t in v.customer_words]
    recorded = v.conclusion
    if verdict is None and recorded is not None:
        verdict = Verdict(status=recorded.status, cause=recorded.cause, confidence=recorded.confidence)
    created = record.created
    first, last = v.first_at or created, v.last_at or created
    entry = HistoryEntry(
        id=record.id, created=created, updated=last,
        duration_s=round((last - first).total_seconds(), 3),
        title=record.title, customer=ctx.customer, ticket=ctx.ticket, family=v.family, symptom=v.symptom,
        status=verdict.status if verdict else None, cause=verdict.cause if verdict else None,
        confidence=verdict.confidence if verdict else 0.0, concluded=recorded is not None,
        events=len(record.events), answers=len(v.answers), notes=len(v.notes), path=path)
    return entry, "\n".join(t for t in texts if t).lower()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    duration_s REAL NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    customer TEXT,
    ticket TEXT,
    family TEXT,
    symptom TEXT,
    status TEXT,
    cause TEXT,
    confidence REAL NOT NULL DEFAULT 0,
    concluded INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    answers INTEGER NOT NULL DEFAULT 0,
    notes INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    mtime_ns INTEGER,
    size INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_created ON sessions (created);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated);
CREATE INDEX IF NOT EXISTS sessions_cause ON sessions (cause);
"""

_COLUMNS = ("id", "created", "updated", "duration_s", "title", "customer", "ticket", "family", "symptom",
            "status", "cause", "confidence", "concluded", "events", "answers", "notes", "path", "search",
            "mtime_ns", "size")
_UPSERT = (f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
           f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c}=excluded.{c}' for c in _COLUMNS[1:])}")


def _ts(dt: datetime) -> float:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _row(entry: HistoryEntry, search: str, stamp: Stamp | None = None) -> tuple[object, ...]:
    return (entry.id, _ts(entry.created), _ts(entry.updated), entry.duration_s, entry.title, entry.customer,
            entry.ticket, entry.family, entry.symptom, entry.status, entry.cause, entry.confidence,
            int(entry.concluded), entry.events, entry.answers, entry.notes, entry.path, search,
            *(stamp if stamp is not None else (None, None)))


_READ = _COLUMNS[:-3]  # everything but the search text and the file stamp
_SELECT = f"SELECT {', '.join(_READ)} FROM sessions"


def _entry(row: tuple[object, ...]) -> HistoryEntry:
    # pydantic reads the epoch floats as UTC datetimes and 0/1 as booleans (its fast path)
    return HistoryEntry.model_validate(dict(zip(_READ, row, strict=True)))


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class HistoryIndex:
    """The SQLite index file; every method raises IndexCorrupt when the file is not a usable database."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    # ---- connection ----------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        if str(self.path) == ":memory:":  # a throw-away index read straight from the files
            memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            memory.executescript(_SCHEMA)
            return memory
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnavailable(f"{self.path}: cannot create its directory ({exc.strerror or exc})") from None
        conn: sqlite3.Connection | None = None
        try:
            # the TUI opens the store in a worker thread and saves from the UI thread: allow that,
            # the store serializes access with its lock
            conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if row is None:
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(INDEX_VERSION),))
            elif row[0] != str(INDEX_VERSION):
                raise IndexCorrupt(f"{self.path}: index layout {row[0]}, expected {INDEX_VERSION}")
        except (sqlite3.Error, IndexCorrupt) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, IndexCorrupt):
                raise
            if isinstance(exc, sqlite3.OperationalError):  # read-only, full, locked: the file may be sound
                raise IndexUnavailable(f"{self.path}: {exc}") from None
            raise IndexCorrupt(f"{self.path}: {exc}") from None
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextlib.contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:  # locked, read-only, disk full, I/O: the file may be fine
            raise IndexUnavailable(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"{self.path}: {exc}") from None

    def is_empty(self) -> bool:
        with self._guard() as conn:
            return conn.execute("SELECT 1 FROM sessions LIMIT 1").fetchone() is None

    # ---- writing ---------------------------------------------------------------
    def upsert(self, entry: HistoryEntry, search: str = "", stamp: Stamp | None = None) -> None:
        with self._guard() as conn:
            conn.execute(_UPSERT, _row(entry, search, stamp))

    def upsert_many(self, rows: Iterable[tuple[HistoryEntry, str]], stamps: dict[str, Stamp] | None = None,
                    *, replace: bool = False, delete: Iterable[str] = ()) -> int:
        """Write rows in one transaction (all or nothing); `replace` empties the table first.

        `stamps` gives each row's file stamp by session id; `delete` drops rows
        whose files are gone. A failure (a full disk at COMMIT) leaves the index
        as it was.
        """
        n = 0
        stamps = stamps or {}
        with self._guard() as conn:
            conn.execute("BEGIN")
            try:
                if replace:
                    conn.execute("DELETE FROM sessions")
                conn.executemany("DELETE FROM sessions WHERE id=?", [(i,) for i in delete])
                for entry, search in rows:
                    conn.execute(_UPSERT, _row(entry, search, stamps.get(entry.id)))
                    n += 1
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # a failed COMMIT has already rolled back
                    conn.execute("ROLLBACK")
                raise
        return n

    def delete(self, session_id: str) -> None:
        with self._guard() as conn:
            conn.execute("DELETE FROM sessions WHERE id=?", (session_id,))

    def get_meta(self, key: str) -> str | None:
        with self._guard() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._guard() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def stamps(self) -> dict[str, Stamp | None]:
        """Every row's file stamp by session id (None for rows written without one)."""
        with self._guard() as conn:
            return {str(i): (int(m), int(z)) if m is not None and z is not None else None
                    for i, m, z in conn.execute("SELECT id, mtime_ns, size FROM sessions")}

    def clear(self) -> None:
        with self._guard() as conn:
            conn.execute("DELETE FROM sessions")

    # ---- reading ---------------------------------------------------------------
    def query(self, q: HistoryQuery | None = None) -> list[HistoryEntry]:
        """Matching sessions, newest first."""
        q = q or HistoryQuery()
        where: list[str] = []
        params: list[object] = []
        if q.cause:
            where.append("(cause = ? OR cause LIKE ? ESCAPE '\\')")
            prefix = q.cause.rstrip(".").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [q.cause, prefix + ".%"]
        if q.since is not None:
            where.append("created >= ?")
            params.append(_ts(q.since))
        if q.until is not None:
            where.append("created < ?")
            params.append(_ts(q.until))
        if q.text:
            for word in q.text.split():
                where.append("search LIKE ? ESCAPE '\\'")
                params.append(_like(word))
        sql = _SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, id DESC"
        if q.limit is not None and q.limit > 0:
            sql += " LIMIT ?"
            params.append(q.limit)
        with self._guard() as conn:
            return [_entry(r) for r in conn.execute(sql, params).fetchall()]

    def latest_id(self) -> str | None:
        """The session worked on last (by its last non-export event)."""
        with self._guard() as conn:
            row = conn.execute("SELECT id FROM sessions ORDER BY updated DESC, id DESC LIMIT 1").fetchone()
        return None if row is None else str(row[0])

    def ids(self) -> set[str]:
        with self._guard() as conn:
            return {str(r[0]) for r in conn.execute("SELECT id FROM sessions")}

    def count(self) -> int:
        with self._guard() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
