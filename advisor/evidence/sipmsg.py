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
import sys
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
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


@lru_cache(maxsize=1024)
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
    if "," not in value:
        part = value.strip()
        return [part] if part else []
    if '"' not in value and "<" not in value:
        return [p for p in (x.strip() for x in value.split(",")) if p]
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
    if '"' not in text:
        return text.split(";")
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


# The parsed objects a message hands out (From/To/Via/Contact/SDP...) are
# memoised per message, but only for the most recently used messages: a
# capture of 100,000 messages keeps the raw bytes and header offsets of each,
# and the parsed objects of at most _MEMO_LIMIT of them.
_MEMO_LIMIT = 2048
_memo_ring: deque[SipMessage] = deque()
_MISSING = object()
_RURI_HOSTS: dict[str, str | None] = {}  # Request-URI text -> its host (SipMessage.ruri_host)
_VIA_HOSTS: dict[str, object] = {}  # top Via text before its first ';' -> its host (top_via_host_branch)
_CONTACT_HOSTS: dict[str, object] = {}  # first Contact header value -> its URI's host (first_contact_host)
_NO_HOST = object()  # in those two: the text has no usable Via / no Contact part


class SipMessage:
    """One SIP message: its raw bytes, the start line, and where each header sits.

    Header values are decoded from the raw bytes when asked for; the parsed
    forms (From, To, Via, Contact, Route, SDP...) are built on first use and
    kept only for recently used messages (see _MEMO_LIMIT), so a kept message
    costs little more than its own bytes.
    """

    __slots__ = ("_folded", "_keys", "_memo", "_offs", "_raw", "_warnings", "call_id", "content_length", "cseq",
                 "method", "reason", "request_uri", "status")

    def __init__(self, raw: bytes, method: str | None, request_uri: str | None, status: int | None,
                 reason: str | None, keys: tuple[str, ...], offs: array[int], folded: dict[int, str] | None,
                 warnings: list[str] | None) -> None:
        self._raw = raw
        self.method = method  # request method, None for responses
        self.request_uri = request_uri
        self.status = status
        self.reason = reason
        self._keys = keys  # canonical name of each header, in order
        # offsets in _raw: first line start, end; body start, end; then per header name start, name end,
        # value start, value end
        self._offs = offs
        self._folded = folded  # header index -> value, for headers continued on further lines
        self._warnings = warnings or None
        self.content_length: int | None = None
        self._memo: dict[str, object] | None = None
        self.call_id: str | None = None
        self.cseq: tuple[int, str] | None = None

    # -- raw access
    def _value(self, i: int) -> str:
        if self._folded is not None and i in self._folded:
            return self._folded[i]
        o = self._offs
        return self._raw[o[4 * i + 6]:o[4 * i + 7]].decode("utf-8", "replace")

    def _name(self, i: int) -> str:
        o = self._offs
        return self._raw[o[4 * i + 4]:o[4 * i + 5]].decode("utf-8", "replace")

    @property
    def first_line(self) -> str:
        return self._raw[self._offs[0]:self._offs[1]].decode("utf-8", "replace").strip()

    @property
    def warnings(self) -> list[str]:
        """What was odd about the message (lines that are not headers, a short body); a copy."""
        return list(self._warnings) if self._warnings else []

    @property
    def headers(self) -> list[Header]:
        """Every header as written (built on each call; prefer header()/values())."""
        return [Header(name=self._name(i), key=k, value=self._value(i)) for i, k in enumerate(self._keys)]

    @property
    def body(self) -> bytes:
        return self._raw[self._offs[2]:self._offs[3]]

    @property
    def raw_size(self) -> int:
        return len(self._raw)

    def _memoised(self, name: str, build: Callable[[], object]) -> object:
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
            _memo_ring.append(self)
            if len(_memo_ring) > _MEMO_LIMIT:
                _memo_ring.popleft()._memo = None
        value = memo.get(name, _MISSING)
        if value is _MISSING:
            value = memo[name] = build()
        return value

    # -- basics
    @property
    def is_request(self) -> bool:
        return self.method is not None

    def header(self, name: str) -> str | None:
        """First value of a header (by any of its names), None when absent."""
        key = canonical_name(name)
        try:
            i = self._keys.index(key)  # C-level scan; keys are interned canonical names
        except ValueError:
            return None
        return self._value(i)

    def header_lines(self, name: str) -> list[str]:
        key = canonical_name(name)
        return [self._value(i) for i, k in enumerate(self._keys) if k == key]

    def values(self, name: str) -> list[str]:
        """All values of a header: every occurrence, comma lists split (for list-type headers)."""
        key = canonical_name(name)
        out: list[str] = []
        for i, k in enumerate(self._keys):
            if k != key:
                continue
            if key in _LIST_HEADERS:
                out.extend(split_header_values(self._value(i)))
            else:
                out.append(self._value(i).strip())
        return out

    def has(self, name: str) -> bool:
        return canonical_name(name) in self._keys

    @property
    def header_keys(self) -> tuple[str, ...]:
        """The canonical (lower-case, long-form) name of each header, in order."""
        return self._keys

    # -- commonly used fields
    @property
    def cseq_method(self) -> str | None:
        return self.cseq[1] if self.cseq else None

    @property
    def from_(self) -> NameAddr | None:
        return self._memoised("from", lambda: _name_addr_or_none(self.header("from")))  # type: ignore[return-value]

    @property
    def to(self) -> NameAddr | None:
        return self._memoised("to", lambda: _name_addr_or_none(self.header("to")))  # type: ignore[return-value]

    @property
    def vias(self) -> list[Via]:
        return self._memoised("vias", lambda: [v for v in (parse_via(x) for x in self.values("via"))  # type: ignore[return-value]
                                                if v is not None])

    @property
    def top_via(self) -> Via | None:
        return self.vias[0] if self.vias else None

    @property
    def branch(self) -> str | None:
        top = self.top_via
        return top.branch if top else None

    @property
    def from_tag(self) -> str | None:
        """The From tag, read straight from the header (no parsed object kept)."""
        return _tag_of(self._value(self._keys.index("from"))) if "from" in self._keys else None

    @property
    def to_tag(self) -> str | None:
        return _tag_of(self._value(self._keys.index("to"))) if "to" in self._keys else None

    @property
    def top_branch(self) -> str | None:
        """The top Via's branch, read from the first Via value (the same as .branch, without keeping .vias)."""
        via = self.first_via()
        return via.branch if via is not None else None

    def first_via(self) -> Via | None:
        """The top Via (the same as .top_via), parsed from the first Via value alone and not kept."""
        memo = self._memo
        if memo is not None and "vias" in memo:
            return self.top_via
        v = self.header("via")
        if v is not None and '"' not in v and "<" not in v:
            first = next((p for p in (x.strip() for x in v.split(",")) if p), None)
            via = parse_via(first) if first else None
            if via is not None:
                return via
        return self.top_via

    def top_via_host_branch(self) -> tuple[str | None, str | None] | None:
        """(host, branch) of the top Via, as first_via() gives them; None when there is no Via.

        The part before the first ';' (the protocol and sent-by, the same in every message a host
        sends) is read once per distinct text and remembered as a string; the branch is read from
        the parameters like parse_via does.  Anything unusual takes first_via() itself."""
        memo = self._memo
        if memo is None or "vias" not in memo:
            keys = self._keys
            v = self._value(keys.index("via")) if "via" in keys else None
            if v is not None and '"' not in v and "<" not in v:
                # one Via value (no comma) is what the split would give alone
                first = next((p for p in (x.strip() for x in v.split(",")) if p), None) if "," in v else v.strip()
                if first:
                    parts = first.split(";")
                    host = _VIA_HOSTS.get(parts[0], _MISSING)
                    if host is _MISSING:
                        via = parse_via(parts[0])
                        host = via.host if via is not None else _NO_HOST
                        if len(_VIA_HOSTS) < 100_000:
                            _VIA_HOSTS[parts[0]] = host
                    if type(host) is str:
                        branch: str | None = None
                        for part in parts[1:]:
                            name, sep, val = part.partition("=")
                            if name.strip().lower() == "branch":
                                branch = val.strip().strip('"') if sep else ""
                        return host, branch
        via = self.first_via()
        return (via.host, via.branch) if via is not None else None

    def first_contact_host(self) -> str | None:
        """The host of the first Contact's URI (first_contact().uri.host), None without one.
        Remembered per distinct Contact text, as a string: a party repeats its Contact in every
        message it sends, and no parsed object is built or shared."""
        keys = self._keys
        if "contact" not in keys:
            return None
        for i, k in enumerate(keys):
            if k != "contact":
                continue
            value = self._value(i)
            host = _CONTACT_HOSTS.get(value, _MISSING)
            if host is _MISSING:
                parts = split_header_values(value)
                if parts:
                    uri = parse_name_addr(parts[0]).uri
                    host = uri.host if uri is not None else None
                else:
                    host = _NO_HOST
                if len(_CONTACT_HOSTS) < 100_000:
                    _CONTACT_HOSTS[value] = host
            if host is not _NO_HOST:
                return host if type(host) is str else None
        return None

    def to_host(self) -> str | None:
        """The host of the To's URI (to.uri.host), None without one; parsed without keeping the parsed
        To in the message's memo (side detection asks it of every INVITE response once)."""
        memo = self._memo
        if memo is not None and "to" in memo:
            to = self.to
            return to.uri.host if to is not None and to.uri is not None else None
        keys = self._keys
        if "to" not in keys:
            return None
        to = _name_addr_or_none(self._value(keys.index("to")))
        return to.uri.host if to is not None and to.uri is not None else None

    def sdp_audio(self) -> tuple[str | None, int] | None:
        """None without an SDP body (as sdp_unkept() is None); else (sdp.audio_address(), the port of
        sdp.audio(), 0 when there is no audio stream).  A plain application/sdp body is scanned for
        its c= and m= lines alone (sdp.audio_connection) instead of being parsed whole."""
        o = self._offs
        if o[2] >= o[3]:
            return None
        memo = self._memo
        if memo is None or "sdp" not in memo:
            body = self._raw[o[2]:o[3]]
            if not body.strip():
                return None
            ctype = self.content_type
            if ctype == "application/sdp" or ctype is None:
                text = body.decode("utf-8", "replace")
                if ctype is not None or text.lstrip().startswith("v="):
                    from advisor.evidence.sdp import audio_connection

                    return audio_connection(text)
                return None
        sdp = self.sdp_unkept()
        if sdp is None:
            return None
        media = sdp.audio()
        return sdp.address_of(media), media.port if media is not None else 0

    @property
    def contacts(self) -> list[NameAddr]:
        return self._memoised("contact", lambda: [parse_name_addr(x) for x in self.values("contact")])  # type: ignore[return-value]

    def first_contact(self) -> NameAddr | None:
        """The first Contact (the same as contacts[0]), parsed alone and not kept."""
        memo = self._memo
        if memo is not None and "contact" in memo:
            kept = self.contacts
            return kept[0] if kept else None
        for i, k in enumerate(self._keys):
            if k == "contact":
                parts = split_header_values(self._value(i))
                if parts:
                    return parse_name_addr(parts[0])
        return None

    def sdp_unkept(self) -> SessionDescription | None:
        """The SDP body like .sdp, parsed without keeping it (for a one-off look at every message)."""
        if self._offs[2] >= self._offs[3]:
            return None
        memo = self._memo
        if memo is not None and "sdp" in memo:
            return self.sdp
        return self._find_sdp()

    @property
    def record_route(self) -> list[NameAddr]:
        return self._memoised("rr", lambda: [parse_name_addr(x) for x in self.values("record-route")])  # type: ignore[return-value]

    @property
    def route(self) -> list[NameAddr]:
        return self._memoised("route", lambda: [parse_name_addr(x) for x in self.values("route")])  # type: ignore[return-value]

    @property
    def ruri(self) -> SipUri | None:
        return self._memoised("ruri", lambda: parse_uri(self.request_uri) if self.request_uri else None)  # type: ignore[return-value]

    def ruri_host(self) -> str | None:
        """The Request-URI's host (.ruri.host), None when there is no Request-URI or it is not a URI.
        Remembered per distinct Request-URI text (a string for a string: no parsed object is shared
        or kept), so side detection does not parse the Request-URI of every request."""
        text = self.request_uri
        if not text:
            return None
        host = _RURI_HOSTS.get(text, _MISSING)
        if host is _MISSING:
            uri = parse_uri(text)
            host = uri.host if uri is not None else None
            if len(_RURI_HOSTS) < 100_000:
                _RURI_HOSTS[text] = host
        return host  # type: ignore[return-value]

    @property
    def user_agent(self) -> str | None:
        keys = self._keys
        if self.method is None and "server" in keys:
            value = self._value(keys.index("server"))
            if value:
                return value
        return self._value(keys.index("user-agent")) if "user-agent" in keys else None

    @property
    def content_type(self) -> str | None:
        v = self.header("content-type")
        return v.split(";", 1)[0].strip().lower() if v else None

    @property
    def sdp(self) -> SessionDescription | None:
        """The SDP body (also the SDP part of a multipart body), None when there is none."""
        if self._offs[2] >= self._offs[3]:
            return None
        return self._memoised("sdp", self._find_sdp)  # type: ignore[return-value]

    def _find_sdp(self) -> SessionDescription | None:
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
        if self.status is None:  # a headless fragment (no start line)
            return f"{self.cseq_method or 'SIP'} transaction headers (no start line)"
        text = f"{self.status} {self.reason or ''}".strip()
        return f"{text} ({self.cseq_method})" if self.cseq_method else text

    def text(self) -> str:
        first = [self.first_line] if self.first_line else []  # a headless fragment has none
        head = "\r\n".join([*first, *(f"{h.name}: {h.value}" for h in self.headers)])
        return head + "\r\n\r\n" + self.body.decode("utf-8", "replace")


def _header_param(value: str | None, name: str) -> str | None:
    """A header parameter of a From/To-style value, as parse_name_addr(value).params.get(name) gives it."""
    if not value:
        return None
    if '"' in value:
        return parse_name_addr(value).params.get(name)
    text = value.strip()
    lt = text.find("<")
    if lt >= 0:
        gt = text.find(">", lt)
        if gt < 0:
            return None
        parts = text[gt + 1:].split(";")[1:]
    else:
        if text == "*":
            return None
        at = text.find("@")
        semi = text.find(";", at if at >= 0 else 0)
        if semi < 0:
            return None
        parts = text[semi:].split(";")[1:]
    found: str | None = None
    for part in parts:
        key, sep, val = part.strip().partition("=")
        if key.strip().lower() == name:
            found = val.strip().strip('"') if sep else ""
    return found


_TAGS: dict[str, str | None] = {}


def _tag_of(value: str) -> str | None:
    """_header_param(value, "tag"), remembered per distinct From/To text (a dialog repeats both in
    every message)."""
    tag = _TAGS.get(value, _MISSING)
    if tag is _MISSING:
        tag = _header_param(value, "tag")
        if len(_TAGS) < 100_000:
            _TAGS[value] = tag
    return tag  # type: ignore[return-value]


def _name_addr_or_none(value: str | None) -> NameAddr | None:
    return parse_name_addr(value) if value else None


_HEADER_NAME_B = re.compile(rb"([A-Za-z0-9!%*+`'~._-]{1,64}) *(?::|\xef\xbc\x9a)")  # fullwidth colon too
# a whole header line: name, colon, value (blanks and a trailing CR around it left out)
# (the value greedy up to its last non-blank: a lazy value re-tried the end of the line at every character)
_HEADER_LINE = re.compile(rb"^([A-Za-z0-9!%*+`'~._-]{1,64}) *(?::|\xef\xbc\x9a)[ \t]*((?:[^\r\n]*[^ \t\r\n])?)[ \t\r]*$",
                          re.M)
_KEYS: dict[bytes, str] = {}
_MAX_KEYS = 4096
_SPACE = b" \t\r\n\x0b\x0c"


def _key_of(name: bytes) -> str:
    key = _KEYS.get(name)
    if key is None:
        key = sys.intern(canonical_name(name.decode("ascii")))
        if len(_KEYS) < _MAX_KEYS:
            _KEYS[name] = key
    return key


def parse_message(data: bytes | str, *, partial: bool = False, headless: bool = False) -> SipMessage:
    """Parse one SIP message; raise SipParseError when it is not one.

    partial=True keeps a message cut by a forum or an engineer (no Call-ID or CSeq)
    as a fragment instead of refusing it.  headless=True (implies partial) also keeps
    a paste that begins mid-headers: no start line, so neither method nor status
    (first_line is empty; the CSeq still says which transaction it belongs to).

    Works on the bytes (a str is encoded as UTF-8 first): the start line is
    decoded, every header is kept as offsets into the bytes, and the body as
    a slice of them, cut at Content-Length.
    """
    partial = partial or headless
    if isinstance(data, str):
        if len(data) > MAX_MESSAGE_BYTES:
            raise SipParseError(f"message too large ({len(data)} characters)")
        data = data.encode("utf-8", "replace")
    elif len(data) > MAX_MESSAGE_BYTES:
        raise SipParseError(f"message too large ({len(data)} bytes)")
    raw = bytes(data)
    n = len(raw)
    # Leading blank lines (keep-alive CRLFs) are allowed before a message.
    start = 0
    while start < n and raw[start] in (10, 13):
        start += 1
    head_end, body_start = _find_head_end(raw, start)
    nl = raw.find(b"\n", start, head_end)
    first_end = head_end if nl < 0 else nl
    first = raw[start:first_end].decode("utf-8", "replace").strip()
    if not first:
        raise SipParseError("empty message")
    method = request_uri = reason = None
    status: int | None = None
    m = _REQUEST_LINE.match(first)
    if m:
        method = sys.intern(m.group(1).upper())
        request_uri = m.group(2)
    else:
        st = _STATUS_LINE.match(first)
        if st:
            status = int(st.group(1))
            reason = (st.group(2) or "").strip()
        elif headless and _HEADER_NAME_B.match(raw, start, first_end):
            first_end = nl = start  # no start line: the headers begin at once
        else:
            shown = first if len(first) <= 60 else first[:57] + "..."
            raise SipParseError(f"not a SIP request or status line: {shown!r}")
    warnings: list[str] = []
    keys: list[str] = []
    body_end = n if body_start >= 0 else 0
    if body_start < 0:
        body_start = 0
    offs = array("I", (start, first_end, body_start, body_end))
    folded: dict[int, str] | None = None
    hstart = (first_end + 1 if first_end > start else start) if nl >= 0 else head_end
    # one regex pass over the header lines: name, value without surrounding blanks.  A folded
    # (continuation) line or any other line that is not "name: value" does not match, so the count
    # of matches falls short of the count of lines and the lines are read one by one instead.
    known = _KEYS.get
    for hm in _HEADER_LINE.finditer(raw, hstart, head_end):
        name = hm.group(1)
        keys.append(known(name) or _key_of(name))
        offs.extend((hm.start(1), hm.end(1), hm.start(2), hm.end(2)))
    fast = len(keys) == raw.count(b"\n", start, head_end) and len(keys) <= MAX_HEADERS
    if not fast:
        keys.clear()
        del offs[4:]
        folded = _header_lines(raw, _head_lines(raw, hstart, head_end), keys, offs, warnings)
    ktuple = tuple(keys)
    msg = SipMessage(raw, method, request_uri, status, reason, ktuple, offs, folded, warnings)
    clen = None
    if "content-length" in ktuple:
        digits = msg._value(ktuple.index("content-length")).split(";", 1)[0].strip()  # as int_header reads it
        clen = int(digits) if digits.isdigit() and len(digits) < 12 else None
    msg.content_length = clen
    if clen is not None:
        blen = body_end - body_start
        if blen > clen:
            # Bytes beyond Content-Length belong to no message here (trailing
            # blank lines of a log, or padding): drop them.
            offs[3] = body_start + clen
        elif blen < clen:
            short = clen - blen
            # Pasted text loses \r and trailing blanks: a few bytes per line are normal.
            if short > max(8, raw.count(b"\n", body_start, body_end) * 2 + 4):
                msg._warnings = [*warnings, f"body is {blen} bytes but Content-Length says {clen} (truncated)"]
    cid = msg._value(ktuple.index("call-id")) if "call-id" in ktuple else None
    msg.call_id = cid.strip() or None if cid else None
    cs = msg._value(ktuple.index("cseq")) if "cseq" in ktuple else None
    if cs:
        num, _, cmethod = cs.strip().partition(" ")
        try:
            msg.cseq = (int(num), sys.intern(cmethod.strip().upper()))
        except ValueError:
            msg.cseq = None
    if msg.call_id is None and not partial:
        raise SipParseError(f"{msg.summary() or first} has no Call-ID header")
    if msg.cseq is None and not partial:
        raise SipParseError(f"{msg.summary() or first} has no valid CSeq header")
    return msg


def _head_lines(raw: bytes, pos: int, head_end: int) -> list[tuple[int, int]]:
    """(start, end) of each line from pos to head_end, a trailing CR left out."""
    lines: list[tuple[int, int]] = []
    while pos <= head_end:
        nl = raw.find(b"\n", pos, head_end)
        end = head_end if nl < 0 else nl
        lines.append((pos, end - 1 if end > pos and raw[end - 1] == 13 else end))
        if nl < 0:
            break
        pos = nl + 1
    return lines


def _header_lines(raw: bytes, lines: list[tuple[int, int]], keys: list[str], offs: array[int],
                  warnings: list[str]) -> dict[int, str] | None:
    """Header lines one by one: folded lines, lines that are not headers, too many headers."""
    folded: dict[int, str] | None = None
    match_name = _HEADER_NAME_B.match
    for ls, le in lines:
        if ls >= le:
            continue
        c0 = raw[ls]
        if c0 in _SPACE and not raw[ls:le].strip(_SPACE):
            continue
        if c0 in (32, 9) and keys:
            # folding: a continuation line belongs to the previous header (RFC 3261 7.3.1)
            i = len(keys) - 1
            if folded is None:
                folded = {}
            prev = folded[i] if i in folded else raw[offs[4 * i + 6]:offs[4 * i + 7]].decode("utf-8", "replace")
            folded[i] = f"{prev} {raw[ls:le].decode('utf-8', 'replace').strip()}".strip()
            continue
        hm = match_name(raw, ls, le)
        if not hm:
            shown = raw[ls:le].decode("utf-8", "replace").strip()
            warnings.append(f"ignored a line that is not a header: {shown[:40]!r}")
            continue
        if len(keys) >= MAX_HEADERS:
            warnings.append(f"more than {MAX_HEADERS} headers; the rest ignored")
            break
        vs, ve = hm.end(), le
        while vs < ve and raw[vs] in _SPACE:
            vs += 1
        while ve > vs and raw[ve - 1] in _SPACE:
            ve -= 1
        keys.append(_key_of(hm.group(1)))
        offs.extend((ls, hm.end(1), vs, ve))
    return folded


def _find_head_end(raw: bytes, start: int) -> tuple[int, int]:
    """(end of headers, start of body) from `start`; body start -1 when there is no blank line."""
    best = -1
    best_len = 0
    for sep in (b"\r\n\r\n", b"\n\n", b"\n\r\n", b"\r\r"):
        i = raw.find(sep, start, best + len(sep) if best >= 0 else len(raw))
        if i >= 0 and (best < 0 or i < best):
            best, best_len = i, len(sep)
    if best < 0:
        return len(raw), -1
    return best, best + best_len
