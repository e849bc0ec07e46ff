"""The current question: its options as buttons (keys 1-9), "I don't know" (0 or d), a number input."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Static

from advisor.engine.diagnosis import AnswerOption, NextQuestion
from advisor.kb.models import UNKNOWN

NUMBER_CHARS = set("0123456789.,-")


class NumberInput(Input):
    """A number field that lets letter keys (d, n, h, w, ...) reach the screen's bindings."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in NUMBER_CHARS

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and (event.character or "") not in NUMBER_CHARS:
            event.prevent_default()  # not typed: the key bubbles up to the screen's bindings


class OptionButton(Button):
    """One answer; up/down move between the answers."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous answer", show=False),
        Binding("down", "move(1)", "Next answer", show=False),
    ]

    def __init__(self, label: Content, value: str, index: int) -> None:
        super().__init__(label, compact=True, classes="option dont-know" if value == UNKNOWN else "option")
        self.value = value
        self.index = index

    def set_answer(self, label: Content, value: str, index: int) -> None:
        self.label = label
        self.value = value
        self.index = index
        if self.has_class("dont-know") != (value == UNKNOWN):
            self.set_class(value == UNKNOWN, "dont-know")

    def action_move(self, delta: int) -> None:
        parent = self.parent
        if parent is None:
            return
        buttons = [b for b in parent.query(OptionButton) if b.display]
        i = buttons.index(self) + delta
        if 0 <= i < len(buttons):
            buttons[i].focus()


class QuestionPanel(Vertical):
    """Shows one NextQuestion and posts `Answered` with the raw value chosen or typed."""

    class Answered(Message):
        def __init__(self, observation: str, question: str, raw: str) -> None:
            super().__init__()
            self.observation = observation
            self.question = question
            self.raw = raw

    def __init__(self, question: NextQuestion | None = None, number: int = 0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.question = question
        self.number = number
        self._pool: list[OptionButton] = []

    def compose(self) -> ComposeResult:
        """Built with the first question already in place: one layout instead of several."""
        q = self.question
        title, text, hint, answers = self._content(q, self.number)
        yield Static(title, id="q-title", markup=False)
        yield Static(text, id="q-text", markup=False)
        self._pool = [OptionButton(label, value, i) for i, (label, value) in enumerate(answers)]
        yield VerticalScroll(*self._pool, id="q-options")
        number_input = NumberInput(placeholder=self._placeholder(q), id="q-number", type="text")
        number_input.display = q is not None and q.type == "number"
        yield number_input
        yield Static(hint, id="q-hint", markup=False)

    @staticmethod
    def _placeholder(q: NextQuestion | None) -> str:
        unit = f" ({q.unit})" if q is not None and q.unit else ""
        return f"type a number{unit}, Enter"

    def _content(self, q: NextQuestion | None, number: int) -> tuple[Text, Text, Text, list[tuple[Content, str]]]:
        """Title, question text, hint and the (label, value) of each answer button."""
        if q is None:
            return (Text("No question left", style="bold"),
                    Text("Nothing more to ask: x shows the diagnosis, c changes an answer."), Text(""), [])
        title = Text.assemble((f"Question {number}", "bold"), (f"   cost {q.cost}", "dim"),
                              ("   h help · w why · n note · t trace · k context", "dim"))
        answers: list[tuple[Content, str]] = []
        hint = Text("")
        options = [o for o in q.options if o.value != UNKNOWN]
        if q.type == "number":
            ranges = " · ".join(o.label for o in options)
            hint = Text(f"ranges that matter: {ranges}" if ranges else "", style="dim")
        else:
            for i, opt in enumerate(options):
                key = str(i + 1) if i < 9 else " "
                answers.append((Content.assemble((key, "bold"), "  ", Content(opt.label)), opt.value))
        answers.append((Content.assemble(("0", "bold"), "  ", Content("I don't know")), UNKNOWN))
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
        box = self.query_one("#q-options", VerticalScroll)
        self._set_buttons(box, answers)
        box.scroll_home(animate=False)

    def _set_buttons(self, box: VerticalScroll, answers: list[tuple[Content, str]]) -> None:
        """Reuse the mounted buttons (mounting new widgets per question is slow); hide the spare ones."""
        new = []
        for i, (label, value) in enumerate(answers):
            if i < len(self._pool):
                self._pool[i].set_answer(label, value, i)
                self._pool[i].display = True
            else:
                button = OptionButton(label, value, i)
                self._pool.append(button)
                new.append(button)
        for button in self._pool[len(answers):]:
            button.display = False
        if new:
            box.mount_all(new)

    def focus_first(self) -> None:
        if self.question is not None and self.question.type == "number":
            self.query_one("#q-number", NumberInput).focus()
            return
        buttons = [b for b in self._pool if b.display]
        if buttons:
            buttons[0].focus()

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

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, OptionButton):
            event.stop()
            self._answered(event.button.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "q-number":
            event.stop()
            raw = event.value.strip().replace(",", ".")
            if raw and self.question is not None:
                self._answered(raw)
