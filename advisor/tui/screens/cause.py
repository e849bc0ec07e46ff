"""One cause in detail: status, why (evidence with its source), how we would know (still needed), fix."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from advisor.engine.diagnosis import CauseResult, Reason
from advisor.kb.loader import KnowledgeBase
from advisor.tui.present import (
    EFFECT_MARK,
    EFFECT_WORD,
    evidence,
    percent,
    question_text,
    reason_line,
    source_label,
    still_needed,
)

EFFECT_STYLE = {
    "meets_requirement": "green",
    "supports": "green",
    "still_needed": "yellow",
    "weakens": "yellow",
    "rules_out": "red",
    "excludes": "red",
}


def reason_prompt(kb: KnowledgeBase, r: Reason) -> Text:
    out = Text()
    out.append(f"{EFFECT_MARK.get(r.effect, '·')} ", style=EFFECT_STYLE.get(r.effect, ""))
    out.append(reason_line(kb, r))
    out.append(f"\n    {EFFECT_WORD.get(r.effect, r.effect)} · {source_label(r)}", style="dim")
    if r.source and r.source.startswith("trace:"):
        out.append("  (Enter: show it)", style="dim italic")
    return out


def is_trace(r: Reason) -> bool:
    return bool(r.source and r.source.startswith("trace:"))


class CauseDialog(ModalScreen[str | None]):
    """Returns the trace source label of a piece of evidence to jump to, or None."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, kb: KnowledgeBase, cause: CauseResult) -> None:
        super().__init__(classes="dialog-screen")
        self.kb = kb
        self.cause = cause

    def compose(self) -> ComposeResult:
        c = self.cause
        cdef = self.kb.causes.get(c.id)
        with Vertical(classes="dialog dialog-wide"):
            yield Label(Text(c.title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                status = {"confirmed": "CONFIRMED", "candidate": "candidate", "ruled_out": "ruled out"}[c.status]
                yield Static(Text.assemble((status, "bold"), f"  {percent(c.confidence)}  ", (c.id, "dim")),
                             markup=False)
                if cdef is not None:
                    yield Static(Text(cdef.mechanism.strip()), markup=False, classes="mechanism")
                    yield Static(Text(f"Guide: {cdef.guide}", style="dim"), markup=False)
                items = evidence(c)
                yield Label("Evidence (why)", classes="section")
                if items:
                    yield OptionList(*[Option(reason_prompt(self.kb, r), id=f"ev-{i}")
                                       for i, r in enumerate(items)], id="evidence", markup=False)
                else:
                    yield Static(Text("Nothing known about it yet.", style="dim"), markup=False)
                needed = still_needed(c)
                if needed and c.status != "ruled_out":
                    yield Label("How would we know? (still needed to confirm)", classes="section")
                    body = Text()
                    for r in needed:
                        body.append("? ", style="yellow")
                        body.append(question_text(self.kb, r.observation) + "\n")
                        body.append(f"    {r.text}\n", style="dim")
                    yield Static(body, markup=False)
                yield Label("Fix", classes="section")
                fix = Text()
                for n, step in enumerate(c.fix, 1):
                    fix.append(f"{n}. ", style="bold")
                    fix.append(step.strip() + "\n")
                yield Static(fix, markup=False)
            yield Label(Text("Esc closes", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(".dialog-body").focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        items = evidence(self.cause)
        index = int((event.option.id or "ev-0").removeprefix("ev-"))
        if 0 <= index < len(items) and is_trace(items[index]):
            self.dismiss(items[index].source)

    def action_close(self) -> None:
        self.dismiss(None)
