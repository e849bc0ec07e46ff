"""Pastes cut at either end: a log line with a bracketed byte count is no address, and an answer whose
INVITE was not pasted still says how the INVITE ended."""

from __future__ import annotations

from pathlib import Path

from advisor.context import TrunkContext
from advisor.evidence.analyze import analyze_files
from advisor.evidence.textlogs import read_text_detailed
from advisor.kb.loader import KnowledgeBase

OK = ("SIP/2.0 486 Busy Here\nVia: SIP/2.0/UDP 10.1.1.2:5060;branch=z9hG4bK-c1\n"
      "From: <sip:a@10.1.1.2>;tag=a1\nTo: <sip:b@10.1.1.1>;tag=b1\nCall-ID: cut-1\nCSeq: 4 INVITE\n"
      "Content-Length: 0\n\n")


def test_bracketed_byte_count_is_not_an_address() -> None:
    cc, directions = read_text_detailed("TCP message received [825] bytes :\n\n" + OK, "t.txt")
    [rec] = cc.sip
    assert (rec.src, rec.dst, directions) == (None, None, [None])
    cc6, _ = read_text_detailed("UDP message received from [2001:db8::5]:5060\n" + OK, "t6.txt")
    assert cc6.sip[0].src == "2001:db8::5"  # a bracketed IPv6 address still is one


def test_answer_without_its_invite_gives_the_final_status(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "answer_only.txt"
    path.write_text(OK)
    a = analyze_files([path], kb, TrunkContext())
    f = next(f for f in a.findings if f.observation.id == "invite_final_status")
    assert f.observation.value == "486"
    assert "the INVITE itself is not in the trace" in (f.observation.note or "")
