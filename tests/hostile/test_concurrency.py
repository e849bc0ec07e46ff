"""Concurrent writers on one session never lose an event.

Two processes run many rounds of `advisor resume ID --note ...` (the CLI's own
code path: load, add a note, save) on the same session at once; a live
session held open in this process (as the TUI holds it) writes at the same
time as a CLI process. Every note must be in the file exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from advisor.engine.diagnosis import Advisor
from advisor.session.events import NoteTyped
from advisor.session.sharing import write_lock
from advisor.session.store import SessionStore, SessionStoreError, load_session, new_session

REPO = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("ADVISOR_HOSTILE_ROUNDS", "20"))

WRITER = """
import sys
from advisor.cli import main
sid, who, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(rounds):
    code = main(["resume", sid, "--note", f"{who}-{i}"])
    if code != 0:
        sys.exit(code)
"""


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "ADVISOR_DATA_DIR": str(root)}


def _writer(root: Path, sid: str, who: str, rounds: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, sid, who, str(rounds)], env=_env(root),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)


def _notes(root: Path, sid: str) -> list[str]:
    return [e.text for e in SessionStore(root).load(sid).events if isinstance(e, NoteTyped)]


def _started(advisor: Advisor, root: Path) -> str:
    session = new_session(advisor, SessionStore(root))
    session.choose_family("calls_out_fail")
    return session.id


def test_two_cli_processes_keep_every_note(advisor: Advisor, tmp_path: Path) -> None:
    sid = _started(advisor, tmp_path)
    procs = [_writer(tmp_path, sid, who, ROUNDS) for who in ("a", "b")]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    notes = _notes(tmp_path, sid)
    expected = {f"{who}-{i}" for who in "ab" for i in range(ROUNDS)}
    assert sorted(notes) == sorted(expected), f"lost {sorted(expected - set(notes))}"
    for who in "ab":  # each writer's notes in its own order
        mine = [n for n in notes if n.startswith(who)]
        assert mine == [f"{who}-{i}" for i in range(ROUNDS)]


def test_live_session_and_cli_process_keep_every_note(advisor: Advisor, tmp_path: Path) -> None:
    sid = _started(advisor, tmp_path)
    store = SessionStore(tmp_path)
    live = load_session(sid, store=store, advisor=advisor, attach=True)  # held open, as the TUI does
    proc = _writer(tmp_path, sid, "cli", ROUNDS)
    n = 0
    while proc.poll() is None or n < ROUNDS:
        live.note(f"tui-{n}")
        n += 1
        time.sleep(0.005)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    notes = _notes(tmp_path, sid)
    expected = {f"cli-{i}" for i in range(ROUNDS)} | {f"tui-{i}" for i in range(n)}
    assert sorted(notes) == sorted(expected)
    # the live session saw the other writer's notes when it saved
    assert {f"cli-{i}" for i in range(ROUNDS)} <= {e.text for e in live.record.events if isinstance(e, NoteTyped)}


def test_a_writer_that_cannot_get_the_lock_is_told_who_holds_it(advisor: Advisor, tmp_path: Path) -> None:
    sid = _started(advisor, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from pathlib import Path;"
         "from advisor.session.sharing import write_lock\n"
         "with write_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)", str(tmp_path)],
        env=_env(tmp_path), stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        store = SessionStore(tmp_path)
        record = store.load(sid)
        record.title = "renamed"
        t0 = time.monotonic()
        try:
            with write_lock(tmp_path, timeout_s=0.3):
                raise AssertionError("lock should be busy")
        except Exception as exc:
            assert f"pid {holder.pid}" in str(exc)
        assert time.monotonic() - t0 < 5
        proc = subprocess.run([sys.executable, "-m", "advisor", "resume", sid, "--note", "blocked"],
                              env={**_env(tmp_path)}, capture_output=True, timeout=120, cwd=REPO)
    finally:
        holder.kill()
        holder.wait()
    err = proc.stderr.decode()
    assert proc.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert f"pid {holder.pid}" in err and "Traceback" not in err
    assert "blocked" not in _notes(tmp_path, sid)
    _ = SessionStoreError
