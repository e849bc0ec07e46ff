"""Confirm what the customer's words say before they count.

The start screen's "customer's words" box goes through the intake
(advisor/intake); when it understood anything, this dialog lists each fact
with the words that triggered it, checked when the intake would apply it on
its own. The engineer unchecks what is wrong (or checks what it was unsure
of); only the checked facts enter the session, as observations with source
`text` and those words. Parts it did not understand become notes. Esc keeps
the words as a note only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from advisor.intake.result import Understanding, Understood

if TYPE_CHECKING:
    from advisor.context import TrunkContext
    from advisor.engine.observations import Observation
    from advisor.intake.understand import Intake
    from advisor.kb.loader import KnowledgeBase
    from advisor.tui.app import AdvisorApp

NOTE_PREFIX = "Not understood from the customer's words: "


@dataclass
class IntakeResult:
    """What the engineer confirmed, ready for the session."""

    text: str
    observations: list[Observation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _why(u: Understood) -> Text:
    """The highlighted fact's evidence: the customer's words, confidence, typo readings, why not applied."""
    out = Text()
    out.append(f"\u201c{u.words}\u201d", style="italic")
    out.append(f"  {u.confidence:.0%}", style="bold")
    if u.corrections:
        out.append(f"  read {', '.join(u.corrections)}", style="dim")
    out.append(f"  ({u.why_not})" if u.why_not else "  (applied unless you uncheck it)",
               style="yellow" if u.why_not else "dim")
    return out


def _label(kb: KnowledgeBase, u: Understood) -> Text:
    question = kb.question_for.get(u.observation)
    value = question.labels.get(str(u.value), str(u.value)) if question else str(u.value)
    obs = kb.observations.get(u.observation)
    if obs is not None and obs.type == "number" and obs.unit:
        value = f"{u.value:g} {obs.unit}" if isinstance(u.value, float) else f"{u.value} {obs.unit}"
    out = Text()
    out.append(f"{u.observation}: ", style="bold")
    out.append(value)
    if not u.applied:
        out.append("  ?", style="yellow")
    return out


class IntakeScreen(ModalScreen[IntakeResult | None]):
    """The facts read from the customer's words, each to confirm or uncheck."""

    CSS_PATH = "intake.tcss"
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Use checked", priority=True),
        Binding("enter", "confirm", "Use checked", show=False, priority=True),
        Binding("escape", "skip", "Words as a note only"),
    ]

    def __init__(self, kb: KnowledgeBase, understanding: Understanding) -> None:
        super().__init__(classes="dialog-screen")
        self.kb = kb
        self.understanding = understanding
        self.items = list(understanding.understood)

    def compose(self) -> ComposeResult:
        u = self.understanding
        with Vertical(classes="dialog dialog-wide", id="intake-dialog"):
            yield Label(Text("What the customer's words say"), classes="dialog-title")
            yield Static(Text(u.text), markup=False, id="intake-text")
            yield Static(Text.assemble(("Checked facts enter the session", "bold"),
                                       ("  Space toggles · Enter confirms · Esc: none, words as a note", "dim")),
                         markup=False, id="intake-help")
            yield SelectionList[int](*[Selection(_label(self.kb, item), i, item.applied)
                                       for i, item in enumerate(self.items)], id="intake-facts")
            yield Static(_why(self.items[0]) if self.items else "", markup=False, id="intake-why")
            with VerticalScroll(classes="dialog-body", id="intake-extra"):
                yield Static(self._extra(), markup=False, id="intake-details")

    def _extra(self) -> Text:
        u = self.understanding
        out = Text()
        for w in u.warnings:
            out.append("Contradiction: ", style="bold red")
            out.append(w + "\n")
        for m in u.mentions:
            out.append("Denied: " if m.kind == "negated" else "Works: ", style="bold")
            out.append(f"\u201c{m.words}\u201d\n")
        for s in u.symptoms[:3]:
            out.append("Guide heading: ", style="bold")
            out.append(f"{s.title}" + ("" if s.applied else f" (not yet: {', '.join(s.missing)})") + "\n")
        for i in u.inputs:
            out.append("Kept for the checks: ", style="bold")
            out.append(f"{i.kind.replace('_', ' ')} {i.value}" + (f" ({i.detail})" if i.detail else "")
                       + (f"  probe: {i.probe}" if i.probe else "") + "\n")
        for n in u.notes:
            out.append("Not understood (kept as a note): ", style="bold")
            out.append(f"\u201c{n}\u201d\n")
        return out

    def on_mount(self) -> None:
        self.query_one("#intake-facts", SelectionList).focus()

    @on(SelectionList.SelectionHighlighted, "#intake-facts")
    def _show_why(self, event: SelectionList.SelectionHighlighted[int]) -> None:
        self.query_one("#intake-why", Static).update(_why(self.items[event.selection.value]))

    def action_confirm(self) -> None:
        chosen = [self.items[i] for i in self.query_one("#intake-facts", SelectionList).selected]
        values: dict[str, set[str]] = {}
        for item in chosen:
            values.setdefault(item.observation, set()).add(str(item.value))
        clash = sorted(obs for obs, vals in values.items() if len(vals) > 1)
        if clash:
            self.app.notify(f"Check only one value of {', '.join(clash)}.", title="Contradiction", severity="warning",
                            markup=False)
            return
        observations = []
        for item in chosen:
            obs = item.observation_model()
            observations.append(obs.model_copy(update={"note": f"{obs.note}; confirmed by the engineer"}))
        self.dismiss(IntakeResult(self.understanding.text, observations, list(self.understanding.notes)))

    def action_skip(self) -> None:
        self.dismiss(None)


_INTAKES: dict[int, Intake] = {}


def intake_for(kb: KnowledgeBase) -> Intake | None:
    """The intake of this knowledge base, compiled once (None when its vocabulary is broken)."""
    from advisor.intake.understand import Intake
    from advisor.intake.vocabulary import VocabularyError

    if id(kb) not in _INTAKES:
        try:
            _INTAKES[id(kb)] = Intake(kb)
        except VocabularyError:
            return None
    return _INTAKES[id(kb)]


def start_with_report(app: AdvisorApp, family: str, symptom: str | None, *, report: str,
                      context: TrunkContext | None, trace_path: str | None) -> None:
    """Start the session; when the customer's words say something, let the engineer confirm it first.

    Nothing understood (or a broken vocabulary): the session starts at once with the words, kept as the
    customer said them. Otherwise the parts not understood also become notes. Esc in the dialog: the
    words are kept, no fact is applied.
    """
    def start(result: IntakeResult) -> None:
        app.start_session(family, symptom, report=report, context=context, trace_path=trace_path,
                          report_observations=result.observations,
                          report_notes=[NOTE_PREFIX + n for n in result.notes])

    assert app.advisor is not None
    kb = app.advisor.kb
    intake = intake_for(kb) if report else None
    if intake is None:
        start(IntakeResult(report))
        return
    understanding = intake.understand(report)
    if not understanding.understood:  # all of it is the customer's words, already kept as they are
        start(IntakeResult(report))
        return

    def done(result: IntakeResult | None) -> None:
        start(result if result is not None else IntakeResult(report, [], list(understanding.notes)))

    app.push_screen(IntakeScreen(kb, understanding), done)
