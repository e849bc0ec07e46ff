"""A tolerant RFC 3261 message parser: start line, headers, body.

Only what the trace findings need, but done properly: compact header forms,
case-insensitive names, folded (continuation) lines, comma-separated values
split outside quotes and angle brackets, name-addr vs addr-spec, SIP/SIPS/tel
URIs with user, host, port and parameters, Via with its parameters, and the
body cut by Content-Length.

`parse_message` raises `SipParseError` (a ValueError) for anything that is not
a SIP message; callers report it as a warning and skip the message.  No
regular expression here can backtrack badly: every pattern is anchored and
linear.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.evidence.sdp import SessionDescription

__all__ = [
    "COMPACT_FORMS",
    "NameAddr",
    "SipMessage",
    "SipParseError",
    "SipUri",
    "Via",
    "canonical_name",
    "is_start_line",
    "parse_message",
    "parse_name_addr",
    "parse_uri",
    "parse_via",
    "split_header_values",
]


class SipParseError(ValueError):
    """The text is not a (usable) SIP message; str() says why."""


# RFC 3261 7.3.3 plus the later RFCs' compact forms.
COMPACT_FORMS: dict[str, str] = {
    "a": "accept-contact",
    "b": "referred-by",
    "c": "content-type",
    "d": "request-disposition",
    "e": "content-encoding",
    "f": "from",
    "i": "call-id",
    "j": "reject-contact",
    "k": "supported",
    "l": "content-length",
    "m": "contact",
    "n": "identity-info",
    "o": "event",
    "r": "refer-to",
    "s": "subject",
    "t": "to",
    "u": "allow-events",
    "v": "via",
    "x": "session-expires",
    "y": "identity",
}

# Headers whose value is a comma-separated list (RFC 3261 7.3.1); others are
# kept whole (Authorization, Date, User-Agent... contain commas of their own).
_LIST_HEADERS = frozenset({
    "via", "route", "record-route", "contact", "allow", "supported", "require",
    "proxy-require", "unsupported", "accept", "accept-encoding", "accept-language",
    "allow-events", "content-encoding", "in-reply-to", "path", "service-route",
    "p-asserted-identity", "p-preferred-identity", "remote-party-id", "diversion",
    "history-info", "reason", "warning", "security-client", "security-server",
    "security-verify", "accept-contact", "reject-contact", "request-disposition",
})

_REQUEST_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_.!%*+`'~-]{0,31}) +([A-Za-z][A-Za-z0-9+.-]{0,15}:\S+) +SIP/2\.0 *$",
                           re.IGNORECASE)
_STATUS_LINE = re.compile(r"^SIP/2\.0 +([1-6]\d\d)(?: +(.*?))? *$", re.IGNORECASE)
_HEADER_NAME = re.compile(r"^([A-Za-z0-9!%*+`'~._-]{1,64}) *[:：]")  # fullwidth colon: pasted through a chat tool

MAX_MESSAGE_BYTES = 1 << 20
MAX_HEADERS = 400


def canonical_name(name: str) -> str:
    """Lower-case long form of a header name ('i' -> 'call-id', 'Call-ID' -> 'call-id')."""
    low = name.strip().lower()
    return COMPACT_FORMS.get(low, low)


def is_start_line(line: str) -> bool:
    """True for a SIP request line or status line (after trailing whitespace is removed)."""
    text = line.strip()
    if len(text) > 2048:
        return False
    return bool(_REQUEST_LINE.match(text) or _STATUS_LINE.match(text))


def split_header_values(value: str) -> list[str]:
    """Split a header value at commas that are outside quotes and angle brackets."""
    out: list[str] = []
    buf: list[str] = []
    in_quote = False
    angle = 0
    escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
            continue
        if in_quote:
            if ch == "\\":
                escaped = True
            elif ch == '"':
                in_quote = False
            buf.append(ch)
            continue
        if ch == '"':
            in_quote = True
        elif ch == "<":
            angle += 1
        elif ch == ">" and angle:
            angle -= 1
        elif ch == "," and angle == 0:
            part = "".join(buf).strip()
            if part:
                out.append(part)
            buf = []
            continue
        buf.append(ch)
    part = "".join(buf).strip()
    if part:
        out.append(part)
    return out


def _split_params(text: str) -> list[str]:
    """Split at ';' outside quotes."""
    out: list[str] = []
    buf: list[str] = []
    in_quote = False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
        if ch == ";" and not in_quote:
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return out


def _parse_params(parts: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in parts:
        part = part.strip()
        if not part:
            continue
        name, sep, val = part.partition("=")
        params[name.strip().lower()] = val.strip().strip('"') if sep else ""
    return params


# --------------------------------------------------------------------------- URIs


@dataclass(frozen=True, slots=True)
class SipUri:
    """sip:/sips:/tel: URI split into its parts; `raw` keeps the text as written."""

    raw: str
    scheme: str
    user: str | None = None
    password: str | None = None
    host: str = ""
    port: int | None = None
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    headers: str = ""

    @property
    def user_number(self) -> str | None:
        """The user part without user parameters (';npdi', ';rn=...'), or the tel: number."""
        if self.user is None:
            return None
        return self.user.split(";", 1)[0]

    @property
    def host_is_ip(self) -> bool:
        return ip_or_none(self.host) is not None

    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host

    def same_target(self, other: SipUri) -> bool:
        """Same user, host and port (default port 5060/5061 filled in); parameters ignored."""
        return (
            (self.user or "") == (other.user or "")
            and self.host.lower() == other.host.lower()
            and self.effective_port() == other.effective_port()
        )

    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 5061 if self.scheme == "sips" or self.params.get("transport", "").lower() == "tls" else 5060


def ip_or_none(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not host:
        return None
    return _ip_cached(host)


@lru_cache(maxsize=65536)
def _ip_cached(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip().strip("[]")
    if "%" in text:
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _split_hostport(text: str) -> tuple[str, int | None]:
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return text.strip("[]"), None
        host = text[1:end]
        rest = text[end + 1:]
        if rest.startswith(":") and rest[1:].isdigit():
            return host, int(rest[1:])
        return host, None
    if text.count(":") > 1:  # bare IPv6 (not allowed in SIP, but pasted anyway)
        return text, None
    host, sep, port = text.partition(":")
    if sep and port.isdigit() and len(port) <= 5:
        return host, int(port)
    return host, None


def parse_uri(text: str) -> SipUri | None:
    """Parse a SIP/SIPS/tel (or any scheme:...) URI; None when there is no scheme."""
    raw = text.strip().strip("<>").strip()
    scheme, sep, rest = raw.partition(":")
    if not sep or not scheme or not scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
        return None
    scheme = scheme.lower()
    headers = ""
    if "?" in rest:
        rest, _, headers = rest.partition("?")
    if scheme == "tel":
        parts = _split_params(rest)
        return SipUri(raw=raw, scheme=scheme, user=parts[0], host="", params=_parse_params(parts[1:]), headers=headers)
    user: str | None = None
    password: str | None = None
    if "@" in rest:
        userinfo, _, rest = rest.partition("@")
        user, psep, pw = userinfo.partition(":")
        password = pw if psep else None
    parts = _split_params(rest)
    host, port = _split_hostport(parts[0])
    return SipUri(raw=raw, scheme=scheme, user=user, password=password, host=host, port=port,
                  params=_parse_params(parts[1:]), headers=headers)


@dataclass(frozen=True, slots=True)
class NameAddr:
    """A From/To/Contact/Route-style value: optional display name, URI, header parameters."""

    raw: str
    display: str | None
    uri: SipUri | None
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")


def parse_name_addr(value: str) -> NameAddr:
    """name-addr (`"Bob" <sip:bob@host>;tag=x`) or addr-spec (`sip:bob@host;tag=x`)."""
    text = value.strip()
    lt = _find_outside_quotes(text, "<")
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            gt = len(text)
        display = text[:lt].strip().strip('"').strip() or None
        uri = parse_uri(text[lt + 1:gt])
        params = _parse_params(_split_params(text[gt + 1:])[1:]) if gt < len(text) else {}
        return NameAddr(raw=text, display=display, uri=uri, params=params)
    if text == "*":
        return NameAddr(raw=text, display=None, uri=None)
    # addr-spec: parameters after the URI belong to the header (RFC 3261 20.10),
    # except that a tel:/user part may contain ';' before the '@'.
    at = text.find("@")
    split_from = at if at >= 0 else 0
    semi = text.find(";", split_from)
    uri_text, params_text = (text, "") if semi < 0 else (text[:semi], text[semi:])
    return NameAddr(raw=text, display=None, uri=parse_uri(uri_text),
                    params=_parse_params(_split_params(params_text)[1:]) if params_text else {})


def _find_outside_quotes(text: str, ch: str) -> int:
    in_quote = False
    for i, c in enumerate(text):
        if c == '"':
            in_quote = not in_quote
        elif c == ch and not in_quote:
            return i
    return -1


@dataclass(frozen=True, slots=True)
class Via:
    """One Via value: `SIP/2.0/UDP host:port;branch=...;received=...;rport=...`."""

    raw: str
    transport: str
    host: str
    port: int | None
    params: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def received(self) -> str | None:
        return self.params.get("received") or None

    @property
    def rport(self) -> str | None:
        return self.params.get("rport")

    def hostport(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port is not None else host


def parse_via(value: str) -> Via | None:
    text = value.strip()
    parts = _split_params(text)
    head = parts[0].strip()
    # "SIP / 2.0 / UDP host:port": the protocol may carry blanks around '/'.
    slash = head.rfind("/")
    if slash < 0:
        return None
    after = head[slash + 1:].strip()
    proto_end = 0
    while proto_end < len(after) and not after[proto_end].isspace():
        proto_end += 1
    transport = after[:proto_end].upper()
    sent_by = after[proto_end:].strip()
    if not transport or not sent_by:
        return None
    host, port = _split_hostport(sent_by)
    return Via(raw=text, transport=transport, host=host, port=port, params=_parse_params(parts[1:]))


# --------------------------------------------------------------------------- messages


@dataclass(slots=True)
class Header:
    name: str  # as written
    key: str  # canonical lower-case long form
    value: str


@dataclass
class SipMessage:
    """One parsed SIP message."""

    first_line: str
    method: str | None  # request method, None for responses
    request_uri: str | None
    status: int | None
    reason: str | None
    headers: list[Header]
    body: bytes
    warnings: list[str] = field(default_factory=list)
    content_length: int | None = None

    # -- basics
    @property
    def is_request(self) -> bool:
        return self.method is not None

    def header(self, name: str) -> str | None:
        """First value of a header (by any of its names), None when absent."""
        key = canonical_name(name)
        for h in self.headers:
            if h.key == key:
                return h.value
        return None

    def header_lines(self, name: str) -> list[str]:
        key = canonical_name(name)
        return [h.value for h in self.headers if h.key == key]

    def values(self, name: str) -> list[str]:
        """All values of a header: every occurrence, comma lists split (for list-type headers)."""
        key = canonical_name(name)
        out: list[str] = []
        for h in self.headers:
            if h.key != key:
                continue
            if key in _LIST_HEADERS:
                out.extend(split_header_values(h.value))
            else:
                out.append(h.value.strip())
        return out

    def has(self, name: str) -> bool:
        return self.header(name) is not None

    # -- commonly used fields
    @cached_property
    def call_id(self) -> str | None:
        v = self.header("call-id")
        return v.strip() if v else None

    @cached_property
    def cseq(self) -> tuple[int, str] | None:
        v = self.header("cseq")
        if not v:
            return None
        num, _, method = v.strip().partition(" ")
        try:
            return int(num), method.strip().upper()
        except ValueError:
            return None

    @property
    def cseq_method(self) -> str | None:
        return self.cseq[1] if self.cseq else None

    @cached_property
    def from_(self) -> NameAddr | None:
        v = self.header("from")
        return parse_name_addr(v) if v else None

    @cached_property
    def to(self) -> NameAddr | None:
        v = self.header("to")
        return parse_name_addr(v) if v else None

    @cached_property
    def vias(self) -> list[Via]:
        return [v for v in (parse_via(x) for x in self.values("via")) if v is not None]

    @property
    def top_via(self) -> Via | None:
        return self.vias[0] if self.vias else None

    @property
    def branch(self) -> str | None:
        top = self.top_via
        return top.branch if top else None

    @cached_property
    def contacts(self) -> list[NameAddr]:
        return [parse_name_addr(x) for x in self.values("contact")]

    @cached_property
    def record_route(self) -> list[NameAddr]:
        return [parse_name_addr(x) for x in self.values("record-route")]

    @cached_property
    def route(self) -> list[NameAddr]:
        return [parse_name_addr(x) for x in self.values("route")]

    @cached_property
    def ruri(self) -> SipUri | None:
        return parse_uri(self.request_uri) if self.request_uri else None

    @property
    def user_agent(self) -> str | None:
        return self.header("user-agent") if self.is_request else (self.header("server") or self.header("user-agent"))

    @property
    def content_type(self) -> str | None:
        v = self.header("content-type")
        return v.split(";", 1)[0].strip().lower() if v else None

    @cached_property
    def sdp(self) -> SessionDescription | None:
        """The SDP body (also the SDP part of a multipart body), None when there is none."""
        from advisor.evidence.sdp import find_sdp

        return find_sdp(self.content_type, self.header("content-type"), self.body)

    def int_header(self, name: str) -> int | None:
        v = self.header(name)
        if v is None:
            return None
        digits = v.split(";", 1)[0].strip()
        return int(digits) if digits.isdigit() and len(digits) < 12 else None

    def summary(self) -> str:
        """'INVITE' or '200 OK' (with the CSeq method for responses: '200 OK (INVITE)')."""
        if self.is_request:
            return self.method or ""
        text = f"{self.status} {self.reason or ''}".strip()
        return f"{text} ({self.cseq_method})" if self.cseq_method else text

    def text(self) -> str:
        head = "\r\n".join([self.first_line, *(f"{h.name}: {h.value}" for h in self.headers)])
        return head + "\r\n\r\n" + self.body.decode("utf-8", "replace")


def _lines(text: str) -> Iterator[str]:
    # splitlines() also breaks at \x0b, \x1c.. and U+2028; SIP knows only CR and LF.
    start = 0
    n = len(text)
    while start <= n:
        i = text.find("\n", start)
        if i < 0:
            line = text[start:]
            yield line[:-1] if line.endswith("\r") else line
            return
        line = text[start:i]
        yield line[:-1] if line.endswith("\r") else line
        start = i + 1


def parse_message(data: bytes | str, *, partial: bool = False) -> SipMessage:
    """Parse one SIP message; raise SipParseError when it is not one.

    partial=True keeps a message cut by a forum or an engineer (no Call-ID or CSeq)
    as a fragment instead of refusing it."""
    if isinstance(data, bytes):
        if len(data) > MAX_MESSAGE_BYTES:
            raise SipParseError(f"message too large ({len(data)} bytes)")
        text = data.decode("utf-8", "replace")
    else:
        text = data
        if len(text) > MAX_MESSAGE_BYTES:
            raise SipParseError(f"message too large ({len(text)} characters)")
    # Leading blank lines (keep-alive CRLFs) are allowed before a message.
    stripped = text.lstrip("\r\n")
    head_end, body_start = _find_head_end(stripped)
    head = stripped[:head_end]
    body_text = stripped[body_start:] if body_start >= 0 else ""
    lines = list(_lines(head))
    if not lines or not lines[0].strip():
        raise SipParseError("empty message")
    first = lines[0].strip()
    method = request_uri = reason = None
    status: int | None = None
    m = _REQUEST_LINE.match(first)
    if m:
        method = m.group(1).upper()
        request_uri = m.group(2)
    else:
        s = _STATUS_LINE.match(first)
        if not s:
            shown = first if len(first) <= 60 else first[:57] + "..."
            raise SipParseError(f"not a SIP request or status line: {shown!r}")
        status = int(s.group(1))
        reason = (s.group(2) or "").strip()
    warnings: list[str] = []
    headers: list[Header] = []
    for raw_line in lines[1:]:
        if not raw_line.strip():
            continue
        if raw_line[:1] in (" ", "\t") and headers:
            # folding: a continuation line belongs to the previous header (RFC 3261 7.3.1)
            headers[-1].value = f"{headers[-1].value} {raw_line.strip()}".strip()
            continue
        hm = _HEADER_NAME.match(raw_line)
        if not hm:
            shown = raw_line.strip()
            warnings.append(f"ignored a line that is not a header: {shown[:40]!r}")
            continue
        if len(headers) >= MAX_HEADERS:
            warnings.append(f"more than {MAX_HEADERS} headers; the rest ignored")
            break
        name = hm.group(1)
        headers.append(Header(name=name, key=canonical_name(name), value=raw_line[hm.end():].strip()))
    msg = SipMessage(first_line=first, method=method, request_uri=request_uri, status=status, reason=reason,
                     headers=headers, body=b"", warnings=warnings)
    body = body_text.encode("utf-8", "replace")
    clen = msg.int_header("content-length")
    msg.content_length = clen
    if clen is not None:
        if len(body) > clen:
            # Bytes beyond Content-Length belong to no message here (trailing
            # blank lines of a log, or padding): drop them.
            body = body[:clen]
        elif len(body) < clen:
            short = clen - len(body)
            # Pasted text loses \r and trailing blanks: a few bytes per line are normal.
            if short > max(8, body.count(b"\n") * 2 + 4):
                warnings.append(f"body is {len(body)} bytes but Content-Length says {clen} (truncated)")
    msg.body = body
    if msg.call_id is None and not partial:
        raise SipParseError(f"{msg.summary() or first} has no Call-ID header")
    if msg.cseq is None and not partial:
        raise SipParseError(f"{msg.summary() or first} has no valid CSeq header")
    return msg


def _find_head_end(text: str) -> tuple[int, int]:
    """(end of headers, start of body); body start -1 when there is no blank line."""
    best = -1
    best_len = 0
    for sep in ("\r\n\r\n", "\n\n", "\n\r\n", "\r\r"):
        i = text.find(sep)
        if i >= 0 and (best < 0 or i < best):
            best, best_len = i, len(sep)
    if best < 0:
        return len(text), -1
    return best, best + best_len
