"""The ticket a tier-2 engineer reads: top-down, the actual SIP lines, honest when in progress, wrapped.

Expected values come from the trace files and the carrier's guide as read by a person (the 403 of
raw_plain_403_acl.txt is on line 42 of the file; its INVITE carries no credentials, so the guide's
"403 ... (ACL)" heading applies), not from running the engine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.session.core import Session
from advisor.session.events import SessionRecord, TraceAttached
from advisor.session.excerpts import trim_message
from advisor.session.export import SessionExport, build_export, export_session
from advisor.session.store import read_record

DATA = Path(__file__).resolve().parents[1] / "data" / "export"
TRANSCRIPTS = Path(__file__).resolve().parents[2] / "transcripts"
ACL_403 = DATA / "raw_plain_403_acl.txt"
PCAP = DATA / "udp_eth.pcap"
TICKET_FORMATS = ["markdown", "text"]


def _line_of(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


@pytest.fixture
def acl_session(advisor: Advisor) -> Session:
    session = Session(advisor)
    session.choose_family("calls_out_fail")
    session.attach_analysis(str(ACL_403), analyze_files([ACL_403], advisor.kb))
    # a digest-less 403 makes the ACL only "most likely" (the guide): the engineer checked the Via's
    # received= address (212.58.244.20) against the trunk's ACL: not there
    session.answer("source_ip_in_acl", "no", "q.source_ip_in_acl")
    assert session.diagnosis().conclusion.status == "confirmed"
    return session


def test_trace_excerpts_are_kept_in_the_session(acl_session: Session) -> None:
    ev = next(e for e in acl_session.record.events if isinstance(e, TraceAttached))
    refs = {(x.line, x.lines[0]) for x in ev.excerpts}
    assert (_line_of(ACL_403, "SIP/2.0 403"), "SIP/2.0 403 Forbidden") in refs
    assert (_line_of(ACL_403, "INVITE sip:"), "INVITE sip:+442079460123@camden-clinic.pstn.twilio.com SIP/2.0") in refs
    # the record round-trips through JSON with its excerpts (a saved session still quotes them)
    again = SessionRecord.model_validate_json(acl_session.record.model_dump_json())
    assert again == acl_session.record


def test_trim_keeps_start_line_and_the_headers_that_matter() -> None:
    raw = ("SIP/2.0 403 Forbidden\r\nVia: SIP/2.0/UDP a;branch=1\r\nVia: SIP/2.0/UDP b;branch=2\r\n"
           "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nServer: Twilio\r\n"
           "Allow: INVITE, ACK\r\nX-Twilio-Error: 32201 Source IP address not in ACL\r\nContent-Length: 0\r\n\r\n")
    lines, left_out = trim_message(raw, frozenset({"x-twilio-error"}))
    assert lines == ["SIP/2.0 403 Forbidden", "Via: SIP/2.0/UDP a;branch=1", "From: <sip:a@b>;tag=1",
                     "To: <sip:c@d>;tag=2", "Call-ID: x", "CSeq: 1 INVITE",
                     "X-Twilio-Error: 32201 Source IP address not in ACL"]
    assert left_out == 4  # second Via, Server, Allow, Content-Length
    compact, _ = trim_message("INVITE sip:x SIP/2.0\nv: SIP/2.0/UDP a\ni: abc\nm: <sip:p@10.0.0.1>\nk: timer\n")
    assert compact == ["INVITE sip:x SIP/2.0", "v: SIP/2.0/UDP a", "i: abc", "m: <sip:p@10.0.0.1>"]


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_confirmed_ticket_quotes_the_actual_sip_lines(acl_session: Session, fmt: str) -> None:
    out = export_session(acl_session, fmt)
    flat = " ".join(out.split())
    assert "Confirmed: The INVITE comes from an address that is not on the trunk" in flat
    assert "SIP/2.0 403 Forbidden" in out and "INVITE sip:+442079460123@camden-clinic.pstn.twilio.com SIP/2.0" in out
    assert f"line {_line_of(ACL_403, 'SIP/2.0 403')}" in flat
    assert "received=212.58.244.20" in out  # the Via the guide's fix tells the engineer to read
    assert "Allow: OPTIONS" not in out  # trimmed to what matters
    # the guide section of the ACL cause (guide heading: "403 Forbidden ... (ACL)")
    assert "You are getting 403 Forbidden responses to your INVITE requests (ACL)" in flat


def test_ticket_order_summary_fix_evidence_guide_path_possible_ruled_out(acl_session: Session) -> None:
    md = export_session(acl_session, "markdown")
    heads = re.findall(r"^## (.+)$", md, flags=re.M)
    wanted = ["Summary", "Fix", "Evidence that decides it", "Carrier guide section", "Path", "Still possible",
              "Ruled out"]
    idx = [next(i for i, h in enumerate(heads) if h.startswith(w)) for w in wanted]
    assert idx == sorted(idx), heads
    summary = " ".join(md.split("## Summary")[1].split("\n## ")[0].split())
    assert "Status: confirmed" in summary and "confidence" in summary and "%" in summary
    assert "Checked:" in summary and "raw_plain_403_acl.txt" in summary
    fix = md.split("## Fix")[1].split("\n## ")[0]
    assert re.findall(r"^\d+\. ", fix, flags=re.M) == ["1. ", "2. "]
    # the SIP lines come inside the evidence section, fenced
    evidence = md.split("## Evidence that decides it")[1].split("\n## ")[0]
    assert re.search(r"^  ```\n  SIP/2.0 403 Forbidden$", evidence, flags=re.M)


def test_ruled_out_grouped_in_words_each_cause_once(acl_session: Session) -> None:
    d = acl_session.diagnosis()
    gone = [c.id for c in d.causes if c.status == "ruled_out"]
    assert gone
    for fmt in TICKET_FORMATS:
        out = export_session(acl_session, fmt)
        section = out.split("## Ruled out\n" if fmt == "markdown" else "RULED OUT\n---------\n")[1]
        for cid in gone:
            assert section.count(cid) == 1, (fmt, cid)
        assert not re.search(r"[{}]|\bin \[|\bnot \[", section), section  # no set notation
        assert section.count("Ruled out by: ") == len(build_export(acl_session).ticket.ruled_out)
    model = build_export(acl_session)
    assert sum(len(g.causes) for g in model.ticket.ruled_out) == len(gone)
    assert len({g.reason for g in model.ticket.ruled_out}) == len(model.ticket.ruled_out)  # no repeated reason


def test_in_progress_never_offers_a_fix(advisor: Advisor) -> None:
    session = Session(advisor)
    session.choose_family("calls_out_fail")
    d = session.diagnosis()
    assert d.conclusion.status == "in_progress"
    top_fix = next(c for c in d.causes if c.status != "ruled_out").fix  # the leading cause's fix
    for fmt in ["markdown", "text", "html"]:
        out = export_session(session, fmt)
        flat = " ".join(out.split())
        assert "in progress: what to check next" in flat.lower()
        assert "fix:" not in flat.lower() and "if the most likely cause is confirmed" not in flat
        for step in top_fix:
            assert " ".join(step.split())[:60] not in flat, step
        assert "not a diagnosis yet" in flat
        assert d.next_question is not None and d.next_question.text in flat
    model = build_export(session)
    assert model.ticket.fix == [] and model.ticket.status == "in_progress"
    # a tie is called a tie, not "most likely"
    alive = [c for c in d.causes if c.status != "ruled_out"]
    if len(alive) > 1 and alive[0].confidence == alive[1].confidence:
        assert "tied" in model.ticket.summary and "most likely" not in model.ticket.summary


def test_changed_answer_is_shown_in_the_path(advisor: Advisor) -> None:
    session = Session(advisor)
    session.choose_family("calls_out_fail")
    session.answer("invite_final_status", "unknown")
    session.answer("invite_final_status", "403")
    text = " ".join(export_session(session, "text").split())
    assert "403 Forbidden (any reason phrase) (changed from: I don't know)" in text


def test_frame_reference_from_a_capture(advisor: Advisor) -> None:
    session = Session(advisor)
    session.attach_analysis(str(PCAP), analyze_files([PCAP], advisor.kb))
    text = " ".join(export_session(session, "text").split())
    assert "frame 3" in text and "SIP/2.0 200 OK" in text  # the 200 OK is the capture's third packet


@pytest.mark.parametrize("transcript", sorted(TRANSCRIPTS.glob("*.json")), ids=lambda p: p.stem)
def test_every_transcript_wraps_at_100_columns(advisor: Advisor, transcript: Path) -> None:
    session = Session(advisor, read_record(transcript))
    for fmt in TICKET_FORMATS:
        out = export_session(session, fmt)
        long = [line for line in out.splitlines() if len(line) > 100]
        assert not long, (fmt, long[:3])
    model = build_export(session)
    assert model.ticket.status == "confirmed" and model.ticket.fix  # each transcript confirms its cause
    assert model.ticket.guide == advisor.kb.causes[transcript.stem].guide


def test_json_is_lossless(acl_session: Session) -> None:
    data = json.loads(export_session(acl_session, "json"))
    model = SessionExport.model_validate(data)
    assert model.export_version == 2
    assert any(ev.excerpt is not None and ev.excerpt.lines[0] == "SIP/2.0 403 Forbidden" for ev in model.evidence)
    assert model.traces[0].excerpts and model.ticket.deciding
    full = build_export(acl_session)
    assert len(model.ruled_out) == len(full.ruled_out) and len(model.evidence) == len(full.evidence)


def test_direction_conflict_is_a_warning_everywhere(advisor: Advisor) -> None:
    """An outbound (termination) trace attached to an inbound (origination) session."""
    session = Session(advisor)
    session.choose_family("calls_in_fail")
    session.attach_analysis(str(ACL_403), analyze_files([ACL_403], advisor.kb))
    warnings = [w for w in session.diagnosis().warnings if "another call" in w]
    assert len(warnings) == 1 and "outbound (termination)" in warnings[0] and "inbound (origination)" in warnings[0]
    for fmt in ["markdown", "text", "html", "json"]:
        assert "may be a capture of another call" in " ".join(export_session(session, fmt).split()), fmt
    same = Session(advisor)
    same.choose_family("calls_out_fail")
    same.attach_analysis(str(ACL_403), analyze_files([ACL_403], advisor.kb))
    assert not [w for w in same.diagnosis().warnings if "another call" in w]


def test_undecided_says_what_would_decide(advisor: Advisor) -> None:
    """Every question answered "I don't know" after a 403: the ACL and the credentials stay open (the guide's two
    403 headings), and the ticket says which unknown answers would decide, never a fix."""
    session = Session(advisor)
    session.choose_family("calls_out_fail")
    session.answer("symptom", "term_403")
    while (q := session.diagnosis().next_question) is not None:
        session.answer(q.observation, "unknown")
    assert session.diagnosis().conclusion.status == "undecided"
    model = build_export(session)
    assert model.ticket.fix == [] and model.ticket.next_title.lower().startswith("undecided")
    checks = " ".join(model.ticket.next_checks)
    asked = "\u201cDid the INVITE that got the error carry credentials (the retry after a 407 challenge)?\u201d must be"
    assert f"{asked} no" in checks  # the ACL case: no credentials were sent
    assert f"{asked} yes" in checks  # the credentials case
    text = " ".join(export_session(session, "text").split())
    assert "FIX:" not in text and "UNDECIDED: WHAT TO CHECK NEXT" in text


def test_excerpts_from_an_analysis_without_raw_messages(advisor: Advisor) -> None:
    """Large captures are analysed without keeping each message's text: the start line is still quoted."""
    from advisor.session.excerpts import excerpts_from_analysis

    analysis = analyze_files([ACL_403], advisor.kb, raw_messages=False)
    starts = {x.lines[0] for x in excerpts_from_analysis(analysis)}
    assert "SIP/2.0 403 Forbidden" in starts


def test_engine_conflicts_reach_the_ticket(advisor: Advisor) -> None:
    """Whatever the engine flags (conflicting sources) is in the ticket's warnings, not only the session's."""
    session = Session(advisor)
    session.choose_family("calls_in_fail")
    session.attach_analysis(str(ACL_403), analyze_files([ACL_403], advisor.kb))
    d = session.diagnosis()
    model = build_export(session)
    assert model.warnings == list(dict.fromkeys(d.warnings)) and len(model.warnings) > len(session.warnings())


def test_nothing_wrong_is_not_a_fix_and_lists_what_was_not_checked(advisor: Advisor) -> None:
    session = Session(advisor)
    session.choose_family("calls_out_fail")
    session.answer("call_outcome", "completes_normally")
    d = session.diagnosis()
    assert d.conclusion.status == "nothing_wrong"
    model = build_export(session)
    assert model.ticket.headline == "Nothing wrong found" and model.ticket.fix == []
    assert all(f"Not checked: {x}" in model.ticket.next_checks for x in d.conclusion.not_checked)
    text = " ".join(export_session(session, "text").split())
    assert "NOTHING WRONG FOUND: WHAT WAS NOT CHECKED" in text and text.count("othing wrong found") <= 3


def test_a_trace_that_decides_nothing_says_so_in_the_ticket(advisor: Advisor) -> None:
    paste = Path(__file__).resolve().parents[1] / "data" / "real" / "c30_freeswitch_2515.txt"
    session = Session(advisor)
    session.attach_analysis(str(paste), analyze_files([paste], advisor.kb))
    assert session.warnings()[0].startswith("the trace(s) decide nothing")
    assert "the trace(s) decide nothing" in export_session(session, "text")
