"""Formats found by content: console/stack log lines, carrier artefacts, pasted text (tests/data/logs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.logevents import scan_lines
from advisor.evidence.textlogs import normalise_paste
from advisor.kb.loader import KnowledgeBase

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


def read(kb: KnowledgeBase, name: str, context: TrunkContext | None = None) -> TraceAnalysis:
    return analyze_files([LOGS / name], kb, context or TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def top(advisor: Advisor, a: TraceAnalysis) -> tuple[str, str]:
    d = advisor.diagnose(a.observations(), a.warnings)
    return d.causes[0].id, d.causes[0].status


def test_asterisk_full_log_got_sip_response(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "asterisk_full_400.log")
    assert a.files[0].format == "log_lines"
    got = facts(a)
    assert got["invite_final_status"] == "400"
    assert got["response_reason"] == "invalid_phone_number"
    assert got["call_direction"] == "termination"  # 54.172.60.1 is a Twilio signalling address
    f = next(f for f in a.findings if f.observation.id == "invite_final_status")
    assert f.observation.source.line == 4 and "54.172.60.1:5060" in (f.observation.note or "")
    assert top(advisor, a) == ("term.400.dialed_number_not_e164", "confirmed")


def test_asterisk_console_empty_dialled_number(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "asterisk_console_empty_number.txt")
    got = facts(a)
    assert got["dialed_number_e164"] == "no"
    empty = next(f for f in a.findings if f.observation.id == "dialed_number_e164")
    assert empty.observation.source.line == 1 and "empty" in (empty.observation.note or "")
    assert top(advisor, a) == ("term.400.dialed_number_not_e164", "confirmed")


def test_a_local_extension_is_not_an_empty_number(kb: KnowledgeBase) -> None:
    events = scan_lines(['    -- Executing [0100@familie:3] Dial("SIP/philipp-00000008", "SIP/gartentor_phone") in new stack'],
                        "x.log")
    assert events[0].kind == "dial" and events[0].number == ""
    assert "@" not in events[0].fields["target"]  # SIP/peer: no user part at all, so no finding


def test_freeswitch_console_state_and_hangup(kb: KnowledgeBase) -> None:
    a = read(kb, "freeswitch_console_403.log")
    got = facts(a)
    assert got["invite_final_status"] == "403"
    assert got["call_direction"] == "termination"  # the channel's host is a Twilio trunk name
    assert {e.kind for e in a.events} >= {"response", "hangup"}
    assert any(e.reason == "CALL_REJECTED" for e in a.events)


def test_kamailio_xlog_invite_from_the_carrier(kb: KnowledgeBase) -> None:
    got = facts(read(kb, "kamailio_xlog.log"))
    assert got["call_direction"] == "origination"
    assert got["invite_reaches_pbx_host"] == "yes"


def test_stack_names_the_ack_timeout(kb: KnowledgeBase) -> None:
    a = read(kb, "stack_ack_timeout.log")
    assert [e.kind for e in a.events] == ["fault"]
    assert any("ACK timeout" in n for n in a.notes)
    assert not a.findings  # no sides: nothing more may be claimed


def test_ack_timeout_on_a_bye_is_a_drop_after_the_answer(kb: KnowledgeBase) -> None:
    """A BYE whose Reason says "ACK timeout" ends an answered call: the outcome is the 30-s drop, with no side claimed."""
    a = read(kb, "bye_reason_ack_timeout.txt")
    assert [e.kind for e in a.events] == ["fault"]
    assert facts(a) == {"call_outcome": "drops_after_30s"}
    f = a.findings[0]
    assert f.observation.source.line == 7


def test_debugger_alert_export(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "twilio_alerts.json")
    assert a.files[0].format == "debugger_json"
    assert facts(a)["alert_code"] == "32204"
    assert top(advisor, a) == ("term.403.caller_id_not_verified", "confirmed")


def test_call_log_csv_export(kb: KnowledgeBase) -> None:
    a = read(kb, "twilio_call_log.csv")
    assert a.files[0].format == "call_log_csv"
    got = facts(a)
    assert got["in_carrier_call_logs"] == "yes"
    assert got["call_direction"] == "termination"
    assert got["caller_id_e164"] == "no"  # the failed call's From is the extension 201
    f = next(f for f in a.findings if f.observation.id == "caller_id_e164")
    assert f.observation.source.line == 2


@pytest.mark.parametrize("name, status, reason", [
    ("paste_indented.txt", "403", "invalid_caller_id"),
    ("paste_quoted.txt", "503", "cps_limit"),
    ("paste_numbered.txt", "400", "invalid_phone_number"),
])
def test_pasted_text_is_read(kb: KnowledgeBase, name: str, status: str, reason: str) -> None:
    a = read(kb, name)
    assert [m.first_line.split()[0] for c in a.calls for m in c.messages] == ["INVITE", "SIP/2.0"]
    got = facts(a)
    assert (got["invite_final_status"], got["response_reason"]) == (status, reason)


def test_seven_space_line_in_an_eight_space_paste_is_a_header(kb: KnowledgeBase) -> None:
    a = read(kb, "paste_indented.txt")
    invite = a.calls[0].messages[0]
    assert "From: <sip:201@34.201.10.20>;tag=as5e1f" in invite.raw
    assert facts(a)["caller_id_e164"] == "no"


def test_normalise_keeps_line_numbers() -> None:
    lines = ["> ```", "> INVITE sip:a@b SIP/2.0", "**BYE sip:x@y**;transport=udp SIP/2.0", "```"]
    assert normalise_paste(lines) == ["", "INVITE sip:a@b SIP/2.0", "BYE sip:x@y;transport=udp SIP/2.0", ""]
    numbered = [f"{n:3d}. line {n}" for n in range(1, 6)]
    assert normalise_paste(numbered) == [f"line {n}" for n in range(1, 6)]
    assert normalise_paste(["1. first", "then prose", "and more prose"]) == ["1. first", "then prose", "and more prose"]


@pytest.mark.parametrize("line, kind, status", [
    ("2017-03-08 12:43:26.78 app PJSIP(5): sip_endpoint.c  Processing incoming message: Response msg 403/INVITE/cseq=5853"
     " (rdata0x1)", "response", 403),
    ('2024-06-17T15:36:47.451Z\tERROR\tsip\tsip/outbound.go:300\tSIP invite failed{"error": "Unexpected StatusCode from'
     ' INVITE response 403"}', "response", 403),
    ("17:21:18.040  203.0.113.5:51346 -> 10.0.0.1:5061  SIP/2.0 481 Call/Transaction Does Not Exist", "response", 481),
    ("[<=] Response from 123 to 456: 407 Proxy Authentication Required", "response", 407),
    ('Reason: SIP;cause=200;text="ACK timeout"', "fault", None),
])
def test_log_line_shapes(line: str, kind: str, status: int | None) -> None:
    (event,) = [e for e in scan_lines([line], "x.log") if e.kind != "text"]
    assert (event.kind, event.status) == (kind, status)


def test_lines_of_different_calls_decide_nothing_alone(kb: KnowledgeBase) -> None:
    # four Asterisk calls answered 480 by different peers: none is "the" answer
    a = analyze_files([Path(__file__).resolve().parents[1] / "data" / "real" / "c01_futel_asteriskserver_205.txt"], kb,
                      TrunkContext())
    assert "invite_final_status" not in facts(a)
    assert any("different calls" in n for n in a.notes)
    assert facts(a)["alert_code"] == "32101"  # the debugger text the engineer pasted decides


def test_dialled_number_on_the_channel_the_carrier_answers(kb: KnowledgeBase) -> None:
    a = read(kb, "asterisk_full_400.log")
    f = next(f for f in a.findings if f.observation.id == "dialed_number_e164")
    assert f.observation.value == "no" and "0255501234" in (f.observation.note or "")
    assert "alert_code" not in facts(a)  # a SIP reason phrase is not the carrier's debugger alert


def test_untagged_dial_goes_with_the_only_answered_call(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "asterisk_verbose_untagged_dial.txt")
    assert facts(a)["dialed_number_e164"] == "no"
    assert top(advisor, a) == ("term.400.dialed_number_not_e164", "confirmed")


@pytest.mark.parametrize(("name", "challenge"), [("asterisk_pjsip_no_endpoint.log", "with_401"),
                                                  ("freeswitch_acl_rejected.log", "with_407")])
def test_pbx_refusing_the_carrier_as_an_unknown_peer(kb: KnowledgeBase, advisor: Advisor, name: str,
                                                      challenge: str) -> None:
    a = read(kb, name)
    got = facts(a)
    assert got["call_direction"] == "origination" and got["pbx_challenges_carrier"] == challenge
    assert got["invite_in_pbx_logs"] == "yes"
    assert top(advisor, a) == ("orig.peers.not_trusted", "confirmed")


def test_a_scanner_refused_by_the_pbx_is_not_the_carrier(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "pjsip_no_endpoint_unknown_peer.log")
    assert not facts(a)
    assert any("no carrier pack knows that peer" in n for n in a.notes)
    assert top(advisor, a)[1] != "confirmed"


def test_chan_sip_critical_response_is_the_missing_ack(kb: KnowledgeBase) -> None:
    a = read(kb, "asterisk_chan_sip_critical_response.log")
    got = facts(a)
    assert got["call_direction"] == "origination" and got["ack_reaches_pbx"] == "no"


def test_asterisk_extension_not_found_is_the_pbx_answering_404(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "asterisk_no_extension.log")
    got = facts(a)
    assert got["call_direction"] == "origination" and got["invite_final_status"] == "404"
    assert got["pbx_challenges_carrier"] == "no"  # the PBX accepted the peer: not a trust problem
    assert any("inbound context 'from-trunk'" in n for n in a.notes)
    d = advisor.diagnose(a.observations(), a.warnings)
    assert "orig.peers.not_trusted" in {c.id for c in d.causes if c.status == "ruled_out"}


@pytest.mark.parametrize("name", ["stamped_pipe.txt", "stamped_level.txt", "html_escaped.txt"])
def test_stamped_and_html_escaped_pastes(kb: KnowledgeBase, advisor: Advisor, name: str) -> None:
    a = read(kb, name)
    got = facts(a)
    assert got["invite_final_status"] == "403" and got["caller_id_e164"] == "no"
    assert top(advisor, a) == ("term.403.caller_id_not_e164", "confirmed")
    if name.startswith("stamped"):
        times = [m.ts for c in a.calls for m in c.messages]
        assert all(t is not None for t in times)  # the stamps are kept as the messages' times


def test_a_stamp_is_only_taken_off_where_it_hides_the_start_lines() -> None:
    from advisor.evidence.textlogs import _stamped

    plain = ["INVITE sip:+1@x.pstn.twilio.com SIP/2.0", "Via: SIP/2.0/UDP 1.2.3.4", "10:00:00 note: resent"]
    assert not _stamped(plain)
    fs = ["2024-07-02 11:56:49.915157 98.83% [DEBUG] sofia.c:7493 Channel sofia/x entering state [early][183]"] * 3
    assert not _stamped(fs)  # stamped, but nothing SIP-like behind the stamp


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace('"Front Desk"', "\u201cFront Desk\u201d"),  # smart quotes from a word processor
    lambda t: t.replace(": ", ":\u00a0").replace(" SIP/2.0", "\u00a0SIP/2.0"),  # no-break spaces from a web page
    lambda t: t.replace("\n", "\u2028"),  # Unicode line separators only (a JSON or JavaScript copy)
    lambda t: "\ufeff" + t,  # a byte-order mark
    lambda t: t.replace("\n", "\n\u200b"),  # zero-width spaces a chat app put at every line start
], ids=["smart-quotes", "nbsp", "u2028", "bom", "zero-width"])
def test_what_copying_does_to_a_paste(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path,
                                      mangle: Callable[[str], str]) -> None:
    text = (LOGS / "stamped_pipe.txt").read_text()
    plain = "\n".join(line.split(" | ", 1)[1] for line in text.splitlines())
    path = tmp_path / "copied.txt"
    path.write_text(mangle(plain), encoding="utf-8")
    a = analyze_files([path], kb, TrunkContext())
    assert top(advisor, a) == ("term.403.caller_id_not_e164", "confirmed")


def test_cisco_cube_debug_ccsip_messages(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "cisco_cube_ccsip.txt")
    assert a.files[0].format == "cisco_ccsip" and a.files[0].capture_point == "pbx_log"
    msgs = a.calls[0].messages
    assert [m.sender for m in msgs] == ["customer", "carrier"]
    assert msgs[1].offset is not None and abs(msgs[1].offset - 0.1) < 1e-6  # times from the stamp lines
    assert top(advisor, a) == ("term.403.caller_id_not_e164", "confirmed")


def test_diagnose_cli_reads_a_carrier_export(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from advisor.cli import main

    assert main(["diagnose", "--trace", str(LOGS / "twilio_alerts.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"]["cause"] == "term.403.caller_id_not_verified"
    assert main(["trace", str(LOGS / "twilio_call_log.csv"), "--json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["files"][0]["format"] == "call_log_csv"
    assert [e["kind"] for e in trace["events"]] == ["call_log", "call_log"]


def test_proxy_cannot_resolve_the_trunk_name(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, "kamailio_dns_failure.log")
    assert next(e.peer for e in a.events if e.kind == "fault") == "trunk.nowhere-carrier.net"
    assert facts(a)["dns_resolves_termination_uri"] == "no"
    assert top(advisor, a)[0] == "term.no_response.dns_unreachable"


def test_a_placeholder_contact_name_is_not_the_pbx_dns(kb: KnowledgeBase) -> None:
    # a WebRTC client's .invalid Contact host never resolves, by definition: it says nothing about the PBX's DNS
    a = read(kb, "asterisk_contact_placeholder_dns.log")
    assert any(e.kind == "fault" for e in a.events)
    assert "dns_resolves_termination_uri" not in facts(a)


@pytest.mark.parametrize("name, registers", [
    ("asterisk_pjsip_registration_405.log", "yes"),  # 405 Method Not Allowed: the remote takes no REGISTER
    ("asterisk_pjsip_registration_twilio.log", "yes"),  # a REGISTER to the carrier's termination host
    ("asterisk_pjsip_registration_401_other.log", None),  # an unknown remote asking for credentials: no claim
])
def test_pbx_registration_in_the_log(kb: KnowledgeBase, name: str, registers: str | None) -> None:
    a = read(kb, name)
    assert [(e.kind, e.method) for e in a.events if e.kind != "text"] == [("response", "REGISTER")]
    assert facts(a).get("pbx_registers_to_trunk") == registers
    assert "invite_final_status" not in facts(a)  # a REGISTER's answer is not the call's answer


@pytest.mark.parametrize("name, e164", [
    ("twilio_alert_text_caller.txt", "no"),  # national digits, no plus: not +E.164
    ("twilio_alert_text_caller_e164.txt", "yes"),  # well-formed: then it is ownership, not format
])
def test_alert_wording_names_the_caller_id(kb: KnowledgeBase, name: str, e164: str) -> None:
    got = facts(read(kb, name))
    assert got["alert_code"] == "32204"
    assert got["caller_id_e164"] == e164


@pytest.mark.parametrize("name, match", [
    ("labelled_legs_ruri_ip.txt", "no"),  # the leg to the carrier carries its edge IP, not the trunk's name
    ("labelled_legs_ruri_fqdn.txt", "yes"),  # the inner leg's private host says nothing; the carrier leg is right
])
def test_labelled_legs_request_uri(kb: KnowledgeBase, name: str, match: str) -> None:
    a = read(kb, name)
    assert [e.source for e in a.events] == ["labelled", "labelled"]
    got = facts(a)
    assert got["request_uri_host_matches_termination_uri"] == match
    assert got["call_direction"] == "termination"


def test_a_488_is_its_own_final_status(kb: KnowledgeBase) -> None:
    """488 Not Acceptable Here (the offer's media refused) is a status of its own, not "other"."""
    got = facts(read(kb, "status_line_488.txt"))
    assert got["invite_final_status"] == "488"
    assert got["call_outcome"] == "rejected"
