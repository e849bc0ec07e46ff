"""Data-directory failures: read-only, full, unusable path, missing/stale index, symlinks.

Read-only commands keep working, writing commands fail with one clear line,
nothing already saved is lost or changed, and `history` always lists the
session files that exist.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.engine.diagnosis import Advisor
from advisor.session.events import NoteTyped
from advisor.session.store import SessionStore, new_session
from tests.hostile.fs import fill, remount_read_only, remount_read_write, tmpfs, tree_state

REPO = Path(__file__).resolve().parents[2]


def make_sessions(advisor: Advisor, root: Path, n: int = 3) -> list[str]:
    ids = []
    store = SessionStore(root, fsync=False)
    for i in range(n):
        s = new_session(advisor, store)
        s.choose_family("calls_out_fail")
        s.note(f"note {i}")
        ids.append(s.id)
    store.close()  # no open index connection may free space or keep a mount busy later
    gc.collect()
    return ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def one_line(err: str) -> None:
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path | None]:
    with tmpfs(tmp_path / "mnt", "2m") as m:
        yield m


# ---- read-only -----------------------------------------------------------------------------
def test_read_only_data_dir(advisor: Advisor, tmp_path: Path, mounted: Path | None,
                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    base = mounted or tmp_path
    root = base / "data"
    ids = make_sessions(advisor, root)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    assert run(capsys, "history")[0] == 0  # ... an index exists, as it would in real use
    gc.collect()  # close the index connections of the stores above (a busy mount cannot turn read-only)
    before = tree_state(root)
    if mounted is not None:
        assert remount_read_only(mounted)
    elif os.geteuid() == 0:
        pytest.fail("running as root, a read-only data directory needs a tmpfs mount, which failed")
    else:
        for p in [root, root / "sessions"]:
            p.chmod(0o555)
    try:
        code, out, err = run(capsys, "history")
        assert code == 0 and all(i in out for i in ids), (out, err)
        assert len(err.strip().splitlines()) <= 1
        code, out, err = run(capsys, "history", "--json")
        assert code == 0 and {e["id"] for e in json.loads(out)} == set(ids)
        code, out, _ = run(capsys, "resume", ids[0])
        assert code == 0 and f"Session {ids[0]}" in out
        code, out, err = run(capsys, "export", ids[0])
        assert code == 0 and out.strip()
        one_line(err)
        for argv in (["resume", ids[0], "--note", "lost?"], ["history", "--reindex"]):
            code, _, err = run(capsys, *argv)
            assert code == 2, argv
            one_line(err)
        assert tree_state(root) == before
    finally:
        if mounted is not None:
            remount_read_write(mounted)
        else:
            for p in [root, root / "sessions"]:
                p.chmod(0o755)


# ---- full disk -------------------------------------------------------------------------------
def test_full_disk(advisor: Advisor, tmp_path: Path, mounted: Path | None, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    if mounted is None:
        if os.geteuid() == 0:
            pytest.fail("running as root, a full disk needs a small tmpfs mount, which failed")
        pytest.skip("not root, no tmpfs: the size-limited subprocess test covers a full disk")
    root = mounted / "data"
    ids = make_sessions(advisor, root)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    (root / "history.sqlite3").unlink()  # the index must be rebuilt on a full disk
    fill(mounted)
    before = tree_state(root)
    code, out, err = run(capsys, "history")
    assert code == 0 and all(i in out for i in ids)
    assert len(err.strip().splitlines()) <= 1
    for argv in (["resume", ids[0], "--note", "lost?"], ["history", "--reindex"],
                 ["resume", ids[1], "--answer", "symptom=term_403"]):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        one_line(err)
        assert "No space left" in err or "full" in err
    assert {k: v for k, v in tree_state(root).items() if k.endswith(".json")} == \
        {k: v for k, v in before.items() if k.endswith(".json")}
    assert not list((root / "sessions").glob(".*.tmp"))  # no temp file left on the full disk
    for f in ("filler", "filler2"):
        (mounted / f).unlink()
    assert run(capsys, "resume", ids[0], "--note", "after")[0] == 0  # space again: saving works
    notes = [e.text for e in SessionStore(root).load(ids[0]).events if isinstance(e, NoteTyped)]
    assert notes == ["note 0", "after"]
    code, out, _ = run(capsys, "history")
    assert code == 0 and all(i in out for i in ids)


FSIZE_WRITER = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from advisor.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_file_size_limit_is_one_line_and_loses_nothing(advisor: Advisor, tmp_path: Path) -> None:
    """A write that cannot grow the file (RLIMIT_FSIZE: EFBIG, as a quota would) fails cleanly."""
    root = tmp_path / "data"
    sid = make_sessions(advisor, root, 1)[0]
    path = root / "sessions" / f"{sid}.json"
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO), "ADVISOR_DATA_DIR": str(root)}
    proc = subprocess.run([sys.executable, "-c", FSIZE_WRITER, str(len(before)), "resume", sid, "--note",
                           "x" * 200], env=env, capture_output=True, timeout=120, cwd=REPO)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    one_line(err)
    assert "too large" in err.lower() or "File too large" in err
    assert path.read_bytes() == before
    assert not list((root / "sessions").glob(".*.tmp"))
    assert signal.SIGXFSZ  # the writer ignored the signal and got EFBIG


# ---- unusable data path --------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["history"], ["history", "--reindex"], ["resume"], ["resume", "x", "--note", "n"],
                                  ["export", "last"]])
def test_data_dir_under_a_regular_file(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(blocker / "advisor"))
    code, _, err = run(capsys, *argv)
    assert code == 2
    one_line(err)
    assert "is a file" in err and str(blocker) in err
    assert blocker.read_text() == "not a directory"


# ---- the index is never the only truth -------------------------------------------------------
@pytest.mark.parametrize("damage", ["missing", "empty_file", "empty_table", "garbage", "stale", "old_layout"])
def test_history_lists_every_session_file(damage: str, advisor: Advisor, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    ids = make_sessions(advisor, root)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    index = root / "history.sqlite3"
    assert run(capsys, "history")[0] == 0
    if damage == "missing":
        index.unlink()
    elif damage == "empty_file":
        index.write_bytes(b"")
    elif damage == "empty_table":
        with sqlite3.connect(index) as conn:
            conn.execute("DELETE FROM sessions")
    elif damage == "garbage":
        index.write_bytes(b"this is not a database" * 100)
    elif damage == "old_layout":
        with sqlite3.connect(index) as conn:
            conn.execute("UPDATE meta SET value='1' WHERE key='version'")
    elif damage == "stale":
        # a session saved by a process killed before its index update: the file is there, no row
        extra = make_sessions(advisor, tmp_path / "elsewhere", 1)[0]
        shutil.copy(tmp_path / "elsewhere" / "sessions" / f"{extra}.json", root / "sessions")
        ids.append(extra)
        # and a file changed behind the index's back: its new note count must show
        s = SessionStore(tmp_path / "elsewhere", fsync=False)
        rec = SessionStore(root).load(ids[0])
        rec.events.append(NoteTyped(text="added by another process"))
        s.save(rec)
        shutil.copy(tmp_path / "elsewhere" / "sessions" / f"{ids[0]}.json", root / "sessions")
    code, out, err = run(capsys, "history", "--json")
    assert code == 0, err
    entries = {e["id"]: e for e in json.loads(out)}
    assert set(entries) == set(ids)
    if damage == "stale":
        assert entries[ids[0]]["notes"] == 2
    code, out, _ = run(capsys, "history")
    assert code == 0 and "No sessions" not in out and all(i in out for i in ids)


def test_history_never_says_no_sessions_when_files_are_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    (root / "sessions").mkdir(parents=True)
    (root / "sessions" / "broken.json").write_text("{ not json")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    code, out, err = run(capsys, "history")
    assert code == 0 and "No sessions found" not in out and "could not be read" in out
    assert "broken.json" in err


def test_deleted_session_file_leaves_history(advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    ids = make_sessions(advisor, root)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    assert run(capsys, "history")[0] == 0
    (root / "sessions" / f"{ids[1]}.json").unlink()
    code, out, _ = run(capsys, "history", "--json")
    assert code == 0 and {e["id"] for e in json.loads(out)} == {ids[0], ids[2]}


def test_stale_temp_files_are_cleaned(advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    ids = make_sessions(advisor, root, 1)
    left = root / "sessions" / f".{ids[0]}.json.k1ll3d.tmp"
    left.write_text('{"half": ')  # a save killed mid-write, seconds ago
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    code, out, _ = run(capsys, "history")
    assert code == 0 and ids[0] in out
    assert not left.exists()


# ---- symlinks ----------------------------------------------------------------------------------
def test_symlinked_sessions_dir_works(advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "shared" / "sessions"
    real.mkdir(parents=True)
    root = tmp_path / "data"
    root.mkdir()
    (root / "sessions").symlink_to(real)
    ids = make_sessions(advisor, root, 2)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    assert run(capsys, "resume", ids[0], "--note", "via link")[0] == 0
    assert (real / f"{ids[0]}.json").is_file() and (root / "sessions").is_symlink()
    code, out, _ = run(capsys, "history")
    assert code == 0 and all(i in out for i in ids)


def test_planted_symlinks_are_not_followed(advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    sid = make_sessions(advisor, root, 1)[0]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock = root / ".write.lock"
    lock.unlink()
    lock.symlink_to(victim)  # the lock file must never be followed (a pid is written into it)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    code, _, err = run(capsys, "resume", sid, "--note", "x")
    assert code == 2
    one_line(err)
    assert "symbolic link" in err
    assert victim.read_text() == "precious"
    lock.unlink()
    # a session file that is a symlink is replaced by the save, its target untouched
    link = root / "sessions" / f"{sid}.json"
    target = tmp_path / "outside.json"
    target.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(target)
    before = target.read_bytes()
    assert run(capsys, "resume", sid, "--note", "y")[0] == 0
    assert target.read_bytes() == before and not link.is_symlink()
