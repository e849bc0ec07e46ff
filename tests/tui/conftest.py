"""Shared fixtures for the TUI tests: one knowledge base, deterministic sessions, key-press driving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.session.events import SessionRecord

FIXED_ID = "20260101-090000-tui001"
FIXED_TIME = datetime(2026, 1, 1, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def advisor() -> Advisor:
    return Advisor()


def fixed_record() -> SessionRecord:
    return SessionRecord(id=FIXED_ID, created=FIXED_TIME)


@pytest.fixture
def make_app(advisor: Advisor) -> Callable[..., Any]:
    """An AdvisorApp on the shared knowledge, no persistence unless a store is given, fixed session ids."""
    from advisor.tui.app import AdvisorApp

    def make(**kwargs: Any) -> AdvisorApp:
        kwargs.setdefault("store", None)
        kwargs.setdefault("new_record", fixed_record)
        return AdvisorApp(advisor, **kwargs)

    return make
