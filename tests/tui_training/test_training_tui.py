"""The training TUI driven by key presses (Pilot): rounds right and wrong, hints, an exam, report, explore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.training.library import CaseLibrary, load_library
from advisor.training.progress import ProgressStore
from advisor.tui.training.app import TrainingApp
from advisor.tui.training.debrief import DebriefScreen
from advisor.tui.training.explore import ExploreScreen
from advisor.tui.training.messages import Options, RoundDone, StartPractice
from advisor.tui.training.report import ReportScreen
from advisor.tui.training.round import RoundScreen

ACL = "case.term.403.acl_mismatch.kb"


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor()


@pytest.fixture(scope="module")
def library(advisor: Advisor) -> CaseLibrary:
    return load_library(advisor.kb)


def make_app(advisor: Advisor, library: CaseLibrary, root: Path) -> TrainingApp:
    return TrainingApp(advisor=advisor, library=library, store=ProgressStore(root), seed=3, clock=lambda: 0.0)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def ask(pilot: Any, words: str) -> None:
    """Filter the question list by words, then ask the first match."""
    screen = pilot.app.screen
    screen.query_one("#q-filter").focus()
    screen.query_one("#q-filter").value = ""
    await pilot.press(*words, "enter", "enter")
    await pilot.pause()


async def conclude(pilot: Any, cause_words: str, fix_down: int = 0) -> None:
    await pilot.press("ctrl+d")
    await pilot.pause()
    pilot.app.screen.query_one("#cause-filter").focus()
    await pilot.press(*cause_words, "enter", "enter", *(["down"] * fix_down), "enter")
    await settle(pilot)


async def start_case(pilot: Any, case_id: str, **opts: Any) -> None:
    await settle(pilot)
    pilot.app.screen.post_message(StartPractice(Options(trainee="ana", **opts), case_id=case_id))
    await settle(pilot)


async def test_a_right_round_scores_and_is_stored(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    seen: list[RoundDone] = []
    async with app.run_test(size=(120, 40), message_hook=lambda m: seen.append(m) if isinstance(m, RoundDone)
                            else None) as pilot:
        await start_case(pilot, ACL)
        assert isinstance(app.screen, RoundScreen)
        await ask(pilot, "best describes")
        await ask(pilot, "carry credentials")
        await conclude(pilot, "not on the trunk's IP ACL")
        assert isinstance(app.screen, DebriefScreen)
        score = seen[0].result.debrief.score
        assert score.cause_correct and score.fix_correct and score.total == 100
        assert "RIGHT" in str(app.screen.query_one("#debrief-score").render())
    assert len(ProgressStore(tmp_path).rounds("ana")) == 1


async def test_a_wrong_round_with_a_hint(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    seen: list[RoundDone] = []
    async with app.run_test(size=(120, 40), message_hook=lambda m: seen.append(m) if isinstance(m, RoundDone)
                            else None) as pilot:
        await start_case(pilot, ACL)
        await pilot.press("ctrl+h")
        await pilot.pause()
        assert "Hint" in str(app.screen.query_one("#round-log").render())
        await ask(pilot, "best describes")
        await ask(pilot, "final SIP response")
        await conclude(pilot, "credentials")
        d = seen[0].result.debrief
        assert not d.score.cause_correct and d.score.hints == 1 and d.wasted
        text = str(app.screen.query_one("#debrief-score").render())
        assert "WRONG" in text and "kept every candidate" in text


async def test_artefact_request_shows_the_trace(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_case(pilot, "case.noise.healthy_call")
        await pilot.press("ctrl+t")
        await pilot.pause()
        log = str(app.screen.query_one("#round-log").render())
        assert "You asked for the trace" in log and "INVITE" in log


async def test_artefacts_off_refuses_requests(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_case(pilot, "case.noise.healthy_call", artefacts=False, reasoning=False)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "You asked" not in str(app.screen.query_one("#round-log").render())
        assert not app.screen.query("#round-reasoning")


async def test_an_exam_without_hints_ends_in_the_exam_report(advisor: Advisor, library: CaseLibrary,
                                                            tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"ana", "ctrl+e")
        await settle(pilot)
        total = app.exam_total
        assert total == library.settings.exam.cases and isinstance(app.screen, RoundScreen)
        await pilot.press("ctrl+h")
        await pilot.pause()
        assert "Hint" not in str(app.screen.query_one("#round-log").render())
        for _ in range(total):
            await conclude(pilot, "nothing is wrong")
            assert isinstance(app.screen, DebriefScreen)
            await pilot.press("n")
            await settle(pilot)
        assert isinstance(app.screen, ReportScreen)
        report = app.screen.report
        assert report.exam is not None and report.exam.done == total and report.rounds == total


async def test_report_and_explore_screens(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen) and app.screen.report.rounds == 0
        await pilot.press("escape", "ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ExploreScreen)
        await pilot.press("ctrl+f", *"received=")
        await pilot.pause()
        tree = app.screen.query_one("#explore-tree")
        labels = [str(n.label) for n in tree.root.children]
        assert labels == ["Calls out fail (PBX to PSTN)"]


async def test_home_needs_a_name(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    app = make_app(advisor, library, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "Type your name" in str(app.screen.query_one("#home-error").render())


async def test_untrusted_case_text_is_drawn_literally(advisor: Advisor, library: CaseLibrary, tmp_path: Path) -> None:
    case = library.cases[ACL].model_copy(update={"words": "hi \x1b]52;c;ZXZpbA==\x07 [bold]x[/]"})
    lib = CaseLibrary(library.root, {**library.cases, ACL: case}, library.settings)
    app = make_app(advisor, lib, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_case(pilot, ACL)
        words = str(app.screen.query_one("#case-words").render())
        assert "\x1b" not in words and "[bold]x[/]" in words


async def test_the_start_screen_offers_training(tmp_path: Path) -> None:
    """ctrl+t on the troubleshooting start screen leaves for training mode (run_tui then starts TrainingApp)."""
    from advisor.tui import messages as msg
    from advisor.tui.app import AdvisorApp

    seen: list[object] = []
    app = AdvisorApp(Advisor(), store=None)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
    assert app.open_training and any(isinstance(m, msg.OpenTraining) for m in seen)
