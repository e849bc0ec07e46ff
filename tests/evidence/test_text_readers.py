"""Text readers: format detection, markers, line references, tolerance, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.evidence.load import load_trace, load_trace_detailed
from advisor.evidence.records import TraceError
from advisor.evidence.sipmsg import parse_message
from advisor.evidence.textlogs import detect_format, read_text

OPTIONS = (
    "OPTIONS sip:54.172.60.1:5060 SIP/2.0\n"
    "Via: SIP/2.0/UDP 81.2.69.160:5060;branch=z9hG4bK-opt1;rport\n"
    "From: <sip:ping@81.2.69.160>;tag=p1\n"
    "To: <sip:54.172.60.1:5060>\n"
    "Call-ID: opt-1@81.2.69.160\n"
    "CSeq: 1 OPTIONS\n"
    "Max-Forwards: 70\n"
    "Content-Length: 0\n"
)
OPTIONS_OK = (
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP 81.2.69.160:5060;branch=z9hG4bK-opt1;rport=5060;received=81.2.69.160\n"
    "From: <sip:ping@81.2.69.160>;tag=p1\n"
    "To: <sip:54.172.60.1:5060>;tag=t9\n"
    "Call-ID: opt-1@81.2.69.160\n"
    "CSeq: 1 OPTIONS\n"
    "Server: Twilio\n"
    "Content-Length: 0\n"
)
SDP = "v=0\no=- 1 1 IN IP4 81.2.69.160\ns=-\nc=IN IP4 81.2.69.160\nt=0 0\nm=audio 10000 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
INVITE = (
    "INVITE sip:+14155550132@bay.pstn.twilio.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 81.2.69.160:5060;branch=z9hG4bK-inv1;rport\n"
    "From: <sip:+16465550111@81.2.69.160>;tag=i1\n"
    "To: <sip:+14155550132@bay.pstn.twilio.com>\n"
    "Call-ID: inv-1@81.2.69.160\n"
    "CSeq: 20 INVITE\n"
    "Contact: <sip:pbx@81.2.69.160:5060>\n"
    "Content-Type: application/sdp\n"
    f"Content-Length: {len(SDP.replace(chr(10), chr(13) + chr(10)))}\n"
    "\n" + SDP
)


def _first_lines(text: str, name: str = "t.txt") -> list[tuple[int | None, str]]:
    cc = read_text(text, name)
    return [(r.ref.line, parse_message(r.raw).first_line) for r in cc.sip]


def test_raw_without_blank_line_between_messages_and_mixed_line_ends() -> None:
    text = OPTIONS.replace("\n", "\r\n") + OPTIONS_OK.replace("\n", "\r")  # CRLF, then old-Mac CR
    assert detect_format(text) == "raw"
    assert _first_lines(text) == [(1, "OPTIONS sip:54.172.60.1:5060 SIP/2.0"), (9, "SIP/2.0 200 OK")]


def test_raw_body_that_lost_trailing_whitespace() -> None:
    # Content-Length counts CRLFs and trailing blanks the paste dropped: the next message is still found
    inflated = INVITE.replace("Content-Length: ", "Content-Length: 1").replace("\n\nv=0", "\n\nv=0")
    text = inflated + "\n" + OPTIONS
    got = _first_lines(text)
    assert [g[1].split()[0] for g in got] == ["INVITE", "OPTIONS"]
    cc = read_text(text, "t.txt")
    m = parse_message(cc.sip[0].raw)
    assert m.sdp is not None and m.sdp.audio_address() == "81.2.69.160"


@pytest.mark.parametrize("stamp, src, dst", [
    ("[2024-05-20 14:03:11.120] --> 54.172.60.1:5060", None, "54.172.60.1"),
    ("------ 14:03:11.120473 81.2.69.160:5060 > 54.172.60.1:5060 ------", "81.2.69.160", "54.172.60.1"),
    ("#12 2024-05-20 14:03:11.120 81.2.69.160:5060 -> 54.172.60.1:5060", "81.2.69.160", "54.172.60.1"),
    ("U 2024/05/20 14:03:11.120473 81.2.69.160:5060 -> 54.172.60.1:5060", "81.2.69.160", "54.172.60.1"),
    ("54.172.60.1:5060 <- 81.2.69.160:5060 at 14:03:11", "81.2.69.160", "54.172.60.1"),
])
def test_raw_stamp_lines(stamp: str, src: str | None, dst: str) -> None:
    cc = read_text(f"some chatter before\n{stamp}\n{OPTIONS}\n", "t.txt")
    assert cc.format == "raw"
    rec = cc.sip[0]
    assert rec.ref.line == 3
    assert rec.dst == dst
    if src is not None:
        assert rec.src == src
    else:  # one address: the local side comes from what the host itself sent (its Via)
        assert rec.src == "81.2.69.160"
    assert rec.ts is not None


def test_prose_is_not_a_stamp() -> None:
    text = "We sent it to 54.172.60.1:5060 and nothing happened\n\n" + OPTIONS
    rec = read_text(text, "t.txt").sip[0]
    assert rec.src is None and rec.dst is None


def test_pjsip_full_log_with_a_prefix_on_every_line() -> None:
    lines = ["<--- Transmitting SIP request (412 bytes) to UDP:54.172.60.1:5060 --->", *OPTIONS.splitlines(), "",
             "<--- Received SIP response (380 bytes) from UDP:54.172.60.1:5060 --->", *OPTIONS_OK.splitlines(), ""]
    text = "".join(f"Mar 24 11:21:{20 + n:02d} pbx01 asterisk[2211]: {ln}\n" for n, ln in enumerate(lines))
    assert detect_format(text) == "asterisk_pjsip"
    cc, directions = read_text(text, "syslog"), load_directions(text)
    assert [parse_message(r.raw).first_line for r in cc.sip] == ["OPTIONS sip:54.172.60.1:5060 SIP/2.0", "SIP/2.0 200 OK"]
    assert directions == ["sent", "received"]
    assert cc.sip[0].src == "81.2.69.160" and cc.sip[1].dst == "81.2.69.160"
    assert cc.sip[0].ts is not None and cc.sip[1].ts is not None and cc.sip[1].ts > cc.sip[0].ts


def load_directions(text: str) -> list[str | None]:
    from advisor.evidence.textlogs import read_text_detailed

    return read_text_detailed(text, "x")[1]


def test_chan_sip_old_style_markers() -> None:
    text = ("Reliably Transmitting (NAT) to 54.172.60.1:5060:\n" + OPTIONS + "\n---\n"
            "Retransmitting #1 (NAT) to 54.172.60.1:5060:\n" + OPTIONS + "\n---\n"
            "\n<--- SIP read from UDP:54.172.60.1:5060 --->\n" + OPTIONS_OK + "\n<------------->\n"
            "--- (8 headers 0 lines) ---\n")
    assert detect_format(text) == "asterisk_chan_sip"
    cc = read_text(text, "full")
    assert len(cc.sip) == 3
    assert [r.dst for r in cc.sip] == ["54.172.60.1", "54.172.60.1", "81.2.69.160"]
    assert cc.sip[2].transport == "udp"


def test_freeswitch_ipv6_and_tcp() -> None:
    msg = OPTIONS.replace("81.2.69.160", "[2a01:4f8::2]")
    body = "".join("   " + ln + "\n" for ln in msg.splitlines()) + "   \n"
    dashes = "   " + "-" * 72 + "\n"
    text = ("2024-02-19 15:30:44.020117 [DEBUG] sofia.c:7084 Channel entering state [calling][0]\n"
            f"send 390 bytes to tcp/[2600:1f18::10]:5060 at 15:30:44.021000:\n{dashes}{body}{dashes}")
    cc = read_text(text, "fs.log")
    assert cc.format == "freeswitch_siptrace"
    rec = cc.sip[0]
    assert rec.dst == "2600:1f18::10" and rec.dport == 5060 and rec.transport == "tcp"
    assert rec.ref.line == 4
    assert rec.ts is not None and rec.ts > 1e9  # the date comes from the console line above
    assert parse_message(rec.raw).vias[0].host == "2a01:4f8::2"


def test_tcpdump_variants() -> None:
    sip = "".join("\t" + ln + "\n" for ln in OPTIONS.splitlines()) + "\t\n"
    text = (
        "2024-05-20 14:03:11.120473 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto UDP (17), length 440)\n"
        "    10.1.1.5.5060 > 54.172.60.1.5060: SIP, length: 412\n" + sip
        + "2024-05-20 14:03:11.140473 IP6 (flowlabel 0x1, hlim 52, next-header UDP (17) payload length: 180)"
          " 2600:1f18::10.30000 > 2a01:4f8::2.10000: UDP, length 172\n"
        + "2024-05-20 14:03:11.160473 IP6 (flowlabel 0x1, hlim 52, next-header UDP (17) payload length: 180)"
          " 2600:1f18::10.30000 > 2a01:4f8::2.10000: UDP, length 172\n"
        + "2024-05-20 14:03:11.170000 IP 10.1.1.5.53211 > 8.8.8.8.53: 4411+ A? bay.pstn.twilio.com. (37)\n"
    )
    cc = read_text(text, "dump.txt")
    assert cc.format == "tcpdump_text"
    assert len(cc.sip) == 1 and cc.sip[0].ttl == 64 and cc.sip[0].ref.line == 3
    assert cc.sip[0].ts is not None and cc.sip[0].ts > 1.7e9
    assert len(cc.rtp) == 1
    s = cc.rtp[0]
    assert (s.src, s.sport, s.dst, s.dport, s.packets, s.min_ttl) == ("2600:1f18::10", 30000, "2a01:4f8::2", 10000, 2, 52)
    assert cc.packets == 4


def test_tcpdump_ascii_payload_and_service_names() -> None:
    text = ("IP 107.21.211.20.sip > 119.252.76.172.sip: UDP, length 402\n"
            "E.....@.).Jqk...w.L.......\".OPTIONS sip:54.172.60.1:5060 SIP/2.0\n" + "\n".join(OPTIONS.splitlines()[1:])
            + "\n")
    cc = read_text(text, "a.txt")
    assert len(cc.sip) == 1
    rec = cc.sip[0]
    assert (rec.src, rec.sport, rec.dst, rec.dport) == ("107.21.211.20", 5060, "119.252.76.172", 5060)
    assert not cc.rtp


def test_sngrep_ipv6_addresses() -> None:
    text = f"2024/05/20 14:03:11.120473 [2a01:4f8::2]:5060 -> [2600:1f18::10]:5060\n{OPTIONS}\n\n"
    cc = read_text(text, "s.txt")
    assert cc.format == "sngrep_txt"
    assert cc.sip[0].src == "2a01:4f8::2" and cc.sip[0].dport == 5060


def test_records_name_the_file_by_its_name(tmp_path: Path) -> None:
    f = tmp_path / "pbx.log"
    f.write_text(OPTIONS)
    lt = load_trace_detailed(f)
    assert lt.contents.sip[0].ref.label() == "pbx.log:line 1"
    assert lt.directions == [None]


def test_no_sip_is_a_warning_not_an_error(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("The customer says calls fail since Monday.\nFrom sip:test@146.190.152.236\n")
    cc = load_trace(f)
    assert not cc.sip and cc.warnings and "no SIP message" in cc.warnings[0]


@pytest.mark.parametrize("content, needle", [
    (b"", "empty file"),
    (b"\x00\x01\x02binary\x00" * 20, "binary data"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip"),
])
def test_unreadable_input_is_one_line(tmp_path: Path, content: bytes, needle: str) -> None:
    f = tmp_path / "bad.bin"
    f.write_bytes(content)
    with pytest.raises(TraceError) as err:
        load_trace(f)
    msg = str(err.value)
    assert needle in msg and "bad.bin" in msg and "\n" not in msg


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="no such file"):
        load_trace(tmp_path / "nope.txt")
    with pytest.raises(TraceError, match="directory"):
        load_trace(tmp_path)


def test_utf16_text(tmp_path: Path) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes(OPTIONS.encode("utf-16"))
    assert len(load_trace(f).sip) == 1


def test_paste_indented_as_a_whole() -> None:
    text = "Here is what the PBX sent:\n\n" + "".join("    " + ln + "\n" for ln in INVITE.splitlines()) + "\nThanks\n"
    cc = read_text(text, "mail.txt")
    assert len(cc.sip) == 1 and cc.sip[0].ref.line == 3
    m = parse_message(cc.sip[0].raw)
    assert m.call_id == "inv-1@81.2.69.160" and m.sdp is not None and m.sdp.audio() is not None


def test_ngrep_byline() -> None:
    def block(msg: str) -> str:
        return "".join(ln + ".\n" for ln in msg.splitlines()) + ".\n"

    text = ("interface: eth0 (10.1.1.0/255.255.255.0)\nfilter: ( port 5060 ) and ((ip || ip6) || (vlan && (ip || ip6)))\n"
            "#\nU 2024/05/20 14:03:11.120473 10.1.1.5:5060 -> 54.172.60.1:5060 #1\n" + block(INVITE)
            + "#\nT 54.172.60.1:5060 -> 10.1.1.5:5060 [AP] #2\n" + block(OPTIONS_OK) + "#\n")
    assert detect_format(text) == "raw"
    cc = read_text(text, "ngrep.txt")
    assert [parse_message(r.raw).first_line.split()[0] for r in cc.sip] == ["INVITE", "SIP/2.0"]
    inv = parse_message(cc.sip[0].raw)
    assert inv.content_length == len(inv.body) and inv.sdp is not None
    assert (cc.sip[0].src, cc.sip[0].dst) == ("10.1.1.5", "54.172.60.1")
    assert cc.sip[1].transport == "tcp" and cc.sip[1].src == "54.172.60.1"


def test_chan_sip_read_marker_without_transport() -> None:
    text = "<--- SIP read from 54.172.60.1:5060 --->\n" + OPTIONS_OK + "\n<------------->\n"
    cc = read_text(text, "old.log")
    assert cc.format == "asterisk_chan_sip" and cc.sip[0].src == "54.172.60.1"


def test_pbx_log_local_address_per_far_end() -> None:
    phone = INVITE.replace("81.2.69.160", "192.168.1.10").replace("inv-1", "leg-a")
    text = ("<--- Transmitting SIP request (600 bytes) to UDP:192.168.1.50:5062 --->\n" + phone + "\n"
            "<--- Transmitting SIP request (600 bytes) to UDP:54.172.60.1:5060 --->\n" + INVITE + "\n"
            "<--- Received SIP response (380 bytes) from UDP:54.172.60.1:5060 --->\n" + OPTIONS_OK + "\n"
            "<--- Received SIP response (380 bytes) from UDP:192.168.1.50:5062 --->\n"
            + OPTIONS_OK.replace("opt-1", "opt-2") + "\n")
    cc = read_text(text, "full")
    assert [r.src for r in cc.sip[:2]] == ["192.168.1.10", "81.2.69.160"]
    assert [r.dst for r in cc.sip[2:]] == ["81.2.69.160", "192.168.1.10"]


def test_terminal_colours_and_lost_blank_line_before_sdp() -> None:
    text = "\x1b[32m" + INVITE.replace("\n\nv=0", "\nv=0") + "\x1b[0m\n"
    cc = read_text(text, "colour.log")
    m = parse_message(cc.sip[0].raw)
    assert m.sdp is not None and m.sdp.audio_address() == "81.2.69.160"
    assert m.first_line.startswith("INVITE sip:+14155550132@")


def test_tcpdump_with_link_level_headers() -> None:
    sip = "".join("\t" + ln + "\n" for ln in OPTIONS.splitlines()) + "\t\n"
    text = ("13:47:32.655566 52:54:00:12:34:56 > 00:1a:2b:3c:4d:5e, ethertype IPv4 (0x0800), length 454:"
            " (tos 0x0, ttl 64, id 5081, offset 0, flags [DF], proto UDP (17), length 440)\n"
            "    10.1.1.5.5060 > 54.172.60.1.5060: SIP, length: 412\n" + sip)
    cc = read_text(text, "e.txt")
    assert cc.format == "tcpdump_text" and len(cc.sip) == 1
    assert cc.sip[0].ttl == 64 and cc.sip[0].src == "10.1.1.5"
