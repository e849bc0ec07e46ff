"""The shipped knowledge base loads, covers the catalog, and lints clean."""

from __future__ import annotations

import yaml

from advisor.kb.lint import lint
from advisor.kb.loader import KnowledgeBase
from tests.conftest import SPEC


def test_every_shipped_file_loads(kb: KnowledgeBase) -> None:
    assert len(kb.causes) >= 28
    assert kb.observations and kb.questions and kb.symptoms and kb.families and kb.tips
    assert kb.trace.carrier.signalling_networks and kb.trace.reason_patterns


def test_catalog_file_matches_the_spec(kb: KnowledgeBase) -> None:
    spec = SPEC / "causes.yaml"
    ids = [c["id"] for c in yaml.safe_load(spec.read_text())]
    assert kb.catalog == ids
    assert set(ids) <= set(kb.causes)


def test_every_cause_is_complete(kb: KnowledgeBase) -> None:
    for cause in kb.causes.values():
        assert cause.fix and cause.mechanism and cause.guide, cause.id
        assert cause.symptom in kb.symptoms, cause.id
        assert len(cause.requires) >= 1


def test_every_question_offers_its_values(kb: KnowledgeBase) -> None:
    for q in kb.questions.values():
        obs = kb.observations[q.observation]
        assert set(q.labels) <= set(obs.values), q.id


def test_lint_is_clean(kb: KnowledgeBase) -> None:
    assert [str(f) for f in lint(kb) if f.severity == "error"] == []


def test_alerts_point_at_known_causes(kb: KnowledgeBase) -> None:
    assert any(a.code == "32201" and a.cause == "term.403.acl_mismatch" for a in kb.alerts)
    for alert in kb.alerts:
        assert alert.cause is None or alert.cause in kb.causes
        assert set(alert.supports) <= set(kb.causes)
        assert alert.source.startswith("https://www.twilio.com/docs/api/errors/" + alert.code)


def test_every_alert_code_is_an_answer_and_every_answer_is_documented(kb: KnowledgeBase) -> None:
    values = set(kb.observations["alert_code"].values)
    assert {a.code for a in kb.alerts} == values - {"none", "other"}
    assert set(kb.question_for["alert_code"].labels) == values
    assert all(kb.alert_carriers[a.code] == "twilio" for a in kb.alerts)
