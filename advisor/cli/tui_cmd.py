"""`advisor tui [--resume [ID]]` (also what plain `advisor` runs): the interactive session."""

from __future__ import annotations

import argparse
from typing import Any

LATEST = "__latest__"


def register(sub: Any) -> None:
    p = sub.add_parser("tui", help="the guided troubleshooting session (default when no command is given)",
                       description="Guided questions, live reasoning, SIP trace ladder and a diagnosis to export.")
    p.add_argument("--resume", nargs="?", const=LATEST, default=None, metavar="ID",
                   help="reopen a stored session where it stopped (the latest when no ID is given); "
                        "a session file (e.g. transcripts/X.json) opens read-only to walk through")
    p.add_argument("--light", action="store_true", help="start with the light theme")
    p.set_defaults(handler=run_tui)


def _resolve(ref: str) -> str:
    """The stored session (or session file) to open; a one-line error (exit 2) before the screen opens."""
    from pathlib import Path

    from advisor.cli.common import fail
    from advisor.session.store import SessionStore, SessionStoreError, read_record

    if ref != LATEST and (Path(ref).is_file() or ref.endswith(".json")):
        try:
            read_record(Path(ref))
        except SessionStoreError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{ref}: {exc.strerror or exc}")
        return ref
    try:
        return SessionStore().resolve("last" if ref == LATEST else ref)
    except SessionStoreError as exc:
        fail(str(exc))


def run_tui(args: argparse.Namespace) -> int:
    resume = getattr(args, "resume", None)
    resume_id = _resolve(resume) if resume is not None else None
    from advisor.tui.startup import pause_gc, resume_gc

    pause_gc()  # until the first session screen is drawn (advisor/tui/startup.py)
    try:
        from advisor.tui.app import DARK, LIGHT, AdvisorApp

        app = AdvisorApp(kb_dir=getattr(args, "kb", None), resume=resume is not None, resume_id=resume_id,
                         theme=LIGHT if getattr(args, "light", False) else DARK)
        code = app.run()
    finally:
        resume_gc()
    if app.open_training:
        from advisor.tui.training.app import TrainingApp

        training = TrainingApp(kb_dir=getattr(args, "kb", None))
        training.run()
        return int(training.return_code or 0)
    return int(code or app.return_code or 0)
