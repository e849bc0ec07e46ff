"""SIP OPTIONS and port probes against a real Kamailio on loopback (tests/data/kamailio)."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time

import pytest

from advisor.probes import wire
from advisor.probes.catalog import ProbeCatalog
from tests.probes.conftest import run
from tests.probes.servers import Kamailio, free_port


def _declared(catalog: ProbeCatalog, result: wire.WireResult) -> None:
    """Every outcome the code produces is one knowledge/probes.yaml declares."""
    assert result.outcome in catalog.probes[result.probe].outcomes, result.outcome


def test_udp_options_answered_with_via_analysis(kamailio: Kamailio, catalog: ProbeCatalog) -> None:
    r = run(wire.sip_options(kamailio.uri("ok"), timeout=2))
    _declared(catalog, r)
    assert (r.outcome, r.ok, r.details["status"], r.details["reason"]) == ("answered", True, 200, "OK")
    assert r.details["server"] == "kamailio-probe-test"
    # Kamailio fills received/rport (RFC 3581) with what it saw: our own loopback address and port
    local_port = int(str(r.details["local"]).rsplit(":", 1)[1])
    assert r.details["via_received"] == "127.0.0.1"
    assert r.details["via_rport"] == str(local_port)
    assert r.details["nat"] is False and r.details["via_rewritten"] is False
    assert r.details["transmissions"] == 1
    assert r.details["rtt_ms"] is not None


def test_request_is_rfc3261_options(kamailio: Kamailio) -> None:
    r = run(wire.sip_options(kamailio.uri("ok"), timeout=2))
    text = r.sent[0]
    lines = text.split("\r\n")
    assert lines[0] == f"OPTIONS sip:ok@127.0.0.1:{kamailio.udp} SIP/2.0"
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    assert headers["Via"].startswith("SIP/2.0/UDP 127.0.0.1:") and ";branch=z9hG4bK" in headers["Via"]
    assert headers["Via"].endswith(";rport")
    assert headers["Max-Forwards"] == "70"
    assert ";tag=" in headers["From"] and headers["Call-ID"] and headers["CSeq"] == "1 OPTIONS"
    assert headers["Contact"].startswith("<sip:probe@127.0.0.1:") and headers["Content-Length"] == "0"
    assert text.endswith("\r\n\r\n")


def test_tcp_options_challenged_407(kamailio: Kamailio, catalog: ProbeCatalog) -> None:
    r = run(wire.sip_options(kamailio.uri("auth", "tcp"), timeout=2))
    _declared(catalog, r)
    assert (r.outcome, r.details["status"], r.details["transport"]) == ("answered", 407, "tcp")
    assert 'realm="probe.test"' in str(r.details["challenge"])


def test_tls_options_forbidden_403(kamailio: Kamailio) -> None:
    r = run(wire.sip_options(kamailio.uri("forbidden", "tls"), timeout=2))
    assert (r.outcome, r.details["status"], r.details["reason"]) == ("answered", 403, "Forbidden")
    assert str(r.details["tls_version"]).startswith("TLSv1.")


def test_silent_server_times_out_within_the_timeout_after_timer_e(kamailio: Kamailio, catalog: ProbeCatalog) -> None:
    t0 = time.monotonic()
    r = run(wire.sip_options(kamailio.uri("silent"), timeout=1.8))
    took = time.monotonic() - t0
    _declared(catalog, r)
    assert (r.outcome, r.ok) == ("timeout", False)
    assert "no response" in r.summary
    assert 1.8 <= took < 2.6
    # Timer E: sent at 0, T1=0.5, then 1.5 s; nothing after the timeout
    assert r.details["transmissions"] == 3
    assert wire._schedule(1.8) == [0.0, 0.5, 1.5]


def test_closed_udp_port_is_refused_not_silent(catalog: ProbeCatalog) -> None:
    r = run(wire.sip_options(f"sip:127.0.0.1:{free_port()}", timeout=2))
    _declared(catalog, r)
    assert r.outcome == "refused" and "ICMP" in r.summary


def test_closed_tcp_port_is_refused(catalog: ProbeCatalog) -> None:
    r = run(wire.sip_options(f"sip:127.0.0.1:{free_port()};transport=tcp", timeout=2))
    _declared(catalog, r)
    assert r.outcome == "refused" and "refused" in r.summary


def test_ports_answered_refused_silent(kamailio: Kamailio, catalog: ProbeCatalog) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers: silence
    silent.bind(("127.0.0.1", 0))
    try:
        results = run(_gather(
            wire.port_check("127.0.0.1", kamailio.tcp, "tcp", timeout=1),
            wire.port_check("127.0.0.1", kamailio.udp, "udp", timeout=1),
            wire.port_check("127.0.0.1", free_port(), "tcp", timeout=1),
            wire.port_check("127.0.0.1", free_port(), "udp", timeout=1),
            wire.port_check("127.0.0.1", silent.getsockname()[1], "udp", timeout=1),
        ))
    finally:
        silent.close()
    assert [r.outcome for r in results] == ["answered", "answered", "refused", "refused", "silent"]
    for r in results:
        _declared(catalog, r)


async def _gather(*coros: object) -> list[wire.WireResult]:
    return list(await asyncio.gather(*coros))  # type: ignore[arg-type]


def test_concurrent_wall_is_the_slowest_not_the_sum_and_polite(kamailio: Kamailio) -> None:
    limiter = wire.HostLimiter()
    t0 = time.monotonic()
    results = run(_gather(
        wire.sip_options(kamailio.uri("silent"), timeout=1.5, limiter=limiter),
        wire.sip_options(kamailio.uri("silent", "tcp"), timeout=1.5, limiter=limiter),
        wire.sip_options(kamailio.uri("ok"), timeout=1.5, limiter=limiter),
        wire.sip_options(kamailio.uri("auth"), timeout=1.5, limiter=limiter),
    ))
    wall = time.monotonic() - t0
    total = sum(r.elapsed_ms for r in results) / 1000
    assert [r.outcome for r in results] == ["timeout", "timeout", "answered", "answered"]
    assert total > 3.0 and wall < 2.6
    # at most 1 / MIN_INTERVAL requests per second to the one host, retransmissions included
    times = sorted(t for _, t in limiter.log)
    assert all(b - a >= wire.MIN_INTERVAL - 0.01 for a, b in itertools.pairwise(times))
    assert limiter.max_rate()["127.0.0.1"] <= 4


def test_dry_run_sends_nothing() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(0.3)
    try:
        r = run(wire.sip_options(f"sip:ok@127.0.0.1:{listener.getsockname()[1]}", timeout=2, dry_run=True))
        assert r.outcome == "dry_run" and r.sent[0].startswith("OPTIONS sip:ok@127.0.0.1:")
        assert "t = 0, 0.5, 1.5 s" in str(r.details["plan"])
        try:
            data = listener.recv(4096)
        except TimeoutError:
            data = b""
        assert data == b""
    finally:
        listener.close()


def test_unresolvable_host_is_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    # the system resolver is replaced: no test may send a DNS query beyond loopback
    async def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", no_such_name)
    r = run(wire.sip_options("sip:trunk.example.invalid", timeout=1))
    assert (r.outcome, r.summary) == ("unresolvable", "cannot resolve trunk.example.invalid: Name or service not known")


def test_bad_uri_is_a_result_not_a_traceback() -> None:
    r = run(wire.sip_options("sip:host:99999", timeout=1))
    assert (r.outcome, r.summary) == ("error", "port out of range in 'sip:host:99999'")
