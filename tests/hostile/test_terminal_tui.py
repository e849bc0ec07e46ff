"""Escape payloads in session fields and traces are drawn visibly by the TUI (Pilot), never obeyed.

What the terminal would get is read from the compositor's strips (after the
app's line filters), so anything a widget forgot to sanitise is caught too.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.session.events import SessionRecord
from advisor.session.store import SessionStore, new_session
from tests.hostile.fs import remount_read_only, remount_read_write, tmpfs
from tests.hostile.payloads import ESCAPES, raw_controls, write_text_trace


def drawn(app: Any) -> str:
    """Every segment the screen would send, text only (cursor/control segments excluded)."""
    return "\n".join("".join(seg.text for seg in strip if not seg.control)
                     for strip in app.screen._compositor.render_strips())


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def app_for(advisor: Advisor, store: SessionStore | None, **kwargs: Any) -> Any:
    from advisor.tui.app import AdvisorApp

    return AdvisorApp(advisor, store=store, **kwargs)


def hostile_store(advisor: Advisor, root: Path, p: str) -> str:
    store = SessionStore(root, fsync=False)
    session = new_session(advisor, store)
    session.set_context(TrunkContext(customer=f"ACME{p}", ticket=f"T-1{p}"))
    session.choose_family("calls_out_fail")
    session.note(f"note{p}end")
    session.report_text(f"they see 403{p}")
    session.attach_trace(f"trace{p}.pcap", [], "pcap", 1, [f"warning{p}"])
    store.set_title(session.record, f"title{p}")
    return session.id


@pytest.mark.parametrize("name", sorted(ESCAPES))
async def test_resumed_hostile_session_is_drawn_visibly(name: str, advisor: Advisor, tmp_path: Path) -> None:
    p = ESCAPES[name]
    hostile_store(advisor, tmp_path, p)
    app = app_for(advisor, SessionStore(tmp_path, fsync=False))
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        assert raw_controls(drawn(app)) == []  # start screen: "Resume last session ... title"
        assert "Resume last session" in drawn(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen = drawn(app)
        assert raw_controls(screen) == []
        assert "note" in screen
        app.notify(f"toast{p}", markup=False)
        await settle(pilot)
        assert raw_controls(drawn(app)) == []


async def test_visible_form_is_shown(advisor: Advisor, tmp_path: Path) -> None:
    hostile_store(advisor, tmp_path, ESCAPES["osc52_clipboard"])
    app = app_for(advisor, SessionStore(tmp_path, fsync=False), resume=True)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        assert "note␛]52;c;aGFja2Vk␇end" in drawn(app)


async def test_hostile_trace_in_log_and_ladder(advisor: Advisor, tmp_path: Path) -> None:
    from advisor.tui.screens.trace import LadderScreen

    # every escape that can live inside a header line (a CR or NUL would end or void the message)
    p = "".join(v for k, v in ESCAPES.items() if k not in ("carriage_return", "nul_del_bs"))
    trace = write_text_trace(tmp_path / "hostile.log", p)
    app = app_for(advisor, None, new_record=lambda: SessionRecord(id="20260101-090000-host01"))
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("1", "0")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        for ch in str(trace):
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        assert raw_controls(drawn(app)) == []
        app.show_ladder()
        await settle(pilot)
        assert isinstance(app.screen, LadderScreen)
        screen = drawn(app)
        assert raw_controls(screen) == []
        assert "403 Forbidden␛]52;c" in screen
        await pilot.press("down", "enter")
        await settle(pilot)
        assert raw_controls(drawn(app)) == []


def test_line_filter_catches_what_a_widget_forgot() -> None:
    from rich.segment import Segment
    from textual.color import Color

    from advisor.tui.safety import VisibleControls

    segs = [Segment("ab\x1b]0;t\x07cd"), Segment("  ")]
    out = VisibleControls().apply(segs, Color(0, 0, 0))
    text = "".join(s.text for s in out)
    assert raw_controls(text) == []
    assert Segment.get_line_length(out) == Segment.get_line_length(segs)  # the laid-out width is kept
    assert text.startswith("ab␛]0;")


@pytest.mark.parametrize("kind", ["under_a_file", "read_only"])
async def test_tui_on_an_unusable_data_dir_says_so_and_keeps_working(kind: str, advisor: Advisor,
                                                                     tmp_path: Path) -> None:
    """Saving fails with a one-line notice; the conversation goes on (nothing crashes, nothing raw)."""
    import os

    if kind == "under_a_file":
        blocker = tmp_path / "file"
        blocker.write_text("x")
        root = blocker / "data"
    with contextlib.ExitStack() as stack:
        if kind == "read_only":
            # root ignores directory permissions: it gets a read-only tmpfs mount instead
            mount = stack.enter_context(tmpfs(tmp_path / "mnt", "1m")) if os.geteuid() == 0 else None
            if os.geteuid() == 0 and (mount is None or not remount_read_only(mount)):
                pytest.fail("running as root, a read-only data directory needs a tmpfs mount, which failed")
            root = mount if mount is not None else tmp_path / "ro"
            if mount is None:
                root.mkdir()
                root.chmod(0o555)
            else:
                stack.callback(remount_read_write, mount)
        await _unusable_dir_session(advisor, root)
    assert not (root / "sessions").exists()


async def _unusable_dir_session(advisor: Advisor, root: Path) -> None:
    app = app_for(advisor, SessionStore(root, fsync=False),
                  new_record=lambda: SessionRecord(id="20260101-090000-ro0001"))
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("1", "0")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert raw_controls(drawn(app)) == []
        # the toast layer is not in the compositor's strips: read the notices the app raised
        notices = [n.message for n in app._notifications]
        assert notices and all("cannot save session" in m and len(m.splitlines()) == 1 for m in notices)
        assert app.session is not None and len(app.session.record.events) >= 2
