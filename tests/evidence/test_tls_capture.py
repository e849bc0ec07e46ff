"""Encrypted SIP over TLS: what the clear-text handshake of a capture shows.

The handshakes are real: OpenSSL (Python's ssl, client and server on memory BIOs, no socket)
produces the records, which are written into a pcap as the TCP segments a capture would hold.
The carrier's address is a Twilio signalling address; the PBX's is a documentation address.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import dpkt
import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.evidence.tlsinfo import parse_tls_payload
from advisor.kb.loader import KnowledgeBase
from tests.probes.servers import make_cert

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # TLS 1.0/1.1 on purpose

PBX, CARRIER = "198.51.100.20", "54.172.60.1"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"), "acme.pstn.twilio.com")


def handshake(cert: tuple[Path, Path], client_max: ssl.TLSVersion, server_min: ssl.TLSVersion,
              verify: bool = False) -> list[tuple[str, bytes]]:
    """The records each side sends, in order: [('c', bytes) | ('s', bytes)], until the handshake ends."""
    key, crt = cert
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(crt, key)
    sctx.minimum_version = server_min
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = verify
    cctx.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE  # verify: the self-signed cert is refused
    cctx.maximum_version = client_max
    for ctx in (sctx, cctx):
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = min(ctx.minimum_version, ssl.TLSVersion.TLSv1) if ctx is cctx else ctx.minimum_version
    cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = cctx.wrap_bio(cin, cout, server_hostname="acme.pstn.twilio.com")
    server = sctx.wrap_bio(sin, sout, server_side=True)
    sent: list[tuple[str, bytes]] = []
    done = {"c": False, "s": False}
    for _ in range(8):
        for side, obj, out, peer_in in (("c", client, cout, sin), ("s", server, sout, cin)):
            if not done[side]:
                try:
                    obj.do_handshake()
                    done[side] = True
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                except ssl.SSLError:
                    done[side] = True  # the alert it sends is in `out`
            data = out.read()
            if data:
                sent.append((side, data))
                peer_in.write(data)
        if all(done.values()) and not cout.pending and not sout.pending:
            break
    if done["c"] and done["s"]:
        with contextlib.suppress(ssl.SSLError):
            client.write(b"INVITE sip:+14155550123@acme.pstn.twilio.com SIP/2.0\r\n\r\n")
        data = cout.read()
        if data:
            sent.append(("c", data))
    return sent


def write_capture(path: Path, steps: Iterator[tuple[str, int, bytes]]) -> Path:
    with path.open("wb") as fh:
        w = dpkt.pcap.Writer(fh)
        seq = {"c": 1000, "s": 5000}  # each side's next sequence number (a SYN counts one)
        for n, (side, flags, payload) in enumerate(steps):
            src, dst, sport, dport = (PBX, CARRIER, 40123, 5061) if side == "c" else (CARRIER, PBX, 5061, 40123)
            tcp = dpkt.tcp.TCP(sport=sport, dport=dport, seq=seq[side], ack=seq["s" if side == "c" else "c"],
                               flags=flags, data=payload)
            seq[side] += len(payload) + (1 if flags & dpkt.tcp.TH_SYN else 0)
            ip = dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=dpkt.ip.IP_PROTO_TCP, data=tcp)
            ip.len = len(bytes(ip))
            eth = dpkt.ethernet.Ethernet(src=b"\x02\0\0\0\0\x01", dst=b"\x02\0\0\0\0\x02", type=dpkt.ethernet.ETH_TYPE_IP,
                                         data=ip)
            w.writepkt(bytes(eth), ts=1_700_000_000 + n * 0.05)
    return path


def connected(records: list[tuple[str, bytes]]) -> Iterator[tuple[str, int, bytes]]:
    syn, ack, psh = dpkt.tcp.TH_SYN, dpkt.tcp.TH_ACK, dpkt.tcp.TH_PUSH
    yield "c", syn, b""
    yield "s", syn | ack, b""
    for side, data in records:
        yield side, ack | psh, data


def read(kb: KnowledgeBase, path: Path) -> TraceAnalysis:
    return analyze_files([path], kb, TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def test_a_tls_1_2_call_is_established_and_read_without_keys(kb: KnowledgeBase, cert: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    recs = handshake(cert, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    a = read(kb, write_capture(tmp_path / "ok.pcap", connected(recs)))
    got = facts(a)
    assert got["sip_transport"] == "tls" and got["tls_version"] == "tls1_2_or_later"
    assert got["tls_handshake_to_carrier"] == "established"
    assert any("encrypted" in n for n in a.notes)
    assert {p.kind for p in a.packets} == {"tls"}


def test_tls_1_3_is_read_from_supported_versions(cert: tuple[Path, Path]) -> None:
    recs = handshake(cert, ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2)
    kinds = [step for side, data in recs for step in parse_tls_payload(data)]
    assert ("client_hello", "TLS1.3", None, "acme.pstn.twilio.com") in kinds
    assert any(k == "server_hello" and v == "TLS1.3" for k, v, _, _ in kinds)


def test_an_old_pbx_tls_against_a_tls_1_2_carrier(kb: KnowledgeBase, advisor: Advisor, cert: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    recs = handshake(cert, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1_2)
    assert recs and recs[0][0] == "c"
    a = read(kb, write_capture(tmp_path / "old.pcap", connected(recs)))
    got = facts(a)
    assert got["tls_version"] == "tls1_1"  # the ClientHello offers no more than TLS 1.1
    assert got["tls_handshake_to_carrier"] == "failed"  # the server's protocol_version alert
    d = advisor.diagnose(a.observations(), a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.secure.transport_mismatch", "confirmed")


def test_the_pbx_refusing_the_carriers_certificate(kb: KnowledgeBase, cert: tuple[Path, Path], tmp_path: Path) -> None:
    recs = handshake(cert, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2, verify=True)
    got = facts(read(kb, write_capture(tmp_path / "cert.pcap", connected(recs))))
    assert got["tls_handshake_to_carrier"] == "bad_certificate"


def test_port_5061_refused_and_dropped(kb: KnowledgeBase, tmp_path: Path) -> None:
    rst = [("c", dpkt.tcp.TH_SYN, b""), ("s", dpkt.tcp.TH_RST | dpkt.tcp.TH_ACK, b"")]
    assert facts(read(kb, write_capture(tmp_path / "rst.pcap", iter(rst))))["tls_handshake_to_carrier"] == "refused"
    dropped = [("c", dpkt.tcp.TH_SYN, b"")] * 5  # 0.05 s apart: too soon to call it dropped
    got = facts(read(kb, write_capture(tmp_path / "soon.pcap", iter(dropped))))
    assert "tls_handshake_to_carrier" not in got and got["sip_transport"] == "tls"


def test_answers_still_decide(kb: KnowledgeBase, advisor: Advisor, cert: tuple[Path, Path], tmp_path: Path) -> None:
    recs = handshake(cert, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    a = read(kb, write_capture(tmp_path / "ok.pcap", connected(recs)))
    secure_off = Observation(id="trunk_secure_enabled", value="no", source=Source(kind="answer"))
    d = advisor.diagnose([*a.observations(), secure_off], a.warnings)
    assert not [c.id for c in d.causes if c.status == "confirmed" and c.id == "term.secure.transport_mismatch"]


def test_the_encrypted_records_are_named_as_such() -> None:
    from advisor.evidence.load import load_trace_detailed

    data = Path(__file__).resolve().parents[1] / "data" / "tls" / "tls12_established.pcap"
    warnings = load_trace_detailed(data).contents.warnings
    assert any("TLS-encrypted" in w for w in warnings) and not any("not SIP" in w for w in warnings)
