"""advisor.evidence.pcap_reader: real captures of every supported framing, TCP
reassembly edge cases, robustness (truncated, garbage, fuzzed input).

Fixtures in tests/fixtures/pcap/ were written by real software (sipp calling
sipp on a private namespace's loopback, captured by tcpdump / dumpcap; see
make_captures.sh there), except vlan.pcap and qinq.pcap, which are derived
from udp_eth.pcap by make_synthetic.py.  Frames for the TCP and link-type
edge cases below are built in the test with dpkt.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dpkt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.bench.trace_bench import write_sip_rtp_pcap
from advisor.evidence.pcap_reader import is_capture, read_capture
from advisor.evidence.records import CaptureContents, TraceError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "pcap"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

UDP_FRAMES = [1, 2, 3, 4, 45, 46]
FIRST_WORDS = ["INVITE", "SIP/2.0 180", "SIP/2.0 200", "ACK", "BYE", "SIP/2.0 200"]


def first_words(cc: CaptureContents) -> list[str]:
    out = []
    for r in cc.sip:
        line = r.raw.split(b"\r\n", 1)[0].decode()
        out.append(line[:11] if line.startswith("SIP/2.0") else line.split(" ", 1)[0])
    return out


# --------------------------------------------------------------------------- builders


def pcap_bytes(frames: list[tuple[float, bytes]], linktype: int = 1, nano: bool = False, big: bool = False) -> bytes:
    bo = ">" if big else "<"
    out = [struct.pack(bo + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)]
    scale = 1_000_000_000 if nano else 1_000_000
    for ts, fr in frames:
        whole = int(ts)
        frac = round((ts - whole) * scale)
        out.append(struct.pack(bo + "IIII", whole, frac, len(fr), len(fr)) + fr)
    return b"".join(out)


def write(tmp: Path, name: str, data: bytes) -> str:
    p = tmp / name
    p.write_bytes(data)
    return str(p)


def ipv4(src: str, dst: str, proto: int, l4: bytes, ttl: int = 64, ident: int = 1, frag: int = 0x4000) -> bytes:
    """IPv4 header (no options) + l4; `frag` is the flags/fragment-offset field (default DF)."""
    hdr = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, frag, ttl, proto, 0, socket.inet_aton(src), socket.inet_aton(dst)
    )
    words = sum(struct.unpack("!10H", hdr))
    words = (words & 0xFFFF) + (words >> 16)
    csum = ~((words & 0xFFFF) + (words >> 16)) & 0xFFFF
    return hdr[:10] + struct.pack("!H", csum) + hdr[12:] + l4


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    u = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    u.ulen = 8 + len(payload)
    return bytes(u)


def tcp(sport: int, dport: int, seq: int, payload: bytes = b"", flags: int = dpkt.tcp.TH_ACK) -> bytes:
    return bytes(dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq, ack=1, flags=flags, data=payload))


def eth(packet: bytes, ethertype: int = 0x0800) -> bytes:
    return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02" + struct.pack("!H", ethertype) + packet


def eth_udp(src: str, dst: str, sport: int, dport: int, payload: bytes, ttl: int = 64) -> bytes:
    return eth(ipv4(src, dst, 17, udp(sport, dport, payload), ttl=ttl))


def eth_tcp(src: str, dst: str, sport: int, dport: int, seq: int, payload: bytes = b"", flags: int = 0x10) -> bytes:
    return eth(ipv4(src, dst, 6, tcp(sport, dport, seq, payload, flags)))


def rtp(seq: int, ssrc: int, pt: int = 0, size: int = 160) -> bytes:
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + b"\xff" * size


def sip_invite(call: str = "a1", body: bytes = b"", compact: bool = False) -> bytes:
    clen = f"l: {len(body)}" if compact else f"Content-Length: {len(body)}"
    return (
        f"INVITE sip:+12125550100@198.51.100.20:5060;transport=tcp SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 203.0.113.10:5060;branch=z9hG4bK{call}\r\n"
        f"From: <sip:+14155550100@203.0.113.10>;tag=1\r\nTo: <sip:+12125550100@198.51.100.20>\r\n"
        f"Call-ID: {call}@203.0.113.10\r\nCSeq: 1 INVITE\r\nContact: <sip:pbx@203.0.113.10:5060;transport=tcp>\r\n"
        f"Content-Type: application/sdp\r\n{clen}\r\n\r\n"
    ).encode() + body


def sip_response(code: str = "100 Trying", call: str = "a1") -> bytes:
    return (
        f"SIP/2.0 {code}\r\nVia: SIP/2.0/TCP 203.0.113.10:5060;branch=z9hG4bK{call}\r\n"
        f"From: <sip:+14155550100@203.0.113.10>;tag=1\r\nTo: <sip:+12125550100@198.51.100.20>\r\n"
        f"Call-ID: {call}@203.0.113.10\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    ).encode()


SDP = (
    b"v=0\r\no=- 1 1 IN IP4 203.0.113.10\r\ns=-\r\nc=IN IP4 203.0.113.10\r\nt=0 0\r\n"
    b"m=audio 10000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)
PBX, CARRIER = "203.0.113.10", "198.51.100.20"


def tcp_capture(tmp: Path, segments: list[tuple[int, bytes]], syn: bool = True, name: str = "t.pcap") -> str:
    """PBX -> carrier TCP segments (relative seq, payload) in the given capture order."""
    isn = 1_000_000
    frames = []
    t = 1_750_000_000.0
    if syn:
        frames.append((t, eth_tcp(PBX, CARRIER, 40000, 5060, isn, flags=dpkt.tcp.TH_SYN)))
    for i, (rel, data) in enumerate(segments):
        frames.append((t + 0.001 * (i + 1), eth_tcp(PBX, CARRIER, 40000, 5060, isn + 1 + rel, data)))
    return write(tmp, name, pcap_bytes(frames))


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM raises inside the reader after `seconds`."""

    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"read_capture did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def read_guarded(data: bytes) -> CaptureContents | TraceError:
    """Read bytes as a capture file; only a result or TraceError may come out, in bounded time."""
    fd, path = tempfile.mkstemp(suffix=".bin")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with time_limit(10):
            try:
                return read_capture(path)
            except TraceError as exc:
                return exc
    finally:
        os.unlink(path)


# --------------------------------------------------------------------------- detection


def test_is_capture_by_magic_not_extension() -> None:
    assert is_capture(bytes.fromhex("d4c3b2a1") + b"\0" * 20)
    assert is_capture(bytes.fromhex("a1b2c3d4") + b"\0" * 20)
    assert is_capture(bytes.fromhex("4d3cb2a1") + b"\0" * 20)  # nanosecond
    assert is_capture(bytes.fromhex("0a0d0d0a1c0000004d3c2b1a"))
    assert not is_capture(bytes.fromhex("0a0d0d0a1c000000deadbeef"))
    assert not is_capture(b"INVITE sip:1@2 SIP/2.0\r\n")
    assert not is_capture(b"")
    assert is_capture((FIX / "udp_eth.pcap").read_bytes()[:64])
    assert is_capture((FIX / "ipv6_udp.pcapng").read_bytes()[:64])


# --------------------------------------------------------------------------- real captures


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("udp_eth.pcap", "pcap"),  # tcpdump -i lo: Ethernet
        ("udp_sll.pcap", "pcap"),  # tcpdump -i any -y LINUX_SLL
        ("vlan.pcap", "pcap"),  # synthetic 802.1Q
        ("qinq.pcap", "pcap"),  # synthetic 802.1ad + 802.1Q
        ("ipv6_udp.pcapng", "pcapng"),  # dumpcap, IPv6 ::1, nanosecond timestamps
    ],
)
def test_udp_call_every_framing(name: str, fmt: str) -> None:
    cc = read_capture(str(FIX / name))
    assert cc.format == fmt
    assert cc.file == name
    assert cc.packets == 46
    assert cc.warnings == []
    assert [r.ref.frame for r in cc.sip] == UDP_FRAMES
    assert all(r.ref.file == name for r in cc.sip)
    assert first_words(cc) == FIRST_WORDS
    loop = "::1" if "ipv6" in name else "127.0.0.1"
    invite = cc.sip[0]
    assert (invite.src, invite.sport, invite.dst, invite.dport) == (loop, 5061, loop, 5070)
    assert invite.transport == "udp"
    assert invite.ttl == 64
    assert invite.ts is not None and invite.ts > 1.7e9
    assert invite.raw.endswith(b"a=fmtp:101 0-11,16\r\n")
    assert cc.sip[1].sport == 5070 and cc.sip[1].dport == 5061
    # sipp plays 20 RTP packets (PCMA, PT 8) and the uas echoes them: one stream per direction
    assert len(cc.rtp) == 2
    assert {(s.src, s.sport, s.dst, s.dport) for s in cc.rtp} == {(loop, 6004, loop, 6000), (loop, 6000, loop, 6004)}
    for s in cc.rtp:
        assert s.packets == 20
        assert s.payload_type == 8
        assert s.ssrc == 0xDEE0EE8F
        assert (s.min_ttl, s.max_ttl) == (64, 64)
        assert s.first_ref is not None and s.first_ref.frame in (5, 6)
        assert 0.5 < s.last_ts - s.first_ts < 0.7
    # timestamps agree across the pcap microsecond and pcapng nanosecond paths
    assert cc.sip[-1].ts is not None and invite.ts is not None
    assert 0.7 < cc.sip[-1].ts - invite.ts < 1.0


@pytest.mark.parametrize(
    ("name", "frames"),
    [
        ("tcp_sll2.pcap", [4, 6, 8, 10, 52, 54]),  # tcpdump -i any: SLL2
        # lo MTU 420 with offloads off: the 815-byte INVITE spans frames 4, 5 and 6,
        # the 200 OK frames 12 and 13; a message is referenced by its first frame
        ("tcp_seg_eth.pcap", [4, 10, 12, 16, 58, 60]),
    ],
)
def test_tcp_call_real(name: str, frames: list[int]) -> None:
    cc = read_capture(str(FIX / name))
    assert cc.warnings == []
    assert [r.ref.frame for r in cc.sip] == frames
    assert first_words(cc) == FIRST_WORDS
    assert all(r.transport == "tcp" for r in cc.sip)
    invite = cc.sip[0]
    assert len(invite.raw) == 815
    assert invite.raw.count(b"INVITE sip:") == 1
    head, body = invite.raw.split(b"\r\n\r\n", 1)
    assert int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]) == len(body)
    ok = cc.sip[2]
    assert ok.raw.startswith(b"SIP/2.0 200 OK") and b"m=audio" in ok.raw
    assert len(cc.rtp) == 2 and all(s.packets == 20 for s in cc.rtp)


def test_pcapng_two_interfaces_of_different_link_types() -> None:
    # dumpcap -i lo -i any: IDB 0 Ethernet, IDB 1 Linux SLL; every packet seen on both
    cc = read_capture(str(FIX / "multi_if.pcapng"))
    assert cc.packets == 92
    assert [r.ref.frame for r in cc.sip] == [1, 2, 3, 4, 7, 8, 9, 10, 89, 90, 91, 92]
    assert len(cc.rtp) == 2 and all(s.packets == 40 for s in cc.rtp)


def test_shared_sample_s06() -> None:
    path = SAMPLES / "s06.pcap"
    cc = read_capture(str(path))
    assert cc.packets == 3942
    frames = [1, 2, 3, 716, 717, 768, 769, 870, 871, 1072, 1073, 1474, 1475, 1876, 1877, 2278, 2279]
    assert [r.ref.frame for r in cc.sip][: len(frames)] == frames
    assert len(cc.sip) == 27
    assert cc.sip[0].raw.startswith(b"INVITE sip:+15415550198@")
    assert (cc.sip[0].src, cc.sip[0].sport, cc.sip[0].dst, cc.sip[0].dport) == ("10.1.1.20", 5080, "54.244.51.0", 5060)
    by_dir = {(s.src, s.dst): s for s in cc.rtp}
    far = by_dir[("168.86.146.247", "10.1.1.20")]
    near = by_dir[("10.1.1.20", "168.86.146.247")]
    assert (far.packets, far.min_ttl, far.max_ttl, far.first_ref and far.first_ref.frame) == (2314, 48, 48, 4)
    assert (near.packets, near.min_ttl, near.max_ttl) == (1601, 64, 64)
    assert far.payload_type == near.payload_type == 0


def test_shared_sample_s09_one_way_audio() -> None:
    path = SAMPLES / "s09.pcap"
    cc = read_capture(str(path))
    assert [r.ref.frame for r in cc.sip] == [1, 2, 3, 4, 5, 606, 607]
    assert len(cc.rtp) == 1
    (s,) = cc.rtp
    assert (s.src, s.sport, s.dst, s.dport, s.packets) == ("192.168.30.3", 10836, "168.86.175.93", 51696, 600)


# --------------------------------------------------------------------------- TCP reassembly


def test_tcp_message_split_over_three_segments(tmp_path: Path) -> None:
    msg = sip_invite(body=SDP)
    a, b = 100, 250
    path = tcp_capture(tmp_path, [(0, msg[:a]), (a, msg[a:b]), (b, msg[b:])])
    cc = read_capture(path)
    assert [r.raw for r in cc.sip] == [msg]
    assert cc.sip[0].ref.frame == 2  # frame 1 is the SYN
    assert cc.sip[0].transport == "tcp"
    assert (cc.sip[0].src, cc.sip[0].sport, cc.sip[0].dst, cc.sip[0].dport) == (PBX, 40000, CARRIER, 5060)


def test_tcp_two_messages_in_one_segment_and_keepalives(tmp_path: Path) -> None:
    m1 = sip_invite("c1", body=SDP, compact=True)  # compact "l:" Content-Length
    m2 = sip_response("180 Ringing", "c1")
    m3 = sip_invite("c2")
    seg1 = b"\r\n\r\n" + m1 + b"\r\n" + m2  # keep-alive ping, message, pong, message
    seg2 = m3[:40]
    seg3 = m3[40:] + b"\r\n\r\n"
    path = tcp_capture(tmp_path, [(0, seg1), (len(seg1), seg2), (len(seg1) + len(seg2), seg3)])
    cc = read_capture(path)
    assert [r.raw for r in cc.sip] == [m1, m2, m3]
    assert [r.ref.frame for r in cc.sip] == [2, 2, 3]
    assert cc.warnings == []


def test_tcp_out_of_order_and_retransmitted_segments(tmp_path: Path) -> None:
    m1 = sip_invite("o1", body=SDP)
    m2 = sip_response("100 Trying", "o1")
    a, b = 120, 300
    stream = m1 + m2
    segs = [(0, stream[:a]), (b, stream[b:]), (a, stream[a:b]), (a, stream[a:b])]  # 3rd arrives late, then again
    cc = read_capture(tcp_capture(tmp_path, segs))
    assert [r.raw for r in cc.sip] == [m1, m2]
    assert cc.sip[0].ref.frame == 2
    # m2 starts inside the segment at stream offset b, captured (early) as frame 3
    assert len(m1) > b
    assert cc.sip[1].ref.frame == 3


def test_tcp_first_segments_out_of_order_without_syn(tmp_path: Path) -> None:
    msg = sip_invite("n1", body=SDP)
    cut = 200
    # capture starts mid-connection and the second half of the message is seen first
    cc = read_capture(tcp_capture(tmp_path, [(cut, msg[cut:]), (0, msg[:cut])], syn=False))
    assert [r.raw for r in cc.sip] == [msg]
    assert cc.sip[0].ref.frame == 2


def test_tcp_capture_starting_mid_message_resyncs(tmp_path: Path) -> None:
    m1 = sip_invite("m1", body=SDP)
    m2 = sip_response("200 OK", "m1")
    tail = m1[150:]
    cc = read_capture(tcp_capture(tmp_path, [(0, tail), (len(tail), m2)], syn=False))
    assert [r.raw for r in cc.sip] == [m2]
    assert cc.sip[0].ref.frame == 2


def test_tcp_missing_segment_is_reported_and_later_messages_survive(tmp_path: Path) -> None:
    m1 = sip_invite("g1", body=SDP)
    m2 = sip_response("200 OK", "g1")
    # the middle of m1 was never captured; the flow ends with a FIN
    isn = 5000
    frames = [(1.0, eth_tcp(PBX, CARRIER, 40000, 5060, isn, flags=dpkt.tcp.TH_SYN))]
    frames.append((1.1, eth_tcp(PBX, CARRIER, 40000, 5060, isn + 1, m1[:100])))
    frames.append((1.2, eth_tcp(PBX, CARRIER, 40000, 5060, isn + 1 + len(m1), m2)))
    fin = dpkt.tcp.TH_FIN | dpkt.tcp.TH_ACK
    frames.append((1.3, eth_tcp(PBX, CARRIER, 40000, 5060, isn + 1 + len(m1) + len(m2), b"", fin)))
    cc = read_capture(write(tmp_path, "gap.pcap", pcap_bytes(frames)))
    assert [r.raw for r in cc.sip] == [m2]
    assert cc.sip[0].ref.frame == 3
    assert any("TCP data missing" in w and "203.0.113.10:40000 -> 198.51.100.20:5060" in w for w in cc.warnings)


def test_tcp_non_sip_flows_are_ignored(tmp_path: Path) -> None:
    http = b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
    frames = [(1.0, eth_tcp(PBX, CARRIER, 40001, 80, 1, http)), (1.1, eth_tcp(CARRIER, PBX, 80, 40001, 1, b"x" * 500))]
    cc = read_capture(write(tmp_path, "http.pcap", pcap_bytes(frames)))
    assert cc.sip == [] and cc.rtp == [] and cc.packets == 2


# --------------------------------------------------------------------------- UDP, RTP, fragments


def test_sip_on_any_port_by_content(tmp_path: Path) -> None:
    inv = sip_invite("p1", body=SDP).replace(b"transport=tcp", b"transport=udp")
    opts = b"OPTIONS sips:ping@198.51.100.20 SIP/2.0\r\nContent-Length: 0\r\n\r\n"
    tel = b"MESSAGE tel:+12125550100 SIP/2.0\r\nl: 0\r\n\r\n"
    not_sip = [
        b"HELLO world SIP/2.0\r\n",  # no URI
        b"GET sip:x HTTP/1.1\r\n\r\n",  # not SIP/2.0
        b"\r\n\r\n",  # keep-alive
        b"SIP/2.0\r\n",  # no status code
    ]
    frames = [
        (1.0, eth_udp(PBX, CARRIER, 40000, 40002, inv)),
        (1.1, eth_udp(PBX, CARRIER, 5080, 9999, opts)),
        (1.2, eth_udp(CARRIER, PBX, 5060, 5060, sip_response("486 Busy Here", "p1"))),
        (1.3, eth_udp(CARRIER, PBX, 5060, 5060, tel)),
    ] + [(2.0 + i, eth_udp(PBX, CARRIER, 5060, 5060, p)) for i, p in enumerate(not_sip)]
    cc = read_capture(write(tmp_path, "ports.pcap", pcap_bytes(frames)))
    assert [r.ref.frame for r in cc.sip] == [1, 2, 3, 4]
    assert [r.raw for r in cc.sip] == [inv, opts, sip_response("486 Busy Here", "p1"), tel]
    assert cc.sip[0].dport == 40002 and cc.sip[1].sport == 5080
    assert cc.rtp == []


def test_rtp_streams_per_direction_with_ttl_range(tmp_path: Path) -> None:
    a, b = ("203.0.113.10", 10000), ("198.51.100.40", 20000)
    frames = []
    t = 100.0
    for i in range(50):
        ttl_in = 52 if i < 25 else 49  # the far side's path changes mid-call
        frames.append((t + i * 0.02, eth_udp(a[0], b[0], a[1], b[1], rtp(i, 0x1111), ttl=64)))
        frames.append((t + i * 0.02 + 0.001, eth_udp(b[0], a[0], b[1], a[1], rtp(i, 0x2222), ttl=ttl_in)))
    # RTCP (PT 200/201) on the next port and a DNS answer whose first byte looks like RTP v2
    frames.append((102.0, eth_udp(a[0], b[0], 10001, 20001, struct.pack("!BBH", 0x80, 200, 6) + b"\0" * 24)))
    frames.append((102.1, eth_udp(b[0], a[0], 20001, 10001, struct.pack("!BBH", 0x81, 201, 7) + b"\0" * 28)))
    frames.append((102.2, eth_udp("192.0.2.53", a[0], 53, 33333, bytes([0x85, 0x00]) + b"\0" * 30)))
    cc = read_capture(write(tmp_path, "rtp.pcap", pcap_bytes(frames)))
    assert cc.packets == 103
    streams = {(s.src, s.sport, s.dst, s.dport): s for s in cc.rtp}
    assert set(streams) == {(a[0], a[1], b[0], b[1]), (b[0], b[1], a[0], a[1])}
    out, back = streams[(a[0], a[1], b[0], b[1])], streams[(b[0], b[1], a[0], a[1])]
    assert (out.packets, out.ssrc, out.min_ttl, out.max_ttl, out.payload_type) == (50, 0x1111, 64, 64, 0)
    assert (back.packets, back.ssrc, back.min_ttl, back.max_ttl) == (50, 0x2222, 49, 52)
    assert out.first_ref is not None and out.first_ref.frame == 1
    assert back.first_ref is not None and back.first_ref.frame == 2
    assert out.first_ts == pytest.approx(100.0) and out.last_ts == pytest.approx(100.98)
    assert back.last_ts == pytest.approx(100.981)
    assert not hasattr(out, "payload")


def test_two_ssrcs_on_one_five_tuple_are_two_streams(tmp_path: Path) -> None:
    frames = [
        (1.0 + i * 0.02, eth_udp(PBX, CARRIER, 10000, 20000, rtp(i, 0xAAAA if i < 5 else 0xBBBB))) for i in range(10)
    ]
    cc = read_capture(write(tmp_path, "ssrc.pcap", pcap_bytes(frames)))
    assert sorted((s.ssrc, s.packets) for s in cc.rtp) == [(0xAAAA, 5), (0xBBBB, 5)]


def test_ipv4_fragmented_sip_is_reassembled(tmp_path: Path) -> None:
    big = sip_invite("f1", body=SDP + b"a=x-padding:" + b"z" * 1500 + b"\r\n").replace(b"transport=tcp", b"x=y")
    dgram = udp(5060, 5060, big)
    first, rest = dgram[:1480], dgram[1480:]
    frames = [
        (1.0, eth(ipv4(PBX, CARRIER, 17, first, ident=77, frag=0x2000))),
        (1.0, eth_udp(PBX, CARRIER, 10000, 20000, rtp(1, 5))),
        (1.001, eth(ipv4(PBX, CARRIER, 17, rest, ident=77, frag=1480 // 8))),
        # a fragment whose partner never arrives
        (2.0, eth(ipv4(PBX, CARRIER, 17, dgram[:1480], ident=78, frag=0x2000))),
    ]
    cc = read_capture(write(tmp_path, "frag.pcap", pcap_bytes(frames)))
    assert [r.raw for r in cc.sip] == [big]
    assert cc.sip[0].ref.frame == 1
    assert any("fragment" in w and "frame 4" in w for w in cc.warnings)


# --------------------------------------------------------------------------- link types and file variants


def _udp_eth_frames() -> list[tuple[float, bytes]]:
    with open(FIX / "udp_eth.pcap", "rb") as f:
        return [(ts, bytes(buf)) for ts, buf in dpkt.pcap.Reader(f)]


@pytest.mark.parametrize(
    ("linktype", "strip", "prefix"),
    [
        (101, 14, b""),  # LINKTYPE_RAW
        (228, 14, b""),  # LINKTYPE_IPV4
        (12, 14, b""),  # DLT_RAW as some BSDs write it
        (0, 14, struct.pack("<I", 2)),  # BSD loopback, host byte order
        (108, 14, struct.pack(">I", 2)),  # OpenBSD loopback, network byte order
    ],
)
def test_other_link_types(tmp_path: Path, linktype: int, strip: int, prefix: bytes) -> None:
    frames = [(ts, prefix + fr[strip:]) for ts, fr in _udp_eth_frames()]
    cc = read_capture(write(tmp_path, f"lt{linktype}.pcap", pcap_bytes(frames, linktype=linktype)))
    assert [r.ref.frame for r in cc.sip] == UDP_FRAMES
    assert len(cc.rtp) == 2 and all(s.packets == 20 for s in cc.rtp)


def test_raw_ipv6_link_type(tmp_path: Path) -> None:
    with open(FIX / "ipv6_udp.pcapng", "rb") as f:
        frames = [(ts, bytes(buf)[14:]) for ts, buf in dpkt.pcapng.Reader(f)]
    cc = read_capture(write(tmp_path, "raw6.pcap", pcap_bytes(frames, linktype=229)))
    assert [r.ref.frame for r in cc.sip] == UDP_FRAMES
    assert cc.sip[0].src == "::1"
    assert len(cc.rtp) == 2


@pytest.mark.parametrize(("nano", "big"), [(True, False), (False, True), (True, True)])
def test_nanosecond_and_big_endian_pcap(tmp_path: Path, nano: bool, big: bool) -> None:
    frames = _udp_eth_frames()
    cc = read_capture(write(tmp_path, "v.pcap", pcap_bytes(frames, nano=nano, big=big)))
    assert [r.ref.frame for r in cc.sip] == UDP_FRAMES
    assert cc.sip[0].ts == pytest.approx(frames[0][0], abs=1e-6)
    assert len(cc.rtp) == 2 and all(s.packets == 20 for s in cc.rtp)
    assert cc.rtp[0].last_ts - cc.rtp[0].first_ts == pytest.approx(0.569, abs=0.02)


def _pcapng_block(btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def test_pcapng_simple_packet_blocks_unknown_blocks_and_second_section(tmp_path: Path) -> None:
    frames = _udp_eth_frames()
    shb = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # section 1: Ethernet, microseconds; SIP in an EPB, an unknown block, the 180 in a simple packet block
    idb_eth = _pcapng_block(1, struct.pack("<HHI", 1, 0, 0))
    ts = int(frames[0][0] * 1e6)
    epb = _pcapng_block(
        6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frames[0][1]), len(frames[0][1])) + frames[0][1]
    )
    custom = _pcapng_block(0x00000BAD, b"vendor data")
    spb = _pcapng_block(3, struct.pack("<I", len(frames[1][1])) + frames[1][1])
    # section 2: raw IP with 1/1024 s resolution (if_tsresol 0x8a)
    raw = frames[2][1][14:]
    idb_raw = _pcapng_block(1, struct.pack("<HHI", 101, 0, 0) + struct.pack("<HHB3x", 9, 1, 0x8A) + b"\0" * 4)
    t2 = int(frames[2][0] * 1024)
    epb2 = _pcapng_block(6, struct.pack("<IIIII", 0, t2 >> 32, t2 & 0xFFFFFFFF, len(raw), len(raw)) + raw)
    data = shb + idb_eth + epb + custom + spb + shb + idb_raw + epb2
    cc = read_capture(write(tmp_path, "ng.pcapng", data))
    assert cc.format == "pcapng"
    assert cc.packets == 3
    assert first_words(cc) == ["INVITE", "SIP/2.0 180", "SIP/2.0 200"]
    assert [r.ref.frame for r in cc.sip] == [1, 2, 3]
    assert cc.sip[0].ts == pytest.approx(frames[0][0], abs=1e-6)
    assert cc.sip[1].ts is None  # simple packet blocks carry no timestamp
    assert cc.sip[2].ts == pytest.approx(frames[2][0], abs=1e-3)
    assert cc.warnings == []


def test_sip_cut_by_snap_length_is_kept_with_a_warning(tmp_path: Path) -> None:
    full = eth_udp(PBX, CARRIER, 5060, 5060, sip_invite("s1", body=SDP).replace(b"transport=tcp", b"x=y"))
    cc = read_capture(write(tmp_path, "snap.pcap", pcap_bytes([(1.0, full[:200])])))
    assert len(cc.sip) == 1 and len(cc.sip[0].raw) == 200 - 42
    assert any("cut short by the capture's snap length" in w for w in cc.warnings)


# --------------------------------------------------------------------------- robustness


def test_truncated_pcap_returns_partial_result_with_warning(tmp_path: Path) -> None:
    data = (FIX / "udp_eth.pcap").read_bytes()
    # cut inside frame 46 (the last 200 OK)
    cc = read_capture(write(tmp_path, "cut.pcap", data[:-40]))
    assert cc.packets == 45
    assert [r.ref.frame for r in cc.sip] == UDP_FRAMES[:-1]
    assert cc.warnings == ["cut.pcap: truncated capture: stopped after frame 45"]
    # cut inside a record header
    cc = read_capture(write(tmp_path, "cut2.pcap", data[: 24 + 16 + 857 + 5]))
    assert cc.packets == 1 and len(cc.sip) == 1
    assert any("truncated capture: stopped after frame 1" in w for w in cc.warnings)


def test_truncated_pcapng_returns_partial_result_with_warning(tmp_path: Path) -> None:
    data = (FIX / "ipv6_udp.pcapng").read_bytes()
    cc = read_capture(write(tmp_path, "cut.pcapng", data[: len(data) // 2]))
    assert 0 < cc.packets < 46
    assert cc.sip[0].raw.startswith(b"INVITE")
    assert any(f"truncated capture: stopped after frame {cc.packets}" in w for w in cc.warnings)


@pytest.mark.parametrize(
    "content",
    [
        b"this is a text file, not a capture\n" * 10,
        b"",
        bytes(range(256)),
        b"\xd4\xc3\xb2\xa1\x02\x00",  # pcap magic, header cut short
    ],
)
def test_not_a_capture_raises_one_line_trace_error(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "notes.pcap", content)
    with pytest.raises(TraceError) as info:
        read_capture(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("notes.pcap: ")


def test_unsupported_link_type_and_missing_file(tmp_path: Path) -> None:
    path = write(tmp_path, "wifi.pcap", pcap_bytes([(1.0, b"\0" * 40)], linktype=105))
    with pytest.raises(TraceError, match=r"^wifi\.pcap: unsupported link type 105"):
        read_capture(path)
    with pytest.raises(TraceError, match=r"^nope\.pcap: no such file"):
        read_capture(str(tmp_path / "nope.pcap"))


def test_corrupt_record_length_stops_with_warning(tmp_path: Path) -> None:
    data = bytearray((FIX / "udp_eth.pcap").read_bytes())
    # frame 2's record header claims a 2 GB capture length
    off = 24 + 16 + 857
    struct.pack_into("<I", data, off + 8, 0x7FFFFFFF)
    cc = read_capture(write(tmp_path, "bad.pcap", bytes(data)))
    assert cc.packets == 1
    assert any("corrupt capture" in w and "after frame 1" in w for w in cc.warnings)


FIXTURE_BYTES = {p.name: p.read_bytes() for p in sorted(FIX.glob("*.pcap*"))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(data: bytes) -> None:
    res = read_guarded(data)
    assert isinstance(res, (CaptureContents, TraceError))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["pcap-le", "pcap-be", "pcapng"]),
    st.sampled_from([1, 113, 276, 101, 0]),
    st.binary(max_size=3000),
)
def test_fuzz_valid_header_random_body(kind: str, linktype: int, body: bytes) -> None:
    if kind == "pcapng":
        shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
        idb = struct.pack("<IIHHI", 1, 20, linktype, 0, 0) + struct.pack("<I", 20)
        head = shb + idb
    else:
        head = pcap_bytes([], linktype=linktype, big=kind == "pcap-be")
    res = read_guarded(head + body)
    assert isinstance(res, (CaptureContents, TraceError))
    assert "unreadable capture (" not in str(res)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(FIXTURE_BYTES)),
    st.lists(st.tuples(st.integers(min_value=0, max_value=40_000), st.integers(0, 255)), max_size=30),
    st.integers(min_value=0, max_value=40_000),
    st.booleans(),
)
def test_fuzz_mutated_real_captures(name: str, flips: list[tuple[int, int]], cut: int, do_cut: bool) -> None:
    data = bytearray(FIXTURE_BYTES[name])
    for pos, val in flips:
        if pos < len(data):
            data[pos] = val
    if do_cut:
        del data[cut:]
    res = read_guarded(bytes(data))
    assert isinstance(res, (CaptureContents, TraceError))
    if isinstance(res, TraceError):
        assert "\n" not in str(res)
        assert "unreadable capture (" not in str(res)  # the catch-all for reader bugs


# --------------------------------------------------------------------------- benchmark generator


def test_bench_generator_matches_reader(tmp_path: Path) -> None:
    gen = write_sip_rtp_pcap(str(tmp_path / "g.pcap"), 30_000, concurrent=4)
    assert os.path.getsize(gen.path) == gen.bytes
    cc = read_capture(gen.path)
    assert cc.packets == gen.packets == 30_000
    assert len(cc.sip) == gen.sip_messages
    assert sum(s.packets for s in cc.rtp) == gen.rtp_packets
    assert len(cc.rtp) == gen.rtp_streams
    assert cc.warnings == []
    nets = ("192.0.2.", "54.172.60.", "168.86.128.", "203.0.113.")
    assert all(r.src and r.src.startswith(nets) for r in cc.sip)
    assert {s.payload_type for s in cc.rtp} == {0}
    methods = {r.raw.split(b" ", 1)[0] for r in cc.sip}
    assert {b"INVITE", b"ACK", b"BYE", b"SIP/2.0"} <= methods
