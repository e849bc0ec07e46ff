"""What the training screens tell the app: the app decides what comes next (screens never call it)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from advisor.training.rounds import RoundResult


@dataclass
class Options:
    """The trainee's difficulty choices: live reasoning panel, traces and other artefacts allowed."""

    trainee: str
    reasoning: bool = True
    artefacts: bool = True


class StartPractice(Message):
    """Work the next case (the weakest causes first), or a given one."""

    def __init__(self, options: Options, case_id: str | None = None) -> None:
        super().__init__()
        self.options = options
        self.case_id = case_id


class StartExam(Message):
    def __init__(self, options: Options) -> None:
        super().__init__()
        self.options = options


class RoundDone(Message):
    """A round was concluded, scored and stored."""

    def __init__(self, result: RoundResult) -> None:
        super().__init__()
        self.result = result


class ShowReport(Message):
    def __init__(self, trainee: str | None, exam: str | None = None) -> None:
        super().__init__()
        self.trainee = trainee
        self.exam = exam


class ShowExplore(Message):
    pass


class NextRound(Message):
    """From the debrief: go on (next practice case, or the exam's next case)."""
