"""HEP (Homer encapsulation) decoding: the inner SIP message and where it was seen."""

from __future__ import annotations

import socket
import struct

from advisor.evidence.encap import Encapsulated, decode_hep, encode_hep3, looks_like_hep

INVITE = (b"INVITE sip:+14155550100@example.pstn.twilio.com SIP/2.0\r\n"
          b"Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-1\r\nCall-ID: h1\r\nCSeq: 1 INVITE\r\n"
          b"Content-Length: 0\r\n\r\n")


def test_v3_round_trip_ipv4() -> None:
    inner = Encapsulated(src="203.0.113.10", sport=5060, dst="54.172.60.1", dport=5060, transport="udp",
                         payload=INVITE, ts=1764500000.25, version=3, protocol=1)
    datagram = encode_hep3(inner)
    assert datagram[:4] == b"HEP3" and struct.unpack_from("!H", datagram, 4)[0] == len(datagram)
    assert looks_like_hep(datagram, 40000, 9060)
    assert decode_hep(datagram) == inner


def test_v3_ipv6_and_tcp() -> None:
    inner = Encapsulated(src="2001:db8::10", sport=5061, dst="2001:db8::1", dport=5061, transport="tcp",
                         payload=INVITE, ts=None, version=3, protocol=1)
    got = decode_hep(encode_hep3(inner))
    assert got is not None and (got.src, got.dst, got.transport, got.payload) == (
        "2001:db8::10", "2001:db8::1", "tcp", INVITE)


def test_v3_chunks_in_any_order_and_unknown_vendor_chunks_are_skipped() -> None:
    def chunk(vendor: int, kind: int, value: bytes) -> bytes:
        return struct.pack("!HHH", vendor, kind, 6 + len(value)) + value

    body = b"".join([chunk(0, 15, INVITE), chunk(0x1234, 3, b"\x01\x02\x03\x04"), chunk(0, 8, b"\x13\xc4"),
                     chunk(0, 7, b"\x13\xc4"), chunk(0, 4, socket.inet_aton("54.172.60.1")),
                     chunk(0, 3, socket.inet_aton("203.0.113.10")), chunk(0, 1, b"\x02")])
    got = decode_hep(b"HEP3" + struct.pack("!H", 6 + len(body)) + body)
    assert got is not None and (got.src, got.dst, got.sport, got.dport) == ("203.0.113.10", "54.172.60.1",
                                                                            5060, 5060)
    assert got.ts is None and got.payload == INVITE


def test_v2_fixed_header() -> None:
    header = struct.pack("!BBBBHH", 2, 28, 2, 17, 5060, 5080) + socket.inet_aton("192.0.2.5") \
        + socket.inet_aton("198.51.100.7") + struct.pack("<IIHH", 1764500000, 500000, 101, 0)
    got = decode_hep(header + INVITE)
    assert got is not None
    assert (got.version, got.src, got.sport, got.dst, got.dport, got.transport) == (
        2, "192.0.2.5", 5060, "198.51.100.7", 5080, "udp")
    assert got.ts == 1764500000.5 and got.payload == INVITE
    assert looks_like_hep(header + INVITE, 5060, 9060)
    assert not looks_like_hep(header + INVITE, 5060, 5062), "v1/v2 have no magic: only on a HEP port"


def test_broken_datagrams_are_not_hep() -> None:
    good = encode_hep3(Encapsulated(src="192.0.2.1", sport=1, dst="192.0.2.2", dport=2, transport="udp",
                                    payload=INVITE, ts=None, version=3, protocol=1))
    assert decode_hep(good[:20]) is None  # cut inside a chunk
    assert decode_hep(b"HEP3\x00\x0c" + struct.pack("!HHH", 0, 15, 2)) is None  # chunk shorter than its header
    no_address = b"HEP3" + struct.pack("!H", 6 + 6 + len(INVITE)) + struct.pack("!HHH", 0, 15, 6 + len(INVITE)) \
        + INVITE
    assert decode_hep(no_address) is None
    assert decode_hep(b"INVITE sip:x SIP/2.0\r\n") is None
    assert decode_hep(b"\x02\x05\x02\x11" + b"\x00" * 30) is None  # v2 with an impossible header length
