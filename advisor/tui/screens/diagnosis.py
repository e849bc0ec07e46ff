"""The diagnosis: the cause, its evidence chain with sources, the fix, what else is possible or ruled out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from advisor.engine.diagnosis import Conflict, Diagnosis
from advisor.kb.loader import KnowledgeBase
from advisor.tui import messages as msg
from advisor.tui.present import bar, diagnosis_view, percent, question_text, value_label, why_ruled_out
from advisor.tui.screens.cause import is_trace, reason_prompt
from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.header import AdvisorHeader
from advisor.tui.widgets.work import WorkStatus

HEADLINE = {
    "confirmed": ("Diagnosis: confirmed", "bold green"),
    "undecided": ("No question left to separate the remaining causes", "bold yellow"),
    "no_candidates": ("No known cause fits", "bold red"),
    "in_progress": ("Not concluded yet", "bold"),
    "nothing_wrong": ("Nothing wrong found in the facts at hand", "bold green"),
}


def conflict_prompt(kb: KnowledgeBase, c: Conflict) -> Text:
    """One disagreement: the question to settle it, then the two values and where each came from."""
    out = Text()
    out.append("⚠ ", style="bold yellow")
    out.append(c.question)
    out.append(f"\n    {question_text(kb, c.observation)}: {value_label(kb, c.observation, c.stated)} "
               f"({c.stated_source}) vs {value_label(kb, c.observation, c.other)} ({c.other_source})", style="dim")
    if c.held_back:
        out.append(f"\n    holds back: {', '.join(c.held_back)}", style="dim")
    return out


class DiagnosisScreen(Screen[None]):
    BINDINGS = [
        Binding("e", "export", "export"),
        Binding("y", "copy_summary", "copy summary"),
        Binding("s", "start_over", "start over"),
        Binding("b", "back", "back"),
        Binding("c", "change", "change answer"),
        Binding("t", "attach_trace", "Trace", show=False),
        Binding("l", "ladder", "Ladder", show=False),
        Binding("escape", "back_or_cancel", "Back", show=False),
    ]

    def __init__(self, kb: KnowledgeBase, diagnosis: Diagnosis) -> None:
        super().__init__()
        self.kb = kb
        self.diagnosis = diagnosis

    def compose(self) -> ComposeResult:
        yield AdvisorHeader("☎")
        yield VerticalScroll(id="diag-body")
        with Horizontal(id="diag-actions"):
            yield Button(Text("Export to ticket (e)"), id="export", variant="primary", compact=True)
            yield Button(Text("Copy summary (y)"), id="copy", compact=True)
            yield Button(Text("Start over (s)"), id="start-over", compact=True)
            yield Button(Text("Back (b)"), id="back", compact=True)
        yield WorkStatus(id="work")
        yield AdvisorFooter()

    def on_mount(self) -> None:
        self.show(self.diagnosis)

    def show(self, d: Diagnosis) -> None:
        self.diagnosis = d
        body = self.query_one("#diag-body", VerticalScroll)
        body.remove_children()
        view = diagnosis_view(self.kb, d)
        heading, style = HEADLINE.get(view.status, ("Diagnosis", "bold"))
        widgets: list[Static | Label | OptionList] = [
            Static(Text(heading, style=style), markup=False, classes="diag-heading"),
        ]
        if view.cause is None or view.headline != f"Confirmed: {view.cause.title}":
            widgets.append(Static(Text(view.headline), markup=False, classes="diag-headline"))
        if d.conflicts:
            # facts that disagree are a question for the engineer, not something to average away
            widgets.append(Label(f"Facts that disagree ({len(d.conflicts)}): Enter changes the fact",
                                 classes="section"))
            widgets.append(OptionList(*[Option(conflict_prompt(self.kb, c), id=f"cf-{i}")
                                        for i, c in enumerate(d.conflicts)],
                                      classes="diag-conflicts", markup=False))
        if d.conclusion.status == "undecided" and d.conclusion.how_to_tell:
            widgets.append(Label("How to tell them apart", classes="section"))
            widgets.append(Static(Text("\n".join(f"• {h}" for h in d.conclusion.how_to_tell)), markup=False,
                                  classes="diag-how"))
        if d.conclusion.status == "nothing_wrong" and d.conclusion.not_checked:
            widgets.append(Label("Not checked by the facts at hand", classes="section"))
            widgets.append(Static(Text("\n".join(f"• {n}" for n in d.conclusion.not_checked)), markup=False,
                                  classes="diag-how"))
        if view.cause is not None:
            c = view.cause
            widgets.append(Static(Text.assemble(
                (bar(c.confidence, 10), "green" if c.status == "confirmed" else "cyan"),
                (f" {percent(c.confidence)} ", "bold"), (c.title, "bold"), (f"  {c.id}", "dim")),
                markup=False, classes="diag-cause"))
            widgets.append(Label("Fix", classes="section"))
            fix = Text()
            for n, step in enumerate(view.fix, 1):
                fix.append(f"{n}. ", style="bold")
                fix.append(step.strip() + ("\n" if n < len(view.fix) else ""))
            widgets.append(Static(fix, markup=False, classes="diag-fix"))
            if view.evidence:
                widgets.append(Label("Evidence (up/down, Enter: a trace fact shows its message, an answer "
                                     "can be changed)", classes="section"))
                widgets.append(OptionList(*[Option(reason_prompt(self.kb, r), id=f"ev-{i}")
                                            for i, r in enumerate(view.evidence)],
                                          classes="diag-evidence", markup=False))
            else:
                widgets.append(Label("Evidence", classes="section"))
                widgets.append(Static(Text("no evidence recorded", style="dim"), markup=False))
            if view.mechanism:
                widgets.append(Label("Why it happens", classes="section"))
                widgets.append(Static(Text(view.mechanism.strip()), markup=False, classes="mechanism"))
            if view.guide:
                widgets.append(Static(Text(f"Guide: {view.guide}", style="dim"), markup=False))
        if view.still_possible:
            widgets.append(Label(f"Still possible ({len(view.still_possible)})", classes="section"))
            other = Text()
            for i, c in enumerate(view.still_possible):
                other.append(bar(c.confidence, 6), style="cyan")
                other.append(f" {percent(c.confidence):>4} ")
                other.append(c.title + ("\n" if i < len(view.still_possible) - 1 else ""))
            widgets.append(Static(other, markup=False, classes="diag-possible"))
        if view.ruled_out:
            widgets.append(Label(f"Ruled out ({len(view.ruled_out)})", classes="section"))
            ruled = Text()
            for i, c in enumerate(view.ruled_out):
                ruled.append("✗ " + c.title, style="dim strike")
                ruled.append(f"  {why_ruled_out(c)}" + ("\n" if i < len(view.ruled_out) - 1 else ""),
                             style="dim italic")
            widgets.append(Static(ruled, markup=False, classes="diag-ruled"))
        body.mount_all(widgets)
        body.scroll_home(animate=False)
        # focus where the hint says Enter acts: conflicts first, else the evidence list; e, y, s, b act anywhere
        evidence = next((w for w in widgets if isinstance(w, OptionList)), None)
        if evidence is not None:
            evidence.highlighted = 0
            evidence.focus()
        else:
            self.query_one("#export", Button).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if (event.option.id or "").startswith("cf-"):
            conflict = self.diagnosis.conflicts[int((event.option.id or "cf-0").removeprefix("cf-"))]
            self.post_message(msg.ChangeAnswer(conflict.observation))
            return
        view = diagnosis_view(self.kb, self.diagnosis)
        index = int((event.option.id or "ev-0").removeprefix("ev-"))
        if 0 <= index < len(view.evidence):
            reason = view.evidence[index]
            if is_trace(reason) and reason.source:
                self.post_message(msg.ShowLadder(reason.source))
            else:
                self.post_message(msg.ChangeAnswer(reason.observation))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"export": self.action_export, "copy": self.action_copy_summary,
                   "start-over": self.action_start_over, "back": self.action_back}
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_export(self) -> None:
        self.post_message(msg.Export())

    def action_copy_summary(self) -> None:
        self.post_message(msg.CopySummary())

    def action_start_over(self) -> None:
        self.post_message(msg.StartOver())

    def action_back(self) -> None:
        self.post_message(msg.BackToConversation())

    def action_change(self) -> None:
        self.post_message(msg.ChangeAnswer())

    def action_attach_trace(self) -> None:
        self.post_message(msg.AttachTrace())

    def action_ladder(self) -> None:
        self.post_message(msg.ShowLadder())

    def action_back_or_cancel(self) -> None:
        self.post_message(msg.CancelWork(or_back=True))
