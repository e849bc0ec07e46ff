"""Everything around the conversation: literal text, help/why, palette, themes, layout, export, resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Collapsible, Input
from tui_helpers import Stream, answer_with_keys, choose_family, region_text, screen_text, settle, squash

from advisor.session.events import ExportMade, NoteTyped, TextReported
from advisor.tui import clipboard
from advisor.tui.screens.diagnosis import DiagnosisScreen
from advisor.tui.screens.dialogs import ConfirmDialog, InfoDialog, TextDialog
from advisor.tui.screens.export import ExportDialog
from advisor.tui.screens.session import SessionScreen
from advisor.tui.screens.start import StartScreen
from advisor.tui.widgets.conversation import Conversation
from advisor.tui.widgets.question import QuestionPanel
from advisor.tui.widgets.reasoning import ReasoningPanel

MARKUP = ["[bold]x[/]", "[/]", "[red"]


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", "[": "left_square_bracket", "]": "right_square_bracket",
                           "/": "slash"}.get(ch, ch))


async def test_markup_like_text_is_shown_literally(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        start = app.screen
        assert isinstance(start, StartScreen)
        start.query_one("#report", Input).focus()
        await type_text(pilot, "said [bold]x[/] then [/] and [red")
        assert not start.query("#ctx-customer")  # the context fields are built when first opened
        start.query_one("#context-box", Collapsible).collapsed = False
        await settle(pilot)
        start.query_one("#ctx-customer", Input).value = "[red"
        start.query_one("#ctx-ticket", Input).value = "[/]"
        start.query_one("#ctx-termination_uri", Input).value = "[bold]x[/].pstn.twilio.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        reported = [ev for ev in app.session.record.events if isinstance(ev, TextReported)]
        assert reported[0].text == "said [bold]x[/] then [/] and [red"
        assert app.session.context.customer == "[red"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await type_text(pilot, "[bold]x[/] [/] [red")
        await pilot.press("enter")
        await settle(pilot)
        notes = [ev for ev in app.session.record.events if isinstance(ev, NoteTyped)]
        assert notes[0].text == "[bold]x[/] [/] [red"
        text = screen_text(app)
        assert "said [bold]x[/] then [/] and [red" in text
        assert "[bold]x[/] [/] [red" in text
        assert "[red · [/] · 20260101-090000-tui001" in text  # the header
        log = app.screen.query_one(Conversation)
        assert log.show_kind("context")
        await settle(pilot)
        assert "Termination URI: [bold]x[/].pstn.twilio.com" in region_text(app, log)
        # the context dialog shows them as typed too
        await pilot.press("k")
        await settle(pilot)
        assert app.screen.query_one("#ctx-customer", Input).value == "[red"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)


async def test_help_and_why_dialogs(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        q = app.screen.query_one(QuestionPanel).question
        assert q is not None
        for key in ("h", "f1"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            assert "How to find this out" in screen_text(app)
            assert squash(q.help)[:40] in squash(screen_text(app).replace("▎", " "))
            await pilot.press("escape")
            await settle(pilot)
        for key in ("w", "question_mark"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, InfoDialog)
            text = squash(screen_text(app))
            assert "Why this question?" in text
            assert "rules out" in text
            first = q.options[0]
            if first.keeps:
                assert f"keeps {len(first.keeps)}, rules out {len(first.rules_out)}" in text
            else:
                assert "rules out all" in text
            await pilot.press("escape")
            await settle(pilot)
        assert isinstance(app.screen, SessionScreen)


async def test_reasoning_panel_updates_and_cause_details(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await choose_family(pilot, 1, 0)
        panel = app.screen.query_one(ReasoningPanel)
        assert panel.display
        before = app.session.diagnosis()
        alive = [c for c in before.causes if c.status != "ruled_out"]
        assert alive[0].title[:30] in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        after = app.session.diagnosis()
        ruled = [c for c in after.causes if c.status == "ruled_out"]
        summary = region_text(app, panel.query_one("#r-summary"))
        possible = sum(c.status != "ruled_out" for c in after.causes)
        assert f"{possible} possible · {len(ruled)} ruled out" in summary
        # select the top candidate: its details show evidence, what is still needed and the fix
        panel.focus_list()
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        text = squash(screen_text(app))
        assert "Evidence (why)" in text and "Fix" in text
        await pilot.press("escape")


async def test_narrow_terminal_collapses_the_panel(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await choose_family(pilot, 1, 0)
        screen = app.screen
        assert screen.has_class("narrow")
        assert not screen.query_one("#reasoning").display
        assert screen.query_one("#strip").display
        assert "possible (r)" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert screen.query_one("#reasoning").display
        assert not screen.query_one("#log").display
        assert "ruled out" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert not screen.query_one("#reasoning").display


async def test_palette_theme_and_start_over(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 2, 0)
        assert app.theme == "textual-dark"
        await pilot.press("f2")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "why this")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InfoDialog)
        assert "Why this question?" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "toggle dark")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "start over")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert app.session is None


async def test_number_question_typed_and_rejected(make_app: Any) -> None:
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=stream.hook) as pilot:
        await choose_family(pilot, 4, 0)
        panel = app.screen.query_one(QuestionPanel)
        for _ in range(15):
            if panel.question is None or panel.question.type == "number":
                break
            await pilot.press("d")
            await settle(pilot)
        q = panel.question
        assert q is not None and q.type == "number", "this path must reach a number question (seconds, TTL...)"
        assert app.focused is app.screen.query_one("#q-number")
        await pilot.press("1", ".", "2", ".", "3", "enter")
        await settle(pilot)
        assert all(ev.observation.id != q.observation for ev in app.session.answers())
        assert "Not a valid answer" in screen_text(app)
        assert "takes a number" in squash(screen_text(app))
        number = app.screen.query_one("#q-number", Input)
        number.value = ""
        await pilot.press("7", "enter")
        await settle(pilot)
        got = [ev.observation for ev in app.session.answers() if ev.observation.id == q.observation]
        assert got and got[-1].value == 7.0


async def test_export_and_copy_from_the_diagnosis(make_app: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    clip = tmp_path / "clipboard.txt"
    # a stand-in for xclip: what it reads is what reached "the clipboard"
    fake_clip = ["sh", "-c", f"cat > '{clip}'"]
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=stream.hook) as pilot:
        await choose_family(pilot, 4, 0)
        await answer_with_keys(pilot, {"audio_heard": "pbx_side_hears_nothing", "pbx_sdp_address": "private"})
        assert isinstance(app.screen, DiagnosisScreen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.query_one("#export-path", Input).value == "advisor-20260101-090000-tui001.md"
        await pilot.press("enter")
        await settle(pilot)
        saved = tmp_path / "advisor-20260101-090000-tui001.md"
        assert saved.is_file()
        assert "audio.inbound.sdp_private_ip" in saved.read_text()
        exports = [ev for ev in app.session.record.events if isinstance(ev, ExportMade)]
        assert [(e.format, e.destination) for e in exports] == [("markdown", str(saved))]
        # html to a path the engineer types, also copied: a missing folder is an error, never created
        monkeypatch.setattr(clipboard, "clipboard_tools", lambda: [fake_clip])
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path_input = dialog.query_one("#export-path", Input)
        path_input.value = str(tmp_path / "tickets" / "cs-1.md")
        dialog.query_one("#export-format").focus()
        await pilot.press(*["down"] * dialog.formats.index("html"))
        assert path_input.value.endswith("cs-1.html")
        dialog.query_one("#both").press()
        await settle(pilot)
        assert not (tmp_path / "tickets").exists()
        assert any("no such folder" in n for n in stream.notes())
        (tmp_path / "tickets").mkdir()
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-format").focus()
        await pilot.press(*["down"] * dialog.formats.index("html"))
        dialog.query_one("#export-path", Input).value = str(tmp_path / "tickets" / "cs-1.html")
        dialog.query_one("#both").press()
        await settle(pilot)
        assert (tmp_path / "tickets" / "cs-1.html").is_file(), stream.notes()
        assert (tmp_path / "tickets" / "cs-1.html").read_text().lstrip().lower().startswith("<!doctype html")
        assert "<html" in clip.read_text().lower()
        assert any("copied to the clipboard with sh" in n for n in stream.notes()), stream.notes()
        assert stream.names().count("Export") == 3
        await pilot.press("y")
        await settle(pilot)
        d = app.session.diagnosis()
        top = next(c for c in d.causes if c.id == d.conclusion.cause)
        assert top.title in clip.read_text()
        assert "Fix:" in clip.read_text()


async def test_sessions_are_saved_and_resumed_where_they_stopped(make_app: Any, tmp_path: Path) -> None:
    from advisor.session.store import SessionStore

    app = make_app(store=SessionStore(tmp_path, fsync=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "customer on hold")
        await pilot.press("enter")
        await settle(pilot)
        events = len(app.session.record.events)
        question = app.screen.query_one(QuestionPanel).question
        answers = [(a.observation.id, a.observation.value) for a in app.session.answers()]
    assert (tmp_path / "sessions" / "20260101-090000-tui001.json").is_file()

    # advisor tui --resume: straight back into the conversation
    again = make_app(store=SessionStore(tmp_path, fsync=False), resume=True)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, SessionScreen)
        assert again.session.id == "20260101-090000-tui001"
        assert [(a.observation.id, a.observation.value) for a in again.session.answers()] == answers
        shown = again.screen.query_one(QuestionPanel).question
        assert shown is not None and question is not None and shown.id == question.id
        assert len(again.session.record.events) == events  # nothing added by reopening
        assert "customer on hold" in screen_text(again)
        await pilot.press("1")
        await settle(pilot)
    reopened = SessionStore(tmp_path, fsync=False).load("20260101-090000-tui001")
    assert len(reopened.events) > events

    # the start screen offers the last session
    third = make_app(store=SessionStore(tmp_path, fsync=False))
    async with third.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Resume last session 20260101-090000-tui001" in screen_text(third)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(third.screen, SessionScreen | DiagnosisScreen)
        assert third.session.id == "20260101-090000-tui001"
