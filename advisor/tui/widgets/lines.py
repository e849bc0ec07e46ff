"""A selectable list of multi-line rows drawn with Textual's line API.

The reasoning panel is replaced after every answer; an OptionList re-wraps
and re-renders every row each time (tens of milliseconds for 30 causes), while
this list turns each row's pre-wrapped `Text` into strips once and only
restyles the highlighted row. Up/down/home/end/page keys move between
selectable rows, Enter or a click selects one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Row:
    """One entry: an id (None for a heading that cannot be selected) and its text, already wrapped."""

    id: str | None
    text: Text


class LineList(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LineList {
        height: 1fr;
        background: $surface;
    }
    LineList > .line-list--highlight {
        background: $boost;
    }
    LineList:focus > .line-list--highlight {
        background: $accent 40%;
    }
    """
    COMPONENT_CLASSES = {"line-list--highlight"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("enter", "select", "Details", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None)

    class Selected(Message):
        def __init__(self, row_id: str) -> None:
            super().__init__()
            self.row_id = row_id

    def __init__(self, *, id: str | None = None, auto_highlight: bool = True, start_at_end: bool = False) -> None:
        super().__init__(id=id)
        self.auto_highlight = auto_highlight
        """Highlight the first selectable row without focus (the reasoning panel) or only once focused (the log)."""
        self.start_at_end = start_at_end
        """Focusing without a highlight lights the last selectable row rather than the first."""
        self.rows: list[Row] = []
        self._lines: list[Strip] = []
        self._row_of_line: list[int] = []
        self._first_line: list[int] = []
        self._pending: list[Row] | None = None
        self._cache: dict[tuple[int, bool, int, int], Strip] = {}
        self._row_strips: dict[tuple[object, ...], list[Strip]] = {}

    # ---- content -------------------------------------------------------------------------
    def set_rows(self, rows: list[Row], keep: str | None = None) -> None:
        """Show these rows; the highlight stays on `keep` (a row id) when it is still there."""
        self.rows = rows
        if not self.is_mounted:
            self._pending = rows
            return
        self._build()
        target = None
        if keep is not None:
            target = next((i for i, r in enumerate(rows) if r.id == keep), None)
        if target is None and (self.auto_highlight or self.has_focus):
            choices = self._selectable()
            target = (choices[-1] if self.start_at_end else choices[0]) if choices else None
        self.set_reactive(LineList.highlighted, target)
        self.refresh()

    def on_mount(self) -> None:
        if self._pending is not None:
            rows, self._pending = self._pending, None
            self.set_rows(rows)

    def _build(self) -> None:
        console = self.app.console
        lines: list[Strip] = []
        row_of_line: list[int] = []
        first: list[int] = []
        width = 0
        known = self._row_strips
        fresh: dict[tuple[object, ...], list[Strip]] = {}
        for i, row in enumerate(self.rows):
            first.append(len(lines))
            text = row.text
            key = (text.plain, str(text.style), tuple(text.spans))
            strips = known.get(key) or fresh.get(key)
            if strips is None:
                strips = [Strip(list(part.render(console))) for part in text.split("\n", allow_blank=True)]
            fresh[key] = strips
            for strip in strips:
                width = max(width, strip.cell_length)
                lines.append(strip)
                row_of_line.append(i)
        self._row_strips = fresh  # rows unchanged since the last update are not rendered again
        self._lines, self._row_of_line, self._first_line = lines, row_of_line, first
        self._cache.clear()
        self.virtual_size = Size(width, len(lines))

    def on_focus(self) -> None:
        if self.highlighted is None:
            choices = self._selectable()
            if choices:
                self.highlighted = choices[-1] if self.start_at_end else choices[0]
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def selected_id(self) -> str | None:
        h = self.highlighted
        return self.rows[h].id if h is not None and 0 <= h < len(self.rows) else None

    # ---- drawing -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        lit = self._row_of_line[index] == self.highlighted
        key = (index, lit and self.has_focus, width, scroll_x)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._lines[index]
        if lit:
            highlight = self.get_component_rich_style("line-list--highlight")
            strip = strip.extend_cell_length(width).apply_style(base + highlight).crop(scroll_x, scroll_x + width)
        else:
            strip = strip.apply_style(base).crop_extend(scroll_x, scroll_x + width, base)
        self._cache[key] = strip
        return strip

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._cache.clear()
        self.refresh()
        if new is not None:
            self.show_row(new)

    def show_row(self, index: int, top: bool = False) -> None:
        """Scroll so that row `index` is visible (at the top when asked)."""
        if 0 <= index < len(self._first_line):
            start = self._first_line[index]
            end = self._first_line[index + 1] if index + 1 < len(self._first_line) else len(self._lines)
            self.scroll_to_region(Region(0, start, 1, end - start), animate=False, force=True, top=top)

    # ---- input ---------------------------------------------------------------------------
    def _selectable(self) -> list[int]:
        return [i for i, r in enumerate(self.rows) if r.id is not None]

    def action_move(self, delta: int) -> None:
        choices = self._selectable()
        if not choices:
            return
        current = self.highlighted
        if current not in choices:
            self.highlighted = choices[0]
            return
        i = choices.index(current) + delta
        self.highlighted = choices[max(0, min(len(choices) - 1, i))]

    def action_jump(self, where: int) -> None:
        choices = self._selectable()
        if choices:
            self.highlighted = choices[where]

    def action_page(self, direction: int) -> None:
        choices = self._selectable()
        if not choices or self.highlighted is None:
            return
        target_line = self._first_line[self.highlighted] + direction * max(1, self.size.height - 1)
        best = min(choices, key=lambda i: abs(self._first_line[i] - target_line))
        self.highlighted = best

    def action_select(self) -> None:
        row_id = self.selected_id()
        if row_id is not None:
            self.post_message(self.Selected(row_id))

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._row_of_line):
            row = self._row_of_line[index]
            if self.rows[row].id is not None:
                self.highlighted = row
                self.action_select()

