"""SIP carried inside capture-agent encapsulation: HEP (Homer / EEP) versions 1, 2 and 3.

Kamailio's and OpenSIPS' siptrace, Asterisk's res_hep, FreeSWITCH, rtpengine and
heplify send a copy of every SIP message to a Homer collector as HEP over UDP (usually
port 9060). A capture taken at the collector, or of that mirror traffic, holds no SIP
on the wire, only HEP datagrams; each carries the original message with the addresses,
ports and time it was seen at (wireshark's "hep" dissector reads the same fields). Here
such a datagram becomes the inner message and its own five-tuple, so the rest of the
reader treats it as if it had been captured where it was sent.

HEPv3 is a 6-byte header ("HEP3", total length) and then chunks of
(vendor, type, length including the 6-byte chunk header, value); the generic chunk
types (vendor 0) used here are the ones every HEP agent sends. HEPv1/v2 are a fixed
binary header (version, header length, family, protocol, ports, addresses, and for
v2 the time) followed by the message; having no magic, they are only looked for on
the HEP port.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

HEP_PORTS = frozenset({9060, 9061, 9063, 9064})
"""Where HEP agents send by default (Homer's 9060, its TLS/TCP neighbours): v1/v2 are looked for only here."""

_AF_INET, _AF_INET6 = 2, 10
_PROTO_SIP = 1
_IP_PROTO = {6: "tcp", 17: "udp", 132: "sctp"}
_MAX_CHUNKS = 64


@dataclass(frozen=True, slots=True)
class Encapsulated:
    """The message a HEP datagram carries and where it was originally seen."""

    src: str
    sport: int
    dst: str
    dport: int
    transport: str
    payload: bytes
    ts: float | None
    version: int
    protocol: int
    """HEP's "captured protocol type": 1 SIP, 5 RTCP, 100 log, ... (0 when v1/v2: not stated)."""


def looks_like_hep(payload: bytes, sport: int, dport: int) -> bool:
    """Cheap test before decoding: the v3 magic anywhere, v1/v2 only on a HEP port."""
    if payload[:4] in (b"HEP3", b"EEP1"):
        return True
    return (sport in HEP_PORTS or dport in HEP_PORTS) and len(payload) > 16 and payload[0] in (1, 2)


def decode_hep(payload: bytes) -> Encapsulated | None:
    """The inner message of one HEP datagram, or None when it is not well-formed HEP."""
    if payload[:4] in (b"HEP3", b"EEP1"):
        return _v3(payload)
    if payload and payload[0] in (1, 2):
        return _v12(payload)
    return None


def _ip(raw: bytes) -> str:
    return str(ipaddress.ip_address(raw))


def _v3(data: bytes) -> Encapsulated | None:
    if len(data) < 6:
        return None
    (total,) = struct.unpack_from("!H", data, 4)
    end = min(total, len(data)) if total >= 6 else len(data)
    fields: dict[int, bytes] = {}
    pos, chunks = 6, 0
    while pos + 6 <= end and chunks < _MAX_CHUNKS:
        vendor, kind, length = struct.unpack_from("!HHH", data, pos)
        if length < 6 or pos + length > end:
            return None
        if vendor == 0 and kind not in fields:
            fields[kind] = data[pos + 6:pos + length]
        pos += length
        chunks += 1
    payload = fields.get(15)
    if payload is None:
        if 16 not in fields:
            return None
        import zlib

        try:  # compressed payload chunk: zlib or gzip framing
            payload = zlib.decompress(fields[16], wbits=47)
        except zlib.error:
            return None
    try:
        if 3 in fields and 4 in fields and len(fields[3]) == 4 and len(fields[4]) == 4:
            src, dst = _ip(fields[3]), _ip(fields[4])
        elif 5 in fields and 6 in fields and len(fields[5]) == 16 and len(fields[6]) == 16:
            src, dst = _ip(fields[5]), _ip(fields[6])
        else:
            return None
        sport = struct.unpack("!H", fields[7])[0] if len(fields.get(7, b"")) == 2 else 0
        dport = struct.unpack("!H", fields[8])[0] if len(fields.get(8, b"")) == 2 else 0
    except ValueError:
        return None
    ts: float | None = None
    if len(fields.get(9, b"")) == 4:
        ts = float(struct.unpack("!I", fields[9])[0])
        if len(fields.get(10, b"")) == 4:
            ts += struct.unpack("!I", fields[10])[0] / 1e6
    proto = fields.get(2, b"")
    kind_raw = fields.get(11, b"")
    return Encapsulated(src=src, sport=sport, dst=dst, dport=dport,
                        transport=_IP_PROTO.get(proto[0], "udp") if len(proto) == 1 else "udp",
                        payload=bytes(payload), ts=ts, version=3,
                        protocol=kind_raw[0] if len(kind_raw) == 1 else _PROTO_SIP)


def _v12(data: bytes) -> Encapsulated | None:
    version, hlen, family, proto = data[0], data[1], data[2], data[3]
    if family not in (_AF_INET, _AF_INET6):
        return None
    alen = 4 if family == _AF_INET else 16
    need = 8 + 2 * alen + (10 if version == 2 else 0)
    if len(data) < need or hlen not in (need, need + 2):  # v2: some agents pad the capture id to 4 bytes
        return None
    sport, dport = struct.unpack_from("!HH", data, 4)
    try:
        src, dst = _ip(data[8:8 + alen]), _ip(data[8 + alen:8 + 2 * alen])
    except ValueError:
        return None
    ts: float | None = None
    if version == 2:
        sec, usec = struct.unpack_from("<II", data, 8 + 2 * alen)  # host byte order in every agent seen
        ts = sec + usec / 1e6
    return Encapsulated(src=src, sport=sport, dst=dst, dport=dport, transport=_IP_PROTO.get(proto, "udp"),
                        payload=bytes(data[hlen:]), ts=ts, version=version, protocol=0)


def encode_hep3(inner: Encapsulated, capture_id: int = 2001) -> bytes:
    """A HEPv3 datagram for `inner` (what an agent sends): used to write test captures."""
    ip = ipaddress.ip_address(inner.src)
    family = _AF_INET if ip.version == 4 else _AF_INET6
    proto = {v: k for k, v in _IP_PROTO.items()}.get(inner.transport, 17)

    def chunk(kind: int, value: bytes) -> bytes:
        return struct.pack("!HHH", 0, kind, 6 + len(value)) + value

    ts = inner.ts or 0.0
    body = b"".join([
        chunk(1, bytes([family])), chunk(2, bytes([proto])),
        chunk(3 if family == _AF_INET else 5, ip.packed),
        chunk(4 if family == _AF_INET else 6, ipaddress.ip_address(inner.dst).packed),
        chunk(7, struct.pack("!H", inner.sport)), chunk(8, struct.pack("!H", inner.dport)),
        chunk(9, struct.pack("!I", int(ts))), chunk(10, struct.pack("!I", round((ts - int(ts)) * 1e6))),
        chunk(11, bytes([inner.protocol or _PROTO_SIP])), chunk(12, struct.pack("!I", capture_id)),
        chunk(15, inner.payload),
    ])
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body
