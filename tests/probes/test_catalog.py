"""knowledge/probes.yaml: the vantage point decides whether a result is evidence."""

from __future__ import annotations

from pathlib import Path

from advisor.cli import main
from advisor.kb.loader import KnowledgeBase, load_kb
from advisor.probes.catalog import ProbeCatalog, check_catalog
from advisor.probes.model import ProbeResult


def _result(probe: str, role: str, outcome: str, **details: object) -> ProbeResult:
    return ProbeResult(probe=probe, role=role, target="sip:edge.example", outcome=outcome, ok=True, summary="s",
                       started="2026-11-30T12:00:00+00:00", elapsed_ms=1.0, details=details)  # type: ignore[arg-type]


def test_options_answer_counts_only_from_the_pbx_host(catalog: ProbeCatalog) -> None:
    r = _result("options", "carrier", "answered", nat=True, via_rewritten=False)
    assert catalog.observations_for(r, "engineer") == []
    why = catalog.ignored_because(r, "engineer")
    assert why is not None and "pbx_host" in why and "options_ping_to_carrier" in why
    got = {o.id: o.value for o in catalog.observations_for(r, "pbx_host", "pbx01")}
    assert got == {"options_ping_to_carrier": "answered", "sip_reaches_internet_edge": "yes", "sip_leaves_pbx": "yes",
                   "nat_on_signalling_path": "yes", "sip_alg_rewrites_via": "no"}
    obs = catalog.observations_for(r, "pbx_host", "pbx01")[0]
    assert obs.source.kind == "probe" and obs.source.label().startswith("probe:options@pbx_host:pbx01@2026-11-30")


def test_timeout_from_the_pbx_is_evidence_of_a_blocked_path(catalog: ProbeCatalog) -> None:
    got = {o.id: o.value for o in catalog.observations_for(_result("options", "carrier", "timeout"), "pbx_host")}
    assert got == {"options_ping_to_carrier": "timeout"}


def test_location_independent_probes_count_anywhere(catalog: ProbeCatalog) -> None:
    for where in ("engineer", "pbx_host"):
        got = catalog.observations_for(_result("numbers", "dialled", "not_e164"), where)
        assert [(o.id, o.value) for o in got] == [("dialed_number_e164", "no")]
    assert catalog.observations_for(_result("numbers", "dialled", "masked"), "engineer") == []


def test_origination_nxdomain_counts_from_the_engineer(catalog: ProbeCatalog) -> None:
    got = catalog.observations_for(_result("dns", "origination", "nxdomain"), "engineer")
    assert [(o.id, o.value) for o in got] == [("origination_uri_state", "unresolvable")]
    assert catalog.observations_for(_result("dns", "origination", "resolved"), "engineer") == []


def test_which_probes_answer_an_observation(catalog: ProbeCatalog) -> None:
    got = [(p.id, role, where) for p, role, where in catalog.probes_answering("options_ping_to_carrier")]
    assert got == [("options", "carrier", ["pbx_host"])]


def _break(kb_copy: Path, old: str, new: str) -> None:
    f = kb_copy / "probes.yaml"
    text = f.read_text()
    assert old in text
    f.write_text(text.replace(old, new, 1))


def test_unknown_observation_and_value_have_file_and_line(kb_copy: Path) -> None:
    _break(kb_copy, "observation: options_ping_to_carrier", "observation: options_ping")
    _break(kb_copy, "values: {resolved: \"yes\"", "values: {resolved: \"maybe\"")
    _, problems = check_catalog(load_kb(kb_copy))
    texts = [str(p) for p in problems]
    assert any(t.startswith("knowledge/probes.yaml:") and "unknown observation 'options_ping'" in t for t in texts)
    assert any("'maybe' is not a value of dns_resolves_termination_uri" in t for t in texts)
    line = next(p.line for p in problems if "options_ping'" in p.message)
    assert "observation: options_ping" in (kb_copy / "probes.yaml").read_text().splitlines()[line - 1]


def test_unknown_vantage_and_outcome(kb_copy: Path) -> None:
    _break(kb_copy, "where: [pbx_host]", "where: [laptop]")
    _break(kb_copy, "values: {answered: answered, timeout: timeout}", "values: {answerd: answered}")
    texts = [p.message for p in check_catalog(load_kb(kb_copy))[1]]
    assert any("unknown vantage 'laptop'" in t for t in texts)
    assert any("'answerd' is not an outcome of options" in t for t in texts)


def test_kb_check_reports_probe_problems(kb_copy: Path, capsys: object) -> None:
    _break(kb_copy, "observation: options_ping_to_carrier", "observation: options_ping")
    assert main(["--kb", str(kb_copy), "kb", "check"]) == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "probes.yaml" in out and "unknown observation 'options_ping'" in out


def test_shipped_catalog_is_clean(kb: KnowledgeBase) -> None:
    catalog, problems = check_catalog(kb)
    assert problems == [] and catalog is not None
