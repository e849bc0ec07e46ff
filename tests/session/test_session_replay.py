"""Replay: transcripts stay green on the shipped knowledge; a changed knowledge base is caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.engine.diagnosis import Advisor
from advisor.kb.loader import KnowledgeBase, load_kb
from advisor.session.events import AnswerChanged, AnswerGiven, DiagnosisReached, FamilyChosen
from advisor.session.replay import replay_file, replay_files
from advisor.session.store import dump_record, parse_record, read_record
from advisor.session.transcripts import build, check

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "transcripts"
FILES = sorted(TRANSCRIPTS.glob("*.json"))
CATALOG = Path(__file__).resolve().parents[1] / "data" / "spec" / "causes.yaml"


def test_one_transcript_per_cause(kb: KnowledgeBase) -> None:
    assert {f.stem for f in FILES} == set(kb.causes)
    import yaml

    catalog = {c["id"] for c in yaml.safe_load(CATALOG.read_text())}
    assert len(catalog) == 28 and catalog <= {f.stem for f in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_transcript_replays_unchanged(path: Path, advisor: Advisor) -> None:
    result = replay_file(path, advisor)
    assert result.outcome == "unchanged", result.message
    assert result.actual is not None
    assert (result.actual.status, result.actual.cause) == ("confirmed", path.stem)
    record = read_record(path)
    last = record.events[-1]
    assert isinstance(last, DiagnosisReached) and last.cause == path.stem
    # readable training material: a customer, a ticket, notes, a family chosen
    assert any(isinstance(e, FamilyChosen) for e in record.events)
    assert record.title and "Worked example" in record.title


def test_generator_still_reaches_every_cause(advisor: Advisor) -> None:
    """`python -m advisor.session.transcripts` can regenerate every transcript with the current knowledge.

    (Byte-for-byte equality is not required: question order may be tuned; replay checks the verdicts.)
    """
    for i, cause in enumerate(sorted(advisor.kb.causes)):
        record = build(advisor, cause, i)
        assert check(record, cause) is None
        assert parse_record(dump_record(record), cause).id == record.id


def test_transcripts_show_the_whole_toolbox() -> None:
    kinds = {e.kind for f in FILES for e in read_record(f).events}
    assert {"context", "family", "question_shown", "answer", "answer_changed", "note", "trace", "probe",
            "diagnosis"} <= kinds
    assert sum(any(isinstance(e, AnswerGiven | AnswerChanged) for e in read_record(f).events) for f in FILES) >= 25


def _break_acl_cause(kb_dir: Path) -> None:
    """Make term.403.acl_mismatch require a 401 instead of its 403 (a knowledge edit gone wrong)."""
    import yaml

    for path in sorted((kb_dir / "causes").glob("*.yaml")):
        causes = yaml.safe_load(path.read_text())
        for cause in causes:
            if cause["id"] == "term.403.acl_mismatch":
                alts = cause["requires"] if isinstance(cause["requires"], list) else [cause["requires"]]
                cause["requires"] = [{**alt, "invite_final_status": "401"} for alt in alts]
                path.write_text(yaml.safe_dump(causes, sort_keys=False))
                return
    raise AssertionError("term.403.acl_mismatch not found")


def test_changed_knowledge_is_detected(kb_copy: Path) -> None:
    _break_acl_cause(kb_copy)
    changed_advisor = Advisor(load_kb(kb_copy))
    result = replay_file(TRANSCRIPTS / "term.403.acl_mismatch.json", changed_advisor)
    assert result.outcome == "changed"
    assert "was confirmed term.403.acl_mismatch" in result.message
    assert result.checkpoints and result.checkpoints[-1].changed
    # the other transcripts do not depend on that cause
    other = replay_file(TRANSCRIPTS / "term.503.cps_limit.json", changed_advisor)
    assert other.outcome == "unchanged"


def test_expected_field(tmp_path: Path, advisor: Advisor) -> None:
    data = json.loads((TRANSCRIPTS / "term.403.acl_mismatch.json").read_text())
    data["events"] = [e for e in data["events"] if e["kind"] != "diagnosis"]
    data["expected"] = {"status": "confirmed", "cause": "term.403.acl_mismatch"}
    good = tmp_path / "good.json"
    good.write_text(json.dumps(data))
    assert replay_file(good, advisor).outcome == "unchanged"
    data["expected"]["cause"] = "term.403.credentials_mismatch"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = replay_file(bad, advisor)
    assert result.outcome == "changed" and "at expected" in result.message


def test_unreadable_and_uncheckable_files(tmp_path: Path, advisor: Advisor) -> None:
    (tmp_path / "garbage.json").write_text("{nope")
    (tmp_path / "wrong.json").write_text('{"id": "x", "events": [{"kind": "what"}]}')
    data = json.loads((TRANSCRIPTS / "term.403.acl_mismatch.json").read_text())
    data["events"] = [e for e in data["events"] if e["kind"] != "diagnosis"]
    (tmp_path / "nothing.json").write_text(json.dumps(data))
    report = replay_files([tmp_path, tmp_path / "missing.json"], advisor)
    assert report.errors == 4 and report.exit_code == 2
    messages = {Path(r.file).name: r.message for r in report.results}
    assert "not valid JSON" in messages["garbage.json"]
    assert "invalid session record" in messages["wrong.json"]
    assert "nothing to compare" in messages["nothing.json"]
    assert "no such session file" in messages["missing.json"]
    assert all("\n" not in m for m in messages.values())


# ---- CLI exit codes ----------------------------------------------------------------------
def test_cli_replay_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(TRANSCRIPTS)]) == 0
    out = capsys.readouterr().out
    assert f"{len(FILES)} file(s): {len(FILES)} unchanged, 0 changed, 0 unreadable" in out


def test_cli_replay_changed_exit_1(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break_acl_cause(kb_copy)
    code = main(["--kb", str(kb_copy), "replay", str(TRANSCRIPTS / "term.403.acl_mismatch.json"),
                 str(TRANSCRIPTS / "term.503.cps_limit.json"), "--json"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] == 1 and data["unchanged"] == 1 and data["errors"] == 0
    assert [r["outcome"] for r in data["results"]] == ["changed", "unchanged"]


def test_cli_replay_unreadable_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    assert main(["replay", str(bad), str(TRANSCRIPTS / "term.503.cps_limit.json")]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert [line for line in captured.err.splitlines() if "bad.json" in line]
    assert main(["replay", str(tmp_path / "empty-dir-does-not-exist")]) == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["replay", str(empty)]) == 2
    assert "no session files" in capsys.readouterr().err


def test_cli_replay_of_a_real_saved_session(tmp_path: Path, advisor: Advisor) -> None:
    """Sessions saved by the store replay too (the same file format)."""
    from advisor.session.store import SessionStore, new_session

    store = SessionStore(tmp_path)
    s = new_session(advisor, store)
    s.choose_family("calls_drop")
    s.answer("symptom", "term_drop30", "q.symptom")
    s.answer("ack_request_uri", "pbx_own_address", "q.ack_request_uri")
    s.conclude()
    target = tmp_path / "copy.json"
    shutil.copy(store.path(s.id), target)
    assert main(["replay", str(target)]) == 0
