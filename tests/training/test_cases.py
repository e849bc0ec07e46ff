"""The case library: valid, covering the catalog, solvable, honest about what a customer knows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.cli.trace_cmd import observations_from_traces
from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.kb.loader import KBError, KnowledgeBase, load_kb
from advisor.kb.models import UNKNOWN
from advisor.training.attempt import HEALTHY, advisor_path, truth_observations
from advisor.training.customer import Customer
from advisor.training.generate import generate, render
from advisor.training.library import CaseLibrary, load_library

REPO = Path(__file__).resolve().parents[2]


def test_at_least_two_cases_per_catalog_cause(kb: KnowledgeBase, library: CaseLibrary) -> None:
    thin = {cid: len(library.for_cause(cid)) for cid in kb.catalog if len(library.for_cause(cid)) < 2}
    assert thin == {}


def test_library_has_the_noisy_kinds_the_job_has(library: CaseLibrary) -> None:
    tags = {t for c in library.cases.values() for t in c.tags}
    assert {"wrong_symptom", "healthy", "two_faults", "inconsistent", "capture_needed"} <= tags
    assert any(c.cause is None for c in library.cases.values())
    assert any(c.also for c in library.cases.values())


@pytest.mark.parametrize("case_id", sorted(load_library(load_kb()).cases))
def test_every_case_is_solvable_from_its_truth(advisor: Advisor, library: CaseLibrary, case_id: str) -> None:
    """With every fact of the case known, the true cause is confirmed (a healthy case confirms nothing)."""
    case = library.cases[case_id]
    d = advisor.diagnose(truth_observations(case))
    confirmed = {c.id for c in d.causes if c.status == "confirmed"}
    if case.cause is None:
        assert confirmed == set()
    else:
        assert confirmed & set(case.causes), (case_id, d.conclusion.summary)


@pytest.mark.parametrize("case_id", sorted(load_library(load_kb()).cases))
def test_the_advisor_solves_each_case_asking_the_same_customer(advisor: Advisor, library: CaseLibrary,
                                                                case_id: str) -> None:
    case = library.cases[case_id]
    path = advisor_path(advisor, library, case)
    if case.cause is None:
        assert path.status != "confirmed" and path.cause in (HEALTHY, None)
    elif "inconsistent" in case.tags:
        # a customer who gets a fact wrong may mislead the advisor too; it must not confirm a wrong cause
        assert path.status != "confirmed" or path.cause in case.causes
    else:
        assert path.status == "confirmed" and path.cause in case.causes, [s.observation for s in path.steps]


def test_customer_answers_cheap_facts_and_not_costly_ones(kb: KnowledgeBase, library: CaseLibrary) -> None:
    case = library.cases["case.noise.drop30_capture_needed"]
    customer = Customer(kb, case, library.settings)
    assert customer.answer("seconds_until_drop").value == 30.0
    costly = customer.answer("ok_contact_private")
    assert costly.value == UNKNOWN and costly.why_unknown
    assert customer.answer("pcmu_offered").value == UNKNOWN  # not a fact of the case at all


def test_customer_is_inconsistent_only_where_the_case_says(kb: KnowledgeBase, library: CaseLibrary) -> None:
    case = library.cases["case.noise.audio_inconsistent"]
    customer = Customer(kb, case, library.settings)
    assert customer.answer("audio_heard").value == "none"
    assert customer.answer("audio_heard").value == "pbx_side_hears_nothing"
    assert customer.answer("audio_heard").value == "pbx_side_hears_nothing"
    assert customer.answer("call_outcome").value == "audio_problem"


def test_customer_unsure_says_i_dont_know_even_for_a_cheap_fact(kb: KnowledgeBase, library: CaseLibrary) -> None:
    case = library.cases["case.noise.unsure_customer_cps"]
    customer = Customer(kb, case, library.settings)
    assert customer.answer("invite_rate_over_cps_limit").value == UNKNOWN
    assert customer.request("alert") is not None
    assert customer.request("trace") is None


def test_a_trace_artefact_reveals_what_the_real_trace_reader_finds(kb: KnowledgeBase, library: CaseLibrary) -> None:
    """The healthy case's declared trace facts are what `advisor trace` reads from its file."""
    for case in library.cases.values():
        art = case.artefacts.get("trace")
        if art is None or art.file is None:
            continue
        observations, _ = observations_from_traces(kb, [str(library.trace_path(art.file))], TrunkContext())
        found = {o.id: o.value for o in observations}
        assert {k: found.get(k) for k in art.reveals} == dict(art.reveals), case.id


def test_generated_cases_are_up_to_date(kb: KnowledgeBase) -> None:
    on_disk = (kb.root / "training" / "cases" / "generated.yaml").read_text(encoding="utf-8")
    assert on_disk == render(generate(kb, REPO / "transcripts")), "run: python -m advisor.training.generate"


def test_a_broken_case_is_reported_with_file_and_line(tmp_path: Path) -> None:
    from advisor.kb.paths import default_knowledge_dir

    root = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), root)
    bad = root / "training" / "cases" / "zz_bad.yaml"
    bad.write_text("cases:\n  - id: case.bad.one\n    title: x\n    cause: no.such.cause\n    words: hi\n"
                   "    facts: {invite_final_status: '999'}\n    source: test\n", encoding="utf-8")
    kb = load_kb(root)
    with pytest.raises(KBError) as err:
        load_library(kb)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "zz_bad.yaml:4" in text and "unknown cause 'no.such.cause'" in text
    assert "zz_bad.yaml:6" in text and "'999' is not a value of invite_final_status" in text
