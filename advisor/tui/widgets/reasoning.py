"""The live reasoning panel: candidate causes ranked with confidence bars, ruled-out ones greyed.

Enter (or a click) on a cause asks for its details (evidence, fix, what is still needed).
"""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from advisor.engine.diagnosis import CauseResult, Diagnosis
from advisor.tui.present import bar, percent, why_ruled_out
from advisor.tui.widgets.lines import LineList, Row

BAR_WIDTH = 8


def _hang(text: str, width: int, indent: int) -> str:
    """Wrap to `width` columns, continuation lines indented (rich Tables do this, but 10x slower)."""
    lines = textwrap.wrap(text, width=max(width - indent, 12)) or [""]
    return ("\n" + " " * indent).join(lines)


def cause_prompt(cause: CauseResult, width: int = 60) -> Text:
    """One cause: confidence bar, percent, title; ruled-out ones struck through with the reason."""
    if cause.status == "ruled_out":
        out = Text()
        out.append("✗ ", style="dim")
        out.append(_hang(cause.title, width, 2), style="dim strike")
        out.append("\n  " + _hang(why_ruled_out(cause), width, 2), style="dim italic")
        return out
    style = "bold green" if cause.status == "confirmed" else "cyan"
    indent = BAR_WIDTH + 6
    title = ("CONFIRMED " if cause.status == "confirmed" else "") + cause.title
    out = Text()
    out.append(bar(cause.confidence, BAR_WIDTH), style=style)
    out.append(f" {percent(cause.confidence):>4} ", style="bold")
    wrapped = _hang(title, width, indent)
    if cause.status == "confirmed":
        out.append(wrapped[:10], style="bold green")
        out.append(wrapped[10:])
    else:
        out.append(wrapped)
    return out


class ReasoningPanel(Vertical):
    """Every cause with its status; updated after every answer."""

    class CauseChosen(Message):
        def __init__(self, cause: str) -> None:
            super().__init__()
            self.cause = cause

    def __init__(self, diagnosis: Diagnosis | None = None, width: int = 0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.diagnosis = diagnosis
        self._width = width
        self._stale = False

    def compose(self) -> ComposeResult:
        """Built with the first diagnosis in place (width estimated; a resize re-wraps)."""
        d = self.diagnosis
        causes = LineList(id="r-causes")
        if d is None:
            yield Static(id="r-summary", markup=False)
            yield causes
            return
        summary, rows = self._content(d, self._width or 60)
        yield Static(summary, id="r-summary", markup=False)
        causes.set_rows(rows)
        yield causes

    @staticmethod
    def _content(d: Diagnosis, width: int) -> tuple[Text, list[Row]]:
        alive = [c for c in d.causes if c.status != "ruled_out"]
        ruled = [c for c in d.causes if c.status == "ruled_out"]
        summary = Text.assemble((f"{len(alive)} possible", "bold"), f" · {len(ruled)} ruled out\n",
                                (d.conclusion.summary, "italic"))
        rows = [Row(c.id, cause_prompt(c, width)) for c in alive]
        if ruled:
            rows.append(Row(None, Text(f"Ruled out ({len(ruled)})", style="bold dim")))
            rows += [Row(c.id, cause_prompt(c, width)) for c in ruled]
        return summary, rows

    def _list_width(self) -> int:
        width = self.query_one("#r-causes", LineList).scrollable_content_region.width
        return max(width - 1, 30) if width else 60

    def on_resize(self, event: events.Resize) -> None:
        if self.diagnosis is not None and (self._stale or self._list_width() != self._width):
            self.show(self.diagnosis)

    def show(self, d: Diagnosis) -> None:
        self.diagnosis = d
        if not self.display or not self.is_mounted or self.size.width == 0:
            self._stale = True  # hidden (narrow terminal): drawn when shown
            return
        self._stale = False
        width = self._width = self._list_width()
        summary, rows = self._content(d, width)
        self.query_one("#r-summary", Static).update(summary)
        causes = self.query_one("#r-causes", LineList)
        causes.set_rows(rows, keep=causes.selected_id())

    def on_line_list_selected(self, event: LineList.Selected) -> None:
        event.stop()
        self.post_message(self.CauseChosen(event.row_id))

    def show_if_stale(self) -> None:
        if self._stale and self.diagnosis is not None:
            self.show(self.diagnosis)

    def focus_list(self) -> None:
        self.query_one("#r-causes", LineList).focus()
