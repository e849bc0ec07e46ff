"""Hand-made traces in every text format (tests/fixtures/text), other scenarios than the samples."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.evidence.load import load_trace
from advisor.kb.loader import KnowledgeBase

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"
EXPECTED: dict[str, dict] = yaml.safe_load((FIXTURES / "expected.yaml").read_text())


def line_of(path: Path, text: str, occurrence: int) -> int:
    seen = 0
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            seen += 1
            if seen == max(occurrence, 1):
                return n
    raise AssertionError(f"{text!r} not in {path.name}")


def test_every_format_has_a_healthy_call_and_a_failing_one() -> None:
    formats = {spec["format"] for spec in EXPECTED.values()}
    assert formats == {"raw", "sngrep_txt", "asterisk_pjsip", "asterisk_chan_sip", "freeswitch_siptrace",
                       "tcpdump_text"}
    for fmt in formats:
        kinds = {bool(spec.get("healthy")) for spec in EXPECTED.values() if spec["format"] == fmt}
        assert kinds == {True, False}, fmt


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_format_detected(name: str) -> None:
    contents = load_trace(FIXTURES / name)
    assert contents.format == EXPECTED[name]["format"]
    assert bool(contents.sip) == EXPECTED[name].get("sip", True)
    assert not [w for w in contents.warnings if "truncated" in w]
    for rec in contents.sip:
        assert rec.ref.file == name
        assert rec.ref.line is not None and rec.ref.line >= 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_diagnosis(kb: KnowledgeBase, advisor: Advisor, name: str) -> None:
    spec = EXPECTED[name]
    analysis = analyze_files([FIXTURES / name], kb, TrunkContext())
    assert not [w for w in analysis.warnings if "skipped" in w], analysis.warnings
    diagnosis = advisor.diagnose(analysis.observations(), analysis.warnings)
    got = {f.observation.id: f.observation for f in analysis.findings}
    if spec.get("healthy"):
        assert not [c.id for c in diagnosis.causes if c.status == "confirmed"]
        assert got["invite_final_status"].value == "2xx"
        return
    if not spec.get("sip", True):
        assert not [w for w in analysis.warnings if "skipped" in w]
    assert diagnosis.causes[0].id in spec["expect"], [(c.id, c.status) for c in diagnosis.causes[:3]]
    # "candidate": the trace alone cannot confirm it (the deciding fact is not in any SIP log), yet it leads
    assert diagnosis.causes[0].status == spec.get("status", "confirmed")
    decide = spec["decide"]
    o = got[decide["observation"]]
    assert str(o.value) == str(decide["value"])
    assert o.source.kind == "trace" and o.source.file == name
    assert o.source.line == line_of(FIXTURES / name, decide["line_contains"], decide["occurrence"]), o
    for obs_id, value in (spec.get("observations") or {}).items():
        assert obs_id in got, f"{obs_id} missing"
        assert str(got[obs_id].value) == str(value), (obs_id, got[obs_id])


def test_timestamps_become_datetimes(kb: KnowledgeBase) -> None:
    # full-date formats carry the wall clock of the log into Source.at
    for name, year in (("fs_credentials_403.log", 2024), ("sngrep_healthy_orig.txt", 2023),
                       ("pjsip_full_ack_rewrite.log", 2024), ("raw_orig_via_rewrite.txt", 2023)):
        analysis = analyze_files([FIXTURES / name], kb, TrunkContext())
        ats = [f.observation.source.at for f in analysis.findings if f.observation.source.at is not None]
        assert ats and all(a.year == year for a in ats), name


def test_chan_sip_full_log_times_from_the_prefix_line(kb: KnowledgeBase) -> None:
    analysis = analyze_files([FIXTURES / "chansip_full_healthy_orig.log"], kb, TrunkContext())
    drop = next(f.observation for f in analysis.findings if f.observation.id == "seconds_until_drop")
    assert drop.value == pytest.approx(44.0, abs=1.0)  # whole seconds in "[Mar 12 08:30:12]" prefixes


def test_local_address_of_logs_comes_from_what_the_pbx_sent() -> None:
    fs = load_trace(FIXTURES / "fs_credentials_403.log")
    assert fs.sip[0].src == "41.76.108.46" and fs.sip[0].sport == 5080
    assert fs.sip[0].dst == "54.252.254.66"
    cs = load_trace(FIXTURES / "chansip_orig_422.log")
    assert cs.sip[0].src == "54.172.60.3" and cs.sip[0].dst == "213.160.96.20"


def test_tcpdump_rtp_streams_with_ttl() -> None:
    c = load_trace(FIXTURES / "tcpdump_low_ttl.txt")
    by_dir = {(s.src, s.dst): s for s in c.rtp}
    out = by_dir[("100.64.12.7", "168.86.184.200")]
    back = by_dir[("168.86.184.200", "100.64.12.7")]
    assert out.min_ttl == out.max_ttl == 8
    assert back.min_ttl == 49
    assert out.packets > 100 and back.packets > 100
    assert out.first_ref is not None and out.first_ref.line is not None
    # SIP packets keep their own TTL
    assert {r.ttl for r in c.sip if r.src == "100.64.12.7"} == {64}


def test_compact_and_folded_headers_in_raw(kb: KnowledgeBase) -> None:
    analysis = analyze_files([FIXTURES / "raw_compact_rpid.txt"], kb, TrunkContext())
    invite = analysis.calls[0].messages[0]
    assert invite.first_line.startswith("INVITE sip:+6495550123@")
    assert invite.src == "10.8.0.3:5060" and invite.dst == "54.252.254.64:5060"
    rpid = next(f.observation for f in analysis.findings if f.observation.id == "remote_party_id")
    assert "2207" in (rpid.note or "")


def test_several_files_in_one_session(kb: KnowledgeBase, advisor: Advisor) -> None:
    analysis = analyze_files([FIXTURES / "raw_healthy_term.txt", FIXTURES / "fs_credentials_403.log"], kb,
                             TrunkContext())
    assert len(analysis.files) == 2 and len(analysis.calls) == 2
    assert analysis.focus_call == next(c.call_id for c in analysis.calls if "403" in c.summary)
    diagnosis = advisor.diagnose(analysis.observations())
    assert diagnosis.causes[0].id == "term.403.credentials_mismatch"


def test_same_trace_twice_is_seen_twice_not_retransmitted(kb: KnowledgeBase, tmp_path: Path) -> None:
    src = FIXTURES / "sngrep_orig_415.txt"
    copy = tmp_path / "edge_copy.txt"
    copy.write_bytes(src.read_bytes())
    analysis = analyze_files([src, copy], kb, TrunkContext())
    call = analysis.calls[0]
    firsts = [m for m in call.messages if m.view_of is None]
    views = [m for m in call.messages if m.view_of is not None]
    assert len(firsts) == len(views) == 3
    assert not any(m.retransmission for m in call.messages)
    assert all(m.also_in for m in firsts)


def test_termination_uri_from_the_context(kb: KnowledgeBase) -> None:
    ctx = TrunkContext(termination_uri="other-trunk.pstn.twilio.com")
    analysis = analyze_files([FIXTURES / "raw_plain_403_acl.txt"], kb, ctx)
    o = next(f.observation for f in analysis.findings if f.observation.id == "request_uri_host_matches_termination_uri")
    assert o.value == "no" and "other-trunk.pstn.twilio.com" in (o.note or "")


def test_pbx_address_from_the_context_decides_sides_without_carrier_hints(kb: KnowledgeBase, tmp_path: Path) -> None:
    # a carrier the knowledge base does not know (no known address, domain or Server header)
    text = (FIXTURES / "raw_plain_403_acl.txt").read_text()
    text = text.replace("Server: Twilio Gateway", "Server: Edge").replace("Server: Twilio", "Server: Edge")
    text = text.replace("camden-clinic.pstn.twilio.com", "sip.example-carrier.net")
    f = tmp_path / "unknown_carrier.txt"
    f.write_text(text)
    plain = analyze_files([f], kb, TrunkContext())
    assert plain.calls[0].direction is None
    ctx = TrunkContext(pbx_public_address="212.58.244.20")
    with_ctx = analyze_files([f], kb, ctx)
    assert with_ctx.calls[0].direction == "termination"


def test_international_destination_and_permission(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path) -> None:
    text = (FIXTURES / "raw_plain_403_acl.txt").read_text()
    text = text.replace("+442079460123", "+33155550123").replace("403 Forbidden", "403 No International Authorization")
    f = tmp_path / "intl.txt"
    f.write_text(text)
    analysis = analyze_files([f], kb, TrunkContext())
    got = {x.observation.id: x.observation.value for x in analysis.findings}
    assert got["destination_international"] == "yes"
    assert got["response_reason"] == "no_international"
    assert advisor.diagnose(analysis.observations()).causes[0].id == "term.403.no_international_permission"
    domestic = analyze_files([FIXTURES / "raw_compact_rpid.txt"], kb, TrunkContext())
    assert {x.observation.id: x.observation.value for x in domestic.findings}["destination_international"] == "no"


OPTIONS_PING = (
    "{stamp} 192.168.20.5:5060 -> 54.172.60.0:5060\n"
    "OPTIONS sip:54.172.60.0:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 188.114.97.3:5060;rport;branch=z9hG4bKPj-opt-{n}\r\n"
    "From: <sip:qualify@188.114.97.3>;tag=q{n}\r\n"
    "To: <sip:54.172.60.0:5060>\r\n"
    "Call-ID: qualify-{n}\r\n"
    "CSeq: 101 OPTIONS\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: Asterisk PBX 20.6.0\r\n"
    "Content-Length:  0\r\n\r\n\n"
)
OPTIONS_OK = (
    "{stamp} 54.172.60.0:5060 -> 192.168.20.5:5060\n"
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 188.114.97.3:5060;rport=5060;branch=z9hG4bKPj-opt-{n};received=188.114.97.3\r\n"
    "From: <sip:qualify@188.114.97.3>;tag=q{n}\r\n"
    "To: <sip:54.172.60.0:5060>;tag=t{n}\r\n"
    "Call-ID: qualify-{n}\r\n"
    "CSeq: 101 OPTIONS\r\n"
    "Server: Twilio\r\n"
    "Content-Length: 0\r\n\r\n\n"
)


def test_options_pings(kb: KnowledgeBase, tmp_path: Path) -> None:
    answered = tmp_path / "answered.txt"
    answered.write_text(OPTIONS_PING.format(stamp="2024/06/03 09:20:00.000100", n=1)
                        + OPTIONS_OK.format(stamp="2024/06/03 09:20:00.061000", n=1))
    got = {f.observation.id: f.observation for f in analyze_files([answered], kb, TrunkContext()).findings}
    assert got["options_ping_to_carrier"].value == "answered"
    assert got["options_ping_to_carrier"].source.line == 14  # the 200 OK's status line
    silent = tmp_path / "silent.txt"
    silent.write_text("".join(OPTIONS_PING.format(stamp=f"2024/06/03 09:20:{s:02d}.000100", n=2) for s in (0, 1, 3, 7)))
    got = {f.observation.id: f.observation for f in analyze_files([silent], kb, TrunkContext()).findings}
    assert got["options_ping_to_carrier"].value == "timeout"
    assert "4 time(s)" in (got["options_ping_to_carrier"].note or "")


def test_capture_outside_the_nat_is_the_edge(kb: KnowledgeBase, tmp_path: Path) -> None:
    # a PBX that is not NAT-aware (private Via/Contact/SDP) seen with its public address: taken at the edge
    text = (FIXTURES / "sngrep_concurrent_503.txt").read_text().replace("73.15.200.9", "192.168.77.2")
    text = text.replace("192.168.77.2:5060 ->", "81.2.69.160:5060 ->").replace("-> 192.168.77.2:5060", "-> 81.2.69.160:5060")
    f = tmp_path / "edge.txt"
    f.write_text(text)
    analysis = analyze_files([f], kb, TrunkContext())
    assert analysis.files[0].capture_point == "edge"
    got = {x.observation.id: x.observation.value for x in analysis.findings}
    assert got["sip_reaches_internet_edge"] == "yes"
    assert got["pbx_sdp_address"] == "private"


def test_delivered_inbound_call_means_the_origination_uri_works(kb: KnowledgeBase) -> None:
    for name in ("raw_orig_via_rewrite.txt", "chansip_orig_422.log", "pjsip_full_orig_unanswered.log"):
        got = {x.observation.id: x.observation.value
               for x in analyze_files([FIXTURES / name], kb, TrunkContext()).findings}
        assert got["origination_uri_state"] == "correct", name


PROXY_PBX_LEG = (
    "INVITE sip:+16174017687@harbor-sbc.pstn.twilio.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bK-pbx-1\r\n"
    "From: <sip:+16175550100@10.0.0.5>;tag=fs1\r\n"
    "To: <sip:+16174017687@harbor-sbc.pstn.twilio.com>\r\n"
    "Call-ID: proxy-call-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:pbx@10.0.0.5:5060>\r\n"
    "User-Agent: FreeSWITCH-mod_sofia/1.10.11-release~64bit\r\n"
    "Content-Length: 0\r\n\r\n"
)
PROXY_CARRIER_LEG = (
    "INVITE sip:+16174017687@54.172.60.0:5060 SIP/2.0\r\n"
    "Record-Route: <sip:81.2.69.160;lr>\r\n"
    "Via: SIP/2.0/UDP 81.2.69.160:5060;branch=z9hG4bK-sbc-1\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;rport=5060;branch=z9hG4bK-pbx-1\r\n"
    "From: <sip:+16175550100@10.0.0.5>;tag=fs1\r\n"
    "To: <sip:+16174017687@harbor-sbc.pstn.twilio.com>\r\n"
    "Call-ID: proxy-call-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:pbx@10.0.0.5:5060>\r\n"
    "Max-Forwards: 69\r\n"
    "User-Agent: FreeSWITCH-mod_sofia/1.10.11-release~64bit\r\n"
    "Content-Length: 0\r\n\r\n"
)
PROXY_TRYING = (
    "SIP/2.0 100 Trying\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;rport=5060;branch=z9hG4bK-pbx-1\r\n"
    "From: <sip:+16175550100@10.0.0.5>;tag=fs1\r\n"
    "To: <sip:+16174017687@harbor-sbc.pstn.twilio.com>\r\n"
    "Call-ID: proxy-call-1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Server: kamailio (5.7.4)\r\n"
    "Content-Length: 0\r\n\r\n"
)


def test_proxy_in_the_path_uses_the_carrier_leg(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path) -> None:
    parts = ["2024/06/05 10:00:00.000100 10.0.0.5:5060 -> 10.0.0.1:5060\n" + PROXY_PBX_LEG + "\n",
             "2024/06/05 10:00:00.000900 10.0.0.1:5060 -> 10.0.0.5:5060\n" + PROXY_TRYING + "\n"]
    for at in ("00.001500", "00.501500", "01.501500", "03.501500"):
        parts.append(f"2024/06/05 10:00:{at} 81.2.69.160:5060 -> 54.172.60.0:5060\n" + PROXY_CARRIER_LEG + "\n")
    f = tmp_path / "sbc.txt"
    f.write_text("".join(parts))
    analysis = analyze_files([f], kb, TrunkContext())
    got = {x.observation.id: x.observation for x in analysis.findings}
    assert got["request_uri_host_matches_termination_uri"].value == "no"
    assert got["request_uri_host_matches_termination_uri"].source.line == 25  # the carrier leg's INVITE
    assert got["invite_final_status"].value == "none"
    assert advisor.diagnose(analysis.observations()).causes[0].id == "term.no_response.request_uri_mismatch"
