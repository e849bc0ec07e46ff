"""One entry point for every trace file: pcap/pcapng by magic number, text by content."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.evidence.events import LogEvent
from advisor.evidence.records import CaptureContents, TraceError, TraceRef
from advisor.evidence.textlogs import DnsEvent, IcmpEvent, icmp_kind, read_text_full

__all__ = ["LoadedTrace", "load_trace", "load_trace_detailed"]

MAX_TEXT_BYTES = 512 * 1024 * 1024


@dataclass
class LoadedTrace:
    contents: CaptureContents
    # Per SIP record: "sent"/"received" seen from the host that wrote the log, or None.
    directions: list[str | None] = field(default_factory=list)
    dns: list[DnsEvent] = field(default_factory=list)
    icmp: list[IcmpEvent] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)  # log lines and carrier artefacts read as evidence
    path: str | None = None
    extras_read: bool = True  # False for captures until scan_extras() has looked for DNS/ICMP

    def scan_extras(self) -> None:
        """DNS and ICMP packets of a pcap/pcapng (a second, cheap pass; only when a finding needs them)."""
        if self.extras_read or self.path is None:
            return
        self.extras_read = True
        try:
            self.dns, self.icmp = _scan_capture_extras(self.path, self.contents.file)
        except Exception as exc:  # a capture the SIP reader accepted but this pass cannot walk
            self.contents.warnings.append(f"{self.contents.file}: DNS/ICMP not read ({type(exc).__name__})")


def _capture_reader() -> Any:
    try:
        from advisor.evidence import pcap_reader
    except ImportError:  # pragma: no cover - the binary reader is optional while it is being written
        return None
    return pcap_reader


def load_trace(path: str | os.PathLike[str]) -> CaptureContents:
    """Read a capture or text trace; raise TraceError (one line) when it cannot be used."""
    return load_trace_detailed(path).contents


def load_trace_detailed(path: str | os.PathLike[str]) -> LoadedTrace:
    p = Path(path)
    name = str(path)
    try:
        if not p.exists():
            raise TraceError(f"{name}: no such file")
        if p.is_dir():
            raise TraceError(f"{name}: is a directory, not a trace file")
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise TraceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if size == 0:
        raise TraceError(f"{name}: empty file")
    reader = _capture_reader()
    if reader is not None and reader.is_capture(head):
        contents = reader.read_capture(name)
        return LoadedTrace(contents, [None] * len(contents.sip), path=name, extras_read=False)
    if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a"):
        raise TraceError(f"{name}: pcap/pcapng capture, but the capture reader is not available")
    if size > MAX_TEXT_BYTES:
        raise TraceError(f"{name}: {size // (1024 * 1024)} MB of text is more than this reader takes "
                         f"({MAX_TEXT_BYTES // (1024 * 1024)} MB); cut the log to the failing call")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TraceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    text = _decode(data, name)
    tt = read_text_full(text, p.name)  # refs name the file like the capture reader does
    return LoadedTrace(tt.contents, tt.directions or [None] * len(tt.contents.sip), dns=tt.dns, icmp=tt.icmp,
                       events=tt.events)


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TraceError(f"{name}: UTF-16 text that does not decode") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sample = data[:65536]
    nul = sample.find(b"\x00")
    if nul >= 0:
        line = sample[:nul].count(b"\n") + 1
        if data[:2] == b"\x1f\x8b":
            raise TraceError(f"{name}: gzip-compressed; decompress it first (gunzip)")
        raise TraceError(f"{name}: line {line}: binary data, not a pcap/pcapng capture or a text log")
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if len(sample) > 64 and control > len(sample) // 10:
        raise TraceError(f"{name}: binary data, not a pcap/pcapng capture or a text log")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --------------------------------------------------------------------------- DNS / ICMP in captures

_RCODES = {0: "NoError", 1: "FormErr", 2: "ServFail", 3: "NXDomain", 4: "NotImp", 5: "Refused"}
_QTYPES = {1: "A", 28: "AAAA", 33: "SRV", 35: "NAPTR", 5: "CNAME", 255: "ANY"}
MAX_EXTRA_EVENTS = 10_000


def _scan_capture_extras(path: str, label: str) -> tuple[list[DnsEvent], list[IcmpEvent]]:
    import socket
    import struct

    import dpkt

    dns: list[DnsEvent] = []
    icmp: list[IcmpEvent] = []
    with open(path, "rb") as fh:
        magic = fh.read(4)
        fh.seek(0)
        reader: Any = dpkt.pcapng.Reader(fh) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(fh)
        linktype = reader.datalink()
        for frame, (ts, buf) in enumerate(reader, start=1):
            if len(dns) + len(icmp) >= MAX_EXTRA_EVENTS:
                break
            ip = _ip_of(dpkt, linktype, buf)
            if ip is None:
                continue
            v6 = isinstance(ip, dpkt.ip6.IP6)
            fam = socket.AF_INET6 if v6 else socket.AF_INET
            src, dst = socket.inet_ntop(fam, ip.src), socket.inet_ntop(fam, ip.dst)
            ref = TraceRef(file=label, frame=frame)
            data = ip.data
            try:
                if isinstance(data, dpkt.udp.UDP) and 53 in (data.sport, data.dport):
                    event = _dns_event(dpkt, socket, data.data, ref, float(ts), src, dst)
                    if event is not None:
                        dns.append(event)
                elif isinstance(data, dpkt.icmp.ICMP | dpkt.icmp6.ICMP6):
                    text = _icmp_text(dpkt, socket, data, v6)
                    if text is not None:
                        kind, about, port, proto = icmp_kind(text)
                        icmp.append(IcmpEvent(ref=ref, ts=float(ts), src=src, dst=dst, kind=kind, about=about,
                                              port=port, proto=proto, text=text))
            except (dpkt.UnpackError, ValueError, IndexError, KeyError, NotImplementedError, TypeError,
                    struct.error):
                continue  # one undecodable packet says nothing; go on
    return dns, icmp


def _dns_event(dpkt: Any, socket: Any, payload: bytes, ref: TraceRef, ts: float, src: str,
               dst: str) -> DnsEvent | None:
    msg = dpkt.dns.DNS(payload)
    q = msg.qd[0] if len(msg.qd) else None
    answers = [socket.inet_ntop(socket.AF_INET if a.type == 1 else socket.AF_INET6, a.rdata)
               for a in msg.an if a.type in (1, 28) and len(a.rdata) in (4, 16)]
    return DnsEvent(ref=ref, ts=ts, src=src, dst=dst, query_id=msg.id,
                    name=q.name.rstrip(".").lower() if q is not None else None,
                    qtype=_QTYPES.get(q.type, str(q.type)) if q is not None else None,
                    response=bool(msg.qr), rcode=_RCODES.get(msg.rcode, str(msg.rcode)), answers=answers)


def _ip_of(dpkt: Any, linktype: int, buf: bytes) -> Any:
    try:
        if linktype == 1:
            pkt = dpkt.ethernet.Ethernet(buf).data
        elif linktype == 113:
            pkt = dpkt.sll.SLL(buf).data
        elif linktype == 276 and hasattr(dpkt, "sll2"):
            pkt = dpkt.sll2.SLL2(buf).data
        elif linktype in (0, 108):
            pkt = dpkt.loopback.Loopback(buf).data
        elif linktype in (12, 14, 101, 228, 229):
            pkt = dpkt.ip6.IP6(buf) if buf[:1] and buf[0] >> 4 == 6 else dpkt.ip.IP(buf)
        else:
            return None
    except (dpkt.UnpackError, IndexError, ValueError, KeyError):
        return None
    return pkt if isinstance(pkt, dpkt.ip.IP | dpkt.ip6.IP6) else None


def _icmp_text(dpkt: Any, socket: Any, msg: Any, v6: bool) -> str | None:
    """tcpdump-like wording of an ICMP error, with the original packet's destination and port."""
    kind_v4 = {3: "unreachable", 11: "time exceeded"}
    kind_v6 = {1: "unreachable", 3: "time exceeded"}
    kind = (kind_v6 if v6 else kind_v4).get(msg.type)
    if kind is None:
        return None
    if kind == "time exceeded":
        return "time exceeded in-transit"
    inner = msg.data.data if hasattr(msg.data, "data") else None
    about = port = proto = None
    if isinstance(inner, dpkt.ip.IP | dpkt.ip6.IP6):
        about = socket.inet_ntop(socket.AF_INET6 if v6 else socket.AF_INET, inner.dst)
        l4 = inner.data
        if isinstance(l4, dpkt.udp.UDP | dpkt.tcp.TCP):
            proto = "udp" if isinstance(l4, dpkt.udp.UDP) else "tcp"
            port = l4.dport
        elif isinstance(l4, bytes | bytearray) and len(l4) >= 4:
            proto = {17: "udp", 6: "tcp"}.get(inner.p if not v6 else inner.nxt)
            port = int.from_bytes(l4[2:4], "big") if proto else None
    code = msg.code
    if (not v6 and code == 3) or (v6 and code == 4):
        if about and proto and port is not None:
            return f"{about} {proto} port {port} unreachable"
        return "port unreachable"
    if (not v6 and code in (9, 10, 13)) or (v6 and code == 1):
        return f"host {about or '?'} unreachable - admin prohibited filter"
    if not v6 and code in (0, 6):
        return f"net {about or '?'} unreachable"
    return f"host {about or '?'} unreachable"
