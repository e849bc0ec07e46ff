"""DNS the way a SIP client resolves a host (RFC 3263): NAPTR -> SRV -> A/AAAA, with dnspython.

Results keep every record with its TTL and each query's time, and tell the
failures apart: NXDOMAIN (the name does not exist), SERVFAIL (the server could
not answer), REFUSED, a timeout (a server that stays silent) and "no resolver
reachable" (nothing listens where the resolver should be, or no network).
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.message
import dns.rcode
import dns.resolver
from dns.rdtypes.IN.NAPTR import NAPTR
from dns.rdtypes.IN.SRV import SRV

from advisor.probes.wire import Detail, WireResult, is_ip, parse_sip_uri, utc_now

SIP_SERVICES = {"SIP+D2U": ("udp", "_sip._udp"), "SIP+D2T": ("tcp", "_sip._tcp"), "SIPS+D2T": ("tls", "_sips._tcp")}


class _Failed(Exception):
    def __init__(self, outcome: str, text: str) -> None:
        super().__init__(text)
        self.outcome = outcome
        self.text = text


def parse_server(text: str) -> tuple[str, int]:
    """`HOST[:PORT]` or `[v6]:PORT` -> (address, port); ValueError otherwise."""
    raw = text.strip()
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif raw.count(":") == 1:
        host, port = raw.split(":")
    else:
        host, port = raw, "53"
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--dns-server takes HOST[:PORT], got {text!r}")
    return host, int(port)


def make_resolver(server: str | None, timeout: float) -> dns.asyncresolver.Resolver:
    if server:
        host, port = parse_server(server)
        res = dns.asyncresolver.Resolver(configure=False)
        res.nameservers = [host]
        res.port = port
    else:
        try:
            res = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            res = dns.asyncresolver.Resolver(configure=False)
    res.lifetime = timeout
    res.timeout = timeout
    return res


async def resolve_sip(name: str, *, role: str = "termination", server: str | None = None,
                      timeout: float = 3.0, dry_run: bool = False) -> WireResult:
    """NAPTR, then the SRV names it points to (or the default _sip/_sips SRV names), then A/AAAA."""
    started, t0 = utc_now(), time.monotonic()
    details: Detail = {"resolver": server or "system configuration"}
    try:
        uri = parse_sip_uri(name)
    except ValueError as exc:
        return WireResult("dns", role, name, "error", False, str(exc), started, 0.0, details)
    host = uri.host
    records: list[str] = []
    timings: list[str] = []

    def done(outcome: str, ok: bool, summary: str) -> WireResult:
        details["records"] = "\n".join(records)
        details["timings"] = ", ".join(timings)
        return WireResult("dns", role, host, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 1), details)

    try:
        resolver = make_resolver(server, timeout)
    except ValueError as exc:
        return done("error", False, str(exc))
    if not resolver.nameservers:
        return done("no_resolver", False, "no resolver configured (no nameserver in the system configuration)")
    if dry_run:
        return done("dry_run", True, f"would query {resolver.nameservers[0]}:{resolver.port} for {host}: NAPTR,"
                    " then SRV (_sip._udp, _sip._tcp, _sips._tcp or the NAPTR targets), then A and AAAA")

    async def query(qname: str, rdtype: str) -> list[Any]:
        t = time.monotonic()
        try:
            answer = await resolver.resolve(qname, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            timings.append(f"{rdtype} {qname} {1000 * (time.monotonic() - t):.0f} ms NXDOMAIN")
            raise _Failed("nxdomain", f"{qname}: no such name (NXDOMAIN)") from None
        except dns.resolver.NoNameservers as exc:
            timings.append(f"{rdtype} {qname} {1000 * (time.monotonic() - t):.0f} ms failed")
            raise _classify_nonameservers(qname, exc) from None
        except dns.exception.Timeout:
            timings.append(f"{rdtype} {qname} {1000 * (time.monotonic() - t):.0f} ms timeout")
            raise await _timeout_or_unreachable(resolver, qname, timeout) from None
        except OSError as exc:
            raise _Failed("no_resolver", f"no resolver reachable: {exc.strerror or exc}") from None
        timings.append(f"{rdtype} {qname} {1000 * (time.monotonic() - t):.0f} ms")
        if answer.rrset is None:
            return []
        for rr in answer.rrset:
            records.append(f"{answer.rrset.name} {answer.rrset.ttl} {rdtype} {rr.to_text()}")
        return list(answer.rrset)

    if is_ip(host):  # RFC 3263 4.2: a numeric host needs no DNS at all
        details["addresses"] = host
        return done("resolved", True, f"{host} is an address: a SIP client does no DNS lookup for it")
    given = uri.params.get("transport") or ("tls" if uri.scheme == "sips" else None)
    try:
        srv_names: list[tuple[str, str]] = []
        if uri.port is not None:  # RFC 3263 4.2: an explicit port means A/AAAA only
            details["rule"] = "explicit port: A/AAAA only (RFC 3263 4.2)"
        elif given:  # RFC 3263 4.1: a given transport skips NAPTR, SRV of that transport only
            details["rule"] = f"transport {given} given: SRV of that transport, no NAPTR (RFC 3263 4.1)"
            srv_names = [(tp, f"{label}.{host}") for tp, label in SIP_SERVICES.values() if tp == given]
        else:
            naptrs = [r for r in await query(host, "NAPTR") if isinstance(r, NAPTR)]
            for r in sorted(naptrs, key=lambda r: (r.order, r.preference)):
                service = r.service.decode(errors="replace").upper()
                if service in SIP_SERVICES and r.flags.decode(errors="replace").upper() == "S":
                    srv_names.append((SIP_SERVICES[service][0], r.replacement.to_text()))
            details["naptr"] = len(naptrs)
            if not srv_names:  # RFC 3263 4.1: no usable NAPTR -> the SRV names of each transport
                srv_names = [(tp, f"{label}.{host}") for tp, label in SIP_SERVICES.values()]
        targets: list[tuple[str, str, int]] = []
        for tp, srv in srv_names:
            try:
                found = [r for r in await query(srv, "SRV") if isinstance(r, SRV)]
            except _Failed as exc:
                if exc.outcome != "nxdomain":
                    raise
                found = []
            for srv_rr in sorted(found, key=lambda x: (x.priority, -x.weight)):
                targets.append((tp, srv_rr.target.to_text().rstrip("."), srv_rr.port))
        details["srv"] = ", ".join(f"{tp}:{t}:{p}" for tp, t, p in targets)
        hosts = list(dict.fromkeys(t for _, t, _ in targets)) or [host]
        addresses: list[str] = []
        for h in hosts:
            for rdtype in ("A", "AAAA"):
                try:
                    addresses += [r.to_text() for r in await query(h, rdtype)]
                except _Failed as exc:
                    if exc.outcome != "nxdomain" or h == host:
                        raise
        details["addresses"] = ", ".join(dict.fromkeys(addresses))
    except _Failed as exc:
        return done(exc.outcome, False, exc.text)
    if not addresses:
        return done("no_answer", False, f"{host} exists but has no SIP service records and no address")
    via = f" via SRV {details['srv']}" if targets else " (no SRV: the name's own address records)"
    return done("resolved", True, f"{host} -> {details['addresses']}{via}")


def _classify_nonameservers(qname: str, exc: dns.resolver.NoNameservers) -> _Failed:
    text = str(exc)
    for code, outcome in (("SERVFAIL", "servfail"), ("REFUSED", "refused")):
        if code in text:
            return _Failed(outcome, f"{qname}: the server answered {code}")
    if "Connection refused" in text or "Errno" in text:
        return _Failed("no_resolver", f"{qname}: no resolver reachable ({text.split(';')[-1].strip()})")
    return _Failed("servfail", f"{qname}: no server could answer ({text})")


async def _timeout_or_unreachable(resolver: dns.asyncresolver.Resolver, qname: str, timeout: float) -> _Failed:
    """A UDP timeout is either a silent server or nothing there at all: a connected UDP socket
    hears the ICMP "port unreachable" that dnspython's unconnected one does not."""
    server, port = str(resolver.nameservers[0]), int(resolver.port)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    loop = asyncio.get_running_loop()
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.setblocking(False)
            s.connect((server, port))
            s.send(dns.message.make_query(qname, "A").to_wire())
            await asyncio.wait_for(loop.sock_recv(s, 4096), min(1.0, timeout))
    except TimeoutError:  # before OSError, of which it is a subclass
        pass
    except ConnectionRefusedError:
        return _Failed("no_resolver", f"no resolver reachable: nothing answers DNS at {server}:{port} (refused)")
    except OSError as exc:
        return _Failed("no_resolver", f"no resolver reachable at {server}:{port}: {exc.strerror or exc}")
    return _Failed("timeout", f"{qname}: no answer from {server}:{port} within {timeout:g} s")
