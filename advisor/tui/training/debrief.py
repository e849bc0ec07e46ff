"""After a round: the score, both paths side by side, what narrowed and what did not, the true cause."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from advisor.training.rounds import RoundResult
from advisor.training.scoring import Debrief, DebriefStep
from advisor.tui.safety import safe_text
from advisor.tui.training.messages import NextRound, ShowReport


def _path_table(title: str, steps: list[DebriefStep]) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("#", width=2)
    table.add_column("step", ratio=3)
    table.add_column("answer", ratio=2)
    table.add_column("causes", width=9)
    for i, s in enumerate(steps, 1):
        flag = Text(" kept all", style="red") if s.kept_every_candidate else Text("")
        narrowing = Text(f"{s.candidates_before}→{s.candidates_after}")
        table.add_row(str(i), Text(s.what) + flag, safe_text(s.answer[:80]), narrowing)
    if not steps:
        table.add_row("", Text("no questions", style="dim"), "", "")
    return table


def score_text(d: Debrief) -> Text:
    s = d.score
    out = Text()
    verdict = ("RIGHT", "green") if s.cause_correct else ("WRONG", "red")
    out.append(f"{verdict[0]}", style=f"bold {verdict[1]}")
    out.append(f"   score {s.total:.0f}/100", style="bold")
    out.append(f"   cause {s.points['cause']:g} · fix {s.points['fix']:g} · efficiency {s.points['efficiency']:g}"
               f" · hints {s.points['hints']:g}\n")
    out.append(f"You concluded: {d.concluded_title} [{d.concluded}]; fix {'right' if s.fix_correct else 'wrong'}\n")
    out.append(f"Questions: you {s.questions} (cost {s.cost}) · the advisor {s.advisor_questions} "
               f"(cost {s.advisor_cost}) · {s.seconds:.0f} s\n")
    out.append(d.concluded_verdict + "\n", style="italic")
    if d.wasted:
        out.append(f"{len(d.wasted)} question(s) kept every candidate: they told you nothing new here.\n",
                   style="yellow")
    return out


def truth_text(d: Debrief) -> Text:
    out = Text()
    if not d.truth:
        out.append("The truth: nothing in this case is a trunk fault.\n", style="bold")
    for cause in d.truth:
        out.append(f"The true cause: {cause.title} [{cause.id}]\n", style="bold")
        out.append(f"Guide: {cause.guide}\n", style="dim")
        out.append(cause.mechanism.strip() + "\n")
        out.append("Fix:\n", style="bold")
        for i, step in enumerate(cause.fix, 1):
            out.append(f"  {i}. {step}\n")
    return out


class DebriefScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "next", "Next case"),
        Binding("r", "report", "Progress"),
        Binding("escape", "home", "Training home"),
        Binding("ctrl+q", "app.quit", "Quit"),
    ]

    def __init__(self, result: RoundResult, trainee: str, *, more: str = "Next case") -> None:
        super().__init__()
        self.result = result
        self.trainee = trainee
        self.more = more

    def compose(self) -> ComposeResult:
        d = self.result.debrief
        with VerticalScroll(id="debrief"):
            head = Text("Debrief: ", style="bold")
            head.append_text(safe_text(d.title, "bold"))
            yield Static(head)
            yield Static(score_text(d), id="debrief-score")
            with Horizontal(id="debrief-paths"):
                yield Static(_path_table("Your path", d.trainee), id="debrief-yours")
                yield Static(_path_table(f"The advisor's path ({d.advisor_status})", d.advisor),
                             id="debrief-advisor")
            yield Static(truth_text(d), id="debrief-truth")
            with Vertical(classes="buttons"):
                yield Button(f"{self.more} (n)", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#next", Button).focus()

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        self.post_message(NextRound())

    def action_report(self) -> None:
        self.post_message(ShowReport(self.trainee))

    def action_home(self) -> None:
        self.app.pop_screen()
