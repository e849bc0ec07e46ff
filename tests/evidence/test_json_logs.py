"""SIP messages escaped inside structured log lines (advisor/evidence/jsonlogs.py).

Samples in tests/data/logs/json are written in the shapes those loggers print: sipgo's
"<transport> read from <local> <- <remote>:" / "write to <local> -> <remote>:" records
(zerolog's "message" key, slog's "msg"), a pino-shaped record (numeric milliseconds, the
SIP message in a field of its own, the peer named in "msg"), and logrus' logfmt text
behind docker timestamps with the last record cut by the paste.
"""

from __future__ import annotations

import json
from pathlib import Path

from advisor.context import TrunkContext
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.jsonlogs import find_embedded
from advisor.evidence.load import load_trace_detailed
from advisor.kb.loader import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "data"
JSON = DATA / "logs" / "json"

OPTIONS = ("OPTIONS sip:probe@10.1.1.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.2:5060;branch=z9hG4bK-o1\r\n"
           "From: <sip:probe@10.1.1.2>;tag=p1\r\nTo: <sip:probe@10.1.1.1>\r\nCall-ID: opt-1\r\n"
           "CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n")


def read(kb: KnowledgeBase, path: Path) -> TraceAnalysis:
    return analyze_files([path], kb, TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def test_zerolog_record_gives_message_direction_and_peer() -> None:
    line = json.dumps({"level": "debug", "time": "2025-01-02T03:04:05-05:00",
                       "message": f"TCP read from 10.1.1.1:5060 <- [2001:db8::7]:40123:\n{OPTIONS}"})
    [emb] = find_embedded(["not json at all", line])
    assert emb.line == 1
    assert emb.text.startswith("OPTIONS sip:probe@10.1.1.1 SIP/2.0\r\nVia:")
    assert emb.text.endswith("Content-Length: 0\r\n\r\n")
    assert (emb.direction, emb.transport) == ("received", "tcp")
    assert (emb.local, emb.local_port, emb.remote, emb.remote_port) == ("10.1.1.1", 5060, "2001:db8::7", 40123)
    assert emb.ts is not None and emb.ts % 86400 == 3 * 3600 + 4 * 60 + 5  # the log's own wall clock


def test_unspecified_bind_address_is_not_an_address() -> None:
    line = json.dumps({"message": f"UDP write to [::]:5060 -> 10.1.1.1:5060:\n{OPTIONS}"})
    [emb] = find_embedded([line])
    assert (emb.direction, emb.local, emb.local_port, emb.remote) == ("sent", None, 5060, "10.1.1.1")


def test_prose_quoting_a_status_line_is_not_a_message() -> None:
    line = json.dumps({"msg": "peer answered SIP/2.0 486 Busy Here\nretrying later"})
    assert find_embedded([line]) == []
    assert find_embedded(['{"msg":"SIP/2.0 200 OK"}']) == []  # no escaped line break: not looked at


def test_sipgo_slog_termination_403(kb: KnowledgeBase) -> None:
    lt = load_trace_detailed(JSON / "sipgo_slog_403.jsonl")
    assert lt.contents.format == "json_log"
    assert lt.directions == ["sent", "received", "received", "sent"]
    assert [(r.src, r.dst) for r in lt.contents.sip] == [("192.168.1.20", "54.172.60.1"),
                                                        ("54.172.60.1", "192.168.1.20"),
                                                        ("54.172.60.1", "192.168.1.20"),
                                                        ("192.168.1.20", "54.172.60.1")]
    assert [r.ref.line for r in lt.contents.sip] == [1, 3, 4, 5]  # line numbers of the log itself
    got = facts(read(kb, JSON / "sipgo_slog_403.jsonl"))
    assert (got["call_direction"], got["invite_final_status"]) == ("termination", "403")
    assert got["rejected_invite_had_credentials"] == "no"


def test_pino_message_field_with_peer_in_msg(kb: KnowledgeBase) -> None:
    lt = load_trace_detailed(JSON / "pino_origination_488.jsonl")
    assert lt.directions == ["received", "sent"]
    assert lt.contents.sip[0].src == "54.172.60.2" and lt.contents.sip[0].ts == 1741079702.101
    got = facts(read(kb, JSON / "pino_origination_488.jsonl"))
    assert got["call_direction"] == "origination"
    assert got["session_expires_below_minimum"] == "yes"  # Session-Expires: 60 in the carrier's INVITE
    assert got["pbx_challenges_carrier"] == "no"


def test_logfmt_behind_docker_stamps_with_a_cut_record(kb: KnowledgeBase) -> None:
    a = read(kb, JSON / "logrus_logfmt_cut.log")
    msgs = a.calls[0].messages
    assert [m.first_line for m in msgs] == ["INVITE sip:+14155550123@203.0.113.10:5060 SIP/2.0",
                                            "SIP/2.0 488 Not Acceptable Here"]
    assert facts(a)["invite_final_status"] == "488"  # from the record the paste cut short


def test_real_sipgo_paste_is_read() -> None:
    lt = load_trace_detailed(DATA / "real" / "c25_sipgo_149.txt")
    assert lt.contents.format == "json_log"
    [rec] = lt.contents.sip
    assert rec.raw.startswith(b"INVITE sip:+15143331212@v1.bgw.jumpy SIP/2.0\r\n")
    assert (lt.directions, rec.src, rec.sport, rec.transport) == (["received"], "127.0.0.1", 49751, "udp")


def test_python_repr_value_with_the_peer_before_it() -> None:
    # structlog's console renderer: key=value pairs, string values as Python reprs
    raw = repr(OPTIONS)
    assert raw.startswith("'") and "\\r\\n" in raw
    line = f"2025-03-04 09:30:00 [debug    ] sip message received from 10.1.1.2:5060 raw={raw}"
    [emb] = find_embedded([line])
    assert emb.text == OPTIONS
    assert (emb.direction, emb.remote, emb.remote_port) == ("received", "10.1.1.2", 5060)
