"""Pastes cut at either end: a log line with a bracketed byte count is no address, and an answer whose
INVITE was not pasted still says how the INVITE ended."""

from __future__ import annotations

from pathlib import Path

from advisor.context import TrunkContext
from advisor.evidence.analyze import analyze_files
from advisor.evidence.textlogs import read_text_detailed, undo_double_spacing
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


def test_double_spaced_paste_is_read_with_file_line_numbers() -> None:
    single = OK.replace("\n\n", "\n\nv=0\n", 1).splitlines()
    doubled = "\n\n".join(OK.rstrip("\n").splitlines()) + "\n"  # every line followed by an empty one
    assert undo_double_spacing(single) == (single, None)  # an ordinary paste is left alone
    lines, where = undo_double_spacing(doubled.split("\n"))
    assert where is not None and lines[:2] == ["SIP/2.0 486 Busy Here", "Via: SIP/2.0/UDP 10.1.1.2:5060;branch=z9hG4bK-c1"]
    assert where[:3] == [0, 2, 4]
    three = undo_double_spacing(["a: 1", "", "b: 2", "", "", "", "c: 3", "", "d: 4", "", "e: 5", "", "f: 6"])[0]
    assert three == ["a: 1", "b: 2", "", "c: 3", "d: 4", "e: 5", "f: 6"]  # three empty lines were one
    cc, _ = read_text_detailed("intro line\n\n" + doubled, "d.txt")
    [rec] = cc.sip
    assert rec.ref.line == 3 and b"Call-ID: cut-1\r\n" in rec.raw
    assert any("double-spaced" in w for w in cc.warnings)
