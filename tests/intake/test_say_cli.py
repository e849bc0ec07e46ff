"""`advisor diagnose --say`: the customer's words applied as observations with
source kind `text`, combinable with --answer (answers win) and repeatable."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from advisor.cli import main


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["diagnose", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_say_applies_understood_facts_with_text_source(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, "--say", "outbound calls drop after about 30 seconds")
    obs = {o["id"]: o for o in d["observations"]}
    assert obs["call_direction"]["value"] == "termination"
    assert obs["call_direction"]["source"] == {"kind": "text", "detail": "outbound calls", "file": None,
                                               "frame": None, "line": None, "at": None}
    assert obs["seconds_until_drop"]["value"] == 30
    assert d["causes"][0]["id"].startswith("term.drop30.")
    assert d["intake"][0]["threshold"] == 0.7


def test_first_cause_reflects_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert _json(capsys, "--say", "SIP/2.0 415 Unsupported Media Type")["causes"][0]["id"] == "orig.415.no_pcmu"
    assert _json(capsys, "--say", "Twilio shows error 32201")["causes"][0]["id"] == "term.403.acl_mismatch"


def test_answers_override_text(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, "--say", "inbound calls get 403", "-a", "call_direction=termination")
    obs = {o["id"]: o for o in d["observations"]}
    assert obs["call_direction"]["value"] == "termination"
    assert obs["call_direction"]["source"]["kind"] == "answer"
    assert obs["invite_final_status"]["source"]["kind"] == "text"


def test_contradictions_and_notes_reach_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, "--say", "we get 403 and no response at all. The CFO is upset.")
    assert any("contradicts itself on invite_final_status" in w for w in d["warnings"])
    assert "invite_final_status" not in {o["id"] for o in d["observations"]}
    assert d["intake"][0]["notes"] == ["The CFO is upset"]


def test_repeatable_and_disagreeing_texts_warn(capsys: pytest.CaptureFixture[str]) -> None:
    d = _json(capsys, "--say", "inbound calls fail", "--say", "outbound calls fail")
    assert len(d["intake"]) == 2
    assert {o["id"]: o["value"] for o in d["observations"]}["call_direction"] == "termination"
    assert any("disagree on call_direction" in w for w in d["warnings"])


def test_threshold_option(capsys: pytest.CaptureFixture[str]) -> None:
    low = _json(capsys, "--say", "calls keep dropping", "--say-threshold", "0.5")
    assert {o["id"]: o["value"] for o in low["observations"]}["call_outcome"] == "drops_after_30s"
    default = _json(capsys, "--say", "calls keep dropping")
    assert "call_outcome" not in {o["id"] for o in default["observations"]}


def test_text_output_lists_what_was_understood(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--say", "outbund calls get forbiden. The CFO is upset."]) == 0
    out = capsys.readouterr().out
    assert "applied     call_direction = termination" in out
    assert "[read outbund -> outbound]" in out
    assert 'not understood, kept as a note: "The CFO is upset"' in out


def test_stdin_and_bad_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("SIP/2.0 503 Trunk CPS limit exceeded\n"))
    assert _json(capsys, "--say", "-")["causes"][0]["id"] == "term.503.cps_limit"
    assert main(["diagnose", "--say", "   "]) == 2
    assert main(["diagnose", "--say", "x", "--say-threshold", "1.5"]) == 2
    err = capsys.readouterr().err
    assert "advisor: --say needs some text" in err
    assert "--say-threshold must be in (0, 1]" in err


def test_a_broken_vocabulary_is_one_line_per_problem(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = kb_copy / "intake.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 0.7", "threshold: 7", 1), encoding="utf-8")
    assert main(["--kb", str(kb_copy), "diagnose", "--say", "outbound calls get 403"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("knowledge/intake.yaml:") and "threshold" in err[0]
