"""CLI flow of issue 11: pastable resume suggestions, history columns, kb list / alert lookup, no-SIP input."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.cli.session_cmd import render_history
from advisor.engine.diagnosis import Advisor
from advisor.session.core import Session
from advisor.session.history import HistoryEntry
from advisor.session.store import SessionStore

DATA = Path(__file__).resolve().parents[1] / "data" / "export"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    return tmp_path


def _stored(data: Path, advisor: Advisor, answers: dict[str, str], family: str = "audio") -> str:
    store = SessionStore(data)
    session = Session(advisor)
    store.attach(session)
    session.choose_family(family)
    for k, v in answers.items():
        session.answer(k, v)
    return session.id


def _suggestions(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("advisor resume ")]


@pytest.mark.parametrize("answers", [
    {"audio_heard": "pstn_side_hears_nothing", "rtp_from_pbx_path": "unknown"},  # next: the RTP TTL, a number
    {},  # next: an enum question
])
def test_resume_suggestions_paste_back(data: Path, advisor: Advisor, answers: dict[str, str],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    sid = _stored(data, advisor, answers)
    assert main(["resume", sid]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == len(set(filter(None, lines))) + lines.count(""), "a line is repeated"
    assert f"advisor tui --resume {sid}" in out
    commands = _suggestions(out)
    assert commands and sum(1 for c in commands if c.endswith("# I don't know")) == 1
    for command in commands:
        argv = shlex.split(command, comments=True)  # exactly what a shell runs when the line is pasted
        assert argv[:3] == ["advisor", "resume", sid]
        # each suggestion is accepted by the real parser and records the answer
        before = len(SessionStore(data).load(sid).events)
        assert main(argv[1:]) == 0, command
        capsys.readouterr()
        assert len(SessionStore(data).load(sid).events) == before + 1
        # undo, so every suggestion is tried from the same state
        store = SessionStore(data)
        record = store.load(sid)
        record.events.pop()
        store.save(record)


def test_number_question_suggests_numbers(data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    sid = _stored(data, advisor, {"audio_heard": "pstn_side_hears_nothing", "rtp_from_pbx_path": "unknown"})
    main(["resume", sid])
    out = capsys.readouterr().out
    assert "What IP TTL" in out  # the guide: RTP with a TTL of 10 or less cannot cross the carrier network
    values = [shlex.split(c, comments=True)[-1].split("=", 1)[1] for c in _suggestions(out)]
    assert values[-1] == "unknown" and all(v.replace(".", "").isdigit() for v in values[:-1])
    assert "(<=" not in " ".join(_suggestions(out)).split("#")[0]


def test_resume_attaches_a_trace_and_warns_on_direction(data: Path, advisor: Advisor,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sid = _stored(data, advisor, {}, family="calls_in_fail")  # an inbound problem ...
    trace = DATA / "raw_plain_403_acl.txt"  # ... and an outbound call's trace
    assert main(["resume", sid, "--trace", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "warning: the trace" in out and "may be a capture of another call" in out
    events = SessionStore(data).load(sid).events
    assert events[-1].kind == "trace" and events[-1].excerpts  # type: ignore[union-attr]


def test_no_sip_at_all_is_bad_input(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "passwd"
    junk.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    assert main(["diagnose", "--trace", str(junk)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no SIP message" in err and "Traceback" not in err
    # some SIP among junk stays a warning and a diagnosis
    mixed = tmp_path / "mixed.log"
    mixed.write_text("garbage line\n" * 5 + (DATA / "raw_plain_403_acl.txt").read_text() + "more junk\n")
    assert main(["diagnose", "--trace", str(mixed), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conclusion"]["cause"] == "term.403.acl_mismatch"


def test_history_columns(advisor: Advisor) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    entries = [
        HistoryEntry(id="a", created=now, updated=now, duration_s=5, title="Calls out fail (PBX to PSTN)",
                     family="calls_out_fail", symptom=None, status="in_progress", cause="x"),
        HistoryEntry(id="b", created=now, updated=now, duration_s=5, customer="Acme", ticket="T-1",
                     family="calls_out_fail", symptom="term_403", status="confirmed", cause="term.403.acl_mismatch",
                     confidence=0.95),
    ]
    lines = render_history(entries).splitlines()
    header = lines[0]
    cols = {name: header.index(name) for name in ("Customer / ticket", "Family", "Symptom", "Diagnosis")}
    row_a, row_b = lines[2], lines[3]
    who_a = row_a[cols["Customer / ticket"]:cols["Family"]].strip()
    assert who_a == "-"  # never the family or the title
    assert row_a[cols["Family"]:cols["Symptom"]].strip() == "calls_out_fail"
    assert row_a[cols["Symptom"]:cols["Diagnosis"]].strip() == "-"  # the symptom column holds symptoms only
    assert row_b[cols["Customer / ticket"]:cols["Family"]].strip() == "Acme / T-1"
    assert row_b[cols["Symptom"]:cols["Diagnosis"]].strip() == "term_403"


def test_kb_list_and_alert_lookup(advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    kb = advisor.kb
    assert main(["kb", "list"]) == 0
    out = capsys.readouterr().out
    assert all(cid in out for cid in kb.causes)
    assert main(["kb", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in listed} == set(kb.causes)
    # 32201 "Source IP address not in ACL" (the carrier's error dictionary) is the guide's 403 ACL case
    assert main(["kb", "show", "32201"]) == 0
    out = capsys.readouterr().out
    assert "Source IP address not in ACL" in out and "term.403.acl_mismatch" in out
    assert "advisor diagnose --answer alert_code=32201" in out
    assert main(["kb", "show", "32201", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cause"] == "term.403.acl_mismatch"
    assert main(["kb", "list", "--alerts"]) == 0
    assert "32201" in capsys.readouterr().out
    assert main(["kb", "show", "99999"]) == 2
    assert "alert code" in capsys.readouterr().err
    assert main(["kb", "show", "term.403.acl_mismatch"]) == 0  # causes still work
    assert "32201" in capsys.readouterr().out
