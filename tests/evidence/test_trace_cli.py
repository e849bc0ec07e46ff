"""`advisor trace` and `observations_from_traces`."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.cli import main
from advisor.cli.common import CliError
from advisor.cli.trace_cmd import observations_from_traces
from advisor.context import TrunkContext
from advisor.evidence.analyze import TraceAnalysis
from advisor.kb.loader import KnowledgeBase

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"


def test_trace_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["trace", str(FIXTURES / "fs_credentials_403.log")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "freeswitch_siptrace" in out and "pbx_log" in out
    assert "(termination) [focus]: 403 Forbidden" in out
    assert "SIP/2.0 407 Proxy Authentication required" in out
    assert "invite_final_status = 403  [trace:fs_credentials_403.log:line" in out
    assert "rejected_invite_had_credentials = yes" in out


def test_trace_json_is_the_analysis_model(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["trace", "--json", str(FIXTURES / "tcpdump_private_sdp.txt")])
    assert rc == 0
    analysis = TraceAnalysis.model_validate_json(capsys.readouterr().out)
    assert analysis.files[0].format == "tcpdump_text"
    assert analysis.rtp and {s.direction for s in analysis.rtp} == {"pbx_to_carrier"}
    finding = next(f for f in analysis.findings if f.observation.id == "pbx_sdp_address")
    assert finding.message_index is not None
    msg = analysis.message(finding.message_index)
    assert msg is not None and msg.first_line.startswith("INVITE ") and msg.raw is None  # not repeated by default
    call = analysis.call_of(msg.index)
    assert call is not None and call.focus


def test_trace_json_full_carries_whole_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--json", "--full", str(FIXTURES / "tcpdump_private_sdp.txt")]) == 0
    analysis = TraceAnalysis.model_validate_json(capsys.readouterr().out)
    finding = next(f for f in analysis.findings if f.observation.id == "pbx_sdp_address")
    assert finding.message_index is not None
    msg = analysis.message(finding.message_index)
    assert msg is not None and msg.raw is not None and "c=IN IP4 192.168.10.15" in msg.raw


def test_trace_full_prints_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--full", str(FIXTURES / "sngrep_orig_415.txt")]) == 0
    assert "Accept: application/sdp" in capsys.readouterr().out


def test_trace_options_reach_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    main(["trace", "--termination-uri", "elsewhere.pstn.twilio.com", str(FIXTURES / "raw_plain_403_acl.txt")])
    assert "request_uri_host_matches_termination_uri = no" in capsys.readouterr().out


def test_unreadable_trace_is_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "capture.bin"
    bad.write_bytes(b"\x00\x01garbage\x00" * 50)
    for argv in (["trace", str(bad)], ["diagnose", "--trace", str(bad)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("advisor: ") and "capture.bin" in err and "\n" not in err


def test_observations_from_traces(kb: KnowledgeBase) -> None:
    obs, warnings = observations_from_traces(kb, [str(FIXTURES / "sngrep_concurrent_503.txt")], TrunkContext())
    ids = {o.id: o.value for o in obs}
    assert ids["invite_final_status"] == "503"
    assert ids["response_reason"] == "concurrent_limit"
    assert all(o.source.kind == "trace" and o.source.file == "sngrep_concurrent_503.txt" for o in obs)
    assert any("5 calls" in w for w in warnings)  # which call the findings are about
    for o in obs:
        assert kb.check_value(o.id, str(o.value)) is not None


def test_a_trace_that_decides_nothing_says_so(kb: KnowledgeBase) -> None:
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    obs, warnings = observations_from_traces(kb, [str(real / "c30_freeswitch_2515.txt")], TrunkContext())
    assert not obs and warnings[0].startswith("the trace(s) decide nothing")
    _, warnings = observations_from_traces(kb, [str(FIXTURES / "sngrep_concurrent_503.txt")], TrunkContext())
    assert not any("decide nothing" in w for w in warnings)


def test_observations_from_traces_fails_cleanly(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(CliError) as err:
        observations_from_traces(kb, [str(tmp_path / "missing.pcap")], TrunkContext())
    assert err.value.code == 2 and "missing.pcap" in err.value.message


def test_every_finding_value_is_in_the_vocabulary(kb: KnowledgeBase) -> None:
    files = sorted(FIXTURES.glob("*.txt")) + sorted(FIXTURES.glob("*.log"))
    obs, _ = observations_from_traces(kb, [str(f) for f in files], TrunkContext())
    assert obs
    for o in obs:
        definition = kb.observations[o.id]
        if definition.type == "number":
            assert isinstance(o.value, float)
        else:
            assert o.value in definition.values, (o.id, o.value)


def test_the_origination_uri_names_the_pbx(capsys: pytest.CaptureFixture[str]) -> None:
    """An inbound call from a carrier no pack knows: only the engineer's origination URI tells the sides."""
    paste = str(Path(__file__).resolve().parents[1] / "data" / "logs" / "unknown_carrier_origination_407.txt")
    assert main(["diagnose", "--trace", paste]) == 0
    assert not capsys.readouterr().out.startswith("Confirmed")
    assert main(["diagnose", "--trace", paste, "--origination-uri", "sip:pbx.example.com:5060"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Confirmed: The PBX does not trust the carrier's signalling addresses as peers")
    assert "call_direction = origination" in out
    assert main(["trace", paste, "--origination-uri", "sip:pbx.example.com:5060", "--json"]) == 0
    assert '"origination"' in capsys.readouterr().out
