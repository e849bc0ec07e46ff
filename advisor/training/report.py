"""Progress reports: accuracy by family and cause, questioning against the advisor, the confusion table.

Computed with SQL over the `training_attempts` index (kept in step with the
rounds file), rendered as Markdown or HTML from Jinja2 templates with
autoescaping, or as JSON (the `ProgressReport` model).
"""

from __future__ import annotations

import re
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel

from advisor.kb.loader import KnowledgeBase
from advisor.training.progress import ProgressStore

ReportFormat = Literal["markdown", "html", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("markdown", "html", "json")


class Tally(BaseModel):
    key: str
    title: str
    done: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.done if self.done else 0.0


class Confusion(BaseModel):
    truth: str
    concluded: str
    count: int


class Questioning(BaseModel):
    trainee_questions: float
    advisor_questions: float
    trainee_cost: float
    advisor_cost: float


class ExamResult(BaseModel):
    exam: str
    cases: int
    done: int
    mean_score: float
    pass_mark: int
    passed: bool


class ProgressReport(BaseModel):
    trainee: str | None
    rounds: int
    correct: int
    fix_correct: int
    mean_score: float
    hints: int
    by_family: list[Tally]
    by_cause: list[Tally]
    questioning: Questioning | None
    confusions: list[Confusion]
    weakest: list[Tally]
    exam: ExamResult | None = None


def _where(trainee: str | None, exam: str | None) -> tuple[str, tuple[object, ...]]:
    parts, params = [], []
    if trainee is not None:
        parts.append("trainee = ?")
        params.append(trainee)
    if exam is not None:
        parts.append("exam = ?")
        params.append(exam)
    return (" WHERE " + " AND ".join(parts)) if parts else "", tuple(params)


def build_report(kb: KnowledgeBase, store: ProgressStore, trainee: str | None = None,
                 exam: str | None = None) -> ProgressReport:
    where, params = _where(trainee, exam)
    q = store.query
    total = q(f"SELECT COUNT(*), COALESCE(SUM(correct),0), COALESCE(SUM(fix_correct),0), COALESCE(AVG(score),0),"
              f" COALESCE(SUM(hints),0) FROM training_attempts{where}", params)[0]
    fam = q(f"SELECT family, COUNT(*), SUM(correct) FROM training_attempts{where} GROUP BY family ORDER BY family",
            params)
    cause = q(f"SELECT true_cause, COUNT(*), SUM(correct) FROM training_attempts{where} GROUP BY true_cause"
              f" ORDER BY true_cause", params)
    mean = q(f"SELECT AVG(questions), AVG(advisor_questions), AVG(cost), AVG(advisor_cost)"
             f" FROM training_attempts{where}", params)[0]
    conf_where = (where + " AND" if where else " WHERE") + " correct = 0"
    conf = q(f"SELECT true_cause, concluded, COUNT(*) FROM training_attempts{conf_where}"
             f" GROUP BY true_cause, concluded ORDER BY COUNT(*) DESC, true_cause", params)

    def title(cid: str) -> str:
        return kb.causes[cid].title if cid in kb.causes else "Nothing wrong with the trunk"

    by_family = [Tally(key=str(f), title=kb.families[str(f)].title if str(f) in kb.families else str(f),
                       done=int(str(n)), correct=int(str(c or 0))) for f, n, c in fam]
    by_cause = [Tally(key=str(c), title=title(str(c)), done=int(str(n)), correct=int(str(k or 0))) for c, n, k in cause]
    weakest = sorted((t for t in by_cause if t.correct < t.done), key=lambda t: (t.accuracy, -t.done, t.key))[:5]
    rounds = int(str(total[0]))
    questioning = None if not rounds else Questioning(
        trainee_questions=round(float(str(mean[0])), 2), advisor_questions=round(float(str(mean[1])), 2),
        trainee_cost=round(float(str(mean[2])), 2), advisor_cost=round(float(str(mean[3])), 2))
    return ProgressReport(trainee=trainee, rounds=rounds, correct=int(str(total[1])), fix_correct=int(str(total[2])),
                          mean_score=round(float(str(total[3])), 1), hints=int(str(total[4])),
                          by_family=by_family, by_cause=by_cause, questioning=questioning,
                          confusions=[Confusion(truth=str(t), concluded=str(c), count=int(str(n))) for t, c, n in conf],
                          weakest=weakest)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def md_escape(text: object) -> str:
    """User text (trainee names) as literal Markdown: no markup, no raw HTML, one line."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("advisor.training", "templates"),
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = lambda v: Markup(md_escape(v))
    env.filters["pct"] = lambda v: f"{v * 100:.0f} %"
    return env


def render_report(report: ProgressReport, fmt: ReportFormat) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    name = "report.md.j2" if fmt == "markdown" else "report.html.j2"
    return _env().get_template(name).render(r=report)
