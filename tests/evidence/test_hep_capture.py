"""A capture of HEP traffic (what a Homer collector receives) reads as the calls it mirrors."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import dpkt

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.evidence.encap import Encapsulated, encode_hep3
from advisor.evidence.pcap_reader import read_capture

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
AGENT, COLLECTOR = "10.20.0.5", "10.20.0.9"


def _hep_capture(source: Path, out: Path, *, with_noise: bool = True) -> int:
    """Every SIP message of `source` sent as HEPv3 from a capture agent to a collector on UDP 9060."""
    contents = read_capture(str(source))
    n = 0
    with out.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh)
        for i, rec in enumerate(contents.sip):
            assert rec.src and rec.dst and rec.sport and rec.dport
            inner = Encapsulated(src=rec.src, sport=rec.sport, dst=rec.dst, dport=rec.dport, transport=rec.transport,
                                 payload=rec.raw, ts=rec.ts, version=3, protocol=1)
            datagrams = [encode_hep3(inner)]
            if with_noise and i == 0:
                # an RTCP report and a malformed datagram travel the same way: neither is SIP
                rtcp = Encapsulated(src=rec.src, sport=rec.sport, dst=rec.dst, dport=rec.dport, transport="udp",
                                    payload=b"\x81\xc9\x00\x07" + b"\0" * 28, ts=rec.ts, version=3, protocol=5)
                datagrams.insert(0, encode_hep3(rtcp))
                datagrams.append(b"HEP3\x00\x10" + b"\x00\x00\x00\x0f\x00\x40" + b"x" * 4)
            for dgram in datagrams:
                udp = dpkt.udp.UDP(sport=9060, dport=9060, data=dgram)
                udp.ulen = len(udp)
                ip = dpkt.ip.IP(src=socket.inet_aton(AGENT), dst=socket.inet_aton(COLLECTOR), p=17, data=udp, ttl=64)
                ip.len = len(ip)
                eth = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
                # the collector received it a little after the agent saw it: the inner time must win
                writer.writepkt(bytes(eth), ts=(rec.ts or 0.0) + 0.25)
                n += 1
    return n


def test_a_hep_capture_reads_the_mirrored_messages(tmp_path: Path) -> None:
    source = SAMPLES / "s06.pcap"
    hep = tmp_path / "homer.pcap"
    _hep_capture(source, hep)
    plain, mirrored = read_capture(str(source)), read_capture(str(hep))
    assert len(mirrored.sip) == len(plain.sip) > 0
    for a, b in zip(plain.sip, mirrored.sip, strict=True):
        assert (b.raw, b.src, b.sport, b.dst, b.dport) == (a.raw, a.src, a.sport, a.dst, a.dport)
        assert b.ts is not None and a.ts is not None and abs(b.ts - a.ts) < 1e-5
    joined = " ".join(mirrored.warnings)
    assert "HEP" in joined and "could not be decoded" in joined


def test_a_hep_capture_diagnoses_like_the_original(tmp_path: Path, advisor: Advisor) -> None:
    source = SAMPLES / "s06.pcap"
    hep = tmp_path / "homer.pcap"
    _hep_capture(source, hep, with_noise=False)
    ctx = TrunkContext()
    plain = analyze_files([str(source)], advisor.kb, ctx)
    mirrored = analyze_files([str(hep)], advisor.kb, ctx)
    facts = {o.id: o.value for o in plain.observations()}
    assert facts, "the sample gives no finding: pick another"
    # the collector got the SIP only (agents mirror signalling; RTP is not in the HEP capture)
    expected = {k: v for k, v in facts.items() if not k.startswith("rtp_")}
    assert len(expected) < len(facts), "the sample has no RTP finding: the comparison proves less than it says"
    assert {o.id: o.value for o in mirrored.observations()} == expected
    sip_only = [o for o in plain.observations() if not o.id.startswith("rtp_")]
    assert advisor.diagnose(mirrored.observations()).conclusion == advisor.diagnose(sip_only).conclusion


def test_udp_on_the_hep_port_that_is_not_hep_is_ignored(tmp_path: Path) -> None:
    out = tmp_path / "noise.pcap"
    with out.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh)
        for payload in (b"\x02\x10" + b"\x00" * 40, b"hello collector", struct.pack("!I", 7)):
            udp = dpkt.udp.UDP(sport=9060, dport=9060, data=payload)
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(src=socket.inet_aton(AGENT), dst=socket.inet_aton(COLLECTOR), p=17, data=udp)
            ip.len = len(ip)
            writer.writepkt(bytes(dpkt.ethernet.Ethernet(data=ip, type=dpkt.ethernet.ETH_TYPE_IP)), ts=1.0)
    contents = read_capture(str(out))
    assert contents.sip == []
