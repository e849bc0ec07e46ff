"""Random and mutated input: nothing but TraceError/SipParseError escapes, and nothing hangs."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.context import TrunkContext
from advisor.evidence.analyze import analyze_loaded
from advisor.evidence.load import LoadedTrace, load_trace
from advisor.evidence.records import TraceError
from advisor.evidence.sdp import parse_sdp
from advisor.evidence.sipmsg import SipParseError, parse_message
from advisor.evidence.textlogs import read_text_detailed
from advisor.kb.loader import KnowledgeBase, load_kb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
TEXTS = sorted(FIXTURES.glob("*.txt")) + sorted(FIXTURES.glob("*.log"))
TEXTS += sorted(p for p in SAMPLES.glob("s*") if p.suffix in (".txt", ".log"))
TEXT_CACHE = {p.name: p.read_text() for p in TEXTS}
KB: KnowledgeBase = load_kb()
LIMIT_S = 10.0  # any single input must be handled well within this

SIP_LINES = [
    "INVITE sip:+14155550132@bay.pstn.twilio.com SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 100 trying", "ACK sip:a@b SIP/2.0",
    "Via: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bKx", "v: SIP/2.0/UDP [::1]:5060", "Call-ID: abc", "i: abc",
    "CSeq: 1 INVITE", "CSeq: x", "From: <sip:a@b>;tag=1", "To: \"x, y\" <sip:c@d>", "Content-Length: 40",
    "l: 99999999", "Content-Type: application/sdp", "c: multipart/mixed;boundary=zz", "v=0", "c=IN IP4 10.0.0.1",
    "m=audio 0 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "", " folded", "\tfolded", "<--- SIP read from UDP:1.2.3.4:5060 --->",
    "<------------->", "---", "recv 10 bytes from udp/[1.2.3.4]:5060 at 10:00:00.000001:", "   " + "-" * 72,
    "<--- Received SIP request (1 bytes) from UDP:1.2.3.4:5060 --->", "2024/01/01 10:00:00.000001 1.2.3.4:5060 -> 5.6.7.8:5060",
    "10:00:00.000001 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 40)",
    "    1.2.3.4.5060 > 5.6.7.8.5060: SIP, length: 12", "    1.2.3.4.4000 > 5.6.7.8.4002: UDP, length 172",
    "[2024-01-01 10:00:00.000] --> 1.2.3.4:5060", "#1 2024-01-01 10:00:00 1.2.3.4:5060 -> 5.6.7.8:5060",
]


def check_pipeline(text: str, name: str = "fuzz.txt") -> None:
    start = time.monotonic()
    try:
        contents, directions = read_text_detailed(text, name)
        analysis = analyze_loaded([LoadedTrace(contents, directions)], KB, TrunkContext())
        analysis.model_dump_json()
    except TraceError as exc:
        assert "\n" not in str(exc)
    assert time.monotonic() - start < LIMIT_S


@settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_parse_message_random_text(text: str) -> None:
    with contextlib.suppress(SipParseError):
        parse_message(text)


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(st.binary(max_size=3000))
def test_parse_message_random_bytes(data: bytes) -> None:
    with contextlib.suppress(SipParseError):
        parse_message(data)


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(st.text(max_size=3000))
def test_parse_sdp_random_text(text: str) -> None:
    parse_sdp(text)


@settings(max_examples=200, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(SIP_LINES), st.text(max_size=80)), max_size=120),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_readers_on_sip_like_line_soup(lines: list[str], eol: str) -> None:
    check_pipeline(eol.join(lines))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(TEXT_CACHE)))
    lines = TEXT_CACHE[name].splitlines()
    for _ in range(draw(st.integers(0, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "dup", "cut", "junk", "swap", "number", "strip", "block"]))
        if op == "delete":
            j = draw(st.integers(i, min(len(lines), i + 40)))
            del lines[i:j]
        elif op == "dup":
            j = draw(st.integers(i, min(len(lines), i + 40)))
            lines[i:i] = lines[i:j]
        elif op == "cut":
            line = lines[i]
            lines[i] = line[:draw(st.integers(0, len(line)))]
        elif op == "junk":
            lines.insert(i, draw(st.one_of(st.text(max_size=120), st.sampled_from(SIP_LINES))))
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "number":
            lines[i] = "".join(draw(st.sampled_from("0123456789")) if c.isdigit() else c for c in lines[i])
        elif op == "strip":
            lines[i] = lines[i].strip()
        else:
            del lines[i:]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return name, eol.join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_traces_never_crash(sample: tuple[str, str]) -> None:
    name, text = sample
    check_pipeline(text, name)


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=4000))
def test_random_files(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    f = tmp_path_factory.mktemp("fuzz") / "input.bin"
    f.write_bytes(data)
    try:
        load_trace(f)
    except TraceError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("text", [
    "a" * 300_000,
    "INVITE sip:" + "x" * 200_000 + " SIP/2.0\nCall-ID: 1\nCSeq: 1 INVITE\n\n",
    "1.1.1.1:" * 50_000,
    " > " * 80_000 + "\n" + "-" * 100_000,
    "[" * 100_000 + "]",
    "Via: " + "SIP/2.0/UDP a;" * 20_000 + "\nCall-ID: 1\nCSeq: 1 INVITE\n",
    ("SIP/2.0 200 OK\nCall-ID: 1\nCSeq: 1 INVITE\n" + "Record-Route: <sip:a;lr>, " * 5_000 + "\n\n"),
    "\t" * 100_000 + "SIP/2.0 200 OK",
    ("recv 1 bytes from udp/[" + "1" * 50_000 + "]:5060 at 10:00:00.1:\n"),
    "IP " + "(" * 50_000 + "\n" + "    " + "a." * 50_000 + " > b.5060: SIP, length: 1\n\tSIP/2.0 200 OK\n",
], ids=["long-line", "long-uri", "addresses", "arrows-dashes", "brackets", "via-params", "record-routes", "tabs",
        "fs-address", "tcpdump-parens"])
def test_pathological_lines_are_fast(text: str) -> None:
    check_pipeline(text)


def test_many_calls_in_one_log_are_all_read() -> None:
    """400 calls pasted back to back: every one is found (speed is `advisor bench trace`'s job)."""
    one = TEXT_CACHE["raw_plain_403_acl.txt"]
    text = "\n".join(one.replace("Call-ID: ", f"Call-ID: n{n}-") for n in range(400))
    contents, directions = read_text_detailed(text, "many.txt")
    analysis = analyze_loaded([LoadedTrace(contents, directions)], KB, TrunkContext())
    single, _ = read_text_detailed(one, "one.txt")
    assert len(contents.sip) == 400 * len(single.sip)
    assert len(analysis.calls) == 400
