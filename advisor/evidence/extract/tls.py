"""SIP over TLS from a capture's clear-text handshake: did the carrier's 5061 answer, which TLS version,
how the handshake ended.  The SIP itself is encrypted; these are the facts a secure trunk turns on."""

from __future__ import annotations

from collections import defaultdict

from advisor.evidence.calls import CallSet
from advisor.evidence.extract.base import Add, Ctx, Finding
from advisor.evidence.tlsinfo import CERTIFICATE_ALERTS, TlsEvent

__all__ = ["tls"]

# the observation's values: a handshake cannot negotiate above the highest version offered
_LEVEL = {"SSL3.0": "tls1_0", "TLS1.0": "tls1_0", "TLS1.1": "tls1_1", "TLS1.2": "tls1_2_or_later",
          "TLS1.3": "tls1_2_or_later"}
_MIN_SYN_WAIT_S = 3.0  # a SYN retransmitted over this long with no answer is dropped, not just slow


def tls(ctx: Ctx, cs: CallSet, add: Add, notes: list[str]) -> None:
    """One finding set for the PBX's TLS connection to the carrier's SIP TLS port."""
    flows: dict[tuple[str, str], list[tuple[str, TlsEvent]]] = defaultdict(list)
    for lt in cs.loaded:
        for e in lt.tls:
            if e.src is None or e.dst is None:
                continue
            # the client is whoever talks to port 5061 (the server's side of the flow)
            key = (e.src, e.dst) if e.dport == 5061 else (e.dst, e.src)
            flows[key].append((lt.contents.file, e))
    if not flows:
        return
    carrier = ctx.sides.carrier
    servers = {server for _, server in flows}
    known = [k for k in flows if carrier.is_carrier_address(k[1])]
    if not known and len(servers) != 1:
        notes.append(f"SIP over TLS to {len(servers)} servers, none a known carrier address: which is the trunk is"
                     " left open (give --termination-uri)")
        return
    key = known[0] if known else next(iter(flows))
    client, server = key
    steps = flows[key]
    who = (f"the carrier ({server}, {carrier.name_of(server) or 'a carrier address'})" if known
           else f"{server} (the only SIP TLS server in the capture)")
    files = {f for f, _ in steps}
    if not any(m.file in files for m in cs.messages):
        notes.append(f"SIP over TLS between {client} and {who}: the SIP itself is encrypted; read from the clear-text"
                     " handshake only")
    first_file, first = steps[0]
    add(Finding("sip_transport", "tls", "TLS to the SIP TLS port",
                f"{client} opens TLS to {who} on port 5061 (SIP over TLS)", ref=first.ref, at=ctx.at(first_file, first.ts)))
    _version(ctx, steps, client, add)
    _outcome(ctx, steps, client, server, who, add)


def _version(ctx: Ctx, steps: list[tuple[str, TlsEvent]], client: str, add: Add) -> None:
    chosen = next(((f, e) for f, e in steps if e.kind == "server_hello" and e.version in _LEVEL), None)
    offered = next(((f, e) for f, e in steps if e.kind == "client_hello" and e.src == client and e.version in _LEVEL),
                   None)
    if chosen is not None:
        f, e = chosen
        add(Finding("tls_version", _LEVEL[e.version or ""], f"ServerHello {e.version}",
                    f"the carrier's ServerHello picks {e.version}"
                    + (f" (the PBX offers up to {offered[1].version})" if offered else ""), ref=e.ref, at=ctx.at(f, e.ts)))
    elif offered is not None:
        f, e = offered
        add(Finding("tls_version", _LEVEL[e.version or ""], f"ClientHello up to {e.version}",
                    f"the PBX's ClientHello offers TLS up to {e.version}: the handshake cannot use a later one"
                    + (f" (server name {e.sni})" if e.sni else ""), ref=e.ref, at=ctx.at(f, e.ts)))


def _outcome(ctx: Ctx, steps: list[tuple[str, TlsEvent]], client: str, server: str, who: str, add: Add) -> None:
    def first(kind: str, sender: str | None = None) -> tuple[str, TlsEvent] | None:
        return next(((f, e) for f, e in steps if e.kind == kind and (sender is None or e.src == sender)), None)

    hello = first("server_hello", server)
    client_alert = first("alert", client)
    server_alert = first("alert", server)
    reset = first("reset", server)
    syns = [(f, e) for f, e in steps if e.kind == "syn" and e.src == client]
    value = note = None
    at: tuple[str, TlsEvent] | None = None
    if client_alert is not None and client_alert[1].alert in CERTIFICATE_ALERTS:
        value, at = "bad_certificate", client_alert
        note = f"the PBX ends the handshake with {who} with the alert {client_alert[1].alert}: it does not accept the" \
               " carrier's certificate"
    elif server_alert is not None and server_alert[1].alert != "close_notify" and hello is None:
        value, at = "failed", server_alert
        note = f"{who} ends the handshake with the alert {server_alert[1].alert} before agreeing on anything"
    elif hello is not None:
        value, at = "established", hello
        note = f"{who} answers the PBX's ClientHello with a ServerHello ({hello[1].version}): the TLS handshake runs"
    elif reset is not None and first("client_hello", client) is not None:
        value, at = "failed", reset
        note = f"{who} resets the connection after the PBX's ClientHello"
    elif reset is not None and first("syn_ack", server) is None:
        value, at = "refused", reset
        note = f"{who} refuses the TCP connection to port 5061 (RST)"
    elif syns and first("syn_ack", server) is None:
        f, last = syns[-1]
        span = (last.ts - syns[0][1].ts) if last.ts is not None and syns[0][1].ts is not None else 0.0
        end = ctx.file_end.get(f)
        waited = (end - syns[0][1].ts) if end is not None and syns[0][1].ts is not None else span
        if len(syns) >= 2 and max(span, waited) >= _MIN_SYN_WAIT_S:
            value, at = "timeout", syns[0]
            note = (f"the PBX's TCP SYN to {who} port 5061 is sent {len(syns)} times over {max(span, waited):.1f} s"
                    " and never answered")
    if value is None or at is None or note is None:
        return
    f, e = at
    add(Finding("tls_handshake_to_carrier", value, "TLS handshake in the capture", note, ref=e.ref, at=ctx.at(f, e.ts)))
