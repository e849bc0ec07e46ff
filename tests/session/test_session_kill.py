"""kill -9 a process in the middle of a session: the file stays valid and nothing acknowledged is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.session.store import SessionStore, load_session

CHILD = r"""
import itertools, sys
from advisor.engine.diagnosis import Advisor
from advisor.session.store import SessionStore, new_session

advisor = Advisor()
session = new_session(advisor, SessionStore(sys.argv[1]))
print("id", session.id, flush=True)
session.choose_family("calls_out_fail")
print("event", len(session.record.events), flush=True)
values = itertools.cycle(["yes", "no", "unknown"])
for i in itertools.count():
    if i % 3 == 0:
        session.note(f"note {i}: " + "x" * (i % 200))
    elif i % 3 == 1:
        session.show_question("q.sip_leaves_pbx", "sip_leaves_pbx")
    else:
        session.answer("sip_leaves_pbx", next(values), "q.sip_leaves_pbx")
    # printed only after add() returned, i.e. after the save
    print("event", len(session.record.events), flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [5, 40, 150])
def test_sigkill_mid_session_then_resume(tmp_path: Path, kill_after: int, advisor: object) -> None:
    root = tmp_path / "data"
    env = {**os.environ, "ADVISOR_DATA_DIR": str(root), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    session_id = None
    acknowledged = 0
    deadline = time.monotonic() + 60
    try:
        for line in proc.stdout:
            kind, _, value = line.strip().partition(" ")
            if kind == "id":
                session_id = value
            elif kind == "event":
                acknowledged = int(value)
                if acknowledged >= kill_after:
                    break
            assert time.monotonic() < deadline, "child too slow"
        # let it run on a little so the kill lands in the middle of some save
        time.sleep(0.003 * (kill_after % 7))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert session_id is not None

    store = SessionStore(root)
    record = store.load(session_id)  # parses and validates: the file is complete
    assert len(record.events) >= acknowledged
    # the index may lag the file (killed between the two): history catches up, temp files go
    entries, _ = SessionStore(root).query_history()
    assert [(e.id, e.events) for e in entries] == [(session_id, len(record.events))]
    assert not list((root / "sessions").glob(".*.tmp"))
    # resume it exactly where it stopped, and keep going
    resumed = load_session(None, store=SessionStore(root), advisor=advisor)  # type: ignore[arg-type]
    assert resumed.id == session_id
    assert len(resumed.record.events) == len(record.events)
    resumed.note("resumed after the crash")
    assert len(SessionStore(root).load(session_id).events) == len(record.events) + 1
    assert SessionStore(root).history.latest_id() == session_id
