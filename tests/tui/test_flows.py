"""Complete sessions driven by key presses, one per family, checked on the Session AND on the screen."""

from __future__ import annotations

from typing import Any

from tui_helpers import answer_with_keys, choose_family, screen_text, settle, squash

from advisor.engine.diagnosis import Advisor
from advisor.session.core import Session
from advisor.session.events import AnswerChanged, DiagnosisReached, QuestionShown
from advisor.tui.present import symptoms_of
from advisor.tui.screens.answer import AnswerDialog, PickFactDialog
from advisor.tui.screens.diagnosis import DiagnosisScreen
from advisor.tui.screens.session import SessionScreen
from advisor.tui.screens.start import StartScreen
from advisor.tui.widgets.conversation import Conversation
from advisor.tui.widgets.question import QuestionPanel


def family_key(advisor: Advisor, family: str) -> int:
    return list(advisor.kb.families).index(family) + 1


def symptom_key(advisor: Advisor, family: str, symptom: str) -> int:
    return [s for s, _ in symptoms_of(advisor.kb, family)].index(symptom) + 1


def fresh_diagnosis(advisor: Advisor, session: Session) -> Any:
    """What a brand-new session with the same family and final answers concludes."""
    fresh = Session(advisor)
    for ev in session.record.events:
        if ev.kind == "family":
            fresh.choose_family(ev.family, ev.symptom)
    for obs in session.observations():
        if obs.source.kind == "answer":
            fresh.answer(obs.id, str(obs.value), obs.source.detail or None)
    return fresh.diagnosis()


def assert_diagnosis_shown(app: Any, cause_id: str) -> None:
    session = app.session
    d = session.diagnosis()
    assert d.conclusion.status == "confirmed"
    assert d.conclusion.cause == cause_id
    assert isinstance(app.screen, DiagnosisScreen)
    cause = next(c for c in d.causes if c.id == cause_id)
    text = screen_text(app)
    assert cause.title in text
    assert cause_id in text
    assert "Evidence" in text
    last = [ev for ev in session.record.events if isinstance(ev, DiagnosisReached)][-1]
    assert (last.status, last.cause) == ("confirmed", cause_id)


async def test_termination_403_credentials_with_a_changed_answer(make_app: Any, advisor: Advisor) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, StartScreen)
        assert "Calls out fail" in screen_text(app)
        await choose_family(pilot, family_key(advisor, "calls_out_fail"),
                            symptom_key(advisor, "calls_out_fail", "term_403"))
        assert isinstance(app.screen, SessionScreen)
        # first answer wrongly: the 403 came to the first INVITE (no credentials)
        await answer_with_keys(pilot, {"rejected_invite_had_credentials": "no", "response_reason": "plain",
                                       "call_outcome": "rejected"})
        wrong = app.session.diagnosis()
        assert wrong.conclusion.cause != "term.403.credentials_mismatch"
        # change it from the diagnosis screen: c, pick the answer, 1 = yes
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PickFactDialog)
        from textual.widgets import OptionList

        facts = app.screen.query_one(OptionList)
        while facts.highlighted_option.id != "rejected_invite_had_credentials":
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        await pilot.press("1")
        await settle(pilot)
        await answer_with_keys(pilot, {"response_reason": "plain", "call_outcome": "rejected"})
        assert_diagnosis_shown(app, "term.403.credentials_mismatch")
        changed = [ev for ev in app.session.record.events if isinstance(ev, AnswerChanged)]
        assert [(c.observation.id, c.previous, c.observation.value) for c in changed] == [
            ("rejected_invite_had_credentials", "no", "yes")]
        d = app.session.diagnosis()
        fresh = fresh_diagnosis(advisor, app.session)
        assert fresh.conclusion == d.conclusion
        assert [(c.id, c.status, c.confidence) for c in fresh.causes] == \
            [(c.id, c.status, c.confidence) for c in d.causes]
        # the log keeps both answers, the old one marked as changed
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        log = app.screen.query_one(Conversation)
        olds = [i for i in log.items if i.observation == "rejected_invite_had_credentials"]
        assert [i.superseded for i in olds] == [True, False]
        assert log.select_answer("rejected_invite_had_credentials")
        await settle(pilot)
        assert "changed from no" in screen_text(app)
        log.scroll_home(animate=False)
        await settle(pilot)
        assert "(changed later)" in screen_text(app)


async def test_origination_drop30_contact_private_ip(make_app: Any, advisor: Advisor) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, family_key(advisor, "calls_drop"), 0)
        asked = await answer_with_keys(pilot, {
            "symptom": "orig_drop30_two_way",
            "call_direction": "origination",
            "call_outcome": "drops_after_30s",
            "audio_heard": "both_ways",
            "ok_contact_private": "yes",
            "seconds_until_drop": "32",
        })
        assert asked, "at least one question asked"
        assert_diagnosis_shown(app, "orig.drop30.contact_private_ip")
        assert any(isinstance(ev, QuestionShown) for ev in app.session.record.events)


async def test_audio_inbound_sdp_private_ip_dont_know_then_change_from_the_log(make_app: Any,
                                                                              advisor: Advisor) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await choose_family(pilot, family_key(advisor, "audio"), 0)
        first = app.screen.query_one(QuestionPanel).question.observation
        assert first == "audio_heard"
        await pilot.press("0")  # I don't know
        await settle(pilot)
        last = app.session.answers()[-1].observation
        assert (last.id, last.value) == ("audio_heard", "unknown")
        assert "A I don't know" in screen_text(app)
        await answer_with_keys(pilot, {"pbx_sdp_address": "private"})
        # without knowing who hears what, the advisor cannot settle it
        d = app.session.diagnosis()
        assert d.conclusion.status == "undecided"
        assert isinstance(app.screen, DiagnosisScreen)
        assert "No question left to separate the remaining causes" in screen_text(app)
        # back to the conversation, shift+tab to the log, up to that answer, Enter changes it
        await pilot.press("b")
        await settle(pilot)
        log = app.screen.query_one(Conversation)
        for _ in range(10):
            if app.focused is log:
                break
            await pilot.press("shift+tab")
        assert app.focused is log
        for _ in range(20):
            item = log.selected_item()
            if item is not None and item.observation == "audio_heard":
                break
            await pilot.press("up")
        else:
            raise AssertionError("could not reach the audio_heard answer in the log")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnswerDialog)
        values = [v for v, _ in app.screen.choices]
        await pilot.press(str(values.index("pbx_side_hears_nothing") + 1))
        await settle(pilot)
        await answer_with_keys(pilot, {"pbx_sdp_address": "private"})
        assert_diagnosis_shown(app, "audio.inbound.sdp_private_ip")
        d = app.session.diagnosis()
        assert fresh_diagnosis(advisor, app.session).conclusion == d.conclusion
        top = next(c for c in d.causes if c.id == "audio.inbound.sdp_private_ip")
        assert squash(top.fix[0])[:40] in squash(screen_text(app).replace("│", " "))
