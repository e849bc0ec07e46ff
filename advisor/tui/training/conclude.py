"""Commit to a cause and a fix: two choices, so a trainee can know the cause and still pick the wrong fix."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from advisor.kb.loader import KnowledgeBase
from advisor.training.attempt import HEALTHY

HEALTHY_LABEL = "Nothing is wrong with the trunk"


class ConcludeDialog(ModalScreen[tuple[str, str] | None]):
    """First the cause, then whose fix to apply (the cause's own fix first). Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(classes="dialog-screen")
        self.kb = kb
        self.cause: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="conclude"):
            yield Label(Text("Which cause? (type to filter, Enter picks)", style="bold"), id="conclude-title")
            yield Input(placeholder="filter causes", id="cause-filter")
            yield OptionList(id="conclude-list")
            yield Label(Text("Esc cancels", style="dim"))

    def on_mount(self) -> None:
        self._fill_causes("")
        self.query_one("#conclude-list", OptionList).focus()

    def _fill_causes(self, needle: str) -> None:
        ol = self.query_one("#conclude-list", OptionList)
        ol.clear_options()
        needle = needle.lower().strip()
        if not needle or needle in HEALTHY_LABEL.lower() or needle in HEALTHY:
            ol.add_option(Option(Text(HEALTHY_LABEL, style="italic"), id=HEALTHY))
        for cid, cause in sorted(self.kb.causes.items()):
            if needle and needle not in f"{cid} {cause.title}".lower():
                continue
            label = Text(cause.title)
            label.append(f"  {cid}", style="dim")
            ol.add_option(Option(label, id=cid))
        if ol.option_count:
            ol.highlighted = 0

    def _fill_fixes(self, cause: str) -> None:
        ol = self.query_one("#conclude-list", OptionList)
        ol.clear_options()
        self.query_one("#conclude-title", Label).update(Text("Which fix would you apply?", style="bold"))
        self.query_one("#cause-filter", Input).display = False
        if cause == HEALTHY:
            ol.add_option(Option("No change to the trunk: explain to the customer what was checked", id=HEALTHY))
        own = self.kb.causes.get(cause)
        if own is not None:
            ol.add_option(Option(Text(f"{own.fix[0]}  (fix for: {own.title})"), id=cause))
        for cid, other in sorted(self.kb.causes.items()):
            if cid != cause and other.symptom == (own.symptom if own else None) and other.fix != (own.fix if own
                                                                                                    else None):
                ol.add_option(Option(Text(f"{other.fix[0]}  (fix for: {other.title})"), id=cid))
        ol.highlighted = 0
        ol.focus()

    @on(Input.Changed, "#cause-filter")
    def _filter(self, event: Input.Changed) -> None:
        if self.cause is None:
            self._fill_causes(event.value)

    @on(Input.Submitted, "#cause-filter")
    def _to_list(self) -> None:
        self.query_one("#conclude-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#conclude-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        picked = event.option.id or HEALTHY
        if self.cause is None:
            self.cause = picked
            self._fill_fixes(picked)
        else:
            self.dismiss((self.cause, picked))

    def action_cancel(self) -> None:
        self.dismiss(None)
