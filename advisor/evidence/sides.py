"""Which side is the carrier, which way the call goes, and where the trace was taken.

Evidence, strongest first (each call is decided on its own, by votes for its
caller and callee):

1. the trunk context: the termination URI in a Request-URI means the request
   goes to the carrier; the PBX's public address identifies the customer;
2. the carriers' published signalling/media networks (knowledge/carriers/*.yaml) as
   packet source or destination, in a Via sent-by or Request-URI, and the
   carrier's domains in a Request-URI;
3. the host that wrote a log (Asterisk, FreeSWITCH, raw stamps with one
   address) is the customer's PBX;
4. Server/User-Agent patterns of the carrier;
5. weak hints: Record-Route through a carrier address, private packet source
   addresses (the carrier's packets never come from one).

The carrier's own private addresses (its internal networks, e.g. 172.16/12 in
Contact and Via, 172.18.x in SDP o=) are normal and never count against it.

Capture point per file: `pbx_log` (the PBX's own SIP log), `host_log` (a log
written by the customer-side host, raw text with one address per stamp),
`pbx_host` (a packet capture in which the PBX's packets carry a private
address, i.e. taken on the PBX or inside its LAN), `edge` (the PBX's packets
carry a public address while the PBX itself advertises a private one: the
outside of a NAT), `unknown`.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from advisor.evidence.calls import Call, CallSet
from advisor.evidence.knowledge import CarrierKnowledge, TraceKnowledge, as_carrier, trace_knowledge
from advisor.evidence.sipmsg import ip_or_none, parse_uri

if TYPE_CHECKING:  # the validated models: reading a trace needs only their plain copies (evidence.knowledge)
    from advisor.kb.loader import KnowledgeBase
    from advisor.kb.models import CarrierPack

__all__ = ["CarrierInfo", "FileSide", "PlainContext", "Sides", "TraceContext", "assign_sides", "is_private"]


class TraceContext(Protocol):
    """What side detection reads of the trunk context (advisor.context.TrunkContext has it all)."""

    @property
    def termination_uri(self) -> str | None: ...

    @property
    def origination_uri(self) -> str | None: ...

    @property
    def pbx_public_address(self) -> str | None: ...

    @property
    def numbers(self) -> list[str]: ...

    @property
    def cps_limit(self) -> float | None: ...


@dataclass(frozen=True)
class PlainContext:
    """A trunk context without the pydantic model (`advisor trace` builds one from its options)."""

    termination_uri: str | None = None
    origination_uri: str | None = None
    pbx_public_address: str | None = None
    numbers: list[str] = field(default_factory=list)
    cps_limit: float | None = None

PBX_LOG_FORMATS = frozenset({"asterisk_pjsip", "asterisk_chan_sip", "freeswitch_siptrace", "cisco_ccsip"})
PACKET_FORMATS = frozenset({"pcap", "pcapng", "tcpdump_text"})

_SHARED = ipaddress.ip_network("100.64.0.0/10")
# RFC 5737 / RFC 3849 documentation ranges: in a paste they stand in for a public address the
# engineer hid (or come from a vendor's example), never for a LAN address, so they count as public.
_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                                         "2001:db8::/32"))
ADDR_CARRIER, ADDR_PBX, ADDR_PRIVATE = 1, 2, 3  # CarrierInfo.address_class
CONTEXT_VOTE = 10.0  # what the engineer says about the trunk outweighs anything read from the trace
_PRIVATE_SUFFIXES = (".local", ".lan", ".home", ".internal", ".localdomain", ".intranet", ".corp", ".home.arpa")


def is_private(host: str | None) -> bool | None:
    """True when an address is not globally routable (RFC 1918, 100.64/10, link-local,
    loopback, ULA, ...); None for names that say nothing either way."""
    if not host:
        return None
    return _is_private(host)


@lru_cache(maxsize=65536)
def _is_private(host: str) -> bool:
    ip = ip_or_none(host)
    if ip is None:
        low = host.lower().rstrip(".")
        return "." not in low or low.endswith(_PRIVATE_SUFFIXES) or low == "localhost"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return True
    if any(ip in net for net in _DOCUMENTATION):
        return False
    return not ip.is_global


_Net = ipaddress.IPv4Network | ipaddress.IPv6Network


class _Pack:
    """One carrier pack, compiled for lookups."""

    def __init__(self, key: str, pack: CarrierKnowledge) -> None:
        self.key = key
        self.name = pack.name
        self.trunk_domains = [d.lower().strip(".") for d in pack.trunk_domains]
        self.other_domains = [d.lower().strip(".") for d in pack.other_domains]
        self.signalling: list[_Net] = [ipaddress.ip_network(n, strict=False) for n in pack.signalling_networks]
        self.media: list[_Net] = [ipaddress.ip_network(n, strict=False) for n in pack.media_networks]
        self.internal: list[_Net] = [ipaddress.ip_network(n, strict=False) for n in pack.private_networks]
        self.ua_patterns = [re.compile(p) for p in pack.user_agent_patterns]
        self.signatures = [h.lower() for h in pack.signature_headers]
        self.reason_patterns = list(pack.reason_patterns)
        self._trunk_res = [_regional(d) for d in self.trunk_domains]
        self._other_res = [_regional(d) for d in self.other_domains]

    def trunk_host(self, h: str) -> bool:
        return any(h == d or h.endswith("." + d) for d in self.trunk_domains) or any(
            rx is not None and rx.search(h) for rx in self._trunk_res)

    def other_host(self, h: str) -> bool:
        return any(h == d or h.endswith("." + d) for d in self.other_domains) or any(
            rx is not None and rx.search(h) for rx in self._other_res)


def _regional(domain: str) -> re.Pattern[str] | None:
    """name.pstn.<edge>.twilio.com for pstn.twilio.com: edge labels between the first label and the rest."""
    first, _, rest = domain.partition(".")
    if not rest or "." not in rest:
        return None
    return re.compile(r"(?:^|\.)" + re.escape(first) + r"\.(?:[a-z0-9-]{1,63}\.){0,3}" + re.escape(rest) + r"$")


class CarrierInfo:
    """Every carrier the knowledge base has a pack for (knowledge/carriers/*.yaml), and the trunk context.

    Lookups answer for any known carrier; `name` is the default pack's until the trace shows
    another one (`recognise`). The engineer's context always wins: the termination URI is the
    carrier's, the PBX address is the customer's."""

    def __init__(self, packs: Mapping[str, CarrierPack | CarrierKnowledge], context: TraceContext | None = None,
                 default: str | None = None) -> None:
        self.packs = [_Pack(k, as_carrier(p)) for k, p in packs.items()]
        if default is not None:
            self.packs.sort(key=lambda pk: pk.key != default)
        self.name = self.packs[0].name if self.packs else "carrier"
        self.domains = [d for pk in self.packs for d in pk.trunk_domains]
        self.reason_patterns = [rp for pk in self.packs for rp in pk.reason_patterns]
        self._memo: dict[tuple[str, str], _Pack | None] = {}
        self._domain_memo: dict[str, bool] = {}  # host -> is_carrier_domain (regexes per pack: once per host)
        self._ua_memo: dict[str, bool] = {}
        self._trunk_memo: dict[str, bool] = {}  # host -> is_termination_host
        self._class_memo: dict[str, int] = {}
        self.recognised = False  # a pack's address or domain was seen in the trace
        self.recognised_key: str | None = None  # that pack's file name (knowledge/carriers/<key>.yaml)
        self.recognised_host: str | None = None  # the host that named it
        self.default_name = self.name  # the default pack's (Twilio's): the guide the causes are written from
        ctx: TraceContext = context or PlainContext()
        self.termination_host = _host_of(ctx.termination_uri)
        self.origination_host = _host_of(ctx.origination_uri)
        self.pbx_address = _host_of(ctx.pbx_public_address)
        self.cps_limit = ctx.cps_limit
        self.numbers = {n.strip() for n in ctx.numbers}

    def _net_pack(self, kind: str, host: str | None) -> _Pack | None:
        if not host:
            return None
        key = (kind, host)
        if key in self._memo:
            return self._memo[key]
        ip = ip_or_none(host)
        hit = None
        if ip is not None:
            for pk in self.packs:
                nets = pk.signalling if kind == "s" else pk.media if kind == "m" else pk.internal
                if any(ip in n for n in nets if n.version == ip.version):
                    hit = pk
                    break
        if len(self._memo) < 200_000:
            self._memo[key] = hit
        return hit

    def name_of(self, host: str) -> str | None:
        """The carrier a host or address belongs to, by its pack."""
        h = host.lower().strip("[]").rstrip(".")
        pk = self._net_pack("s", h) or self._net_pack("m", h)
        if pk is None:
            pk = next((p for p in self.packs if p.trunk_host(h) or p.other_host(h)), None)
        return pk.name if pk else None

    def recognise(self, hosts: list[str]) -> None:
        """Name the carrier after the first host that belongs to a pack (another carrier than the default)."""
        for h in hosts:
            name = self.name_of(h)
            if name:
                self.name = name
                self.recognised = True
                pk = next(p for p in self.packs if p.name == name)
                self.recognised_key, self.recognised_host = pk.key, h
                self.domains = list(pk.trunk_domains)
                self.reason_patterns = [*pk.reason_patterns,
                                        *(rp for p in self.packs if p is not pk for rp in p.reason_patterns)]
                return

    def is_carrier_domain(self, host: str | None) -> bool:
        if not host:
            return False
        hit = self._domain_memo.get(host)
        if hit is None:
            h = host.lower().rstrip(".")
            hit = bool(self.termination_host and h == self.termination_host) or any(
                pk.trunk_host(h) or pk.other_host(h) for pk in self.packs)
            if len(self._domain_memo) < 200_000:
                self._domain_memo[host] = hit
        return hit

    def is_termination_host(self, host: str | None) -> bool:
        """A host that names a trunk (a termination URI), not merely one of the carrier's hosts."""
        if not host:
            return False
        hit = self._trunk_memo.get(host)
        if hit is None:
            h = host.lower().rstrip(".")
            if self.termination_host:
                hit = h == self.termination_host
            else:
                hit = any(pk.trunk_host(h) and not pk.other_host(h) for pk in self.packs)
            if len(self._trunk_memo) < 200_000:
                self._trunk_memo[host] = hit
        return hit

    def in_signalling(self, host: str | None) -> bool:
        return self._net_pack("s", host) is not None

    def in_media(self, host: str | None) -> bool:
        return self._net_pack("m", host) is not None

    def in_internal(self, host: str | None) -> bool:
        return self._net_pack("i", host) is not None

    def address_class(self, host: str | None) -> int:
        """What an address says about its side, as _score weighs it (memoised per address):
        ADDR_CARRIER (a carrier signalling or media address), ADDR_PBX (the context's PBX),
        ADDR_PRIVATE (a private IP that is not one of a carrier's own internal ranges), or 0."""
        if not host:
            return 0
        c = self._class_memo.get(host)
        if c is None:
            if self.in_signalling(host) or self.in_media(host):
                c = ADDR_CARRIER
            elif self.is_pbx_address(host):
                c = ADDR_PBX
            elif is_private(host) and ip_or_none(host) is not None and not self.in_internal(host):
                c = ADDR_PRIVATE
            else:
                c = 0
            if len(self._class_memo) < 200_000:
                self._class_memo[host] = c
        return c

    def is_carrier_address(self, host: str | None) -> bool:
        return self.in_signalling(host) or self.in_media(host) or self.is_carrier_domain(host)

    def is_pbx_address(self, host: str | None) -> bool:
        if not host:
            return False
        h = host.lower().strip("[]")
        return bool((self.pbx_address and h == self.pbx_address) or (self.origination_host and h == self.origination_host))

    def signature_header(self, keys: tuple[str, ...]) -> str | None:
        """The first header among `keys` that only a carrier's own SIP carries (a pack's
        signature_headers: a name, or a prefix ending in '-')."""
        for pk in self.packs:
            for sig in pk.signatures:
                for k in keys:
                    if k == sig or (sig.endswith("-") and k.startswith(sig)):
                        return k
        return None

    def ua_is_carrier(self, ua: str | None) -> bool:
        if not ua:
            return False
        hit = self._ua_memo.get(ua)
        if hit is None:
            hit = any(rx.search(ua) for pk in self.packs for rx in pk.ua_patterns)
            if len(self._ua_memo) < 10_000:
                self._ua_memo[ua] = hit
        return hit

    def termination_match(self, host: str | None) -> bool | None:
        """Does a Request-URI host name the trunk? None when there is no host."""
        if not host:
            return None
        h = host.lower().rstrip(".")
        if self.termination_host:
            return h == self.termination_host
        if not self.recognised:
            return None  # a carrier no pack knows: its trunk names are unknown, so nothing can be said
        if ip_or_none(h) is not None:
            return False
        return self.is_termination_host(h)


def _host_of(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip()
    if ":" in v and not v.startswith("["):
        uri = parse_uri(v if v.lower().startswith(("sip:", "sips:")) else "sip:" + v)
        if uri is not None and uri.host:
            return uri.host.lower()
    if "://" in v or v.lower().startswith(("sip:", "sips:")):
        uri = parse_uri(v)
        if uri is not None and uri.host:
            return uri.host.lower()
    return v.strip("[]").split("/")[0].lower()


@dataclass
class FileSide:
    file: str
    format: str
    capture_point: str  # pbx_log | host_log | pbx_host | edge | carrier | unknown
    note: str = ""
    customer_ips: list[str] = field(default_factory=list)
    # the capture is on the customer's side of its internet edge even when it cannot tell the PBX
    # host from the edge itself (packets to the PBX's public address, nothing more)
    customer_side: bool = False


@dataclass
class Sides:
    carrier: CarrierInfo
    files: dict[str, FileSide]
    pbx_addresses: set[str]  # addresses the customer side uses or advertises
    carrier_addresses: set[str]
    warnings: list[str] = field(default_factory=list)

    def capture_point(self, file: str) -> str:
        fs = self.files.get(file)
        return fs.capture_point if fs else "unknown"

    def on_customer_side(self, file: str) -> bool:
        """The capture saw what reached the customer's edge (PBX host, edge, PBX or host log)."""
        fs = self.files.get(file)
        return fs is not None and (fs.customer_side or fs.capture_point in ("pbx_log", "host_log", "pbx_host", "edge"))


def assign_sides(cs: CallSet, kb: KnowledgeBase | TraceKnowledge, context: TraceContext | None) -> Sides:
    tk = trace_knowledge(kb)
    carrier = CarrierInfo(tk.carriers, context, tk.default_carrier)
    warnings: list[str] = []
    learned: dict[str, str] = {}
    undecided: list[Call] = []
    for call in cs.calls + cs.dialogs:
        scores = _score(call, carrier, learned)
        if not _decide(call, scores):
            undecided.append(call)
        else:
            _learn(call, learned)
    # Second pass: calls without evidence of their own, by the addresses learned from the others.
    still: list[Call] = []
    for call in undecided:
        if _decide(call, _score(call, carrier, learned)):
            _learn(call, learned)
        else:
            still.append(call)
    if still and not any(c.carrier_party for c in cs.calls):
        # Nothing at all identifies the carrier: for a PBX log, the far end is the best guess.
        for call in still:
            if _assume_far_end(call):
                call.sides_note = ("carrier not recognised (no known address, domain or Server/User-Agent):"
                                   " assumed to be the far end of the PBX log")
        if any(c.carrier_party for c in still):
            warnings.append("the carrier could not be recognised in the trace; the far end of the log is taken as"
                            " the carrier (give --termination-uri/--pbx-address to be sure)")
    for call in cs.calls:
        _carrier_leg(call, carrier)
    seen: list[str] = []
    for call in cs.calls:
        inv = call.initial_invite
        ruri_host = inv.msg.ruri_host() if inv is not None else None
        if ruri_host is not None:
            seen.append(ruri_host)
        seen += [h for m in call.messages[:20] for h in (m.src, m.dst) if h]
    carrier.recognise(seen)
    for call in cs.calls + cs.dialogs:
        for m in call.messages:
            role = None
            if call.carrier_party and m.party:
                role = "carrier" if m.party == call.carrier_party else "customer"
            m.sender = role
            for v in m.views:
                v.sender = role
    pbx_addrs, carrier_addrs = _addresses(cs, carrier)
    files = _capture_points(cs, pbx_addrs)
    return Sides(carrier=carrier, files=files, pbx_addresses=pbx_addrs, carrier_addresses=carrier_addrs,
                 warnings=warnings)


def _carrier_leg(call: Call, carrier: CarrierInfo) -> None:
    """With several initial INVITE transactions (a proxy in the path), keep those on the carrier's leg."""
    if call.carrier_party is None:
        return
    invites = call.invites
    if len(invites) < 2:
        return
    leg = set()
    for t in invites:
        req = t.request
        if req is None:
            continue
        for v in req.all_views():
            peer = v.dst if call.carrier_party == "callee" else v.src
            if peer and carrier.is_carrier_address(peer):
                leg.add(id(t))
    if leg and len(leg) < len(invites):
        call.carrier_leg = leg


def _score(call: Call, carrier: CarrierInfo, learned: dict[str, str]) -> dict[str, float]:
    """Votes per party (positive: carrier); "pbx:<party>" marks a party the context names as the PBX."""
    score = {"caller": 0.0, "callee": 0.0}
    reasons: list[str] = []
    classify = carrier.address_class

    def vote(party: str | None, value: float, why: str) -> None:
        if party is None:
            return
        score[party] += value
        if "PBX address" in why:
            score["pbx:" + party] = 1.0
        if len(reasons) < 6 and why not in reasons:
            reasons.append(why)

    for m in call.messages:
        p = m.party
        if p is None:
            continue
        o = call.other(p)
        for v in m.all_views():
            # the sender's address speaks for this party, the destination's for the other; only a
            # private source counts (a private destination is often the carrier's own NAT view)
            for party, addr, is_source in ((p, v.src, True), (o, v.dst, False)):
                c = classify(addr)
                if c == ADDR_CARRIER:
                    vote(party, 3, f"{addr} is a carrier address")
                elif c == ADDR_PBX:
                    vote(party, -CONTEXT_VOTE, f"{addr} is the PBX address")
                elif addr in learned:
                    vote(party, 1 if learned[addr] == "carrier" else -1, f"{addr} seen on the same side before")
                elif is_source and c == ADDR_PRIVATE:
                    vote(party, -0.5, f"{addr} is private")
            if v.direction == "sent":
                vote(p, -2, "sent by the host that wrote the log")
            elif v.direction == "received":
                vote(o, -2, "received by the host that wrote the log")
        msg = m.msg
        if carrier.ua_is_carrier(msg.user_agent):
            vote(p, 2, f"Server/User-Agent {msg.user_agent!r}")
        if msg.is_request:
            rhost = msg.ruri_host()
            if rhost is not None and carrier.termination_host and rhost.lower() == carrier.termination_host:
                vote(o, CONTEXT_VOTE, f"Request-URI host {rhost} is the termination URI")
            elif rhost is not None and (carrier.is_carrier_domain(rhost) or carrier.in_signalling(rhost)):
                vote(o, 2, f"Request-URI host {rhost}")
            elif rhost is not None and carrier.is_pbx_address(rhost):
                vote(o, -CONTEXT_VOTE, f"Request-URI host {rhost} is the PBX address")
            top = m.hosts()[0]
            if top is not None:
                if carrier.in_signalling(top) or carrier.is_carrier_domain(top):
                    vote(p, 2, f"Via {top}")
                elif carrier.is_pbx_address(top):
                    vote(p, -3, f"Via {top} is the PBX address")
            if msg.method == "INVITE" and msg.has("record-route") and any(
                    rr.uri and (carrier.in_signalling(rr.uri.host) or carrier.is_carrier_domain(rr.uri.host))
                    for rr in msg.record_route):
                vote(p, 1, "Record-Route through the carrier")
        contact = m.hosts()[1]
        if contact is not None:
            if carrier.is_pbx_address(contact):
                vote(p, -CONTEXT_VOTE, f"Contact {contact} is the PBX address")
            elif (is_private(contact) and not carrier.is_carrier_address(contact) and msg.has("record-route")
                  and any(rr.uri is not None and ip_or_none(rr.uri.host) is not None and is_private(rr.uri.host) is False
                          for rr in msg.record_route)):
                # a private Contact behind a public Record-Route: a carrier's (or proxy's) own
                # internal host, reachable only through its edge
                vote(p, 1.5, f"private Contact {contact} behind the public Record-Route")
    if score["caller"] <= 0 and score["callee"] <= 0:
        _weaker_signs(call, carrier, vote)
    call.sides_note = "; ".join(r for r in reasons if r)
    return score


def _weaker_signs(call: Call, carrier: CarrierInfo, vote: Callable[[str | None, float, str], None]) -> None:
    """When no address, domain or User-Agent named the carrier: a header only the carrier's own SIP
    carries (X-Twilio-CallSid), and a response whose To is the carrier's trunk (the PBX called the
    trunk and this is its answer, though the INVITE is not in the paste)."""
    for m in call.messages:
        p = m.party
        if p is None:
            continue
        msg = m.msg
        sig = carrier.signature_header(msg.header_keys)
        if sig is not None:
            vote(p, 2, f"{'-'.join(w.capitalize() for w in sig.split('-'))} header (the carrier's own)")
        if not msg.is_request and msg.cseq_method == "INVITE":
            host = msg.to_host()
            if host and (carrier.is_termination_host(host) or carrier.is_carrier_domain(host)):
                vote(p, 2, f"answers for the trunk {host} (its To)")


def _decide(call: Call, score: dict[str, float]) -> bool:
    a, b = score["caller"], score["callee"]
    if a <= 0 and b <= 0:
        # no positive evidence for a carrier; the PBX named in the trunk context still tells
        # that the other party is the carrier (unless that one looks like the customer too)
        if "pbx:caller" in score and "pbx:callee" not in score and b >= 0:
            call.carrier_party = "callee"
            return True
        if "pbx:callee" in score and "pbx:caller" not in score and a >= 0:
            call.carrier_party = "caller"
            return True
        return False
    if a > b:
        call.carrier_party = "caller"
    elif b > a:
        call.carrier_party = "callee"
    else:
        return False
    return True


def _assume_far_end(call: Call) -> bool:
    local_parties = Counter(m.party for m in call.messages for v in m.all_views() if v.direction == "sent")
    if not local_parties:
        return False
    local = local_parties.most_common(1)[0][0]
    if local is None:
        return False
    call.carrier_party = call.other(local)
    return True


def _learn(call: Call, learned: dict[str, str]) -> None:
    for m in call.messages:
        role = "carrier" if m.party == call.carrier_party else "customer"
        other = "customer" if role == "carrier" else "carrier"
        for v in m.all_views():
            if v.src and v.src not in learned:
                learned[v.src] = role
            if v.dst and v.dst not in learned:
                learned[v.dst] = other


def _addresses(cs: CallSet, carrier: CarrierInfo) -> tuple[set[str], set[str]]:
    pbx: set[str] = set()
    car: set[str] = set()
    if carrier.pbx_address:
        pbx.add(carrier.pbx_address)
    for call in cs.calls:
        if call.carrier_party is None:
            continue
        for m in call.messages:
            if m.party is None:
                continue
            mine = pbx if m.party != call.carrier_party else car
            theirs = car if mine is pbx else pbx
            for v in m.all_views():
                if v.src:
                    mine.add(v.src)
                if v.dst:
                    theirs.add(v.dst)
            msg = m.msg
            via_host, contact, addr = m.hosts()
            if msg.is_request and via_host:
                mine.add(via_host)
            if contact:
                mine.add(contact)
            if addr:
                mine.add(addr)
            if msg.method == "INVITE" and m.party == call.carrier_party:
                rhost = msg.ruri_host()
                if rhost is not None and ip_or_none(rhost) is not None:
                    pbx.add(rhost)  # the carrier addresses its INVITE to the PBX
    pbx.discard("")
    car.discard("")
    return {p.lower() for p in pbx}, {c.lower() for c in car}


def _capture_points(cs: CallSet, pbx_addrs: set[str]) -> dict[str, FileSide]:
    files: dict[str, FileSide] = {}
    for lt in cs.loaded:
        cc = lt.contents
        fmt = cc.format
        if lt.captured_by == "carrier":  # the engineer's word: the carrier made this capture
            files[cc.file] = FileSide(cc.file, fmt, "carrier", "the carrier's own capture: what the carrier sent and"
                                      " received, not what reached the customer's side")
            continue
        if fmt in PBX_LOG_FORMATS:
            files[cc.file] = FileSide(cc.file, fmt, "pbx_log", "the PBX's own SIP log")
            continue
        if any(d is not None for d in lt.directions):
            files[cc.file] = FileSide(cc.file, fmt, "host_log",
                                      "a log written on the customer-side host (one address per message)")
            continue
        packet_ips: list[str] = []
        sent_ips: list[str] = []  # source addresses of packets the PBX side sent
        advertised: list[str] = []
        for m in cs.messages:
            if m.file != cc.file or m.sender is None:
                continue
            ip = m.src if m.sender == "customer" else m.dst
            if ip and ip not in packet_ips:
                packet_ips.append(ip)
            if m.sender == "customer" and m.src and m.src not in sent_ips:
                sent_ips.append(m.src)
            if m.sender == "customer":
                via_host, contact, addr = m.hosts()
                if m.msg.is_request and via_host is not None:
                    advertised.append(via_host)
                if contact is not None:
                    advertised.append(contact)
                if addr:
                    advertised.append(addr)
        ips = [ip for ip in packet_ips if ip_or_none(ip) is not None]
        if not ips:
            files[cc.file] = FileSide(cc.file, fmt, "unknown", "no addresses of the PBX's packets")
            continue
        private = [ip for ip in ips if is_private(ip)]
        if private:
            files[cc.file] = FileSide(cc.file, fmt, "pbx_host",
                                      f"the PBX's packets use the private address {private[0]}: taken on the PBX"
                                      " host (or inside its LAN)", customer_ips=ips)
        elif advertised and all(is_private(a) for a in advertised if ip_or_none(a) is not None) and any(
                ip_or_none(a) is not None for a in advertised):
            files[cc.file] = FileSide(cc.file, fmt, "edge",
                                      f"the PBX's packets carry the public address {ips[0]} while it advertises"
                                      " a private one: taken outside the NAT (edge)", customer_ips=ips)
        elif sent_ips and any(ip_or_none(ip) is not None for ip in sent_ips):
            # the PBX's own packets carry the public address it advertises: a PBX on a public
            # address, captured on itself (the samples' convention: PBX host unless the addresses
            # show otherwise)
            files[cc.file] = FileSide(cc.file, fmt, "pbx_host",
                                      f"the PBX sends from {sent_ips[0]}, the address it advertises: taken on the"
                                      " PBX host (assumed; a tap outside a NAT-aware PBX would look the same)",
                                      customer_ips=ips)
        else:
            files[cc.file] = FileSide(cc.file, fmt, "unknown",
                                      f"only packets to the PBX's public address {ips[0]}: on the PBX host or at"
                                      " the edge, the trace cannot tell", customer_ips=ips, customer_side=True)
    return files
