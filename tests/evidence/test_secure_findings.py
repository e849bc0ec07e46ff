"""Secure trunking from a trace: the PBX's transport (its own top Via) and its media encryption (its
SDP), which together with the trunk's Secure Trunking setting decide the two secure-trunk causes."""

from __future__ import annotations

from pathlib import Path

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.evidence.analyze import TraceAnalysis, analyze_files
from advisor.kb.loader import KnowledgeBase

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


def read(kb: KnowledgeBase, path: Path) -> TraceAnalysis:
    return analyze_files([path], kb, TrunkContext())


def facts(a: TraceAnalysis) -> dict[str, str]:
    return {f.observation.id: str(f.observation.value) for f in a.findings}


def answer(obs: str, value: str) -> Observation:
    return Observation(id=obs, value=value, source=Source(kind="answer"))


def test_tls_and_srtp_are_read_from_the_pbx_invite(kb: KnowledgeBase, advisor: Advisor) -> None:
    a = read(kb, LOGS / "secure_tls_srtp.txt")
    got = facts(a)
    assert got["sip_transport"] == "tls" and got["pbx_media_encryption"] == "srtp"
    # SRTP towards a trunk without Secure Trunking: the trunk setting decides
    d = advisor.diagnose([*a.observations(), answer("trunk_secure_enabled", "no")], a.warnings)
    assert (d.causes[0].id, d.causes[0].status) == ("term.secure.media_mismatch", "confirmed")
    d = advisor.diagnose([*a.observations(), answer("trunk_secure_enabled", "yes")], a.warnings)
    statuses = {c.id: c.status for c in d.causes}
    assert statuses["term.secure.media_mismatch"] == "ruled_out"
    assert statuses["term.secure.transport_mismatch"] != "confirmed"  # TLS, and no old TLS version seen


def test_plain_udp_and_rtp_against_a_secure_trunk(kb: KnowledgeBase, advisor: Advisor, tmp_path: Path) -> None:
    text = (LOGS / "secure_tls_srtp.txt").read_text()
    plain = (text.replace("SIP/2.0/TLS", "SIP/2.0/UDP").replace(";transport=tls", "").replace(":5061", ":5060")
             .replace("RTP/SAVP", "RTP/AVP"))
    plain = "\n".join(line for line in plain.splitlines() if not line.startswith("a=crypto"))
    path = tmp_path / "plain.txt"
    path.write_text(plain + "\n")
    got = facts(read(kb, path))
    assert got["sip_transport"] == "udp" and got["pbx_media_encryption"] == "rtp"
    a = read(kb, path)
    d = advisor.diagnose([*a.observations(), answer("trunk_secure_enabled", "yes")], a.warnings)
    confirmed = {c.id for c in d.causes if c.status == "confirmed"}
    assert "term.secure.transport_mismatch" in confirmed


def test_a_websocket_via_says_nothing_about_the_trunk(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = (LOGS / "secure_tls_srtp.txt").read_text().replace("SIP/2.0/TLS", "SIP/2.0/WSS")
    path = tmp_path / "ws.txt"
    path.write_text(text)
    assert "sip_transport" not in facts(read(kb, path))
