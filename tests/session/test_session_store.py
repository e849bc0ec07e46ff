"""SessionStore: atomic saves after every event, load/latest/resolve, attach, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.session.core import Session
from advisor.session.events import SessionRecord
from advisor.session.sharing import write_lock
from advisor.session.store import (
    ENV_VAR,
    SessionCorrupt,
    SessionNotFound,
    SessionStore,
    SessionStoreError,
    data_dir,
    load_session,
    new_session,
)


def drive(session: Session) -> None:
    """A short real session: family, a question, an answer, a change, a note, a conclusion."""
    session.choose_family("calls_out_fail")
    session.show_question("q.symptom", "symptom")
    session.answer("symptom", "term_403", "q.symptom")
    session.answer("rejected_invite_had_credentials", "unknown", "q.rejected_invite_had_credentials")
    session.note("Customer moved to a new fibre line on Monday")
    session.answer("rejected_invite_had_credentials", "no", "q.rejected_invite_had_credentials")
    session.conclude()


def test_data_dir_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    assert SessionStore().root == tmp_path / "d"
    monkeypatch.delenv(ENV_VAR)
    assert "sip-trunk-advisor" in str(data_dir())


def test_saved_after_every_event_and_always_valid(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    session = Session(advisor)
    seen: list[int] = []

    def check(record: SessionRecord, _event: object) -> None:
        # runs after the store's listener: the file already holds this event
        on_disk = json.loads(store.path(record.id).read_text())
        seen.append(len(on_disk["events"]))

    store.attach(session)
    session.listeners.append(check)
    drive(session)
    assert seen == list(range(1, len(session.record.events) + 1))
    assert store.load(session.id) == session.record
    # no temp files left behind
    assert [p.name for p in store.sessions_dir.iterdir()] == [f"{session.id}.json"]


def test_load_latest_resolve(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    first = new_session(advisor, store)
    first.note("first")
    second = new_session(advisor, store)
    second.note("second")
    assert store.latest().id == second.id
    first.note("worked on again")
    assert store.latest().id == first.id
    assert store.resolve(first.id) == first.id
    assert store.resolve("last") == first.id
    assert store.ids() == sorted([first.id, second.id])
    assert set(store.history.ids()) == {first.id, second.id}


def test_exports_do_not_make_a_session_the_latest(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    old = new_session(advisor, store)
    old.note("old")
    new = new_session(advisor, store)
    new.note("new")
    old.record_export("markdown", "stdout")
    assert store.latest().id == new.id


def test_load_session_resumes_where_it_stopped(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    session = new_session(advisor, store)
    drive(session)
    before = session.diagnosis()
    resumed = load_session(None, store=SessionStore(tmp_path), advisor=advisor)
    assert resumed.id == session.id
    assert resumed.record == session.record
    assert resumed.diagnosis().conclusion == before.conclusion
    assert [a.observation.value for a in resumed.answers()] == [a.observation.value for a in session.answers()]
    # still saved after every new event
    resumed.note("resumed")
    assert len(SessionStore(tmp_path).load(session.id).events) == len(session.record.events) + 1


def test_history_row_follows_the_live_diagnosis(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    session = new_session(advisor, store)
    session.choose_family("calls_out_fail")
    row = store.history.query()[0]
    assert row.status == "in_progress" and not row.concluded
    session.answer("symptom", "term_403", "q.symptom")
    session.answer("rejected_invite_had_credentials", "no", "q.rejected_invite_had_credentials")
    session.answer("source_ip_in_acl", "no", "q.source_ip_in_acl")  # digest-less 403 alone: ACL only "most likely"
    row = store.history.query()[0]
    assert (row.status, row.cause) == ("confirmed", "term.403.acl_mismatch")
    assert row.symptom == "term_403" and row.family == "calls_out_fail"
    assert row.answers == 3


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with pytest.raises(SessionNotFound) as err:
        store.load("20260101-000000-abcdef")
    assert "no session" in str(err.value)
    with pytest.raises(SessionNotFound):
        store.latest()
    store.sessions_dir.mkdir(parents=True)
    store.path("broken").write_text('{"id": "broken", "events": [')
    with pytest.raises(SessionCorrupt) as err2:
        store.load("broken")
    assert "not valid JSON" in str(err2.value) and "\n" not in str(err2.value)
    store.path("other").write_text(SessionRecord(id="someone-else").model_dump_json())
    with pytest.raises(SessionCorrupt, match="holds session"):
        store.load("other")
    for bad in ("../etc/passwd", "a/b", "", ".hidden"):
        with pytest.raises(SessionStoreError, match="invalid session id"):
            store.path(bad)


def test_ambiguous_prefix(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(SessionRecord(id="abc-1"))
    store.save(SessionRecord(id="abc-2"))
    with pytest.raises(SessionStoreError, match="matches 2 sessions"):
        store.resolve("abc")
    assert store.resolve("abc-2") == "abc-2"


def test_failed_write_leaves_the_old_file_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore(tmp_path)
    record = SessionRecord(id="keep-me", title="v1")
    store.save(record)
    good = store.path("keep-me").read_bytes()

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    record.title = "v2"
    with pytest.raises(SessionStoreError, match="No space left on device"):
        store.save(record)
    monkeypatch.undo()
    assert store.path("keep-me").read_bytes() == good
    assert [p.name for p in store.sessions_dir.iterdir()] == ["keep-me.json"]


def test_attach_on_error_hook(tmp_path: Path, advisor: Advisor, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore(tmp_path)
    errors: list[str] = []
    session = Session(advisor)
    store.attach(session, on_error=lambda exc: errors.append(str(exc)))
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(13, "Permission denied")))
    session.note("not saved")
    assert errors and "Permission denied" in errors[0]


def test_index_rebuilt_when_missing_or_corrupt(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    for i in range(3):
        s = new_session(advisor, store)
        s.note(f"session {i} fibre")
    store.close()
    ids = set(store.ids())
    store.index_path.unlink()
    assert set(SessionStore(tmp_path).history.ids()) == ids
    SessionStore(tmp_path).close()
    for suffix in ("-wal", "-shm"):
        Path(str(store.index_path) + suffix).unlink(missing_ok=True)
    store.index_path.write_bytes(b"this is not a database" * 100)
    fresh = SessionStore(tmp_path)
    assert set(fresh.history.ids()) == ids
    assert any(p.name.startswith("history.sqlite3.corrupt-") for p in tmp_path.iterdir())
    # a save with a corrupt index still saves the JSON
    fresh.close()
    store.index_path.write_bytes(b"garbage" * 100)
    again = SessionStore(tmp_path)
    rec = again.load(sorted(ids)[0])
    rec.title = "renamed"
    again.save(rec)
    assert SessionStore(tmp_path).load(rec.id).title == "renamed"


def test_reindex_reports_unreadable_files(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    drive(new_session(advisor, store))
    store.path("zz-broken").write_text("{")
    n, problems = store.reindex(advisor)
    assert n == 1
    assert len(problems) == 1 and "zz-broken" in problems[0] and "not valid JSON" in problems[0]


def test_set_title_is_saved_and_searchable(tmp_path: Path, advisor: Advisor) -> None:
    store = SessionStore(tmp_path)
    session = new_session(advisor, store)
    session.note("x")
    store.set_title(session.record, "Harbor Light 403s")
    assert store.load(session.id).title == "Harbor Light 403s"
    from advisor.session.history import HistoryQuery

    assert [e.id for e in store.history.query(HistoryQuery(text="harbor light"))] == [session.id]


def test_store_opened_in_a_worker_thread_saves_from_another(tmp_path: Path, advisor: Advisor) -> None:
    """The TUI makes the store in a worker thread and saves from the UI thread."""
    import threading

    holder: dict[str, SessionStore] = {}

    def make() -> None:
        store = SessionStore(tmp_path)
        store.history.count()  # opens the index in this thread
        holder["store"] = store

    t = threading.Thread(target=make)
    t.start()
    t.join()
    store = holder["store"]
    session = new_session(advisor, store)
    session.note("from the main thread")
    assert store.index_error is None
    assert store.history.ids() == {session.id}

    # saves from several threads at once keep the file and the index consistent
    def notes(k: int) -> None:
        for i in range(10):
            session.note(f"thread {k} note {i}")

    threads = [threading.Thread(target=notes, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert store.index_error is None
    assert len(SessionStore(tmp_path).load(session.id).events) == 41
    assert SessionStore(tmp_path).history.query()[0].notes == 41


def test_reindex_removes_stale_temp_files_only(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(SessionRecord(id="s1"))
    stale = store.sessions_dir / ".s1.json.abc123.tmp"
    fresh = store.sessions_dir / ".s1.json.def456.tmp"
    stale.write_text("{")
    fresh.write_text("{")
    old = os.stat(stale).st_mtime - 7200
    os.utime(stale, (old, old))
    assert store.ids() == ["s1"]
    with write_lock(tmp_path):  # another writer is saving: its fresh temp file may be in use
        store.reindex()
    assert not stale.exists() and fresh.exists() and store.path("s1").exists()
    store.reindex()  # nobody writes: every temp file is left over from a killed save
    assert not fresh.exists() and store.path("s1").exists()
