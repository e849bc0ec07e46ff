"""Traces in the TUI: attach (start screen or t), facts shown as from the trace, override, ladder, cancel."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList
from tui_helpers import answer_with_keys, choose_family, region_text, screen_text, settle, squash

from advisor.session.events import AnswerGiven, TraceAttached
from advisor.tui import loading
from advisor.tui.screens.answer import AnswerDialog, PickFactDialog
from advisor.tui.screens.diagnosis import DiagnosisScreen
from advisor.tui.screens.session import SessionScreen
from advisor.tui.screens.start import StartScreen
from advisor.tui.widgets.conversation import Conversation
from advisor.tui.widgets.ladder import LadderView
from advisor.tui.widgets.work import WorkStatus

TRACE = Path(__file__).parent / "data" / "credentials_403.txt"

async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(ch if ch != " " else "space")


async def test_attach_trace_fills_facts_and_evidence_jumps_to_the_message(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, str(TRACE))
        await pilot.press("enter")
        await settle(pilot)
        traces = [ev for ev in app.session.record.events if isinstance(ev, TraceAttached)]
        assert len(traces) == 1 and traces[0].calls == 1
        facts = {o.id: o for o in traces[0].observations}
        assert facts["rejected_invite_had_credentials"].value == "yes"
        # the trace settles it: credentials mismatch, its evidence labelled as from the trace
        d = app.session.diagnosis()
        assert (d.conclusion.status, d.conclusion.cause) == ("confirmed", "term.403.credentials_mismatch")
        assert isinstance(app.screen, DiagnosisScreen)
        assert "from the trace (credentials_403.txt:line" in screen_text(app)
        # select the trace evidence for "had credentials": the ladder opens on that message
        evidence = app.screen.query_one(".diag-evidence", OptionList)
        evidence.focus()
        await pilot.pause()
        top = next(c for c in d.causes if c.id == d.conclusion.cause)
        shown = [r for r in top.because if r.effect != "still_needed"]
        target = next(i for i, r in enumerate(shown) if r.observation == "rejected_invite_had_credentials")
        while evidence.highlighted != target:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        ladder = app.screen.query_one(LadderView)
        message = ladder.selected_message()
        assert message is not None
        assert message.first_line.startswith("INVITE") and "Proxy-Authorization" in message.raw
        text = screen_text(app)
        assert "SIP/2.0 407 Proxy Authentic" in text
        assert "─▶" in text or "◀─" in text
        # the SIP text is shown literally, markup-looking display name included
        assert 'From: "ACME [bold]Desk[/]"' in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiagnosisScreen)


async def test_engineer_overrides_a_fact_from_the_trace(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        start.query_one("#trace-path").value = str(TRACE)
        await pilot.press("1", "0")  # calls out fail, any symptom: starts with the trace attached
        await settle(pilot)
        assert app.session.diagnosis().conclusion.cause == "term.403.credentials_mismatch"
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PickFactDialog)
        facts = app.screen.query_one(OptionList)
        while facts.highlighted_option.id != "rejected_invite_had_credentials":
            await pilot.press("down")
        assert "from trace:credentials_403.txt" in squash(screen_text(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("2")  # no
        await settle(pilot)
        answers = [ev for ev in app.session.record.events if isinstance(ev, AnswerGiven)]
        assert answers[-1].observation.id == "rejected_invite_had_credentials"
        assert answers[-1].observation.value == "no"
        d = app.session.diagnosis()
        assert d.conclusion.cause != "term.403.credentials_mismatch"
        await answer_with_keys(pilot, {})
        if isinstance(app.screen, DiagnosisScreen):
            await pilot.press("b")
            await settle(pilot)
        log = app.screen.query_one(Conversation)
        assert log.show_kind("trace")
        await settle(pilot)
        assert "(overridden by your answer)" in squash(region_text(app, log))


async def test_slow_trace_shows_progress_and_esc_cancels(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = loading.analyze_trace

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(60)  # released by the test; the timeout only guards a hung run
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "analyze_trace", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_family(pilot, 1, 0)
        app.attach_trace(str(TRACE))
        await pilot.pause()
        status = app.screen.query_one(WorkStatus)
        assert status.display
        assert "Analysing credentials_403.txt" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not status.display
        release.set()
        await settle(pilot)
        assert not any(isinstance(ev, TraceAttached) for ev in app.session.record.events)
        assert isinstance(app.screen, SessionScreen)


async def test_unreadable_trace_is_reported_not_fatal(make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_family(pilot, 1, 0)
        app.attach_trace(str(tmp_path / "missing.pcap"))
        await settle(pilot)
        assert not any(isinstance(ev, TraceAttached) for ev in app.session.record.events)
        assert isinstance(app.screen, SessionScreen)
        assert not app.screen.query_one(WorkStatus).display
