"""Changing an earlier answer: pick which fact, then give its new value."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from advisor.engine.observations import Observation
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN
from advisor.tui.present import DONT_KNOW, answer_choices, question_text, value_label
from advisor.tui.widgets.question import NumberInput


@dataclass
class FactChoice:
    observation: str
    question: str | None


class PickFactDialog(ModalScreen[FactChoice | None]):
    """Every answer so far (and facts from traces): choose the one to change."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, kb: KnowledgeBase, facts: list[tuple[Observation, str | None]]) -> None:
        super().__init__(classes="dialog-screen")
        self.kb = kb
        self.facts = facts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Change which answer?"), classes="dialog-title")
            options = []
            for obs, question in self.facts:
                prompt = Text()
                prompt.append(question_text(self.kb, obs.id, question), style="italic")
                prompt.append("\n  " + value_label(self.kb, obs.id, obs.value, question), style="bold")
                if obs.source.kind != "answer":
                    prompt.append(f"  (from {obs.source.label()})", style="dim")
                options.append(Option(prompt, id=obs.id))
            yield OptionList(*options, id="facts", markup=False)
            yield Label(Text("Enter chooses · Esc cancels", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#facts", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for obs, question in self.facts:
            if obs.id == event.option.id:
                self.dismiss(FactChoice(obs.id, question))
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


class AnswerDialog(ModalScreen[str | None]):
    """The question again with every allowed value; returns the raw new value."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)],
        Binding("0", "pick(0)", show=False),
        Binding("d", "pick(0)", show=False),
    ]

    def __init__(self, kb: KnowledgeBase, observation: str, question: str | None,
                 current: str | float | None) -> None:
        super().__init__(classes="dialog-screen")
        self.kb = kb
        self.observation = observation
        self.question = question
        self.current = current
        self.choices = answer_choices(kb, observation)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Change the answer"), classes="dialog-title")
            yield Static(Text(question_text(self.kb, self.observation, self.question), style="bold"), markup=False)
            yield Static(Text("now: " + value_label(self.kb, self.observation, self.current, self.question),
                              style="dim"), markup=False)
            obs = self.kb.observations.get(self.observation)
            if obs is not None and obs.type == "number":
                yield NumberInput(placeholder=f"a number ({obs.unit or 'no unit'}), Enter; d = I don't know",
                                  id="answer-number")
            else:
                options = []
                for i, (value, label) in enumerate(self.choices, 1):
                    prompt = Text.assemble((f"{i if i <= 9 else ' '}  ", "bold"), label)
                    if value == self.current:
                        prompt.append("  (current)", style="dim")
                    options.append(Option(prompt, id=value))
                options.append(Option(Text.assemble(("0  ", "bold"), DONT_KNOW), id=UNKNOWN))
                yield OptionList(*options, id="answer-options", markup=False)
            yield Label(Text("Enter or 1-9 answers · 0/d I don't know · Esc cancels", style="dim"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        for widget in self.query("#answer-number, #answer-options"):
            widget.focus()
            if isinstance(widget, OptionList):
                values = [v for v, _ in self.choices]
                if self.current in values:
                    widget.highlighted = values.index(str(self.current))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        raw = event.value.strip().replace(",", ".")
        if raw:
            self.dismiss(raw)

    def action_pick(self, n: int) -> None:
        if n == 0:
            self.dismiss(UNKNOWN)
        elif n <= len(self.choices):
            self.dismiss(self.choices[n - 1][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
