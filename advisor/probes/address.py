"""What kind of address a host is, and whether it is inside the carrier's published networks."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from dataclasses import dataclass

from advisor.probes.wire import Detail, WireResult, utc_now

CGNAT = ipaddress.ip_network("100.64.0.0/10")


@dataclass(frozen=True)
class PublishedNetwork:
    """One range the carrier publishes, with where the fact came from."""

    cidr: str
    kind: str  # "signalling" | "media" | "internal"
    region: str
    source: str


def classify(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.version == 4 and ip in CGNAT:
        return "cgnat"
    if ip.is_private or ip.is_unspecified or ip.is_reserved or ip.is_multicast:
        return "private"
    return "public"


def check_address(text: str, networks: Iterable[PublishedNetwork] = (), *, role: str = "any") -> WireResult:
    started, t0 = utc_now(), time.monotonic()
    raw = text.strip().strip("[]")

    def done(outcome: str, ok: bool, summary: str, details: Detail) -> WireResult:
        return WireResult("address", role, raw, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 2), details)

    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return done("error", False, f"{raw!r} is not an IPv4 or IPv6 address", {})
    kind = classify(raw)
    details: Detail = {"class": kind, "version": ip.version}
    inside = [n for n in networks if ip in ipaddress.ip_network(n.cidr, strict=False)]
    words = {"cgnat": "shared address space (carrier-grade NAT, RFC 6598)", "link_local": "link-local",
             "private": "private (not routable on the Internet)", "loopback": "loopback", "public": "public"}
    summary = f"{raw} is {words[kind]}"
    if inside:
        n = inside[0]
        details.update(carrier_network=n.cidr, carrier_network_kind=n.kind, carrier_region=n.region,
                       carrier_source=n.source)
        summary += f"; inside the carrier's published {n.kind} network {n.cidr} ({n.region})"
    else:
        details["carrier_network"] = None
        summary += "; not inside the carrier's published networks"
    return done(kind, True, summary, details)
