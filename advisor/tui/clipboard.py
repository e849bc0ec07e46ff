"""Copying text, and saying truthfully how it was copied (or that it could not be).

A terminal app cannot see the clipboard. A system tool (wl-copy, xclip, xsel,
pbcopy, clip.exe) that exits 0 has put the text there; otherwise the only way left
is OSC 52, an escape sequence the terminal may honour or ignore without telling
anyone. So the message names the tool, or says the text was *sent* via OSC 52 and
what to do if nothing pastes, or that no way to copy was available (headless).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Protocol


class _Terminal(Protocol):
    """What copying needs from the app (textual's App has both)."""

    @property
    def is_headless(self) -> bool: ...

    def copy_to_clipboard(self, text: str) -> None: ...


@dataclass(frozen=True)
class Copied:
    ok: bool
    how: str
    """The tool used, "osc52", or "" when nothing could copy."""
    sentence: str
    """How to say it after "Summary ..." / "Export ...": "copied to the clipboard with xclip"."""


def clipboard_tools() -> list[list[str]]:
    """The system clipboard commands usable here, best first."""
    tools: list[list[str]] = []
    if sys.platform == "darwin":
        tools.append(["pbcopy"])
    if os.environ.get("WAYLAND_DISPLAY"):
        tools.append(["wl-copy"])
    if os.environ.get("DISPLAY"):
        tools += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    release = os.uname().release.lower() if hasattr(os, "uname") else ""
    if sys.platform == "win32" or "microsoft" in release:  # Windows, or WSL
        tools.append(["clip.exe"])
    return [t for t in tools if shutil.which(t[0])]


def copy_text(terminal: _Terminal, text: str) -> Copied:
    for cmd in clipboard_tools():
        try:
            done = subprocess.run(cmd, input=text.encode(), timeout=3, check=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0:
            return Copied(True, cmd[0], f"copied to the clipboard with {cmd[0]}")
    if not terminal.is_headless:
        terminal.copy_to_clipboard(text)
        return Copied(True, "osc52", "sent to the terminal's clipboard (OSC 52; if nothing pastes, the terminal "
                                     "does not allow it: export to a file instead)")
    return Copied(False, "", "could not be copied: no clipboard tool (wl-copy, xclip, xsel, pbcopy) and no "
                             "terminal to send it to; export to a file instead")
