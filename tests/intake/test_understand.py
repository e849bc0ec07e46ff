"""What the intake reads from one text, feature by feature (expected values from
knowledge/observations.yaml and the guide, not from running the intake)."""

from __future__ import annotations

import pytest

from advisor.intake.understand import Intake
from tests.intake.conftest import applied


def test_status_line_with_specific_reason(intake: Intake) -> None:
    got = applied(intake.understand("SIP/2.0 403 Invalid Caller ID"))
    assert got["invite_final_status"] == "403"
    assert got["response_reason"] == "invalid_caller_id"


def test_plain_403_vs_bare_403(intake: Intake) -> None:
    plain = applied(intake.understand("every call gets 403 Forbidden"))
    bare = applied(intake.understand("every call gets 403"))
    assert plain["response_reason"] == "plain"
    assert bare["invite_final_status"] == "403"
    assert "response_reason" not in bare  # a bare code says nothing about its reason phrase


@pytest.mark.parametrize("text", ["we have 400 users on the PBX", "call (415) 555-0100 to test",
                                  "our PBX is at 192.168.1.20", "only G.729 is used", "extension 201 rings"])
def test_numbers_that_are_not_status_codes(intake: Intake, text: str) -> None:
    assert "invite_final_status" not in applied(intake.understand(text))


def test_unlisted_code_on_a_status_line_is_other(intake: Intake) -> None:
    got = applied(intake.understand("SIP/2.0 486 Busy Here"))
    assert got["invite_final_status"] == "other"


def test_typos_are_read_and_shown(intake: Intake) -> None:
    u = intake.understand("outbund calls get forbiden")
    got = applied(u)
    assert got["call_direction"] == "termination"
    assert got["invite_final_status"] == "403"
    direction = next(x for x in u.applied() if x.observation == "call_direction")
    assert direction.words == "outbund calls"  # the customer's words, not the corrected ones
    assert "outbund -> outbound" in direction.corrections
    assert direction.confidence < 0.9  # a corrected word costs confidence


@pytest.mark.parametrize(("text", "seconds"), [
    ("outbound calls drop after 30 seconds", 30), ("calls disconnect after half a minute", 30),
    ("calls drop ~32s in", 32), ("the call is cut after 20-30 seconds", 25), ("drops after thirty seconds", 30)])
def test_durations(intake: Intake, text: str, seconds: float) -> None:
    got = applied(intake.understand(text))
    assert got["seconds_until_drop"] == seconds
    assert got["call_outcome"] == "drops_after_30s"


def test_a_long_drop_is_not_the_30_second_drop(intake: Intake) -> None:
    got = applied(intake.understand("calls drop after 5 minutes"))
    assert got["seconds_until_drop"] == 300
    assert "call_outcome" not in got


def test_negations(intake: Intake) -> None:
    u = intake.understand("calls are not dropping, but the caller can't hear our agents")
    got = applied(u)
    assert got["call_outcome"] == "audio_problem"
    assert got["audio_heard"] == "pstn_side_hears_nothing"
    assert any(m.kind == "negated" and "dropping" in m.words for m in u.mentions)
    first = applied(intake.understand("no 407 first, the very first INVITE gets 403"))
    assert first["rejected_invite_had_credentials"] == "no"
    assert first["invite_final_status"] == "403"
    challenged = applied(intake.understand("INVITE -> 407 -> INVITE with credentials -> 403 Forbidden"))
    assert challenged["rejected_invite_had_credentials"] == "yes"
    assert challenged["invite_final_status"] == "403"
    assert applied(intake.understand("403 without a challenge"))["rejected_invite_had_credentials"] == "no"
    assert applied(intake.understand("we are not on a trial account"))["trial_account"] == "no"


@pytest.mark.parametrize(("text", "direction"), [
    ("calls from the PSTN fail", "origination"), ("calling out fails", "termination"),
    ("inbound works fine, outbound gets 403", "termination"), ("outbound ok, inbound calls time out", "origination"),
    ("termination calls fail", "termination"), ("origination is broken", "origination"),
    ("outbound calls not working", "termination")])
def test_direction(intake: Intake, text: str, direction: str) -> None:
    assert applied(intake.understand(text))["call_direction"] == direction


@pytest.mark.parametrize(("text", "heard"), [
    ("we can't hear the caller", "pbx_side_hears_nothing"),
    ("the caller can't hear us", "pstn_side_hears_nothing"),
    ("they hear nothing but we can hear them", "pstn_side_hears_nothing"),
    ("dead air for our agents, caller hears them", "pbx_side_hears_nothing"),
    ("no audio and the call drops after 30 s", "none"),
    ("two-way audio but it drops after 30 s", "both_ways")])
def test_who_hears_what(intake: Intake, text: str, heard: str) -> None:
    assert applied(intake.understand(text))["audio_heard"] == heard


def test_audio_without_sides(intake: Intake) -> None:
    got = applied(intake.understand("one-way audio on every call"))
    assert got["call_outcome"] == "audio_problem"
    assert "audio_heard" not in got
    assert "audio_heard" not in applied(intake.understand("there is no audio issue, calls just drop"))


def test_contradiction_is_shown_and_not_applied(intake: Intake) -> None:
    u = intake.understand("we get 403 and no response at all")
    got = applied(u)
    assert "invite_final_status" not in got and "call_outcome" not in got
    assert any("invite_final_status" in w for w in u.warnings)
    both = [x for x in u.understood if x.observation == "invite_final_status"]
    assert {x.value for x in both} == {"403", "none"}
    assert all(not x.applied and "contradicted" in x.why_not for x in both)


def test_refinement_is_not_a_contradiction(intake: Intake) -> None:
    u = intake.understand("inbound: no audio and the call drops after 30 seconds")
    assert applied(u)["call_outcome"] == "drops_after_30s"
    assert not u.warnings


def test_alert_codes(intake: Intake) -> None:
    assert applied(intake.understand("Twilio shows error 32201"))["alert_code"] == "32201"
    assert applied(intake.understand("debugger alert 32999"))["alert_code"] == "other"


def test_inputs_numbers_and_addresses(intake: Intake) -> None:
    u = intake.understand("calls from +1 415 555 0100 to 07700 900123 fail; PBX 192.168.1.20, "
                          "edge 203.0.113.5, trunk example.pstn.twilio.com, calls to Germany")
    kinds = {(i.kind, i.value) for i in u.inputs}
    assert ("phone_number", "+14155550100") in kinds
    assert ("phone_number", "07700900123") in kinds
    assert ("ip_address", "192.168.1.20") in kinds
    assert ("host", "example.pstn.twilio.com") in kinds
    assert ("country", "DE") in kinds
    probes = {i.value: i.probe for i in u.inputs}
    assert probes["+14155550100"] == "numbers=+14155550100"  # the probe that checks it (intake.yaml input_probes)
    assert probes["example.pstn.twilio.com"] == "dns=example.pstn.twilio.com"
    details = {i.value: i.detail for i in u.inputs}
    assert details["192.168.1.20"] == "private"
    assert details["203.0.113.5"] == "public"


def test_pasted_sip_lines(intake: Intake) -> None:
    got = applied(intake.understand(
        "INVITE sip:0044207946000@203.0.113.9 SIP/2.0\nFrom: <sip:6001@pbx.local>;tag=1\nSIP/2.0 403 Forbidden"))
    assert got["request_uri_host_matches_termination_uri"] == "no"
    assert got["dialed_number_e164"] == "no"
    assert got["caller_id_e164"] == "no"
    ok = applied(intake.understand("INVITE sip:+14155550100@acme.pstn.twilio.com SIP/2.0"))
    assert ok["request_uri_host_matches_termination_uri"] == "yes"
    assert ok["dialed_number_e164"] == "yes"


def test_not_understood_parts_are_kept_as_notes(intake: Intake) -> None:
    u = intake.understand("Hello. Outbound calls get 403. The CFO is upset about the invoices.")
    assert u.notes == ["The CFO is upset about the invoices"]


def test_threshold_decides_what_is_applied(intake: Intake) -> None:
    low = intake.understand("calls keep dropping")  # a drop without a duration is only a guess
    guess = next(x for x in low.understood if x.observation == "call_outcome")
    assert not guess.applied and "below the threshold" in guess.why_not
    assert applied(intake.understand("calls keep dropping", threshold=0.5))["call_outcome"] == "drops_after_30s"


def test_guide_heading_applied_only_when_unique_and_complete(intake: Intake) -> None:
    u = intake.understand("outbound calls get 403 Forbidden")
    assert [s.id for s in u.symptoms if s.applied] == ["term_403"]
    vague = intake.understand("inbound calls fail")
    assert not any(s.applied for s in vague.symptoms)


def test_observations_carry_text_source_and_words(intake: Intake) -> None:
    obs = intake.understand("outbound calls drop after about 30 seconds").observations()
    assert obs and all(o.source.kind == "text" for o in obs)
    by_id = {o.id: o for o in obs}
    assert by_id["seconds_until_drop"].source.detail == "drop after about 30 seconds"


def test_a_huge_paste_is_read_up_to_the_limit_and_says_so(intake: Intake) -> None:
    limit = intake.vocab.max_chars
    text = "outbound calls get 403 Forbidden. " + "1" * (limit * 3)
    u = intake.understand(text)
    assert applied(u)["invite_final_status"] == "403"
    assert u.text == text  # kept whole
    assert any(f"Only the first {limit} of {len(text)} characters were read" in w for w in u.warnings)
    assert u.notes[-1] == f"(not read: the last {len(text) - limit} characters)"


@pytest.mark.parametrize(("text", "carrier"), [
    ("our SIP trunk is with Flowroute and calls to 800 numbers fail", "flowroute"),
    ("the Telnyx trunk answers 503", "telnyx"),
    ("we moved the numbers to a Vonage SIP trunk last week", "vonage"),
    ("our carrier is SignalWire", "other"),
])
def test_the_customer_names_another_carrier(intake: Intake, text: str, carrier: str) -> None:
    assert applied(intake.understand(text))["trunk_carrier"] == carrier


@pytest.mark.parametrize("text", ["we are low on bandwidth and calls drop", "the Twilio trunk fails",
                                  "a plivo-like setup on the lab bench"])
def test_no_carrier_named(intake: Intake, text: str) -> None:
    assert "trunk_carrier" not in applied(intake.understand(text))
