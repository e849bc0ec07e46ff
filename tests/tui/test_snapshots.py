"""Snapshots (pytest-textual-snapshot) of the start screen, a question with the reasoning panel,
and a diagnosis, at 80x24 and 120x40. Sessions use a fixed id; nothing on screen shows a clock.

The screens show knowledge-base text: after changing knowledge/, rerun
`pytest tests/tui --snapshot-update`, look at the new SVGs, and commit them.
"""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import settle

from advisor.engine.diagnosis import Advisor
from advisor.tui.present import symptoms_of

SIZES = [(80, 24), (120, 40)]


def term_403_key(advisor: Advisor) -> str:
    return str([s for s, _ in symptoms_of(advisor.kb, "calls_out_fail")].index("term_403") + 1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_start_screen(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_question_with_reasoning(snap_compare: Any, make_app: Any, advisor: Advisor, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1", term_403_key(advisor))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_diagnosis(snap_compare: Any, make_app: Any, advisor: Advisor, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1", term_403_key(advisor))
        await settle(pilot)
        await pilot.press("1")  # the rejected INVITE carried credentials
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
