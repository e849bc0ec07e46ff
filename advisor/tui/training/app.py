"""`advisor train`: the training TUI. Screens post messages; this app decides what comes next.

Home -> Round -> Debrief -> (next Round | exam report) and, from anywhere,
the progress report and the explore tree. Practice cases come from
`plan.next_case` (the trainee's weakest causes first); an exam is the fixed,
seeded set from the settings, worked without hints or the reasoning panel.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import App

from advisor.engine.diagnosis import Advisor
from advisor.kb.loader import KBError, load_kb
from advisor.training.attempt import Attempt
from advisor.training.library import CaseLibrary, load_library
from advisor.training.models import CaseDef
from advisor.training.plan import exam_cases, exam_id, exam_result, next_case
from advisor.training.progress import ProgressStore
from advisor.training.report import ProgressReport, build_report
from advisor.tui.training.debrief import DebriefScreen
from advisor.tui.training.explore import ExploreScreen
from advisor.tui.training.home import TrainingHome
from advisor.tui.training.messages import (
    NextRound,
    Options,
    RoundDone,
    ShowExplore,
    ShowReport,
    StartExam,
    StartPractice,
)
from advisor.tui.training.report import ReportScreen
from advisor.tui.training.round import RoundScreen


class TrainingApp(App[None]):
    CSS_PATH = "training.tcss"
    TITLE = "SIP Trunk Advisor - training"

    def __init__(self, *, kb_dir: str | None = None, trainee: str | None = None, advisor: Advisor | None = None,
                 library: CaseLibrary | None = None, store: ProgressStore | None = None, seed: int | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.kb_dir = kb_dir
        self.trainee = trainee
        self.advisor = advisor
        self.library = library
        self.store = store if store is not None else ProgressStore()
        self.rng = random.Random(seed)
        self.clock = clock
        self.options: Options | None = None
        self.exam: str | None = None
        self.exam_queue: list[CaseDef] = []
        self.exam_total = 0

    def on_mount(self) -> None:
        if self.advisor is None or self.library is None:
            self._load()
        else:
            self._home()

    @work(thread=True, exclusive=True)
    def _load(self) -> None:
        try:
            kb = load_kb(Path(self.kb_dir) if self.kb_dir else None)
            self.advisor = Advisor(kb)
            self.library = load_library(kb)
        except KBError as exc:
            first = str(exc.problems[0]) if exc.problems else str(exc)
            self.call_from_thread(self.exit, None, 1, f"advisor: the knowledge base has problems: {first}")
            return
        self.call_from_thread(self._home)

    def _home(self) -> None:
        assert self.library is not None
        s = self.library.settings.exam
        self.push_screen(TrainingHome(self.trainee, s.cases, s.pass_mark))

    # ---- rounds ----------------------------------------------------------------------------
    def _round(self, case: CaseDef, *, replace: bool, position: str = "") -> None:
        assert self.advisor is not None and self.library is not None and self.options is not None
        attempt = (Attempt(self.advisor, self.library, case, hints_allowed=self.exam is None, clock=self.clock)
                   if self.clock is not None else Attempt(self.advisor, self.library, case, hints_allowed=self.exam is None))
        screen = RoundScreen(attempt, self.options, self.store, exam=self.exam, position=position)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @on(StartPractice)
    def _practice(self, event: StartPractice) -> None:
        assert self.library is not None
        self.options = event.options
        self.exam = None
        case = (self.library.cases[event.case_id] if event.case_id
                else next_case(self.library, self.store.rounds(event.options.trainee), self.rng))
        self._round(case, replace=False)

    @on(StartExam)
    def _exam(self, event: StartExam) -> None:
        assert self.library is not None
        s = self.library.settings.exam
        self.options = event.options
        self.exam = exam_id(s.seed, s.cases)
        self.exam_queue = exam_cases(self.library, s.seed, s.cases)
        self.exam_total = len(self.exam_queue)
        self._round(self.exam_queue.pop(0), replace=False, position=f"1/{self.exam_total} ")

    @on(RoundDone)
    def _done(self, event: RoundDone) -> None:
        assert self.options is not None
        more = "Next case" if self.exam is None else ("Next exam case" if self.exam_queue else "Exam result")
        self.switch_screen(DebriefScreen(event.result, self.options.trainee, more=more))

    @on(NextRound)
    def _next(self) -> None:
        assert self.library is not None and self.options is not None
        if self.exam is None:
            case = next_case(self.library, self.store.rounds(self.options.trainee), self.rng)
            self._round(case, replace=True)
        elif self.exam_queue:
            n = self.exam_total - len(self.exam_queue) + 1
            self._round(self.exam_queue.pop(0), replace=True, position=f"{n}/{self.exam_total} ")
        else:
            report = self._report(self.options.trainee, self.exam)
            self.exam = None
            self.switch_screen(ReportScreen(report))

    # ---- report and explore -------------------------------------------------------------------
    def _report(self, trainee: str | None, exam: str | None) -> ProgressReport:
        assert self.advisor is not None and self.library is not None
        report = build_report(self.advisor.kb, self.store, trainee, exam)
        if exam is not None:
            s = self.library.settings.exam
            report.exam = exam_result(self.library, exam, exam_cases(self.library, s.seed, s.cases),
                                      self.store.rounds(trainee))
        return report

    @on(ShowReport)
    def _show_report(self, event: ShowReport) -> None:
        self.push_screen(ReportScreen(self._report(event.trainee, event.exam)))

    @on(ShowExplore)
    def _explore(self) -> None:
        assert self.advisor is not None
        self.push_screen(ExploreScreen(self.advisor.kb))
