"""The trace view: each call as a ladder diagram, the selected message in full."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static

from advisor.tui.screens.dialogs import InfoDialog
from advisor.tui.services import TraceResult
from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.ladder import LadderView, header, message_detail

NARROW = 110


def locate(traces: list[TraceResult], source: str | None) -> tuple[int, int | None]:
    """(call number, message index) of an evidence source label like "trace:file#frame 12"."""
    calls = all_calls(traces)
    if not source:
        for n, (analysis, call) in enumerate(calls):
            if getattr(analysis, "focus_call", None) == getattr(call, "call_id", None):
                return n, None
        return 0, None
    target: int | None = None
    for t in traces:
        for f in getattr(t.analysis, "findings", []) or []:
            obs = getattr(f, "observation", None)
            if obs is not None and obs.source.label() == source and getattr(f, "message_index", None) is not None:
                target = f.message_index
                break
        if target is not None:
            break
    ref = source.removeprefix("trace:")
    for n, (_, call) in enumerate(calls):
        for m in getattr(call, "messages", []):
            if (target is not None and m.index == target) or (target is None and getattr(m, "ref", None) == ref):
                return n, m.index if getattr(m, "view_of", None) is None else m.view_of
    return 0, None


def all_calls(traces: list[TraceResult]) -> list[tuple[Any, Any]]:
    return [(t.analysis, call) for t in traces for call in getattr(t.analysis, "calls", []) or []]


class LadderScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "close", "back"),
        Binding("b", "close", "back", show=False),
        Binding("right_square_bracket", "call(1)", "next call", key_display="]"),
        Binding("left_square_bracket", "call(-1)", "prev call", key_display="["),
        Binding("enter", "full", "full message"),
    ]

    def __init__(self, traces: list[TraceResult], source: str | None = None) -> None:
        super().__init__()
        self.traces = traces
        self.calls = all_calls(traces)
        self.current, self.select = locate(traces, source)

    def compose(self) -> ComposeResult:
        yield Header(icon="☎")
        yield Static(id="ladder-call", markup=False)
        with Horizontal(id="ladder-main"):
            with Vertical(id="ladder-box"):
                yield Static(id="ladder-head", markup=False)
                yield LadderView(id="ladder")
            with VerticalScroll(id="ladder-detail"):
                yield Static(id="ladder-raw", markup=False)
        yield AdvisorFooter()

    def on_mount(self) -> None:
        self.title = "SIP Trunk Advisor"
        self.sub_title = "trace ladder"
        self.set_class(self.app.size.width < NARROW, "narrow")
        self.call_after_refresh(self._show, self.select)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        if self.calls:
            self.call_after_refresh(self._head)

    def _head(self) -> None:
        if not self.calls:
            return
        ladder = self.query_one(LadderView)
        _, call = self.calls[self.current]
        self.query_one("#ladder-head", Static).update(header(call, ladder._content_width()))

    def _show(self, select: int | None = None) -> None:
        info = self.query_one("#ladder-call", Static)
        if not self.calls:
            info.update(Text("No calls in the attached traces.", style="bold"))
            return
        _, call = self.calls[self.current]
        text = Text()
        text.append(f"Call {self.current + 1}/{len(self.calls)}  ", style="bold")
        text.append(str(getattr(call, "call_id", "")), style="dim")
        direction = getattr(call, "direction", None)
        if direction:
            text.append(f"  {direction}")
        summary = getattr(call, "summary", "")
        if summary:
            text.append("\n" + summary, style="italic")
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
        self._detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_full()

    def action_full(self) -> None:
        m = self.query_one(LadderView).selected_message()
        if m is not None:
            self.app.push_screen(InfoDialog(str(getattr(m, "first_line", "SIP message")), message_detail(m)))

    def action_call(self, delta: int) -> None:
        if self.calls:
            self.current = (self.current + delta) % len(self.calls)
            self._show()

    def action_close(self) -> None:
        self.app.pop_screen()
