"""Binary capture reader: pcap and pcapng files to SipRecord / RtpStream.

`read_capture(path)` streams the file once and keeps, beyond the SIP messages
themselves, only one small state per RTP stream and per TCP flow, so memory
does not grow with the number of packets.

Design notes
------------
* File framing: classic pcap records are read with a struct loop over large
  buffered chunks (dpkt's `pcap.Reader` builds a Python object per record,
  which dominated the profile); the 24-byte pcap file header is one
  `struct.unpack` (link type and snap length), so reading a classic pcap does
  not import dpkt (~5 MB of the reader's memory floor).  pcapng blocks are walked with a struct loop as well
  (dpkt's `pcapng.Reader` honours only the first interface, and a corrupt
  block length there turns into "read the rest of the file"); interface
  description blocks are parsed with dpkt's `InterfaceDescriptionBlock(LE)`
  for their options (link type, time resolution and offset); dpkt is
  imported when the first pcapng file is read.
* Hot path: most packets in a VoIP capture are RTP.  For the common
  "link header + IPv4 without options + UDP + RTP" shape one precompiled
  `struct.unpack_from` yields everything needed, and a dict lookup on
  (addresses, ports, SSRC) updates the stream's counters in place.  Every
  other packet goes through the general decoder (`_Decoder.frame`).
* SIP is recognised by content on any port: a request line
  "METHOD sip:|sips:|tel:... SIP/2.0" or a status line "SIP/2.0 NNN".
  SIP over TCP is reassembled per direction, in sequence order, framed by the
  end of the headers and Content-Length (compact "l:" too).
"""

from __future__ import annotations

import os
import re
import socket
import struct
from collections.abc import Callable
from typing import Any, BinaryIO, Literal

from advisor.evidence.encap import decode_hep, looks_like_hep
from advisor.evidence.records import CaptureContents, RtpStream, SipRecord, TraceError, TraceRef
from advisor.evidence.tracefile import describe_os_error, open_regular

__all__ = ["is_capture", "read_capture"]

# --------------------------------------------------------------------------- formats

# classic pcap magic (as the first four bytes appear in the file) ->
# (byte order, timestamp fraction divisor, record header length)
_PCAP_MAGICS: dict[bytes, tuple[str, float, int]] = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e6, 16),  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": (">", 1e6, 16),  # microseconds, big-endian
    b"\x4d\x3c\xb2\xa1": ("<", 1e9, 16),  # nanoseconds, little-endian
    b"\xa1\xb2\x3c\x4d": (">", 1e9, 16),  # nanoseconds, big-endian
    b"\x34\xcd\xb2\xa1": ("<", 1e6, 24),  # Kuznetzov "modified" pcap, little-endian
    b"\xa1\xb2\xcd\x34": (">", 1e6, 24),  # Kuznetzov "modified" pcap, big-endian
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
_PCAPNG_BOMS = (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d")

# link types
_DLT_NULL = 0
_DLT_EN10MB = 1
_DLT_RAW_BSD = 12
_DLT_RAW_BSD2 = 14
_DLT_RAW = 101
_DLT_LOOP = 108
_DLT_LINUX_SLL = 113
_DLT_IPV4 = 228
_DLT_IPV6 = 229
_DLT_LINUX_SLL2 = 276
_SUPPORTED_LINKTYPES = {
    _DLT_NULL: "null/loopback",
    _DLT_EN10MB: "Ethernet",
    _DLT_RAW_BSD: "raw IP",
    _DLT_RAW_BSD2: "raw IP",
    _DLT_RAW: "raw IP",
    _DLT_LOOP: "OpenBSD loopback",
    _DLT_LINUX_SLL: "Linux cooked (SLL)",
    _DLT_IPV4: "raw IPv4",
    _DLT_IPV6: "raw IPv6",
    _DLT_LINUX_SLL2: "Linux cooked v2 (SLL2)",
}

_ET_IPV4 = 0x0800
_ET_IPV6 = 0x86DD
_ET_VLAN = frozenset({0x8100, 0x88A8, 0x9100, 0x9200})
_MAX_VLAN_TAGS = 8
_MAX_IPV6_EXT = 10

_CHUNK = 1 << 18  # read size: 256 KiB (larger chunks only raise the peak: the loop cost is per packet)
_MAX_RECORD = 1 << 24  # a record or block above 16 MiB is corruption, not data
_READ_HEAD = 64
_TOP_UP = 4096  # refill the buffer when fewer unread bytes than this remain

# UDP payloads on these ports are never taken for RTP even when their first
# byte looks like RTP version 2 (DNS ids, NTP, DHCP, SNMP, syslog, IKE, SSDP, mDNS).
_NOT_RTP_PORTS = frozenset({53, 67, 68, 123, 137, 138, 161, 162, 500, 514, 1900, 4500, 5353})

# "INVITE sip:...", "OPTIONS sips:...", "MESSAGE tel:..." + " SIP/2.0" or "SIP/2.0 200 "
_SIP_START = re.compile(
    rb"(?:[A-Za-z0-9.!%*_+`'~-]{1,32} (?:[Ss][Ii][Pp][Ss]?|[Tt][Ee][Ll]):[^ \r\n]{1,4096} SIP/2\.0\r?\n"
    rb"|SIP/2\.0 [1-6][0-9][0-9][ \r\n])"
)
_CONTENT_LENGTH = re.compile(rb"(?:^|\n)[ \t]*(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,10})", re.IGNORECASE)

# TCP reassembly limits (per flow) that keep memory bounded on hostile input.
_MAX_SIP_HEADERS = 65536
_MAX_SIP_BODY = 1 << 20
_MAX_FIRST_LINE = 8192
_MAX_OOO_SEGMENTS = 64
_MAX_OOO_BYTES = 1 << 18
# segments of a flow not (yet) synced on a SIP message start, kept in case the
# start arrives late (out of order); a flow stops keeping them after
# _MAX_UNSYNCED_MISSES such segments, and all flows together keep at most
# _MAX_PENDING_TOTAL bytes.
_MAX_PENDING_SEGMENTS = 4
_MAX_PENDING_BYTES = 1 << 14
_MAX_PENDING_TOTAL = 1 << 23
_MAX_UNSYNCED_MISSES = 16
_MAX_FLOWS = 1 << 16
_MAX_FRAG_DATAGRAMS = 256
_MAX_FRAG_BYTES = 65535 + 40
_SEQ_MASK = 0xFFFFFFFF
_SEQ_HALF = 0x80000000
_MAX_DETAIL_WARNINGS = 20
# records in a row that are empty (length 0) or impossible (fraction of a second out of range, captured
# length above the original length): a zero-filled or damaged file; the read stops after this many
_MAX_BAD_RECORDS = 1000

_TCP_FIN = 0x01
_TCP_SYN = 0x02
_TCP_RST = 0x04

# stream state list indices (a list per RTP stream, updated in place).  The
# last timestamp is kept as the two raw numbers the fast paths read (pcap:
# seconds and fraction; pcapng: high and low words), turned into seconds by
# `_Decoder.tsfun` at the end; LAST_B is None when LAST_A already is seconds.
_S_COUNT = 0
_S_LAST_A = 1
_S_LAST_B = 2
_S_MIN_TTL = 3
_S_MAX_TTL = 4
_S_FIRST = 5
_S_FRAME = 6
_S_PT = 7
_S_SRC = 8
_S_SPORT = 9
_S_DST = 10
_S_DPORT = 11
_S_SSRC = 12

# From the IPv4 header on: vihl, frag, ttl, proto, addresses, ports, RTP byte 0, byte 1, SSRC.
_IP4_UDP_RTP = "B5xHBB2xQI4xBB6xI"
_IP4_UDP_RTP_LEN = 40


class _FastLayout:
    """One struct that reads a record header and, from the frame behind it, all the RTP fast path needs.

    The fields are read in the file's byte order throughout (one unpack per
    packet); RTP stream keys are built from the same bytes in the same order
    by the general path (`_Decoder.order`), so both paths agree on a key.
    """

    __slots__ = ("et", "frag_mask", "min_frame", "unpack")

    def __init__(self, bom: str, record_fmt: str, linktype: int) -> None:
        if linktype == _DLT_EN10MB:
            prefix, et, hdr = "12x2s", b"\x08\x00", 14
        elif linktype == _DLT_LINUX_SLL:
            prefix, et, hdr = "14x2s", b"\x08\x00", 16
        elif linktype == _DLT_LINUX_SLL2:
            prefix, et, hdr = "2s18x", b"\x08\x00", 20
        elif linktype in (_DLT_RAW, _DLT_RAW_BSD, _DLT_RAW_BSD2, _DLT_IPV4):
            prefix, et, hdr = "0s", b"", 0
        elif linktype == _DLT_NULL:  # address family in the capturing host's byte order
            prefix, et, hdr = "4s", struct.pack(bom + "I", 2), 4
        elif linktype == _DLT_LOOP:
            prefix, et, hdr = "4s", b"\x00\x00\x00\x02", 4
        else:  # raw IPv6 and anything else: never matches, everything takes the general path
            prefix, et, hdr = "0s", b"-", 1 << 40
        self.unpack = struct.Struct(bom + record_fmt + prefix + _IP4_UDP_RTP).unpack_from
        self.et = et
        self.min_frame = hdr + _IP4_UDP_RTP_LEN
        # "more fragments" flag and fragment offset, as read in this byte order
        self.frag_mask = 0x3FFF if bom == ">" else 0xFF3F


def is_capture(head: bytes) -> bool:
    """True when `head` (the first bytes of a file) starts a pcap or pcapng capture."""
    magic = bytes(head[:4])
    if magic in _PCAP_MAGICS:
        return True
    if magic == _PCAPNG_SHB:
        return len(head) < 12 or bytes(head[8:12]) in _PCAPNG_BOMS
    return False


_IP_STRS: dict[bytes, str] = {}


def _ip_str(addr: bytes) -> str:
    """The address as text; one string per distinct address (a capture repeats a few in every packet)."""
    text = _IP_STRS.get(addr)
    if text is None:
        text = socket.inet_ntoa(addr) if len(addr) == 4 else socket.inet_ntop(socket.AF_INET6, addr)
        if len(_IP_STRS) < 100_000:
            _IP_STRS[bytes(addr)] = text
    return text


# --------------------------------------------------------------------------- TCP


class _TcpFlow:
    """Reassembly state of one TCP direction carrying (or maybe carrying) SIP."""

    __slots__ = (
        "base",
        "buf",
        "dport",
        "dst",
        "misses",
        "next_seq",
        "ooo",
        "ooo_bytes",
        "pending",
        "pending_bytes",
        "segs",
        "sport",
        "src",
        "synced",
    )

    def __init__(self, src: str, sport: int, dst: str, dport: int) -> None:
        self.src = src
        self.sport = sport
        self.dst = dst
        self.dport = dport
        self.next_seq: int | None = None
        self.synced = False
        self.buf = bytearray()
        self.base = 0  # stream position of buf[0]
        # (stream position, frame, ts, ttl) of each segment that fed buf
        self.segs: list[tuple[int, int, float | None, int]] = []
        # out-of-order segments ahead of next_seq: seq -> (payload, frame, ts, ttl)
        self.ooo: dict[int, tuple[bytes, int, float | None, int]] = {}
        self.ooo_bytes = 0
        # segments seen before the flow synced onto a SIP message start
        self.pending: list[tuple[int, bytes, int, float | None, int]] = []
        self.pending_bytes = 0
        self.misses = 0  # segments seen while not synced

    def label(self) -> str:
        return f"{_hostport(self.src, self.sport)} -> {_hostport(self.dst, self.dport)}"


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --------------------------------------------------------------------------- decoder


class _Decoder:
    """Per-file decoding state shared by the pcap and pcapng loops."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path = path
        self.name = os.path.basename(path) or path
        self.fmt = fmt
        self.sip: list[SipRecord] = []
        # RTP stream key -> state list (see _S_*)
        self.streams: dict[Any, list[Any]] = {}
        self.flows: dict[tuple[bytes, int, bytes, int], _TcpFlow] = {}
        self.frags: dict[tuple[bytes, bytes, int, int], list[Any]] = {}
        self.pending_total = 0  # bytes held in all flows' pending lists
        self.frames = 0
        # byte order the fast path reads addresses/ports/SSRC in (RTP keys must match it)
        self.order: Literal["little", "big"] = "little"
        self.set_byte_order("<")
        # (LAST_A, LAST_B) -> seconds for the fast paths' raw timestamps (see _S_LAST_A)
        self.tsfun: Callable[[Any, Any], float] = _no_raw_ts
        # aggregated warnings: kind -> [count, first frame]
        self.counters: dict[str, list[int]] = {}
        self.details: list[str] = []
        self.details_dropped = 0
        self.stop_warning: str | None = None

    def set_byte_order(self, bom: str) -> None:
        """Byte order of the fast paths' reads (RTP keys are built in it)."""
        self.order = "little" if bom == "<" else "big"
        # from an IPv4 / IPv6 header on: the fields a packet of a known RTP stream needs
        self.ip4_rtp = struct.Struct(bom + _IP4_UDP_RTP).unpack_from
        self.ip6_rtp = struct.Struct(bom + "B5xBB32sI4xBB6xI").unpack_from
        self.frag_mask = 0x3FFF if bom == ">" else 0xFF3F

    # ---------------------------------------------------------------- warnings

    def count(self, kind: str, frame: int) -> None:
        c = self.counters.get(kind)
        if c is None:
            self.counters[kind] = [1, frame]
        else:
            c[0] += 1

    def detail(self, text: str) -> None:
        if len(self.details) < _MAX_DETAIL_WARNINGS:
            self.details.append(text)
        else:
            self.details_dropped += 1

    # ---------------------------------------------------------------- frames

    def frame(self, data: bytes, p: int, end: int, frame: int, ts: float | None, linktype: int) -> None:
        """Decode one frame data[p:end] of the given link type (general path)."""
        try:
            self._frame(data, p, end, frame, ts, linktype)
        except (IndexError, struct.error, ValueError, OverflowError):
            self.count("malformed", frame)

    def _frame(self, data: bytes, p: int, end: int, frame: int, ts: float | None, linktype: int) -> None:
        # ---- link layer -> (ethertype, network header offset)
        if linktype == _DLT_EN10MB:
            if end - p < 14:
                return
            et = (data[p + 12] << 8) | data[p + 13]
            q = p + 14
        elif linktype == _DLT_LINUX_SLL:
            if end - p < 16:
                return
            et = (data[p + 14] << 8) | data[p + 15]
            q = p + 16
        elif linktype == _DLT_LINUX_SLL2:
            if end - p < 20:
                return
            et = (data[p] << 8) | data[p + 1]
            q = p + 20
        elif linktype in (_DLT_RAW, _DLT_RAW_BSD, _DLT_RAW_BSD2, _DLT_IPV4, _DLT_IPV6):
            if end - p < 1:
                return
            v = data[p] >> 4
            et = _ET_IPV4 if v == 4 else _ET_IPV6 if v == 6 else 0
            q = p
        elif linktype in (_DLT_NULL, _DLT_LOOP):
            if end - p < 4:
                return
            fam_le = int.from_bytes(data[p : p + 4], "little")
            fam_be = int.from_bytes(data[p : p + 4], "big")
            if 2 in (fam_le, fam_be):
                et = _ET_IPV4
            elif fam_le in (10, 24, 28, 30) or fam_be in (10, 24, 28, 30):
                et = _ET_IPV6
            else:
                return
            q = p + 4
        else:
            self.count("unsupported_link", frame)
            return
        n_tags = 0
        while et in _ET_VLAN:
            n_tags += 1
            if n_tags > _MAX_VLAN_TAGS or q + 4 > end:
                return
            et = (data[q + 2] << 8) | data[q + 3]
            q += 4
        # ---- a packet of an RTP stream already seen (VLAN-tagged, IPv6, ...: not the loops' fast path)
        if et == _ET_IPV4:
            if q + 40 <= end:
                vihl, frag, ttl, proto, addrs4, ports, b0, _, ssrc = self.ip4_rtp(data, q)
                if vihl == 0x45 and proto == 17 and not frag & self.frag_mask and (b0 & 0xC0) == 0x80:
                    st = self.streams.get((addrs4, ports, ssrc))
                    if st is not None:
                        self._rtp_seen(st, ts, ttl)
                        return
        elif et == _ET_IPV6 and q + 60 <= end:
            v, nh, ttl, addrs6, ports, b0, _, ssrc = self.ip6_rtp(data, q)
            if v >> 4 == 6 and nh == 17 and (b0 & 0xC0) == 0x80:
                st = self.streams.get((addrs6, ports, ssrc))
                if st is not None:
                    self._rtp_seen(st, ts, ttl)
                    return
        # ---- network layer
        if et == _ET_IPV4:
            if q + 20 > end:
                self.count("malformed", frame)
                return
            vihl = data[q]
            ihl = (vihl & 15) * 4
            if vihl >> 4 != 4 or ihl < 20 or q + ihl > end:
                self.count("malformed", frame)
                return
            totlen, ident, frag, ttl, proto = struct.unpack_from("!2xHHHBB", data, q)
            src = data[q + 12 : q + 16]
            dst = data[q + 16 : q + 20]
            # total length 0 happens with TCP segmentation offload on the capturing host
            ip_end = q + totlen if totlen >= ihl else end
            full_end = ip_end
            if ip_end > end:
                ip_end = end
            l4 = q + ihl
            if frag & 0x3FFF:
                self._fragment(
                    src, dst, ident, proto, (frag & 0x1FFF) * 8, bool(frag & 0x2000),
                    data[l4:ip_end], full_end > end, frame, ts, ttl,
                )  # fmt: skip
                return
        elif et == _ET_IPV6:
            if q + 40 > end:
                self.count("malformed", frame)
                return
            if data[q] >> 4 != 6:
                self.count("malformed", frame)
                return
            plen = (data[q + 4] << 8) | data[q + 5]
            proto = data[q + 6]
            ttl = data[q + 7]
            src = data[q + 8 : q + 24]
            dst = data[q + 24 : q + 40]
            ip_end = q + 40 + plen if plen else end
            full_end = ip_end
            if ip_end > end:
                ip_end = end
            l4 = q + 40
            for _ in range(_MAX_IPV6_EXT):
                if proto in (0, 43, 60):  # hop-by-hop, routing, destination options
                    if l4 + 8 > ip_end:
                        return
                    proto, hlen = data[l4], (data[l4 + 1] + 1) * 8
                    l4 += hlen
                elif proto == 51:  # authentication header
                    if l4 + 8 > ip_end:
                        return
                    proto, hlen = data[l4], (data[l4 + 1] + 2) * 4
                    l4 += hlen
                elif proto == 44:  # fragment
                    if l4 + 8 > ip_end:
                        return
                    nh = data[l4]
                    offm = (data[l4 + 2] << 8) | data[l4 + 3]
                    ident = int.from_bytes(data[l4 + 4 : l4 + 8], "big")
                    if offm & 0xFFF9 == 0:  # atomic fragment: offset 0, no more fragments
                        proto = nh
                        l4 += 8
                        continue
                    self._fragment(
                        src, dst, ident, nh, offm & 0xFFF8, bool(offm & 1),
                        data[l4 + 8 : ip_end], full_end > end, frame, ts, ttl,
                    )  # fmt: skip
                    return
                else:
                    break
            else:
                return
            if l4 > ip_end:
                return
        else:
            return  # ARP, LLDP, ... : not ours
        self._transport(data, l4, ip_end, full_end, proto, src, dst, ttl, frame, ts)

    def _transport(
        self,
        data: bytes,
        l4: int,
        ip_end: int,
        full_end: int,
        proto: int,
        src: bytes,
        dst: bytes,
        ttl: int,
        frame: int,
        ts: float | None,
    ) -> None:
        if proto == 17:
            if l4 + 8 > ip_end:
                self.count("malformed", frame)
                return
            sport, dport, ulen = struct.unpack_from("!HHH", data, l4)
            pend = l4 + ulen
            truncated = pend > ip_end or full_end > ip_end
            if ulen < 8 or pend > ip_end:
                pend = ip_end
            pl = l4 + 8
            if pend <= pl:
                return
            b0 = data[pl]
            if (b0 & 0xC0) == 0x80:
                if pend - pl < 12:
                    return
                pt = data[pl + 1] & 0x7F
                if 72 <= pt <= 76:  # RTCP (SR, RR, SDES, BYE, APP)
                    return
                if sport in _NOT_RTP_PORTS or dport in _NOT_RTP_PORTS:
                    return
                self._rtp(src, dst, sport, dport, data, pl, pt, ttl, frame, ts)
                return
            if _SIP_START.match(data, pl, pend) is None:
                payload = bytes(data[pl:pend])
                if looks_like_hep(payload, sport, dport):
                    self._hep(payload, frame, ts)
                return
            if truncated:
                self.count("sip_truncated", frame)
            self.sip.append(
                SipRecord(
                    raw=bytes(data[pl:pend]),
                    ref=TraceRef(file=self.name, frame=frame),
                    ts=ts,
                    src=_ip_str(src),
                    sport=sport,
                    dst=_ip_str(dst),
                    dport=dport,
                    transport="udp",
                    ttl=ttl,
                )
            )
        elif proto == 6:
            if l4 + 20 > ip_end:
                self.count("malformed", frame)
                return
            sport, dport, seq = struct.unpack_from("!HHI", data, l4)
            doff = (data[l4 + 12] >> 4) * 4
            flags = data[l4 + 13]
            if doff < 20:
                self.count("malformed", frame)
                return
            pl = l4 + doff
            payload = bytes(data[pl:ip_end]) if pl < ip_end else b""
            seglen = full_end - pl if full_end > pl else 0
            self._tcp(src, sport, dst, dport, seq, flags, payload, seglen, frame, ts, ttl)

    def _hep(self, payload: bytes, frame: int, ts: float | None) -> None:
        """SIP mirrored to a Homer collector (encap.py): kept as seen where the agent captured it."""
        inner = decode_hep(payload)
        if inner is None:
            self.count("hep_malformed", frame)
            return
        if _SIP_START.match(inner.payload) is None:
            return  # RTCP reports, log lines and keep-alives travel the same way
        self.count("hep", frame)
        self.sip.append(
            SipRecord(
                raw=inner.payload,
                ref=TraceRef(file=self.name, frame=frame),
                ts=inner.ts if inner.ts is not None else ts,
                src=inner.src,
                sport=inner.sport,
                dst=inner.dst,
                dport=inner.dport,
                transport=inner.transport if inner.transport in ("udp", "tcp") else "unknown",
            )
        )

    # ---------------------------------------------------------------- RTP

    def _rtp(
        self,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        data: bytes,
        pl: int,
        pt: int,
        ttl: int,
        frame: int,
        ts: float | None,
    ) -> None:
        order = self.order
        ssrc = int.from_bytes(data[pl + 8 : pl + 12], order)
        ports = int.from_bytes(data[pl - 8 : pl - 4], order)
        addrs: int | bytes = int.from_bytes(src + dst, order) if len(src) == 4 else src + dst
        key = (addrs, ports, ssrc)
        st = self.streams.get(key)
        ts_a = ts if ts is not None else 0.0
        if st is None:
            self.streams[key] = [
                1, ts_a, None, ttl, ttl, ts, frame, pt, _ip_str(src), sport, _ip_str(dst), dport,
                int.from_bytes(data[pl + 8 : pl + 12], "big"),
            ]  # fmt: skip
            return
        self._rtp_seen(st, ts, ttl)

    @staticmethod
    def _rtp_seen(st: list[Any], ts: float | None, ttl: int) -> None:
        st[_S_COUNT] += 1
        st[_S_LAST_A] = ts if ts is not None else 0.0
        st[_S_LAST_B] = None
        if ttl < st[_S_MIN_TTL]:
            st[_S_MIN_TTL] = ttl
        elif ttl > st[_S_MAX_TTL]:
            st[_S_MAX_TTL] = ttl

    # ---------------------------------------------------------------- IP fragments

    def _fragment(
        self,
        src: bytes,
        dst: bytes,
        ident: int,
        proto: int,
        offset: int,
        more: bool,
        chunk: bytes,
        truncated: bool,
        frame: int,
        ts: float | None,
        ttl: int,
    ) -> None:
        if proto not in (6, 17):
            return
        if truncated:
            self.count("frag_lost", frame)
            return
        key = (src, dst, ident, proto)
        st = self.frags.get(key)
        if st is None:
            if len(self.frags) >= _MAX_FRAG_DATAGRAMS:
                # drop the oldest incomplete datagram
                oldest = next(iter(self.frags))
                self.count("frag_lost", self.frags.pop(oldest)[1])
            # [pieces {offset: bytes}, first frame seen, ts of offset 0, ttl,
            #  total length or -1, frame of offset 0]
            st = [{}, frame, ts, ttl, -1, frame]
            self.frags[key] = st
        pieces: dict[int, bytes] = st[0]
        if offset + len(chunk) > _MAX_FRAG_BYTES:
            self.count("frag_lost", frame)
            del self.frags[key]
            return
        pieces[offset] = bytes(chunk)
        if offset == 0:
            st[2], st[3], st[5] = ts, ttl, frame
        if not more:
            st[4] = offset + len(chunk)
        total = st[4]
        if total < 0:
            return
        # complete when the pieces cover [0, total) without a hole
        have = 0
        for off in sorted(pieces):
            if off > have:
                return
            have = max(have, off + len(pieces[off]))
        if have < total:
            return
        whole = bytearray(total)
        for off in sorted(pieces):
            piece = pieces[off]
            whole[off : off + len(piece)] = piece
        del self.frags[key]
        blob = bytes(whole)
        self._transport(blob, 0, total, total, proto, src, dst, st[3], st[5], st[2])

    # ---------------------------------------------------------------- TCP

    def _tcp(
        self,
        src: bytes,
        sport: int,
        dst: bytes,
        dport: int,
        seq: int,
        flags: int,
        payload: bytes,
        seglen: int,
        frame: int,
        ts: float | None,
        ttl: int,
    ) -> None:
        key = (src, sport, dst, dport)
        fl = self.flows.get(key)
        if flags & _TCP_SYN:
            # a new connection on this 4-tuple: whatever the old one left is finished
            if fl is not None:
                self._flow_end(fl)
            fl = _TcpFlow(_ip_str(src), sport, _ip_str(dst), dport)
            self.flows[key] = fl
            fl.next_seq = (seq + 1) & _SEQ_MASK
            fl.synced = True  # the first data byte is known: it must start a SIP message
            return
        if fl is None:
            if not payload:
                return
            if len(self.flows) >= _MAX_FLOWS and not _starts_sip(payload):
                return
            fl = _TcpFlow(_ip_str(src), sport, _ip_str(dst), dport)
            self.flows[key] = fl
        if payload:
            self._segment(fl, seq, payload, seglen, frame, ts, ttl)
        if flags & (_TCP_FIN | _TCP_RST):
            self._flow_end(fl)
            del self.flows[key]

    def _drop_pending(self, fl: _TcpFlow) -> None:
        self.pending_total -= fl.pending_bytes
        fl.pending.clear()
        fl.pending_bytes = 0

    def _segment(
        self, fl: _TcpFlow, seq: int, payload: bytes, seglen: int, frame: int, ts: float | None, ttl: int
    ) -> None:
        if not fl.synced:
            if _starts_sip(payload):
                fl.synced = True
                fl.next_seq = seq
                fl.buf.clear()
                fl.segs.clear()
                fl.ooo.clear()
                fl.ooo_bytes = 0
                fl.misses = 0
                # segments that arrived earlier but follow this one in the stream
                for pseq, pdata, pframe, pts, pttl in fl.pending:
                    d = (pseq - seq) & _SEQ_MASK
                    if 0 < d < _SEQ_HALF and len(fl.ooo) < _MAX_OOO_SEGMENTS:
                        fl.ooo[pseq] = (pdata, pframe, pts, pttl)
                        fl.ooo_bytes += len(pdata)
                self._drop_pending(fl)
            else:
                fl.misses += 1
                if fl.misses > _MAX_UNSYNCED_MISSES:
                    if fl.pending:
                        self._drop_pending(fl)
                    return
                if len(payload) > _MAX_PENDING_BYTES or self.pending_total + len(payload) > _MAX_PENDING_TOTAL:
                    return
                fl.pending.append((seq, payload, frame, ts, ttl))
                fl.pending_bytes += len(payload)
                self.pending_total += len(payload)
                while len(fl.pending) > _MAX_PENDING_SEGMENTS or fl.pending_bytes > _MAX_PENDING_BYTES:
                    dropped = len(fl.pending.pop(0)[1])
                    fl.pending_bytes -= dropped
                    self.pending_total -= dropped
                return
        if fl.next_seq is None:
            fl.next_seq = seq
        d = (seq - fl.next_seq) & _SEQ_MASK
        if d == 0:
            self._append(fl, payload, seglen, frame, ts, ttl)
        elif d < _SEQ_HALF:
            # ahead of what we have: keep it until the hole is filled
            if seq not in fl.ooo:
                fl.ooo[seq] = (payload, frame, ts, ttl)
                fl.ooo_bytes += len(payload)
            if len(fl.ooo) > _MAX_OOO_SEGMENTS or fl.ooo_bytes > _MAX_OOO_BYTES:
                self._skip_gap(fl, frame)
            return
        else:
            behind = (fl.next_seq - seq) & _SEQ_MASK
            if behind >= len(payload):
                return  # retransmission of data we already have
            self._append(fl, payload[behind:], seglen - behind, frame, ts, ttl)
        self._drain_ooo(fl)

    def _drain_ooo(self, fl: _TcpFlow) -> None:
        for _ in range(_MAX_OOO_SEGMENTS + 1):
            if not fl.ooo or not fl.synced or fl.next_seq is None:
                return
            nxt = fl.next_seq
            progressed = False
            for s in list(fl.ooo):
                d = (s - nxt) & _SEQ_MASK
                if d == 0 or d >= _SEQ_HALF:
                    data, frame, ts, ttl = fl.ooo.pop(s)
                    fl.ooo_bytes -= len(data)
                    behind = 0 if d == 0 else (nxt - s) & _SEQ_MASK
                    if behind < len(data):
                        self._append(fl, data[behind:], len(data) - behind, frame, ts, ttl)
                        progressed = True
                        break
            if not progressed:
                return

    def _skip_gap(self, fl: _TcpFlow, frame: int) -> None:
        """Give up waiting for missing TCP data: resume at the earliest queued segment."""
        if not fl.ooo or fl.next_seq is None:
            return
        nxt = fl.next_seq
        first = min(fl.ooo, key=lambda s: (s - nxt) & _SEQ_MASK)
        missing = (first - nxt) & _SEQ_MASK
        self.detail(f"TCP data missing in {fl.label()} before frame {frame}: {missing} bytes skipped")
        fl.buf.clear()
        fl.segs.clear()
        fl.base = 0
        queued = sorted(fl.ooo.items(), key=lambda kv: (kv[0] - nxt) & _SEQ_MASK)
        fl.ooo.clear()
        fl.ooo_bytes = 0
        fl.synced = False
        fl.next_seq = None
        for s, (data, fr, ts, ttl) in queued:
            self._segment(fl, s, data, len(data), fr, ts, ttl)

    def _append(self, fl: _TcpFlow, data: bytes, seglen: int, frame: int, ts: float | None, ttl: int) -> None:
        assert fl.next_seq is not None
        fl.segs.append((fl.base + len(fl.buf), frame, ts, ttl))
        fl.buf += data
        fl.next_seq = (fl.next_seq + max(seglen, len(data))) & _SEQ_MASK
        self._frame_messages(fl)
        if seglen > len(data) and fl.synced:
            # the capture's snap length cut this segment: the stream has a hole
            self.count("tcp_snaplen", frame)
            self._desync(fl)

    def _desync(self, fl: _TcpFlow) -> None:
        fl.buf.clear()
        fl.segs.clear()
        fl.base = 0
        fl.synced = False

    def _frame_messages(self, fl: _TcpFlow) -> None:
        buf = fl.buf
        for _ in range(100_000):
            # drop CRLF keep-alives ("\r\n\r\n" ping, "\r\n" pong) between messages
            i = 0
            n = len(buf)
            while i < n and buf[i] in (13, 10):
                i += 1
            if i:
                self._consume(fl, i)
                n -= i
            if not n:
                return
            if _SIP_START.match(buf) is None:
                if n >= 3 and 20 <= buf[0] <= 23 and buf[1] == 3 and buf[2] <= 4:  # a TLS record (RFC 8446 5.1)
                    if fl.segs:
                        self.count("tcp_tls", fl.segs[0][1])
                    self._desync(fl)
                    return
                eol = buf.find(b"\n", 0, _MAX_FIRST_LINE)
                if eol >= 0 or n >= _MAX_FIRST_LINE:
                    if fl.segs:
                        self.count("tcp_not_sip", fl.segs[0][1])
                    self._desync(fl)
                return
            hend = buf.find(b"\r\n\r\n")
            lf = buf.find(b"\n\n", 0, hend if hend >= 0 else len(buf))
            if lf >= 0:
                hend, body = lf, lf + 2
            elif hend >= 0:
                body = hend + 4
            else:
                if n > _MAX_SIP_HEADERS:
                    self.count("tcp_not_sip", fl.segs[0][1] if fl.segs else 0)
                    self._desync(fl)
                return
            m = _CONTENT_LENGTH.search(buf, 0, hend)
            clen = int(m.group(1)) if m else 0
            if clen > _MAX_SIP_BODY:
                self.count("tcp_not_sip", fl.segs[0][1] if fl.segs else 0)
                self._desync(fl)
                return
            total = body + clen
            if n < total:
                return
            _, frame, ts, ttl = fl.segs[0]
            self.sip.append(
                SipRecord(
                    raw=bytes(buf[:total]),
                    ref=TraceRef(file=self.name, frame=frame),
                    ts=ts,
                    src=fl.src,
                    sport=fl.sport,
                    dst=fl.dst,
                    dport=fl.dport,
                    transport="tcp",
                    ttl=ttl,
                )
            )
            self._consume(fl, total)

    def _consume(self, fl: _TcpFlow, k: int) -> None:
        del fl.buf[:k]
        fl.base += k
        segs = fl.segs
        # keep the segment that holds the new first byte at the front
        j = 0
        while j + 1 < len(segs) and segs[j + 1][0] <= fl.base:
            j += 1
        if j:
            del segs[:j]
        if not fl.buf:
            segs.clear()
            fl.base = 0

    def _flow_end(self, fl: _TcpFlow) -> None:
        self._drop_pending(fl)
        if fl.ooo and fl.synced:
            self._skip_gap(fl, fl.segs[-1][1] if fl.segs else 0)
        if fl.synced and fl.buf.strip(b"\r\n"):
            frame = fl.segs[0][1] if fl.segs else 0
            self.detail(f"incomplete SIP message at the end of TCP flow {fl.label()} (starts at frame {frame})")
        fl.buf.clear()
        fl.segs.clear()

    # ---------------------------------------------------------------- result

    def settle_timestamps(self) -> None:
        """Turn the fast paths' raw last timestamps into seconds (before tsfun changes)."""
        fun = self.tsfun
        for st in self.streams.values():
            b = st[_S_LAST_B]
            if b is not None:
                st[_S_LAST_A] = fun(st[_S_LAST_A], b)
                st[_S_LAST_B] = None

    def result(self) -> CaptureContents:
        for fl in list(self.flows.values()):
            self._flow_end(fl)
        self.flows.clear()
        for st in self.frags.values():
            self.count("frag_lost", st[1])
        self.frags.clear()
        warnings: list[str] = []
        names = {
            "malformed": "malformed frame(s) skipped",
            "unsupported_link": "frame(s) on an interface of unsupported link type skipped",
            "frag_lost": "IP fragment group(s) could not be reassembled and were ignored",
            "sip_truncated": "SIP message(s) cut short by the capture's snap length (capture with a full snap"
                             " length: tcpdump -s 0)",
            "tcp_tls": "TCP segment(s) of TLS-encrypted data: SIP over TLS cannot be read without the session keys"
                       " (its clear-text handshake is read as evidence when the calls need it)",
            "tcp_snaplen": "TCP segment(s) cut short by the snap length (SIP stream resynchronised)",
            "tcp_not_sip": "TCP segment(s) held data that is not SIP (skipped to the next SIP message)",
            "hep": "SIP message(s) read from HEP (Homer capture agent) encapsulation, with the addresses and "
                   "times the agent saw",
            "hep_malformed": "HEP datagram(s) that could not be decoded were skipped",
        }
        for kind, (n, first) in self.counters.items():
            warnings.append(f"{self.name}: {n} {names.get(kind, kind)} (first at frame {first})")
        warnings.extend(f"{self.name}: {d}" for d in self.details)
        if self.details_dropped:
            warnings.append(f"{self.name}: {self.details_dropped} more TCP reassembly warning(s) not shown")
        if self.stop_warning:
            warnings.append(f"{self.name}: {self.stop_warning}")
        self.settle_timestamps()
        rtp: list[RtpStream] = []
        for st in self.streams.values():
            first_ts = st[_S_FIRST]
            last_ts = st[_S_LAST_A]
            rtp.append(
                RtpStream(
                    src=st[_S_SRC],
                    sport=st[_S_SPORT],
                    dst=st[_S_DST],
                    dport=st[_S_DPORT],
                    ssrc=st[_S_SSRC],
                    payload_type=st[_S_PT],
                    packets=st[_S_COUNT],
                    first_ts=first_ts if first_ts is not None else 0.0,
                    last_ts=last_ts if last_ts is not None else 0.0,
                    min_ttl=st[_S_MIN_TTL],
                    max_ttl=st[_S_MAX_TTL],
                    first_ref=TraceRef(file=self.name, frame=st[_S_FRAME]),
                )
            )
        rtp.sort(key=lambda s: s.first_ref.frame if s.first_ref and s.first_ref.frame else 0)
        self.sip.sort(key=lambda r: r.ref.frame or 0)
        return CaptureContents(
            file=self.name, format=self.fmt, sip=self.sip, rtp=rtp, packets=self.frames, warnings=warnings
        )


def _no_raw_ts(a: Any, b: Any) -> float:
    return float(a)


def _starts_sip(payload: bytes) -> bool:
    return _SIP_START.match(payload.lstrip(b"\r\n")) is not None


# --------------------------------------------------------------------------- classic pcap


def _read_pcap(f: BinaryIO, dec: _Decoder, head: bytes) -> None:
    bom, div, rec_len = _PCAP_MAGICS[head[:4]]
    hdr_bytes = head[:24]
    if len(hdr_bytes) < 24:
        raise TraceError(f"{dec.name}: not a readable capture (pcap file header is cut short)")
    # magic, version major, minor, thiszone, sigfigs, snaplen, linktype (as dpkt.pcap.FileHdr reads it)
    snaplen, linktype = struct.unpack_from(bom + "IHHiIII", hdr_bytes)[5:]
    linktype &= 0x0FFFFFFF
    if linktype not in _SUPPORTED_LINKTYPES:
        raise TraceError(f"{dec.name}: unsupported link type {linktype} in pcap header")
    max_rec = max(min(snaplen, _MAX_RECORD), 262144)
    dec.tsfun = lambda a, b: a + b / div
    dec.set_byte_order(bom)
    rec_fmt = "IIII" + ("8x" if rec_len == 24 else "")
    rec_unpack = struct.Struct(bom + rec_fmt).unpack_from
    fast = _FastLayout(bom, rec_fmt, linktype)
    unpack, fast_et, frag_mask = fast.unpack, fast.et, fast.frag_mask
    fast_min = fast.min_frame
    full = rec_len + fast_min  # bytes the combined unpack reads from a record's start
    streams_get = dec.streams.get
    slow = dec.frame
    read = f.read

    buf = head[24:] + read(_CHUNK)
    n = len(buf)
    off = 0
    frame = 0
    eof = False
    frac_max = int(div)  # a timestamp fraction at or above this is impossible
    bad = 0  # empty or impossible records in a row (not counting RTP of known streams)
    try:
        while True:
            if off + full <= n:
                # record header and (if the record is long enough) the RTP fast-path fields
                ts_s, ts_f, caplen, wirelen, et, vihl, frag, ttl, proto, addrs, ports, b0, b1, ssrc = unpack(buf, off)
                end = off + rec_len + caplen
                if end <= n and caplen <= max_rec:
                    frame += 1
                    if (
                        caplen >= fast_min
                        and et == fast_et
                        and vihl == 0x45
                        and proto == 17
                        and not frag & frag_mask
                        and (b0 & 0xC0) == 0x80
                    ):
                        st = streams_get((addrs, ports, ssrc))
                        if st is not None:
                            st[0] += 1
                            st[1] = ts_s
                            st[2] = ts_f
                            if ttl < st[3]:
                                st[3] = ttl
                            elif ttl > st[4]:
                                st[4] = ttl
                            off = end
                            continue
                        if 72 <= (b1 & 0x7F) <= 76:  # RTCP
                            off = end
                            continue
                    if caplen == 0 or ts_f >= frac_max or wirelen < caplen:
                        bad += 1
                        if bad > _MAX_BAD_RECORDS:
                            dec.stop_warning = _bad_records_warning(frame - bad)
                            break
                        if caplen == 0:
                            off = end
                            continue
                    else:
                        bad = 0
                    slow(buf, off + rec_len, end, frame, ts_s + ts_f / div, linktype)
                    off = end
                    continue
            elif not eof and n - off < _TOP_UP:
                more = read(_CHUNK)
                if more:
                    buf = buf[off:] + more
                    n = len(buf)
                    off = 0
                    continue
                eof = True
            # general record handling: short records at the end of the file, records
            # longer than the buffer, corrupt headers
            if off + rec_len > n:
                if off < n:
                    dec.stop_warning = f"truncated capture: stopped after frame {frame}"
                break
            ts_s, ts_f, caplen, wirelen = rec_unpack(buf, off)
            if caplen > max_rec:
                dec.stop_warning = f"corrupt capture: bad record header after frame {frame}; stopped reading"
                break
            end = off + rec_len + caplen
            if end > n:
                more = b"" if eof else read(max(_CHUNK, end - n))
                if not more:
                    dec.stop_warning = f"truncated capture: stopped after frame {frame}"
                    break
                buf = buf[off:] + more
                n = len(buf)
                off = 0
                continue
            frame += 1
            if caplen == 0 or ts_f >= frac_max or wirelen < caplen:
                bad += 1
                if bad > _MAX_BAD_RECORDS:
                    dec.stop_warning = _bad_records_warning(frame - bad)
                    break
            else:
                bad = 0
            slow(buf, off + rec_len, end, frame, ts_s + ts_f / div, linktype)
            off = end
    finally:
        dec.frames = frame


def _bad_records_warning(last_good: int) -> str:
    return (f"corrupt capture: more than {_MAX_BAD_RECORDS} empty or impossible records in a row after frame "
            f"{last_good} (a zero-filled or damaged file); stopped reading")


# --------------------------------------------------------------------------- pcapng


class _Iface:
    __slots__ = ("div", "linktype", "snaplen", "tsoffset")

    def __init__(self, linktype: int, snaplen: int, div: float, tsoffset: int) -> None:
        self.linktype = linktype
        self.snaplen = snaplen
        self.div = div
        self.tsoffset = tsoffset


def _parse_idb(block: bytes, bom: str) -> _Iface:
    import dpkt

    idb = dpkt.pcapng.InterfaceDescriptionBlockLE(block) if bom == "<" else dpkt.pcapng.InterfaceDescriptionBlock(block)
    div = 1e6
    tsoffset = 0
    for opt in idb.opts:
        if opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSRESOL and opt.data:
            v = opt.data[0]
            exp = v & 0x7F
            if exp <= 30:
                div = float(2**exp) if v & 0x80 else float(10**exp)
        elif opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSOFFSET and len(opt.data) >= 8:
            tsoffset = struct.unpack_from(bom + "q", opt.data)[0]
    return _Iface(int(idb.linktype), int(idb.snaplen), div, tsoffset)


_EPB_FMT = "IIIIIII"  # block type, block length, interface id, ts high, ts low, captured length, original length


def _read_pcapng(f: BinaryIO, dec: _Decoder, head: bytes) -> None:
    import dpkt

    read = f.read
    buf = head + read(_CHUNK)
    n = len(buf)
    off = 0
    frame = 0
    eof = False
    bom = "<"
    blk_unpack = struct.Struct("<II").unpack_from
    ifaces: list[_Iface] = []
    unsupported_seen: set[int] = set()
    any_supported = False
    streams_get = dec.streams.get
    slow = dec.frame
    first = True
    # fast path: packets of interfaces that share the link type and clock of `fast_link`
    fast = _FastLayout(bom, _EPB_FMT, -1)
    unpack, fast_et, frag_mask, fast_min = fast.unpack, fast.et, fast.frag_mask, fast.min_frame
    fast_ifs: frozenset[int] = frozenset()
    fast_link, fdiv, ftsoff = -1, 1e6, 0
    full = 28 + fast_min

    def refresh_fast() -> None:
        nonlocal fast, unpack, fast_et, frag_mask, fast_min, fast_ifs, fast_link, fdiv, ftsoff, full
        ref = next((i for i in ifaces if i.linktype in _SUPPORTED_LINKTYPES), None)
        fast_link = ref.linktype if ref else -1
        dec.settle_timestamps()  # raw timestamps so far belong to the old clock
        fdiv, ftsoff = (ref.div, ref.tsoffset) if ref else (1e6, 0)
        div_, off_ = fdiv, ftsoff
        dec.tsfun = lambda a, b: ((a << 32) | b) / div_ + off_
        fast = _FastLayout(bom, _EPB_FMT, fast_link)
        unpack, fast_et, frag_mask, fast_min = fast.unpack, fast.et, fast.frag_mask, fast.min_frame
        fast_ifs = frozenset(
            k for k, i in enumerate(ifaces) if i.linktype == fast_link and i.div == fdiv and i.tsoffset == ftsoff
        )
        full = 28 + fast_min

    try:
        while True:
            if off + full <= n:
                bt, blen, ifid, hi, lo, caplen, _, et, vihl, frag, ttl, proto, addrs, ports, b0, b1, ssrc = unpack(
                    buf, off
                )
                if (
                    bt == 6
                    and ifid in fast_ifs
                    and caplen >= fast_min
                    and caplen + 32 <= blen
                    and off + blen <= n
                    and et == fast_et
                    and vihl == 0x45
                    and proto == 17
                    and not frag & frag_mask
                    and (b0 & 0xC0) == 0x80
                ):
                    frame += 1
                    st = streams_get((addrs, ports, ssrc))
                    if st is not None:
                        st[0] += 1
                        st[1] = hi
                        st[2] = lo
                        if ttl < st[3]:
                            st[3] = ttl
                        elif ttl > st[4]:
                            st[4] = ttl
                        off += blen
                        continue
                    if not 72 <= (b1 & 0x7F) <= 76:  # not RTCP
                        ts = ((hi << 32) | lo) / fdiv + ftsoff
                        slow(buf, off + 28, off + 28 + caplen, frame, ts, fast_link)
                    off += blen
                    continue
            elif not eof and n - off < _TOP_UP:
                more = read(_CHUNK)
                if more:
                    buf = buf[off:] + more
                    n = len(buf)
                    off = 0
                    continue
                eof = True
            # general block handling
            if off + 12 > n:
                if off < n:
                    dec.stop_warning = f"truncated capture: stopped after frame {frame}"
                break
            if buf[off : off + 4] == _PCAPNG_SHB:
                bo = buf[off + 8 : off + 12]
                if bo not in _PCAPNG_BOMS:
                    if first:
                        raise TraceError(f"{dec.name}: not a readable capture (pcapng byte-order magic missing)")
                    dec.stop_warning = f"corrupt capture: bad section header after frame {frame}; stopped reading"
                    break
                bom = "<" if bo == _PCAPNG_BOMS[0] else ">"
                dec.set_byte_order(bom)
                blk_unpack = struct.Struct(bom + "II").unpack_from
            first = False
            bt, blen = blk_unpack(buf, off)
            if blen < 12 or blen & 3 or blen > _MAX_RECORD:
                dec.stop_warning = f"corrupt capture: bad block length after frame {frame}; stopped reading"
                break
            if off + blen > n:
                more = b"" if eof else read(max(_CHUNK, off + blen - n))
                if not more:
                    dec.stop_warning = f"truncated capture: stopped after frame {frame}"
                    break
                buf = buf[off:] + more
                n = len(buf)
                off = 0
                continue
            boff = off
            off += blen
            if bt == 6:  # enhanced packet block
                frame += 1
                if blen < 32:
                    dec.count("malformed", frame)
                    continue
                ifid, hi, lo, caplen, _ = struct.unpack_from(bom + "IIIII", buf, boff + 8)
                p = boff + 28
                if p + caplen > off - 4 or ifid >= len(ifaces):
                    dec.count("malformed", frame)
                    continue
                ifc = ifaces[ifid]
                slow(buf, p, p + caplen, frame, ((hi << 32) | lo) / ifc.div + ifc.tsoffset, ifc.linktype)
            elif bt == 3:  # simple packet block: interface 0, no timestamp
                frame += 1
                if not ifaces or blen < 16:
                    dec.count("malformed", frame)
                    continue
                ifc = ifaces[0]
                olen = struct.unpack_from(bom + "I", buf, boff + 8)[0]
                caplen = min(olen, blen - 16)
                if ifc.snaplen:
                    caplen = min(caplen, ifc.snaplen)
                slow(buf, boff + 12, boff + 12 + caplen, frame, None, ifc.linktype)
            elif bt == 2:  # obsolete packet block
                frame += 1
                if blen < 32:
                    dec.count("malformed", frame)
                    continue
                ifid, _drops, hi, lo, caplen, _ = struct.unpack_from(bom + "HHIIII", buf, boff + 8)
                p = boff + 28
                if ifid >= len(ifaces) or p + caplen > off - 4:
                    dec.count("malformed", frame)
                    continue
                ifc = ifaces[ifid]
                slow(buf, p, p + caplen, frame, ((hi << 32) | lo) / ifc.div + ifc.tsoffset, ifc.linktype)
            elif bt == 1:  # interface description block
                try:
                    ifc = _parse_idb(buf[boff:off], bom)
                except (dpkt.Error, struct.error, ValueError, IndexError, TypeError):
                    dec.stop_warning = f"corrupt capture: bad interface block after frame {frame}; stopped reading"
                    break
                if ifc.linktype in _SUPPORTED_LINKTYPES:
                    any_supported = True
                else:
                    unsupported_seen.add(ifc.linktype)
                ifaces.append(ifc)
                refresh_fast()
            elif bt == 0x0A0D0D0A:  # section header block: interfaces restart
                if blen < 28:
                    dec.stop_warning = f"corrupt capture: bad section header after frame {frame}; stopped reading"
                    break
                major = struct.unpack_from(bom + "H", buf, boff + 12)[0]
                if major != 1:
                    dec.stop_warning = f"unsupported pcapng version {major} after frame {frame}; stopped reading"
                    break
                ifaces = []
                refresh_fast()
            # other blocks (name resolution, statistics, custom, ...) are skipped
    finally:
        dec.frames = frame
    if unsupported_seen and not any_supported:
        lts = ", ".join(str(x) for x in sorted(unsupported_seen))
        raise TraceError(f"{dec.name}: unsupported link type {lts} in pcapng interface description")
    if unsupported_seen:
        lts = ", ".join(str(x) for x in sorted(unsupported_seen))
        dec.details.append(f"interface(s) of unsupported link type {lts} skipped")


# --------------------------------------------------------------------------- entry point


def read_capture(path: str, fileobj: BinaryIO | None = None) -> CaptureContents:
    """Read a pcap or pcapng file (detected by magic bytes) into SIP records and RTP streams.

    Raises TraceError (one line naming the file) for a file that is not a
    capture, an unsupported link type, or an unreadable file (FIFOs, devices
    and directories are refused unopened).  A capture cut short returns what
    was readable, with a "truncated capture" warning.  fileobj: the file
    already opened (at its start) by the caller; it is closed afterwards.
    """
    name = os.path.basename(path) or path
    try:
        f = fileobj if fileobj is not None else open_regular(path, name)[0]
        with f:
            head = f.read(_READ_HEAD)
            if not is_capture(head):
                if not head:
                    raise TraceError(f"{name}: empty file, not a pcap/pcapng capture")
                raise TraceError(f"{name}: not a pcap/pcapng capture (unknown magic bytes {head[:4].hex()})")
            if head[:4] == _PCAPNG_SHB:
                dec = _Decoder(path, "pcapng")
                _read_pcapng(f, dec, head)
            else:
                dec = _Decoder(path, "pcap")
                _read_pcap(f, dec, head)
            return dec.result()
    except TraceError:
        raise
    except OSError as exc:
        raise TraceError(describe_os_error(name, exc, path)) from None
    except MemoryError:
        raise TraceError(f"{name}: capture too large to read into memory") from None
    except Exception as exc:  # last resort: never let a decoding bug escape as a traceback
        raise TraceError(f"{name}: unreadable capture ({exc or 'the reader met a structure it cannot follow'})"
                         .splitlines()[0]) from None
