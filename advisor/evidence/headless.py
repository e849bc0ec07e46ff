"""Pastes that begin mid-headers: header blocks with no start line, kept as fragments.

An engineer (or a forum) often cuts a message above its first header line or
quotes only the headers that matter: Via, From, To, Call-ID, CSeq, Contact, maybe
an SDP body.  There is no method and no status, but the CSeq still names the
transaction, the tags and Call-ID still tie the block to its dialog, and some
findings need nothing more (a Session-Expires below RFC 4028's minimum, the
Contact and Record-Route an ACK must follow).

`header_blocks` finds such blocks in lines no SIP message took; `infer_kind` says
whether a block is a request or a response when a header proves it, and
"unknown" otherwise: nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from advisor.evidence.sipmsg import SipMessage, canonical_name

__all__ = ["HeaderBlock", "Kind", "header_blocks", "infer_kind"]

Kind = Literal["request", "response", "unknown"]

# headers that mark a block as SIP (at least two distinct ones must be there)
_CORE = frozenset({"via", "from", "to", "call-id", "cseq", "contact", "record-route", "max-forwards"})
# other SIP headers a block may hold between them
_KNOWN = _CORE | frozenset({
    "route", "session-expires", "min-se", "content-type", "content-length", "user-agent", "server", "allow",
    "supported", "require", "accept", "expires", "reason", "warning", "p-asserted-identity", "remote-party-id",
    "privacy", "diversion", "rseq", "rack", "authorization", "proxy-authorization", "www-authenticate",
    "proxy-authenticate", "event", "subscription-state", "refer-to", "referred-by", "replaces", "date",
    "organization", "allow-events", "p-preferred-identity", "identity", "content-disposition", "accept-language",
    "unsupported", "retry-after", "timestamp", "subject", "call-info", "alert-info", "history-info", "path",
    "min-expires", "accept-encoding", "content-encoding", "in-reply-to", "priority", "reply-to", "mime-version",
})
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9!%*+`'~._-]{0,63}) *:[ \t]*(.*)$")
_SDP = re.compile(r"^[a-z]=\S")
MIN_LINES = 3


@dataclass(slots=True)
class HeaderBlock:
    """One run of header lines with no start line above it (0-based line index of its first line)."""

    line: int
    text: str  # the headers, an empty line, and the SDP body when one follows; CRLF line ends


def _name(line: str) -> str | None:
    m = _HEADER.match(line.strip()) if len(line) < 4096 else None
    if m is None:
        return None
    key = canonical_name(m.group(1))
    return key if key in _KNOWN or key.startswith("x-") else None


def header_blocks(lines: list[str], taken: list[bool]) -> list[HeaderBlock]:
    """Header blocks in the lines not `taken` by a message: at least MIN_LINES SIP header lines in a
    row that show they are SIP (see _is_sip)."""
    blocks: list[HeaderBlock] = []
    n = len(lines)
    i = 0
    while i < n:
        if taken[i] or _name(lines[i]) is None:
            i += 1
            continue
        j = i
        names: list[str] = []
        while j < n and not taken[j]:
            key = _name(lines[j])
            if key is None:
                break
            names.append(key)
            j += 1
        if len(names) >= MIN_LINES and _is_sip(lines[i:j], names):
            head = [lines[k].strip() for k in range(i, j)]
            body = _sdp_after(lines, taken, j, names)
            blocks.append(HeaderBlock(line=i, text="\r\n".join(head) + "\r\n\r\n"
                                      + ("\r\n".join(body) + "\r\n" if body else "")))
            j += len(body) + (1 if body else 0)
        i = max(j, i + 1)
    return blocks


_CSEQ = re.compile(r":\s*\d{1,10}\s+[A-Z]{3,10}\s*$")


def _is_sip(block: list[str], names: list[str]) -> bool:
    """A Via with the SIP/2.0 protocol name, a CSeq "<number> <METHOD>", or two core headers one of
    which holds a SIP URI: mail or HTTP headers (From, To, Subject) are not taken for SIP."""
    for line, key in zip(block, names, strict=True):
        if key == "via" and "SIP/2.0/" in line.upper():
            return True
        if key == "cseq" and _CSEQ.search(line):
            return True
    low = " ".join(block).lower()
    return len(_CORE.intersection(names)) >= 2 and ("sip:" in low or "sips:" in low or "tel:" in low)


def _sdp_after(lines: list[str], taken: list[bool], j: int, names: list[str]) -> list[str]:
    """The SDP body after a blank line, when the block says it has one (or the lines read as SDP)."""
    n = len(lines)
    if j >= n or lines[j].strip() or j + 1 >= n or taken[j + 1] or lines[j + 1].strip() != "v=0":
        return []
    body: list[str] = []
    k = j + 1
    while k < n and not taken[k] and _SDP.match(lines[k].strip()) and len(body) < 200:
        body.append(lines[k].strip())
        k += 1
    return body


def infer_kind(msg: SipMessage) -> Kind:
    """Request or response, when a header proves it; "unknown" otherwise.

    Max-Forwards travels only in requests (RFC 3261 8.1.1.6); RSeq only in reliable
    provisional responses (RFC 3262); an initial INVITE carries no To tag while every
    response that has a Contact or a body (1xx with a dialog, 2xx) carries one.
    """
    if msg.method is not None:
        return "request"
    if msg.status is not None:
        return "response"
    if msg.has("max-forwards"):
        return "request"
    if msg.has("rseq") or msg.has("server"):
        return "response"
    if msg.cseq_method == "INVITE" and not msg.to_tag and (msg.has("contact") or msg.sdp is not None):
        return "request"
    return "unknown"
