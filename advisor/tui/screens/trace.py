"""The trace view: each call as a ladder diagram, the selected message in full; a timeline of all calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from advisor.tui.screens.dialogs import InfoDialog
from advisor.tui.timeline import axis, bar, calls_of, peak_rate, spans
from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.header import AdvisorHeader
from advisor.tui.widgets.ladder import LadderView, header, message_detail

if TYPE_CHECKING:
    from advisor.evidence.analyze import CallView, TraceAnalysis

NARROW = 110
OUTCOME_STYLE = {"answered": "green", "": "cyan"}
"""Bars of the timeline: green answered, cyan unknown, red any other outcome (rejected, no answer...)."""


def locate(traces: list[TraceAnalysis], source: str | None) -> tuple[int, int | None]:
    """(call number, message index) of an evidence source label like "trace:file#frame 12"."""
    calls = calls_of(traces)
    if not source:
        focus = {a.focus_call for a in traces if a.focus_call}
        return next((n for n, call in enumerate(calls) if call.call_id in focus), 0), None
    target = next((f.message_index for a in traces for f in a.findings
                   if f.observation.source.label() == source and f.message_index is not None), None)
    ref = source.removeprefix("trace:")
    for n, call in enumerate(calls):
        for m in call.messages:
            if (target is not None and m.index == target) or (target is None and m.ref == ref):
                return n, m.index if m.view_of is None else m.view_of
    return 0, None


def timeline_text(calls: list[CallView], width: int) -> tuple[Text, list[Text]]:
    """The timeline's heading (calls, span, busiest second) and one row per call, in start order."""
    rows = spans(calls)
    length = axis(rows)
    peak = peak_rate(rows)
    starts = [r.start for r in rows if r.start is not None]
    head = Text()
    head.append(f"{len(calls)} call(s)", style="bold")
    if starts:
        head.append(f" started within {max(starts) - min(starts):.3f} s", style="bold")
    if peak is not None:
        head.append(f"  ·  busiest second: {peak.calls} call(s) started from +{peak.at:.3f} s",
                    style="bold yellow" if peak.calls > 1 else "")
    if len({r.file for r in rows}) > 1:
        head.append("   (times per file)", style="dim")
    bar_width = max(10, width - 52)
    out = []
    for r in rows:
        line = Text()
        line.append(f"{'' if r.start is None else f'+{r.start:.3f}':>9} ", style="dim")
        line.append(bar(r, length, bar_width), style=OUTCOME_STYLE.get(r.outcome, "red" if r.outcome else "cyan"))
        line.append(f" {r.outcome[:12]:<12} ", style="bold")
        line.append((r.summary or r.call_id)[:28])
        out.append(line)
    return head, out


class LadderScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "back"),
        Binding("b", "close", "back", show=False),
        Binding("right_square_bracket", "call(1)", "next call", key_display="]"),
        Binding("left_square_bracket", "call(-1)", "prev call", key_display="["),
        Binding("enter", "full", "full message"),
        Binding("T", "timeline", "timeline", key_display="T"),
    ]

    def __init__(self, traces: list[TraceAnalysis], source: str | None = None) -> None:
        super().__init__()
        self.traces = traces
        self.calls = calls_of(traces)
        self.current, self.select = locate(traces, source)
        self.timeline = False

    def compose(self) -> ComposeResult:
        yield AdvisorHeader("☎")
        yield Static(id="ladder-call", markup=False)
        with Horizontal(id="ladder-main"):
            with Vertical(id="ladder-box"):
                yield Static(id="ladder-head", markup=False)
                yield LadderView(id="ladder")
            with VerticalScroll(id="ladder-detail"):
                yield Static(id="ladder-raw", markup=False)
        yield OptionList(id="timeline", markup=False)
        yield AdvisorFooter()

    def on_mount(self) -> None:
        self.title = "SIP Trunk Advisor"
        self.sub_title = "trace ladder"
        self.set_class(self.app.size.width < NARROW, "narrow")
        self.query_one("#timeline").display = False
        self.call_after_refresh(self._show, self.select)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        if self.calls:
            self.call_after_refresh(self._head)

    def _head(self) -> None:
        if not self.calls or self.timeline:
            return
        ladder = self.query_one(LadderView)
        self.query_one("#ladder-head", Static).update(header(self.calls[self.current], ladder._content_width()))

    def _show(self, select: int | None = None) -> None:
        info = self.query_one("#ladder-call", Static)
        if not self.calls:
            info.update(Text("No calls in the attached traces.", style="bold"))
            return
        call = self.calls[self.current]
        text = Text()
        text.append(f"Call {self.current + 1}/{len(self.calls)}  ", style="bold")
        text.append(call.call_id, style="dim")
        if call.direction:
            text.append(f"  {call.direction}")
        if call.summary:
            text.append("\n" + call.summary, style="italic")
        if len(self.calls) > 1:
            text.append("\nT: all calls on one time axis", style="dim")
        info.update(text)
        ladder = self.query_one(LadderView)
        ladder.show_call(call, select)
        self._head()
        ladder.focus()
        self._detail()

    def _detail(self) -> None:
        m = self.query_one(LadderView).selected_message()
        self.query_one("#ladder-raw", Static).update(message_detail(m) if m is not None else Text(""))
        self.query_one("#ladder-detail", VerticalScroll).scroll_home(animate=False)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "ladder":
            self._detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "timeline":
            self.current = int((event.option.id or "c0").removeprefix("c"))
            self.action_timeline()
            return
        self.action_full()

    def action_full(self) -> None:
        m = self.query_one(LadderView).selected_message()
        if m is not None:
            self.app.push_screen(InfoDialog(m.first_line, message_detail(m)))

    def action_call(self, delta: int) -> None:
        if self.calls and not self.timeline:
            self.current = (self.current + delta) % len(self.calls)
            self._show()

    def action_timeline(self) -> None:
        """Toggle between the ladder of one call and the timeline of all calls (Enter opens one)."""
        if not self.calls:
            return
        self.timeline = not self.timeline
        self.query_one("#ladder-main").display = not self.timeline
        timeline = self.query_one("#timeline", OptionList)
        timeline.display = self.timeline
        self.sub_title = "timeline of calls" if self.timeline else "trace ladder"
        if not self.timeline:
            self._show()
            return
        head, rows = timeline_text(self.calls, self.app.size.width - 4)
        self.query_one("#ladder-call", Static).update(
            Text.assemble(head, ("\nEnter opens a call's ladder; T goes back", "dim")))
        order = spans(self.calls)
        timeline.set_options([Option(row, id=f"c{s.number}") for s, row in zip(order, rows, strict=True)])
        timeline.highlighted = next((i for i, s in enumerate(order) if s.number == self.current), 0)
        timeline.focus()

    def action_close(self) -> None:
        if self.timeline:
            self.action_timeline()
            return
        self.app.pop_screen()
