"""SIP message and SDP parsing: RFC 3261 / 4566 corners."""

from __future__ import annotations

import pytest

from advisor.evidence.sdp import parse_sdp
from advisor.evidence.sipmsg import (
    SipParseError,
    canonical_name,
    is_start_line,
    parse_message,
    parse_name_addr,
    parse_uri,
    parse_via,
    split_header_values,
)

SDP = (
    "v=0\r\n"
    "o=- 3912 3913 IN IP4 10.1.2.3\r\n"
    "s=call\r\n"
    "c=IN IP4 198.18.0.1\r\n"
    "t=0 0\r\n"
    "a=sendonly\r\n"
    "m=audio 4000 RTP/AVP 96 8 101\r\n"
    "c=IN IP4 81.2.69.160\r\n"
    "a=rtpmap:96 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=rtcp:4001\r\n"
    "m=video 0 RTP/AVP 97\r\n"
    "a=inactive\r\n"
)


def message(*lines: str, body: str = "") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def test_compact_header_forms() -> None:
    m = parse_message(message(
        "INVITE sip:+14155550132@trunk.pstn.twilio.com SIP/2.0",
        "v: SIP/2.0/UDP 81.2.69.160:5060;branch=z9hG4bK1",
        "f: <sip:+16465550111@81.2.69.160>;tag=a1",
        "t: <sip:+14155550132@trunk.pstn.twilio.com>",
        "i: abc@81.2.69.160",
        "m: <sip:pbx@81.2.69.160>",
        "CSeq: 1 INVITE",
        "k: timer",
        "x: 1800",
        "c: application/sdp",
        f"l: {len(SDP)}",
        body=SDP))
    assert m.call_id == "abc@81.2.69.160"
    assert m.from_ is not None and m.from_.tag == "a1"
    assert m.to is not None and m.to.tag is None
    assert m.contacts[0].uri is not None and m.contacts[0].uri.host == "81.2.69.160"
    assert m.header("supported") == "timer"
    assert m.int_header("Session-Expires") == 1800
    assert m.content_length == len(SDP)
    assert m.sdp is not None and m.sdp.audio_address() == "81.2.69.160"
    assert canonical_name("I") == "call-id" and canonical_name("Call-ID") == "call-id"


def test_header_names_are_case_insensitive() -> None:
    m = parse_message(message("OPTIONS sip:a@b SIP/2.0", "CALL-ID: x", "cseq: 7 options", "VIA: SIP/2.0/TCP h;branch=z9"))
    assert m.call_id == "x"
    assert m.cseq == (7, "OPTIONS")
    assert m.vias[0].transport == "TCP"


def test_folded_header_lines() -> None:
    m = parse_message(message(
        "INVITE sip:1@h SIP/2.0",
        "Call-ID: f1",
        "CSeq: 1 INVITE",
        "Subject: first part",
        "  and the rest",
        "\tand more",
        "Remote-Party-ID: \"Desk\" <sip:2207@10.0.0.1>;party=calling;",
        " privacy=off"))
    assert m.header("subject") == "first part and the rest and more"
    rpid = parse_name_addr(m.values("remote-party-id")[0])
    assert rpid.params["privacy"] == "off" and rpid.params["party"] == "calling"


def test_multiple_vias_in_order_both_ways_of_writing() -> None:
    m = parse_message(message(
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP 54.244.51.2:5060;branch=z9hG4bKa.0, SIP / 2.0 / UDP 172.25.1.2:5060;rport=5060;"
        "received=54.1.2.3;branch=z9hG4bKb",
        "v: SIP/2.0/TLS [2001:db8::5]:5061;branch=z9hG4bKc",
        "Call-ID: v", "CSeq: 5 INVITE"))
    hosts = [(v.transport, v.host, v.port) for v in m.vias]
    assert hosts == [("UDP", "54.244.51.2", 5060), ("UDP", "172.25.1.2", 5060), ("TLS", "2001:db8::5", 5061)]
    assert m.branch == "z9hG4bKa.0"
    assert m.vias[1].received == "54.1.2.3" and m.vias[1].rport == "5060"
    via = parse_via("SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bKx")
    assert via is not None and via.rport == "" and via.port is None


def test_name_addr_versus_addr_spec() -> None:
    na = parse_name_addr('"Smith, John" <sip:+15035550144@host.example:5080;user=phone>;tag=9a')
    assert na.display == "Smith, John"
    assert na.uri is not None and na.uri.user == "+15035550144" and na.uri.port == 5080
    assert na.uri.params == {"user": "phone"}
    assert na.tag == "9a"
    # addr-spec: the parameters belong to the header, not the URI (RFC 3261 20.10)
    spec = parse_name_addr("sip:alice@atlanta.example;tag=88sja8x")
    assert spec.uri is not None and spec.uri.params == {} and spec.tag == "88sja8x"
    assert parse_name_addr("Bob <sip:bob@b.example>").display == "Bob"


def test_comma_lists_respect_quotes_and_brackets() -> None:
    assert split_header_values('"A, B" <sip:a@h>;q=0.5, <sip:b@h;x=1,2>, sip:c@h') == [
        '"A, B" <sip:a@h>;q=0.5', "<sip:b@h;x=1,2>", "sip:c@h"]
    m = parse_message(message("SIP/2.0 200 OK", "Call-ID: c", "CSeq: 1 INVITE",
                              "Record-Route: <sip:54.172.60.0;lr;ftag=x>, <sip:10.0.0.1;lr>",
                              "Record-Route: <sip:edge.example;lr>",
                              "Proxy-Authenticate: Digest realm=\"sip.twilio.com\",qop=\"auth\",nonce=\"n\""))
    assert [r.uri.host for r in m.record_route if r.uri] == ["54.172.60.0", "10.0.0.1", "edge.example"]
    assert len(m.values("proxy-authenticate")) == 1  # not a list header: commas stay


def test_uris() -> None:
    u = parse_uri("sip:+4930555012345;npdi;rn=+49305@spree.pstn.twilio.com;user=phone?subject=x")
    assert u is not None
    assert u.user_number == "+4930555012345"
    assert u.host == "spree.pstn.twilio.com" and u.params == {"user": "phone"} and u.headers == "subject=x"
    v6 = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tls")
    assert v6 is not None and v6.scheme == "sips" and v6.password == "secret"
    assert v6.host == "2001:db8::1" and v6.port == 5061 and v6.host_is_ip
    tel = parse_uri("tel:+61255501234;phone-context=+61")
    assert tel is not None and tel.user_number == "+61255501234"
    bare = parse_uri("sip:54.172.60.0")
    assert bare is not None and bare.user is None and bare.effective_port() == 5060
    assert bare.same_target(parse_uri("sip:54.172.60.0:5060;lr") or bare)
    assert parse_uri("no scheme here") is None


def test_body_by_content_length() -> None:
    extra = "garbage after the message"
    m = parse_message(message("INVITE sip:x@h SIP/2.0", "Call-ID: b", "CSeq: 1 INVITE", "Content-Type: application/sdp",
                              f"Content-Length: {len(SDP)}", body=SDP + extra))
    assert m.body == SDP.encode()
    short = parse_message(message("INVITE sip:x@h SIP/2.0", "Call-ID: b", "CSeq: 1 INVITE",
                                  "Content-Length: 900", body=SDP))
    assert any("truncated" in w for w in short.warnings)
    # pasted text that lost its CRs is a few bytes short: no warning
    lf = SDP.replace("\r\n", "\n")
    pasted = parse_message(("INVITE sip:x@h SIP/2.0\nCall-ID: b\nCSeq: 1 INVITE\nContent-Type: application/sdp\n"
                            f"Content-Length: {len(SDP)}\n\n{lf}").encode())
    assert not pasted.warnings and pasted.sdp is not None


def test_start_lines() -> None:
    assert is_start_line("INVITE sip:+1@h SIP/2.0")
    assert is_start_line("SIP/2.0 100 trying -- your call is important to us")
    assert is_start_line("SIP/2.0 183")
    assert not is_start_line("Via: SIP/2.0/UDP 1.2.3.4")
    assert not is_start_line("INVITE sip:+1@h")
    m = parse_message(message("SIP/2.0 503 Trunk CPS limit exceeded", "Call-ID: s", "CSeq: 2 INVITE"))
    assert (m.status, m.reason) == (503, "Trunk CPS limit exceeded")
    assert m.summary() == "503 Trunk CPS limit exceeded (INVITE)"


@pytest.mark.parametrize("text, why", [
    ("", "empty"),
    ("hello world\r\n\r\n", "not a SIP request or status line"),
    ("INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n", "no Call-ID"),
    ("INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: one INVITE\r\n\r\n", "CSeq"),
])
def test_malformed_messages_raise_parse_errors(text: str, why: str) -> None:
    with pytest.raises(SipParseError, match=why):
        parse_message(text)


def test_junk_lines_become_warnings() -> None:
    m = parse_message(message("BYE sip:a@b SIP/2.0", "Call-ID: j", "this is not a header", "CSeq: 3 BYE"))
    assert m.cseq == (3, "BYE")
    assert m.warnings and "not a header" in m.warnings[0]


def test_sdp_session_versus_media_level() -> None:
    sd = parse_sdp(SDP)
    assert sd.origin is not None and sd.origin.address == "10.1.2.3"
    assert sd.connection == "198.18.0.1"
    audio = sd.audio()
    assert audio is not None and audio.port == 4000 and audio.formats == ["96", "8", "101"]
    assert sd.address_of(audio) == "81.2.69.160"  # media-level c= wins
    assert sd.direction_of(audio) == "sendonly"  # inherited from the session
    video = sd.media[1]
    assert sd.address_of(video) == "198.18.0.1" and sd.direction_of(video) == "inactive"
    assert audio.rtcp_port == 4001
    assert sd.encodings(audio) == ["PCMU", "PCMA", "TELEPHONE-EVENT"]
    assert sd.offers_pcmu()  # dynamic payload type mapped to PCMU counts


def test_sdp_without_pcmu_and_with_static_types() -> None:
    sd = parse_sdp("v=0\no=- 1 1 IN IP4 1.1.1.1\ns=-\nc=IN IP4 1.1.1.1\nt=0 0\nm=audio 5004 RTP/AVP 18 9\n")
    audio = sd.audio()
    assert audio is not None
    assert sd.encodings(audio) == ["G729", "G722"] and not sd.offers_pcmu()
    broken = parse_sdp("v=0\nthis is junk\nm=audio\nc=IN\n")
    assert broken.warnings and broken.audio() is None


def test_multipart_body_with_sdp() -> None:
    body = ("--b1\r\nContent-Type: application/sdp\r\n\r\n" + SDP + "--b1\r\nContent-Type: application/isup\r\n\r\n"
            "xx\r\n--b1--\r\n")
    m = parse_message(message("INVITE sip:a@b SIP/2.0", "Call-ID: mp", "CSeq: 1 INVITE",
                              'Content-Type: multipart/mixed;boundary="b1"', f"Content-Length: {len(body)}", body=body))
    assert m.sdp is not None and m.sdp.audio_address() == "81.2.69.160"


# --------------------------------------------------------------------------- compact storage


@pytest.mark.parametrize("value", [
    '"Bob; tag=no" <sip:bob@h>;tag=yes', "<sip:bob@h;tag=uri-param>;tag=hdr", "<sip:bob@h>", "sip:bob@h;tag=x",
    "sip:+1;npdi@h;tag=y", "<sip:bob@h", "<sip:bob@h>;TAG=Up", "<sip:a@h>;tag", "*", "sip:h;tag=a;tag=b",
])
def test_fast_tag_matches_the_full_parse(value: str) -> None:
    msg = parse_message(f"ACK sip:x@h SIP/2.0\r\nFrom: {value}\r\nTo: {value}\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n")
    expected = msg.from_.tag if msg.from_ is not None else None
    assert msg.from_tag == expected and msg.to_tag == expected


@pytest.mark.parametrize("via", [
    "SIP/2.0/UDP h:5060;branch=z9hG4bKa, SIP/2.0/UDP g;branch=z9hG4bKb", "garbage, SIP/2.0/UDP g;branch=z9hG4bKb",
    'SIP/2.0/UDP h;branch=z9hG4bKq;x="a,b"', "SIP / 2.0 / TCP h ;branch=z9hG4bKs", "SIP/2.0/UDP h",
])
def test_fast_branch_matches_the_full_parse(via: str) -> None:
    msg = parse_message(f"BYE sip:x@h SIP/2.0\r\nVia: {via}\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n")
    assert msg.top_branch == msg.branch


def test_a_kept_message_is_its_bytes_plus_little() -> None:
    """Headers are offsets into the raw bytes: a parsed message costs well under 2 KB beyond its bytes."""
    import tracemalloc

    raw = (b"INVITE sip:+12125550100@198.51.100.20:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK1\r\n"
           b"Max-Forwards: 70\r\nFrom: <sip:+14155550100@203.0.113.10>;tag=a1\r\nTo: <sip:+12125550100@198.51.100.20>\r\n"
           b"Call-ID: abc@203.0.113.10\r\nCSeq: 1 INVITE\r\nContact: <sip:+14155550100@203.0.113.10:5060>\r\n"
           b"User-Agent: x\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n")
    copies = [bytes(bytearray(raw)) for _ in range(500)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [parse_message(c) for c in copies]
    per_message = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    tracemalloc.stop()
    assert per_message < 1000, per_message
    assert kept[0].header("call-id") == "abc@203.0.113.10" and kept[0].body == b"v=0\n"
    assert kept[0].cseq == (1, "INVITE") and kept[0].top_branch == "z9hG4bK1"


def test_folded_and_odd_lines_still_parse_one_by_one() -> None:
    msg = parse_message("OPTIONS sip:h SIP/2.0\r\nSubject: one\r\n  two\r\nnot a header\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n")
    assert msg.header("subject") == "one two"
    assert any("not a header" in w for w in msg.warnings)
    assert [h.key for h in msg.headers] == ["subject", "call-id", "cseq"]


# --------------------------------------------------------------------------- the light readers of every message

_VIAS = ["SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", "SIP/2.0/UDP 10.0.0.1:5060 ; Branch = \"z9hG4bK2\" ;rport",
         "SIP/2.0/TCP [2001:db8::1]:5061;branch=a;branch=b", "SIP / 2.0 / UDP host.example;branch",
         "garbage", "SIP/2.0/UDP", "SIP/2.0/UDP 10.0.0.2;received=\"x;y\";branch=q",
         "SIP/2.0/UDP <10.0.0.3>;branch=r", ", SIP/2.0/UDP 10.0.0.4;branch=s, SIP/2.0/UDP 10.0.0.5;branch=t",
         "SIP/2.0/UDP 10.0.0.6:99999;BRANCH=u;x=1", "SIP/2.0/UDP host:5060;;branch=v;"]
_CONTACTS = ["<sip:alice@10.0.0.1:5060>", '"Bob, Jr" <sip:bob@[2001:db8::2]>;expires=60', "sip:carol@host;transport=tcp",
             "*", "", " , <sip:dave@10.0.0.9>", "<tel:+12125550000>", "<not a uri>", "sip:x@y, sip:z@w"]
_BODIES = [("application/sdp", "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n"),
           ("application/sdp", "v=0\r\nm=video 5000 RTP/AVP 96\r\nc=IN IP4 9.9.9.9\r\nm=audio 0 RTP/AVP 0\r\n"
                               "m=audio 6000 RTP/AVP 8\r\nc=IN IP4 5.6.7.8/127\r\n"),
           ("application/sdp", "v=0\nc=IN IP4 1.1.1.1\nm=audio 70000 RTP/AVP 0\nm=audio\nc=IN IP4 2.2.2.2\n"),
           (None, "v=0\r\nc=IN IP4 3.3.3.3\r\nm=audio 8000/2 RTP/AVP 0\r\n"), (None, "hello"),
           ("text/plain", "v=0\r\nc=IN IP4 4.4.4.4\r\n"), ("application/sdp", "  \r\n"),
           ('multipart/mixed;boundary="b"', "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
                                             "c=IN IP4 7.7.7.7\r\nm=audio 9000 RTP/AVP 0\r\n--b--\r\n"),
           ("application/sdp", "v=0\r\nx\r\n c=IN IP4 8.8.8.8 \r\nm=AUDIO 10 RTP/AVP 0\r\n")]


@pytest.mark.parametrize("via", _VIAS)
@pytest.mark.parametrize("contact", _CONTACTS)
def test_light_readers_agree_with_the_parsed_objects(via: str, contact: str) -> None:
    """top_via_host_branch, first_contact_host and sdp_audio (remembered per distinct text) give
    what first_via(), first_contact() and sdp_unkept() give, for odd values too."""
    for ctype, body in _BODIES:
        head = f"INVITE sip:a@b SIP/2.0\r\nVia: {via}\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContact: {contact}\r\n"
        if ctype is not None:
            head += f"Content-Type: {ctype}\r\n"
        for _ in range(2):  # the second time from what was remembered
            msg = parse_message(head + "\r\n" + body)
            top = msg.first_via()
            assert msg.top_via_host_branch() == ((top.host, top.branch) if top is not None else None)
            first = msg.first_contact()
            assert msg.first_contact_host() == (first.uri.host if first is not None and first.uri else None)
            sdp = msg.sdp_unkept()
            if sdp is None:
                assert msg.sdp_audio() is None
            else:
                media = sdp.audio()
                assert msg.sdp_audio() == (sdp.audio_address(), media.port if media is not None else 0)
            assert msg.ruri_host() == (msg.ruri.host if msg.ruri is not None else None)


@pytest.mark.parametrize("to", [*_CONTACTS, '"A, B" <sip:+1415@trunk.example>;tag=x', "<sip:h>;tag=1", None])
def test_to_host_is_the_parsed_to_s_host(to: str | None) -> None:
    """to_host (parsed, not kept) gives what the parsed To gives."""
    head = "SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n" + (f"To: {to}\r\n" if to is not None else "")
    for _ in range(2):
        msg = parse_message(head + "\r\n")
        host = msg.to_host()
        parsed = msg.to
        assert host == (parsed.uri.host if parsed is not None and parsed.uri is not None else None)
        assert msg.to_host() == host  # from the kept parsed object now
