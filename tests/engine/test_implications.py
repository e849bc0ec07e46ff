"""Derived facts: chains, conflicts with stated facts, and where the chain shows (JSON, ticket)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import main
from advisor.engine.derive import Deriver
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN


def _obs(kind: str = "answer", **values: str) -> list[Observation]:
    return [Observation(id=k, value=v, source=Source(kind=kind, detail=k)) for k, v in values.items()]  # type: ignore[arg-type]


def test_a_chain_of_two_implications_keeps_its_premises(advisor: Advisor) -> None:
    d = advisor.diagnose(_obs(invite_in_pbx_logs="yes"))
    facts = {o.id: o for o in d.observations}
    host = facts["invite_reaches_pbx_host"]
    assert host.value == "yes" and host.source.kind == "derived"
    assert host.source.derived_from == ["invite_in_pbx_logs=yes"]
    edge = facts["invite_reaches_network_edge"]
    assert edge.source.derived_from == ["invite_reaches_pbx_host=yes"]
    routes = facts["origination_uri_routes"]
    assert routes.value == "yes" and "derived from invite_reaches_network_edge=yes" in routes.source.label()
    assert routes.note  # the implication's reason travels with the fact


def test_a_derived_fact_never_overrides_a_stated_one_and_the_clash_is_a_conflict(advisor: Advisor) -> None:
    d = advisor.diagnose(_obs(call_direction="origination", invite_reaches_pbx_host="yes",
                              invite_reaches_network_edge="no"))
    facts = {o.id: o for o in d.observations}
    assert facts["invite_reaches_network_edge"].value == "no"  # what the engineer said stands
    assert facts["invite_reaches_network_edge"].source.kind == "answer"
    [c] = [c for c in d.conflicts if c.observation == "invite_reaches_network_edge"]
    assert c.stated == "no" and c.other == "yes" and c.derived_from == ["invite_reaches_pbx_host=yes"]
    assert "which is wrong" in c.question.lower()
    assert any(w.startswith("conflict:") for w in d.warnings)


def test_a_trace_that_contradicts_an_answer_is_a_conflict_not_two_confirmations(advisor: Advisor) -> None:
    given = [*_obs(symptom="term_403", rejected_invite_had_credentials="no", source_ip_in_acl="no"),
             *_obs("trace", rejected_invite_had_credentials="yes")]
    d = advisor.diagnose(given)
    assert sum(c.status == "confirmed" for c in d.causes) <= 1
    assert any(c.observation == "rejected_invite_had_credentials" for c in d.conflicts)
    # the later fact is used, but no confirmation rests on the contested one
    assert d.conclusion.status != "confirmed"


def test_an_alert_proving_a_cause_the_facts_rule_out_is_a_conflict(advisor: Advisor) -> None:
    d = advisor.diagnose(_obs(alert_code="32201", call_direction="origination"))
    assert not any(c.status == "confirmed" for c in d.causes)
    assert any(c.observation == "call_direction" and c.rule == "alert:32201" for c in d.conflicts)


def test_derived_facts_show_in_diagnose_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--json", "-a", "options_ping_to_carrier=answered"]) == 0
    raw = json.loads(capsys.readouterr().out)
    derived = [o for o in raw["observations"] if o["source"]["kind"] == "derived"]
    assert {o["id"] for o in derived} >= {"dns_resolves_termination_uri", "sip_reaches_internet_edge"}
    assert all(o["source"]["derived_from"] for o in derived)
    dns = next(c for c in raw["causes"] if c["id"] == "term.no_response.dns_unreachable")
    assert dns["status"] == "ruled_out"
    assert any("derived from" in (r["source"] or "") for r in dns["because"])


def test_unknown_answers_can_be_filled_by_derivation(advisor: Advisor) -> None:
    d = advisor.diagnose(_obs(audio_heard="both_ways", rtp_from_carrier_arrives=UNKNOWN))
    facts = {o.id: o for o in d.observations}
    assert facts["rtp_from_carrier_arrives"].value == "yes"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_what_if_closure_agrees_with_experta(kb: KnowledgeBase, data: st.DataObject) -> None:
    """Question choice uses the plain closure; diagnoses use experta: they must derive the same facts."""
    deriver = Deriver(kb)
    names = sorted(o for o, d in kb.observations.items() if d.type != "number")
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True))
    values = {o: data.draw(st.sampled_from(kb.observations[o].values)) for o in chosen}
    stated = {o: Observation(id=o, value=v, source=Source(kind="answer")) for o, v in values.items()}
    derivation = deriver.derive(stated)
    closed = deriver.closure({}, dict(sorted(values.items())))
    by_experta = {o: obs.value for o, obs in derivation.derived.items()}
    by_closure = {o: v for o, v in closed.items() if o not in values}
    if not derivation.conflicts:  # with clashing derivations the first one wins in each: order may differ
        assert by_experta == by_closure
