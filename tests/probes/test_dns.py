"""RFC 3263 resolution against a real Unbound on loopback (tests/data/dns/unbound.conf.in)."""

from __future__ import annotations

import socket

from advisor.probes.catalog import ProbeCatalog
from advisor.probes.dns import parse_server, resolve_sip
from tests.probes.conftest import run
from tests.probes.servers import Unbound, free_port


def test_naptr_srv_a_aaaa_in_order(unbound: Unbound, catalog: ProbeCatalog) -> None:
    r = run(resolve_sip("trunk.probe.test", server=unbound.server, timeout=2))
    assert r.outcome in catalog.probes["dns"].outcomes
    assert (r.outcome, r.ok) == ("resolved", True)
    assert r.details["naptr"] == 2
    # NAPTR order 10 (SIPS+D2T) before 20 (SIP+D2U); SRV priority 10 before 20
    assert r.details["srv"] == ("tls:edge1.probe.test:5061, udp:edge1.probe.test:5060, udp:edge2.probe.test:5060")
    assert r.details["addresses"] == "127.0.0.1, ::1, 127.0.0.2"
    records = str(r.details["records"]).splitlines()
    assert "edge1.probe.test. 60 A 127.0.0.1" in records
    assert "_sip._udp.trunk.probe.test. 120 SRV 20 40 5060 edge2.probe.test." in records
    assert "NAPTR trunk.probe.test" in str(r.details["timings"])


def test_sip_uri_input_and_no_srv_fallback_to_address(unbound: Unbound) -> None:
    r = run(resolve_sip("sip:nosrv.probe.test:5060", server=unbound.server, timeout=2))
    assert (r.outcome, r.target, r.details["addresses"]) == ("resolved", "nosrv.probe.test", "127.0.0.3")
    assert "no SRV" in r.summary


def test_nxdomain(unbound: Unbound) -> None:
    r = run(resolve_sip("missing.probe.test", server=unbound.server, timeout=2))
    assert (r.outcome, r.ok) == ("nxdomain", False) and "NXDOMAIN" in r.summary


def test_name_without_addresses_is_no_answer(unbound: Unbound) -> None:
    r = run(resolve_sip("empty.probe.test", server=unbound.server, timeout=2))
    assert r.outcome == "no_answer"


def test_servfail(unbound: Unbound) -> None:
    r = run(resolve_sip("trunk.broken.test", server=unbound.server, timeout=2))
    assert (r.outcome, r.ok) == ("servfail", False) and "SERVFAIL" in r.summary


def test_silent_server_is_a_timeout() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        r = run(resolve_sip("trunk.probe.test", server=f"127.0.0.1:{silent.getsockname()[1]}", timeout=0.5))
    finally:
        silent.close()
    assert r.outcome == "timeout"


def test_nothing_listening_is_no_resolver_reachable() -> None:
    r = run(resolve_sip("trunk.probe.test", server=f"127.0.0.1:{free_port()}", timeout=0.5))
    assert r.outcome == "no_resolver" and "no resolver reachable" in r.summary


def test_dns_server_syntax() -> None:
    assert parse_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_server("[::1]:53") == ("::1", 53)
    assert parse_server("10.0.0.1") == ("10.0.0.1", 53)
    for bad in ("host:port", ":53", "1.2.3.4:0"):
        try:
            parse_server(bad)
        except ValueError as exc:
            assert "HOST[:PORT]" in str(exc)
        else:
            raise AssertionError(bad)


def test_rfc3263_explicit_port_transport_and_numeric_host(unbound: Unbound) -> None:
    r = run(resolve_sip("sip:trunk.probe.test:5080", server=unbound.server, timeout=2))
    assert r.outcome == "no_answer" and "NAPTR" not in str(r.details["timings"])  # A/AAAA only
    r = run(resolve_sip("sip:trunk.probe.test;transport=udp", server=unbound.server, timeout=2))
    assert r.outcome == "resolved" and "NAPTR" not in str(r.details["timings"])
    assert r.details["srv"] == "udp:edge1.probe.test:5060, udp:edge2.probe.test:5060"
    r = run(resolve_sip("sips:trunk.probe.test", server=unbound.server, timeout=2))
    assert r.details["srv"] == "tls:edge1.probe.test:5061"
    r = run(resolve_sip("sip:127.0.0.1:5060", server=unbound.server, timeout=2))
    assert r.outcome == "resolved" and r.details["records"] == ""
