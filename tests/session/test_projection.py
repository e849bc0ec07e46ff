"""The session's typed projection, and the bookkeeping Session guards (shown question, conclusion)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.session.core import Session
from advisor.session.events import (
    AnswerChanged,
    AnswerGiven,
    ContextEntered,
    DiagnosisReached,
    Event,
    ExportMade,
    NoteTyped,
    QuestionShown,
    SessionRecord,
    TextReported,
    TraceAttached,
)
from advisor.session.history import summarize
from advisor.session.projection import project


def _drive(session: Session) -> None:
    session.choose_family("calls_out_fail")
    session.set_context(TrunkContext(customer="Acme", ticket="T-1"))
    session.show_question("q.symptom", "symptom")
    session.answer("symptom", "term_403", "q.symptom")
    session.report_text("they say every call fails with forbidden")
    session.answer("rejected_invite_had_credentials", "unknown", "q.rejected_invite_had_credentials")
    session.note("moved to a new fibre line")
    session.answer("rejected_invite_had_credentials", "no", "q.rejected_invite_had_credentials")
    session.set_context(TrunkContext(customer="Acme Ltd", ticket="T-2"))
    session.record_export("markdown", "/tmp/x.md")


def test_view_reads_the_story(advisor: Advisor) -> None:
    s = Session(advisor)
    _drive(s)
    v = s.view()
    assert (v.family, v.chosen_symptom, v.symptom) == ("calls_out_fail", None, "term_403")
    assert v.context.customer == "Acme Ltd" and v.context.ticket == "T-2"  # the latest context wins
    assert [a.observation.id for a in v.answers] == ["symptom", "rejected_invite_had_credentials",
                                                    "rejected_invite_had_credentials"]
    first, second = v.answers[1], v.answers[2]
    assert not first.changed and second.changed and second.previous == "unknown"
    assert v.superseded(first) and not v.superseded(second)
    assert v.current["rejected_invite_had_credentials"].observation.value == "no"
    assert v.answered == 2
    assert [n.text for n in v.notes] == ["moved to a new fibre line"]
    assert [t.text for t in v.customer_words] == ["they say every call fails with forbidden"]
    assert [e.destination for e in v.exports] == ["/tmp/x.md"]
    # the timeline leaves out only the shown-question bookkeeping
    assert len(v.timeline) == len(s.record.events) - 1
    # an export does not lengthen the session
    assert v.last_at == s.record.events[-2].at


def test_evidence_precedence_answers_beat_traces_beat_text(advisor: Advisor) -> None:
    s = Session(advisor)
    s.choose_family("calls_out_fail")
    s.answer("rejected_invite_had_credentials", "yes")
    s.attach_trace("t.pcap", [Observation(id="rejected_invite_had_credentials", value="no",
                                          source=Source(kind="trace", detail="t.pcap"))])
    s.report_text("hi", [Observation(id="rejected_invite_had_credentials", value="no",
                                     source=Source(kind="text", detail="hi"))])
    last = [o for o in s.observations() if o.id == "rejected_invite_had_credentials"][-1]
    assert (last.value, last.source.kind) == ("yes", "answer")


def test_incremental_view_equals_a_fresh_projection(advisor: Advisor) -> None:
    s = Session(advisor)
    _drive(s)
    live, fresh = s.view(), project(s.record.events)
    for name in ("family", "symptom", "context", "answers", "notes", "customer_words", "exports", "timeline",
                 "first_at", "last_at", "fact_events"):
        assert getattr(live, name) == getattr(fresh, name), name
    assert live.evidence() == fresh.evidence()


def test_view_is_rebuilt_when_the_log_is_replaced(advisor: Advisor) -> None:
    s = Session(advisor)
    _drive(s)
    assert s.view().answered == 2
    s.record = SessionRecord()
    assert s.view().answered == 0 and s.view().family is None


def test_shown_question_is_recorded_once_until_the_facts_change(advisor: Advisor) -> None:
    s = Session(advisor)
    s.choose_family("calls_out_fail")
    assert s.show_question("q.symptom", "symptom") is True
    assert s.show_question("q.symptom", "symptom") is False
    s.note("a note is not a fact")
    assert s.show_question("q.symptom", "symptom") is False
    s.answer("symptom", "unknown", "q.symptom")
    assert s.show_question("q.symptom", "symptom") is True
    assert sum(isinstance(e, QuestionShown) for e in s.record.events) == 2


def test_conclusion_is_recorded_once_until_the_facts_change(advisor: Advisor) -> None:
    s = Session(advisor)
    s.choose_family("calls_out_fail", "term_403")
    first = s.conclude()
    assert s.conclude() is first
    s.record_export("json", "clipboard")
    assert s.conclude() is first
    s.answer("rejected_invite_had_credentials", "no")
    again = s.conclude()
    assert again is not first
    assert sum(isinstance(e, DiagnosisReached) for e in s.record.events) == 2


def test_a_note_does_not_rerun_the_engine(advisor: Advisor) -> None:
    calls: list[int] = []
    original = advisor.diagnose

    def counting(*args: object, **kw: object) -> object:
        calls.append(1)
        return original(*args, **kw)  # type: ignore[arg-type]

    s = Session(advisor)
    s.choose_family("calls_out_fail")
    advisor.diagnose = counting  # type: ignore[method-assign]
    try:
        d = s.diagnosis()
        s.note("x")
        s.show_question("q.symptom", "symptom")
        assert s.diagnosis() is d
        s.answer("symptom", "term_403")
        assert s.diagnosis() is not d
    finally:
        del advisor.diagnose
    assert len(calls) == 2


def test_history_row_from_the_live_view_equals_the_fresh_one(advisor: Advisor) -> None:
    s = Session(advisor)
    _drive(s)
    s.conclude()
    live = summarize(s.record, None, "p", s.view())
    fresh = summarize(s.record, None, "p")
    assert live == fresh
    entry, text = fresh
    assert (entry.customer, entry.ticket, entry.family, entry.symptom) == ("Acme Ltd", "T-2", "calls_out_fail",
                                                                           "term_403")
    assert entry.answers == 3 and entry.notes == 1 and entry.concluded
    assert "fibre" in text and "forbidden" in text


_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _obs(i: int) -> Observation:
    return Observation(id=f"o{i % 3}", value=str(i), source=Source(kind="answer", detail=""))


_EVENTS = st.sampled_from(["answer", "note", "shown", "text", "trace", "context", "export", "diagnosis"])


def _make(kind: str, i: int) -> Event:
    at = _T0 + timedelta(seconds=i)
    match kind:
        case "answer":
            return AnswerGiven(at=at, observation=_obs(i)) if i % 2 else AnswerChanged(at=at, observation=_obs(i))
        case "note":
            return NoteTyped(at=at, text=f"n{i}")
        case "shown":
            return QuestionShown(at=at, question=f"q{i % 2}", observation="o")
        case "text":
            return TextReported(at=at, text=f"t{i}", observations=[_obs(i)])
        case "trace":
            return TraceAttached(at=at, file=f"f{i}", observations=[_obs(i)], warnings=[f"w{i}"])
        case "context":
            return ContextEntered(at=at, context=TrunkContext(customer=f"c{i}"))
        case "export":
            return ExportMade(at=at, format="json", destination="x")
    return DiagnosisReached(at=at, status="in_progress", cause=None)


@settings(max_examples=60, deadline=None)
@given(st.lists(_EVENTS, max_size=40), st.integers(min_value=0, max_value=40))
def test_any_split_of_the_log_projects_the_same(kinds: list[str], split: int) -> None:
    events = [_make(k, i) for i, k in enumerate(kinds)]
    whole = project(events)
    parts = project(events[:split]).extend(events[split:])
    assert whole.timeline == parts.timeline and whole.evidence() == parts.evidence()
    assert whole.warnings() == parts.warnings() and whole.fact_events == parts.fact_events
    assert whole.shown == parts.shown and whole.concluded == parts.concluded
    assert len(whole.answers) == sum(k == "answer" for k in kinds)
    assert len(whole.timeline) == sum(k != "shown" for k in kinds)
