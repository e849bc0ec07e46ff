"""The conversation log: every question asked and answer given, kept visible and scrollable.

Entries are derived from the session's events (`present.log_items`). Answer
entries can be focused (Tab, or up/down inside the log) and Enter (or a click)
asks to change that answer.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from advisor.tui.present import LogItem

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


def render_item(item: LogItem) -> Text:
    """An entry as literal text (never parsed as markup)."""
    out = Text()
    if item.kind == "answer":
        out.append("Q ", style="bold")
        out.append(item.title, style="italic")
        out.append("\n")
        out.append("A ", style="bold")
        out.append(item.body, style="strike dim" if item.superseded else "bold")
        if item.superseded:
            out.append("  (changed later)", style="dim")
        return out
    who = _WHO.get(item.kind, item.kind.title())
    if item.kind == "text":
        out.append(f"{who}:", style="bold")
    else:
        out.append(f"{who}: ", style="bold")
        out.append(item.title, style="bold" if item.kind in ("family", "diagnosis") else "")
    if item.body:
        out.append("\n  " if item.kind in ("text", "note", "trace", "family") else " - ")
        out.append(item.body, style="italic" if item.kind in ("text", "note") else "")
    for line in item.lines:
        out.append("\n  · ")
        out.append(line, style="dim" if item.kind != "trace" or not line.startswith("warning") else "yellow")
    return out


class LogEntry(Static):
    """One entry of the log."""

    def __init__(self, item: LogItem) -> None:
        super().__init__(render_item(item), classes=f"log-entry log-{item.kind}"
                         + (" superseded" if item.superseded else ""))
        self.item = item


class AnswerEntry(LogEntry):
    """An answer in the log; Enter or a click asks to change it."""

    can_focus = True
    BINDINGS = [
        Binding("enter", "change", "Change this answer"),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
    ]

    class ChangeRequested(Message):
        def __init__(self, observation: str, question: str | None) -> None:
            super().__init__()
            self.observation = observation
            self.question = question

    def action_change(self) -> None:
        if self.item.observation is not None:
            self.post_message(self.ChangeRequested(self.item.observation, self.item.question))

    def action_move(self, delta: int) -> None:
        parent = self.parent
        if parent is None:
            return
        entries = list(parent.query(AnswerEntry))
        if self in entries:
            i = entries.index(self) + delta
            if 0 <= i < len(entries):
                entries[i].focus()

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_change()


def entry_for(item: LogItem) -> LogEntry:
    return AnswerEntry(item) if item.kind == "answer" else LogEntry(item)


class Conversation(VerticalScroll):
    """The log of the whole session, newest at the bottom."""

    can_focus = False

    def __init__(self, items: list[LogItem] | None = None, *, id: str | None = None) -> None:
        items = items or []
        super().__init__(*[entry_for(i) for i in items], id=id)
        self._keys: list[LogItem] = list(items)

    def on_mount(self) -> None:
        if self._keys:
            self.call_after_refresh(self.scroll_end, animate=False)

    def sync(self, items: list[LogItem]) -> None:
        """Show these items; keeps the unchanged prefix and (re)mounts the rest."""
        keys = list(items)
        same = 0
        while same < min(len(keys), len(self._keys)) and keys[same] == self._keys[same]:
            same += 1
        entries = list(self.query(LogEntry))
        for entry in entries[same:]:
            entry.remove()
        new = [entry_for(i) for i in items[same:]]
        if new:
            self.mount_all(new)
        self._keys = keys
        if new:
            self.call_after_refresh(self.scroll_end, animate=False)

    def answer_entries(self) -> list[AnswerEntry]:
        return list(self.query(AnswerEntry))
