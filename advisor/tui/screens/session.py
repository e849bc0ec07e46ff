"""The conversation: log of questions and answers, the current question, the live reasoning panel."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from advisor.engine.diagnosis import Diagnosis
from advisor.session.core import Session
from advisor.tui import messages as msg
from advisor.tui.present import bar, log_items, percent
from advisor.tui.widgets.conversation import Conversation
from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.header import AdvisorHeader
from advisor.tui.widgets.question import QuestionPanel
from advisor.tui.widgets.reasoning import ReasoningPanel
from advisor.tui.widgets.work import WorkStatus

NARROW = 110
"""Below this many columns the reasoning panel collapses to one line (r shows it)."""


class SessionScreen(Screen[None]):
    BINDINGS = [
        Binding("1", "pick(1)", "answer", key_display="1-9"),
        *[Binding(str(n), f"pick({n})", show=False) for n in range(2, 10)],
        Binding("0", "dont_know", "Don't know", key_display="0/d", show=False),
        Binding("d", "dont_know", "don't know"),
        Binding("h", "help", "help", show=False),
        Binding("f1", "help", "help", show=False),
        Binding("w", "why", "why?", show=False),
        Binding("question_mark", "why", "why?", show=False),
        Binding("n", "note", "note", show=False),
        Binding("c", "change", "change"),
        Binding("t", "attach_trace", "trace", show=False),
        Binding("l", "ladder", "Ladder", show=False),
        Binding("k", "context", "Context", show=False),
        Binding("r", "toggle_reasoning", "panel"),
        Binding("x", "diagnosis", "Diagnosis", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("y", "copy_summary", "Copy", show=False),
        Binding("escape", "cancel_work", "Cancel", show=False),
        Binding("comma", "walk(-1)", "earlier", key_display=",", show=False),
        Binding("full_stop", "walk(1)", "later", key_display=".", show=False),
    ]

    def __init__(self, session: Session, diagnosis: Diagnosis | None = None, number: int = 1,
                 width: int = 120, *, read_only: bool = False) -> None:
        classes = " ".join(c for c in ("narrow" if width < NARROW else "", "read-only" if read_only else "") if c)
        super().__init__(classes=classes or None)
        self.session = session
        self.diagnosis = diagnosis
        self.number = number
        self.width_hint = width
        self.read_only = read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The walk keys exist only in a read-only transcript."""
        if action == "walk":
            return self.read_only
        return True

    def compose(self) -> ComposeResult:
        d = self.diagnosis
        yield AdvisorHeader("☎")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Conversation(log_items(self.session) if d is not None else None, id="log")
                yield Static(self._strip(d) if d is not None else "", id="strip", markup=False)
                left = self.width_hint if self.width_hint < NARROW else round(self.width_hint * 3 / 5)
                yield QuestionPanel(d.next_question if d is not None else None, self.number, width=left - 2,
                                    id="question")
            # the panel's list width, as the layout will make it (a resize re-wraps if it differs)
            yield ReasoningPanel(d, round(self.width_hint * 2 / 5) - 5, id="reasoning")
        yield WorkStatus(id="work")
        yield AdvisorFooter()

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        if self.diagnosis is not None:
            self.query_one(QuestionPanel).focus_first()
        self.post_message(msg.SessionShown())

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        if self.has_class("narrow") != (width < NARROW):
            self.set_class(width < NARROW, "narrow")

    # ---- rendering -------------------------------------------------------------------
    def render_state(self, d: Diagnosis, number: int, focus: bool = True) -> None:
        """Show the session as it is now (called by the app after every change)."""
        self.query_one(Conversation).sync(log_items(self.session))
        if d is self.diagnosis and number == self.number:
            return  # the rest is already on screen (built with it)
        self.diagnosis = d
        self.number = number
        self.query_one(ReasoningPanel).show(d)
        panel = self.query_one(QuestionPanel)
        previous = panel.question.id if panel.question is not None else None
        panel.show(d.next_question, number)
        self.query_one("#strip", Static).update(self._strip(d))
        if focus and (previous != (d.next_question.id if d.next_question else None)
                      or not self._focus_inside_question()):
            panel.focus_first()

    @staticmethod
    def _strip(d: Diagnosis) -> Text:
        alive = [c for c in d.causes if c.status != "ruled_out"]
        strip = Text()
        if d.conflicts:
            strip.append(f"⚠ {len(d.conflicts)} fact(s) disagree (x) ", style="bold yellow")
        strip.append(f"{len(alive)} possible (r) ", style="dim")
        if alive:
            top = alive[0]
            strip.append(bar(top.confidence, 6), style="cyan")
            strip.append(f" {percent(top.confidence)} ", style="bold")
            strip.append(top.title)
        return strip

    def focus_question(self) -> None:
        self.query_one(QuestionPanel).focus_first()

    def _focus_inside_question(self) -> bool:
        panel = self.query_one(QuestionPanel)
        node = self.focused
        while node is not None:
            if node is panel:
                return True
            node = node.parent  # type: ignore[assignment]
        return False

    # ---- input -----------------------------------------------------------------------
    def on_question_panel_answered(self, event: QuestionPanel.Answered) -> None:
        self.post_message(msg.Answer(event.observation, event.raw, event.question))

    def on_conversation_change_requested(self, event: Conversation.ChangeRequested) -> None:
        self.post_message(msg.ChangeAnswer(event.observation, event.question))

    def on_reasoning_panel_cause_chosen(self, event: ReasoningPanel.CauseChosen) -> None:
        self.post_message(msg.ShowCause(event.cause))

    def action_pick(self, n: int) -> None:
        if not self.query_one(QuestionPanel).pick(n):
            self.app.bell()

    def action_dont_know(self) -> None:
        if not self.query_one(QuestionPanel).dont_know():
            self.app.bell()

    def action_help(self) -> None:
        self.post_message(msg.ShowHelp())

    def action_why(self) -> None:
        self.post_message(msg.ShowWhy())

    def action_note(self) -> None:
        self.post_message(msg.AddNote())

    def action_change(self) -> None:
        self.post_message(msg.ChangeAnswer())

    def action_attach_trace(self) -> None:
        self.post_message(msg.AttachTrace())

    def action_ladder(self) -> None:
        self.post_message(msg.ShowLadder())

    def action_context(self) -> None:
        self.post_message(msg.EditContext())

    def action_diagnosis(self) -> None:
        self.post_message(msg.ShowDiagnosis())

    def action_export(self) -> None:
        self.post_message(msg.Export())

    def action_copy_summary(self) -> None:
        self.post_message(msg.CopySummary())

    def action_cancel_work(self) -> None:
        self.post_message(msg.CancelWork())

    def action_walk(self, delta: int) -> None:
        self.post_message(msg.WalkStep(delta))

    def action_toggle_reasoning(self) -> None:
        if self.has_class("narrow"):
            self.toggle_class("show-reasoning")
            if self.has_class("show-reasoning"):
                panel = self.query_one(ReasoningPanel)
                self.call_after_refresh(panel.show_if_stale)
                panel.focus_list()
            else:
                self.query_one(QuestionPanel).focus_first()
        else:
            self.toggle_class("hide-reasoning")
            self.call_after_refresh(self.query_one(ReasoningPanel).show_if_stale)
