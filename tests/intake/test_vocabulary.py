"""knowledge/intake.yaml is validated (pydantic) and cross-checked against the
observations; every problem is one `file:line: reason`, and `kb check` fails on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.cli import main
from advisor.intake.understand import Intake
from advisor.intake.vocabulary import check_vocabulary, load_vocabulary
from advisor.kb.loader import KnowledgeBase, load_kb


def test_shipped_vocabulary_is_clean(kb: KnowledgeBase) -> None:
    assert check_vocabulary(kb) == []


def _break(kb_copy: Path, old: str, new: str) -> list[str]:
    path = kb_copy / "intake.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(p) for p in check_vocabulary(load_kb(kb_copy))]


def _line_of(kb_copy: Path, needle: str) -> int:
    lines = (kb_copy / "intake.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_unknown_observation_is_reported_with_its_line(kb_copy: Path) -> None:
    problems = _break(kb_copy, "set: {call_direction: termination}", "set: {call_directon: termination}")
    line = _line_of(kb_copy, "call_directon")
    assert problems == [f"knowledge/intake.yaml:{line}: unknown observation 'call_directon'"]


def test_unknown_value_names_the_allowed_ones(kb_copy: Path) -> None:
    problems = _break(kb_copy, "set: {response_reason: cps_limit}", "set: {response_reason: cps}")
    assert len(problems) == 1
    assert "'cps' is not a value of response_reason (allowed: plain," in problems[0]


def test_bad_regular_expression(kb_copy: Path) -> None:
    problems = _break(kb_copy, "pattern: '\\b(?P<n>\\d+(?:\\.\\d+)?) ?cps\\b'", "pattern: '(?P<n>[0-9'")
    line = _line_of(kb_copy, "pattern: '(?P<n>[0-9'")
    assert len(problems) == 1
    assert problems[0].startswith(f"knowledge/intake.yaml:{line}: numbers.1.pattern: invalid regular expression")


def test_a_number_pattern_must_feed_a_number_observation(kb_copy: Path) -> None:
    problems = _break(kb_copy, "observation: concurrent_calls", "observation: trial_account")
    assert problems and "trial_account is not a number observation" in problems[0]


def test_missing_field_and_unknown_field(kb_copy: Path) -> None:
    problems = _break(kb_copy, "threshold: 0.7\n", "threshhold: 0.7\n")
    line = _line_of(kb_copy, "threshhold")
    assert sorted(problems) == [f"knowledge/intake.yaml:{line}: threshhold: unknown field",
                                f"knowledge/intake.yaml:{line}: threshold: required field missing"]


def test_kb_check_fails_on_a_broken_vocabulary(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(kb_copy, "set: {trial_account: \"yes\"}", "set: {trial_account: maybe}")
    assert main(["--kb", str(kb_copy), "kb", "check"]) == 1
    assert "intake.yaml" in capsys.readouterr().out


def test_adding_a_phrase_needs_no_python(kb_copy: Path) -> None:
    path = kb_copy / "intake.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('phrases: [outbound, outgoing,', 'phrases: [abgehend, outbound, outgoing,', 1),
                    encoding="utf-8")
    kb = load_kb(kb_copy)
    intake = Intake(kb, load_vocabulary(kb))
    got = {u.observation: u.value for u in intake.understand("abgehende Anrufe: abgehend 403").applied()}
    assert got["call_direction"] == "termination"


def test_input_probes_must_exist_in_probes_yaml(kb_copy: Path) -> None:
    assert (kb_copy / "probes.yaml").is_file()
    problems = _break(kb_copy, "ip_address: address,", "ip_address: adress,")
    assert len(problems) == 1 and "unknown probe 'adress'" in problems[0]


def test_a_phrase_may_name_a_guide_heading_checked_against_symptoms(kb_copy: Path) -> None:
    problems = _break(kb_copy, "set: {response_reason: blacklisted}", "set: {response_reason: blacklisted, symptom: term_404}")
    assert len(problems) == 1 and "'term_404' is not a value of symptom (allowed: term_no_response," in problems[0]
