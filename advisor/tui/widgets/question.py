"""The current question: its options as buttons (keys 1-9), "I don't know" (0 or d), a number input."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from advisor.engine.diagnosis import AnswerOption, NextQuestion
from advisor.kb.models import UNKNOWN
from advisor.tui.widgets.lines import LineList, Row

NUMBER_CHARS = set("0123456789.,-")


class NumberInput(Input):
    """A number field that lets letter keys (d, n, h, w, ...) reach the screen's bindings."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARS

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and (event.character or "") not in NUMBER_CHARS:
            event.prevent_default()  # not typed: the key bubbles up to the screen's bindings


Answer = tuple[str, str, str]
"""(key shown, label, value) of one answer."""


class AnswerList(LineList):
    """The answers, one row each ("1  label", long labels wrapped), drawn on the line API.

    One widget instead of a button per answer: a 19-option question mounted 20 buttons,
    each styled, laid out and painted on its own. Up/down move, Enter or a click answers.
    """

    DEFAULT_CSS = """
    AnswerList {
        height: auto;
        background: transparent;
    }
    """

    class Chosen(Message):
        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    def __init__(self, answers: list[Answer], width: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answers = answers
        self._wrap_width = max(width, 20)
        self.set_rows(self._rows())

    def _rows(self) -> list[Row]:
        rows = []
        for key, label, value in self.answers:
            lines = textwrap.wrap(label, width=self._wrap_width - 3) or [""]
            text = Text.assemble((key, "bold"), "  ", "\n   ".join(lines))
            if value == UNKNOWN:
                text.stylize("dim", 1)
            rows.append(Row(value, text))
        return rows

    def show_answers(self, answers: list[Answer]) -> None:
        self.answers = answers
        self.set_rows(self._rows())
        self.scroll_home(animate=False)

    def on_resize(self, event: events.Resize) -> None:
        width = max(event.size.width - 1, 20)
        if width != self._wrap_width:
            self._wrap_width = width
            self.set_rows(self._rows(), keep=self.selected_id())

    def values(self) -> list[str]:
        return [value for _, _, value in self.answers]

    def action_select(self) -> None:  # Enter or a click
        value = self.selected_id()
        if value is not None:
            self.post_message(self.Chosen(value))


class QuestionPanel(Vertical):
    """Shows one NextQuestion and posts `Answered` with the raw value chosen or typed."""

    class Answered(Message):
        def __init__(self, observation: str, question: str, raw: str) -> None:
            super().__init__()
            self.observation = observation
            self.question = question
            self.raw = raw

    def __init__(self, question: NextQuestion | None = None, number: int = 0, *, width: int = 80,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.question = question
        self.number = number
        self.width_hint = width
        """The panel's width as the layout will make it (answers are wrapped to it; a resize re-wraps)."""

    def compose(self) -> ComposeResult:
        """Built with the first question already in place: one layout instead of several."""
        q = self.question
        title, text, hint, answers = self._content(q, self.number)
        yield Static(title, id="q-title", markup=False)
        yield Static(text, id="q-text", markup=False)
        # padding 1+1, and a column for the scrollbar when the answers do not fit
        yield AnswerList(answers, self.width_hint - 3, id="q-options")
        number_input = NumberInput(placeholder=self._placeholder(q), id="q-number", type="text")
        number_input.display = q is not None and q.type == "number"
        yield number_input
        yield Static(hint, id="q-hint", markup=False)

    @staticmethod
    def _placeholder(q: NextQuestion | None) -> str:
        unit = f" ({q.unit})" if q is not None and q.unit else ""
        return f"type a number{unit}, Enter"

    def _content(self, q: NextQuestion | None, number: int) -> tuple[Text, Text, Text, list[Answer]]:
        """Title, question text, hint and the (key, label, value) of each answer."""
        if q is None:
            return (Text("No question left", style="bold"),
                    Text("Nothing more to ask: x shows the diagnosis, c changes an answer."), Text(""), [])
        title = Text.assemble((f"Question {number}", "bold"), (f"   cost {q.cost}", "dim"),
                              ("   h help · w why · n note · t trace · k context", "dim"))
        answers: list[Answer] = []
        hint = Text("")
        options = [o for o in q.options if o.value != UNKNOWN]
        if q.type == "number":
            ranges = " · ".join(o.label for o in options)
            hint = Text(f"ranges that matter: {ranges}" if ranges else "", style="dim")
        else:
            for i, opt in enumerate(options):
                key = str(i + 1) if i < 9 else " "
                answers.append((key, opt.label, opt.value))
        answers.append(("0", "I don't know", UNKNOWN))
        return title, Text(q.text, style="bold"), hint, answers

    def answer_options(self) -> list[AnswerOption]:
        if self.question is None:
            return []
        return [o for o in self.question.options if o.value != UNKNOWN]

    def show(self, question: NextQuestion | None, number: int) -> None:
        self.question = question
        self.number = number
        title, text, hint, answers = self._content(question, number)
        self.query_one("#q-title", Static).update(title)
        self.query_one("#q-text", Static).update(text)
        self.query_one("#q-hint", Static).update(hint)
        number_input = self.query_one("#q-number", NumberInput)
        is_number = question is not None and question.type == "number"
        if is_number:
            number_input.value = ""
            number_input.placeholder = self._placeholder(question)
        number_input.display = is_number
        self.query_one("#q-options", AnswerList).show_answers(answers)

    def focus_first(self) -> None:
        if self.question is not None and self.question.type == "number":
            self.query_one("#q-number", NumberInput).focus()
            return
        answers = self.query_one("#q-options", AnswerList)
        if answers.rows:
            answers.focus()

    def pick(self, n: int) -> bool:
        """Answer with option n (1-based); False when there is no such option."""
        opts = self.answer_options()
        if self.question is None or self.question.type == "number" or not 1 <= n <= len(opts):
            return False
        self._answered(opts[n - 1].value)
        return True

    def dont_know(self) -> bool:
        if self.question is None:
            return False
        self._answered(UNKNOWN)
        return True

    def _answered(self, raw: str) -> None:
        assert self.question is not None
        self.post_message(self.Answered(self.question.observation, self.question.id, raw))

    def on_answer_list_chosen(self, event: AnswerList.Chosen) -> None:
        event.stop()
        if self.question is not None:
            self._answered(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "q-number":
            event.stop()
            raw = event.value.strip().replace(",", ".")
            if raw and self.question is not None:
                self._answered(raw)
