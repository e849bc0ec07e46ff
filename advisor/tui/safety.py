"""Terminal controls in untrusted text drawn by the TUI are shown, never obeyed.

Rich drops BEL/BS/CR/VT/FF when text becomes a `Text`, but keeps ESC and the
C1 controls, so a Call-ID or a note holding ``\\x1b]52;…`` would reach the
terminal as a real escape sequence. Two layers, both using the one sanitiser
in `advisor.textsafe`:

* `safe_text()` is for widgets that turn trace or session text into a `Text`:
  the visible stand-ins are laid out (and wrapped) like any other character;
* `VisibleControls` is a line filter the app applies to every drawn line of
  every widget (log, ladder, reasoning, dialogs, toasts, inputs): whatever
  reached a widget without `safe_text()` is made visible at the last moment.
  The stand-ins are wider than the zero-width controls they replace, so such a
  line is cut back to its laid-out width (a hostile line may lose its last
  cells, the terminal never sees an escape).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter

from advisor.textsafe import UNSAFE, visible, visible_line


def safe_text(text: str, style: str | Style = "", *, multiline: bool = False) -> Text:
    """A `Text` of untrusted `text` with its controls visible (newlines kept only when `multiline`)."""
    return Text(visible(text) if multiline else visible_line(text), style=style)


class VisibleControls(LineFilter):
    """Show control characters in drawn segments instead of sending them to the terminal."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(not seg.control and UNSAFE.search(seg.text) for seg in segments):
            return segments
        width = Segment.get_line_length(segments)
        cleaned = [seg if seg.control or not UNSAFE.search(seg.text)
                   else Segment(visible_line(seg.text), seg.style) for seg in segments]
        if Segment.get_line_length(cleaned) > width:
            cleaned = Segment.adjust_line_length(cleaned, width)
        return cleaned


__all__ = ["VisibleControls", "safe_text"]
