"""The one sanitising boundary for untrusted text on its way to a terminal.

Trace content (reason phrases, Call-IDs, User-Agents, raw messages), session
fields (customer, ticket, notes, customer words, trace names) and file names
all come from outside. Printed raw, an escape sequence inside them can write
the clipboard (OSC 52), set the window title, plant an OSC 8 hyperlink, clear
the screen or reset the terminal. Every terminal output path of the CLI and
the TUI passes such text through `visible()` (or `visible_line()`), which
turns every character a terminal would act on into a visible stand-in:

* ESC becomes ``␛`` and the other C0 controls and DEL their Unicode control
  pictures (``␇`` for BEL, ``␍`` for a lone CR, ``␡`` for DEL), so
  ``\\x1b]52;c;…`` shows as ``␛]52;c;…``;
* C1 controls (U+0080-U+009F, e.g. the one-byte CSI U+009B) become ``\\x9b``
  since Unicode has no pictures for them;
* bidirectional overrides/isolates and the Unicode line/paragraph separators
  become ``\\u202e``-style escapes, so text cannot be visually reordered
  ("Trojan Source") or split into fake lines.

Newlines and tabs are kept by `visible()` (multi-line output such as a raw SIP
message) and shown as ``␤``/``␉`` by `visible_line()` (one table cell, one
log line). CRLF line ends are plain line ends. Text without any of these
characters is returned unchanged (the common case, one regex scan).

`--json` output never passes through here: JSON escapes control characters
itself and must stay lossless.
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE", "is_safe", "visible", "visible_line"]

_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"

#: Every character `visible()` replaces (tab and newline are only replaced by `visible_line()`).
UNSAFE = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI_AND_SEPARATORS}]")
_UNSAFE_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI_AND_SEPARATORS}]")


def _table(keep_layout: bool) -> dict[int, str]:
    table: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}  # ␀ … ␟ (␛ is U+241B)
    table[0x7F] = "\u2421"  # ␡
    table.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
    table.update({ord(ch): f"\\u{ord(ch):04x}" for ch in _BIDI_AND_SEPARATORS})
    if keep_layout:
        del table[0x0A], table[0x09]
    else:
        table[0x0A] = "\u2424"  # ␤
    return table


_MULTI = _table(keep_layout=True)
_SINGLE = _table(keep_layout=False)


def visible(text: str) -> str:
    """`text` with every terminal control shown visibly; newlines and tabs kept.

    For multi-line output (a rendered report, a raw SIP message). CRLF and a
    trailing CR before a newline become plain newlines; any other CR is shown
    as ``␍`` because it would let text overwrite the start of its own line.
    """
    if not UNSAFE.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_MULTI)


def visible_line(text: str) -> str:
    """`text` as one line: like `visible()` but newlines and tabs are shown too (``␤``, ``␉``)."""
    if not _UNSAFE_LINE.search(text):
        return text
    return text.translate(_SINGLE)


def is_safe(text: str) -> bool:
    """True when `visible(text)` would print `text` unchanged (no control a terminal acts on)."""
    return UNSAFE.search(text) is None
