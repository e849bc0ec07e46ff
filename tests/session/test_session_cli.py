"""`advisor resume` and the exit codes of the session commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.engine.diagnosis import Advisor
from advisor.session.events import AnswerChanged, AnswerGiven, DiagnosisReached, NoteTyped
from advisor.session.store import SessionStore, new_session


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    return tmp_path


def started(advisor: Advisor, root: Path) -> str:
    session = new_session(advisor, SessionStore(root))
    session.choose_family("calls_out_fail")
    session.answer("symptom", "term_403", "q.symptom")
    session.answer("response_reason", "unknown", "q.response_reason")
    session.answer("response_reason", "plain", "q.response_reason")
    session.note("Customer moved office")
    return session.id


def test_resume_without_sessions(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("advisor: no saved sessions") and len(err.strip().splitlines()) == 1


def test_resume_shows_where_it_stopped(data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    sid = started(advisor, data)
    assert main(["resume"]) == 0
    out = capsys.readouterr().out
    assert f"Session {sid}" in out
    assert "Answers so far (3):" in out
    assert "403 Forbidden in response to INVITE" in out
    assert "(changed from unknown)" in out
    assert "Notes (1), last: Customer moved office" in out
    assert "Diagnosis:" in out
    assert "Next question:" in out and f"advisor resume {sid} --answer rejected_invite_had_credentials=" in out


def test_resume_continues_and_saves(data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    sid = started(advisor, data)
    # a digest-less 403 makes the ACL only "most likely" (the guide); the Via's received= address
    # missing from the ACL proves it
    assert main(["resume", sid[:15], "--answer", "rejected_invite_had_credentials=no", "--answer",
                 "source_ip_in_acl=no", "--note", "checked the log", "--conclude"]) == 0
    out = capsys.readouterr().out
    assert "Confirmed: The INVITE comes from an address that is not on the trunk's IP ACL" in out
    assert "Fix:" in out
    events = SessionStore(data).load(sid).events
    assert isinstance(events[-1], DiagnosisReached) and events[-1].cause == "term.403.acl_mismatch"
    assert isinstance(events[-2], NoteTyped)
    assert isinstance(events[-3], AnswerGiven) and events[-3].question == "q.source_ip_in_acl"
    assert isinstance(events[-4], AnswerGiven) and events[-4].question == "q.rejected_invite_had_credentials"
    # changing it again is an AnswerChanged
    assert main(["resume", sid, "-a", "rejected_invite_had_credentials=yes", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["session_id"] == sid
    assert state["diagnosis"]["conclusion"]["cause"] == "term.403.credentials_mismatch"
    assert isinstance(SessionStore(data).load(sid).events[-1], AnswerChanged)
    row = SessionStore(data).history.query()[0]
    assert (row.status, row.cause) == ("confirmed", "term.403.credentials_mismatch")


@pytest.mark.parametrize("args", [
    ["resume", "nope"],
    ["resume", "--answer", "rejected_invite_had_credentials=maybe"],
    ["resume", "--answer", "no_such_observation=yes"],
    ["resume", "--answer", "novalue"],
])
def test_resume_bad_input(args: list[str], data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    started(advisor, data)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("advisor: ") and len(err.strip().splitlines()) == 1


def test_resume_corrupt_file(data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    sid = started(advisor, data)
    store = SessionStore(data)
    store.path(sid).write_text('{"id": "' + sid + '", "events": [{"kind": 3}]}')
    assert main(["resume", sid]) == 2
    err = capsys.readouterr().err
    assert "invalid session record" in err and "Traceback" not in err


def test_commands_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("resume", "history", "export", "replay"):
        with pytest.raises(SystemExit) as done:
            main([cmd, "--help"])
        assert done.value.code == 0
    assert "usage: advisor replay" in capsys.readouterr().out
    assert main(["replay"]) == 2  # missing FILE
