"""Shared fixtures: the shipped knowledge base, a compiled advisor, the samples in tests/data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.kb.loader import KnowledgeBase, load_kb
from advisor.kb.paths import default_knowledge_dir

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"  # everything a test reads lives in the repository
SAMPLES = DATA / "samples"  # the ten synthetic samples, expected.yaml and the four real examples
SPEC = DATA / "spec"  # the cause catalog (causes.yaml, causes-beyond-guide.yaml)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_kb()


@pytest.fixture(scope="session")
def advisor(kb: KnowledgeBase) -> Advisor:
    return Advisor(kb)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped knowledge base, for breaking on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes sessions into the real user data directory."""
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path_factory.mktemp("advisor-data")))
