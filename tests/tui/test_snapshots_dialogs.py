"""Snapshots of every dialog, the ladder, the timeline of calls and a read-only transcript.

Same rules as test_snapshots.py: fixed session ids, no clocks on screen; after changing
knowledge/ or a screen, rerun `pytest tests/tui --snapshot-update`, look at the SVGs, commit them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import settle

from advisor.engine.diagnosis import Advisor
from advisor.tui import clipboard
from advisor.tui import messages as msg
from advisor.tui.present import symptoms_of

SIZE = (100, 32)
DATA = Path(__file__).parent / "data"


def term_403_key(advisor: Advisor) -> str:
    return str([s for s, _ in symptoms_of(advisor.kb, "calls_out_fail")].index("term_403") + 1)


def in_session(advisor: Advisor, *keys: str, answer_first: bool = False,
               trace: Path | None = None) -> Callable[[Any], Awaitable[None]]:
    """Start "calls out fail / 403", optionally answer once or attach a trace, then press `keys`."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1", term_403_key(advisor))
        await settle(pilot)
        if answer_first:
            await pilot.press("d")
            await settle(pilot)
        if trace is not None:
            pilot.app.attach_trace(str(trace))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()  # toasts time out: a slow run must not change the picture
        await settle(pilot)

    return run_before


@pytest.fixture(autouse=True)
def _no_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard, "clipboard_tools", lambda: [])
    monkeypatch.chdir("/")  # dialogs show paths relative to the working directory: the same in every checkout


@pytest.mark.parametrize("keys", [("h",), ("w",), ("n",), ("k",), ("t",), ("e",)],
                         ids=["help", "why", "note", "context", "trace_path", "export"])
def test_session_dialog(snap_compare: Any, make_app: Any, advisor: Advisor, keys: tuple[str, ...]) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=in_session(advisor, *keys))


def test_pick_answer_to_change(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=in_session(advisor, "c", answer_first=True))


def test_change_answer(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=in_session(advisor, "c", "enter", answer_first=True))


def test_cause(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    async def run_before(pilot: Any) -> None:
        await in_session(advisor)(pilot)
        pilot.app.post_message(msg.ShowCause("term.403.credentials_mismatch"))
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_start_over_confirm(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    # "1": the rejected INVITE carried credentials -> the diagnosis; "s" asks to start over
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=in_session(advisor, "1", "s"))


def test_ladder(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40),
                        run_before=in_session(advisor, "l", trace=DATA / "credentials_403.txt"))


def test_timeline_of_a_cps_burst(snap_compare: Any, make_app: Any, advisor: Advisor) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40),
                        run_before=in_session(advisor, "l", "T", trace=DATA / "cps_burst.txt"))


def test_read_only_transcript(snap_compare: Any, make_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("comma")
        await settle(pilot)
        pilot.app.clear_notifications()
        await settle(pilot)

    app = make_app(resume=True, resume_id=str(DATA / "transcript_acl.json"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
