"""The progress report on screen: accuracy, questioning against the advisor, confusions, weakest causes."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from advisor.training.report import ProgressReport, Tally
from advisor.tui.safety import safe_text


def _tally_table(title: str, rows: list[Tally], key: bool) -> Table:
    t = Table(title=title, title_justify="left", show_edge=False)
    t.add_column("cause" if key else "family")
    t.add_column("done", justify="right")
    t.add_column("right", justify="right")
    t.add_column("accuracy", justify="right")
    for r in rows:
        t.add_row(r.key if key else r.title, str(r.done), str(r.correct), f"{r.accuracy:.0%}")
    return t


def report_renderables(r: ProgressReport) -> list[Text | Table]:
    head = Text("Progress", style="bold")
    if r.trainee:
        head.append(": ")
        head.append_text(safe_text(r.trainee, "bold"))
    out: list[Text | Table] = [head]
    if r.exam is not None:
        ok = r.exam.passed
        out.append(Text(f"Exam {r.exam.exam}: {'PASSED' if ok else 'NOT PASSED'} — {r.exam.done}/{r.exam.cases} "
                        f"cases, mean {r.exam.mean_score:.1f} (pass mark {r.exam.pass_mark})",
                        style="bold green" if ok else "bold red"))
    if not r.rounds:
        out.append(Text("No training rounds recorded yet.", style="dim"))
        return out
    out.append(Text(f"{r.rounds} cases · right cause {r.correct} ({r.correct / r.rounds:.0%}) · right fix "
                    f"{r.fix_correct} · mean score {r.mean_score:.1f} · hints {r.hints}"))
    if r.questioning:
        q = r.questioning
        out.append(Text(f"Per case: you {q.trainee_questions} questions (cost {q.trainee_cost}) · the advisor "
                        f"{q.advisor_questions} (cost {q.advisor_cost})"))
    out.append(_tally_table("By family", r.by_family, key=False))
    out.append(_tally_table("By cause", r.by_cause, key=True))
    conf = Table(title="Causes you confuse", title_justify="left", show_edge=False)
    conf.add_column("true cause")
    conf.add_column("you said")
    conf.add_column("times", justify="right")
    for c in r.confusions:
        conf.add_row(c.truth, c.concluded, str(c.count))
    out.append(conf if r.confusions else Text("No wrong conclusions.", style="green"))
    if r.weakest:
        out.append(Text("Weakest causes (the next cases favour them): " + ", ".join(t.key for t in r.weakest),
                        style="yellow"))
    return out


class ReportScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, report: ProgressReport) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report"):
            for item in report_renderables(self.report):
                yield Static(item, classes="report-part")
        yield Footer()
