"""The carrier packs beyond Twilio and Telnyx (knowledge/carriers/*.yaml): each one tells the sides of
a paste apart and names its carrier, with no code of its own (tests/data/logs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.sides import CarrierInfo
from advisor.kb.loader import KnowledgeBase

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


def read(kb: KnowledgeBase, name: str) -> TraceAnalysis:
    return analyze_files([LOGS / name], kb, TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def note(a: TraceAnalysis, obs: str) -> str:
    return next(f.observation.note or "" for f in a.findings if f.observation.id == obs)


# paste, carrier name, final status, the carrier's signalling address in the paste
TERMINATION = [
    ("vonage_403.txt", "Vonage SIP Trunking", "403", "216.147.0.1"),
    ("amazon_chime_200.txt", "Amazon Chime SDK Voice Connector", "2xx", "3.80.16.12"),
    ("flowroute_403.txt", "Flowroute", "403", "34.226.36.40"),
    ("plivo_403.txt", "Plivo Zentrunk", "403", "13.52.9.10"),
]
ORIGINATION = [
    ("vonage_origination.txt", "Vonage SIP Trunking", "216.147.2.1"),
    ("amazon_chime_origination.txt", "Amazon Chime SDK Voice Connector", "99.77.253.20"),
    ("flowroute_origination.txt", "Flowroute", "34.210.91.120"),
    ("plivo_origination.txt", "Plivo Zentrunk", "204.89.148.140"),
]


def test_every_new_pack_is_loaded(kb: KnowledgeBase) -> None:
    names = {p.name for p in kb.carriers.values()}
    assert {n for _, n, *_ in TERMINATION} <= names
    assert all(p.source for p in kb.carriers.values())


@pytest.mark.parametrize(("paste", "carrier", "status", "address"), TERMINATION)
def test_termination_to_the_trunk_is_told_apart_and_named(kb: KnowledgeBase, paste: str, carrier: str,
                                                          status: str, address: str) -> None:
    a = read(kb, paste)
    got = facts(a)
    assert got["call_direction"] == "termination"
    assert got["invite_final_status"] == status
    assert got["request_uri_host_matches_termination_uri"] == "yes"
    assert carrier in note(a, "request_uri_host_matches_termination_uri")
    assert f"{address} is a carrier address" in note(a, "call_direction")
    assert a.calls[0].direction == "termination"


@pytest.mark.parametrize(("paste", "carrier", "address"), ORIGINATION)
def test_origination_from_a_carrier_signalling_address(kb: KnowledgeBase, paste: str, carrier: str,
                                                       address: str) -> None:
    a = read(kb, paste)
    got = facts(a)
    assert got["call_direction"] == "origination"
    assert got["invite_final_status"] == "2xx"
    assert f"{address} is a carrier address" in note(a, "call_direction")
    assert CarrierInfo(kb.carriers, None, kb.default_carrier).name_of(address) == carrier


@pytest.mark.parametrize(("host", "carrier", "trunk"), [
    ("sip.nexmo.com", "Vonage SIP Trunking", True),
    ("acme.sip-eu.nexmo.com", "Vonage SIP Trunking", True),
    ("sip-us-2-1.nexmo.com", "Vonage SIP Trunking", True),
    ("yourcompany.sip-us.vonage.com", "Vonage SIP Trunking", True),
    ("abcdef1ghij2klmno3pqr4.voiceconnector.chime.aws", "Amazon Chime SDK Voice Connector", True),
    ("us-east-nj.sip.flowroute.com", "Flowroute", True),
    ("sip.flowroute.com", "Flowroute", True),
    ("21784177241578.zt.plivo.com", "Plivo Zentrunk", True),
    ("99.77.247.9", "Amazon Chime SDK Voice Connector", False),  # Frankfurt signalling
    ("52.55.62.200", "Amazon Chime SDK Voice Connector", False),  # US East media
    ("168.100.70.1", "Vonage SIP Trunking", False),  # media
    ("15.207.90.193", "Plivo Zentrunk", False),  # India
])
def test_hosts_and_addresses_name_their_carrier(kb: KnowledgeBase, host: str, carrier: str, trunk: bool) -> None:
    info = CarrierInfo(kb.carriers, None, kb.default_carrier)
    assert info.name_of(host) == carrier
    assert info.is_termination_host(host) is trunk


def test_packs_claim_no_other_carriers_addresses(kb: KnowledgeBase) -> None:
    import ipaddress

    nets = [(key, ipaddress.ip_network(n.cidr)) for key, p in kb.carriers.items()
            for n in [*p.signalling_networks, *p.media_networks]]
    for i, (ka, a) in enumerate(nets):
        for kb_, b in nets[i + 1:]:
            assert ka == kb_ or not a.overlaps(b), f"{ka} {a} overlaps {kb_} {b}"


@pytest.mark.parametrize(("name", "carrier"), [(t[0], t[1]) for t in TERMINATION])
def test_another_carrier_is_told_the_guide_is_twilios(kb: KnowledgeBase, name: str, carrier: str) -> None:
    notes = read(kb, name).notes
    assert any(n.startswith(f"the carrier is {carrier}: the causes and fixes follow Twilio") for n in notes)


def test_no_such_note_for_the_default_carrier(kb: KnowledgeBase) -> None:
    assert not any("follow Twilio" in n for n in read(kb, "stamped_pipe.txt").notes)


def test_a_twilio_rule_is_not_applied_to_another_carriers_trunk(kb: KnowledgeBase, advisor: Advisor) -> None:
    """A caller ID without the plus: Twilio refuses it (term.403.caller_id_not_e164), Flowroute's docs make the
    plus optional. The trace names the carrier (trunk_carrier), and the Twilio-only cause is ruled out by it."""
    a = read(kb, "flowroute_403_no_plus.txt")
    assert facts(a)["trunk_carrier"] == "flowroute" and facts(a)["caller_id_e164"] == "no"
    d = advisor.diagnose(a.observations(), a.warnings)
    e164 = next(c for c in d.causes if c.id == "term.403.caller_id_not_e164")
    assert e164.status == "ruled_out" and any(b.observation == "trunk_carrier" for b in e164.because)
    twilio = [o for o in a.observations() if o.id != "trunk_carrier"]
    twilio.append(Observation(id="trunk_carrier", value="twilio", source=Source(kind="answer")))
    d = advisor.diagnose(twilio, a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.403.caller_id_not_e164", "confirmed")
