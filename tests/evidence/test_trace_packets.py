"""DNS and ICMP evidence in captures: a small pcap written with dpkt."""

from __future__ import annotations

import socket
from pathlib import Path

import dpkt
import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.kb.loader import KnowledgeBase

PBX, GW, EDGE = "192.168.20.5", "192.168.20.1", "54.172.60.0"
NAME = "oak-dental.pstn.twilio.com"


def _udp(src: str, sport: int, dst: str, dport: int, payload: bytes, ttl: int = 64) -> dpkt.ethernet.Ethernet:
    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=dpkt.ip.IP_PROTO_UDP, ttl=ttl, data=udp)
    ip.len = len(ip)
    return dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)


def _dns(qid: int, name: str, response: bool, rcode: int = 0) -> bytes:
    msg = dpkt.dns.DNS(id=qid, qd=[dpkt.dns.DNS.Q(name=name, type=dpkt.dns.DNS_A)])
    msg.op = dpkt.dns.DNS_RD
    if response:
        msg.qr = dpkt.dns.DNS_R
        msg.rcode = rcode
    return bytes(msg)


def _icmp_prohibited(quoted: dpkt.ethernet.Ethernet) -> dpkt.ethernet.Ethernet:
    inner = bytes(quoted.data)[:576 - 28]
    icmp = dpkt.icmp.ICMP(type=dpkt.icmp.ICMP_UNREACH, code=dpkt.icmp.ICMP_UNREACH_FILTER_PROHIB,
                          data=dpkt.icmp.ICMP.Unreach(data=inner))
    ip = dpkt.ip.IP(src=socket.inet_aton(GW), dst=socket.inet_aton(PBX), p=dpkt.ip.IP_PROTO_ICMP, data=icmp)
    ip.len = len(ip)
    return dpkt.ethernet.Ethernet(src=b"\x04" * 6, dst=b"\x02" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)


def _write(path: Path, frames: list[tuple[float, dpkt.ethernet.Ethernet]]) -> None:
    with path.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        for ts, frame in frames:
            w.writepkt(bytes(frame), ts=ts)


INVITE = (
    f"INVITE sip:+12125550187@{NAME} SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 188.114.97.3:5060;rport;branch=z9hG4bKPj-1\r\n"
    f"From: <sip:+16465550111@{NAME}>;tag=f1\r\n"
    f"To: <sip:+12125550187@{NAME}>\r\n"
    "Call-ID: icmp-test-1\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:asterisk@188.114.97.3:5060>\r\n"
    "User-Agent: Asterisk PBX 20.6.0\r\n"
    "Content-Length: 0\r\n\r\n"
).encode()


def test_dns_servfail_in_a_pcap(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path) -> None:
    f = tmp_path / "dns.pcap"
    _write(f, [
        (1717406102.100, _udp(PBX, 39502, GW, 53, _dns(51630, NAME, False))),
        (1717406102.113, _udp(GW, 53, PBX, 39502, _dns(51630, NAME, True, rcode=2))),
    ])
    analysis = analyze_files([f], kb, TrunkContext())
    got = {x.observation.id: x.observation for x in analysis.findings}
    assert got["dns_resolves_termination_uri"].value == "no"
    assert got["dns_resolves_termination_uri"].source.frame == 2
    assert got["dns_resolves_termination_uri"].source.at is not None
    assert got["call_direction"].value == "termination"
    assert [p.kind for p in analysis.packets] == ["dns", "dns"]
    diagnosis = advisor.diagnose(analysis.observations())
    assert diagnosis.causes[0].id == "term.no_response.dns_unreachable"


def test_dns_answer_means_it_resolves(kb: KnowledgeBase, tmp_path: Path) -> None:
    answer = dpkt.dns.DNS(_dns(7, NAME, True))
    answer.an = [dpkt.dns.DNS.RR(name=NAME, type=dpkt.dns.DNS_A, cls=dpkt.dns.DNS_IN, ttl=60,
                                 rdata=socket.inet_aton(EDGE))]
    f = tmp_path / "ok.pcap"
    _write(f, [(1717406102.1, _udp(PBX, 4000, GW, 53, _dns(7, NAME, False))),
               (1717406102.2, _udp(GW, 53, PBX, 4000, bytes(answer)))])
    got = {x.observation.id: x.observation.value for x in analyze_files([f], kb, TrunkContext()).findings}
    assert got["dns_resolves_termination_uri"] == "yes"


@pytest.mark.parametrize("sends", [1, 3])
def test_icmp_admin_prohibited_in_a_pcap(kb: KnowledgeBase, tmp_path: Path, sends: int) -> None:
    frames = []
    t = 1717406411.4
    for n in range(sends):
        pkt = _udp(PBX, 5060, EDGE, 5060, INVITE)
        frames += [(t, pkt), (t + 0.0002, _icmp_prohibited(pkt))]
        t += 0.5 * 2 ** n
    f = tmp_path / "icmp.pcap"
    _write(f, frames)
    analysis = analyze_files([f], kb, TrunkContext())
    got = {x.observation.id: x.observation for x in analysis.findings}
    assert got["sip_reaches_internet_edge"].value == "no"
    assert got["sip_reaches_internet_edge"].source.frame == 2
    assert "admin prohibited" in (got["sip_reaches_internet_edge"].note or "")
    if sends > 1:
        assert got["invite_final_status"].value == "none"
