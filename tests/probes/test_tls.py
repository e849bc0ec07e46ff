"""TLS handshakes against Kamailio's TLS listener with a certificate made at test time."""

from __future__ import annotations

from advisor.probes import wire
from advisor.probes.catalog import ProbeCatalog
from tests.probes.conftest import run
from tests.probes.servers import Kamailio, free_port


def test_self_signed_certificate_is_bad_with_names_and_expiry(kamailio: Kamailio, catalog: ProbeCatalog) -> None:
    r = run(wire.tls_check("127.0.0.1", kamailio.tls, timeout=2))
    assert r.outcome in catalog.probes["tls"].outcomes
    assert (r.outcome, r.ok) == ("bad_certificate", False)
    assert r.details["chain_verified"] is False
    assert "self-signed" in str(r.details["verify_error"])
    assert r.details["names"] == "sip.probe.test, 127.0.0.1"
    assert r.details["subject"] == "commonName=sip.probe.test"
    assert 1.9 <= float(r.details["days_left"]) <= 2.0  # type: ignore[arg-type]
    assert str(r.details["version"]) in ("TLSv1.2", "TLSv1.3")


def test_trusted_certificate_with_matching_name_is_established(kamailio: Kamailio) -> None:
    r = run(wire.tls_check("127.0.0.1", kamailio.tls, server_name="sip.probe.test", ca_file=str(kamailio.cert),
                           timeout=2))
    assert (r.outcome, r.ok) == ("established", True)
    assert r.details["chain_verified"] is True and r.details["names_match"] is True


def test_name_the_certificate_does_not_cover(kamailio: Kamailio) -> None:
    r = run(wire.tls_check("127.0.0.1", kamailio.tls, server_name="other.example.com", ca_file=str(kamailio.cert),
                           timeout=2))
    assert r.outcome == "bad_certificate" and r.details["names_match"] is False
    assert "do not cover other.example.com" in r.summary


def test_tls_to_a_closed_port_is_refused() -> None:
    r = run(wire.tls_check("127.0.0.1", free_port(), timeout=1))
    assert r.outcome == "refused"


def test_tls_to_a_plain_sip_port_fails_cleanly(kamailio: Kamailio) -> None:
    # Kamailio's TCP listener speaks SIP, not TLS: it waits for a SIP message -> no handshake in time
    r = run(wire.tls_check("127.0.0.1", kamailio.tcp, timeout=1))
    assert r.outcome in ("timeout", "handshake_failed") and not r.ok
