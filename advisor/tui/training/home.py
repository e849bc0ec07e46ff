"""The training start screen: who is training, how hard, and what to do."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from advisor.tui.training.messages import Options, ShowExplore, ShowReport, StartExam, StartPractice


class TrainingHome(Screen[None]):
    BINDINGS = [
        Binding("ctrl+n", "practice", "Next case", priority=True),
        Binding("ctrl+e", "exam", "Exam", priority=True),
        Binding("ctrl+r", "report", "Progress", priority=True),
        Binding("ctrl+t", "explore", "Explore the KB", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]

    def __init__(self, trainee: str | None = None, exam_cases: int = 10, pass_mark: int = 70) -> None:
        super().__init__()
        self.trainee = trainee or ""
        self.exam_cases = exam_cases
        self.pass_mark = pass_mark

    def compose(self) -> ComposeResult:
        with Vertical(id="training-home"):
            yield Label(Text("Training: work cases, scored against the advisor", style="bold"), classes="title")
            yield Static(Text(
                "You get the customer's words. Ask the questions you would ask (each has a cost), request a "
                "trace, the carrier's alert or probe results when the case has them, then commit to a cause "
                "and a fix. The debrief shows the advisor's own path on the same case.", style="dim"),
                classes="intro")
            yield Label("Your name")
            yield Input(self.trainee, placeholder="trainee name (progress is kept per name)", id="trainee")
            yield Checkbox("Show the live reasoning panel (easier)", True, id="reasoning")
            yield Checkbox("Traces, alerts and probe results may be requested", True, id="artefacts")
            with Horizontal(classes="buttons"):
                yield Button("Next case", id="practice", variant="primary")
                yield Button("Exam", id="exam", tooltip=f"{self.exam_cases} fixed cases, no hints, pass mark {self.pass_mark}")
                yield Button("Progress", id="report")
                yield Button("Explore", id="explore")
            yield Label(Text(f"Exam: {self.exam_cases} fixed cases, no hints, no reasoning panel, pass mark "
                             f"{self.pass_mark}/100.", style="dim"))
            yield Label("", id="home-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#trainee", Input).focus()

    def _options(self) -> Options | None:
        name = self.query_one("#trainee", Input).value.strip()
        if not name:
            self.query_one("#home-error", Label).update("Type your name first: progress is kept per trainee.")
            self.query_one("#trainee", Input).focus()
            return None
        self.query_one("#home-error", Label).update("")
        return Options(trainee=name, reasoning=self.query_one("#reasoning", Checkbox).value,
                       artefacts=self.query_one("#artefacts", Checkbox).value)

    @on(Input.Submitted, "#trainee")
    @on(Button.Pressed, "#practice")
    def action_practice(self) -> None:
        opts = self._options()
        if opts is not None:
            self.post_message(StartPractice(opts))

    @on(Button.Pressed, "#exam")
    def action_exam(self) -> None:
        opts = self._options()
        if opts is not None:
            self.post_message(StartExam(Options(trainee=opts.trainee, reasoning=False, artefacts=opts.artefacts)))

    @on(Button.Pressed, "#report")
    def action_report(self) -> None:
        name = self.query_one("#trainee", Input).value.strip()
        self.post_message(ShowReport(name or None))

    @on(Button.Pressed, "#explore")
    def action_explore(self) -> None:
        self.post_message(ShowExplore())
