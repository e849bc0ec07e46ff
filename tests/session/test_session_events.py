"""Every event type survives a JSON round trip; bad files give one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisor.context import TrunkContext
from advisor.engine.observations import Observation, Source
from advisor.session.events import (
    AnswerChanged,
    AnswerGiven,
    ContextEntered,
    DiagnosisReached,
    Event,
    ExportMade,
    FamilyChosen,
    NoteTyped,
    ProbeRun,
    QuestionShown,
    SessionRecord,
    TextReported,
    TraceAttached,
)
from advisor.session.store import DumpCache, SessionCorrupt, dump_record, parse_record, read_record

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def one_of_each() -> list[Event]:
    def at(i: int) -> datetime:
        return T0 + timedelta(seconds=i)

    src = Source(kind="trace", detail="x", file="cap.pcap", frame=12, line=None, at=at(0))
    return [
        ContextEntered(at=at(1), context=TrunkContext(customer="C", ticket="T-1", termination_uri="c.pstn.twilio.com",
                                                      origination_uri="sip:pbx.c.example.com", cps_limit=5.0,
                                                      pbx_public_address="203.0.113.1", numbers=["+12025550100"])),
        FamilyChosen(at=at(2), family="calls_out_fail", symptom="term_403", observations=[
            Observation(id="call_direction", value="termination", note=None,
                        source=Source(kind="symptom", detail="symptom term_403", at=None))]),
        QuestionShown(at=at(3), question="q.call_outcome", observation="call_outcome"),
        AnswerGiven(at=at(4), question="q.call_outcome", observation=Observation(
            id="call_outcome", value="unknown", note=None, source=Source(kind="answer", detail="q.call_outcome", at=None))),
        AnswerChanged(at=at(5), previous="unknown", question="q.call_outcome", observation=Observation(
            id="call_outcome", value="rejected", note=None, source=Source(kind="answer", detail="q.call_outcome",
                                                                           at=None))),
        NoteTyped(at=at(6), text="multi\nline note with ünïcode ✓", question="q.call_outcome"),
        TextReported(at=at(7), text="calls fail with 403", observations=[
            Observation(id="invite_final_status", value="403", note="said 403",
                        source=Source(kind="text", detail="403", at=None))]),
        TraceAttached(at=at(8), file="cap.pcap", format="pcap", calls=2, warnings=["truncated frame 99"],
                      observations=[Observation(id="seconds_until_drop", value=32.0, note="BYE at +32 s",
                                                source=src)]),
        ProbeRun(at=at(9), probe="dns", target="c.pstn.twilio.com", ok=False, summary="SERVFAIL",
                 details={"resolver": "10.0.0.2", "tries": 3, "rtt": 1.5, "cached": False, "ttl": None},
                 observations=[Observation(id="dns_resolves_termination_uri", value="no", note=None,
                                           source=Source(kind="probe", detail="dns", at=at(9)))]),
        DiagnosisReached(at=at(10), status="confirmed", cause="term.403.acl_mismatch", confidence=0.95,
                         summary="Confirmed: ..."),
        ExportMade(at=at(11), format="markdown", destination="stdout"),
    ]


def test_every_event_kind_is_covered() -> None:
    kinds = {ev.kind for ev in one_of_each()}
    declared = {"context", "family", "question_shown", "answer", "answer_changed", "note", "text", "trace",
                "probe", "diagnosis", "export"}
    assert kinds == declared


@pytest.mark.parametrize("event", one_of_each(), ids=lambda e: e.kind)
def test_round_trip_each_event(event: Event) -> None:
    record = SessionRecord(id="rt-1", created=T0, title="t", events=[event])
    again = parse_record(dump_record(record), "mem")
    assert again == record
    assert type(again.events[0]) is type(event)
    # and byte-identical when written again
    assert dump_record(again) == dump_record(record)


def test_round_trip_whole_record_and_cached_dump() -> None:
    record = SessionRecord(id="rt-2", created=T0, events=[])
    cache = DumpCache()
    for ev in one_of_each():
        record.events.append(ev)
        assert dump_record(record, cache) == dump_record(record)
    assert parse_record(dump_record(record, cache), "mem") == record
    # replacing an event in the middle invalidates the cache from there on
    record.events[3] = NoteTyped(at=T0, text="replaced", question=None)
    assert dump_record(record, cache) == dump_record(record)
    del record.events[5:]
    assert dump_record(record, cache) == dump_record(record)


@pytest.mark.parametrize(("text", "needle"), [
    (b"", "not valid JSON"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"id": "x", "events": [{"kind": "bogus"}]}', "invalid session record: events.0"),
    (b'{"id": "x", "schema_version": 99}', "newer advisor"),
    (b'{"id": "x", "unexpected": 1}', "invalid session record"),
])
def test_bad_records_give_one_line_errors(text: bytes, needle: str) -> None:
    with pytest.raises(SessionCorrupt) as err:
        parse_record(text, "f.json")
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg
    assert msg.startswith("f.json: ")


def test_read_record_errors(tmp_path: Path) -> None:
    empty = tmp_path / "e.json"
    empty.write_text("  \n")
    with pytest.raises(SessionCorrupt, match="empty file"):
        read_record(empty)
    with pytest.raises(Exception, match="no such session file"):
        read_record(tmp_path / "missing.json")


def test_transcript_style_expected_key_is_ignored_by_the_record_reader() -> None:
    data = json.loads(dump_record(SessionRecord(id="x", created=T0)))
    data["expected"] = {"status": "confirmed", "cause": "term.403.acl_mismatch"}
    assert parse_record(json.dumps(data), "m").id == "x"
