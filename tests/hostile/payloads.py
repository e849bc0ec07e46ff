"""Hostile strings and inputs shared by the hostile-input suite.

Each payload is something a terminal would obey if printed raw: clipboard
writes, window titles, hyperlinks, screen clears, resets, one-byte C1
controls, bidirectional overrides, a carriage return that overwrites its own
line. Markup payloads check that text is never parsed as Rich/HTML/Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

ESCAPES: dict[str, str] = {
    "osc52_clipboard": "\x1b]52;c;aGFja2Vk\x07",
    "osc0_title": "\x1b]0;pwned-title\x07",
    "osc8_link": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "csi_clear": "\x1b[2J\x1b[H",
    "ris_reset": "\x1bc",
    "c1_csi": "\x9b31m",
    "c1_osc": "\x9d0;c1-title\x9c",
    "bidi_override": "\u202eevil\u202c",
    "carriage_return": "ok\rFAKE",
    "nul_del_bs": "a\x00b\x7fc\x08d",
    "bell": "ring\x07",
    "dcs": "\x1bP1$r\x1b\\",
}
MARKUP: dict[str, str] = {
    "rich_markup": "[bold red]markup[/bold red] [link=http://evil.example]x[/link]",
    "html_script": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "md_heading": "\n# Injected heading\n![img](http://evil.example/x.png)",
}
ALL = {**ESCAPES, **MARKUP}
ONE = "".join(ESCAPES.values())
"""Every escape payload in one string."""

# Independent of advisor.textsafe on purpose: what a terminal acts on.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def raw_controls(text: str) -> list[str]:
    """The control characters left in `text` (empty list = safe for a terminal)."""
    return sorted({f"U+{ord(c):04X}" for c in RAW_CONTROL.findall(text)})


def sip_pair(p: str) -> tuple[str, str]:
    """An INVITE and its 403 with `p` in the reason phrase, Call-ID, User-Agent and display name."""
    head = ("Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK776asdhds\r\n"
            f"From: \"Evil{p}\" <sip:+14155550199@203.0.113.5>;tag=1928301774\r\n")
    call = f"Call-ID: a84b4c76e66710{p}@203.0.113.5\r\nCSeq: 314159 INVITE\r\n"
    invite = ("INVITE sip:+14155550100@example.pstn.twilio.com SIP/2.0\r\n" + head
              + "To: <sip:+14155550100@example.pstn.twilio.com>\r\n" + call
              + f"User-Agent: PBX{p}\r\nContent-Length: 0\r\n\r\n")
    reply = (f"SIP/2.0 403 Forbidden{p}\r\n" + head
             + "To: <sip:+14155550100@example.pstn.twilio.com>;tag=a6c85cf\r\n" + call
             + f"Server: carrier{p}\r\nContent-Length: 0\r\n\r\n")
    return invite, reply


def write_text_trace(path: Path, p: str) -> Path:
    invite, reply = sip_pair(p)
    path.write_bytes((invite + reply).encode("utf-8"))
    return path


def write_pcap(path: Path, p: str) -> Path:
    """A classic pcap (Ethernet/IPv4/UDP) holding the INVITE and the 403, built with dpkt."""
    import dpkt

    pbx, carrier = bytes([203, 0, 113, 5]), bytes([54, 172, 60, 0])
    with path.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for n, (text, src, dst) in enumerate(zip(sip_pair(p), (pbx, carrier), (carrier, pbx), strict=True)):
            udp = dpkt.udp.UDP(sport=5060, dport=5060, data=text.encode("utf-8"))
            udp.ulen = len(udp)
            ip = dpkt.ip.IP(src=src, dst=dst, p=dpkt.ip.IP_PROTO_UDP, data=udp, ttl=64)
            ip.len = len(ip)
            eth = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=dpkt.ethernet.ETH_TYPE_IP, data=ip)
            writer.writepkt(bytes(eth), ts=1_700_000_000 + n * 0.05)
    return path
