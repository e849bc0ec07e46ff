"""Snapshots of the training screens: home, a round, the conclude dialog, a debrief, a report, explore.

After changing these screens or the knowledge they show: `pytest tests/tui_training --snapshot-update`,
look at the new SVGs, and commit them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.training.library import load_library
from advisor.training.progress import ProgressStore
from advisor.training.rounds import Choice, play
from advisor.tui.training.app import TrainingApp
from advisor.tui.training.messages import Options, StartPractice

ACL = "case.term.403.acl_mismatch.kb"
SIZES = [(80, 24), (120, 40)]


def app(tmp_path: Path, rounds: int = 0) -> TrainingApp:
    advisor = Advisor()
    lib = load_library(advisor.kb)
    store = ProgressStore(tmp_path)
    for i in range(rounds):
        play(advisor, lib, ACL, [Choice(ask="symptom")], "term.403.acl_mismatch" if i else "term.403.credentials_mismatch",
             trainee="ana", store=store)
    return TrainingApp(advisor=advisor, library=lib, store=store, seed=3, trainee="ana", clock=lambda: 0.0)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for field in pilot.app.screen.query("Input"):
        field.cursor_blink = False  # a blinking cursor makes the picture depend on timing
    await pilot.pause()


async def to_round(pilot: Any) -> None:
    await settle(pilot)
    pilot.app.screen.post_message(StartPractice(Options(trainee="ana"), case_id=ACL))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app(tmp_path), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_round(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await to_round(pilot)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=size, run_before=run_before)


def test_conclude_dialog(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await to_round(pilot)
        await pilot.press("ctrl+d")
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_debrief(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await to_round(pilot)
        await pilot.press("enter", "ctrl+d")
        await pilot.pause()
        await pilot.press("enter", "enter")
        await settle(pilot)

    assert snap_compare(app(tmp_path), terminal_size=size, run_before=run_before)


def test_report(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)

    assert snap_compare(app(tmp_path, rounds=3), terminal_size=(120, 40), run_before=run_before)


def test_explore(snap_compare: Any, tmp_path: Path) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("ctrl+f", *"ACL")
        await pilot.pause()

    assert snap_compare(app(tmp_path), terminal_size=(120, 40), run_before=run_before)
