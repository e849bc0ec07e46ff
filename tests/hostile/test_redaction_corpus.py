"""The redaction corpus (tests/hostile/data/redaction_corpus.yaml) against the shipped rules.

Written from the issue's leak list and the carrier's credential formats before
the rules ran: every secret must be gone in every export notation (plain,
HTML-escaped, JSON-escaped), every `keep` must survive, and the `untouched`
texts (Call-IDs, branch parameters, tags, Call SIDs, addresses, timestamps,
ordinary prose about passwords) must come out byte-identical.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from advisor.session.redact import check_rules, redact_data, redact_numbers, redact_secrets, redact_text, rules_path

CORPUS: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "data" / "redaction_corpus.yaml").read_text())
POSITIVE: list[dict[str, Any]] = CORPUS["positive"]
UNTOUCHED: list[str] = CORPUS["untouched"]


def test_corpus_size() -> None:
    assert len(POSITIVE) >= 100 and len(UNTOUCHED) >= 50
    for case in POSITIVE:  # an example that could not fail is no example
        for part in [*case["secret"], *case.get("keep", [])]:
            assert part in case["text"], case


def test_shipped_rules_pass_their_own_examples() -> None:
    assert [str(p) for p in check_rules(rules_path())] == []


@pytest.mark.parametrize("case", POSITIVE, ids=[c["text"][:40] for c in POSITIVE])
def test_positive(case: dict[str, Any]) -> None:
    numbers = bool(case.get("numbers"))
    out = redact_text(case["text"], numbers)
    for gone in case["secret"]:
        assert gone not in out, out
    for kept in case.get("keep", []):
        assert kept in out, out
    assert redact_text(out, numbers) == out  # idempotent


PLAIN = [c for c in POSITIVE if not c.get("numbers") and "&" not in c["text"] and "\\" not in c["text"]]


@pytest.mark.parametrize("case", PLAIN, ids=[c["text"][:40] for c in PLAIN])
def test_positive_in_escaped_exports(case: dict[str, Any]) -> None:
    """The same secret inside an HTML export and inside JSON text is masked too (texts not already escaped)."""
    for rendered in (html.escape(case["text"]), json.dumps(case["text"])[1:-1]):
        out = redact_secrets(rendered)
        for gone in case["secret"]:
            assert gone not in out, (rendered, out)


def test_positive_in_structures() -> None:
    data = {"notes": [c["text"] for c in POSITIVE if not c.get("numbers")]}
    out = json.dumps(redact_data(data))
    for case in POSITIVE:
        if not case.get("numbers"):
            for gone in case["secret"]:
                assert gone not in out


@pytest.mark.parametrize("text", UNTOUCHED)
def test_untouched(text: str) -> None:
    assert redact_secrets(text) == text
    assert redact_numbers(text) == text
