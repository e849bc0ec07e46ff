"""Start-up without the cycle collector: the first question sooner.

Between `advisor` and its first question Python creates about 170,000 objects
(textual's styles and widgets, pydantic's schemas, the compiled knowledge read from
the cache) and almost none of them become garbage; the cycle collector still
scans them a few dozen times, about 10 % of the start-up's CPU time. The TUI
pauses the collector while it starts and resumes it once the first session
screen has been drawn (or after a few seconds on the start screen, or when the app
exits), first moving everything alive by then into the permanent generation
(`gc.freeze`): those objects live as long as the app, and later collections,
which run between key presses, no longer walk them.

Only a caller that owns the process pauses it (`advisor tui`, the start-up
benchmark); importing the app never does. The same caller also turns off
pydantic's plugin discovery: on the first model it would walk every installed
distribution's entry points looking for third-party pydantic plugins (~10 ms),
and none has any business inside this app.
"""

from __future__ import annotations

import gc
import os

RESUME_AFTER_S = 3.0
"""The latest the collector comes back when the engineer lingers on the start screen."""

_paused = False


def pause_gc() -> None:
    """Pause the cycle collector for the start-up (nothing when it is already off), and skip
    pydantic's plugin discovery (unless the environment already says otherwise)."""
    global _paused
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_gc() -> None:
    """Resume what `pause_gc` paused (once; later calls do nothing)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def gc_paused() -> bool:
    return _paused
