"""The conversation log: every question asked and answer given, kept visible and scrollable.

Entries are derived from the session's events (`present.log_items`) and drawn
with the line API (no widget per entry, so an answer never waits for a mount).
Focus the log (Tab / Shift+Tab), move between answers with up/down, and Enter
(or a click) asks to change that answer.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message

from advisor.textsafe import visible, visible_line
from advisor.tui.present import LogItem
from advisor.tui.widgets.lines import LineList, Row

_WHO = {
    "family": "Problem",
    "text": "Customer says",
    "context": "Context",
    "answer": "",
    "note": "Note",
    "trace": "Trace",
    "probe": "Probe",
    "diagnosis": "Advisor",
    "export": "Export",
}


GUTTER = {
    "answer": "blue",
    "family": "green",
    "diagnosis": "green",
    "text": "yellow",
    "note": "yellow",
    "trace": "magenta",
}


def render_item(item: LogItem) -> Text:
    """An entry as literal text (never parsed as markup)."""
    out = Text()
    if item.kind == "answer":
        out.append("Q ", style="bold")
        out.append(visible_line(item.title), style="italic")
        out.append("\n")
        out.append("A ", style="bold")
        out.append(visible_line(item.body), style="strike dim" if item.superseded else "bold")
        if item.superseded:
            out.append("  (changed later)", style="dim")
        return out
    who = _WHO.get(item.kind, item.kind.title())
    if item.kind == "text":
        out.append(f"{who}:", style="bold")
    else:
        out.append(f"{who}: ", style="bold")
        out.append(visible_line(item.title), style="bold" if item.kind in ("family", "diagnosis") else "")
    if item.body:
        out.append("\n  " if item.kind in ("text", "note", "trace", "family") else " - ")
        out.append(visible(item.body), style="italic" if item.kind in ("text", "note") else "")
    for line in item.lines:
        out.append("\n  · ")
        out.append(visible_line(line), style="dim" if item.kind != "trace" or not line.startswith("warning") else "yellow")
    return out


def wrapped(item: LogItem, width: int, console: object) -> Text:
    """The entry wrapped to the log's width, each line behind a coloured bar (its kind)."""
    text = render_item(item)
    gutter = "bright_black" if item.superseded else GUTTER.get(item.kind, "bright_black")
    lines = text.wrap(console, max(width - 2, 20))  # type: ignore[arg-type]
    out = Text()
    for n, line in enumerate(lines):
        if n:
            out.append("\n")
        out.append("▌ ", style=gutter)
        out.append_text(line)
    return out


class Conversation(LineList):
    """The log of the whole session, newest at the bottom."""

    class ChangeRequested(Message):
        def __init__(self, observation: str, question: str | None) -> None:
            super().__init__()
            self.observation = observation
            self.question = question

    def __init__(self, items: list[LogItem] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, auto_highlight=False, start_at_end=True)
        self.items: list[LogItem] = list(items or [])
        self._width = 0
        self._row_of_event: dict[int, int] = {}

    def on_mount(self) -> None:
        super().on_mount()
        self._rebuild()

    def _text_width(self) -> int:
        width = self.scrollable_content_region.width
        return width - 1 if width > 0 else self.app.size.width - 4

    def _rebuild(self) -> None:
        self._width = self._text_width()
        console = self.app.console
        rows: list[Row] = []
        self._row_of_event = {}
        for item in self.items:
            if rows:
                rows.append(Row(None, Text("")))
            self._row_of_event[item.index] = len(rows)
            row_id = f"e{item.index}" if item.kind == "answer" else None
            rows.append(Row(row_id, wrapped(item, self._width, console)))
        keep = self.selected_id()
        self.set_rows(rows, keep=keep)
        self.call_after_refresh(self.scroll_end, animate=False)

    def sync(self, items: list[LogItem]) -> None:
        """Show these items (the whole log; unchanged entries are not rendered again)."""
        if items == self.items and self._width == self._text_width():
            return
        self.items = list(items)
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        if self.items and self._text_width() != self._width:
            self._rebuild()

    def on_line_list_selected(self, event: LineList.Selected) -> None:
        event.stop()
        item = self.item_for(event.row_id)
        if item is not None and item.observation is not None:
            self.post_message(self.ChangeRequested(item.observation, item.question))

    def item_for(self, row_id: str | None) -> LogItem | None:
        return next((i for i in self.items if f"e{i.index}" == row_id), None)

    def selected_item(self) -> LogItem | None:
        return self.item_for(self.selected_id())

    def select_answer(self, observation: str) -> bool:
        """Highlight the latest answer to `observation` (as up/down would)."""
        for i in range(len(self.rows) - 1, -1, -1):
            item = self.item_for(self.rows[i].id)
            if item is not None and item.observation == observation:
                self.highlighted = i
                return True
        return False

    def show_kind(self, kind: str) -> bool:
        """Scroll the first entry of this kind (e.g. "trace") to the top."""
        item = next((it for it in self.items if it.kind == kind), None)
        if item is None or item.index not in self._row_of_event:
            return False
        self.show_row(self._row_of_event[item.index], top=True)
        return True
