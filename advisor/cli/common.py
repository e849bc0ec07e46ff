"""Shared CLI plumbing: one-line errors, knowledge loading, JSON output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:  # pydantic and the loader cost ~0.2 s to import: keep `advisor --help` and the TUI start fast
    from pydantic import BaseModel

    from advisor.engine.diagnosis import Advisor
    from advisor.kb.loader import KnowledgeBase


class CliError(Exception):
    """Ends the command with a one-line message and an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = 2) -> NoReturn:
    raise CliError(f"advisor: {message}", code)


def load_kb_or_exit(args: argparse.Namespace) -> KnowledgeBase:
    """Load the knowledge base; a broken one prints one line per problem and exits 1."""
    from advisor.kb.loader import KBError, load_kb

    directory = Path(args.kb) if getattr(args, "kb", None) else None
    try:
        return load_kb(directory)
    except KBError as exc:
        raise CliError("\n".join(str(p) for p in exc.problems), 1) from None


_COMPILED: dict[tuple[Path, str], Advisor] = {}
"""Compiled advisors of this process, by (knowledge dir, digest of its files and the kb/engine code)."""


def advisor_or_exit(args: argparse.Namespace) -> Advisor:
    """The compiled advisor for the chosen knowledge base; a broken one exits 1 like `load_kb_or_exit`.

    Loading and compiling cost ~0.2 s CPU per command. A process that runs several commands
    (the test suite calls `main` in-process hundreds of times) reuses the advisor while the
    knowledge files and the code that reads them are byte-identical (`kb.cache.knowledge_key`):
    any edit gives a new key and a fresh build. Nothing after the loader mutates the knowledge
    base, and `Advisor.diagnose` keeps no state between calls, so sharing it changes no result.
    """
    from advisor.engine.diagnosis import Advisor
    from advisor.kb.cache import knowledge_key
    from advisor.kb.paths import default_knowledge_dir

    root = (Path(args.kb) if getattr(args, "kb", None) else default_knowledge_dir()).resolve()
    try:
        key = (root, knowledge_key(root))
    except OSError:  # unreadable: let the loader report it
        return Advisor(load_kb_or_exit(args))
    advisor = _COMPILED.get(key)
    if advisor is None:
        advisor = _COMPILED[key] = _compiled(root)
    return advisor


def _compiled(root: Path) -> Advisor:
    """From the compiled cache when current (advisor/engine/cache.py: ~0.05 s instead of ~0.3 s)."""
    from advisor.engine.cache import load_compiled
    from advisor.kb.loader import KBError

    try:
        return load_compiled(root)[0]
    except KBError as exc:
        raise CliError("\n".join(str(p) for p in exc.problems), 1) from None


def emit(text: str, *, stream: TextIO | None = None, end: str = "\n") -> None:
    """Print untrusted-bearing text for a person: every control character shown visibly.

    The CLI's one door to the terminal for text output (reports, tables,
    exports to stdout, warnings); `--json` goes through `print_json` instead,
    which stays lossless because JSON escapes control characters itself.
    """
    from advisor.textsafe import visible

    out = sys.stdout if stream is None else stream
    out.write(visible(text) + end)


def warn(text: str) -> None:
    """One line on stderr, made visible the same way (file names and exception text come from outside)."""
    from advisor.textsafe import visible_line

    sys.stderr.write(visible_line(text) + "\n")


def print_json(model: BaseModel) -> None:
    sys.stdout.write(model.model_dump_json(indent=2) + "\n")


def progress(message: str) -> None:
    """Progress for anything slow goes to stderr so --json stdout stays clean."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\r\x1b[K{message}")
        sys.stderr.flush()
    else:
        sys.stderr.write(message + "\n")


def progress_done() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
