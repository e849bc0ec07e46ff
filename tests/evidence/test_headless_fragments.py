"""Pastes cut above their start line: header blocks kept as fragments (advisor/evidence/headless.py)
and the findings that need neither a start line nor sides (advisor/evidence/extract/fragments.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.context import TrunkContext
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.headless import header_blocks, infer_kind
from advisor.evidence.sipmsg import SipParseError, parse_message
from advisor.evidence.textlogs import read_text
from advisor.kb.loader import KnowledgeBase

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"

HEADERS = ["Via: SIP/2.0/TLS 10.0.0.9:5061;branch=z9hG4bK-x1", "From: <sip:a@example.com>;tag=f1",
           "To: <sip:b@example.com>", "Call-ID: x1@10.0.0.9", "CSeq: 3 INVITE"]


def read(kb: KnowledgeBase, name: str) -> TraceAnalysis:
    return analyze_files([LOGS / name], kb, TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def test_parse_headless_keeps_headers_and_transaction() -> None:
    raw = "\r\n".join(HEADERS) + "\r\nMax-Forwards: 69\r\n\r\n"
    with pytest.raises(SipParseError):
        parse_message(raw)  # without the flag a message must start with a start line
    msg = parse_message(raw, headless=True)
    assert (msg.method, msg.status, msg.first_line) == (None, None, "")
    assert msg.call_id == "x1@10.0.0.9" and msg.cseq == (3, "INVITE")
    assert msg.top_via is not None and msg.top_via.host == "10.0.0.9"
    assert msg.summary() == "INVITE transaction headers (no start line)"
    assert msg.text().startswith("Via: SIP/2.0/TLS 10.0.0.9:5061")  # no empty start line in front
    assert infer_kind(msg) == "request"  # Max-Forwards travels only in requests


@pytest.mark.parametrize(("extra", "kind"), [
    ([], "unknown"),  # CSeq INVITE without To tag, Contact or body: could be a 100 Trying
    (["RSeq: 1"], "response"),
    (["Server: carrier-sbc"], "response"),
    (["Contact: <sip:a@10.0.0.9>"], "request"),  # initial INVITE: no To tag, a Contact
])
def test_infer_kind_only_from_proof(extra: list[str], kind: str) -> None:
    lines = [*HEADERS, *extra]
    msg = parse_message("\r\n".join(lines) + "\r\n\r\n", headless=True)
    assert infer_kind(msg) == kind


def test_response_headers_with_to_tag_stay_unknown() -> None:
    lines = [h.replace("<sip:b@example.com>", "<sip:b@example.com>;tag=t9") for h in HEADERS]
    msg = parse_message("\r\n".join([*lines, "Contact: <sip:b@10.1.1.1>"]) + "\r\n\r\n", headless=True)
    assert infer_kind(msg) == "unknown"  # a 200 OK or a re-INVITE: nothing proves which


def test_blocks_need_sip_evidence_and_skip_taken_lines() -> None:
    mail = ["From: Alice <alice@example.com>", "To: Bob <bob@example.com>", "Subject: call failing",
            "Date: Mon, 1 Jan 2024 10:00:00 GMT"]
    assert header_blocks(mail, [False] * len(mail)) == []
    two = HEADERS[:2]
    assert header_blocks(two, [False, False]) == []  # fewer than three lines: too little to keep
    lines = ["INVITE sip:b@example.com SIP/2.0", *HEADERS, "", "some prose", *HEADERS]
    taken = [k <= len(HEADERS) + 1 for k in range(len(lines))]
    [block] = header_blocks(lines, taken)
    assert block.line == len(HEADERS) + 3 and block.text.startswith("Via: SIP/2.0/TLS")


def test_text_reader_keeps_block_after_a_whole_message_once() -> None:
    text = "\n".join(["INVITE sip:b@example.com SIP/2.0", *HEADERS, "", "cut here:", *HEADERS[1:], ""])
    cc = read_text(text, "t.txt")
    assert [r.ref.line for r in cc.sip] == [1, 9]  # the message, then the headers-only block
    assert cc.sip[1].raw.startswith(b"From: <sip:a@example.com>;tag=f1\r\n")


def test_indented_headers_only_invite_with_short_session_expires(kb: KnowledgeBase) -> None:
    a = read(kb, "headless_invite_se60.txt")
    got = facts(a)
    assert got["session_expires_below_minimum"] == "yes"
    [m] = a.other_messages
    assert m.line == 3 and m.first_line == "(INVITE transaction headers (no start line))"
    assert "m=audio 18000 RTP/AVP 0 8 101" in (m.raw or "")  # the SDP body after the blank line is kept
    assert any("no start line" in w for w in a.warnings)


def test_ack_to_record_route_hop_against_a_headers_only_answer(kb: KnowledgeBase) -> None:
    a = read(kb, "headless_ok_then_ack.txt")
    call = a.calls[0]
    assert call.direction is None  # an unknown carrier and no context: the check needs no sides
    assert len(call.messages) == 3 and call.messages[1].line == 12
    f = next(f for f in a.findings if f.observation.id == "ack_request_uri")
    assert f.observation.value == "carrier_other_address"
    assert "Record-Route hop" in (f.observation.note or "") and f.ref == "headless_ok_then_ack.txt:line 21"


def test_answer_headers_tied_by_tag_give_the_pbx_sdp(kb: KnowledgeBase) -> None:
    a = read(kb, "headless_answer_sdp.txt")
    call = a.calls[0]
    assert call.direction == "origination"
    frag = call.messages[1]  # no Call-ID: tied to the carrier's INVITE by the From tag
    assert (frag.line, frag.sender) == (14, "customer")  # Server header: a response, so the callee (the PBX) sent it
    got = facts(a)
    assert got["pbx_sdp_address"] == "private"
    assert "invite_final_status" not in got  # no status line: how the INVITE ended is not known
