"""Exports are safe documents (issue 10): hostile user and trace text stays text in every format.

Markdown is parsed by markdown-it-py with raw HTML and linkify ON (the most permissive common
renderer setup); HTML by the standard library's parser. Neither may find active content, a link,
an image, or a heading we did not write.
"""

from __future__ import annotations

import json
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.session.core import Session
from advisor.session.excerpts import TraceExcerpt
from advisor.session.export import export_session
from advisor.session.safe_write import ExportTargetError, write_text_safely
from advisor.session.store import SessionStore, read_record

DATA = Path(__file__).resolve().parents[1] / "data" / "export"

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "# Injected heading", "line\n## injected h2",
    "[click](http://evil.example/)", "![x](http://evil.example/i.png)", "http://evil.example/auto",
    "www.evil.example", "mail evil@evil.example now", "<http://evil.example>", "[ref]: http://evil.example",
    "```\n# out of the fence", "````", "~~~\n# tilde", "<!-- comment", "&lt;script&gt; &#60;b&#62;",
    "| a | b |\n|---|---|\n| c | d |", "1. list", "> quote", "---", "text\n===", "*emph* _u_ **b**",
    "<a href='javascript:alert(1)'>x</a>", "\\<script>", "`code` ``x``", "<svg/onload=alert(1)>",
    "visit evil.com/login now", "http://`evil`.example/x", "mailto:a@evil.com",
]
CONTROLS = ["\x1b]52;c;ZXZpbA==\x07", "\x1b[2J\x1bc", "\x1b]0;title\x07", "\x9b31m", "\x1b]8;;http://evil.example\x1b\\x"]


@pytest.fixture
def hostile(advisor: Advisor) -> Session:
    session = Session(advisor)
    session.set_context(TrunkContext(customer="<b>ACME</b> # corp", ticket="[T-1](http://evil.example)"))
    session.choose_family("calls_out_fail")
    for p in PAYLOADS + CONTROLS:
        session.note(p)
    session.report_text("customer said " + " ".join(PAYLOADS))
    excerpt = TraceExcerpt(ref="evil.log:line 7", file="evil.log", line=7, lines=[
        "SIP/2.0 403 Forbidden", "Reason: Q.850;text=\"```\"", "Warning: 399 x \"````` and ~~~ and </pre><script>\"",
        "X-Twilio-Error: \x1b]52;c;ZXZpbA==\x07 <img src=x onerror=alert(1)>"], proves=["invite_final_status"])
    obs = Observation(id="invite_final_status", value="403", note="<script>x</script>",
                      source=Source(kind="trace", detail="evil.log", file="evil.log", line=7))
    session.attach_trace("evil.log", [obs], "raw", 1, ["warn <script>y</script> \x1b[31m"], [excerpt])
    return session


def _md_tokens(text: str) -> list[tuple[str, str]]:
    md = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(["linkify", "table", "strikethrough"])
    out: list[tuple[str, str]] = []
    for tok in md.parse(text):
        out.append((tok.type, tok.content))
        out.extend((child.type, child.content) for child in tok.children or [])
    return out


def test_markdown_has_no_active_content_links_images_or_injected_headings(hostile: Session) -> None:
    md = export_session(hostile, "markdown")
    tokens = _md_tokens(md)
    kinds = {t for t, _ in tokens}
    assert not kinds & {"html_block", "html_inline", "link_open", "image", "table_open"}, kinds
    heading_lines = [line for line in md.splitlines() if line.startswith("#")]
    ours = {"# ", "## Summary", "## In progress", "## What we know", "## Path", "## Still possible",
            "## Ruled out", "## Trunk context"}
    assert all(any(h.startswith(o) for o in ours) for h in heading_lines), heading_lines
    assert sum(1 for t, _ in tokens if t == "heading_open") == len(heading_lines)


def test_markdown_fence_cannot_be_broken_out_of(hostile: Session) -> None:
    md = export_session(hostile, "markdown")
    fences = [c for t, c in _md_tokens(md) if t == "fence"]
    assert len(fences) == 1
    body = fences[0]
    assert body.startswith("SIP/2.0 403 Forbidden\n") and "</pre><script>" in body and "`````" in body
    assert "X-Twilio-Error: ␛]52;c;ZXZpbA==␇" in body  # controls visible inside the fence too


def test_html_escaped_and_locked_down(hostile: Session) -> None:
    html = export_session(hostile, "html")

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[tuple[str, str | None]] = []
            self.csp: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.attrs.extend(attrs)
            if tag == "meta" and ("http-equiv", "Content-Security-Policy") in attrs:
                self.csp = dict(attrs)["content"]

    c = Collect()
    c.feed(html)
    assert not set(c.tags) & {"script", "img", "iframe", "object", "embed", "svg", "a", "link", "base", "form"}
    assert not [a for a, _ in c.attrs if a.startswith("on") or a in ("src", "href")]
    assert c.csp is not None
    for directive in ("default-src 'none'", "script-src 'none'", "img-src 'none'", "base-uri 'none'"):
        assert directive in c.csp
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_no_control_characters_reach_a_terminal(hostile: Session, fmt: str) -> None:
    out = export_session(hostile, fmt)
    assert not [ch for ch in out if (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F]
    assert re.search(r"␛\\?\]52;c;ZXZpbA==␇", out) and re.search(r"\\\\?x9b31m", out)


def test_json_stays_lossless_and_escaped(hostile: Session) -> None:
    out = export_session(hostile, "json")
    assert "\x1b" not in out and "\x9b" not in out
    data = json.loads(out)
    notes = [n["text"] for n in data["notes"]]
    assert "\x1b]52;c;ZXZpbA==\x07" in notes and "\x9b31m" in notes and "<script>alert(1)</script>" in notes


def test_redaction_still_applies_to_every_format(advisor: Advisor) -> None:
    session = Session(advisor, read_record(DATA / "credentials_session.json"))
    for fmt in ["markdown", "html", "text", "json"]:
        out = export_session(session, fmt)
        assert "hunter2" not in out and "Sup3rS3cret" not in out and "[redacted]" in out, fmt


# ---- where an export may be written --------------------------------------------------------------
def test_write_refuses_what_it_must(tmp_path: Path) -> None:
    existing = tmp_path / "t.md"
    existing.write_text("keep me")
    with pytest.raises(ExportTargetError, match="already exists; use --force"):
        write_text_safely(existing, "new")
    assert existing.read_text() == "keep me"
    assert write_text_safely(existing, "new", force=True) == existing
    assert existing.read_text() == "new"

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "link.md"
    link.symlink_to(victim)
    for force in (False, True):
        with pytest.raises(ExportTargetError, match="symbolic link"):
            write_text_safely(link, "overwritten", force=force)
    assert victim.read_text() == "precious"

    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    with pytest.raises(ExportTargetError, match="FIFO"):
        write_text_safely(fifo, "x", force=True)  # returns at once, never blocks
    with pytest.raises(ExportTargetError, match="device"):
        write_text_safely(Path("/dev/null"), "x", force=True)
    with pytest.raises(ExportTargetError, match="does not exist"):
        write_text_safely(tmp_path / "missing" / "t.md", "x")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ExportTargetError, match="is a directory"):
        write_text_safely(tmp_path, "x", force=True)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind


def test_new_export_file_is_private(tmp_path: Path) -> None:
    written = write_text_safely(tmp_path / "t.html", "<html></html>")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def _stored(root: Path) -> str:
    record = read_record(DATA / "credentials_session.json")
    SessionStore(root).save(record)
    return record.id


def test_cli_export_target_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    sid = _stored(tmp_path / "data")
    out = tmp_path / "ticket.txt"
    assert main(["export", sid, "-o", str(out)]) == 0
    text = out.read_text()  # .txt -> the plain-text ticket
    assert text.splitlines()[1].startswith("===") and "\nSUMMARY\n" in text and "**" not in text
    capsys.readouterr()
    assert main(["export", sid, "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["export", sid, "-o", str(out), "--force", "--format", "json"]) == 0
    assert json.loads(out.read_text())["session_id"] == sid
    link = tmp_path / "link.md"
    link.symlink_to(out)
    assert main(["export", sid, "-o", str(link), "--force"]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and "Traceback" not in err
    fifo = tmp_path / "f.md"
    os.mkfifo(fifo)
    assert main(["export", sid, "-o", str(fifo)]) == 2
    assert "FIFO" in capsys.readouterr().err


def test_cli_format_without_value_lists_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["markdown", "html", "text", "json"]
    assert main(["export", "x", "--format", "pdf"]) == 2
    assert "unknown export format 'pdf'" in capsys.readouterr().err
