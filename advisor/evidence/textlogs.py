"""Text traces: detect the format and cut it into SipRecords (and RTP streams for tcpdump).

Formats (see shared/samples/README.md):

* raw            bare SIP messages, blank-line separated, optional stamp lines
                 (`[date time] --> ip:port`, `------ time src > dst ------`,
                 `#N date time src -> dst`, ngrep's `U date time src -> dst`)
* sngrep_txt     `YYYY/MM/DD HH:MM:SS.uuuuuu src:port -> dst:port` + message
* asterisk_pjsip `<--- Received SIP request (N bytes) from UDP:ip:port --->`
* asterisk_chan_sip `<--- SIP read from UDP:ip:port --->` ... `<------------->`,
                 `Reliably Transmitting (NAT) to ip:port:` ... `---`
* freeswitch_siptrace `recv N bytes from udp/[ip]:port at HH:MM:SS.uuuuuu:` +
                 72 dashes + message indented three spaces + 72 dashes
* tcpdump_text   `tcpdump -nn -v` (also -A payloads, -tt/-tttt stamps, names
                 instead of numbers); UDP packets that are not SIP become RTP
                 stream candidates with the TTL of their IP line

One driver handles them all: every line is stripped of a known log prefix
(Asterisk `full` log, syslog) and of the format's indentation; format markers
carry time and addresses for the next message; a SIP start line begins a
message, which runs to the blank line after its headers plus a body measured
by Content-Length (tolerant of pasted text that lost CRs and trailing blanks).
Every loop advances by at least one line, and every regular expression is
anchored, bounded and applied to lines of bounded length.
"""

from __future__ import annotations

import calendar
import html
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from advisor.evidence.events import LogEvent
from advisor.evidence.headless import header_blocks
from advisor.evidence.jsonlogs import find_embedded
from advisor.evidence.logevents import scan_artefact, scan_lines
from advisor.evidence.netevents import DnsEvent, IcmpEvent, icmp_kind
from advisor.evidence.netevents import tcpdump_port as _tcpdump_port
from advisor.evidence.records import CaptureContents, RtpStream, SipRecord, TraceError, TraceRef
from advisor.evidence.sipmsg import canonical_name, ip_or_none, is_start_line

__all__ = ["FORMATS", "DnsEvent", "IcmpEvent", "TextTrace", "detect_format", "read_text", "read_text_detailed",
           "read_text_full"]

FORMATS = ("raw", "sngrep_txt", "asterisk_pjsip", "asterisk_chan_sip", "freeswitch_siptrace", "tcpdump_text")
# Inputs without SIP messages that still hold evidence (advisor/evidence/logevents.py).
EVENT_FORMATS = ("log_lines", "debugger_json", "call_log_csv")
# SIP messages escaped inside JSON/logfmt log records (advisor/evidence/jsonlogs.py).
JSON_LOG = "json_log"

MAX_MARKER_LINE = 600  # longer lines are never markers (keeps every regex cheap)
MAX_LINES = 5_000_000

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"), start=1)}
# a bracketed host is an IPv6 address (it has a colon): "[825] bytes" is not an address
_ADDR = r"(?:\[([0-9A-Fa-f.]{0,40}:[0-9A-Fa-f:.]{1,44})\]|(\d{1,3}(?:\.\d{1,3}){3}))(?::(\d{1,5}))?"
_ADDR_RE = re.compile(r"(?<![\w.])" + _ADDR + r"(?![\w.])")
_TIME = r"(\d{1,2}):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
_TIME_RE = re.compile(r"(?<!\d)" + _TIME + r"(?!\d)")
_DATE_RE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY_RE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_MON_RE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.? +(\d{1,2})\b(?:,? +(\d{4})\b)?",
                     re.IGNORECASE)
_EPOCH_RE = re.compile(r"^(\d{9,11})\.(\d{1,9})\b")

# Log prefixes stripped from every line before anything else.
_PREFIXES = (
    # Asterisk full log: [Mar 24 11:21:20] VERBOSE[1234][C-0000001a] res_pjsip_logger.c:
    re.compile(r"^\[([^\]\n]{6,40})\] +(?:VERBOSE|DEBUG|NOTICE|WARNING|ERROR|DTMF|SECURITY|INFO)\[\d{1,10}\]"
               r"(?:\[[^\]\n]{0,40}\])? +[\w./-]{1,64}:(?:\d{1,6} +[\w]{1,64}:)? ?"),
    # syslog: Mar 24 11:21:20 host program[pid]:
    re.compile(r"^((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) "
               r"[\w.-]{1,64} [\w./-]{1,64}(?:\[\d{1,10}\])?: "),
    # a stack's own direction word before the message: "SEND: ACK sip:...", "RECV: SIP/2.0 200 OK"
    re.compile(r"^((?:SEND|RECV|SENT|RECEIVED|TX|RX)):\s?(?=[A-Z]{3,10} sips?:|SIP/2\.0 )"),
    # docker logs --timestamps: 2020-02-07T02:32:54.346767593Z <the program's own line>
    re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (?=\S)"),
    # RFC 5424-ish syslog: 2024-03-24T11:21:20.123+00:00 host program[pid]:
    re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) "
               r"[\w.-]{1,64} [\w./-]{1,64}(?:\[\d{1,10}\])?: "),
)

_PJSIP_RE = re.compile(
    r"<---\s*(Received|Transmitting)\s+SIP\s+(request|response)\s*(?:\(\s*(\d+)\s*bytes?\s*\))?\s*"
    r"(from|to)\s+([A-Za-z]{2,4}):" + _ADDR + r"\s*-*>?", re.IGNORECASE)
_CHAN_READ_RE = re.compile(r"<---\s*SIP read from\s+(?:([A-Za-z]{2,4}):)?" + _ADDR + r"\s*-*>?", re.IGNORECASE)
_CHAN_SEND_RE = re.compile(
    r"^(?:<---\s*)?(?:Reliably\s+)?(Re)?transmitting\b(?: +#\d{1,3})?(?: *\((?:no )?NAT\))? *to +" + _ADDR
    + r"\s*(?:-*>|:)?\s*$", re.IGNORECASE)
_CHAN_SEP_RE = re.compile(r"^(?:<-{5,}>|-{3})\s*$")
_FS_RE = re.compile(r"^(recv|send)\s+(\d+)\s+bytes?\s+(from|to)\s+([A-Za-z]{2,4})/\[?([0-9A-Fa-f:.]{2,45}?)\]?:(\d{1,5})"
                    r"(?:\s+at\s+" + _TIME + r")?\s*:?\s*$", re.IGNORECASE)
_FS_DATE_RE = re.compile(r"^(?:[0-9a-fA-F-]{36} +)?(\d{4})-(\d\d)-(\d\d) +" + _TIME)
_DASHES_RE = re.compile(r"^-{20,}\s*$")
_SNGREP_RE = re.compile(r"^(\d{4})/(\d\d)/(\d\d) +" + _TIME + r" +" + _ADDR + r" +-> +" + _ADDR + r"\s*$")
_TCPDUMP_IP_RE = re.compile(
    r"^(?:(\d{4})-(\d\d)-(\d\d) +|(\d{9,11})\.(\d{1,9}) +)?(?:" + _TIME + r" +)?(?:[\w:]{1,20} +(?:[<>] +|In +|Out +))?"
    r"(IP6?) +(.*)$")
_TCPDUMP_FLOW_RE = re.compile(r"^\s*([\w.:-]{1,80})\.([\w-]{1,20}) > ([\w.:-]{1,80})\.([\w-]{1,20}):\s*(.*)$")
_TCPDUMP_ETHER_RE = re.compile(r"^(\S+ (?:\S+ )?)?[0-9a-fA-F:]{17} > [0-9a-fA-F:]{17}, ethertype IPv([46]) \(0x[0-9a-f]{4}\),"
                               r" length \d{1,6}: ")
_TCPDUMP_ICMP_RE = re.compile(r"^\s*([\w.:-]{1,80}) > ([\w.:-]{1,80}): ICMP6?,? (.{1,300})$")
_DNS_HEAD_RE = re.compile(r"^(?:\[[^\]]{0,60}\] )?(\d{1,5})([+*%|$-]*) ")
_DNS_Q_RE = re.compile(r"\b(A|AAAA|SRV|NAPTR|CNAME|ANY|PTR|MX|TXT)\? ([\w.-]{1,253})")
_DNS_COUNTS_RE = re.compile(r"(?<![\w/])(\d{1,5})/(\d{1,5})/(\d{1,5})(?![\w/])")
_DNS_RCODE_RE = re.compile(r"\b(NXDomain|ServFail|Refused|FormErr|NotImp|YXDomain|NXRRSet|NotAuth|NotZone)\b")
_DNS_A_RE = re.compile(r"\b(?:A|AAAA) ([0-9a-fA-F:.]{2,45})(?=[,\s)]|$)")
_EMBEDDED_START_RE = re.compile(
    r"(?:(?<![A-Za-z])[A-Z]{3,10} (?:sips?|tel):[^ \t]{1,500} SIP/2\.0\s*$|SIP/2\.0 [1-6]\d\d\b)")
_HEADERISH_RE = re.compile(r"^[A-Za-z0-9!%*+`'~._-]{1,64} *[:：]")
_SDP_LINE_RE = re.compile(r"^[a-z] ?=")
_WORD_RE = re.compile(r"[A-Za-z]{2,}")
_TCP_FLAGS_RE = re.compile(r"\[[A-Z]{1,8}\]")
_NGREP_RE = re.compile(r"^[UTI] (?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? )?\S{1,64}:\d{1,5} -> \S{1,64}:\d{1,5}"
                       r"(?: \[[A-Z]{1,8}\])?(?: #\d{1,12})?\s*$")
_STAMP_WORDS = frozenset({
    "udp", "tcp", "tls", "ws", "wss", "sctp", "sip", "bytes", "byte", "at", "msg", "message", "packet", "frame",
    "in", "out", "incoming", "outgoing", "outbound", "inbound", "request", "response", "req", "resp", "len",
    "length", "ipv4", "ipv6", "ip", "proto", "via", "on", "am", "pm", "utc", "gmt", "and",
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "to", "from", "sent", "send", "recv", "received",
})
_ARROW_RE = re.compile(r"(-{1,3}>|<-{1,3}|→|←|(?<= )[<>](?= )|\b(?:to|from|sent|recv|received|send)\b)",
                       re.IGNORECASE)


@dataclass(slots=True)
class Marker:
    kind: str  # meta | sep | end | ip | date
    line: int = 0
    ts: float | None = None
    src: str | None = None
    sport: int | None = None
    dst: str | None = None
    dport: int | None = None
    transport: str | None = None
    ttl: int | None = None
    direction: str | None = None  # sent | received (relative to the host that wrote the log)
    is_sip: bool = True
    length: int | None = None
    tail: str | None = None  # text after the flow on a tcpdump line (may hold "SIP: INVITE ...")


# --------------------------------------------------------------------------- time


class _Clock:
    """Turns printed dates/times into `ts`: epoch seconds when the date is known, else
    seconds since an arbitrary origin (day rollover when the time of day jumps back)."""

    def __init__(self) -> None:
        self.date: tuple[int, int, int] | None = None
        self.yearless: tuple[int, int] | None = None
        self.last_tod: float | None = None
        self.day_offset = 0

    def note_date(self, y: int, m: int, d: int) -> None:
        if 1970 <= y <= 2200 and 1 <= m <= 12 and 1 <= d <= 31:
            self.date = (y, m, d)
            self.last_tod = None

    def stamp(self, tod: float, date: tuple[int, int, int] | None = None,
              yearless: tuple[int, int] | None = None) -> float:
        if date is not None and 1970 <= date[0] <= 2200 and 1 <= date[1] <= 12 and 1 <= date[2] <= 31:
            self.date = date
            self.last_tod = tod
            return calendar.timegm((date[0], date[1], date[2], 0, 0, 0)) + tod
        if yearless is not None:
            self.yearless = yearless
            self.last_tod = tod
            month, day = yearless
            return ((month - 1) * 31 + day) * 86400.0 + tod
        if self.last_tod is not None and tod < self.last_tod - 43200:
            self.day_offset += 1
            if self.date is not None:
                y, m, d = self.date
                base = calendar.timegm((y, m, d, 0, 0, 0)) + 86400
                t = __import__("time").gmtime(base)
                self.date = (t.tm_year, t.tm_mon, t.tm_mday)
                self.day_offset = 0
        self.last_tod = tod
        if self.date is not None:
            y, m, d = self.date
            return calendar.timegm((y, m, d, 0, 0, 0)) + tod
        if self.yearless is not None:
            month, day = self.yearless
            return ((month - 1) * 31 + day + self.day_offset) * 86400.0 + tod
        return self.day_offset * 86400.0 + tod


def _tod(h: str, mi: str, s: str, frac: str | None) -> float | None:
    hh, mm, ss = int(h), int(mi), int(s)
    if hh > 23 or mm > 59 or ss > 60:
        return None
    return hh * 3600 + mm * 60 + ss + (float("0." + frac) if frac else 0.0)


def _stamp_from_text(text: str, clock: _Clock) -> float | None:
    """Date and time anywhere in a short text (a stamp line or a log prefix)."""
    tm = _TIME_RE.search(text)
    if not tm:
        return None
    tod = _tod(*tm.groups())
    if tod is None:
        return None
    dm = _DATE_RE.search(text)
    if dm:
        return clock.stamp(tod, date=(int(dm.group(1)), int(dm.group(2)), int(dm.group(3))))
    dmy = _DMY_RE.search(text)
    if dmy:
        return clock.stamp(tod, date=(int(dmy.group(3)), int(dmy.group(2)), int(dmy.group(1))))
    mon = _MON_RE.search(text)
    if mon:
        month = _MONTHS[mon.group(1)[:3].lower()]
        if mon.group(3):
            return clock.stamp(tod, date=(int(mon.group(3)), month, int(mon.group(2))))
        return clock.stamp(tod, yearless=(month, int(mon.group(2))))
    return clock.stamp(tod)


# --------------------------------------------------------------------------- helpers


def _addr(groups: tuple[str | None, ...], offset: int = 0) -> tuple[str | None, int | None]:
    v6, v4, port = groups[offset], groups[offset + 1], groups[offset + 2]
    host = v6 or v4
    return host, int(port) if port and int(port) <= 65535 else None


# Any program's own time stamp in front of every line ("2024-03-24 11:21:20.123 | ", "[11:21:20.123] ",
# "11:21:20,123 DEBUG "): taken off only in a paste where it hides every SIP start line (`_stamped`).
_STAMP_PREFIX_RE = re.compile(
    r"^\s{0,4}[\[(]?((?:\d{4}[-/.]\d\d[-/.]\d\d[ T]|\d\d?[-/.]\d\d?[-/.]\d{4} |"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d )?\d\d?:\d\d:\d\d(?:[.,]\d{1,9})?"
    r"(?: ?(?:Z|UTC|[+-]\d\d:?\d\d))?)[\])]?"
    r"(?: {0,3}\[?(?:TRACE|DEBUG|DBG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|VERBOSE)\]?:?)?(?: {0,3}[|>:] ?| +|\t)")


def _strip_prefix(line: str, stamped: bool = False) -> tuple[str, str | None]:
    if not line or (line[0] not in "[ADFJMNORST0123456789" and not stamped):
        return line, None
    if len(line) > 4096:
        return line, None
    for rx in _PREFIXES:
        m = rx.match(line)
        if m:
            return line[m.end():], m.group(1)
    if stamped:
        m = _STAMP_PREFIX_RE.match(line)
        if m:
            return line[m.end():], m.group(1)
    return line, None


def _stamped(lines: list[str]) -> bool:
    """Every line carries the writer's own time stamp in a shape no known log prefix has, and only with
    it taken off do SIP start lines appear: a program that stamps each line of what it prints."""
    filled = [ln for ln in lines[:5000] if ln.strip() and len(ln) <= 4096]
    if len(filled) < 3 or any(is_start_line(_strip_prefix(ln)[0].strip()) for ln in filled):
        return False
    rest = [ln[m.end():] for ln in filled if (m := _STAMP_PREFIX_RE.match(ln))]
    return len(rest) >= 0.6 * len(filled) and any(is_start_line(r.strip()) for r in rest)


_ANSI_RE = re.compile(r"\x1b\[[0-9;?]{0,20}[A-Za-z]")


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width marks chat apps insert


def _split_lines(text: str) -> list[str]:
    # CRLF, LF and lone CR line ends, mixed; keep empty lines; drop terminal colour codes and
    # zero-width characters (never part of SIP; copied in from chat apps and web pages).
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    if any(c in text for c in "\u200b\u200c\u200d\u2060\ufeff"):
        text = text.translate(_INVISIBLE)
    if "\n" not in text and "\r" not in text and ("\u2028" in text or "\u2029" in text):
        text = text.replace("\u2029", "\n").replace("\u2028", "\n")  # a JSON/JS copy: Unicode line ends only
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(lines) > MAX_LINES:
        raise TraceError(f"more than {MAX_LINES} lines of text")
    return lines


# --------------------------------------------------------------------------- formats


class _Format:
    name = "raw"
    indent: str | None = None  # exact indentation to remove from message lines
    perspective = False  # markers say sent/received relative to the logging host

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        return _raw_stamp(text, lineno, clock)

    def content(self, text: str) -> str:
        ind = self.indent
        if ind and text.startswith(ind):
            return text[len(ind):]
        return text


def _raw_stamp(text: str, lineno: int, clock: _Clock) -> Marker | None:
    """A stamp line before a raw message: time and/or addresses with an arrow."""
    t = text.strip()
    if not t or len(t) > 300 or is_start_line(t):
        return None
    hm = _HEADERISH_RE.match(t)
    if hm and any(c.isalpha() for c in hm.group(0)) and not t.startswith(("[", "#", "-", "U ", "T ")):
        return None  # a header line ("Via: ... 1.2.3.4:5060"), not a stamp
    addrs = []
    for i, m in enumerate(_ADDR_RE.finditer(t)):
        if i >= 4:
            break
        addrs.append((m.start(), _addr(m.groups())))
    if not addrs:
        return None
    arrows = list(_ARROW_RE.finditer(t))
    if not arrows:
        return None
    # Everything else on the line must be stamp vocabulary, not prose.
    residue = _ADDR_RE.sub(" ", t)
    residue = _ARROW_RE.sub(" ", residue)
    residue = _TCP_FLAGS_RE.sub(" ", residue)
    for word in _WORD_RE.findall(residue):
        if word.lower() not in _STAMP_WORDS and word[:3].lower() not in _MONTHS:
            return None
    ts = _stamp_from_text(t, clock)
    mk = Marker(kind="meta", line=lineno, ts=ts)
    low = t.lower()
    if " tcp" in low or "tcp:" in low or low.startswith("t "):
        mk.transport = "tcp"
    elif " tls" in low or "tls:" in low:
        mk.transport = "tls"
    elif " udp" in low or "udp:" in low or low.startswith("u "):
        mk.transport = "udp"
    if len(addrs) >= 2:
        (p0, a0), (p1, a1) = addrs[0], addrs[1]
        between = [a for a in arrows if p0 < a.start() < p1]
        left = any(a.group(0).startswith("<") or a.group(0) == "←" for a in between)
        (mk.src, mk.sport), (mk.dst, mk.dport) = (a1, a0) if left else (a0, a1)
        return mk
    pos, (host, port) = addrs[0]
    before = [a.group(0).lower() for a in arrows if a.start() < pos]
    if not before:
        return None
    arrow = before[-1]
    if arrow.endswith(">") or arrow in ("→", "to", "sent", "send"):
        mk.direction, mk.dst, mk.dport = "sent", host, port
    elif arrow.startswith("<") or arrow in ("←", "from", "recv", "received"):
        mk.direction, mk.src, mk.sport = "received", host, port
    else:
        return None
    return mk


class _Raw(_Format):
    name = "raw"


class _Sngrep(_Format):
    name = "sngrep_txt"

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        if len(text) > MAX_MARKER_LINE or not text[:1].isdigit():
            return None
        m = _SNGREP_RE.match(text)
        if not m:
            return None
        g = m.groups()
        tod = _tod(g[3], g[4], g[5], g[6])
        ts = clock.stamp(tod, date=(int(g[0]), int(g[1]), int(g[2]))) if tod is not None else None
        src, sport = _addr(g, 7)
        dst, dport = _addr(g, 10)
        return Marker(kind="meta", line=lineno, ts=ts, src=src, sport=sport, dst=dst, dport=dport)


class _Pjsip(_Format):
    name = "asterisk_pjsip"
    perspective = True

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        if len(text) > MAX_MARKER_LINE or "<---" not in text:
            return None
        m = _PJSIP_RE.search(text)
        if not m:
            return None
        g = m.groups()
        host, port = _addr(g, 5)
        mk = Marker(kind="meta", line=lineno, transport=g[4].lower(), length=int(g[2]) if g[2] else None)
        if g[0].lower() == "received":
            mk.direction, mk.src, mk.sport = "received", host, port
        else:
            mk.direction, mk.dst, mk.dport = "sent", host, port
        return mk


class _ChanSip(_Format):
    name = "asterisk_chan_sip"
    perspective = True

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        t = text.strip()
        if len(t) > MAX_MARKER_LINE or not t:
            return None
        if _CHAN_SEP_RE.match(t):
            return Marker(kind="sep", line=lineno)
        if t.startswith("--- (") and t.endswith(") ---"):
            return Marker(kind="sep", line=lineno)
        if "SIP read from" in t or "sip read from" in t.lower():
            m = _CHAN_READ_RE.search(t)
            if m:
                g = m.groups()
                host, port = _addr(g, 1)
                return Marker(kind="meta", line=lineno, transport=(g[0] or "").lower() or None,
                              direction="received", src=host, sport=port)
        if "ransmitting" in t:
            m = _CHAN_SEND_RE.match(t)
            if m:
                host, port = _addr(m.groups(), 1)
                return Marker(kind="meta", line=lineno, direction="sent", dst=host, dport=port)
        return None


_CCSIP_STAMP_RE = re.compile(r"^(?:\d{1,10}: )?[*.]?((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2}"
                             r"(?: \d{4})? \d\d:\d\d:\d\d(?:\.\d{1,6})?)(?: [A-Z]{2,5})?: //\S{0,120}ccsipDisplayMsg:")


class _CiscoCcsip(_Format):
    """Cisco IOS / CUBE `debug ccsip messages`: a time-stamped `//.../SIP/Msg/ccsipDisplayMsg:` line,
    then `Sent:` or `Received:` on a line of its own, then the message; the peer is not printed."""

    name = "cisco_ccsip"
    perspective = True

    def __init__(self) -> None:
        self._ts: float | None = None

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        t = text.strip()
        if not t or len(t) > MAX_MARKER_LINE:
            return None
        if t in ("Sent:", "Received:"):
            return Marker(kind="meta", line=lineno, ts=self._ts, direction="sent" if t == "Sent:" else "received")
        if "ccsipDisplayMsg" in t:
            m = _CCSIP_STAMP_RE.match(t)
            self._ts = _stamp_from_text(m.group(1), clock) if m else None
            return Marker(kind="sep", line=lineno)
        return None


class _FreeSwitch(_Format):
    name = "freeswitch_siptrace"
    indent = "   "
    perspective = True

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        t = text.strip()
        if len(t) > MAX_MARKER_LINE or not t:
            return None
        if _DASHES_RE.match(t):
            return Marker(kind="sep", line=lineno)
        if t[:4].lower() in ("recv", "send"):
            m = _FS_RE.match(t)
            if m:
                g = m.groups()
                host, port = g[4], int(g[5]) if int(g[5]) <= 65535 else None
                ts = None
                if g[6] is not None:
                    tod = _tod(g[6], g[7], g[8], g[9])
                    ts = clock.stamp(tod) if tod is not None else None
                mk = Marker(kind="meta", line=lineno, ts=ts, transport=g[3].lower(), length=int(g[1]))
                if g[0].lower() == "recv":
                    mk.direction, mk.src, mk.sport = "received", host, port
                else:
                    mk.direction, mk.dst, mk.dport = "sent", host, port
                return mk
        if t[:1].isalnum() and not text.startswith(" "):
            d = _FS_DATE_RE.match(t)
            if d:
                clock.note_date(int(d.group(1)), int(d.group(2)), int(d.group(3)))
                return Marker(kind="date", line=lineno)
        return None


class _Tcpdump(_Format):
    name = "tcpdump_text"
    indent = "\t"

    def __init__(self) -> None:
        self.pending: Marker | None = None

    def content(self, text: str) -> str:
        if text.startswith("\t"):
            return text[1:]
        if text.startswith("        "):  # a tab turned into spaces by a paste
            return text[8:]
        return text

    def marker(self, text: str, lineno: int, clock: _Clock) -> Marker | None:
        if len(text) > MAX_MARKER_LINE or not text or text.startswith("\t"):
            return None
        t = text.strip()
        if "ethertype IPv" in t[:120]:
            # tcpdump -e: "<mac> > <mac>, ethertype IPv4 (0x0800), length 1026: (tos ...)"
            e = _TCPDUMP_ETHER_RE.match(t)
            if e:
                t = f"{e.group(1) or ''}IP{'6' if e.group(2) == '6' else ''} {t[e.end():]}"
        if "IP" in t[:48]:
            m = _TCPDUMP_IP_RE.match(t)
            if m:
                g = m.groups()
                ts: float | None = None
                if g[3] is not None:
                    ts = float(f"{g[3]}.{g[4]}")
                elif g[5] is not None:
                    tod = _tod(g[5], g[6], g[7], g[8])
                    if tod is not None:
                        date = (int(g[0]), int(g[1]), int(g[2])) if g[0] else None
                        ts = clock.stamp(tod, date=date)
                rest = g[10]
                ttl_m = re.search(r"\b(?:ttl|hlim) (\d{1,3})\b", rest)
                proto_m = re.search(r"\bproto (\w{1,8})|next-header (\w{1,8})", rest)
                mk = Marker(kind="ip", line=lineno, ts=ts, ttl=int(ttl_m.group(1)) if ttl_m else None)
                if proto_m:
                    mk.transport = (proto_m.group(1) or proto_m.group(2) or "").lower()
                # Non-verbose: the flow is on the same line ("IP a.b > c.d: ...").
                if ") " in rest and rest.startswith("("):
                    depth = 0
                    for i, ch in enumerate(rest):
                        if ch == "(":
                            depth += 1
                        elif ch == ")":
                            depth -= 1
                            if depth == 0:
                                rest = rest[i + 1:]
                                break
                self.pending = mk
                if ": ICMP" in rest:
                    icmp = _TCPDUMP_ICMP_RE.match(rest)
                    if icmp:
                        return self._icmp(icmp, lineno)
                flow = _TCPDUMP_FLOW_RE.match(rest) if " > " in rest else None
                if flow:
                    return self._flow(flow, lineno)
                return mk
        if " > " in t and self.pending is not None:
            if ": ICMP" in t:
                icmp = _TCPDUMP_ICMP_RE.match(t)
                if icmp:
                    return self._icmp(icmp, lineno)
            flow = _TCPDUMP_FLOW_RE.match(t)
            if flow:
                return self._flow(flow, lineno)
        return None

    def _icmp(self, m: re.Match[str], lineno: int) -> Marker:
        ip = self.pending or Marker(kind="ip", line=lineno)
        self.pending = None
        return Marker(kind="icmp", line=ip.line, ts=ip.ts, ttl=ip.ttl, transport="icmp", src=m.group(1),
                      dst=m.group(2), tail=m.group(3), is_sip=False)

    def _flow(self, flow: re.Match[str], lineno: int) -> Marker:
        ip = self.pending or Marker(kind="ip", line=lineno)
        self.pending = None
        src, sport_t, dst, dport_t, tail = flow.groups()
        mk = Marker(kind="meta", line=ip.line, ts=ip.ts, ttl=ip.ttl, transport=ip.transport,
                    src=src, sport=_tcpdump_port(sport_t), dst=dst, dport=_tcpdump_port(dport_t), tail=tail)
        low = tail.lower()
        if low.startswith("flags ["):
            mk.transport = "tcp"
        mk.is_sip = (bool(re.search(r"\bsip\b", tail[:200], re.IGNORECASE)) or "SIP/2.0" in tail
                     or sport_t.lower() in ("sip", "sip-tls") or dport_t.lower() in ("sip", "sip-tls"))
        if not mk.is_sip and (mk.sport == 53 or mk.dport == 53):
            mk.kind = "dns"
        if not mk.transport:
            mk.transport = "udp" if "udp" in low[:10] else None
        lm = re.search(r"length:? (\d{1,6})", tail[:200])
        mk.length = int(lm.group(1)) if lm else None
        return mk


_FORMAT_CLASSES: dict[str, type[_Format]] = {
    "raw": _Raw, "sngrep_txt": _Sngrep, "asterisk_pjsip": _Pjsip, "asterisk_chan_sip": _ChanSip,
    "freeswitch_siptrace": _FreeSwitch, "tcpdump_text": _Tcpdump, "cisco_ccsip": _CiscoCcsip,
}

# --------------------------------------------------------------------------- detection

_DETECT = (
    ("cisco_ccsip", re.compile(r"/SIP/Msg/ccsipDisplayMsg:")),
    ("freeswitch_siptrace", re.compile(r"^\s*(?:recv|send) \d+ bytes? (?:from|to) [A-Za-z]{2,4}/", re.IGNORECASE)),
    ("asterisk_pjsip", re.compile(r"<--- ?(?:Received|Transmitting) SIP (?:request|response)", re.IGNORECASE)),
    ("asterisk_chan_sip", re.compile(r"(?:<--- ?SIP read from|ransmitting(?: #\d+)? \((?:no )?NAT\) to)",
                                     re.IGNORECASE)),
    ("tcpdump_text", re.compile(r"(?:: SIP, length: \d|^\s*(?:\S+ )?IP6? \((?:tos|flowlabel)|: UDP, length \d)")),
    ("sngrep_txt", re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ -> \S+\s*$")),
)


def detect_format(text: str, stamped: bool = False) -> str | None:
    """The text format, or None when the text holds no SIP start line at all."""
    counts: Counter[str] = Counter()
    has_start = False
    for n, raw in enumerate(_undo_ngrep_byline(normalise_paste(_split_lines(text[:8_000_000])))):
        if n > 200_000:
            break
        line, _ = _strip_prefix(raw, stamped)
        if len(line) > MAX_MARKER_LINE:
            continue
        if not has_start:
            s = line.strip()
            if is_start_line(s) or _EMBEDDED_START_RE.search(s):
                has_start = True
        for name, rx in _DETECT:
            if rx.search(line):
                counts[name] += 1
                break
    if counts:
        order = [name for name, _ in _DETECT]
        return max(counts, key=lambda k: (counts[k], -order.index(k)))
    return "raw" if has_start else None


# --------------------------------------------------------------------------- reading


@dataclass
class _State:
    file: str
    fmt: _Format
    lines: list[str]
    contents: list[str]
    stripped: list[str]  # after the log prefix, before the format's indentation
    clock: _Clock = field(default_factory=_Clock)
    records: list[SipRecord] = field(default_factory=list)
    directions: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rtp: dict[tuple[str, int, str, int], RtpStream] = field(default_factory=dict)
    packets: int = 0
    sip_ports: set[tuple[str, int]] = field(default_factory=set)
    dns: list[DnsEvent] = field(default_factory=list)
    icmp: list[IcmpEvent] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # lines [start, end) each message took


@dataclass
class TextTrace:
    contents: CaptureContents
    directions: list[str | None]
    dns: list[DnsEvent] = field(default_factory=list)
    icmp: list[IcmpEvent] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)


# --------------------------------------------------------------------------- pasted text

_FENCE_RE = re.compile(r"^\s{0,3}(?:```|~~~)[\w+-]{0,20}\s*$")
_QUOTE_RE = re.compile(r"^(?:> ?)+")
_NUMBERED_RE = re.compile(r"^\s{0,6}(\d{1,6})[.:)|]\s")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.{1,500}?)(?<=\S)\*\*")
# what a SIP line looks like HTML-escaped: <sip:...>, "Display", & in a URI
_ENTITY_RE = re.compile(r"&(?:lt|gt|quot|amp|#34|#39|#x22|#60|#62);")


def normalise_paste(lines: list[str]) -> list[str]:
    """Undo what forums, mail and chat do to a pasted log, keeping one output line per input line
    (line numbers in evidence stay those of the file): markdown code fences become blank lines,
    `> ` quote marks and `**bold**` marks go, HTML entities (`&lt;sip:...&gt;`) are undone, and a
    paste numbered line by line (pastebin's `  12. `) loses its numbers when nearly every line has
    one, in order."""
    if not lines:
        return lines
    numbered = _numbered(lines)
    out: list[str] = []
    for line in lines:
        if len(line) > 4096:
            out.append(line)
            continue
        if numbered:
            m = _NUMBERED_RE.match(line)
            if m:
                line = line[m.end():]
        if line.startswith(">"):
            line = _QUOTE_RE.sub("", line, count=1)
        if _FENCE_RE.match(line):
            line = ""
        if "**" in line:
            line = _BOLD_RE.sub(r"\1", line)
        if "&" in line and _ENTITY_RE.search(line):
            line = html.unescape(line)  # copied from a web page's source or a ticket system's HTML
        out.append(line)
    return out


def undo_double_spacing(lines: list[str]) -> tuple[list[str], list[int] | None]:
    """A paste where every line is followed by an empty one (CRLF turned into two line breaks by a
    copy, a mail client or an archive): (lines with the spacing undone, original 0-based index of
    each kept line), or (lines, None) when the text is not double-spaced.

    Double-spaced means: at most 1 in 10 non-empty lines is followed by another non-empty line,
    and 9 in 10 runs of empty lines between two non-empty ones have an odd length (one spacer,
    or three for a blank line of the original); a run of 2k+1 empty lines becomes k."""
    n = len(lines)
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(filled) < 6:
        return lines, None
    adjacent = sum(1 for a, b in itertools.pairwise(filled) if b == a + 1)
    if adjacent > 0.1 * len(filled):
        return lines, None
    runs = [b - a - 1 for a, b in itertools.pairwise(filled)]
    if sum(1 for r in runs if r % 2 == 1) < 0.9 * len(runs):
        return lines, None
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < n:
        if lines[i].strip():
            out.append(lines[i])
            where.append(i)
            i += 1
            continue
        j = i
        while j < n and not lines[j].strip():
            j += 1
        keep = (j - i) // 2 if i == 0 or j == n else (j - i - 1) // 2
        for k in range(keep):
            out.append("")
            where.append(i + k)
        i = j
    return out, where


def _remap_lines(tt: TextTrace, where: list[int]) -> None:
    """Line numbers of a double-spaced paste read with its spacing undone, back to the file's own."""
    def fix(ref: TraceRef | None) -> None:
        if ref is not None and ref.line is not None and 0 < ref.line <= len(where):
            ref.line = where[ref.line - 1] + 1

    for rec in tt.contents.sip:
        fix(rec.ref)
    for s in tt.contents.rtp:
        fix(s.first_ref)
    for ev in tt.dns:
        fix(ev.ref)
    for ic in tt.icmp:
        fix(ic.ref)
    for le in tt.events:
        fix(le.ref)


def _numbered(lines: list[str]) -> bool:
    filled = [ln for ln in lines[:5000] if ln.strip()]
    if len(filled) < 3:
        return False
    nums = []
    for ln in filled:
        m = _NUMBERED_RE.match(ln) if len(ln) < 4096 else None
        if m:
            nums.append(int(m.group(1)))
    if len(nums) < 0.8 * len(filled):
        return False
    return sum(1 for a, b in itertools.pairwise(nums) if b == a + 1) >= 0.8 * (len(nums) - 1)


def read_text(text: str, file: str, fmt_name: str | None = None) -> CaptureContents:
    """Cut a text trace into records. Raises TraceError only for unusable input."""
    return read_text_detailed(text, file, fmt_name)[0]


def read_text_detailed(text: str, file: str, fmt_name: str | None = None) -> tuple[CaptureContents, list[str | None]]:
    """Like read_text, plus per record "sent"/"received" when the log is written by one
    of the two hosts (Asterisk, FreeSWITCH, raw stamps with one address), else None."""
    tt = read_text_full(text, file, fmt_name)
    return tt.contents, tt.directions


def read_text_full(text: str, file: str, fmt_name: str | None = None) -> TextTrace:
    """Everything a text trace holds: records, directions, and DNS/ICMP packets of tcpdump text."""
    artefact = scan_artefact(text, file) if fmt_name is None else None
    if artefact:
        kind = "debugger_json" if artefact[0].kind == "alert" else "call_log_csv"
        cc = CaptureContents(file=file, format=kind, packets=len(artefact))
        cc.warnings.append(f"{file}: no SIP message; {len(artefact)} {'alert(s)' if kind == 'debugger_json' else 'call-log row(s)'}"
                           " read from the carrier's export")
        return TextTrace(cc, [], events=artefact)
    lines, line_map = undo_double_spacing(_undo_ngrep_byline(normalise_paste(_split_lines(text))))
    tt = _read_lines(lines, file, fmt_name)
    if line_map is not None:
        _remap_lines(tt, line_map)
        tt.contents.warnings.append(f"{file}: every line was followed by an empty one (a double-spaced paste);"
                                   " read with the spacing undone, line numbers as in the file")
    return tt


def _read_lines(lines: list[str], file: str, fmt_name: str | None) -> TextTrace:
    if fmt_name in (None, "raw", JSON_LOG):
        embedded = _read_embedded(lines, file)
        if embedded is not None:
            return embedded
        if fmt_name == JSON_LOG:
            fmt_name = None
    stamped = _stamped(lines)
    name = fmt_name or detect_format("\n".join(lines), stamped)
    if name is None:
        stripped_only = [_strip_prefix(raw, stamped)[0] for raw in lines]
        events = scan_lines(stripped_only, file, raw=lines)
        told = [e for e in events if e.kind != "text"]
        only = _State(file=file, fmt=_Raw(), lines=lines, contents=stripped_only, stripped=stripped_only)
        if _add_header_blocks(only):
            cc = CaptureContents(file=file, format="raw", sip=only.records, packets=len(only.records))
            cc.warnings.append(f"{file}: no SIP start line; {len(only.records)} headers-only fragment(s) kept")
            return TextTrace(cc, only.directions, events=events)
        cc = CaptureContents(file=file, format="log_lines" if told else "raw")
        cc.warnings.append(f"{file}: no SIP message found" + (f"; {len(told)} log line(s) read as evidence" if told
                           else " (expected raw SIP messages or a SIP log)"))
        return TextTrace(cc, [], events=events)
    if name not in _FORMAT_CLASSES:
        raise TraceError(f"{file}: unknown text format {name!r}")
    fmt = _FORMAT_CLASSES[name]()
    stripped: list[str] = []
    prefix_times: list[str | None] = []
    for raw in lines:
        s, pt = _strip_prefix(raw, stamped)
        stripped.append(s)
        prefix_times.append(pt)
    st = _State(file=file, fmt=fmt, lines=lines, contents=[fmt.content(s) for s in stripped], stripped=stripped)
    _drive(st, prefix_times)
    _add_header_blocks(st)
    if fmt.perspective or any(d is not None for d in st.directions):
        _fill_local_address(st)
    rtp = [s for key, s in st.rtp.items() if (key[0], key[1]) not in st.sip_ports and (key[2], key[3]) not in st.sip_ports]
    cc = CaptureContents(file=file, format=name, sip=st.records, rtp=rtp, packets=st.packets or len(st.records),
                         warnings=st.warnings)
    if not st.records:
        cc.warnings.append(f"{file}: no complete SIP message found ({name} text)"
                           + (" but DNS/ICMP packets" if st.dns or st.icmp else ""))
    events = scan_lines(stripped, file, raw=lines)
    return TextTrace(cc, st.directions, st.dns, st.icmp, events)


def _add_header_blocks(st: _State) -> int:
    """Keep header blocks no message took (a paste cut above its start line) as records, in line order."""
    taken = [False] * len(st.contents)
    for first, end in st.spans:
        for k in range(first, min(end, len(taken))):
            taken[k] = True
    blocks = header_blocks(st.contents, taken)
    if not blocks:
        return 0
    for b in blocks:
        rec = SipRecord(raw=b.text.encode("utf-8", "replace"), ref=TraceRef(file=st.file, line=b.line + 1))
        rec.transport = _via_transport(["", *b.text.split("\r\n")]) or "unknown"
        st.records.append(rec)
        st.directions.append(None)
    order = sorted(range(len(st.records)), key=lambda k: st.records[k].ref.line or 0)
    st.records = [st.records[k] for k in order]
    st.directions = [st.directions[k] for k in order]
    return len(blocks)


def _read_embedded(lines: list[str], file: str) -> TextTrace | None:
    """A structured (JSON/logfmt) log whose records hold SIP messages escaped in strings (jsonlogs)."""
    found = find_embedded(lines)
    if not found:
        return None
    st = _State(file=file, fmt=_Raw(), lines=lines, contents=lines, stripped=lines)
    for emb in found:
        rec = SipRecord(raw=emb.text.encode("utf-8", "replace"), ref=TraceRef(file=file, line=emb.line + 1), ts=emb.ts)
        if emb.direction == "received":
            rec.src, rec.sport, rec.dst, rec.dport = emb.remote, emb.remote_port, emb.local, emb.local_port
        elif emb.direction == "sent":
            rec.src, rec.sport, rec.dst, rec.dport = emb.local, emb.local_port, emb.remote, emb.remote_port
        head = emb.text.split("\r\n\r\n", 1)[0].split("\r\n")
        t = emb.transport
        rec.transport = (t if t in ("udp", "tcp", "tls") else {"ws": "tcp", "wss": "tls"}.get(t or "")
                         or _via_transport(head) or "unknown")
        st.records.append(rec)
        st.directions.append(emb.direction)
    if any(d is not None for d in st.directions):
        _fill_local_address(st)
    cc = CaptureContents(file=file, format=JSON_LOG, sip=st.records, packets=len(st.records))
    return TextTrace(cc, st.directions, events=scan_lines(lines, file, raw=lines))


def _undo_ngrep_byline(lines: list[str]) -> list[str]:
    """`ngrep -W byline` prints each CR as a trailing '.': drop it inside the packets it shows."""
    if not any(len(ln) < 200 and _NGREP_RE.match(ln) for ln in lines[:20000]):
        return lines
    out: list[str] = []
    inside = False
    for ln in lines:
        if len(ln) < 200 and _NGREP_RE.match(ln):
            inside = True
        elif ln == "#" or ln.startswith(("####", "interface:", "filter:", "match:")):
            inside = False
        elif inside and ln.endswith("."):
            ln = ln[:-1]
        out.append(ln)
    return out


def _drive(st: _State, prefix_times: list[str | None]) -> None:
    fmt = st.fmt
    n = len(st.lines)
    meta: Marker | None = None
    quoted = False  # inside the original packet an ICMP error quotes (tcpdump -v prints it)
    recent_ts: float | None = None  # time of a log prefix on a line of its own just above a marker
    recent_line = -10
    i = 0
    while i < n:
        text = st.stripped[i]
        content = st.contents[i]
        pt = prefix_times[i]
        prefix_ts = _stamp_from_text(pt, st.clock) if pt else None
        if prefix_ts is not None:
            recent_ts, recent_line = prefix_ts, i
        mk = fmt.marker(text, i + 1, st.clock)
        if mk is not None:
            quoted = mk.kind == "icmp"
            if mk.kind == "meta":
                if mk.ts is None:
                    mk.ts = prefix_ts if prefix_ts is not None else (recent_ts if i - recent_line <= 2 else None)
                meta = mk
                if isinstance(fmt, _Tcpdump):
                    st.packets += 1
                    if not mk.is_sip:
                        nxt = st.contents[i + 1] if i + 1 < n else ""
                        if len(nxt) <= 4096 and _EMBEDDED_START_RE.search(nxt):
                            mk.is_sip = True  # tcpdump -A payload of a packet not decoded as SIP
                        else:
                            _add_rtp(st, mk)
                            meta = None
                    elif mk.tail and "SIP/2.0" in mk.tail:
                        # "...: SIP: INVITE sip:x SIP/2.0" printed on the flow line itself
                        em = _EMBEDDED_START_RE.search(mk.tail)
                        start_text = _start_from(mk.tail, em) if em else None
                        if start_text:
                            i = _take_message(st, i, start_text, meta)
                            meta = None
                            continue
            elif mk.kind == "dns":
                st.packets += 1
                _add_dns(st, mk)
                meta = None
            elif mk.kind == "icmp":
                st.packets += 1
                _add_icmp(st, mk)
                meta = None
            elif mk.kind in ("end", "ip"):
                meta = None
            i += 1
            continue
        if quoted:
            i += 1
            continue
        start = content.strip() if is_start_line(content) else None
        if start is None and meta is not None and isinstance(fmt, _Tcpdump) and len(content) <= 4096:
            em = _EMBEDDED_START_RE.search(content)
            if em:  # tcpdump -A: the payload follows the IP/UDP header bytes printed as dots
                start = _start_from(content, em)
        if start is not None:
            if meta is None and prefix_ts is not None:
                meta = Marker(kind="meta", line=i + 1, ts=prefix_ts)
            i = _take_message(st, i, start, meta)
            meta = None
            continue
        if content.strip():
            meta = None  # a marker describes the message right after it, not one further down
        i += 1


def _start_from(text: str, m: re.Match[str]) -> str | None:
    start = text[m.start():].strip()
    return start if is_start_line(start) else None


def _is_stop(st: _State, j: int) -> bool:
    """A line that can never belong to the current message (a marker or a new message)."""
    text = st.stripped[j]
    content = st.contents[j]
    if is_start_line(content):
        return True
    fmt = st.fmt
    if isinstance(fmt, _Tcpdump):
        if text.startswith("\t") or text.startswith("        "):
            return False
        t = text.strip()
        return bool(t) and bool(_TCPDUMP_IP_RE.match(t) or _TCPDUMP_FLOW_RE.match(t)) if len(t) < MAX_MARKER_LINE else False
    if isinstance(fmt, _FreeSwitch):
        t = text.strip()
        return len(t) < MAX_MARKER_LINE and bool(_DASHES_RE.match(t) or _FS_RE.match(t))
    probe = _Clock()  # markers must not move the real clock while we only look
    return fmt.marker(text, j + 1, probe) is not None


def _take_message(st: _State, i: int, start: str, meta: Marker | None) -> int:
    """Collect the message whose start line is at index i; return the index after it."""
    n = len(st.lines)
    head = [start]
    j = i + 1
    ended_blank = False
    first = st.contents[i]
    # a paste indented as a whole (mail, chat, markdown): the start line's indentation is not folding
    indent = first[:len(first) - len(first.lstrip())] if first.strip() == start else ""

    def at(k: int) -> str:
        c = st.contents[k]
        if not indent:
            return c
        if c.startswith(indent):
            return c[len(indent):]
        # a line indented a little less than the rest of the paste (one space lost by the
        # forum or the engineer) is not a header continuation when it reads as a header
        body = c.lstrip(" \t")
        if body and len(c) - len(body) < len(indent) and _HEADERISH_RE.match(body):
            return body
        return c

    while j < n:
        c = at(j)
        if not c.strip():
            ended_blank = True
            j += 1
            break
        if c.strip() == "v=0" and len(head) > 2 and (_content_type(head) == "application/sdp"
                                                       or (_content_length(head) or 0) > 0):
            ended_blank = True  # the paste lost the blank line before the SDP body
            break
        if _is_stop(st, j):
            break
        if c[:1] in (" ", "\t") and len(head) > 1:
            head.append(c)
            j += 1
            continue
        if _HEADERISH_RE.match(c) and not (len(head) > 1 and st.contents[j - 1].endswith((" ", ","))
                                            and _wrapped(st.contents[j - 1], c)):
            head.append(c.rstrip())
            j += 1
            continue
        if len(head) > 1 and _wrapped(st.contents[j - 1], c):
            head.append(" " + c.strip())  # a header value the paste wrapped onto the next line
            j += 1
            continue
        # Neither header nor marker: junk interleaved by the log (or a cut-off header); stop here.
        break
    clen = _content_length(head)
    ctype = _content_type(head)
    body: list[str] = []
    if ended_blank and (clen is None or clen > 0):
        size = 0
        k = j
        while k < n:
            c = at(k)
            if clen is not None and size >= clen:
                break
            if not c.strip():
                if ctype == "application/sdp" or clen is None or _blank_ends_body(st, k):
                    break
                body.append("")
                size += 2
                k += 1
                continue
            if _is_stop(st, k):
                break
            if (ctype in (None, "application/sdp") and not _SDP_LINE_RE.match(c.strip())
                    and (clen is None or ctype == "application/sdp")):
                break
            body.append(c.rstrip("\r\n"))
            size += len(c.encode("utf-8", "replace")) + 2
            k += 1
        j = max(j, k)
    text = "\r\n".join(head) + "\r\n\r\n" + ("\r\n".join(body) + "\r\n" if body else "")
    ref = TraceRef(file=st.file, line=i + 1)
    rec = SipRecord(raw=text.encode("utf-8", "replace"), ref=ref)
    if meta is not None:
        rec.ts = meta.ts
        rec.src, rec.sport, rec.dst, rec.dport = meta.src, meta.sport, meta.dst, meta.dport
        rec.ttl = meta.ttl
        if meta.transport in ("udp", "tcp", "tls"):
            rec.transport = meta.transport
        elif meta.transport in ("ws", "wss"):
            rec.transport = "tcp"
        else:
            rec.transport = _via_transport(head) or "unknown"
        if meta.src and meta.sport:
            st.sip_ports.add((meta.src, meta.sport))
        if meta.dst and meta.dport:
            st.sip_ports.add((meta.dst, meta.dport))
    else:
        rec.transport = _via_transport(head) or "unknown"
    st.records.append(rec)
    st.directions.append(meta.direction if meta is not None else None)
    st.spans.append((i, max(j, i + 1)))
    return max(j, i + 1)


_WRAP_TAIL_RE = re.compile(r"^[\w.:;=@<>\[\]\"',/+~%-]{1,400}$")


def _wrapped(previous: str, line: str) -> bool:
    """A header value broken by a line wrap: the previous line ends in a space, comma or
    separator, and this line is one token of URI/parameter characters."""
    prev = previous.rstrip("\r\n")
    t = line.strip()
    if not t or not prev or is_start_line(t):
        return False
    return (prev.endswith((" ", ",", ";", "=")) or t.startswith((";", "=", ","))) and bool(_WRAP_TAIL_RE.match(t))


def _blank_ends_body(st: _State, k: int) -> bool:
    """A blank line inside a non-SDP body ends it when what follows is a new message, a marker or EOF."""
    n = len(st.lines)
    m = k + 1
    limit = k + 50
    while m < n and m < limit and not st.contents[m].strip():
        m += 1
    return m >= n or m >= limit or _is_stop(st, m)


def _content_length(head: list[str]) -> int | None:
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep and canonical_name(name) == "content-length":
            v = value.strip()
            return int(v) if v.isdigit() and len(v) < 9 else None
    return None


def _content_type(head: list[str]) -> str | None:
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep and canonical_name(name) == "content-type":
            return value.split(";", 1)[0].strip().lower()
    return None


def _via_transport(head: list[str]) -> str | None:
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep and canonical_name(name) == "via":
            v = value.upper()
            for t in ("UDP", "TCP", "TLS", "WSS", "WS"):
                if f"/{t}" in v.replace(" ", ""):
                    return {"WS": "tcp", "WSS": "tls"}.get(t, t.lower())
    return None


def _add_dns(st: _State, mk: Marker) -> None:
    tail = (mk.tail or "")[:600]
    head = _DNS_HEAD_RE.match(tail)
    if not head:
        return
    q = _DNS_Q_RE.search(tail)
    counts = _DNS_COUNTS_RE.search(tail)
    rc = _DNS_RCODE_RE.search(tail)
    response = counts is not None or rc is not None
    answers = _DNS_A_RE.findall(tail[counts.end():]) if counts else []
    st.dns.append(DnsEvent(ref=TraceRef(file=st.file, line=mk.line), ts=mk.ts, src=mk.src, dst=mk.dst,
                           query_id=int(head.group(1)), name=q.group(2).rstrip(".").lower() if q else None,
                           qtype=q.group(1) if q else None, response=response,
                           rcode=rc.group(1) if rc else "NoError", answers=answers))


def _add_icmp(st: _State, mk: Marker) -> None:
    text = (mk.tail or "").strip()
    kind, about, port, proto = icmp_kind(text)
    st.icmp.append(IcmpEvent(ref=TraceRef(file=st.file, line=mk.line), ts=mk.ts, src=mk.src, dst=mk.dst,
                             kind=kind, about=about, port=port, proto=proto, text=text[:200]))


def _add_rtp(st: _State, mk: Marker) -> None:
    if not (mk.src and mk.dst and mk.sport and mk.dport):
        return
    if mk.transport not in (None, "udp", "17"):
        return
    if mk.sport < 1024 or mk.dport < 1024 or mk.sport in (5060, 5061) or mk.dport in (5060, 5061):
        return
    key = (mk.src, mk.sport, mk.dst, mk.dport)
    s = st.rtp.get(key)
    ts = mk.ts or 0.0
    if s is None:
        if len(st.rtp) > 100_000:
            return
        s = RtpStream(src=mk.src, sport=mk.sport, dst=mk.dst, dport=mk.dport, ssrc=0, payload_type=-1,
                      first_ts=ts, last_ts=ts, first_ref=TraceRef(file=st.file, line=mk.line))
        st.rtp[key] = s
    s.packets += 1
    s.last_ts = max(s.last_ts, ts)
    if mk.ttl is not None:
        s.min_ttl = min(s.min_ttl, mk.ttl)
        s.max_ttl = max(s.max_ttl, mk.ttl)


def _fill_local_address(st: _State) -> None:
    """Logs print only the far end; the local address comes from what the host itself sent."""
    from advisor.evidence.sipmsg import SipParseError, parse_message

    Local = tuple[str, int | None]
    # votes per far end first (a PBX talks to phones on its LAN address, to the carrier on
    # its public one), then over the whole log
    via_votes: dict[str | None, Counter[Local]] = {}
    contact_votes: dict[str | None, Counter[Local]] = {}
    ruri_votes: dict[str | None, Counter[Local]] = {}

    def vote(table: dict[str | None, Counter[Local]], remote: str | None, local: Local) -> None:
        for key in (remote, None):
            table.setdefault(key, Counter())[local] += 1

    for rec, direction in zip(st.records, st.directions, strict=True):
        if direction is None:
            continue
        try:
            msg = parse_message(rec.raw)
        except SipParseError:
            continue
        remote = rec.dst if direction == "sent" else rec.src
        if direction == "sent":
            if msg.is_request and msg.top_via and ip_or_none(msg.top_via.host):
                vote(via_votes, remote, (msg.top_via.host, msg.top_via.port))
            for c in msg.contacts[:1]:
                if c.uri and ip_or_none(c.uri.host):
                    vote(contact_votes, remote, (c.uri.host, c.uri.port))
        elif msg.is_request and msg.ruri and ip_or_none(msg.ruri.host):
            vote(ruri_votes, remote, (msg.ruri.host, msg.ruri.port))

    def local_for(remote: str | None) -> Local | None:
        for key in (remote, None):
            for table in (via_votes, contact_votes, ruri_votes):
                votes = table.get(key)
                if votes:
                    return votes.most_common(1)[0][0]
        return None

    for rec, direction in zip(st.records, st.directions, strict=True):
        if direction == "sent" and rec.src is None:
            local = local_for(rec.dst)
            if local is not None:
                rec.src, rec.sport = local[0], local[1] or 5060
        elif direction == "received" and rec.dst is None:
            local = local_for(rec.src)
            if local is not None:
                rec.dst, rec.dport = local[0], local[1] or 5060

