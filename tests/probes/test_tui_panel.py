"""The TUI probes panel (Pilot): suggestions with their vantage point, a run whose result narrows the
candidates, cancelling, and the kit for the PBX host."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.session.events import ProbeRun, SessionRecord
from advisor.tui import messages as msg
from tests.probes.servers import Kamailio


def _app(advisor: Advisor) -> Any:
    from advisor.tui.app import AdvisorApp

    return AdvisorApp(advisor, store=None, new_record=SessionRecord)


def _log(screen: Any) -> str:
    from textual.widgets import Log

    return "\n".join(screen.query_one(Log).lines)


async def _settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor()


async def test_suggestions_run_and_the_candidates_narrow(advisor: Advisor) -> None:
    from advisor.tui.screens.probes import ProbesScreen

    app = _app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        app.start_session("calls_out_fail", "term_400_invalid_number",
                          context=TrunkContext(numbers=["4155550100"]))
        await _settle(pilot)
        before = app.session.diagnosis()
        assert before.conclusion.status != "confirmed"
        await pilot.press("p")
        await _settle(pilot)
        panel = app.screen
        assert isinstance(panel, ProbesScreen)
        texts = [str(s.text()) for s in app.screen.suggestions]
        assert "numbers=4155550100,role=dialled" in texts
        i = texts.index("numbers=4155550100,role=dialled")
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        options.highlighted = i
        options.focus()
        await pilot.press("enter")  # choose: fills the line
        await pilot.press("enter")  # run
        await _settle(pilot)
        assert "answers: dialed_number_e164=no" in _log(panel)
        runs = [e for e in app.session.record.events if isinstance(e, ProbeRun)]
        assert len(runs) == 1 and runs[0].observations[0].source.kind == "probe"
        after = app.session.diagnosis()
        assert after.conclusion.status == "confirmed"
        assert after.conclusion.cause == "term.400.dialed_number_not_e164"
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        assert isinstance(app.screen, DiagnosisScreen)  # the narrowed diagnosis comes up by itself
        # the engineer can override the probe: its fact is offered for change, and an answer wins
        from advisor.tui.present import answerable_facts

        assert "dialed_number_e164" in [o.id for o, _ in answerable_facts(app.session)]
        app.post_message(msg.Answer("dialed_number_e164", "yes"))  # as the answer screen would post it
        await _settle(pilot)
        assert app.session.diagnosis().conclusion.cause != "term.400.dialed_number_not_e164"


async def test_pbx_only_probes_are_marked_and_go_into_the_kit(advisor: Advisor, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = _app(advisor)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settle(pilot)
        app.start_session("calls_out_fail", "term_no_response",
                          context=TrunkContext(termination_uri="example.pstn.twilio.com"))
        await _settle(pilot)
        await pilot.press("p")
        await _settle(pilot)
        by_obs = {o: s for s in app.screen.suggestions for o in s.observations}
        assert by_obs["options_ping_to_carrier"].where == ("pbx_host",)
        assert by_obs["options_ping_to_carrier"].target == "sip:example.pstn.twilio.com"
        await pilot.press("ctrl+k")
        await _settle(pilot)
        kit = tmp_path / "advisor-probe-kit.py"
        assert kit.is_file() and "example.pstn.twilio.com" in kit.read_text()
        assert "python3 advisor-probe-kit.py > probe-results.json" in _log(app.screen)
        await pilot.press("escape")
        await _settle(pilot)
        from advisor.tui.screens.session import SessionScreen

        assert isinstance(app.screen, SessionScreen)


async def test_escape_cancels_running_probes(advisor: Advisor, kamailio: Kamailio) -> None:
    from textual.widgets import Input

    app = _app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        app.start_session("calls_out_fail", "term_no_response")
        await _settle(pilot)
        await pilot.press("p")
        await _settle(pilot)
        app.screen.timeout = 10.0
        spec = app.screen.query_one("#probes-spec", Input)
        spec.value = f"options={kamailio.uri('silent')}"
        spec.focus()
        t0 = time.monotonic()
        await pilot.press("enter")
        await asyncio.sleep(0.3)
        assert app.screen.running
        await pilot.press("escape")
        await _settle(pilot)
        assert time.monotonic() - t0 < 3.0
        assert "Cancelled" in _log(app.screen)
        assert not any(isinstance(e, ProbeRun) for e in app.session.record.events)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_panel_snapshot(snap_compare: Any, advisor: Advisor, size: tuple[int, int]) -> None:
    """The panel for a no-response termination call. It lists knowledge-base text: after changing
    knowledge/, rerun `pytest tests/probes --snapshot-update`, look at the SVGs, commit them."""
    from datetime import UTC, datetime

    from advisor.tui.app import AdvisorApp

    def record() -> SessionRecord:
        return SessionRecord(id="20260101-090000-probes", created=datetime(2026, 1, 1, 9, tzinfo=UTC))

    app = AdvisorApp(advisor, store=None, new_record=record)

    async def run_before(pilot: Any) -> None:
        await _settle(pilot)
        app.start_session("calls_out_fail", "term_no_response",
                          context=TrunkContext(termination_uri="example.pstn.twilio.com"))
        await _settle(pilot)
        await pilot.press("p")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
