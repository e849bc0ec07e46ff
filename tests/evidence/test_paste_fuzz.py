"""Structured-log records, headers without a start line and double-spaced text, at random: nothing but
TraceError/SipParseError escapes, and nothing is slow (jsonlogs, headless, undo_double_spacing)."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.evidence.jsonlogs import find_embedded
from advisor.evidence.sipmsg import SipParseError, parse_message
from advisor.evidence.textlogs import read_text_detailed, undo_double_spacing
from tests.evidence.test_trace_fuzz import SIP_LINES, check_pipeline

PREAMBLES = ["UDP read from [::]:5060 <- 127.0.0.1:49751:", "TCP write to 10.0.0.1:5060 -> [2001:db8::1]:5061:",
             "received from 54.172.60.1:5060: ", "sending to udp/1.2.3.4:5060", "", "x read from a <- b:"]


@st.composite
def records(draw: st.DrawFn) -> str:
    body = "\r\n".join(draw(st.lists(st.one_of(st.sampled_from(SIP_LINES), st.text(max_size=40)), max_size=30)))
    value = draw(st.sampled_from(PREAMBLES)) + "\n" + body
    key = draw(st.sampled_from(["message", "msg", "event", "sip", "raw"]))
    shape = draw(st.sampled_from(["json", "logfmt", "repr", "cut"]))
    if shape == "json":
        return json.dumps({"time": draw(st.one_of(st.integers(), st.text(max_size=30))), key: value})
    if shape == "logfmt":
        return f'level=debug {key}={json.dumps(value)}'
    if shape == "repr":
        return f"[debug] {key}={value!r}"
    text = json.dumps({key: value})
    return text[:draw(st.integers(0, len(text)))]


@settings(max_examples=150, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), max_size=12))
def test_structured_records_never_crash(lines: list[str]) -> None:
    for emb in find_embedded(lines):
        assert emb.text.endswith("\r\n")
    check_pipeline("\n".join(lines), "fuzz.jsonl")


@settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_parse_headless_random_text(text: str) -> None:
    with contextlib.suppress(SipParseError):
        parse_message(text, headless=True)


@settings(max_examples=150, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(SIP_LINES), st.text(max_size=60)), max_size=80))
@example(lines=["\r0", "\r0", "INVITE sip:+14155550132@bay.pstn.twilio.com SIP/2.0"])
@example(lines=["INVITE sip:+14155550132@bay.pstn.twilio.com SIP/2.0"] * 6 + ["\x85", "\r"])
def test_double_spaced_soup(lines: list[str]) -> None:
    doubled = [x for line in lines for x in (line, "")]
    # undo_double_spacing sees lines as the reader splits them: never holding a line end itself
    split = [x.replace("\r", "").replace("\n", "") for x in doubled]
    out, where = undo_double_spacing(split)
    if where is not None:
        # every kept line is the original line; a kept blank may be a whitespace-only one made empty
        assert len(out) == len(where) and all(split[i] == line or (line == "" and not split[i].strip())
                                              for i, line in zip(where, out, strict=True))
    text = "\n".join(doubled)
    contents, _ = read_text_detailed(text, "d.txt")
    # the reader ends lines at LF, CRLF and a lone CR (old Mac text), not at U+0085 or U+2028
    n_lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for rec in contents.sip:
        assert rec.ref.line is not None and 1 <= rec.ref.line <= n_lines


@pytest.mark.parametrize("line", [
    'SIP/2.0 \\n ' + '"' * 200_000,
    'SIP/2.0 \\n ' + '"\\' * 100_000,
    "SIP/2.0 \\r '" + "\\'" * 100_000,
    '{"msg":"SIP/2.0 200 OK\\r\\n' + "Via: x\\r\\n" * 20_000 + '"}',
])
def test_pathological_lines_are_quick(line: str) -> None:
    start = time.monotonic()
    find_embedded([line])
    assert time.monotonic() - start < 5.0
