"""`advisor train ...` from the command line: JSON, text, exit codes, reports, exams, explore."""

from __future__ import annotations

import json

import pytest

from advisor.cli import main

ACL = "case.term.403.acl_mismatch.kb"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cases_json_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "cases", "--json")
    rows = json.loads(out)["cases"]
    assert code == 0 and len(rows) >= 56 and {"id", "words", "artefacts"} <= set(rows[0])


def test_run_json_replays_moves_in_order_and_records(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "run", "--case", ACL, "--trainee", "ana", "--ask", "symptom", "--hint",
                       "--ask", "rejected_invite_had_credentials", "--conclude", "term.403.acl_mismatch", "--json")
    data = json.loads(out)
    assert code == 0 and data["recorded"]
    assert [r["observation"] for r in data["replies"]] == ["symptom", "rejected_invite_had_credentials"]
    kinds = [s["kind"] for s in data["debrief"]["trainee"]]
    assert kinds == ["question", "hint", "question"]
    assert data["debrief"]["score"]["cause_correct"] is True and data["debrief"]["score"]["hints"] == 1


def test_run_text_shows_answers_score_and_debrief(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "run", "--case", ACL, "--ask", "symptom", "invite_final_status",
                       "--conclude", "term.403.credentials_mismatch")
    assert code == 0
    assert "WRONG" in out and "kept every candidate" in out and "The advisor's path" in out and "Fix:" in out


@pytest.mark.parametrize("argv, words", [
    (["train", "run", "--case", "case.nope", "--conclude", "none"], "unknown case"),
    (["train", "run", "--case", ACL, "--ask", "bogus", "--conclude", "none"], "unknown observation"),
    (["train", "run", "--case", ACL, "--conclude", "x.y"], "unknown cause"),
    (["train", "run", "--case", ACL, "--exam", "exam-1-2", "--hint", "--conclude", "none"], "not allowed"),
    (["train", "--report", "--exam", "exam-x"], "not an exam id"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_exam_then_report_with_pass_mark(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "exam", "--seed", "5", "--cases", "3", "--json")
    exam = json.loads(out)
    assert code == 0 and exam["exam"] == "exam-5-3" and len(exam["cases"]) == 3
    cases = json.loads(run(capsys, "train", "cases", "--json")[1])["cases"]
    truth = {c["id"]: c for c in cases}
    for c in exam["cases"]:
        assert c["id"] in truth
        run(capsys, "train", "run", "--exam", "exam-5-3", "--trainee", "cy", "--case", c["id"], "--conclude", "none")
    code, out, _ = run(capsys, "train", "--report", "--trainee", "cy", "--exam", "exam-5-3", "--format", "json")
    rep = json.loads(out)
    assert code == 0 and rep["exam"]["done"] == 3 and rep["rounds"] == 3
    assert rep["exam"]["passed"] is (rep["exam"]["mean_score"] >= rep["exam"]["pass_mark"])
    code, out, _ = run(capsys, "train", "--report", "--trainee", "cy", "--exam", "exam-5-3")
    assert code == 0 and "Exam exam" in out and "Accuracy by cause" in out


def test_explore_tree_and_search(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "explore", "--search", "received=")
    assert code == 0 and "term.403.acl_mismatch" in out and "received=" in out and "└─" in out
    assert "audio." not in out
    code, out, _ = run(capsys, "train", "explore", "--search", "zzzz-nothing")
    assert code == 1
    code, out, _ = run(capsys, "train", "explore", "--depth", "2", "--json")
    assert code == 0 and json.loads(out)[0]["kind"] == "family"
