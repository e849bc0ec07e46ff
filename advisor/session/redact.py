"""Mask secrets (always) and phone numbers (on request) in anything leaving the advisor.

Two layers, so no export format can leak: `redact_data` walks a structure
(pydantic dump, dict, list) and masks every string in it plus every value whose
key names a secret; `redact_text` masks the final rendered text again
(markdown, HTML, JSON text alike). Both are idempotent.

What counts as a secret: digest parameters that prove or replay a login
(response, cnonce, nonce, opaque; the username stays), Basic and Bearer
credentials, `password=`/`secret=`/`token=`/`api_key=`-style assignments in
any notation (key=value, key: value, "key": "value", "password is x"),
passwords in URIs (sip:user:pw@host, https://user:pw@host), Twilio Account
SIDs and API key SIDs (AC…/SK… + 32 hex), JWTs, AWS access keys and a few
well-known token prefixes.

Phone numbers (`numbers=True`) keep their last digits (4 for long numbers,
fewer for short ones) and their punctuation, the other digits become "x".
IP addresses, ports, dates, times, SIP status codes, cause ids and session ids
are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

MASK = "[redacted]"

# Quoted value in plain text, JSON text (\") or HTML (&quot; / &#34; / &#x27;).
_Q = r'(?:\\?"|&quot;|&#34;|&#x22;|\'|&#x27;|&#39;)'
# A bare value may contain "&" but not an HTML entity that closes it (&quot; etc.).
_BARE = r"(?:&(?:amp|#38);|[^\s,;\"'<>&\\]|&(?!quot;|#34;|#x22;|#39;|#x27;|lt;|gt;))+"
_VALUE = rf"(?:(?P<q>{_Q})(?P<qv>.*?)(?P=q)|(?P<uv>{_BARE}))"

_DIGEST_PARAMS = re.compile(
    rf"(?i)\b(?P<key>response|cnonce|nonce|opaque|nextnonce|rspauth)(?P<sep>\s*=\s*){_VALUE}")

_SECRET_KEYS = (r"pass(?:word|wd|phrase|code)?|pwd|secret|client[_-]?secret|api[_-]?secret|auth[_-]?token"
                r"|access[_-]?token|refresh[_-]?token|id[_-]?token|session[_-]?token|token|api[_-]?key|apikey"
                r"|private[_-]?key|sip[_-]?password|auth[_-]?password")
_KEY_RE = re.compile(rf"(?i)^(?:[\w.-]*[_.-])?(?:{_SECRET_KEYS})$")

# key=value / key: value / "key": "value" / key => value
_ASSIGN = re.compile(
    rf"(?i)(?P<key>(?<![\w-])(?:[\w.-]*[_.-])?(?:{_SECRET_KEYS}))(?P<kq>{_Q})?"
    rf"(?P<sep>\s*(?:=>|[=:])\s*){_VALUE}")
# "password is hunter2", "the secret was: x"
_PROSE = re.compile(r"(?i)\b(?P<key>password|passwd|passcode|pwd|secret|auth token|token|api key)"
                    r"(?P<sep>\s+(?:is|was)\s*:?\s*|\s*[=:]\s*)(?P<uv>(?:[^\s,;\"'<>&]|&(?!quot;|#34;|#x22;|#39;|#x27;|lt;|gt;)){3,})")
_AUTH_SCHEME = re.compile(r"(?i)(?P<key>\bBearer|(?:Authorization|Authenticate)\s*:\s*Basic)(?P<sep>\s+)"
                          r"(?P<uv>[A-Za-z0-9\-._~+/]{8,}=*)")
_URI_PASSWORD = re.compile(r"(?i)\b(?P<key>(?:sips?:|[a-z][a-z0-9+.-]*://)[^\s:@/;<>\"']+)(?P<sep>:)"
                           r"(?P<uv>[^\s@/;<>\"']+)(?=@)")
# Account SIDs and API key SIDs identify credentials; Call SIDs (CA…) are kept, support needs them.
_SIDS = re.compile(r"\b(?P<key>AC|SK)(?P<uv>[0-9a-fA-F]{32})\b")
# SID:token pairs (curl -u AC…:token) and -u/--user user:password
_SID_PAIR = re.compile(
    r"(?P<key>\b(?:AC|SK)(?:[0-9a-fA-F]{32}|\[redacted\]))(?P<sep>:)(?P<uv>[0-9A-Za-z]{16,})")
_USER_FLAG = re.compile(r"(?P<key>(?:^|\s)(?:-u|--user)\s+[^\s:]+)(?P<sep>:)(?P<uv>\S+)")
_TOKENS = re.compile(
    r"\b(?:eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWT
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe-style keys
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub
    r")")


def _mask_value(m: re.Match[str]) -> str:
    groups = m.groupdict()
    key, sep = groups.get("key") or "", groups.get("sep") or ""
    kq = groups.get("kq") or ""
    q = groups.get("q")
    if q is not None:
        if groups.get("qv") == MASK:
            return m.group(0)
        return f"{key}{kq}{sep}{q}{MASK}{q}"
    if groups.get("uv") is not None and m.string.startswith(MASK, m.start("uv")):
        return m.group(0)
    return f"{key}{kq}{sep}{MASK}"


def _mask_sid(m: re.Match[str]) -> str:
    return f"{m.group('key')}{MASK}"


def redact_secrets(text: str) -> str:
    """Mask every credential-like value in free text, whatever the notation."""
    if not text:
        return text
    text = _DIGEST_PARAMS.sub(_mask_value, text)
    text = _AUTH_SCHEME.sub(_mask_value, text)
    text = _URI_PASSWORD.sub(_mask_value, text)
    text = _ASSIGN.sub(_mask_value, text)
    text = _PROSE.sub(_mask_value, text)
    text = _SID_PAIR.sub(_mask_value, text)
    text = _USER_FLAG.sub(_mask_value, text)
    text = _SIDS.sub(_mask_sid, text)
    text = _TOKENS.sub(MASK, text)
    return text


# ---- phone numbers ---------------------------------------------------------
_NOT_BEFORE = r"(?<![\w.:/=#-])"
_NOT_AFTER = r"(?![\w.:/]|-\d)"
_PHONE_PATTERNS = [
    # +E.164, possibly punctuated: +14155550100, +1 (415) 555-0100, +44 20 7946 0958
    re.compile(rf"(?<![\w+]){_NOT_BEFORE}\+\d(?:[\s().-]{{0,2}}\d){{6,14}}{_NOT_AFTER}"),
    # user part of a sip:/tel: URI: sip:4155550100@, tel:+1-415-555-0100
    re.compile(r"(?<=sip:)\+?\d(?:[\d.-]){5,18}\d(?=[@;>\s]|$)"),
    re.compile(r"(?<=tel:)\+?\d(?:[\d.-]){5,18}\d(?=[@;>\s]|$)"),
    # NANP national: (415) 555-0100, 415-555-0100, 415.555.0100, 415 555 0100
    re.compile(rf"{_NOT_BEFORE}(?:\(\d{{3}}\)\s?|\d{{3}}[\s.-])\d{{3}}[\s.-]\d{{4}}{_NOT_AFTER}"),
    # trunk-prefix national (UK/EU): 020 7946 0958, 07700 900123, 0612-345678
    re.compile(rf"{_NOT_BEFORE}0\d{{1,4}}[\s-]\d{{3,4}}[\s-]?\d{{3,4}}{_NOT_AFTER}"),
    # bare national digits: 10 (NANP, never starting 0/1) or 11 (1 + NANP, or 0 + 10)
    re.compile(rf"{_NOT_BEFORE}(?:[2-9]\d{{9}}|1[2-9]\d{{9}}|0\d{{9,10}}|00\d{{9,13}}){_NOT_AFTER}"),
]
_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{2}[-./]\d{2}$|^\d{2}[-./]\d{2}[-./]\d{4}$")


def _mask_phone(m: re.Match[str]) -> str:
    raw = m.group(0)
    if _DATE_LIKE.match(raw.strip()):
        return raw
    digits = sum(ch.isdigit() for ch in raw)
    if digits < 7:
        return raw
    keep = 4 if digits >= 10 else 3 if digits >= 8 else 2
    out: list[str] = []
    seen = 0
    for ch in raw:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else "x")
        else:
            out.append(ch)
    return "".join(out)


def redact_numbers(text: str) -> str:
    """Mask phone numbers, keeping their last 2-4 digits."""
    if not text:
        return text
    for pattern in _PHONE_PATTERNS:
        text = pattern.sub(_mask_phone, text)
    return text


def redact_text(text: str, numbers: bool = False) -> str:
    """The final pass over rendered text: secrets always, phone numbers on request."""
    text = redact_secrets(text)
    return redact_numbers(text) if numbers else text


# ---- structures --------------------------------------------------------------
def is_secret_key(key: str) -> bool:
    return bool(_KEY_RE.match(key.strip()))


def redact_data(data: Any, numbers: bool = False) -> Any:
    """Redact every string of a JSON-like structure; values under secret-named keys are masked whole."""
    def fn(s: str) -> str:
        return redact_text(s, numbers)

    return _walk(data, fn)


def _walk(data: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for k, v in data.items():
            secret = isinstance(k, str) and is_secret_key(k)
            if secret and v not in (None, "", MASK) and not isinstance(v, bool):
                out[k] = MASK
            else:
                out[k] = _walk(v, fn)
        return out
    if isinstance(data, list | tuple):
        return [_walk(v, fn) for v in data]
    return data


M = TypeVar("M", bound=BaseModel)


def redact_model(model: M, numbers: bool = False) -> M:
    """A redacted copy of a pydantic model (validated again, so the type holds)."""
    data = redact_data(model.model_dump(mode="json"), numbers)
    return type(model).model_validate(data)
