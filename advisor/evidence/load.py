"""One entry point for every trace file: pcap/pcapng by magic number, text by content.

Reading is bounded: only regular files are opened (tracefile.open_regular),
the kind of file is decided from its first 64 KiB (a binary file is refused
before the rest is read), captures are streamed by the capture reader, and
text logs are decoded and cut into records in pieces of a few MB, so memory
follows the records kept rather than the size of the file.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from advisor.evidence.events import LogEvent
from advisor.evidence.records import MAX_TEXT_BYTES, CaptureContents, RtpStream, TraceError, TraceRef
from advisor.evidence.sipmsg import is_start_line
from advisor.evidence.tracefile import describe_os_error, open_regular

if TYPE_CHECKING:  # the text-log readers (~40 compiled patterns) are imported when a text log is read
    from advisor.evidence.netevents import DnsEvent, IcmpEvent
    from advisor.evidence.textlogs import TextTrace
    from advisor.evidence.tlsinfo import TlsEvent

__all__ = ["MAX_TEXT_BYTES", "LoadedTrace", "load_trace", "load_trace_detailed"]

_HEAD_BYTES = 65536  # what the kind of file is decided from
_BLOCK = 1 << 20  # text is read in blocks of this many bytes
TEXT_PIECE_CHARS = 1_000_000  # text is cut into records in pieces of about this many characters
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                b"\x34\xcd\xb2\xa1", b"\xa1\xb2\xcd\x34")
# a blank line: where a piece of text may end, when a SIP message starts within the next few lines
_BLANK = re.compile(r"\n[ \t\r]*\n")


@dataclass
class LoadedTrace:
    contents: CaptureContents
    # Per SIP record: "sent"/"received" seen from the host that wrote the log, or None.
    directions: list[str | None] = field(default_factory=list)
    dns: list[DnsEvent] = field(default_factory=list)
    icmp: list[IcmpEvent] = field(default_factory=list)
    tls: list[TlsEvent] = field(default_factory=list)  # TCP/TLS handshake steps of SIP-over-TLS flows (captures)
    events: list[LogEvent] = field(default_factory=list)  # log lines and carrier artefacts read as evidence
    path: str | None = None
    extras_read: bool = True  # False for captures until scan_extras() has looked for DNS/ICMP
    # "carrier" when the engineer says the carrier made this capture (the SIP PCAP on a call's log page):
    # it shows what the carrier sent and received, never what reached the customer's side
    captured_by: str | None = None

    def scan_extras(self) -> None:
        """DNS, ICMP and SIP-over-TLS handshake packets of a pcap/pcapng (a second, cheap pass; only
        when a finding needs them)."""
        if self.extras_read or self.path is None:
            return
        self.extras_read = True
        try:
            self.dns, self.icmp, self.tls = _scan_capture_extras(self.path, self.contents.file)
        except TraceError as exc:
            self.contents.warnings.append(f"{exc}; DNS/ICMP packets not read")
        except Exception:  # a capture the SIP reader accepted but this pass cannot walk
            self.contents.warnings.append(f"{self.contents.file}: DNS/ICMP packets not read (the capture's "
                                          "structure stops the second pass)")


def _capture_reader() -> Any:
    try:
        from advisor.evidence import pcap_reader
    except ImportError:  # pragma: no cover - the binary reader is optional while it is being written
        return None
    return pcap_reader


def load_trace(path: str | os.PathLike[str], max_text_bytes: int | None = None) -> CaptureContents:
    """Read a capture or text trace; raise TraceError (one line) when it cannot be used."""
    return load_trace_detailed(path, max_text_bytes=max_text_bytes).contents


def load_trace_detailed(path: str | os.PathLike[str], max_text_bytes: int | None = None) -> LoadedTrace:
    """Read one trace file.  max_text_bytes: the size limit for text logs (None = MAX_TEXT_BYTES)."""
    name = str(path)
    fh, size = open_regular(path)
    try:
        try:
            head = fh.read(_HEAD_BYTES)
        except OSError as exc:
            raise TraceError(describe_os_error(name, exc)) from None
        if not head:
            raise TraceError(f"{name}: empty file")
        magic = head[:4]
        if magic == _PCAPNG_SHB and head[8:12] not in (b"\x4d\x3c\x2b\x1a", b"\x1a\x2b\x3c\x4d"):
            shown = head[8:12].hex() if len(head) >= 12 else "missing"
            raise TraceError(f"{name}: damaged pcapng file: the section header's byte-order mark is {shown}, "
                             "not 1a2b3c4d")
        reader = _capture_reader()
        if magic in _PCAP_MAGICS or magic == _PCAPNG_SHB:
            if reader is None:  # pragma: no cover - see _capture_reader
                raise TraceError(f"{name}: pcap/pcapng capture, but this build has no capture reader")
            fh.seek(0)
            contents = reader.read_capture(name, fileobj=fh)
            return LoadedTrace(contents, [None] * len(contents.sip), path=name, extras_read=False)
        _refuse_binary(head, name)
        limit = MAX_TEXT_BYTES if max_text_bytes is None else max_text_bytes
        if size > limit:
            raise TraceError(f"{name}: {size / 1e6:,.0f} MB of text is more than the {limit / 1e6:,.0f} MB limit;"
                             " cut the log to the failing call, or raise the limit with --max-size")
        label = Path(name).name  # refs name the file like the capture reader does
        try:
            tt = _read_text_streamed(fh, head, name, label, limit)
        except OSError as exc:
            raise TraceError(describe_os_error(name, exc)) from None
        return LoadedTrace(tt.contents, tt.directions or [None] * len(tt.contents.sip), dns=tt.dns, icmp=tt.icmp,
                           events=tt.events)
    finally:
        fh.close()


def _refuse_binary(head: bytes, name: str) -> None:
    """Refuse, from the first bytes alone, a file that is not text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text: NULs are expected
    nul = head.find(b"\x00")
    if nul >= 0:
        if head[:2] == b"\x1f\x8b":
            raise TraceError(f"{name}: gzip-compressed; decompress it first (gunzip)")
        if head[:4] == b"PK\x03\x04":
            raise TraceError(f"{name}: a zip archive; extract the trace from it first")
        line = head[:nul].count(b"\n") + 1
        raise TraceError(f"{name}: line {line}: binary data, not a pcap/pcapng capture or a text log")
    sample = head[:65536]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if len(sample) > 64 and control > len(sample) // 10:
        raise TraceError(f"{name}: binary data, not a pcap/pcapng capture or a text log")


def _decoder(head: bytes, name: str) -> tuple[codecs.IncrementalDecoder, int]:
    """(decoder, bytes of the head to skip): UTF-16 by BOM, UTF-8 when the head is UTF-8, else Latin-1."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return codecs.getincrementaldecoder("utf-16")(errors="replace"), 0
    skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head[skip:], final=False)
    except UnicodeDecodeError:
        return codecs.getincrementaldecoder("latin-1")(), skip
    # UTF-8 from here on; a stray invalid byte further on becomes U+FFFD
    return codecs.getincrementaldecoder("utf-8")(errors="replace"), skip


def _read_text_streamed(fh: BinaryIO, head: bytes, name: str, label: str, limit: int) -> TextTrace:
    """Decode and cut a text log into records piece by piece (see TEXT_PIECE_CHARS)."""
    from advisor.evidence.textlogs import detect_format, read_text_full

    dec, skip = _decoder(head, name)
    pending = dec.decode(head[skip:])
    total = len(head)
    eof = False
    fmt: str | None = None
    merged: TextTrace | None = None
    addresses: dict[str, str] = {}
    line_offset = 0
    scan_from = TEXT_PIECE_CHARS  # no piece ends before this; blank lines before scan_from were looked at

    def read_block() -> None:
        nonlocal pending, total, eof
        block = fh.read(_BLOCK)
        total += len(block)
        if total > limit:
            raise TraceError(f"{name}: more than the {limit / 1e6:,.0f} MB limit of text; cut the log to the "
                             "failing call, or raise the limit with --max-size")
        if block:
            pending += dec.decode(block)
        else:
            pending += dec.decode(b"", final=True)
            eof = True

    while True:
        while not eof and len(pending) < 2 * TEXT_PIECE_CHARS:
            read_block()
        if eof:
            cut = len(pending)
        else:
            cut, scan_from = _cut_point(pending, scan_from)
            if cut <= 0:  # no place to cut yet (one long message, or a log without blank lines): read on
                read_block()
                continue
        piece, pending = pending[:cut], pending[cut:]
        scan_from = TEXT_PIECE_CHARS
        if fmt is None:
            fmt = detect_format(piece)
        part = read_text_full(piece, label, fmt)
        for rec in part.contents.sip:  # one string per address, not one per record
            rec.src = _shared(addresses, rec.src)
            rec.dst = _shared(addresses, rec.dst)
        merged = part if merged is None else _merge(merged, part, line_offset)
        line_offset += _line_count(piece)
        if eof and not pending:
            return merged


def _shared(seen: dict[str, str], text: str | None) -> str | None:
    if text is None:
        return None
    return seen.setdefault(text, text)


def _line_count(piece: str) -> int:
    """Lines in a piece that ends at a line break (CRLF, LF and lone CR count, as textlogs counts them)."""
    return piece.count("\n") + piece.count("\r") - piece.count("\r\n")


def _cut_point(text: str, scan_from: int) -> tuple[int, int]:
    """(where a piece may end, where to look next time): after a blank line that comes before a SIP message.

    A SIP start line within the next three lines marks the blank line as a
    gap between messages (a log's own marker line such as "<--- Received
    SIP request" may come first); a blank line inside a message (before its
    body) is followed by the body instead.  Cut 0 when there is no such
    place yet; the search then goes on from where it stopped.
    """
    for m in _BLANK.finditer(text, max(scan_from - 1, 0)):
        start = m.end()
        nxt = start
        for _ in range(3):
            eol = text.find("\n", nxt, nxt + 8192)
            if eol < 0:
                if len(text) - nxt < 8192:
                    return 0, m.start()  # the next lines are not read yet: look here again
                break
            if is_start_line(text[nxt:eol]):
                return start, 0
            nxt = eol + 1
    return 0, max(len(text) - 2, scan_from)


def _shift(ref: TraceRef | None, lines: int) -> None:
    if ref is not None and ref.line is not None:
        ref.line += lines


def _merge(into: TextTrace, part: TextTrace, line_offset: int) -> TextTrace:
    """Add a later piece's records (line numbers shifted) to what the earlier pieces gave."""
    a, b = into.contents, part.contents
    for rec in b.sip:
        _shift(rec.ref, line_offset)
    for ev in part.dns:
        _shift(ev.ref, line_offset)
    for ic in part.icmp:
        _shift(ic.ref, line_offset)
    for le in part.events:
        _shift(le.ref, line_offset)
    if not a.sip and b.sip:
        a.format = b.format
    a.sip.extend(b.sip)
    a.packets += b.packets
    into.directions = (into.directions or [None] * (len(a.sip) - len(b.sip))) + (
        part.directions or [None] * len(b.sip))
    into.dns.extend(part.dns)
    into.icmp.extend(part.icmp)
    into.events.extend(part.events)
    streams: dict[tuple[str, int, str, int, int], RtpStream] = {
        (s.src, s.sport, s.dst, s.dport, s.ssrc): s for s in a.rtp}
    for s in b.rtp:
        _shift(s.first_ref, line_offset)
        key = (s.src, s.sport, s.dst, s.dport, s.ssrc)
        old = streams.get(key)
        if old is None:
            streams[key] = s
            a.rtp.append(s)
            continue
        old.packets += s.packets
        old.last_ts = max(old.last_ts, s.last_ts)
        old.min_ttl = min(old.min_ttl, s.min_ttl)
        old.max_ttl = max(old.max_ttl, s.max_ttl)
    found = bool(a.sip)
    for w in b.warnings:
        if found and "SIP message found" in w:
            continue
        if w not in a.warnings:
            a.warnings.append(w)
    if found:
        a.warnings = [w for w in a.warnings if "SIP message found" not in w]
    return into
# --------------------------------------------------------------------------- DNS / ICMP in captures

_RCODES = {0: "NoError", 1: "FormErr", 2: "ServFail", 3: "NXDomain", 4: "NotImp", 5: "Refused"}
_QTYPES = {1: "A", 28: "AAAA", 33: "SRV", 35: "NAPTR", 5: "CNAME", 255: "ANY"}
MAX_EXTRA_EVENTS = 10_000


def _scan_capture_extras(path: str, label: str) -> tuple[list[DnsEvent], list[IcmpEvent], list[TlsEvent]]:
    import socket
    import struct

    import dpkt

    from advisor.evidence.netevents import IcmpEvent, icmp_kind
    from advisor.evidence.tlsinfo import SIP_TLS_PORT

    dns: list[DnsEvent] = []
    icmp: list[IcmpEvent] = []
    tls: list[TlsEvent] = []
    tls_flows: dict[tuple[str, int, str, int], int] = {}  # events kept per flow (the handshake, not the data)
    tls_data: set[tuple[str, int, str, int]] = set()  # flows whose first encrypted record was kept
    fh, _size = open_regular(path, label)
    with fh:
        magic = fh.read(4)
        fh.seek(0)
        reader: Any = dpkt.pcapng.Reader(fh) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(fh)
        linktype = reader.datalink()
        for frame, (ts, buf) in enumerate(reader, start=1):
            if len(dns) + len(icmp) + len(tls) >= MAX_EXTRA_EVENTS:
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
                elif isinstance(data, dpkt.tcp.TCP) and SIP_TLS_PORT in (data.sport, data.dport):
                    _tls_step(data, ref, float(ts), src, dst, tls, tls_flows, tls_data)
                elif isinstance(data, dpkt.icmp.ICMP | dpkt.icmp6.ICMP6):
                    text = _icmp_text(dpkt, socket, data, v6)
                    if text is not None:
                        kind, about, port, proto = icmp_kind(text)
                        icmp.append(IcmpEvent(ref=ref, ts=float(ts), src=src, dst=dst, kind=kind, about=about,
                                              port=port, proto=proto, text=text))
            except (dpkt.UnpackError, ValueError, IndexError, KeyError, NotImplementedError, TypeError,
                    struct.error):
                continue  # one undecodable packet says nothing; go on
    return dns, icmp, tls


_TH_FIN, _TH_SYN, _TH_RST, _TH_ACK = 0x01, 0x02, 0x04, 0x10
_TLS_STEPS_PER_FLOW = 12


def _tls_step(tcp: Any, ref: TraceRef, ts: float, src: str, dst: str, out: list[TlsEvent],
              flows: dict[tuple[str, int, str, int], int], with_data: set[tuple[str, int, str, int]]) -> None:
    """The TCP and clear-text TLS handshake steps of one packet of a flow to or from port 5061."""
    from advisor.evidence.tlsinfo import TlsEvent, parse_tls_payload

    key = (src, tcp.sport, dst, tcp.dport)
    if flows.get(key, 0) >= _TLS_STEPS_PER_FLOW:
        return
    flags = tcp.flags
    steps: list[tuple[str, str | None, str | None, str | None]] = []
    if flags & _TH_RST:
        steps.append(("reset", None, None, None))
    elif flags & _TH_SYN:
        steps.append(("syn_ack" if flags & _TH_ACK else "syn", None, None, None))
    elif tcp.data:
        steps = parse_tls_payload(bytes(tcp.data))
        if steps and steps[0][0] == "application_data":
            if key in with_data:
                return  # one encrypted record says the handshake finished; the rest is the call's SIP
            with_data.add(key)
    for kind, version, alert, sni in steps:
        out.append(TlsEvent(ref=ref, ts=ts, src=src, dst=dst, sport=tcp.sport, dport=tcp.dport, kind=kind,
                            version=version, alert=alert, sni=sni))
        flows[key] = flows.get(key, 0) + 1


def _dns_event(dpkt: Any, socket: Any, payload: bytes, ref: TraceRef, ts: float, src: str,
               dst: str) -> DnsEvent | None:
    from advisor.evidence.netevents import DnsEvent

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
