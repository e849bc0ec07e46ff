"""SIP messages escaped inside structured log lines (JSON or logfmt).

Go, Node and Python SIP stacks log through structured loggers (zerolog, slog,
zap, logrus, pino, bunyan, structlog): one line per record, and a whole SIP
message inside one string value with its line breaks escaped (`\\r\\n`): a JSON
string, a logfmt `key="..."` value, or a Python repr `key='...'`.  The
line-based readers see no start line in such a log.  This module finds string
values that hold a SIP message, decodes them, and returns one message per
value with what the log says around it: the record's time, and the direction
and addresses when the text before the message states them (sipgo prints
`UDP read from <local> <- <remote>:` and `UDP write to <local> -> <remote>:`;
other stacks say `received from` / `sending to` an address).

Reading is bounded: lines longer than MAX_LINE are skipped, a line is looked
at only when it holds both `SIP/2.0` and an escaped line break, and a line
cut by the paste (a JSON record that does not close) is still read string by
string.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import datetime

from advisor.evidence.sipmsg import ip_or_none, is_start_line

__all__ = ["MAX_LINE", "EmbeddedSip", "find_embedded"]

MAX_LINE = 262_144  # longer lines are not looked at (a SIP message is at most a few KB)
_MESSAGE_KEYS = ("msg", "message", "event", "text")
_TIME_KEYS = ("time", "timestamp", "ts", "@timestamp", "t", "datetime", "date")
# what ends a quoted string or escapes a character inside one (see _quoted: one pass over the line)
_QUOTE_STOP = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "'": "'"}
_HOSTPORT = r"(\[[0-9A-Fa-f:.]{2,45}\]|\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9][\w.-]{0,252})(?::(\d{1,5}))?"
# sipgo: "<TRANSPORT> read from <local> <- <remote>:" / "<TRANSPORT> write to <local> -> <remote>:"
_SIPGO = re.compile(r"\b([A-Za-z]{2,4})\s+(read\s+from|write\s+to)\s+" + _HOSTPORT + r"\s*(<-|->)\s*" + _HOSTPORT,
                    re.IGNORECASE)
# other stacks: a direction word, then the far end ("received from 1.2.3.4:5060", "sending to udp/[::1]:5060")
_PEER = re.compile(r"\b(recv|received|receiving|incoming|read|in|send|sent|sending|outgoing|write|writing|out)\b"
                   r"[^\n]{0,40}?\b(from|to)\s+(?:(udp|tcp|tls|wss?|sctp)[:/])?" + _HOSTPORT, re.IGNORECASE)
_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9!%*+`'~._-]{0,63} *:")
_TRANSPORT_WORD = re.compile(r"\b(UDP|TCP|TLS|WSS?|SCTP)\b", re.IGNORECASE)


@dataclass(slots=True)
class EmbeddedSip:
    """One SIP message found inside a structured log line."""

    line: int  # 0-based index of the log line
    text: str  # the message, CRLF line ends
    ts: float | None = None  # the record's time (wall clock of the log, as text logs keep it)
    direction: str | None = None  # sent | received, seen from the host that wrote the log
    local: str | None = None
    local_port: int | None = None
    remote: str | None = None
    remote_port: int | None = None
    transport: str | None = None  # udp | tcp | tls | ws | wss


def find_embedded(lines: list[str]) -> list[EmbeddedSip]:
    """Every SIP message escaped inside a string value of a JSON or logfmt log line."""
    found: list[EmbeddedSip] = []
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE or "SIP/2.0" not in line or ("\\n" not in line and "\\r" not in line):
            continue
        values, record_time, said = _string_values(line)
        for value in values:
            emb = _message_in(value, i)
            if emb is not None:
                emb.ts = record_time
                if emb.direction is None and said:
                    _read_preamble(said, emb)  # the record's own message names the peer
                found.append(emb)
    return found


def _string_values(line: str) -> tuple[list[str], float | None, str]:
    """The decoded string values of a line holding SIP, the record's time when it says one, and
    the record's message text when the SIP message sits in a field of its own."""
    start = line.find("{")
    if start >= 0:
        try:
            obj = json.loads(line[start:])
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            values: list[str] = []
            _walk(obj, values, 0)
            said = " ".join(v for k in _MESSAGE_KEYS for v in [obj.get(k)] if isinstance(v, str) and "SIP/2.0" not in v)
            return [v for v in values if "SIP/2.0" in v], _record_time(obj), said
    # a record cut by the paste, or logfmt (key="value" with Go-style escapes): string by string
    values = []
    first = -1
    for start, raw in _quoted(line):
        if "SIP/2.0" in raw:
            values.append(_unescape(raw))
            first = start if first < 0 else first
    # the words before the first message ("... received from 1.2.3.4:5060 raw='INVITE ...'")
    return values, None, line[max(0, first - 400):first] if first > 0 else ""


def _quoted(line: str) -> list[tuple[int, str]]:
    """(position, raw text) of each quoted string in one pass over the line: a JSON or logfmt value in
    double quotes, or a Python repr in single quotes after `=`, `:`, `(`, `[`, `,` or a blank (an
    apostrophe in prose is no quote). A string the paste cut runs to the end of the line. Linear in
    the line's length whatever it holds (a regular expression here backtracks on unclosed quotes)."""
    out: list[tuple[int, str]] = []
    n = len(line)
    i = 0
    while i < n and len(out) < 256:
        c = line[i]
        if c != '"' and not (c == "'" and i > 0 and line[i - 1] in "=:([, "):
            i += 1
            continue
        stop = _QUOTE_STOP[c]
        j = i + 1
        while True:
            m = stop.search(line, j)
            if m is None:
                j = n
                break
            if m.group(0) == "\\":
                j = m.start() + 2
                continue
            j = m.start()
            break
        out.append((i, line[i + 1:j]))
        i = j + 1
    return out


def _walk(obj: object, out: list[str], depth: int) -> None:
    if depth > 8 or len(out) > 64:
        return
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, dict):
        for v in obj.values():
            _walk(v, out, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:64]:
            _walk(v, out, depth + 1)


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "ux" and len(code) > 1:
            try:
                return chr(int(code[1:], 16))
            except ValueError:
                return code
        return _SIMPLE.get(code, code)

    return _ESCAPE.sub(one, raw)


def _record_time(obj: dict[str, object]) -> float | None:
    for key in _TIME_KEYS:
        value = obj.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            v = float(value)
            if v > 1e14:  # microseconds
                v /= 1e6
            elif v > 1e11:  # milliseconds (pino, bunyan's numeric form)
                v /= 1e3
            return v if v > 1e8 else None
        if isinstance(value, str) and value[:4].isdigit():
            text = value.strip().replace("Z", "+00:00")
            try:
                dt = datetime.fromisoformat(text)
            except ValueError:
                continue
            # the log's own wall clock, as the other text readers keep it (no zone arithmetic)
            return calendar.timegm(dt.replace(tzinfo=None).timetuple()) + dt.microsecond / 1e6
    return None


def _message_in(value: str, line: int) -> EmbeddedSip | None:
    """The SIP message inside one decoded string, with what its preamble says."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for k, text in enumerate(lines[:20]):
        candidate = text.strip()
        if not is_start_line(candidate):
            # "UDP read from ... <- ...: INVITE sip:... SIP/2.0" on one line
            colon = candidate.rfind(": ")
            if colon < 0 or not is_start_line(candidate[colon + 2:]):
                continue
            preamble = "\n".join([*lines[:k], candidate[:colon]])
            rest = [candidate[colon + 2:], *lines[k + 1:]]
        else:
            preamble = "\n".join(lines[:k])
            rest = [candidate, *lines[k + 1:]]
        while rest and not rest[-1].strip():
            rest.pop()
        if not any(_HEADER.match(h) for h in rest[1:4]):
            return None  # a start line quoted in prose, not a message
        emb = EmbeddedSip(line=line, text="\r\n".join(rest) + "\r\n" + ("" if _has_body(rest) else "\r\n"))
        _read_preamble(preamble, emb)
        return emb
    return None


def _has_body(rest: list[str]) -> bool:
    return any(not t.strip() for t in rest)


def _split(host: str, port: str | None) -> tuple[str | None, int | None]:
    h = host.strip("[]")
    p = int(port) if port and int(port) <= 65535 else None
    if ip_or_none(h) is None:
        return None, p  # a name or "[::]": no usable address
    if h in ("0.0.0.0", "::"):
        return None, p  # the unspecified address a socket is bound to
    return h, p


def _read_preamble(text: str, emb: EmbeddedSip) -> None:
    if not text.strip():
        return
    tail = text[-400:]
    m = _SIPGO.search(tail)
    if m:
        emb.transport = m.group(1).lower()
        local, remote = _split(m.group(3), m.group(4)), _split(m.group(6), m.group(7))
        emb.local, emb.local_port = local
        emb.remote, emb.remote_port = remote
        emb.direction = "received" if m.group(2).lower().startswith("read") else "sent"
        return
    p = _PEER.search(tail)
    if p:
        word, prep = p.group(1).lower(), p.group(2).lower()
        incoming = word in ("recv", "received", "receiving", "incoming", "read", "in")
        if incoming == (prep == "from"):
            emb.direction = "received" if incoming else "sent"
            emb.remote, emb.remote_port = _split(p.group(4), p.group(5))
        if p.group(3):
            emb.transport = p.group(3).lower()
    if emb.transport is None:
        t = _TRANSPORT_WORD.search(tail)
        if t:
            emb.transport = t.group(1).lower()
