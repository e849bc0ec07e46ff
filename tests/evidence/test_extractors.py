"""Evidence extraction is a declared layer: every area declares what it may conclude, and it is held to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.evidence.analyze import analyze_files
from advisor.evidence.calls import build_calls
from advisor.evidence.extract import UndeclaredFinding
from advisor.evidence.extract.base import Ctx, Finding
from advisor.evidence.load import load_trace_detailed
from advisor.evidence.sides import assign_sides
from advisor.kb.loader import KBError, KnowledgeBase, load_kb

DATA = Path(__file__).resolve().parents[1] / "data"
AREAS = {"verdict", "termination", "origination", "media", "network", "rates", "logs", "fragments", "tls"}


def test_every_area_is_declared(kb: KnowledgeBase) -> None:
    assert set(kb.extractors) == AREAS


def _ctx(kb: KnowledgeBase) -> Ctx:
    lt = load_trace_detailed(DATA / "samples" / "s01.txt")
    cs = build_calls([lt])
    return Ctx(cs, assign_sides(cs, kb, TrunkContext()), kb)


def test_an_undeclared_observation_fails_loudly(kb: KnowledgeBase) -> None:
    add = _ctx(kb).emitter("rates")
    with pytest.raises(UndeclaredFinding, match="does not declare"):
        add(Finding("caller_id_e164", "no", "x", "x"))
    with pytest.raises(UndeclaredFinding, match="not among its declared values"):
        _ctx(kb).emitter("termination")(Finding("sip_leaves_pbx", "no", "x", "x"))
    with pytest.raises(UndeclaredFinding, match="not declared"):
        _ctx(kb).emitter("nowhere")


TRACES = sorted((DATA / "samples").glob("s*.*")) + sorted(p for p in (DATA / "logs").glob("*.*") if p.suffix != ".md")


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_findings_carry_their_area_and_stay_within_it(kb: KnowledgeBase, path: Path) -> None:
    from advisor.evidence.extract import derive_findings

    lt = load_trace_detailed(path)
    cs = build_calls([lt])
    result = derive_findings(cs, assign_sides(cs, kb, TrunkContext()), kb)
    for f in result.findings:
        declared = kb.extractors[f.area].produces[f.obs_id]
        assert declared == "any" or str(f.value) in declared, (f.area, f.obs_id, f.value)


def test_kb_check_rejects_an_unknown_declared_observation(kb_copy: Path) -> None:
    p = kb_copy / "extractors.yaml"
    p.write_text(p.read_text().replace("      pcmu_offered: [yes, no]", "      pcmu_offerd: [yes, no]"))
    with pytest.raises(KBError) as exc:
        load_kb(kb_copy)
    assert any("unknown observation 'pcmu_offerd'" in pr.message for pr in exc.value.problems)
    assert main(["--kb", str(kb_copy), "kb", "check"]) == 1  # `advisor kb check` fails on it


def test_kb_check_rejects_an_undeclared_value(kb_copy: Path) -> None:
    p = kb_copy / "extractors.yaml"
    p.write_text(p.read_text().replace("      options_ping_to_carrier: [answered, timeout]",
                                       "      options_ping_to_carrier: [answered, lost]"))
    with pytest.raises(KBError) as exc:
        load_kb(kb_copy)
    assert any("'lost', not a value of options_ping_to_carrier" in pr.message for pr in exc.value.problems)


def test_thresholds_are_typed(kb_copy: Path) -> None:
    p = kb_copy / "trace.yaml"
    p.write_text(p.read_text().replace("low_rtp_ttl: 10", "low_rtp_tll: 10"))
    with pytest.raises(KBError) as exc:
        load_kb(kb_copy)
    assert any("low_rtp_tll" in pr.message for pr in exc.value.problems)


def test_a_carrier_is_data(kb_copy: Path, tmp_path: Path) -> None:
    """A third carrier pack, written as YAML only, is recognised in a trace."""
    (kb_copy / "carriers" / "examplecarrier.yaml").write_text(
        "name: Example Carrier\ntrunk_domains: [sip.example-carrier.net]\n"
        "signalling_networks:\n  - {cidr: 81.2.69.160/32, region: test}\n"
        "source: [https://example.com/docs/ip-addresses]\n")
    kb = load_kb(kb_copy)
    a = analyze_files([DATA / "logs" / "unknown_carrier_ack.txt"], kb, TrunkContext())
    got = {f.observation.id: str(f.observation.value) for f in a.findings}
    assert got["request_uri_host_matches_termination_uri"] == "yes"
    assert "81.2.69.160 is a carrier address" in a.calls[0].sides_note
