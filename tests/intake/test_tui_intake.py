"""The TUI's intake confirmation: the customer's words -> what was understood ->
the engineer confirms or unchecks -> only confirmed facts enter the session with
source `text` and the words; the rest of the words become notes."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, SelectionList

from advisor.engine.diagnosis import Advisor
from advisor.session.events import NoteTyped, SessionRecord, TextReported
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.intake import IntakeScreen
from advisor.tui.screens.session import SessionScreen
from advisor.tui.screens.start import StartScreen

REPORT = "Outbound calls get 403 Forbidden since Monday. The CFO is upset."


def make_app(advisor: Advisor) -> AdvisorApp:
    return AdvisorApp(advisor, store=None, new_record=lambda: SessionRecord(id="20260101-090000-intake"))


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def start_with_words(pilot: Any, words: str) -> None:
    await settle(pilot)
    start = pilot.app.screen
    assert isinstance(start, StartScreen)
    start.query_one("#report", Input).value = words
    await pilot.press("ctrl+s")
    await settle(pilot)


def reported(app: AdvisorApp) -> TextReported:
    assert app.session is not None
    return next(ev for ev in app.session.record.events if isinstance(ev, TextReported))


async def test_confirmed_facts_enter_the_session_with_their_words(advisor: Advisor) -> None:
    app = make_app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_with_words(pilot, REPORT)
        dialog = app.screen
        assert isinstance(dialog, IntakeScreen)
        facts = dialog.query_one("#intake-facts", SelectionList)
        shown = {(u.observation, str(u.value)) for u in dialog.items}
        assert {("invite_final_status", "403"), ("call_direction", "termination")} <= shown
        # the engineer unchecks the direction: it must not count
        index = next(i for i, u in enumerate(dialog.items) if u.observation == "call_direction")
        facts.deselect(index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        ev = reported(app)
        assert ev.text == REPORT
        got = {o.id: o for o in ev.observations}
        assert "call_direction" not in got
        assert got["invite_final_status"].value == "403"
        assert got["invite_final_status"].source.kind == "text"
        assert got["invite_final_status"].source.detail == "403 Forbidden"
        assert "confirmed by the engineer" in (got["invite_final_status"].note or "")
        notes = [ev.text for ev in app.session.record.events if isinstance(ev, NoteTyped)] if app.session else []
        assert notes == ["Not understood from the customer's words: The CFO is upset"]
        d = app.session.diagnosis() if app.session else None
        assert d is not None and d.causes[0].id in ("term.403.acl_mismatch", "term.403.credentials_mismatch")


async def test_escape_keeps_the_words_but_applies_nothing(advisor: Advisor) -> None:
    app = make_app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_with_words(pilot, REPORT)
        assert isinstance(app.screen, IntakeScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        ev = reported(app)
        assert ev.text == REPORT and ev.observations == []


async def test_two_values_of_one_fact_cannot_both_be_confirmed(advisor: Advisor) -> None:
    app = make_app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_with_words(pilot, "we get 403 and no response at all")
        dialog = app.screen
        assert isinstance(dialog, IntakeScreen)
        facts = dialog.query_one("#intake-facts", SelectionList)
        assert facts.selected == []  # contradicted facts start unchecked
        facts.select_all()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # refused, with a notification
        facts.deselect_all()
        await pilot.press("enter")
        await settle(pilot)
        assert reported(app).observations == []


async def test_words_with_nothing_understood_start_at_once(advisor: Advisor) -> None:
    app = make_app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_with_words(pilot, "the CFO is upset")
        assert isinstance(app.screen, SessionScreen)
        assert reported(app).text == "the CFO is upset"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_intake_dialog_snapshot(snap_compare: Any, advisor: Advisor, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await start_with_words(pilot, "outbund calls drop after ~32s, the caller can't hear us. Call +1 415 555 0100")

    assert snap_compare(make_app(advisor), terminal_size=size, run_before=run_before)


async def test_markup_like_words_are_shown_literally_in_the_dialog(advisor: Advisor) -> None:
    words = "outbound [bold]calls[/] get 403 Forbidden [red"
    app = make_app(advisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_with_words(pilot, words)
        assert isinstance(app.screen, IntakeScreen)
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert words in shown  # the customer's words, never interpreted as markup
        first = app.screen.items[0]
        assert f"\u201c{first.words}\u201d" in shown  # the highlighted fact's evidence below the list
