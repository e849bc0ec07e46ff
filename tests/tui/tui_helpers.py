"""Helpers for driving the TUI by key presses and reading what the screen shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


def screen_text(app: Any) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def region_text(app: Any, widget: Any) -> str:
    """The text a widget shows on screen, its wrapped lines joined with single spaces."""
    strips = app.screen._compositor.render_strips()
    r = widget.region
    lines = [strips[y].crop(r.x, r.x + r.width).text for y in range(r.y, min(r.y + r.height, len(strips)))]
    return " ".join(" ".join(lines).split())


def squash(text: str) -> str:
    return " ".join(text.split())


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for field in pilot.app.screen.query("Input"):
        field.cursor_blink = False  # a blinking cursor makes snapshots depend on timing
    await pilot.pause()


async def choose_family(pilot: Any, family_index: int, symptom_index: int = 0) -> None:
    """On the start screen: number key for the family, then for the symptom (0 = any)."""
    await settle(pilot)
    await pilot.press(str(family_index))
    await pilot.press(str(symptom_index))
    await settle(pilot)


async def answer_with_keys(pilot: Any, facts: dict[str, str], *, max_steps: int = 30,
                           on_question: Callable[[Any], Awaitable[None]] | None = None) -> list[str]:
    """Answer each question shown by pressing its key: the value from `facts`, else "d" (I don't know).

    Options past the ninth are reached with arrow keys and Enter. Stops when the
    diagnosis screen is up. Returns the observations asked, in order.
    """
    from advisor.tui.screens.diagnosis import DiagnosisScreen
    from advisor.tui.widgets.question import AnswerList, QuestionPanel

    app = pilot.app
    asked: list[str] = []
    for _ in range(max_steps):
        await settle(pilot)
        if isinstance(app.screen, DiagnosisScreen):
            return asked
        panel = app.screen.query_one(QuestionPanel)
        q = panel.question
        assert q is not None, "no question and no diagnosis"
        assert squash(q.text) in region_text(app, app.screen.query_one("#q-text"))
        asked.append(q.observation)
        if on_question is not None:
            await on_question(q)
        want = facts.get(q.observation)
        if want is None:
            await pilot.press("d")
            continue
        if q.type == "number":
            panel.focus_first()
            await pilot.pause()
            await pilot.press(*list(want), "enter")
            continue
        values = [o.value for o in panel.answer_options()]
        assert want in values, f"{want!r} not offered for {q.observation}: {values}"
        i = values.index(want)
        if i < 9:
            await pilot.press(str(i + 1))
        else:
            panel.query_one(AnswerList).focus()
            await pilot.pause()
            await pilot.press("home", *["down"] * i, "enter")
    raise AssertionError(f"no diagnosis after {max_steps} questions: {asked}")


class Stream:
    """The app's message stream (pass `stream.hook` as run_test's message_hook): what the app was asked
    to do and what it told the engineer, which says more than a screen a toast may have left."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def hook(self, message: Any) -> None:
        self.messages.append(message)

    def notes(self) -> list[str]:
        from textual.notifications import Notify

        return [f"{m.notification.title} {m.notification.message}".strip() for m in self.messages
                if isinstance(m, Notify)]

    def requests(self) -> list[Any]:
        from advisor.tui.messages import Request

        # a bubbling message is seen at every node it reaches: once per object here
        return list({id(m): m for m in self.messages if isinstance(m, Request)}.values())

    def names(self) -> list[str]:
        return [type(m).__name__ for m in self.requests()]
