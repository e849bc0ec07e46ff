"""The README's tour runs: every command of it exits 0, and every output it shows is what the tool prints.

Commands are read from the README itself (the indented block under "A 30-second tour"), outputs from
its `$ advisor ...` blocks, so editing the README or the tool without the other fails here.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from advisor.cli import build_parser, main
from advisor.engine.diagnosis import Advisor
from advisor.session.core import Session
from advisor.session.store import SessionStore

README = Path(__file__).resolve().parents[1] / "README.md"
DATA = Path(__file__).resolve().parent / "data" / "export"
PARSE_ONLY = {("advisor",), ("advisor", "bench")}  # the TUI and a benchmark: checked to parse, not run


def _section(title: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {title}\n", 1)[1]
    return re.split(r"\n## ", body, maxsplit=1)[0].splitlines()


def tour_commands() -> list[str]:
    lines = _section("A 30-second tour")
    block: list[str] = []
    for line in lines:
        if line.startswith("    advisor"):
            block.append(line)
        elif block and not line.strip():
            break
    commands = []
    for line in block:
        commands += [part.strip() for part in line.split("#", 1)[0].split(" ; ") if part.strip()]
    return commands


def shown_outputs() -> list[tuple[str, list[str]]]:
    """(command, shown lines) of every `$ advisor ...` block of the README."""
    out: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("    $ advisor "):
            current = []
            out.append((line[6:].strip(), current))
        elif current is not None and line.startswith("    "):
            current.append(line[4:])
        else:
            current = None
    return out


def _norm(line: str) -> str:
    return " ".join(line.split())


def _matches(shown: list[str], actual: list[str]) -> bool:
    """Shown lines appear in order; consecutive unless a `...` line stands between them."""
    segments: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(_norm(line))
    got = [_norm(line) for line in actual]
    pos = 0
    for i, seg in enumerate(s for s in segments if s):
        found = next((k for k in range(pos, len(got) - len(seg) + 1) if got[k:k + len(seg)] == seg), None)
        if found is None or (i == 0 and shown and shown[0].strip() != "..." and found != 0):
            return False
        pos = found + len(seg)
    return True


@pytest.fixture
def tour_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, advisor: Advisor) -> tuple[Path, str]:
    shutil.copy(DATA / "raw_plain_403_acl.txt", tmp_path / "pbx.log")
    shutil.copy(DATA / "udp_eth.pcap", tmp_path / "capture.pcap")
    monkeypatch.chdir(tmp_path)
    session = Session(advisor)
    SessionStore().attach(session)
    session.choose_family("calls_out_fail")
    session.answer("symptom", "term_403")
    return tmp_path, session.id


def test_the_tour_is_found() -> None:
    commands = tour_commands()
    assert len(commands) >= 10 and all(c.startswith("advisor") for c in commands)
    assert shown_outputs(), "the README shows no output to check"


def test_every_tour_command_runs(tour_dir: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, sid = tour_dir
    for command in tour_commands():
        argv = [sid if a == "ID" else a for a in shlex.split(command)]
        if tuple(argv[:2]) in PARSE_ONLY or tuple(argv) in PARSE_ONLY:
            build_parser().parse_args(argv[1:])  # raises (exit 2) on a usage error
            continue
        code = main(argv[1:])
        captured = capsys.readouterr()
        assert code == 0, (command, captured.err[-500:])
        assert captured.out.strip(), command


@pytest.mark.parametrize("command,shown", shown_outputs(), ids=lambda v: v if isinstance(v, str) else "")
def test_shown_output_is_what_the_tool_prints(command: str, shown: list[str], tour_dir: tuple[Path, str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(shlex.split(command)[1:]) == 0
    actual = capsys.readouterr().out.splitlines()
    assert _matches(shown, actual), "\n".join(actual[:40])


def test_the_matcher_can_fail() -> None:
    assert _matches(["a", "...", "c"], ["a", "b", "c"])
    assert not _matches(["a", "c"], ["a", "b", "c"])  # no "..." means consecutive
    assert not _matches(["b"], ["a", "b"])  # the first shown line is the first printed one
    assert not _matches(["a", "...", "z"], ["a", "b", "c"])
