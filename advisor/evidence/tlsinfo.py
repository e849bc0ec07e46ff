"""What an encrypted SIP-over-TLS capture still shows: the handshake's clear-text records.

A capture of SIP over TLS (port 5061, Secure Trunking) holds no readable SIP, but
its TCP and TLS handshake are in clear text (RFC 5246 section 7, RFC 8446 section 4):
whether the carrier's port answered at all (SYN-ACK or RST), the highest TLS
version the PBX offers (ClientHello, its supported_versions extension), the version
the server picks (ServerHello), the server name asked for (SNI), and an alert that
ends the handshake.  That is enough to tell a TLS version or certificate problem
from a firewall, without any key.

Only the first segment of a record is read: a handshake cut by TCP segmentation
still gives its version; nothing here needs reassembly.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from advisor.evidence.records import TraceRef

__all__ = ["SIP_TLS_PORT", "TlsEvent", "alert_name", "parse_tls_payload", "version_name"]

SIP_TLS_PORT = 5061  # RFC 3261 section 26.2.1: SIP over TLS

_VERSIONS = {0x0300: "SSL3.0", 0x0301: "TLS1.0", 0x0302: "TLS1.1", 0x0303: "TLS1.2", 0x0304: "TLS1.3"}
# RFC 8446 section 6 (and RFC 5246 7.2): the descriptions an engineer meets
_ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
           42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
           46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
           50: "decode_error", 51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
           80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension",
           112: "unrecognized_name", 116: "certificate_required", 120: "no_application_protocol"}
CERTIFICATE_ALERTS = frozenset({"bad_certificate", "unsupported_certificate", "certificate_revoked",
                                "certificate_expired", "certificate_unknown", "unknown_ca", "certificate_required"})


@dataclass(slots=True)
class TlsEvent:
    """One TCP or TLS handshake step of a flow to or from a SIP TLS port."""

    ref: TraceRef
    ts: float | None
    src: str | None
    dst: str | None
    sport: int
    dport: int
    # syn | syn_ack | reset | client_hello | server_hello | alert | application_data
    kind: str
    version: str | None = None  # ClientHello: the highest version offered; ServerHello: the one chosen
    alert: str | None = None  # alert description name
    sni: str | None = None  # the server name the ClientHello asks for

    def summary(self) -> str:
        flow = f"{self.src}:{self.sport} -> {self.dst}:{self.dport}"
        what = {"syn": "TCP SYN", "syn_ack": "TCP SYN-ACK", "reset": "TCP RST", "application_data": "TLS data"}.get(
            self.kind, f"TLS {self.kind.replace('_', ' ')}")
        extra = ", ".join(x for x in (self.version, self.alert, f"SNI {self.sni}" if self.sni else None) if x)
        return f"{what} {flow}" + (f" ({extra})" if extra else "")


def version_name(code: int) -> str:
    return _VERSIONS.get(code, f"0x{code:04x}")


def alert_name(code: int) -> str:
    return _ALERTS.get(code, f"alert {code}")


def parse_tls_payload(payload: bytes) -> list[tuple[str, str | None, str | None, str | None]]:
    """(kind, version, alert, sni) for each clear-text TLS record at the start of a TCP payload;
    [] when the payload does not start with a TLS record."""
    out: list[tuple[str, str | None, str | None, str | None]] = []
    p = 0
    while p + 5 <= len(payload) and len(out) < 8:
        ctype, major, minor, length = payload[p], payload[p + 1], payload[p + 2], struct.unpack_from("!H", payload, p + 3)[0]
        if major != 3 or minor > 4 or ctype not in (20, 21, 22, 23) or length == 0 or length > 18432:
            break
        body = payload[p + 5:p + 5 + length]
        if ctype == 22:
            out.extend(_handshakes(body))
        elif ctype == 21 and len(body) >= 2 and length == 2:  # a clear-text alert (an encrypted one is longer)
            out.append(("alert", None, alert_name(body[1]), None))
        elif ctype == 23:
            out.append(("application_data", None, None, None))
            break
        p += 5 + length
    return out


def _handshakes(body: bytes) -> list[tuple[str, str | None, str | None, str | None]]:
    out: list[tuple[str, str | None, str | None, str | None]] = []
    q = 0
    while q + 4 <= len(body):
        htype = body[q]
        hlen = int.from_bytes(body[q + 1:q + 4], "big")
        msg = body[q + 4:q + 4 + hlen]  # may be cut at the segment's end: read what is there
        if htype == 1:
            version, sni = _client_hello(msg)
            out.append(("client_hello", version, None, sni))
        elif htype == 2:
            out.append(("server_hello", _server_hello(msg), None, None))
        else:
            break  # certificates and the rest: encrypted in TLS 1.3, not needed in 1.2
        q += 4 + hlen
    return out


def _extensions(msg: bytes, start: int) -> dict[int, bytes]:
    exts: dict[int, bytes] = {}
    if start + 2 > len(msg):
        return exts
    end = min(len(msg), start + 2 + struct.unpack_from("!H", msg, start)[0])
    p = start + 2
    while p + 4 <= end:
        etype, elen = struct.unpack_from("!HH", msg, p)
        exts[etype] = msg[p + 4:p + 4 + elen]
        p += 4 + elen
    return exts


def _client_hello(msg: bytes) -> tuple[str | None, str | None]:
    if len(msg) < 35:
        return None, None
    best = struct.unpack_from("!H", msg, 0)[0]
    p = 34
    try:
        p += 1 + msg[p]  # session id
        p += 2 + struct.unpack_from("!H", msg, p)[0]  # cipher suites
        p += 1 + msg[p]  # compression methods
    except (IndexError, struct.error):
        return version_name(best), None
    exts = _extensions(msg, p)
    versions = exts.get(43)  # supported_versions: a length byte, then two bytes a version
    if versions:
        offered = [struct.unpack_from("!H", versions, i)[0] for i in range(1, min(len(versions), 1 + versions[0]) - 1, 2)]
        real = [v for v in offered if v in _VERSIONS]  # GREASE values are not versions
        if real:
            best = max(real)
    sni = None
    name = exts.get(0)
    if name and len(name) > 5 and name[2] == 0:
        n = struct.unpack_from("!H", name, 3)[0]
        sni = name[5:5 + n].decode("ascii", "replace") or None
    return version_name(best), sni


def _server_hello(msg: bytes) -> str | None:
    if len(msg) < 38:
        return version_name(struct.unpack_from("!H", msg, 0)[0]) if len(msg) >= 2 else None
    chosen = struct.unpack_from("!H", msg, 0)[0]
    try:
        p = 34
        p += 1 + msg[p]  # session id
        p += 2 + 1  # cipher suite, compression method
    except IndexError:
        return version_name(chosen)
    selected = _extensions(msg, p).get(43)
    if selected and len(selected) == 2:
        chosen = struct.unpack_from("!H", selected, 0)[0]
    return version_name(chosen)
