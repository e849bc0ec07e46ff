"""One training round: the customer's words, every question with its cost, artefacts, hints, the conclusion.

The trainee picks from the full question list (not the advisor's suggestion).
The live reasoning panel (easier difficulty) shows how many causes are still
possible; without it the trainee reasons alone. Concluding scores the round in
a worker thread (the advisor's own path is computed then) and posts RoundDone.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from advisor.kb.models import UNKNOWN
from advisor.training.attempt import Attempt, candidates
from advisor.training.models import Artefact
from advisor.training.progress import ProgressStore
from advisor.training.rounds import finish
from advisor.tui.safety import safe_text
from advisor.tui.training.conclude import ConcludeDialog
from advisor.tui.training.messages import Options, RoundDone


class RoundScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "ask", "Ask", show=False),
        Binding("ctrl+t", "request('trace')", "Trace", priority=True),
        Binding("ctrl+a", "request('alert')", "Alert", priority=True),
        Binding("ctrl+o", "request('probes')", "Probes", priority=True),
        Binding("ctrl+h", "hint", "Hint (-points)", priority=True),
        Binding("ctrl+d", "conclude", "Conclude", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]

    def __init__(self, attempt: Attempt, options: Options, store: ProgressStore | None, *,
                 exam: str | None = None, position: str = "") -> None:
        super().__init__()
        self.attempt = attempt
        self.options = options
        self.store = store
        self.exam = exam
        self.position = position
        self._log = Text()

    # ---- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        case = self.attempt.case
        head = Text()
        head.append(f"{self.position}{'Exam ' if self.exam else ''}Case ", style="bold")
        head.append_text(safe_text(case.title, "bold"))
        head.append("  " + "*" * case.difficulty, style="yellow")
        with Vertical(id="round"):
            yield Label(head, id="case-title")
            words = Text("Customer: ", style="bold")
            words.append_text(safe_text(case.words, "italic", multiline=True))
            yield Static(words, id="case-words")
            with Horizontal(id="round-body"):
                with Vertical(id="questions-pane"):
                    yield Input(placeholder="filter questions (type words)", id="q-filter")
                    yield OptionList(id="questions")
                with Vertical(id="log-pane"):
                    yield Label(Text("What you learned", style="bold"))
                    with VerticalScroll(id="round-log-scroll"):
                        yield Static(Text("Nothing asked yet.", style="dim"), id="round-log")
                if self.options.reasoning:
                    with Vertical(id="reasoning-pane"):
                        yield Label(Text("Still possible", style="bold"))
                        yield Static("", id="round-reasoning")
            yield Label(self._keys_hint(), id="round-keys")
        yield Footer()

    def _keys_hint(self) -> Text:
        arts = [f"ctrl+{key} {name}" for key, name in (("t", "trace"), ("a", "alert"), ("o", "probes"))
                if self.options.artefacts and name in self.attempt.case.artefacts]
        parts = ["Enter asks the highlighted question", *arts]
        if self.attempt.hints_allowed:
            parts.append("ctrl+h hint")
        parts.append("ctrl+d conclude")
        return Text(" · ".join(parts), style="dim")

    def on_mount(self) -> None:
        self._fill_questions("")
        self._refresh_reasoning()
        self.query_one("#questions", OptionList).focus()

    # ---- questions -------------------------------------------------------------------
    def _fill_questions(self, needle: str) -> None:
        kb = self.attempt.advisor.kb
        asked = self.attempt.asked()
        ol = self.query_one("#questions", OptionList)
        ol.clear_options()
        needle = needle.lower().strip()
        for q in kb.questions.values():
            if needle and needle not in f"{q.text} {q.observation}".lower():
                continue
            label = Text(f"[{q.cost}] ", style="cyan")
            label.append(q.text, style="dim" if q.observation in asked else "")
            if q.observation in asked:
                label.append("  (asked)", style="dim")
            ol.add_option(Option(label, id=q.observation))
        if ol.option_count:
            ol.highlighted = 0

    @on(Input.Changed, "#q-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill_questions(event.value)

    @on(Input.Submitted, "#q-filter")
    def _to_list(self) -> None:
        self.query_one("#questions", OptionList).focus()

    @on(OptionList.OptionSelected, "#questions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._ask(event.option.id)

    def action_ask(self) -> None:
        ol = self.query_one("#questions", OptionList)
        if ol.highlighted is not None:
            opt = ol.get_option_at_index(ol.highlighted)
            if opt.id:
                self._ask(opt.id)

    def _ask(self, obs_id: str) -> None:
        kb = self.attempt.advisor.kb
        q = kb.question_for.get(obs_id)
        reply = self.attempt.ask(obs_id)
        self._say(Text(f"You: {q.text if q else obs_id}\n", style="bold"))
        style = "yellow" if reply.value == UNKNOWN else ""
        line = Text("Customer: ", style="bold")
        line.append_text(safe_text(reply.words, style))
        self._say(line + Text("\n"))
        self._fill_questions(self.query_one("#q-filter", Input).value)
        self._refresh_reasoning()

    # ---- artefacts and hints -----------------------------------------------------------------
    def action_request(self, name: str) -> None:
        if not self.options.artefacts:
            self.notify("Artefacts are off at this difficulty.", severity="warning")
            return
        artefact: Artefact = "trace" if name == "trace" else ("alert" if name == "alert" else "probes")
        if artefact in self.attempt.revealed:
            self.notify(f"You already have the {artefact}.")
            return
        try:
            view = self.attempt.request(artefact)
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._say(Text(f"You asked for the {artefact}.\n", style="bold"))
        self._say(safe_text(view.summary + "\n", "green", multiline=True))
        if view.text:
            excerpt = "\n".join(view.text.splitlines()[:40])
            self._say(safe_text(excerpt + "\n", "dim", multiline=True))
        self._refresh_reasoning()

    def action_hint(self) -> None:
        try:
            text = self.attempt.hint()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self._say(safe_text(f"Hint (costs points): {text}\n", "magenta", multiline=True))

    # ---- conclusion ----------------------------------------------------------------------------
    def action_conclude(self) -> None:
        self.app.push_screen(ConcludeDialog(self.attempt.advisor.kb), self._concluded)

    def _concluded(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        cause, fix = choice
        conclusion = self.attempt.conclude(cause, fix)
        self._say(Text(f"You concluded: {cause}. Scoring against the advisor...\n", style="bold"))
        self._score(conclusion.cause, conclusion.fix)

    @work(thread=True, exclusive=True)
    def _score(self, cause: str, fix: str) -> None:
        from advisor.training.attempt import Conclusion

        result = finish(self.attempt, Conclusion(cause=cause, fix=fix), trainee=self.options.trainee,
                        exam=self.exam, store=self.store)
        self.app.call_from_thread(self.post_message, RoundDone(result))

    # ---- drawing -----------------------------------------------------------------------------
    def _say(self, text: Text) -> None:
        if not self._log.plain:
            self._log = Text()
        self._log.append_text(text)
        self.query_one("#round-log", Static).update(self._log)
        self.query_one("#round-log-scroll", VerticalScroll).scroll_end(animate=False)

    def _refresh_reasoning(self) -> None:
        if not self.options.reasoning:
            return
        d = self.attempt.diagnosis()
        alive = candidates(d)
        out = Text(f"{len(alive)} cause{'s' if len(alive) != 1 else ''} still possible\n", style="bold")
        for c in d.causes[:8]:
            if c.status == "ruled_out":
                break
            mark = "✔ " if c.status == "confirmed" else f"{c.confidence:4.0%} "
            out.append(mark, style="green" if c.status == "confirmed" else "cyan")
            out.append(c.title[:60] + "\n")
        self.query_one("#round-reasoning", Static).update(out)
