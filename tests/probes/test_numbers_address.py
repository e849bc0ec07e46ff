"""Numbers (phonenumbers) and addresses (RFC 1918/6598/3927, the carrier's published ranges).

Expected values come from the numbering plans and RFCs, not from running the code:
+1 415 555 0100 is a US 555 number that libphonenumber treats as valid
fixed-line-or-mobile in the 415 area; +44 20 7946 0000 is a London number
from Ofcom's drama range; 100.64.0.0/10 is shared address space (RFC 6598).
"""

from __future__ import annotations

from advisor.kb.loader import KnowledgeBase
from advisor.probes.address import check_address, classify
from advisor.probes.numbers import check_number, compare_countries
from advisor.probes.runner import carrier_networks


def test_e164_number() -> None:
    r = check_number("+14155550100")
    assert (r.outcome, r.details["country"], r.details["e164"]) == ("e164", "US", "+14155550100")


def test_sip_uri_user_part_and_formatting_are_read() -> None:
    r = check_number("sip:+44 20 7946 0000@example.pstn.twilio.com", role="caller")
    assert (r.outcome, r.role, r.details["country"], r.details["e164"]) == ("e164", "caller", "GB", "+442079460000")


def test_national_number_is_not_e164() -> None:
    r = check_number("4155550100")
    assert r.outcome == "not_e164" and "--region" in r.summary
    r = check_number("(415) 555-0100", region="US")
    assert r.outcome == "not_e164" and "+14155550100" in r.summary


def test_masked_digits_are_unknown_not_invalid() -> None:
    r = check_number("+1443XXXXXXX")
    assert r.outcome == "masked" and r.details["masked"] is True and "unknown" in r.summary


def test_invalid_number() -> None:
    r = check_number("+1555")
    assert r.outcome == "invalid"


def test_international_or_domestic() -> None:
    us, gb = check_number("+14155550100"), check_number("+442079460000", role="caller")
    assert compare_countries(us, gb).outcome == "international"
    assert compare_countries(us, check_number("+12125550100", role="caller")).outcome == "domestic"
    assert compare_countries(us, check_number("+1443XXXXXXX", role="caller")).outcome == "unknown"


def test_address_classes() -> None:
    assert classify("10.1.2.3") == "private" and classify("192.168.0.10") == "private"
    assert classify("100.64.1.1") == "cgnat" and classify("127.0.0.1") == "loopback"
    assert classify("169.254.10.1") == "link_local" and classify("fe80::1") == "link_local"
    assert classify("8.8.8.8") == "public" and classify("fd00::1") == "private"


def test_inside_the_carriers_published_networks(kb: KnowledgeBase) -> None:
    nets = carrier_networks(kb)
    r = check_address("54.172.60.1", nets, role="any")
    assert r.details["carrier_network"] == "54.172.60.0/30"
    assert r.details["carrier_network_kind"] == "signalling"
    assert "twilio.com" in str(r.details["carrier_source"])
    media = check_address("168.86.130.5", nets)
    assert media.details["carrier_network_kind"] == "media"
    outside = check_address("54.172.60.9", nets)
    assert outside.details["carrier_network"] is None and "not inside" in outside.summary


def test_not_an_address() -> None:
    assert check_address("example.com").outcome == "error"
