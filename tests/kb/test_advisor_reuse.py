"""The CLI reuses a compiled advisor only while the knowledge it was built from is byte-identical."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.cli.common import CliError, advisor_or_exit


def _args(kb: Path | None) -> argparse.Namespace:
    return argparse.Namespace(kb=str(kb) if kb else None)


def test_same_knowledge_gives_the_same_advisor(kb_copy: Path) -> None:
    first = advisor_or_exit(_args(kb_copy))
    assert advisor_or_exit(_args(kb_copy)) is first
    assert advisor_or_exit(_args(None)) is not first  # another directory: its own build


def test_an_edited_knowledge_file_gives_a_fresh_advisor(kb_copy: Path) -> None:
    first = advisor_or_exit(_args(kb_copy))
    questions = kb_copy / "questions.yaml"
    old = "text: Which way do the failing calls go?"
    assert old in questions.read_text()
    questions.write_text(questions.read_text().replace(old, "text: Which way do the broken calls go?", 1))
    second = advisor_or_exit(_args(kb_copy))
    assert second is not first
    assert second.kb.questions["q.call_direction"].text == "Which way do the broken calls go?"
    assert first.kb.questions["q.call_direction"].text == "Which way do the failing calls go?"


def test_a_knowledge_base_broken_after_a_good_build_still_fails(kb_copy: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    advisor_or_exit(_args(kb_copy))
    questions = kb_copy / "questions.yaml"
    questions.write_text(questions.read_text().replace("observation: call_direction", "observation: no_such_obs", 1))
    for _ in range(2):  # never cached: exit 1 every time
        with pytest.raises(CliError) as info:
            advisor_or_exit(_args(kb_copy))
        assert info.value.code == 1
    assert main(["--kb", str(kb_copy), "diagnose"]) == 1
    err = capsys.readouterr().err
    assert "questions.yaml" in err and "Traceback" not in err


def test_the_shipped_knowledge_dir_is_looked_up_once() -> None:
    from advisor.kb.paths import default_knowledge_dir

    found = default_knowledge_dir()
    assert found.is_absolute() and (found / "catalog.yaml").is_file() and (found / "redaction.yaml").is_file()
    assert default_knowledge_dir() is found
