"""Flows checked on the app's message stream (what was asked, what the engineer was told) as well as
the screen: keys pressed while loading, the diagnosis focus, export Enter, copy honesty, a transcript
opened read-only, a trace that contradicts the session, the timeline of a CPS burst."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList
from tui_helpers import Stream, answer_with_keys, choose_family, screen_text, settle

from advisor.engine.diagnosis import Advisor
from advisor.session.events import AnswerGiven, ExportMade, TraceAttached
from advisor.tui import clipboard, loading
from advisor.tui.app import AdvisorApp
from advisor.tui.screens.diagnosis import DiagnosisScreen
from advisor.tui.screens.export import ExportDialog
from advisor.tui.screens.session import SessionScreen
from advisor.tui.screens.start import StartScreen
from advisor.tui.screens.trace import LadderScreen
from advisor.tui.widgets.question import QuestionPanel

DATA = Path(__file__).parent / "data"
TRACE_403 = DATA / "credentials_403.txt"
CPS_BURST = DATA / "cps_burst.txt"
TRANSCRIPT = DATA / "transcript_acl.json"


def slow_knowledge(monkeypatch: pytest.MonkeyPatch, advisor: Advisor) -> threading.Event:
    """The app's knowledge load waits until the returned event is set (and no sessions are stored)."""
    release = threading.Event()

    def slow_load(kb_dir: str | None = None) -> tuple[Advisor, str]:
        release.wait(10)
        return advisor, "test"

    monkeypatch.setattr(loading, "load_advisor", slow_load)
    monkeypatch.setattr(loading, "open_store", lambda: (None, ""))
    return release


async def test_keys_pressed_while_the_knowledge_loads_are_kept(advisor: Advisor, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """1 (calls out fail), 0 (any symptom), then 1 (the first answer) before the knowledge base is in."""
    release = slow_knowledge(monkeypatch, advisor)
    app = AdvisorApp()
    stream = Stream()
    async with app.run_test(size=(100, 30), message_hook=stream.hook) as pilot:
        for _ in range(200):
            if isinstance(app.screen, StartScreen) and app.screen.choices is not None:
                break
            await asyncio.sleep(0.01)
        assert app.advisor is None
        await pilot.press("1", "0", "1")
        await pilot.pause()
        assert app.session is None  # nothing could start yet...
        release.set()
        await settle(pilot)
        await settle(pilot)
        # ...and nothing was lost: the family, then the first question answered with option 1
        assert isinstance(app.screen, SessionScreen | DiagnosisScreen)
        assert app.session is not None and app.session.view().family == "calls_out_fail"
        answers = [e for e in app.session.record.events if isinstance(e, AnswerGiven)]
        assert len(answers) == 1
        assert stream.names()[:1] == ["StartSession"]
        assert stream.names().count("StartSession") == 1
        assert "Still loading" not in " ".join(stream.notes())


async def test_digits_typed_faster_than_the_screen_updates_all_count(advisor: Advisor, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal delivers typed keys at once; Pilot.press waits for idle between keys. Posted back to
    back (as a fast typist or a paste gives them), "2" then "1" must pick the second family and its
    first symptom, not send the "1" to the family list that still had focus."""
    release = slow_knowledge(monkeypatch, advisor)
    app = AdvisorApp()
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            if isinstance(app.screen, StartScreen) and app.screen.choices is not None:
                break
            await asyncio.sleep(0.01)
        start = app.screen
        assert isinstance(start, StartScreen) and start.choices is not None
        family, _ = start.choices.families[1]
        symptom, _ = start.choices.symptoms[family][0]
        from textual import events

        for key in ("2", "1"):
            app.post_message(events.Key(key, key))
        release.set()
        await settle(pilot)
        await settle(pilot)
        assert app.session is not None
        view = app.session.view()
        assert (view.family, view.symptom) == (family, symptom)


async def test_the_optional_fields_come_with_the_knowledge_base(advisor: Advisor, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The first frame has only what picking by number needs; the customer's-words, context and
    trace fields are mounted once the knowledge base is in, and then work as before."""
    release = slow_knowledge(monkeypatch, advisor)
    app = AdvisorApp()
    stream = Stream()
    async with app.run_test(size=(100, 40), message_hook=stream.hook) as pilot:
        for _ in range(200):
            if isinstance(app.screen, StartScreen) and app.screen.choices is not None:
                break
            await asyncio.sleep(0.01)
        start = app.screen
        assert isinstance(start, StartScreen)
        assert not start.query("#report")
        release.set()
        await settle(pilot)
        assert start.query("#report") and start.query("#trace-path") and start.query("#start-button")
        from textual.widgets import Input

        start.query_one("#report", Input).value = "outbound calls get 403"
        await pilot.press("ctrl+s")
        await settle(pilot)
        from advisor.tui import messages as msg

        starts = [m for m in stream.requests() if isinstance(m, msg.StartSession)]
        assert len(starts) == 1 and starts[0].report == "outbound calls get 403"


async def test_the_optional_fields_appear_even_when_the_load_is_slow(advisor: Advisor,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    release = slow_knowledge(monkeypatch, advisor)
    app = AdvisorApp()
    async with app.run_test(size=(100, 40)) as pilot:
        try:
            for _ in range(300):
                if isinstance(app.screen, StartScreen) and app.screen.query("#report"):
                    break
                await asyncio.sleep(0.01)
            assert app.advisor is None, "the load should still be running"
            assert isinstance(app.screen, StartScreen) and app.screen.query("#report")
        finally:
            release.set()
        await settle(pilot)


async def test_a_start_that_cannot_happen_leaves_a_whole_start_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """Digits typed while the knowledge base loads, then the load fails: the engineer stays on the
    start screen, with its fields."""
    def broken(kb_dir: str | None = None) -> tuple[Advisor, str]:
        raise RuntimeError("knowledge base unreadable")

    monkeypatch.setattr(loading, "load_advisor", broken)
    monkeypatch.setattr(loading, "open_store", lambda: (None, ""))
    app = AdvisorApp()
    async with app.run_test(size=(100, 40)) as pilot:
        from textual import events

        for key in ("1", "0"):
            app.post_message(events.Key(key, key))
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert app.screen.query("#report")
        assert app.session is None


async def test_diagnosis_focus_is_where_enter_acts(make_app: Any) -> None:
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await choose_family(pilot, 1, 0)
        await answer_with_keys(pilot, {"symptom": "term_403", "rejected_invite_had_credentials": "yes"})
        assert isinstance(app.screen, DiagnosisScreen)
        await settle(pilot)
        focused = app.focused
        assert isinstance(focused, OptionList) and focused.has_class("diag-evidence")
        assert "Enter: a trace fact shows its message, an answer can be changed" in screen_text(app)
        await pilot.press("enter")  # an answer: the change dialog opens for that fact
        await settle(pilot)
        asked = [r for r in stream.requests() if type(r).__name__ == "ChangeAnswer"]
        assert asked and asked[-1].observation is not None


async def test_enter_on_the_export_format_list_saves(make_app: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert app.focused is dialog.query_one("#export-format")
        await pilot.press(*["down"] * dialog.formats.index("json"), "enter")
        await settle(pilot)
        saved = tmp_path / "advisor-20260101-090000-tui001.json"
        assert saved.is_file() and saved.read_text().lstrip().startswith("{")
        assert [(e.format, e.destination) for e in app.session.record.events if isinstance(e, ExportMade)] \
            == [("json", str(saved))]


async def test_copy_says_when_nothing_reached_a_clipboard(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard, "clipboard_tools", lambda: [])
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await choose_family(pilot, 1, 0)
        await pilot.press("y")
        await settle(pilot)
        notes = " ".join(stream.notes())
        assert "could not be copied" in notes
        assert "copied to the clipboard" not in notes
        assert app.clipboard == ""


async def test_a_transcript_opens_read_only_and_walks(advisor: Advisor, make_app: Any) -> None:
    app = make_app(resume=True, resume_id=str(TRANSCRIPT))
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        session = app.session
        assert session is not None and app.read_only is not None
        events = len(app.read_only.full)
        answered = session.view().answered
        assert answered == 2
        assert "read-only" in screen_text(app)
        await pilot.press("comma")  # as it stood when the second question was asked
        await settle(pilot)
        assert session.view().answered == 1
        assert app.screen.query_one(QuestionPanel).question is not None
        await pilot.press("1")  # answering it is refused, nothing recorded
        await settle(pilot)
        assert session.view().answered == 1
        assert any("read-only" in n for n in stream.notes())
        await pilot.press("comma", "comma")  # the first question; there is no earlier step
        await settle(pilot)
        assert session.view().answered == 0
        assert "step 1 of 3" in screen_text(app)
        await pilot.press("full_stop", "full_stop")
        await settle(pilot)
        assert len(session.record.events) == events
    assert TRANSCRIPT.read_text()  # untouched: nothing saved anywhere


async def test_a_trace_against_the_session_direction_is_a_warning(make_app: Any) -> None:
    """credentials_403.txt is an outbound call (the PBX's INVITE to the carrier gets 403); an inbound session."""
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await choose_family(pilot, 2, 0)  # calls in fail: origination
        app.attach_trace(str(TRACE_403))
        await settle(pilot)
        attached = [e for e in app.session.record.events if isinstance(e, TraceAttached)]
        assert len(attached) == 1 and attached[0].excerpts  # the SIP lines travel with the session
        # one warning, computed by the Session (so the CLI and the ticket show it too), not recorded twice
        direction = [w for w in app.session.warnings() if "outbound" in w and "inbound" in w]
        assert len(direction) == 1 and direction[0] in app.session.diagnosis().warnings
        assert any("does not match this session" in n for n in stream.notes())


async def test_a_matching_trace_gives_no_direction_warning(make_app: Any) -> None:
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await choose_family(pilot, 1, 0)  # calls out fail: termination, like the trace
        app.attach_trace(str(TRACE_403))
        await settle(pilot)
        attached = [e for e in app.session.record.events if isinstance(e, TraceAttached)]
        assert attached and not any("does not match" in w for w in attached[0].warnings)
        assert not any("does not match" in n for n in stream.notes())


async def test_timeline_shows_the_cps_burst(make_app: Any) -> None:
    """s05: five INVITEs within about half a second, four refused with 503 (the guide's CPS case)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        app.attach_trace(str(CPS_BURST))
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LadderScreen)
        await pilot.press("T")
        await settle(pilot)
        text = screen_text(app)
        assert "5 call(s)" in text
        assert "busiest second: 5 call(s)" in text
        assert sum(line.count("503") for line in text.splitlines()) == 4
        await pilot.press("enter")  # back to that call's ladder
        await settle(pilot)
        assert not app.screen.timeline


async def test_facts_that_disagree_are_a_question_to_resolve(make_app: Any, advisor: Advisor) -> None:
    """The heading "403 to INVITE" implies outbound calls; answering "inbound" contradicts it."""
    app = make_app()
    stream = Stream()
    async with app.run_test(size=(120, 40), message_hook=stream.hook) as pilot:
        await choose_family(pilot, 1, 0)
        app.session.choose_family("calls_out_fail", "term_403")
        app.apply_answer("call_direction", "origination")
        await settle(pilot)
        d = app.session.diagnosis()
        assert d.conflicts and d.conflicts[0].observation == "call_direction"
        if not isinstance(app.screen, DiagnosisScreen):
            await pilot.press("x")
            await settle(pilot)
        assert isinstance(app.screen, DiagnosisScreen)
        text = screen_text(app)
        assert "Facts that disagree" in text and "which is right?" in text.lower()
        assert isinstance(app.focused, OptionList) and app.focused.has_class("diag-conflicts")
        await pilot.press("enter")
        await settle(pilot)
        asked = [r for r in stream.requests() if type(r).__name__ == "ChangeAnswer"]
        assert asked and asked[-1].observation == "call_direction"


async def test_export_over_an_existing_file_asks_first(make_app: Any, tmp_path: Path) -> None:
    """An existing ticket file is replaced only after the engineer confirms; a symlink is never followed."""
    from advisor.tui.screens.dialogs import ConfirmDialog
    from advisor.tui.screens.export import ExportRequest

    target = tmp_path / "ticket.md"
    target.write_text("old ticket")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, 1, 0)
        request = ExportRequest(format="markdown", path=str(target), copy=False, redact_numbers=False)
        app._export(app.session, request)
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text() == "old ticket"
        app._export(app.session, request)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert target.read_text() != "old ticket" and "SIP" in target.read_text()
        secret = tmp_path / "secret.txt"
        secret.write_text("keep me")
        link = tmp_path / "link.md"
        link.symlink_to(secret)
        app._export(app.session, ExportRequest(format="markdown", path=str(link), copy=False, redact_numbers=False,
                                               force=True))
        await settle(pilot)
        assert secret.read_text() == "keep me"
