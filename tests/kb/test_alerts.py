"""An engineer who already has the carrier's alert code can say so and see it decide."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KBError, load_kb


def _answers(**values: str) -> list[Observation]:
    return [Observation(id=k, value=v, source=Source(kind="answer", detail=k)) for k, v in values.items()]


@pytest.mark.parametrize(("code", "cause"), [
    ("32201", "term.403.acl_mismatch"),
    ("32001", "term.503.cps_limit"),
    ("32204", "term.403.caller_id_not_verified"),
    ("32101", "term.400.dialed_number_not_e164"),
    ("32010", "orig.not_delivered.origination_uri_unresolvable"),
])
def test_a_documented_alert_confirms_its_cause(advisor: Advisor, code: str, cause: str) -> None:
    d = advisor.diagnose(_answers(alert_code=code))
    assert d.conclusion.status == "confirmed"
    assert d.conclusion.cause == cause
    top = d.causes[0]
    assert any(r.effect == "meets_requirement" and (r.observation == "alert_code" or "alert_code" in (r.source or ""))
               for r in top.because)


def test_an_alert_fills_the_facts_it_proves(advisor: Advisor) -> None:
    d = advisor.diagnose(_answers(alert_code="32204"))
    facts = {o.id: o.value for o in d.observations}
    assert facts["call_direction"] == "termination"
    assert facts["caller_id_on_account"] == "no"


def test_a_pointing_alert_ranks_without_confirming(advisor: Advisor) -> None:
    d = advisor.diagnose(_answers(alert_code="32011"))
    assert d.conclusion.status != "confirmed"
    alive = [c.id for c in d.causes if c.status != "ruled_out"]
    assert all(c.startswith("orig.") or c.startswith("audio.") for c in alive[:3])
    assert d.causes[0].id in {"orig.timeout.origination_uri_wrong", "orig.firewall.carrier_not_allowed",
                              "orig.peers.not_trusted"}


def test_an_alert_naming_an_unknown_cause_is_a_file_line_error(kb_copy: Path) -> None:
    f = kb_copy / "alerts" / "twilio.yaml"
    f.write_text(f.read_text().replace("cause: term.403.acl_mismatch", "cause: term.403.nope", 1))
    with pytest.raises(KBError) as exc:
        load_kb(kb_copy)
    assert any("alerts/twilio.yaml" in p.file and "term.403.nope" in p.message for p in exc.value.problems)


def test_an_alert_code_missing_from_the_vocabulary_is_reported(kb_copy: Path) -> None:
    f = kb_copy / "alerts" / "twilio.yaml"
    f.write_text(f.read_text() + '''
  - code: "32999"
    title: made up
    source: https://www.twilio.com/docs/api/errors/32999
''')
    with pytest.raises(KBError) as exc:
        load_kb(kb_copy)
    assert any("32999" in p.message and "alert_code" in p.message for p in exc.value.problems)
