"""Sessions on disk: one JSON file per session, rewritten atomically after every event.

Layout under the data directory (platformdirs' user data dir for
"sip-trunk-advisor", or $ADVISOR_DATA_DIR):

    sessions/<id>.json     the SessionRecord, pretty-printed
    history.sqlite3        the history index (a cache of the JSON files)

Every save writes a temporary file in the same directory, flushes and fsyncs
it, then `os.replace`s it over the old file: a crash or `kill -9` at any point
leaves either the previous or the new complete file, never a torn one.

For the TUI and the CLI:
    store = SessionStore()                 # or SessionStore(root)
    session = new_session(advisor)         # a fresh Session, saved after every event
    session = load_session(None)           # the last session, resumed and still saved
    store.attach(session)                  # save an existing Session after every event
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from advisor.session.events import (
    SCHEMA_VERSION,
    AnswerChanged,
    AnswerGiven,
    DiagnosisReached,
    Event,
    FamilyChosen,
    ProbeRun,
    SessionRecord,
    TextReported,
    TraceAttached,
)
from advisor.session.history import (
    INDEX_FILE,
    HistoryEntry,
    HistoryIndex,
    HistoryQuery,
    IndexCorrupt,
    IndexUnavailable,
    Stamp,
    Verdict,
    summarize,
)
from advisor.session.projection import FACT_KINDS, SessionView
from advisor.session.sharing import LockBusy, LockUnavailable, merge_events, stamp_of, write_lock

if TYPE_CHECKING:
    from advisor.engine.diagnosis import Advisor
    from advisor.session.core import Listener, Session

ENV_VAR = "ADVISOR_DATA_DIR"
APP_NAME = "sip-trunk-advisor"
SESSIONS_DIR = "sessions"
_SYNC_KEY = "sessions_dir_mtime_ns"
"""Index meta key: the sessions directory's mtime when the index last matched every file in it."""
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# Events that change the observations, hence the diagnosis.
FACT_EVENTS = (FamilyChosen, AnswerGiven, AnswerChanged, TextReported, TraceAttached, ProbeRun)


class SessionStoreError(Exception):
    """A one-line, user-facing problem with a stored session (str() is the message)."""


class SessionNotFound(SessionStoreError):
    pass


class SessionCorrupt(SessionStoreError):
    pass


def data_dir() -> Path:
    """$ADVISOR_DATA_DIR, else the platform's user data directory for the advisor."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


# ---- reading and writing records -------------------------------------------
def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older record's JSON to the current schema (version 1 is the first: nothing to do yet).

    A future SCHEMA_VERSION bump adds a step here: `if version == 1: ...; version = 2`.
    """
    version = data.get("schema_version", 1)
    if not isinstance(version, int):
        raise ValueError(f"schema_version is {version!r}, not a number")
    if version > SCHEMA_VERSION:
        raise ValueError(f"written by a newer advisor (schema {version}; this one reads {SCHEMA_VERSION})")
    data["schema_version"] = SCHEMA_VERSION
    return data


def parse_record(text: str | bytes, where: str) -> SessionRecord:
    """A SessionRecord from JSON text; SessionCorrupt with a one-line reason otherwise.

    A top-level "expected" key (transcripts may carry one) is ignored here.
    """
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SessionCorrupt(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise SessionCorrupt(f"{where}: not a session record (expected a JSON object)")
    data.pop("expected", None)
    try:
        data = migrate(data)
        return SessionRecord.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise SessionCorrupt(f"{where}: invalid session record: {loc}: {err['msg']}{more}") from None
    except ValueError as exc:
        raise SessionCorrupt(f"{where}: {exc}") from None


def read_record(path: Path) -> SessionRecord:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise SessionNotFound(f"{path}: no such session file") from None
    except OSError as exc:
        raise SessionStoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not raw.strip():
        raise SessionCorrupt(f"{path}: empty file")
    return parse_record(raw, str(path))


class DumpCache:
    """Serialized events of one session, in order, with the event objects they came from."""

    __slots__ = ("blobs", "events")

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.blobs: list[bytes] = []


def dump_record(record: SessionRecord, cache: DumpCache | None = None) -> bytes:
    """The record as pretty-printed JSON (what `record.model_dump_json(indent=2)` gives, plus a newline).

    With a `cache` (kept per session by the store), each event is serialized
    once: events are never changed after they are added, so a save after event
    n only serializes event n, not the whole session again.
    """
    if cache is None:
        return (record.model_dump_json(indent=2) + "\n").encode("utf-8")
    events = record.events
    keep = min(len(cache.events), len(events))
    for i, (a, b) in enumerate(zip(cache.events, events, strict=False)):
        if a is not b:
            keep = i
            break
    del cache.events[keep:], cache.blobs[keep:]
    for ev in events[keep:]:
        cache.events.append(ev)
        cache.blobs.append(b"    " + ev.model_dump_json(indent=2).encode("utf-8").replace(b"\n", b"\n    "))
    head = record.model_dump_json(indent=2, exclude={"events"}).encode("utf-8")
    if not events:
        return head[:-2] + b',\n  "events": []\n}\n'
    return head[:-2] + b',\n  "events": [\n' + b",\n".join(cache.blobs) + b"\n  ]\n}\n"


def write_atomic(path: Path, data: bytes, fsync: bool = True) -> None:
    """Replace `path` with `data` so that readers only ever see the old or the new file.

    The data is fsynced before the rename, so the file under `path` is always
    complete. The directory is fsynced when the file is new (so a session
    survives a power cut from its first event); later renames are not, which
    at worst loses the very last event on a power cut, never the file.
    """
    new = not path.exists()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if os.name == "posix":  # mkstemp makes 0600; a shared data directory needs the umask's permissions
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if fsync and new and os.name == "posix":
        # make the rename itself durable (a power cut, not only a killed process)
        with contextlib.suppress(OSError):
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


# ---- the store ----------------------------------------------------------------
class SessionStore:
    """Saved sessions under one data directory, plus their history index."""

    def __init__(self, root: Path | str | None = None, *, fsync: bool = True) -> None:
        self.root = Path(root).expanduser() if root is not None else data_dir()
        self.sessions_dir = self.root / SESSIONS_DIR
        self.index_path = self.root / INDEX_FILE
        self.fsync = fsync
        self._index: HistoryIndex | None = None
        self._dumps: dict[str, DumpCache] = {}
        self._lock = threading.RLock()  # saves may come from UI and worker threads
        self.index_error: str | None = None
        """The last index problem swallowed during a save (the JSON file was saved regardless)."""
        self._seen: dict[str, tuple[int, int, int] | None] = {}
        """Per session, the stamp of its file when this store last read or wrote it."""

    def unusable_root(self) -> str | None:
        """One line when the data directory cannot be a directory (it or a parent is a file), else None."""
        for p in (self.root, *self.root.parents):
            if p.exists() or p.is_symlink():
                if p.is_dir():
                    return None
                what = "is a file" if p.is_file() else "is not a directory" if p.exists() else "is a broken link"
                if p == self.root:
                    return f"data directory {self.root} {what}"
                return f"data directory {self.root} is not usable: {p} {what}"
        return None

    # ---- paths and records ---------------------------------------------------
    def path(self, session_id: str) -> Path:
        if not _ID_RE.match(session_id):
            raise SessionStoreError(f"invalid session id {session_id!r}")
        return self.sessions_dir / f"{session_id}.json"

    def ids(self) -> list[str]:
        """Every saved session id, sorted."""
        if not self.sessions_dir.is_dir():
            return []
        return sorted(p.stem for p in self.sessions_dir.glob("*.json") if not p.name.startswith("."))

    def save(self, record: SessionRecord, verdict: Verdict | None = None, view: SessionView | None = None) -> Path:
        """Write the record atomically, then upsert its history row (index problems never lose the save).

        `view` is the record's projection when the caller keeps one (a live Session), so the
        history row is not re-read from all the events on every save."""
        path = self.path(record.id)
        with self._lock:
            try:
                self.sessions_dir.mkdir(parents=True, exist_ok=True)
                with write_lock(self.root):
                    self._catch_up(record, path)
                    in_sync = self._index_in_sync()
                    data = dump_record(record, self._dumps.setdefault(record.id, DumpCache()))
                    write_atomic(path, data, fsync=self.fsync)
                    self._seen[record.id] = stamp_of(path)
                    # under the lock, so "index in sync with the directory" stays true only when it is
                    self._index_record(record, verdict, path, view, keep_in_sync=in_sync)
            except OSError as exc:
                why = exc.strerror or exc
                raise SessionStoreError(f"cannot save session {record.id} to {path}: {why}") from None
            except (LockBusy, LockUnavailable) as exc:
                raise SessionStoreError(f"cannot save session {record.id}: {exc}") from None
        return path

    def _dir_stamp(self) -> str | None:
        """The sessions directory's mtime (ns): any file added, replaced or removed changes it."""
        try:
            return str(os.stat(self.sessions_dir).st_mtime_ns)
        except OSError:
            return None

    def _index_in_sync(self) -> bool:
        """True when the index was refreshed (or kept up) since the directory last changed.

        The recorded token is the directory's mtime and the index's row count then,
        so rows lost from the index (an emptied table) are noticed too.
        """
        try:
            stamp = self._dir_stamp()
            return stamp is not None and self.history.get_meta(_SYNC_KEY) == self._sync_token(stamp)
        except (IndexCorrupt, IndexUnavailable, sqlite3.Error):
            return False

    def _sync_token(self, dir_stamp: str) -> str:
        return f"{dir_stamp}:{self.history.count()}"

    def _catch_up(self, record: SessionRecord, path: Path) -> None:
        """Under the write lock: merge in what another writer saved since we last read or wrote the file."""
        stamp = stamp_of(path)
        if stamp is None or stamp == self._seen.get(record.id):
            return
        try:
            disk = read_record(path)
        except SessionStoreError:
            return  # an unreadable file on disk: ours (valid) replaces it
        if disk.id == record.id:
            merge_events(record, disk)

    def load(self, session_id: str) -> SessionRecord:
        path = self.path(session_id)
        if not path.is_file():
            raise SessionNotFound(f"no session {session_id!r} in {self.sessions_dir}")
        stamp = stamp_of(path)
        record = read_record(path)
        if record.id != session_id:
            raise SessionCorrupt(f"{path}: holds session {record.id!r}, not {session_id!r}")
        self._seen[session_id] = stamp
        return record

    def resolve(self, ref: str) -> str:
        """A session id from an exact id, a unique prefix, or "last"/"latest"."""
        if ref in ("last", "latest"):
            found = self.latest_id()
            if found is None:
                raise SessionNotFound(f"no saved sessions in {self.sessions_dir}")
            return found
        if _ID_RE.match(ref) and self.path(ref).is_file():
            return ref
        matches = [i for i in self.ids() if i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise SessionNotFound(f"no session {ref!r} in {self.sessions_dir} (see `advisor history`)")
        raise SessionStoreError(f"{ref!r} matches {len(matches)} sessions: {', '.join(matches[:5])}"
                                + (", ..." if len(matches) > 5 else ""))

    def latest_id(self) -> str | None:
        """The session with the most recent activity (exports do not count)."""
        try:
            self.refresh_index()
            found = self.history.latest_id()
        except (IndexCorrupt, IndexUnavailable, sqlite3.Error):
            found = None
        if found is not None and self.path(found).is_file():
            return found
        # index unusable or stale: newest file on disk
        newest = max(self.sessions_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, default=None) \
            if self.sessions_dir.is_dir() else None
        return newest.stem if newest is not None else None

    def latest(self) -> SessionRecord:
        """The last session worked on; SessionNotFound when there is none."""
        found = self.latest_id()
        if found is None:
            raise SessionNotFound(f"no saved sessions in {self.sessions_dir}")
        return self.load(found)

    def delete(self, session_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(session_id).unlink()
        with contextlib.suppress(IndexCorrupt, IndexUnavailable, sqlite3.Error):
            self.history.delete(session_id)

    def set_title(self, record: SessionRecord, title: str) -> None:
        """Name a session (shown and searched in history) and save it."""
        record.title = title
        self.save(record)

    # ---- live sessions ---------------------------------------------------------
    def attach(self, session: Session,
               on_error: Callable[[SessionStoreError], None] | None = None) -> Listener:
        """Save `session` after every event from now on (and index it). Returns the listener.

        The history row shows the session's live diagnosis: it is computed only
        after events that change the facts, through `session.diagnosis()`, whose
        cache the UI then reuses. A failed save raises SessionStoreError from
        `session.add` unless `on_error` takes it.
        """
        last: dict[str, Verdict | None] = {"verdict": None}

        def verdict(event: Event | None) -> Verdict | None:
            if isinstance(event, DiagnosisReached):
                return Verdict(status=event.status, cause=event.cause, confidence=event.confidence)
            if event is None or event.kind in FACT_KINDS or last["verdict"] is None:
                if not session.view().fact_events:
                    return last["verdict"]
                try:
                    d = session.diagnosis()
                except Exception:  # the index is a convenience; never let it break a save
                    return last["verdict"]
                top = next((c for c in d.causes if c.id == d.conclusion.cause), None)
                return Verdict(status=d.conclusion.status, cause=d.conclusion.cause,
                               confidence=top.confidence if top else 0.0)
            return last["verdict"]

        def listener(record: SessionRecord, event: Event) -> None:
            last["verdict"] = verdict(event)
            try:
                self.save(record, last["verdict"], session.view())
            except SessionStoreError as exc:
                if on_error is None:
                    raise
                on_error(exc)

        session.listeners.append(listener)
        if session.record.events and not self.path(session.record.id).is_file():
            last["verdict"] = verdict(None)
            self.save(session.record, last["verdict"])
        return listener

    # ---- history index ---------------------------------------------------------
    @property
    def history(self) -> HistoryIndex:
        """The index, opened on first use; rebuilt from the JSON files when missing or corrupt."""
        with self._lock:
            return self._open_history()

    def _open_history(self) -> HistoryIndex:
        if self._index is None:
            existed = self.index_path.is_file()
            index = HistoryIndex(self.index_path)
            try:
                index.conn  # noqa: B018 (opens and checks the file)
            except IndexCorrupt:
                index.close()
                self._discard_index()
                index = HistoryIndex(self.index_path)
                existed = False
            self._index = index
            if not existed and self.ids():
                self.reindex()
        return self._index

    def _discard_index(self) -> None:
        """Move a corrupt index aside; IndexUnavailable when that is not possible (read-only directory)."""
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.index_path) + suffix)
            try:
                if suffix:
                    p.unlink()
                else:
                    p.replace(p.with_name(p.name + f".corrupt-{int(time.time())}"))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise IndexUnavailable(f"{self.index_path} is damaged and cannot be replaced: "
                                       f"{exc.strerror or exc}") from None

    def reindex(self, advisor: Advisor | None = None,
                progress: Callable[[int, int], None] | None = None) -> tuple[int, list[str]]:
        """Rebuild the index from the JSON files; returns (rows written, one-line problems).

        With an `advisor`, sessions without a recorded DiagnosisReached get their
        diagnosis computed (slower); otherwise they show no verdict.
        """
        with self._lock:
            return self._reindex(advisor, progress)

    def _reindex(self, advisor: Advisor | None,
                 progress: Callable[[int, int], None] | None) -> tuple[int, list[str]]:
        self._remove_stale_temp_files()
        problems: list[str] = []
        try:
            index = self._index or HistoryIndex(self.index_path)
            index.conn  # noqa: B018
        except IndexCorrupt:
            index.close()
            self._discard_index()
            index = HistoryIndex(self.index_path)
        self._index = index
        before = self._dir_stamp()
        stamps = self._file_stamps()
        written = index.upsert_many(self._rows(stamps, problems, advisor, progress), stamps, replace=True)
        if before is not None and not problems:
            index.set_meta(_SYNC_KEY, self._sync_token(before))
        self.index_error = None
        return written, problems

    def _file_stamps(self) -> dict[str, Stamp]:
        """(mtime_ns, size) of every session file, by id, taken before the files are read."""
        out: dict[str, Stamp] = {}
        try:
            entries = list(os.scandir(self.sessions_dir))
        except (FileNotFoundError, NotADirectoryError):
            return out
        except OSError as exc:
            raise SessionStoreError(f"cannot list {self.sessions_dir}: {exc.strerror or exc}") from None
        for entry in entries:
            name = entry.name
            if name.endswith(".json") and not name.startswith(".") and _ID_RE.match(name[:-5]):
                with contextlib.suppress(OSError):
                    st = entry.stat()
                    out[name[:-5]] = (st.st_mtime_ns, st.st_size)
        return out

    def _rows(self, ids: Iterable[str], problems: list[str], advisor: Advisor | None = None,
              progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[HistoryEntry, str]]:
        """Index rows read from the session files (unreadable ones become one-line `problems`)."""
        ids = sorted(ids)
        for n, sid in enumerate(ids, 1):
            if progress is not None:
                progress(n, len(ids))
            path = self.path(sid)
            try:
                record = read_record(path)
            except SessionStoreError as exc:
                problems.append(str(exc))
                continue
            live = None
            if advisor is not None and not any(isinstance(e, DiagnosisReached) for e in record.events):
                live = live_verdict(record, advisor)
            yield summarize(record, live, str(path))

    def refresh_index(self) -> list[str]:
        """Bring the index up to date with the files: rows for new or changed files, none for removed ones.

        Nothing to do (one stat, one query) while the sessions directory's mtime
        is the one recorded when the index last matched it; every save keeps
        that true under the write lock. Otherwise the files are listed and the
        rows whose file stamp (mtime, size) changed are read again: this catches
        up after a save killed before its index update, after another process's
        saves and after files were copied in or deleted by hand (a file edited
        in place, without a rename, needs `advisor history --reindex`). Returns
        one-line problems (unreadable files). Raises IndexUnavailable when the
        index cannot be written (read-only or full disk).
        """
        with self._lock:
            index = self.history
            if self._index_in_sync():  # nothing added, replaced or removed since: no listing needed
                return []
            self._remove_stale_temp_files()
            before = self._dir_stamp()  # taken before the listing: a change during it means another pass
            files = self._file_stamps()
            known = index.stamps()
            changed = {i: st for i, st in files.items() if known.get(i) != st}
            gone = [i for i in known if i not in files]
            problems: list[str] = []
            if changed or gone:
                index.upsert_many(self._rows(changed, problems), changed, delete=gone)
            if before is not None and not problems:  # unreadable files are tried (and reported) again
                index.set_meta(_SYNC_KEY, self._sync_token(before))
            return problems

    def query_history(self, query: HistoryQuery | None = None) -> tuple[list[HistoryEntry], list[str]]:
        """History entries straight from an up-to-date index, plus one-line notes for the user.

        The files are the truth: the index is refreshed first, and when it cannot
        be used at all (read-only or full disk, damaged beyond replacing) the
        session files are read into an in-memory index instead, so `history`
        works on a read-only data directory and never says "no sessions" while
        readable session files exist.
        """
        try:
            problems = self.refresh_index()
            return self.history.query(query), problems
        except (IndexUnavailable, IndexCorrupt) as exc:
            note = f"history index not usable ({exc}); listing from the session files"
        memory = HistoryIndex(Path(":memory:"))
        problems = []
        files = self._file_stamps()
        memory.upsert_many(self._rows(files, problems), files)
        try:
            return memory.query(query), [note, *problems]
        finally:
            memory.close()

    def _remove_stale_temp_files(self, max_age_s: float = 3600.0) -> None:
        """Temp files a killed process left behind (never the session files themselves).

        Under the write lock no save is in progress, so every temp file is
        stale; when another process holds the lock, only those older than
        `max_age_s`. On a read-only directory nothing can be (or needs to be) done.
        """
        if not self.sessions_dir.is_dir():
            return
        try:
            with write_lock(self.root, timeout_s=0.0):
                self._unlink_temp_files(None)
        except LockBusy:
            self._unlink_temp_files(time.time() - max_age_s)
        except LockUnavailable:
            pass

    def _unlink_temp_files(self, cutoff: float | None) -> None:
        for tmp in self.sessions_dir.glob(".*.json.*.tmp"):
            with contextlib.suppress(OSError):
                if cutoff is None or tmp.stat().st_mtime < cutoff:
                    tmp.unlink()

    def _index_record(self, record: SessionRecord, verdict: Verdict | None, path: Path,
                      view: SessionView | None = None, keep_in_sync: bool = False) -> None:
        try:
            st = os.stat(path)
            self.history.upsert(*summarize(record, verdict, str(path), view), stamp=(st.st_mtime_ns, st.st_size))
            stamp = self._dir_stamp()
            if keep_in_sync and stamp is not None:
                self.history.set_meta(_SYNC_KEY, self._sync_token(stamp))
            self.index_error = None
        except (IndexCorrupt, IndexUnavailable, sqlite3.Error, OSError) as exc:
            # the JSON file is saved; the index is rebuilt on the next `advisor history --reindex`
            # or automatically when the file turns out corrupt
            self.index_error = str(exc)
            if isinstance(exc, IndexCorrupt) and self._index is not None:
                self._index.close()
                self._index = None

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


def live_verdict(record: SessionRecord, advisor: Advisor) -> Verdict | None:
    """The current diagnosis of a record's facts (None when there are no facts yet)."""
    from advisor.session.core import Session

    if not any(isinstance(ev, FACT_EVENTS) for ev in record.events):
        return None
    d = Session(advisor, record).diagnosis()
    top = next((c for c in d.causes if c.id == d.conclusion.cause), None)
    return Verdict(status=d.conclusion.status, cause=d.conclusion.cause,
                   confidence=top.confidence if top else 0.0)


# ---- for the TUI and the CLI ---------------------------------------------------
def new_session(advisor: Advisor | None = None, store: SessionStore | None = None) -> Session:
    """A fresh Session that is saved after every event."""
    from advisor.engine.diagnosis import Advisor as _Advisor
    from advisor.session.core import Session

    session = Session(advisor or _Advisor())
    (store or SessionStore()).attach(session)
    return session


def load_session(session_id: str | None = None, *, store: SessionStore | None = None,
                 advisor: Advisor | None = None, attach: bool = True) -> Session:
    """Resume a saved session (None = the last one), saved after every new event unless attach=False.

    `session_id` may be an exact id, a unique prefix or "last". Raises
    SessionNotFound / SessionCorrupt / SessionStoreError (str() is a one-line message).
    """
    from advisor.engine.diagnosis import Advisor as _Advisor
    from advisor.session.core import Session

    store = store or SessionStore()
    record = store.load(store.resolve(session_id or "last"))
    session = Session(advisor or _Advisor(), record)
    if attach:
        store.attach(session)
    return session
