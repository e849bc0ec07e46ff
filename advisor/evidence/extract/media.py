"""Media: the SDP of both sides and the RTP streams of the focus call."""

from __future__ import annotations

from collections.abc import Iterable

from advisor.evidence.calls import Call, Message
from advisor.evidence.extract.base import Add, CallVerdict, Ctx, Finding, dur
from advisor.evidence.records import RtpStream
from advisor.evidence.sides import PACKET_FORMATS, is_private
from advisor.evidence.sipmsg import ip_or_none


def rtp_view(ctx: Ctx, call: Call) -> tuple[str | None, list[RtpStream], list[RtpStream], str, list[RtpStream]]:
    """(file, carrier->PBX streams, PBX->carrier streams, explanation, all streams in file) for the call.

    Every SDP of the call counts (a re-INVITE or UPDATE may move the media)."""
    if call.carrier_party is None:
        return None, [], [], "", []
    carrier_targets: list[tuple[str, int]] = []
    pbx_targets: list[tuple[str, int]] = []
    for m in call.messages:
        target = m.audio_target()  # sdp_target of the message's SDP, read once with the sides' hosts
        if target is None:
            continue
        addr, port = target
        targets = carrier_targets if m.sender == "carrier" else pbx_targets if m.sender == "customer" else None
        if targets is not None and (addr, port) not in targets:
            targets.append((addr, port))
    if not carrier_targets:
        return None, [], [], "", []
    for file in call.files():
        if ctx.file_format.get(file) not in PACKET_FORMATS:
            continue
        streams = ctx.file_rtp.get(file, [])
        if not streams:
            continue
        carrier = ctx.sides.carrier
        # this call's own streams first: SDP address:port to SDP address:port, one lookup each
        flows = ctx.rtp_flows(file)
        pairs = [(c, p) for c in carrier_targets for p in pbx_targets]
        c2p = _distinct(s for c, p in pairs for s in flows.get((*c, *p), ()))
        p2c = _distinct(s for c, p in pairs for s in flows.get((*p, *c), ()))
        if not c2p:  # the carrier may send from another port than it offers: any stream to the PBX's port
            by_port = ctx.rtp_by_dport(file)
            c_addrs = {a for a, _ in carrier_targets}
            towards_pbx = [s for _, port in pbx_targets for s in by_port.get(port, [])] if pbx_targets else streams
            c2p = _distinct(s for s in towards_pbx if s.src in c_addrs or carrier.in_media(s.src))
        if not p2c:
            by_dest = ctx.rtp_by_dest(file)
            p2c = _distinct(s for target in carrier_targets for s in by_dest.get(target, ()))
        why = (f"carrier SDP {_targets(carrier_targets)}, PBX SDP {_targets(pbx_targets)}; RTP streams in {file}:"
               f" {len(c2p)} carrier->PBX, {len(p2c)} PBX->carrier")
        return file, c2p, p2c, why, streams
    return None, [], [], "", []


def _targets(targets: list[tuple[str, int]]) -> str:
    return ", ".join(f"{a}:{p}" for a, p in targets) or "none"


def _distinct(streams: Iterable[RtpStream]) -> list[RtpStream]:
    """Each stream once, in order (identity, one dict lookup per stream)."""
    return list({id(st): st for st in streams}.values())


def rtp_audio(ctx: Ctx, call: Call) -> tuple[str | None, str]:
    file, c2p, p2c, why, streams = rtp_view(ctx, call)
    if file is None or not streams:
        return None, ""
    point = ctx.sides.capture_point(file)
    if point != "pbx_host":
        return None, why
    if p2c and not c2p:
        return "pbx_side_hears_nothing", why
    if c2p and not p2c:
        return "pstn_side_hears_nothing", why
    if not c2p and not p2c:
        return "none", why
    return None, why


def sdp(ctx: Ctx, call: Call, v: CallVerdict, add: Add) -> None:
    if call.carrier_party is None:
        return
    customer_sdps = [m for m in call.messages if m.sender == "customer" and m.msg.sdp is not None
                     and m.msg.sdp.audio() is not None]
    if customer_sdps:
        with_pcmu = [m for m in customer_sdps if m.msg.sdp is not None and m.msg.sdp.offers_pcmu()]
        m = with_pcmu[0] if with_pcmu else customer_sdps[0]
        sdp = m.msg.sdp
        assert sdp is not None
        media = sdp.audio()
        encs = ", ".join(sdp.encodings(media)) if media else ""
        add(Finding("pcmu_offered", "yes" if with_pcmu else "no", f"PBX SDP in {m.short()}",
                    f"the PBX's SDP ({m.short()}) lists {encs or 'no audio codec'}: "
                    f"{'includes' if with_pcmu else 'no'} PCMU (payload type 0)", m))
        _encryption(m, add)
        for m in customer_sdps:
            sd = m.msg.sdp
            addr = sd.audio_address() if sd else None
            if not addr or ip_or_none(addr) is None or addr in ("0.0.0.0", "::"):
                continue
            private = is_private(addr)
            add(Finding("pbx_sdp_address", "private" if private else "public", f"PBX SDP c= in {m.short()}",
                        f"the PBX's SDP ({m.short()}) gives c={addr}: {'private' if private else 'public'}", m))
            break
    elif v.final is not None and v.final.status == 415 and v.final.sender == "customer":
        offer = next((m for m in call.messages if m.sender == "carrier" and m.msg.sdp is not None), None)
        if offer is not None and offer.msg.sdp is not None and offer.msg.sdp.offers_pcmu():
            add(Finding("pcmu_offered", "no", "PBX 415 to a PCMU offer",
                        "the carrier offers PCMU and the PBX refuses the offer with 415 Unsupported Media Type:"
                        " the PBX side does not accept PCMU", v.final))


def _encryption(m: Message, add: Add) -> None:
    """SRTP or plain RTP in the PBX's SDP (RFC 3711/4568: an SAVP profile, or a=crypto lines): what a
    secure trunk must match."""
    sd = m.msg.sdp
    media = sd.audio() if sd is not None else None
    if media is None:
        return
    crypto = any(a.lower().startswith("crypto:") for a in media.attributes)
    srtp = "SAVP" in media.proto.upper() or crypto
    add(Finding("pbx_media_encryption", "srtp" if srtp else "rtp", f"PBX SDP m=audio in {m.short()}",
                f"the PBX's SDP ({m.short()}) offers m=audio over {media.proto}"
                + (" with a=crypto" if crypto else "") + (": SRTP" if srtp else ": plain RTP, no crypto"), m))


def rtp(ctx: Ctx, call: Call, v: CallVerdict, add: Add) -> None:
    oks = call.oks()
    if not oks or call.carrier_party is None:
        return
    file, c2p, p2c, why, streams = rtp_view(ctx, call)
    if file is None or not streams:
        return
    ok = next((x for x in oks if x.file == file), oks[0])
    covered = ctx.after(ok)
    if covered is None or covered < 1:
        return
    point = ctx.sides.capture_point(file)
    if c2p:
        s = max(c2p, key=lambda x: x.packets)
        if point == "pbx_host":
            add(Finding("rtp_from_carrier_arrives", "yes", "RTP from the carrier",
                        f"{s.packets} RTP packets {s.src}:{s.sport} -> {s.dst}:{s.dport} arrive ({why})", rtp=s,
                        rtp_file=file, at=ctx.at(file, s.first_ts)))
    elif point in ("pbx_host", "edge", "unknown"):
        add(Finding("rtp_from_carrier_arrives", "no", "no RTP from the carrier",
                    f"no RTP from the carrier's media address arrives during {dur(covered)} after the 200 OK ({why})",
                    ok))
    if p2c:
        s = max(p2c, key=lambda x: x.packets)
        add(Finding("rtp_from_pbx_leaves", "yes", "RTP from the PBX",
                    f"{s.packets} RTP packets {s.src}:{s.sport} -> {s.dst}:{s.dport} leave towards the carrier ({why})",
                    rtp=s, rtp_file=file, at=ctx.at(file, s.first_ts)))
        ttls = [x.min_ttl for x in p2c if x.max_ttl > 0 and x.min_ttl <= 255 and x.min_ttl <= x.max_ttl]
        if ttls:
            low = min(ttls)
            src = min(p2c, key=lambda x: x.min_ttl if x.max_ttl > 0 else 999)
            add(Finding("rtp_ttl", float(low), f"RTP TTL {low}",
                        f"the PBX's RTP to the carrier leaves with IP TTL {low} (capture point: {point})",
                        rtp=src, rtp_file=file, at=ctx.at(file, src.first_ts)))
    elif point == "pbx_host":
        add(Finding("rtp_from_pbx_leaves", "no", "no RTP from the PBX",
                    f"no RTP from the PBX towards the carrier's SDP address ({why})", ok))
    heard, _ = rtp_audio(ctx, call)
    if heard is not None:
        texts = {"pbx_side_hears_nothing": "RTP from the PBX flows out but none from the carrier arrives at the PBX"
                 " host: the PBX side hears nothing",
                 "pstn_side_hears_nothing": "RTP from the carrier arrives but the PBX sends none: the PSTN side"
                 " hears nothing",
                 "none": "no RTP either way"}
        add(Finding("audio_heard", heard, "RTP directions", f"{texts[heard]} ({why})", ok))
