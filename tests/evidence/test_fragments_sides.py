"""Fragments, side-free findings, any carrier, and the engineer's context winning (tests/data/logs)."""

from __future__ import annotations

import socket
from pathlib import Path

import dpkt
import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.extract.base import number_format
from advisor.kb.loader import KnowledgeBase

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


def read(kb: KnowledgeBase, name: str, context: TrunkContext | None = None) -> TraceAnalysis:
    return analyze_files([LOGS / name], kb, context or TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def test_bare_status_line_is_evidence(kb: KnowledgeBase) -> None:
    a = read(kb, "status_line_only.txt")
    got = facts(a)
    assert got["invite_final_status"] == "403"
    assert got["response_reason"] == "invalid_caller_id"
    # +1443XXXXXXX: the digits are masked, the +E.164 shape the carrier quotes is not
    assert got["caller_id_e164"] == "yes"
    assert any("fragment" in w for w in a.warnings)
    assert a.other_messages and a.other_messages[0].first_line.startswith("SIP/2.0 403")


def test_masked_caller_id_is_judged_by_its_shape_never_as_wrong(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "masked_caller.txt")
    got = facts(a)
    assert got["invite_final_status"] == "403" and got["response_reason"] == "invalid_caller_id"
    assert got["caller_id_e164"] == "yes"  # '+1443XXXXXXX': plus, country code, a possible length
    assert "masked" in next(f.observation.note or "" for f in a.findings if f.observation.id == "caller_id_e164")
    d = advisor.diagnose(a.observations(), a.warnings)
    assert not [c.id for c in d.causes if c.status == "confirmed"]  # whose number it is stays open
    assert d.causes[0].id == "term.403.caller_id_not_verified"
    ruled_out = {c.id for c in d.causes if c.status == "ruled_out"}
    assert "term.403.caller_id_not_e164" in ruled_out


@pytest.mark.parametrize(("number", "expected"), [
    ("+1443XXXXXXX", "yes"), ("+44 20 XXXX XXXX".replace(" ", ""), "yes"), ("+1443555****", "yes"),
    ("1443XXXXXXX", None),  # no plus, but it may have been masked away too: undecided
    ("XXXXXXXXXX", None), ("+1XX", None),
    ("+14435551234", "yes"), ("14435551234", "no"), ("4435551234", "no"), ("+1443555123456789", "no"),
])
def test_number_format_never_calls_a_masked_number_wrong(number: str, expected: str | None) -> None:
    assert number_format(number)[0] == expected


@pytest.mark.parametrize(("phrase", "expected"), [
    ("Caller Id +1443XXXXXXX is not valid", "yes"),
    ("Caller ID 4435551234 is not valid", "no"),
    ("Invalid Caller ID", None),  # quotes no number
    ("Caller ID XXXXXXXXXX rejected", None),
])
def test_a_refusal_that_quotes_the_caller_id_judges_its_format(kb: KnowledgeBase, tmp_path: Path, phrase: str,
                                                               expected: str | None) -> None:
    paste = tmp_path / "status.txt"
    paste.write_text(f"SIP/2.0 403 {phrase}\n")
    got = facts(analyze_files([paste], kb, TrunkContext()))
    assert got.get("invite_final_status") == "403"
    assert got.get("caller_id_e164") == expected


def test_ack_to_record_route_hop_with_a_carrier_no_pack_knows(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "unknown_carrier_ack.txt")
    got = facts(a)
    # the private Contact behind a public Record-Route marks the far end as the carrier's proxy
    assert got["call_direction"] == "termination"
    assert got["ack_request_uri"] == "carrier_other_address"
    assert "request_uri_host_matches_termination_uri" not in got  # its trunk names are unknown
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.drop30.ack_wrong_target", "confirmed")


def test_context_always_wins(kb: KnowledgeBase) -> None:
    a = read(kb, "unknown_carrier_ack.txt", TrunkContext(termination_uri="sip.example-carrier.net"))
    assert facts(a)["request_uri_host_matches_termination_uri"] == "yes"
    assert "termination URI" in a.calls[0].sides_note
    b = read(kb, "unknown_carrier_ack.txt", TrunkContext(pbx_public_address="81.2.69.160"))
    assert b.calls[0].direction == "origination"  # the engineer says 81.2.69.160 is the PBX


def test_second_carrier_pack(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "telnyx_ack.txt")
    got = facts(a)
    assert got["call_direction"] == "termination"
    assert got["request_uri_host_matches_termination_uri"] == "yes"
    f = next(f for f in a.findings if f.observation.id == "request_uri_host_matches_termination_uri")
    assert "Telnyx" in (f.observation.note or "")
    assert got["ack_request_uri"] == "carrier_other_address"
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.drop30.ack_wrong_target", "confirmed")


def test_session_expires_below_minimum_without_the_422(kb: KnowledgeBase) -> None:
    a = read(kb, "session_expires_60.txt")
    assert a.calls[0].direction is None
    assert facts(a)["session_expires_below_minimum"] == "yes"


def test_challenge_then_authenticated_retry_is_not_no_response(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "challenge_retry.txt")
    got = facts(a)
    assert got["sip_reaches_internet_edge"] == "yes"
    assert "invite_final_status" not in got
    d = advisor.diagnose(a.observations(), a.warnings)
    status = {c.id: c.status for c in d.causes}
    assert status["term.no_response.firewall_outbound"] == "ruled_out"
    assert d.causes[0].id != "term.no_response.firewall_outbound"


def test_sip_domain_is_not_a_termination_uri(kb: KnowledgeBase) -> None:
    got = facts(read(kb, "sip_domain_ruri.txt"))
    assert got["call_direction"] == "termination"
    assert got["request_uri_host_matches_termination_uri"] == "no"


def test_regional_termination_uri_is_one(kb: KnowledgeBase) -> None:
    from advisor.evidence.sides import CarrierInfo

    carrier = CarrierInfo(kb.carriers, None, kb.default_carrier)
    carrier.recognise(["54.172.60.1"])
    assert carrier.termination_match("acme.pstn.ashburn.twilio.com") is True
    assert carrier.termination_match("acme.pstn.twilio.com") is True
    assert carrier.termination_match("acme.sip.twilio.com") is False
    assert carrier.termination_match("acme.sip.us1.twilio.com") is False


def test_carrier_private_10_addresses_are_not_the_pbx(kb: KnowledgeBase) -> None:
    a = read(kb, "twilio_private_10.txt")
    got = facts(a)
    assert got["call_direction"] == "origination"
    assert got["ok_contact_private"] == "no"
    assert got["pbx_sdp_address"] == "public"


# ----------------------------------------------------------------------------- ICMP at the edge

TWILIO, PBX_PUBLIC, FIREWALL = "54.172.60.1", "81.2.69.160", "81.2.69.1"


def _frame(src: str, dst: str, data: dpkt.Packet, proto: int) -> dpkt.ethernet.Ethernet:
    ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=proto, ttl=60, data=data)
    ip.len = len(ip)
    return dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)


def test_icmp_prohibited_answering_carrier_invites(kb: KnowledgeBase, tmp_path: Path) -> None:
    invite = (b"INVITE sip:+14155550123@81.2.69.160:5060 SIP/2.0\r\n"
              b"Via: SIP/2.0/UDP 54.172.60.1:5060;branch=z9hG4bK-icmp1\r\n"
              b"From: <sip:+14155550100@pstn.twilio.com>;tag=t1\r\nTo: <sip:+14155550123@81.2.69.160>\r\n"
              b"Call-ID: inbound-icmp-1\r\nCSeq: 1 INVITE\r\nContact: <sip:+14155550100@172.25.1.9:5060>\r\n"
              b"Content-Length: 0\r\n\r\n")
    frames = []
    for n, ts in enumerate((0.0, 0.5, 1.5, 3.5)):
        udp = dpkt.udp.UDP(sport=5060, dport=5060, data=invite)
        udp.ulen = len(udp)
        sent = _frame(TWILIO, PBX_PUBLIC, udp, dpkt.ip.IP_PROTO_UDP)
        frames.append((1.7e9 + ts, sent))
        inner = bytes(sent.data)[:548]
        icmp = dpkt.icmp.ICMP(type=dpkt.icmp.ICMP_UNREACH, code=dpkt.icmp.ICMP_UNREACH_FILTER_PROHIB,
                              data=dpkt.icmp.ICMP.Unreach(data=inner))
        frames.append((1.7e9 + ts + 0.001 * (n + 1), _frame(FIREWALL, TWILIO, icmp, dpkt.ip.IP_PROTO_ICMP)))
    path = tmp_path / "edge.pcap"
    with path.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        for ts, fr in frames:
            w.writepkt(bytes(fr), ts=ts)
    a = analyze_files([path], kb, TrunkContext())
    got = facts(a)
    assert got["call_direction"] == "origination"
    assert got["firewall_allows_carrier_signalling"] == "no"
    f = next(f for f in a.findings if f.observation.id == "firewall_allows_carrier_signalling")
    assert f.observation.source.frame == 2


def test_fragment_tied_to_its_dialog_by_branch(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "fragment_tied.txt")
    assert [m.first_line for m in a.calls[0].messages] == ["INVITE sip:+14155550132@acme.pstn.twilio.com SIP/2.0",
                                                          "SIP/2.0 503 Service Unavailable"]
    got = facts(a)
    assert (got["invite_final_status"], got["response_reason"]) == ("503", "cps_limit")
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.503.cps_limit", "confirmed")


@pytest.mark.parametrize(("host", "private"), [
    ("192.168.1.10", True), ("10.1.2.3", True), ("172.20.0.5", True), ("100.64.3.4", True), ("fd00::5", True),
    # documentation ranges stand in for a public address the engineer hid, never for a LAN one
    ("192.0.2.10", False), ("198.51.100.7", False), ("203.0.113.50", False), ("2001:db8::7", False),
    ("54.172.60.1", False),
])
def test_documentation_addresses_count_as_public(host: str, private: bool) -> None:
    from advisor.evidence.sides import is_private

    assert is_private(host) is private


def test_ack_cut_before_its_call_id_is_paired_with_the_one_answer(kb: KnowledgeBase) -> None:
    """ngrep capture: a whole 200 OK, then an ACK cut after its Via (no Call-ID): the one ACK of the paste is the
    ACK of its one answer, and its Request-URI is the Record-Route hop, not the Contact."""
    a = read(kb, "ok_then_cut_ack.txt")
    f = next(f for f in a.findings if f.observation.id == "ack_request_uri")
    assert f.observation.value == "carrier_other_address"
    assert "Record-Route hop" in (f.observation.note or "") and f.ref == "ok_then_cut_ack.txt:line 16"


def test_cut_ack_against_a_headers_only_answer(kb: KnowledgeBase) -> None:
    a = read(kb, "headless_answer_cut_ack.txt")
    got = {f.observation.id: str(f.observation.value) for f in a.findings}
    assert got == {"ack_request_uri": "carrier_other_address"}


def test_two_cut_acks_decide_nothing(kb: KnowledgeBase) -> None:
    """Two ACKs with no Call-ID need not be one dialog's (one may be what the reporter expected): no pairing."""
    a = read(kb, "two_cut_acks.txt")
    assert not [f for f in a.findings if f.observation.id == "ack_request_uri"]


def test_an_answer_alone_is_placed_by_its_trunk_to_and_the_carriers_own_headers(kb: KnowledgeBase,
                                                                                  advisor: Advisor) -> None:
    """Only the carrier's 403 is pasted: its To names the trunk and it carries an X-Twilio- header, so it is
    the carrier's answer to the PBX, and its From (copied from the INVITE) shows the caller ID."""
    a = read(kb, "answer_only_403.txt")
    got = facts(a)
    assert got["call_direction"] == "termination" and got["caller_id_e164"] == "no"
    assert "X-Twilio-Error header" in a.calls[0].sides_note
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.403.caller_id_not_e164", "confirmed")


def test_an_answer_alone_with_nothing_of_the_carrier_stays_undecided(kb: KnowledgeBase) -> None:
    a = read(kb, "answer_only_403_unknown.txt")
    got = facts(a)
    assert "call_direction" not in got and "caller_id_e164" not in got
    assert got["invite_final_status"] == "403"


def test_a_bye_that_says_the_ack_never_came_is_the_drop(kb: KnowledgeBase, advisor: Advisor) -> None:
    """A carrier no pack knows (private Contact behind a public Record-Route), an ACK to the Record-Route hop,
    and the carrier's BYE with Reason 'ACK timeout': no times in the paste, one copy of the 200 OK."""
    a = read(kb, "other_carrier_bye_no_ack.txt")
    got = facts(a)
    assert got["call_direction"] == "termination" and got["ack_request_uri"] == "carrier_other_address"
    assert got["call_outcome"] == "drops_after_30s"
    assert "ok_retransmitted" not in got  # one pasted copy, no times: retransmissions unknown, not absent
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.drop30.ack_wrong_target", "confirmed")
