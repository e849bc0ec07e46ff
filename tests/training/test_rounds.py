"""Rounds, scoring, debriefs, progress, selection and exams."""

from __future__ import annotations

import json
import multiprocessing
import random
from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.kb.loader import KnowledgeBase
from advisor.training.attempt import Attempt
from advisor.training.library import CaseLibrary
from advisor.training.plan import exam_cases, exam_result, next_case, weakness
from advisor.training.progress import ProgressStore
from advisor.training.report import build_report, render_report
from advisor.training.rounds import Choice, play

ACL = "case.term.403.acl_mismatch.kb"


def ask(*obs: str) -> list[Choice]:
    return [Choice(ask=o) for o in obs]


def test_right_cause_with_the_advisors_questions_scores_full(advisor: Advisor, library: CaseLibrary) -> None:
    r = play(advisor, library, ACL, ask("symptom", "rejected_invite_had_credentials"), "term.403.acl_mismatch")
    s = r.debrief.score
    assert s.cause_correct and s.fix_correct and s.total == 100
    assert s.cost <= s.advisor_cost
    assert [x.value for x in r.replies] == ["term_403", "no"]


def test_wrong_cause_scores_no_cause_points_and_the_debrief_says_why(advisor: Advisor,
                                                                     library: CaseLibrary) -> None:
    r = play(advisor, library, ACL, ask("symptom", "rejected_invite_had_credentials"),
             "term.403.credentials_mismatch")
    d = r.debrief
    assert not d.score.cause_correct and d.score.points["cause"] == 0 and d.score.points["efficiency"] == 0
    assert "ruled out" in d.concluded_verdict and "rejected_invite_had_credentials" in d.concluded_verdict
    assert d.truth[0].id == "term.403.acl_mismatch" and d.truth[0].fix and d.truth[0].guide


def test_questions_that_keep_every_candidate_are_called_out(advisor: Advisor, library: CaseLibrary) -> None:
    r = play(advisor, library, ACL, ask("symptom", "invite_final_status", "rejected_invite_had_credentials"),
             "term.403.acl_mismatch")
    wasted = r.debrief.wasted
    assert len(wasted) == 1 and "final SIP response" in wasted[0]
    first = r.debrief.trainee[0]
    assert first.candidates_after < first.candidates_before and not first.kept_every_candidate


def test_hints_cost_points_and_extra_questions_cost_efficiency(advisor: Advisor, library: CaseLibrary) -> None:
    lean = play(advisor, library, ACL, ask("symptom", "rejected_invite_had_credentials"), "term.403.acl_mismatch")
    hinted = play(advisor, library, ACL, [Choice(hint=True), *ask("symptom", "rejected_invite_had_credentials")],
                  "term.403.acl_mismatch")
    chatty = play(advisor, library, ACL, ask("symptom", "call_outcome", "trial_account", "invite_final_status",
                                             "rejected_invite_had_credentials"), "term.403.acl_mismatch")
    assert hinted.debrief.score.total < lean.debrief.score.total
    assert hinted.hints and "Ask:" in hinted.hints[0]
    assert chatty.debrief.score.points["efficiency"] < lean.debrief.score.points["efficiency"]


def test_healthy_case_wants_none(advisor: Advisor, library: CaseLibrary) -> None:
    right = play(advisor, library, "case.noise.healthy_call", [Choice(request="trace")], "none")
    wrong = play(advisor, library, "case.noise.healthy_call", [Choice(request="trace")],
                 "orig.drop30.contact_private_ip")
    assert right.debrief.score.cause_correct and right.artefacts[0].text and "INVITE" in right.artefacts[0].text
    assert not wrong.debrief.score.cause_correct


def test_two_faults_either_cause_is_right(advisor: Advisor, library: CaseLibrary) -> None:
    for cause in ("term.400.dialed_number_not_e164", "term.403.caller_id_not_e164"):
        r = play(advisor, library, "case.noise.two_faults_numbers", ask("dialed_number_e164"), cause)
        assert r.debrief.score.cause_correct


def test_bad_moves_are_one_line_errors(advisor: Advisor, library: CaseLibrary) -> None:
    with pytest.raises(ValueError, match="unknown case"):
        play(advisor, library, "case.nope", [], "none")
    with pytest.raises(ValueError, match="unknown observation"):
        play(advisor, library, ACL, ask("nope"), "none")
    with pytest.raises(ValueError, match="no trace"):
        play(advisor, library, ACL, [Choice(request="trace")], "none")
    with pytest.raises(ValueError, match="unknown cause"):
        play(advisor, library, ACL, [], "no.such.cause")
    with pytest.raises(ValueError, match="not allowed in an exam"):
        play(advisor, library, ACL, [Choice(hint=True)], "none", exam="exam-1-2")


def test_time_taken_is_measured(advisor: Advisor, library: CaseLibrary) -> None:
    ticks = iter([100.0, 164.5])
    attempt = Attempt(advisor, library, library.cases[ACL], clock=lambda: next(ticks))
    attempt.conclude("term.403.acl_mismatch")
    assert attempt.seconds == 64.5


def _record(advisor: Advisor, library: CaseLibrary, store: ProgressStore, trainee: str, case: str, cause: str,
            exam: str | None = None) -> None:
    play(advisor, library, case, ask("symptom"), cause, trainee=trainee, store=store, exam=exam)


def test_progress_report_accuracy_confusions_and_weakest(kb: KnowledgeBase, advisor: Advisor,
                                                         library: CaseLibrary, store: ProgressStore) -> None:
    _record(advisor, library, store, "ana", ACL, "term.403.acl_mismatch")
    _record(advisor, library, store, "ana", ACL, "term.403.credentials_mismatch")
    _record(advisor, library, store, "ana", "case.term.403.credentials_mismatch.kb", "term.403.acl_mismatch")
    _record(advisor, library, store, "bo", ACL, "term.403.acl_mismatch")
    rep = build_report(kb, store, "ana")
    assert rep.rounds == 3 and rep.correct == 1
    assert {(c.truth, c.concluded, c.count) for c in rep.confusions} == {
        ("term.403.acl_mismatch", "term.403.credentials_mismatch", 1),
        ("term.403.credentials_mismatch", "term.403.acl_mismatch", 1)}
    assert rep.weakest[0].key == "term.403.credentials_mismatch"
    assert rep.by_family[0].key == "calls_out_fail" and rep.by_family[0].done == 3
    assert rep.questioning is not None and rep.questioning.advisor_questions > 0
    assert build_report(kb, store).rounds == 4
    md = render_report(rep, "markdown")
    assert "Causes confused" in md and "term.403.credentials\\_mismatch" in md
    assert json.loads(render_report(rep, "json"))["rounds"] == 3


def test_the_sqlite_index_is_rebuilt_from_the_rounds_file(kb: KnowledgeBase, advisor: Advisor,
                                                          library: CaseLibrary, store: ProgressStore) -> None:
    _record(advisor, library, store, "ana", ACL, "term.403.acl_mismatch")
    _record(advisor, library, store, "ana", ACL, "term.403.acl_mismatch")
    store.db.unlink()
    assert build_report(kb, store, "ana").rounds == 2


def test_report_html_escapes_the_trainee_name(kb: KnowledgeBase, advisor: Advisor, library: CaseLibrary,
                                              store: ProgressStore) -> None:
    name = "<script>alert(1)</script>"
    _record(advisor, library, store, name, ACL, "term.403.acl_mismatch")
    html = render_report(build_report(kb, store, name), "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Content-Security-Policy" in html
    md = render_report(build_report(kb, store, name), "markdown")
    assert "<script>" not in md


def _append_rounds(root: str, n: int) -> None:
    from advisor.engine.diagnosis import Advisor
    from advisor.kb.loader import load_kb
    from advisor.training.library import load_library

    kb = load_kb()
    advisor, lib, st = Advisor(kb), load_library(kb), ProgressStore(Path(root))
    for _ in range(n):
        play(advisor, lib, ACL, [], "term.403.acl_mismatch", trainee="p", store=st)


def test_two_processes_recording_rounds_lose_none(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_rounds, args=(str(tmp_path), 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    assert len(ProgressStore(tmp_path).rounds("p")) == 30


def test_next_case_favours_the_weakest_causes(advisor: Advisor, library: CaseLibrary, store: ProgressStore) -> None:
    for _ in range(3):
        _record(advisor, library, store, "ana", "case.term.403.credentials_mismatch.kb", "term.403.acl_mismatch")
    rounds = store.rounds("ana")
    weak = weakness(library, rounds)
    assert max(weak, key=lambda c: weak[c]) == "term.403.credentials_mismatch"
    rng = random.Random(7)
    picks = [next_case(library, rounds, rng) for _ in range(200)]
    share = sum(1 for c in picks if c.causes[:1] == ["term.403.credentials_mismatch"]) / len(picks)
    uniform = len(library.for_cause("term.403.credentials_mismatch")) / len(library.cases)
    assert share > 3 * uniform
    assert all(c.id != rounds[-1].score.case for c in picks)


def test_exam_is_fixed_spread_and_scored_against_the_pass_mark(advisor: Advisor, library: CaseLibrary,
                                                                store: ProgressStore) -> None:
    a = exam_cases(library, 11, 6)
    assert [c.id for c in a] == [c.id for c in exam_cases(library, 11, 6)]
    assert [c.id for c in a] != [c.id for c in exam_cases(library, 12, 6)]
    assert len({c.family for c in a}) >= 4
    exam = "exam-11-6"
    for case in a[:5]:
        _record(advisor, library, store, "ana", case.id, case.cause or "none", exam=exam)
    partial = exam_result(library, exam, a, store.rounds("ana"))
    assert partial.done == 5 and not partial.passed
    _record(advisor, library, store, "ana", a[5].id, a[5].cause or "none", exam=exam)
    done = exam_result(library, exam, a, store.rounds("ana"))
    assert done.done == 6 and done.mean_score >= 60 and done.passed == (done.mean_score >= done.pass_mark)
