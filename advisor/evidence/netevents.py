"""DNS and ICMP packets read as evidence, from captures (load.py) and from tcpdump text (textlogs.py).

Kept apart from the text-log readers so that reading a capture's DNS and ICMP
packets does not import (and compile the ~40 patterns of) every text format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from advisor.evidence.records import TraceRef

__all__ = ["DnsEvent", "IcmpEvent", "icmp_kind", "tcpdump_port"]

_SERVICES = {"sip": 5060, "sip-tls": 5061, "sips": 5061, "mmcc": 5050, "domain": 53, "ntp": 123, "rtp": None}


@dataclass(slots=True)
class DnsEvent:
    """One DNS query or response seen in a packet trace."""

    ref: TraceRef
    ts: float | None
    src: str | None
    dst: str | None
    query_id: int | None
    name: str | None  # queried name, without the trailing dot
    qtype: str | None
    response: bool
    rcode: str  # NoError | NXDomain | ServFail | Refused | ...
    answers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IcmpEvent:
    """An ICMP error about a packet: who sent it, about which destination/port, what kind."""

    ref: TraceRef
    ts: float | None
    src: str | None
    dst: str | None
    kind: str  # port_unreachable | host_unreachable | net_unreachable | admin_prohibited | time_exceeded | other
    about: str | None  # the unreachable address (the original packet's destination)
    port: int | None
    proto: str | None
    text: str


def tcpdump_port(text: str) -> int | None:
    if text.isdigit():
        v = int(text)
        return v if v <= 65535 else None
    return _SERVICES.get(text.lower())


def icmp_kind(text: str) -> tuple[str, str | None, int | None, str | None]:
    """(kind, unreachable address, port, protocol) from tcpdump's ICMP description."""
    low = text.lower()
    about = port = proto = None
    m = re.match(r"(?:host |net )?([0-9a-f:.]{2,45}) (udp|tcp) port (\w{1,12}) unreachable", low)
    if m:
        about, proto = m.group(1), m.group(2)
        port = tcpdump_port(m.group(3))
        return "port_unreachable", about, port, proto
    m = re.match(r"(host|net) ([0-9a-f:.]{2,45}) unreachable", low)
    if m:
        about = m.group(2)
        if "prohibited" in low or "filter" in low:
            return "admin_prohibited", about, None, None
        return f"{m.group(1)}_unreachable", about, None, None
    if "prohibited" in low:
        return "admin_prohibited", None, None, None
    if "time exceeded" in low:
        return "time_exceeded", None, None, None
    return "other", None, None, None
