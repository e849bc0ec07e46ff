"""Shared fixtures for training: the shipped case library and a progress store in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.kb.loader import KnowledgeBase
from advisor.training.library import CaseLibrary, load_library
from advisor.training.progress import ProgressStore


@pytest.fixture(scope="session")
def library(kb: KnowledgeBase) -> CaseLibrary:
    return load_library(kb)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "data")
