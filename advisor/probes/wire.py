"""Network probes on the wire: SIP OPTIONS (UDP/TCP/TLS), ports, TLS handshakes, system DNS.

Standard library only, and nothing newer than Python 3.7: `advisor probe kit`
copies this very file into the script the customer runs on the PBX host, so
the probes from the engineer's laptop and from the PBX are the same code.

Every failure is a `WireResult` with an `outcome` word and a one-line
`summary`; nothing here raises for a network problem. Politeness lives here
too: every SIP request or handshake to a host first waits on a `HostLimiter`
(at most one request per `MIN_INTERVAL` per host), and UDP retransmissions
follow RFC 3261 Timer E (T1, doubling, capped at T2) within the probe timeout.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
import ssl
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple, Union

T1 = 0.5
"""RFC 3261 round-trip estimate: first UDP retransmission after T1."""
T2 = 4.0
"""RFC 3261 cap of the non-INVITE retransmission interval."""
MIN_INTERVAL = 0.25
"""Seconds between two requests to one host, whichever probe sends them (at most 4 per second)."""
MAX_RESPONSE = 16384
"""Bytes: a larger SIP response is reported as oversized, not parsed."""
DEFAULT_TIMEOUT = 5.0
USER_AGENT = "sip-trunk-advisor-probe"

Detail = Dict[str, Union[str, int, float, bool, None]]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class WireResult:
    """One probe's result: an outcome word, a sentence for people, and the raw detail."""

    probe: str
    role: str
    target: str
    outcome: str
    ok: bool
    summary: str
    started: str = field(default_factory=utc_now)
    elapsed_ms: float = 0.0
    details: Detail = field(default_factory=dict)
    sent: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, object]:
        return asdict(self)


class HostLimiter:
    """Spaces the requests to one host by `interval` seconds, across all probes of a run."""

    def __init__(self, interval: float = MIN_INTERVAL) -> None:
        self.interval = interval
        self._last: Dict[str, float] = {}
        self._locks: Dict[str, asyncio.Lock] = {}
        self.log: List[Tuple[str, float]] = []

    async def wait(self, host: str) -> None:
        """Return when a request to `host` may go: `interval` after the previous one actually went."""
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:  # first come, first served
            last = self._last.get(host)
            if last is not None:
                delay = last + self.interval - time.monotonic()
                while delay > 0:
                    await asyncio.sleep(delay)
                    delay = last + self.interval - time.monotonic()
            now = time.monotonic()
            self._last[host] = now
            self.log.append((host, now))

    def max_rate(self) -> Dict[str, int]:
        """Per host, the most requests sent within any one second."""
        out: Dict[str, int] = {}
        for host in {h for h, _ in self.log}:
            times = sorted(t for h, t in self.log if h == host)
            best = 0
            j = 0
            for i, t in enumerate(times):
                while times[j] <= t - 0.999:  # window (t-1 s, t]; 1 ms of timer jitter
                    j += 1
                best = max(best, i - j + 1)
            out[host] = best
        return out


# ---- SIP URIs and messages ---------------------------------------------------------------

_URI = re.compile(r"^(sips?):(?:([^@;?]+)@)?(\[[0-9a-fA-F:.]+\]|[^:;?\[\]]+)(?::(\d{1,5}))?((?:;[^?]*)?)$")


@dataclass
class SipTarget:
    scheme: str
    user: Optional[str]
    host: str
    port: Optional[int]
    params: Dict[str, str]

    @property
    def transport(self) -> str:
        if self.scheme == "sips":
            return "tls"
        return self.params.get("transport", "udp").lower()

    def default_port(self, transport: str) -> int:
        return self.port or (5061 if transport == "tls" else 5060)

    def text(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}:{user}{fmt_host(self.host)}{port}"


def parse_sip_uri(text: str) -> SipTarget:
    """`sip:[user@]host[:port][;params]`; ValueError with a readable reason otherwise."""
    raw = text.strip()
    if not raw.lower().startswith(("sip:", "sips:")):
        raw = "sip:" + raw
    m = _URI.match(raw)
    if m is None:
        raise ValueError(f"not a SIP URI: {text!r} (expected sip:[user@]host[:port])")
    scheme, user, host, port, params = m.groups()
    host = host.strip("[]")
    number = int(port) if port else None
    if number is not None and not 0 < number < 65536:
        raise ValueError(f"port out of range in {text!r}")
    named: Dict[str, str] = {}
    for part in (params or "").split(";"):
        if part:
            key, _, value = part.partition("=")
            named[key.lower()] = value
    transport = named.get("transport", "").lower()
    if transport and transport not in ("udp", "tcp", "tls"):
        raise ValueError(f"unsupported transport {transport!r} in {text!r} (udp, tcp or tls)")
    return SipTarget(scheme.lower(), user, host, number, named)


def fmt_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def new_token(n: int = 10) -> str:
    return os.urandom(n).hex()


def build_options(uri: str, transport: str, local_ip: str, local_port: int, branch: str, tag: str,
                  call_id: str, cseq: int = 1) -> str:
    """An RFC 3261 OPTIONS request (sections 8.1.1 and 11): Via with branch and rport (RFC 3581)."""
    sent_by = f"{fmt_host(local_ip)}:{local_port}"
    lines = [
        f"OPTIONS {uri} SIP/2.0",
        f"Via: SIP/2.0/{transport.upper()} {sent_by};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:probe@{fmt_host(local_ip)}>;tag={tag}",
        f"To: <{uri}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} OPTIONS",
        f"Contact: <sip:probe@{sent_by};transport={transport}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines)


class MalformedResponse(ValueError):
    pass


_COMPACT = {"v": "via", "i": "call-id", "f": "from", "t": "to", "m": "contact", "l": "content-length"}
_STATUS = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.*)$")


@dataclass
class SipResponse:
    status: int
    reason: str
    headers: List[Tuple[str, str]]

    def get(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def parse_response(data: bytes) -> SipResponse:
    """Status line and headers of a SIP response; MalformedResponse says what is wrong."""
    head, sep, _ = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, _ = data.partition(b"\n\n")
    if not sep:
        raise MalformedResponse("no blank line after the headers")
    text = head.decode("utf-8", errors="replace")
    lines = re.split(r"\r?\n", text)
    m = _STATUS.match(lines[0])
    if m is None:
        shown = lines[0][:60].encode("unicode_escape").decode("ascii")
        raise MalformedResponse(f"not a SIP status line: {shown!r}")
    headers: List[Tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            key, value = headers[-1]
            headers[-1] = (key, value + " " + line.strip())
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip() or " " in key.strip():
            shown = line[:60].encode("unicode_escape").decode("ascii")
            raise MalformedResponse(f"not a header line: {shown!r}")
        name = key.strip().lower()
        headers.append((_COMPACT.get(name, name), value.strip()))
    return SipResponse(int(m.group(1)), m.group(2).strip(), headers)


def _via_parts(via: str) -> Tuple[str, Dict[str, str]]:
    first = via.split(",")[0].strip()
    parts = first.split(";")
    params: Dict[str, str] = {}
    for p in parts[1:]:
        key, _, value = p.strip().partition("=")
        params[key.lower()] = value
    return parts[0].strip(), params


def check_response(resp: SipResponse, branch: str, call_id: str) -> Optional[str]:
    """Why the response does not belong to our request (None when it does)."""
    via = resp.get("via")
    if via is None:
        return "no Via header"
    _, params = _via_parts(via)
    if params.get("branch") != branch:
        return f"top Via branch {params.get('branch')!r} is not ours"
    if resp.get("call-id") != call_id:
        return "Call-ID is not ours"
    cseq = (resp.get("cseq") or "").split()
    if len(cseq) != 2 or cseq[1].upper() != "OPTIONS":
        return f"CSeq {resp.get('cseq')!r} is not OPTIONS"
    return None


def via_analysis(resp: SipResponse, sent_by: str, local_ip: str, local_port: int) -> Detail:
    """What the far end saw (RFC 3581 received/rport) and whether our Via came back as sent."""
    via = resp.get("via") or ""
    proto_host, params = _via_parts(via)
    echoed = proto_host.split()[-1] if proto_host.split() else ""
    received = params.get("received") or None
    rport = params.get("rport") or None
    seen_ip = received or local_ip
    seen_port = int(rport) if rport and rport.isdigit() else None
    nat = (received is not None and _norm_ip(received) != _norm_ip(local_ip)) or (
        seen_port is not None and seen_port != local_port)
    out: Detail = {
        "via_sent_by_sent": sent_by,
        "via_sent_by_returned": echoed,
        "via_received": received,
        "via_rport": rport,
        "seen_as": f"{fmt_host(seen_ip)}:{seen_port or local_port}",
        "nat": nat,
        "via_rewritten": echoed.lower() != sent_by.lower(),
        "rport_filled": bool(rport),
    }
    return out


def _norm_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return text


def response_details(resp: SipResponse) -> Detail:
    return {
        "status": resp.status,
        "reason": resp.reason,
        "server": resp.get("server") or resp.get("user-agent"),
        "allow": resp.get("allow"),
        "challenge": resp.get("proxy-authenticate") or resp.get("www-authenticate"),
    }


# ---- address resolution for a target ---------------------------------------------------

async def resolve_host(host: str, port: int, transport: str) -> Tuple[Optional[Tuple[int, str]], str]:
    """(family, address) of a host with the system resolver, or (None, reason)."""
    try:
        ip = ipaddress.ip_address(host)
        return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET, str(ip)), ""
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    try:
        infos = await loop.getaddrinfo(host, port, type=kind)
    except socket.gaierror as exc:
        return None, f"cannot resolve {host}: {exc.strerror}"
    for fam, _, _, _, addr in infos:
        if fam in (socket.AF_INET, socket.AF_INET6):
            return (fam, str(addr[0])), ""
    return None, f"no IPv4/IPv6 address for {host}"


def local_address_for(family: int, ip: str, port: int) -> Tuple[str, int]:
    """The source address the kernel would use towards ip:port (connecting UDP sends nothing)."""
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect((ip, port))
        name = s.getsockname()
        return str(name[0]), int(name[1])


# ---- SIP OPTIONS -------------------------------------------------------------------------

class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, queue: asyncio.Queue, tag: str) -> None:
        self.queue = queue
        self.tag = tag

    def datagram_received(self, data: bytes, addr: Tuple[str, int]) -> None:
        self.queue.put_nowait((self.tag, data, addr))

    def error_received(self, exc: Exception) -> None:
        self.queue.put_nowait(("error", exc, None))


def _udp_sockets(family: int, ip: str, port: int) -> Tuple[socket.socket, socket.socket, str, int]:
    """A socket connected to the target (its replies and ICMP errors) and an unconnected twin on
    the same local port, which receives what arrives from anywhere else."""
    conn = socket.socket(family, socket.SOCK_DGRAM)
    # bound before SO_REUSEADDR is set, so the kernel gives it a port no other probe shares
    conn.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    conn.connect((ip, port))
    local = conn.getsockname()
    other = socket.socket(family, socket.SOCK_DGRAM)
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        other.bind((local[0], local[1]))
    except OSError:
        other.close()
        other = socket.socket(family, socket.SOCK_DGRAM)  # never bound: receives nothing, harmless
    conn.setblocking(False)
    other.setblocking(False)
    return conn, other, str(local[0]), int(local[1])


def _schedule(timeout: float) -> List[float]:
    """Send times of a non-INVITE client transaction over UDP (Timer E) within `timeout`."""
    out, at, interval = [0.0], T1, T1
    while at < timeout:
        out.append(round(at, 3))
        interval = min(interval * 2, T2)
        at += interval
    return out


def options_plan(uri: str, transport: str, timeout: float) -> str:
    """What `options` would send, in words (for --dry-run)."""
    if transport == "udp":
        times = ", ".join(f"{t:g}" for t in _schedule(timeout))
        return (f"UDP: one OPTIONS, retransmitted per RFC 3261 Timer E at t = {times} s until a final response,"
                f" at most {len(_schedule(timeout))} transmissions in {timeout:g} s")
    return f"{transport.upper()}: one connection, one OPTIONS, wait up to {timeout:g} s for the final response"


async def sip_options(uri_text: str, transport: Optional[str] = None, *, role: str = "carrier",
                      timeout: float = DEFAULT_TIMEOUT, limiter: Optional[HostLimiter] = None,
                      probe: str = "options", dry_run: bool = False,
                      tls_context: Optional[ssl.SSLContext] = None) -> WireResult:
    """Send one OPTIONS to a SIP URI and report what came back (or why nothing did)."""
    started = utc_now()
    t0 = time.monotonic()
    limiter = limiter or HostLimiter()

    def done(outcome: str, ok: bool, summary: str, details: Optional[Detail] = None,
             sent: Optional[List[str]] = None) -> WireResult:
        return WireResult(probe, role, uri_text, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 1), details or {}, sent or [])

    try:
        target = parse_sip_uri(uri_text)
    except ValueError as exc:
        return done("error", False, str(exc))
    tp = (transport or target.transport).lower()
    if tp not in ("udp", "tcp", "tls"):
        return done("error", False, f"unsupported transport {tp!r} (udp, tcp or tls)")
    port = target.default_port(tp)
    request_uri = target.text()
    found, why = await resolve_host(target.host, port, tp)
    if found is None:
        return done("unresolvable", False, why, {"transport": tp})
    family, ip = found
    details: Detail = {"transport": tp, "address": ip, "port": port}
    branch, tag, call_id = "z9hG4bK" + new_token(8), new_token(4), new_token(10) + "@advisor"
    try:
        if dry_run:
            local_ip, local_port = local_address_for(family, ip, port)
            text = build_options(request_uri, tp, local_ip, local_port, branch, tag, call_id)
            details["plan"] = options_plan(request_uri, tp, timeout)
            return done("dry_run", True, f"would send OPTIONS to {fmt_host(ip)}:{port} over {tp.upper()}",
                        details, [text])
        if tp == "udp":
            return await _options_udp(done, details, request_uri, family, ip, port, branch, tag, call_id,
                                      timeout, limiter, t0)
        return await _options_stream(done, details, request_uri, tp, ip, port, target.host, branch, tag,
                                     call_id, timeout, limiter, t0, tls_context)
    except OSError as exc:
        return done(_os_outcome(exc), False, f"{tp.upper()} to {fmt_host(ip)}:{port}: {_os_text(exc)}", details)


def _os_outcome(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    return "unreachable"


def _os_text(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused (nothing listens there, or a firewall rejects it)"
    return f"no route or no network ({exc.strerror or exc.__class__.__name__})"


async def _options_udp(done, details: Detail, uri: str, family: int, ip: str, port: int, branch: str,
                       tag: str, call_id: str, timeout: float, limiter: HostLimiter, t0: float) -> WireResult:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    conn, other, local_ip, local_port = _udp_sockets(family, ip, port)
    t_conn, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(queue, "reply"), sock=conn)
    t_other, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(queue, "other"), sock=other)
    text = build_options(uri, "udp", local_ip, local_port, branch, tag, call_id)
    payload = text.encode()
    sent_by = f"{fmt_host(local_ip)}:{local_port}"
    details.update(local=sent_by)
    times = _schedule(timeout)
    sends: List[float] = []
    provisional: Optional[int] = None
    try:
        while True:
            # the timeout counts from the first transmission: waiting for a polite slot is not silence
            now = time.monotonic()
            due = (not sends or (provisional is None and len(sends) < len(times)
                                 and now >= sends[0] + times[len(sends)] and queue.empty()))
            if due:
                await limiter.wait(ip)
                t_conn.sendto(payload)
                sends.append(time.monotonic())
                continue
            deadline = sends[0] + timeout
            if now >= deadline:
                details.update(transmissions=len(sends), provisional=provisional)
                what = f"only a provisional {provisional}" if provisional else "no response"
                return done("timeout", False, f"{what} from {fmt_host(ip)}:{port} within {timeout:g} s"
                            f" ({len(sends)} transmissions over UDP)", details, [text])
            nxt = sends[0] + times[len(sends)] if len(sends) < len(times) and provisional is None else deadline
            try:
                kind, data, addr = await asyncio.wait_for(queue.get(), max(0.0, min(nxt, deadline) - now))
            except asyncio.TimeoutError:
                continue
            details["transmissions"] = len(sends)
            if kind == "error":
                assert isinstance(data, OSError)
                return done(_os_outcome(data), False, f"UDP to {fmt_host(ip)}:{port}: {_os_text(data)}"
                            " (ICMP error)" if isinstance(data, ConnectionRefusedError) else
                            f"UDP to {fmt_host(ip)}:{port}: {_os_text(data)}", details, [text])
            assert isinstance(data, bytes)
            if kind == "other":
                details["from"] = f"{fmt_host(addr[0])}:{addr[1]}"
                return done("unexpected_source", False,
                            f"a response came from {fmt_host(addr[0])}:{addr[1]}, not from {fmt_host(ip)}:{port}"
                            " (a NAT or firewall would drop it)", details, [text])
            result = _judge(done, details, data, branch, call_id, sent_by, local_ip, local_port, sends[0], [text])
            if isinstance(result, int):
                provisional = result
                continue
            if result is not None:
                return result
    finally:
        t_conn.close()
        t_other.close()


def _judge(done, details: Detail, data: bytes, branch: str, call_id: str, sent_by: str, local_ip: str,
           local_port: int, first_sent: float, sent: List[str]) -> Union[WireResult, int, None]:
    """A final response -> result; a provisional one -> its code; a stray one -> None (keep waiting)."""
    details["response_bytes"] = len(data)
    if len(data) > MAX_RESPONSE:
        return done("oversized", False, f"response of {len(data)} bytes is over the {MAX_RESPONSE}-byte limit;"
                    " not parsed", details, sent)
    try:
        resp = parse_response(data)
    except MalformedResponse as exc:
        return done("malformed", False, f"malformed response: {exc}", details, sent)
    wrong = check_response(resp, branch, call_id)
    if wrong is not None:
        details["stray"] = wrong
        return None
    if resp.status < 200:
        return resp.status
    details.update(response_details(resp))
    details.update(via_analysis(resp, sent_by, local_ip, local_port))
    details["rtt_ms"] = round((time.monotonic() - first_sent) * 1000, 1)
    summary = f"{resp.status} {resp.reason} in {details['rtt_ms']} ms"
    if details.get("server"):
        summary += f" from {details['server']}"
    if details.get("nat"):
        summary += f"; the far end sees us as {details['seen_as']} (NAT on the path)"
    if details.get("via_rewritten"):
        summary += "; our Via came back changed (a SIP ALG may rewrite headers)"
    return done("answered", True, summary, details, sent)


async def _options_stream(done, details: Detail, uri: str, tp: str, ip: str, port: int, host: str, branch: str,
                          tag: str, call_id: str, timeout: float, limiter: HostLimiter, t0: float,
                          tls_context: Optional[ssl.SSLContext]) -> WireResult:
    ctx: Optional[ssl.SSLContext] = None
    if tp == "tls":
        ctx = tls_context or _unverified_context()
    await limiter.wait(ip)
    t0 = time.monotonic()  # the timeout counts from the connection attempt, not the polite wait before it
    remaining = timeout
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(ip, port, ssl=ctx, server_hostname=(host if ctx and not is_ip(host) else None)),
            remaining)
    except asyncio.TimeoutError:
        return done("timeout", False, f"no {tp.upper()} connection to {fmt_host(ip)}:{port} within {timeout:g} s"
                    " (silently dropped?)", details)
    except ssl.SSLError as exc:
        return done("tls_failed", False, f"TLS handshake with {fmt_host(ip)}:{port} failed: {_ssl_text(exc)}", details)
    try:
        sock = writer.get_extra_info("sockname")
        local_ip, local_port = str(sock[0]), int(sock[1])
        sent_by = f"{fmt_host(local_ip)}:{local_port}"
        details["local"] = sent_by
        if ctx is not None:
            details["tls_version"] = writer.get_extra_info("ssl_object").version()
        text = build_options(uri, tp, local_ip, local_port, branch, tag, call_id)
        writer.write(text.encode())
        first = time.monotonic()
        await writer.drain()
        while True:
            remaining = t0 + timeout - time.monotonic()
            if remaining <= 0:
                raise asyncio.TimeoutError
            data = await asyncio.wait_for(_read_message(reader), remaining)
            result = _judge(done, details, data, branch, call_id, sent_by, local_ip, local_port, first, [text])
            if isinstance(result, WireResult):
                return result
    except asyncio.TimeoutError:
        return done("timeout", False, f"connected to {fmt_host(ip)}:{port} over {tp.upper()}, but no final response"
                    f" within {timeout:g} s", details)
    except _Oversized as exc:
        return done("oversized", False, str(exc), details)
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        return done("closed", False, f"{tp.upper()} connection closed by {fmt_host(ip)}:{port} before a response"
                    f" ({exc.__class__.__name__})", details)
    except ssl.SSLError as exc:
        return done("tls_failed", False, f"TLS error with {fmt_host(ip)}:{port}: {_ssl_text(exc)}", details)
    finally:
        writer.close()


class _Oversized(Exception):
    pass


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise _Oversized("response headers over the stream limit; not parsed") from None
    if len(head) > MAX_RESPONSE:
        raise _Oversized(f"response of {len(head)}+ bytes is over the {MAX_RESPONSE}-byte limit; not parsed")
    m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
    length = int(m.group(1)) if m else 0
    if length + len(head) > MAX_RESPONSE:
        raise _Oversized(f"response of {length + len(head)} bytes is over the {MAX_RESPONSE}-byte limit; not parsed")
    body = await reader.readexactly(length) if length else b""
    return head + body


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _unverified_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _ssl_text(exc: ssl.SSLError) -> str:
    return str(getattr(exc, "verify_message", None) or exc.reason or exc)


# ---- ports -----------------------------------------------------------------------------

async def port_check(host: str, port: int, transport: str = "tcp", *, role: str = "carrier",
                     timeout: float = DEFAULT_TIMEOUT, limiter: Optional[HostLimiter] = None,
                     dry_run: bool = False) -> WireResult:
    """TCP: does anything accept a connection? UDP: does a SIP OPTIONS get any answer?
    Outcomes: answered, refused (RST or ICMP), silent (nothing within the timeout), unreachable."""
    target = f"{fmt_host(host)}:{port}/{transport}"
    if transport == "udp":
        res = await sip_options(f"sip:{fmt_host(host)}:{port}", "udp", role=role, timeout=timeout,
                                limiter=limiter, probe="port", dry_run=dry_run)
        res.target = target
        res.details["method"] = "SIP OPTIONS over UDP"
        if res.outcome == "timeout":
            res.outcome, res.summary = "silent", f"UDP {target}: {res.summary} (dropped, or nothing listens)"
        elif res.outcome in ("answered", "malformed", "oversized", "unexpected_source"):
            res.summary = f"UDP {target} answers: {res.summary}"
            res.outcome, res.ok = "answered", True
        return res
    started, t0 = utc_now(), time.monotonic()
    limiter = limiter or HostLimiter()

    def done(outcome: str, ok: bool, summary: str) -> WireResult:
        return WireResult("port", role, target, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 1), {"method": "TCP connect"})

    found, why = await resolve_host(host, port, "tcp")
    if found is None:
        return done("unresolvable", False, why)
    if dry_run:
        return done("dry_run", True, f"would open one TCP connection to {fmt_host(found[1])}:{port} and close it")
    await limiter.wait(found[1])
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(found[1], port), timeout)
    except asyncio.TimeoutError:
        return done("silent", False, f"TCP {target}: no answer to the connection within {timeout:g} s (dropped)")
    except OSError as exc:
        return done(_os_outcome(exc), False, f"TCP {target}: {_os_text(exc)}")
    writer.close()
    return done("answered", True, f"TCP {target} accepts connections")


# ---- TLS -------------------------------------------------------------------------------

async def tls_check(host: str, port: int = 5061, *, role: str = "carrier", server_name: Optional[str] = None,
                    ca_file: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                    limiter: Optional[HostLimiter] = None, dry_run: bool = False) -> WireResult:
    """A TLS handshake: protocol version, cipher, the certificate's names and expiry, and
    whether the chain verifies (against `ca_file` or the system's trust store)."""
    started, t0 = utc_now(), time.monotonic()
    target = f"{fmt_host(host)}:{port}"
    name = server_name or (None if is_ip(host) else host)
    details: Detail = {"server_name": name}
    limiter = limiter or HostLimiter()

    def done(outcome: str, ok: bool, summary: str) -> WireResult:
        return WireResult("tls", role, target, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 1), details)

    found, why = await resolve_host(host, port, "tcp")
    if found is None:
        return done("unresolvable", False, why)
    ip = found[1]
    if dry_run:
        return done("dry_run", True, f"would make up to 3 TLS handshakes with {fmt_host(ip)}:{port} (no SIP sent)")
    verify = ssl.create_default_context(cafile=ca_file)
    verify.check_hostname = False  # names are checked below, so a mismatch and a bad chain are told apart
    remaining = lambda: timeout  # noqa: E731  (per handshake, after its polite wait)
    try:
        ok_chain, info, error = await _handshake(ip, port, verify, name, limiter, remaining())
        if not ok_chain:
            details["verify_error"] = error
            _, info, _ = await _handshake(ip, port, _unverified_context(), name, limiter, remaining())
            der = info.get("der")
            if isinstance(der, bytes):
                own = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
                own.check_hostname = False
                own.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0)
                got, parsed, _ = await _handshake(ip, port, own, name, limiter, remaining())
                if got:
                    info.update({k: v for k, v in parsed.items() if k != "der"})
    except asyncio.TimeoutError:
        return done("timeout", False, f"TLS {target}: no handshake within {timeout:g} s")
    except ssl.SSLError as exc:
        details["error"] = _ssl_text(exc)
        return done("handshake_failed", False, f"TLS {target}: handshake failed: {_ssl_text(exc)}")
    except OSError as exc:
        return done(_os_outcome(exc), False, f"TLS {target}: {_os_text(exc)}")
    for key in ("version", "cipher", "subject", "issuer", "names", "not_after", "days_left"):
        if key in info:
            details[key] = info[key]  # type: ignore[assignment]
    names = str(info.get("names") or "").split(", ")
    if name:
        details["names_match"] = _name_matches(name, [n for n in names if n])
    elif is_ip(host):
        details["names_match"] = _name_matches(host, [n for n in names if n])
    details["chain_verified"] = ok_chain
    problems = []
    if not ok_chain:
        problems.append(f"certificate does not verify: {details.get('verify_error')}")
    if details.get("names_match") is False:
        problems.append(f"certificate names ({info.get('names')}) do not cover {name or host}")
    days = info.get("days_left")
    if isinstance(days, (int, float)) and days < 0:
        problems.append("certificate expired")
    summary = f"{info.get('version')} with {target}, certificate for {info.get('names') or info.get('subject')}"
    if isinstance(days, (int, float)):
        summary += f", expires in {days:g} days"
    if problems:
        return done("bad_certificate", False, summary + "; " + "; ".join(problems))
    return done("established", True, summary + "; chain and names verify")


async def _handshake(ip: str, port: int, ctx: ssl.SSLContext, name: Optional[str], limiter: HostLimiter,
                     timeout: float) -> Tuple[bool, Dict[str, object], str]:
    await limiter.wait(ip)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(ip, port, ssl=ctx, server_hostname=name), timeout)
    except ssl.SSLCertVerificationError as exc:
        return False, {}, _ssl_text(exc)
    try:
        obj = writer.get_extra_info("ssl_object")
        info: Dict[str, object] = {"version": obj.version(), "cipher": (obj.cipher() or ("",))[0],
                                   "der": obj.getpeercert(binary_form=True)}
        cert = obj.getpeercert()
        if cert:
            info.update(_cert_summary(cert))
        return True, info, ""
    finally:
        writer.close()


def _cert_summary(cert: Dict[str, object]) -> Dict[str, object]:
    def flat(rdns: object) -> str:
        parts = []
        for rdn in rdns if isinstance(rdns, tuple) else ():
            for key, value in rdn:
                parts.append(f"{key}={value}")
        return ", ".join(parts)

    names = [str(v) for _, v in cert.get("subjectAltName", ())]  # type: ignore[attr-defined]
    out: Dict[str, object] = {"subject": flat(cert.get("subject")), "issuer": flat(cert.get("issuer")),
                              "names": ", ".join(names)}
    not_after = cert.get("notAfter")
    if isinstance(not_after, str):
        expires = ssl.cert_time_to_seconds(not_after)
        out["not_after"] = datetime.fromtimestamp(expires, timezone.utc).isoformat()
        out["days_left"] = round((expires - time.time()) / 86400, 1)
    return out


def _name_matches(name: str, names: List[str]) -> bool:
    """RFC 6125 in short: exact match, or a wildcard for the whole leftmost label."""
    name = name.lower().rstrip(".")
    for n in (x.lower().rstrip(".") for x in names):
        if n == name or (is_ip(name) and is_ip(n) and _norm_ip(n) == _norm_ip(name)):
            return True
        if n.startswith("*.") and "." in name and name.split(".", 1)[1] == n[2:]:
            return True
    return False


# ---- DNS with the system resolver (what the PBX itself gets) -------------------------------

async def system_resolve(name: str, *, role: str = "termination", timeout: float = DEFAULT_TIMEOUT) -> WireResult:
    """A/AAAA of a name through the host's own resolver (getaddrinfo), as its SIP stack would."""
    started, t0 = utc_now(), time.monotonic()
    loop = asyncio.get_running_loop()

    def done(outcome: str, ok: bool, summary: str, details: Optional[Detail] = None) -> WireResult:
        return WireResult("dns", role, name, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 1), {"resolver": "system", **(details or {})})

    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(name, None, type=socket.SOCK_DGRAM), timeout)
    except asyncio.TimeoutError:
        return done("timeout", False, f"{name}: the system resolver gave no answer within {timeout:g} s")
    except socket.gaierror as exc:
        code = exc.args[0] if exc.args else None
        if code == socket.EAI_NONAME:
            return done("nxdomain", False, f"{name}: no such name (system resolver)")
        if code == getattr(socket, "EAI_NODATA", -5):
            return done("no_answer", False, f"{name}: the name exists but has no address")
        if code == socket.EAI_AGAIN:
            return done("temporary_failure", False, f"{name}: temporary resolver failure (SERVFAIL, timeout or"
                        " no resolver reachable)")
        return done("error", False, f"{name}: {exc.strerror}")
    addresses = sorted({str(i[4][0]) for i in infos})
    return done("resolved", True, f"{name} -> {', '.join(addresses)} (system resolver)",
                {"addresses": ", ".join(addresses)})
