"""A ladder (sequence) diagram of one SIP call, like sngrep's call flow.

One column per address (or per side when the trace has no addresses), one
arrow per message with its first line and time; up/down selects a message,
whose full text the screen shows beside or below. Works on the TraceAnalysis
views (`CallView`, `MessageView`), so the trace module stays free of textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from advisor.textsafe import visible, visible_line

if TYPE_CHECKING:
    from advisor.evidence.analyze import CallView, MessageView

TIME_WIDTH = 10
SIDE_NAME = {"carrier": "carrier", "customer": "customer/PBX"}


def endpoint(m: MessageView, which: str) -> str:
    """The column a message leaves from or goes to: its address, else its side."""
    addr = m.src if which == "src" else m.dst
    if addr:
        return str(addr)
    sender = m.sender
    if which == "src":
        return SIDE_NAME.get(sender or "", "sender")
    other = {"carrier": "customer", "customer": "carrier"}.get(sender or "", "")
    return SIDE_NAME.get(other, "receiver")


def shown_messages(call: CallView) -> list[MessageView]:
    """The call's messages as first seen (copies of the same message from other files are left out)."""
    return [m for m in call.messages if m.view_of is None]


def columns(call: CallView) -> list[str]:
    cols: list[str] = []
    for m in shown_messages(call):
        for which in ("src", "dst"):
            ep = endpoint(m, which)
            if ep not in cols:
                cols.append(ep)
    return cols or ["?"]


def column_sides(call: CallView) -> dict[str, str]:
    """Which side each column is (carrier or customer), when the trace tells."""
    out: dict[str, str] = {}
    for m in shown_messages(call):
        sender = m.sender
        if sender in ("carrier", "customer"):
            out.setdefault(endpoint(m, "src"), sender)
            out.setdefault(endpoint(m, "dst"), "customer" if sender == "carrier" else "carrier")
    return out


def centers(n: int, width: int) -> list[int]:
    """Column positions: the outer ones near the edges (room for an address label), the rest evenly."""
    left = TIME_WIDTH + 11
    right = max(width - 12, left + 10 * max(n - 1, 1))
    if n == 1:
        return [left]
    step = (right - left) / (n - 1)
    return [round(left + i * step) for i in range(n)]


def fmt_time(m: MessageView) -> str:
    offset = m.offset
    if offset is not None:
        return f"{offset:9.3f}"[:TIME_WIDTH - 1]
    when = m.time
    if when is not None:
        return when.strftime("%H:%M:%S")
    return ""


def message_style(m: MessageView) -> str:
    first = m.first_line
    if m.retransmission:
        return "dim"
    if first.startswith("SIP/2.0"):
        parts = first.split()
        code = parts[1] if len(parts) > 1 else ""
        if code.startswith(("4", "5", "6")):
            return "bold red"
        if code.startswith("2"):
            return "bold green"
        return "yellow"
    return "bold cyan" if m.sender == "carrier" else "bold"


def header(call: CallView, width: int) -> Text:
    """Two lines over the ladder: each column's address, and its side when known."""
    cols = columns(call)
    xs = centers(len(cols), width)
    sides = column_sides(call)
    rows = []
    side_names = set(SIDE_NAME.values())
    for texts in ([visible_line(c) for c in cols], [f"({sides[c]})" if c in sides and c not in side_names else "" for c in cols]):
        line = [" "] * width
        for x, t in zip(xs, texts, strict=True):
            start = max(TIME_WIDTH, min(width - len(t), x - len(t) // 2))
            for k, ch in enumerate(t):
                if start + k < width:
                    line[start + k] = ch
        rows.append("".join(line))
    out = Text(("time (s)".ljust(TIME_WIDTH) + rows[0][TIME_WIDTH:]).rstrip(), style="bold")
    out.append("\n" + rows[1].rstrip(), style="dim")
    return out


def arrow(m: MessageView, cols: list[str], width: int) -> Text:
    """Two lines: the first line of the message above, the arrow with its time below."""
    xs = centers(len(cols), width)
    src, dst = endpoint(m, "src"), endpoint(m, "dst")
    a = xs[cols.index(src)] if src in cols else xs[0]
    b = xs[cols.index(dst)] if dst in cols else xs[-1]
    top = [" "] * width
    low = [" "] * width
    for x in xs:
        if x < width:
            top[x] = low[x] = "│"
    lo, hi = min(a, b), max(a, b)
    label = visible_line(m.first_line)
    if m.retransmission:
        label += " (retransmission)"
    span = hi - lo - 1
    room = max(span - 2, 16)
    if len(label) > room:
        label = label[: room - 1] + "…"
    start = lo + 1 + (span - len(label)) // 2 if len(label) <= span - 2 else lo + 2
    for i, ch in enumerate(label):
        if 0 <= start + i < width:
            top[start + i] = ch
    if a == b:
        if a + 1 < width:
            low[a + 1] = "↺"
    else:
        for x in range(lo + 1, hi):
            low[x] = "─"
        if a < b:
            low[b - 1] = "▶"
        else:
            low[b + 1] = "◀"
    stamp = fmt_time(m)
    for i, ch in enumerate(stamp):
        low[i] = ch
    style = message_style(m)
    first = Text("".join(top).rstrip())
    first.stylize(style, start, start + len(label))
    second = Text("".join(low).rstrip())
    second.stylize("dim", 0, len(stamp))
    second.stylize(style.replace("bold ", ""), lo + 1, hi)
    return Text.assemble(first, "\n", second)


class LadderView(OptionList):
    """The arrows of one call; highlighting one selects that message."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.call: CallView | None = None
        self.messages: list[MessageView] = []
        self._width = 0

    def show_call(self, call: CallView, select_index: int | None = None) -> None:
        self.call = call
        self.messages = shown_messages(call)
        self._rebuild(select_index)

    def _content_width(self) -> int:
        return max(40, self.scrollable_content_region.width - 1)

    def _rebuild(self, select_index: int | None = None) -> None:
        if self.call is None:
            return
        keep = select_index
        if keep is None and self.highlighted is not None and self.highlighted < len(self.messages):
            keep = self.messages[self.highlighted].index
        width = self._width = self._content_width()
        cols = columns(self.call)
        self.set_options([Option(arrow(m, cols, width), id=f"m{m.index}") for m in self.messages])
        target = 0
        if keep is not None:
            for i, m in enumerate(self.messages):
                if m.index == keep:
                    target = i
                    break
        if self.messages:
            self.highlighted = target
            self.scroll_to_highlight()

    def on_resize(self, event: events.Resize) -> None:
        if self.call is not None and self._content_width() != self._width:
            self._rebuild()

    def selected_message(self) -> MessageView | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.messages):
            return None
        return self.messages[self.highlighted]


def message_detail(m: MessageView) -> Text:
    """The full message, literally, with where it was found."""
    out = Text()
    out.append(m.ref, style="bold")
    if m.time is not None:
        out.append(f"  {m.time.isoformat(timespec='milliseconds')}", style="dim")
    if m.src or m.dst:
        out.append(f"  {m.src or '?'} → {m.dst or '?'} ({m.transport})", style="dim")
    if m.also_in:
        out.append("\nalso seen in: " + ", ".join(m.also_in), style="dim")
    out.append("\n\n")
    out.append(visible((m.raw or "(message text not kept)").replace("\r\n", "\n").rstrip("\n")))
    return out
