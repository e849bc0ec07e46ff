"""Generate the carrier per-call capture samples in this folder (run: python make_carrier_pcaps.py).

What Twilio's docs say about the per-call capture (support article "View Twilio SIP Call
Packet Captures (PCAPs)", https://support.twilio.com/hc/en-us/articles/360025293074): the Call
Logs page of an Elastic SIP Trunking (or SIP Domain) call offers a "SIP PCAP LOG" download, a
.pcap file of the call's SIP signalling between the customer's equipment and one of Twilio's
SIP signalling addresses (termination: the INVITE comes from the customer; origination: from
Twilio). The docs say nothing about media, the link-layer type, or how a call over TLS is
shown, so the samples cover the plausible shapes rather than one guessed exact shape:

* twilio_call_ethernet.pcap   classic pcap, Ethernet, IPv4, SIP over UDP 5060, signalling only:
                              INVITE -> 407, ACK, INVITE with credentials -> 100, 183, 200, ACK, BYE, 200
* twilio_call_sll_tls.pcap    classic pcap, Linux cooked capture (SLL, 113), the same call as SIP
                              text on TCP port 5061 (a capture written where TLS is already
                              terminated shows it that way), segments split mid-message
* twilio_call_sll2_v6.pcap    classic pcap, Linux cooked capture v2 (SLL2, 276), IPv6, UDP 5060
* twilio_call_two_ifaces.pcapng  pcapng with two interfaces (Ethernet and raw IP) and the
                              messages of one call spread over both
* twilio_origination_unanswered.pcap  classic pcap, Ethernet: Twilio's INVITE to the customer
                              sent 7 times over 32 s (RFC 3261 timer A doubling) and never answered:
                              what the carrier sent, which says nothing of what reached the customer

The addresses: 198.51.100.7 (the customer's public address, documentation range), 54.172.60.1
(in Twilio's documented North America Virginia signalling range 54.172.60.0/30), IPv6
2001:db8::7 and 2001:db8:54::1 (documentation prefix) for the IPv6 variant. Numbers are
fictitious (555 numbers).
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import dpkt

HERE = Path(__file__).resolve().parent
PBX, CARRIER = "198.51.100.7", "54.172.60.1"
PBX6, CARRIER6 = "2001:db8::7", "2001:db8:54::1"
T0 = 1_717_000_000.0
CRLF = "\r\n"


def _msg(lines: list[str], body: list[str] | None = None) -> bytes:
    text = CRLF.join(lines) + CRLF
    payload = CRLF.join(body) + CRLF if body else ""
    return (text + f"Content-Length: {len(payload.encode())}" + CRLF + CRLF + payload).encode()


def call(pbx: str, carrier: str, port: int, transport: str) -> list[tuple[float, bool, bytes]]:
    """(time offset, sent by the PBX, SIP bytes) of one termination call with a 407 challenge."""
    host = f"[{pbx}]" if ":" in pbx else pbx
    via = f"Via: SIP/2.0/{transport} {host}:{port};branch=z9hG4bK"
    frm = f"From: <sip:+12065550100@{host}>;tag=pbx-1"
    to = "To: <sip:+12065550199@acme.pstn.twilio.com>"
    cid = "Call-ID: cap-1@pbx.example.com"
    ruri = "sip:+12065550199@acme.pstn.twilio.com"
    sdp = ["v=0", f"o=pbx 1 1 IN IP{6 if ':' in pbx else 4} {pbx}", "s=-", f"c=IN IP{6 if ':' in pbx else 4} {pbx}",
           "t=0 0", "m=audio 20000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000"]
    ans = ["v=0", "o=twilio 2 2 IN IP4 54.172.60.1", "s=-", "c=IN IP4 168.86.128.10", "t=0 0",
           "m=audio 14000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000"]
    tw = "To: <sip:+12065550199@acme.pstn.twilio.com>;tag=tw-9"
    contact_tw = f"Contact: <sip:+12065550199@{carrier if ':' not in carrier else '[' + carrier + ']'}:{port}>"
    auth = ('Proxy-Authorization: Digest username="trunkuser", realm="sip.twilio.com", nonce="n1",'
            f' uri="{ruri}", response="00000000000000000000000000000000", algorithm=MD5')
    return [
        (0.00, True, _msg([f"INVITE {ruri} SIP/2.0", via + "-a", "Max-Forwards: 70", frm, to, cid, "CSeq: 1 INVITE",
                           f"Contact: <sip:+12065550100@{host}:{port}>", "Content-Type: application/sdp"], sdp)),
        (0.04, False, _msg(["SIP/2.0 407 Proxy Authentication Required", via + "-a", frm, tw.replace("tw-9", "tw-1"),
                            cid, "CSeq: 1 INVITE",
                            'Proxy-Authenticate: Digest realm="sip.twilio.com", nonce="n1", algorithm=MD5'])),
        (0.05, True, _msg([f"ACK {ruri} SIP/2.0", via + "-a", "Max-Forwards: 70", frm,
                           tw.replace("tw-9", "tw-1"), cid, "CSeq: 1 ACK"])),
        (0.06, True, _msg([f"INVITE {ruri} SIP/2.0", via + "-b", "Max-Forwards: 70", frm, to, cid, "CSeq: 2 INVITE",
                           f"Contact: <sip:+12065550100@{host}:{port}>", auth, "Content-Type: application/sdp"], sdp)),
        (0.10, False, _msg(["SIP/2.0 100 Trying", via + "-b", frm, to, cid, "CSeq: 2 INVITE"])),
        (1.20, False, _msg(["SIP/2.0 183 Session Progress", via + "-b", frm, tw, cid, "CSeq: 2 INVITE", contact_tw,
                            "Content-Type: application/sdp"], ans)),
        (4.80, False, _msg(["SIP/2.0 200 OK", via + "-b", frm, tw, cid, "CSeq: 2 INVITE", contact_tw,
                            "Content-Type: application/sdp"], ans)),
        (4.82, True, _msg([f"ACK sip:+12065550199@{carrier if ':' not in carrier else '[' + carrier + ']'}:{port}"
                           " SIP/2.0", via + "-c", "Max-Forwards: 70", frm, tw, cid, "CSeq: 2 ACK"])),
        (64.9, True, _msg([f"BYE sip:+12065550199@{carrier if ':' not in carrier else '[' + carrier + ']'}:{port}"
                           " SIP/2.0", via + "-d", "Max-Forwards: 70", frm, tw, cid, "CSeq: 3 BYE"])),
        (64.95, False, _msg(["SIP/2.0 200 OK", via + "-d", frm, tw, cid, "CSeq: 3 BYE"])),
    ]


def _ip4(src: str, dst: str, l4: dpkt.Packet, proto: int) -> dpkt.ip.IP:
    ip = dpkt.ip.IP(src=socket.inet_pton(socket.AF_INET, src), dst=socket.inet_pton(socket.AF_INET, dst), p=proto,
                    ttl=57, data=l4)
    ip.len = len(ip)  # dpkt fills length and checksum when packed
    return ip


def _ip6(src: str, dst: str, l4: dpkt.Packet, proto: int) -> dpkt.ip6.IP6:
    ip = dpkt.ip6.IP6(src=socket.inet_pton(socket.AF_INET6, src), dst=socket.inet_pton(socket.AF_INET6, dst),
                      nxt=proto, hlim=57, data=l4)
    ip.plen = len(l4)
    return ip


def _udp(payload: bytes, sport: int, dport: int) -> dpkt.udp.UDP:
    u = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    u.ulen = len(u)
    return u


def ethernet_pcap() -> None:
    with open(HERE / "twilio_call_ethernet.pcap", "wb") as fh:
        w = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for off, from_pbx, payload in call(PBX, CARRIER, 5060, "UDP"):
            src, dst = (PBX, CARRIER) if from_pbx else (CARRIER, PBX)
            ip = _ip4(src, dst, _udp(payload, 5060, 5060), dpkt.ip.IP_PROTO_UDP)
            eth = dpkt.ethernet.Ethernet(src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02",
                                         type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
            w.writepkt(bytes(eth), ts=T0 + off)


def _sll(ip: bytes, outgoing: bool, v6: bool = False) -> bytes:
    # packet type (0 to us, 4 sent by us), ARPHRD_ETHER, address length 6, address (8 bytes), protocol
    return struct.pack(">HHH8sH", 4 if outgoing else 0, 1, 6, b"\x02\x00\x00\x00\x00\x09\x00\x00",
                       0x86DD if v6 else 0x0800) + ip


def _sll2(ip: bytes, outgoing: bool, v6: bool) -> bytes:
    # protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address (8 bytes)
    return struct.pack(">HHIHBB8s", 0x86DD if v6 else 0x0800, 0, 2, 1, 4 if outgoing else 0, 6,
                       b"\x02\x00\x00\x00\x00\x09\x00\x00") + ip


def sll_tls_pcap() -> None:
    """TCP 5061 with the SIP text visible; each message split over two segments."""
    seq = {True: 1000, False: 5000}
    with open(HERE / "twilio_call_sll_tls.pcap", "wb") as fh:
        w = dpkt.pcap.Writer(fh, linktype=113)
        for off, from_pbx, payload in call(PBX, CARRIER, 5061, "TLS"):
            src, dst = (PBX, CARRIER) if from_pbx else (CARRIER, PBX)
            sport, dport = (40123, 5061) if from_pbx else (5061, 40123)
            half = len(payload) // 2
            for k, part in enumerate((payload[:half], payload[half:])):
                tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq[from_pbx], ack=seq[not from_pbx],
                                   flags=dpkt.tcp.TH_ACK | dpkt.tcp.TH_PUSH, win=65535, data=part)
                tcp.off = 5
                seq[from_pbx] += len(part)
                ip = _ip4(src, dst, tcp, dpkt.ip.IP_PROTO_TCP)
                w.writepkt(_sll(bytes(ip), from_pbx), ts=T0 + off + k * 0.0005)


def sll2_v6_pcap() -> None:
    with open(HERE / "twilio_call_sll2_v6.pcap", "wb") as fh:
        w = dpkt.pcap.Writer(fh, linktype=276)
        for off, from_pbx, payload in call(PBX6, CARRIER6, 5060, "UDP"):
            src, dst = (PBX6, CARRIER6) if from_pbx else (CARRIER6, PBX6)
            ip = _ip6(src, dst, _udp(payload, 5060, 5060), dpkt.ip.IP_PROTO_UDP)
            w.writepkt(_sll2(bytes(ip), from_pbx, True), ts=T0 + off)


def two_interfaces_pcapng() -> None:
    idbs = [dpkt.pcapng.InterfaceDescriptionBlockLE(snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB),
            dpkt.pcapng.InterfaceDescriptionBlockLE(snaplen=65535, linktype=101)]  # 101: raw IP
    with open(HERE / "twilio_call_two_ifaces.pcapng", "wb") as fh:
        w = dpkt.pcapng.Writer(fh, idb=idbs)
        for n, (off, from_pbx, payload) in enumerate(call(PBX, CARRIER, 5060, "UDP")):
            src, dst = (PBX, CARRIER) if from_pbx else (CARRIER, PBX)
            ip = _ip4(src, dst, _udp(payload, 5060, 5060), dpkt.ip.IP_PROTO_UDP)
            iface = n % 2
            data = bytes(dpkt.ethernet.Ethernet(src=b"\x02\x00\x00\x00\x00\x01", dst=b"\x02\x00\x00\x00\x00\x02",
                                                type=dpkt.ethernet.ETH_TYPE_IP, data=ip)) if iface == 0 else bytes(ip)
            epb = dpkt.pcapng.EnhancedPacketBlockLE(iface_id=iface, pkt_data=data, caplen=len(data), pkt_len=len(data))
            w.writepkt(epb, ts=T0 + off)


def origination_unanswered_pcap() -> None:
    invite = _msg(["INVITE sip:+12065550100@198.51.100.7:5060 SIP/2.0",
                   "Via: SIP/2.0/UDP 54.172.60.1:5060;branch=z9hG4bK-orig1", "Max-Forwards: 69",
                   "Record-Route: <sip:54.172.60.1:5060;lr>",
                   "From: <sip:+12065550177@pstn.twilio.com>;tag=tw-o1", "To: <sip:+12065550100@198.51.100.7>",
                   "Call-ID: orig-1@pstn.twilio.com", "CSeq: 1 INVITE",
                   "Contact: <sip:+12065550177@54.172.60.1:5060>", "User-Agent: Twilio Gateway"])
    with open(HERE / "twilio_origination_unanswered.pcap", "wb") as fh:
        w = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for off in (0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5):
            ip = _ip4(CARRIER, PBX, _udp(invite, 5060, 5060), dpkt.ip.IP_PROTO_UDP)
            eth = dpkt.ethernet.Ethernet(src=b"\x02\x00\x00\x00\x00\x02", dst=b"\x02\x00\x00\x00\x00\x01",
                                         type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
            w.writepkt(bytes(eth), ts=T0 + off)


if __name__ == "__main__":
    origination_unanswered_pcap()
    ethernet_pcap()
    sll_tls_pcap()
    sll2_v6_pcap()
    two_interfaces_pcapng()
