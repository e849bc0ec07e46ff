"""Markdown and HTML exports are safe documents, whatever the session and trace hold.

A session is filled with markup payloads (script tags, event handlers, remote
images and links, injected headings, fence breakers) in every user field and
in the SIP trace its evidence rests on, then exported. The Markdown is
rendered by a common renderer WITH raw HTML enabled (markdown-it-py, as a
ticket system might) and both documents are parsed: no script, no on*
attribute, no remote image or link, no javascript: URL, no heading made from
user text; the HTML carries a Content-Security-Policy that forbids scripts.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.session.core import Session
from advisor.session.export import export_session
from tests.hostile.payloads import ESCAPES, raw_controls, write_text_trace

MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '<a href="javascript:alert(3)">click</a>',
    "<iframe src=http://evil.example/frame></iframe>",
    "<svg onload=alert(4)>",
    "![tracker](http://evil.example/pixel.png)",
    "[click me](javascript:alert(5))",
    "[phish](http://evil.example/login)",
    "<http://evil.example/auto>",
    "\n# Injected heading\n",
    "\n\n## Injected subheading",
    "Setext injected\n===",
    "```\n# out of the fence\n```",
    "~~~\n<script>alert(6)</script>",
    "</pre><script>alert(7)</script>",
    "<style>body{background:url(http://evil.example/x)}</style>",
    '"><img src=x onerror=alert(8)>',
    "<!-- comment --><b onmouseover=alert(9)>hover</b>",
    "&lt;script&gt;alert(10)&lt;/script&gt;",
    "[ref]: http://evil.example/ref",
]
ONE = " ".join(MARKUP)
EVIL_HOSTS = ("evil.example",)


class Doc(HTMLParser):
    """What a browser would act on in an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.headings: list[str] = []
        self.meta_csp: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self._in_heading = 0
        self._heading_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append(f"{tag} {name}")
            if name.lower() in ("src", "href", "action", "data", "srcset", "poster", "formaction") and value:
                self.urls.append((tag, name, value))
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "content-security-policy":
            self.meta_csp.append(dict(attrs).get("content") or "")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._in_heading += 1
            self._heading_text = []
        if tag == "style":
            self._in_style = True
            self.styles.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._in_heading:
            self._in_heading -= 1
            self.headings.append("".join(self._heading_text).strip())

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data
        if self._in_heading:
            self._heading_text.append(data)


def parse(html: str) -> Doc:
    doc = Doc()
    doc.feed(html)
    doc.close()
    return doc


def active(doc: Doc) -> list[str]:
    """Everything in the document a reader's browser would run or fetch because of user text."""
    bad = [f"<{t}>" for t in doc.tags if t in ("script", "iframe", "object", "embed", "svg", "form", "base")]
    # the template's own stylesheet is fine; one that loads from elsewhere or came from user text is not
    bad += [f"<style> {s[:60]!r}" for s in doc.styles if "url(" in s or any(h in s for h in EVIL_HOSTS)]
    bad += [f"handler {h}" for h in doc.handlers]
    bad += [f"{t} {n}={v}" for t, n, v in doc.urls
            if v.strip().lower().startswith(("javascript:", "data:", "vbscript:")) or any(h in v for h in EVIL_HOSTS)]
    bad += [f"<img src={v}>" for t, n, v in doc.urls if t == "img"]
    # a heading made BY the payload starts with its text (the title may quote user text, escaped)
    bad += [f"heading {h!r}" for h in doc.headings if h.startswith(("Injected", "out of the fence", "Setext"))]
    return bad


@pytest.fixture(scope="module")
def hostile_session(advisor: Advisor, tmp_path_factory: pytest.TempPathFactory) -> Session:
    tmp = tmp_path_factory.mktemp("export")
    trace = write_text_trace(tmp / "hostile.log", " ".join(m.replace("\n", " ") for m in MARKUP))
    session = Session(advisor)
    session.set_context(TrunkContext(customer=f"ACME {ONE}", ticket=f"T-1 {ONE}"))
    session.choose_family("calls_out_fail")
    session.answer("symptom", "term_403", "q.symptom")
    for m in MARKUP:
        session.note(m)
    session.note(ONE + "".join(ESCAPES.values()))
    session.report_text(f"customer says {ONE}")
    session.attach_analysis(f"{tmp}/trace {ONE}.log", analyze_files([str(trace)], advisor.kb, TrunkContext()))
    session.record.title = f"title {ONE}"
    return session


@pytest.mark.parametrize("numbers", [False, True])
def test_markdown_export_rendered_with_raw_html_has_no_active_content(hostile_session: Session,
                                                                      numbers: bool) -> None:
    md = export_session(hostile_session, "markdown", redact_numbers=numbers)
    rendered = MarkdownIt("commonmark", {"html": True}).render(md)
    doc = parse(rendered)
    assert active(doc) == []
    assert "alert(1)" in rendered  # the payload is shown as text, not dropped


def test_markdown_export_keeps_user_text_out_of_the_structure(hostile_session: Session) -> None:
    md = export_session(hostile_session, "markdown")
    tokens = MarkdownIt("commonmark", {"html": True}).parse(md)
    kinds = {t.type for t in tokens}
    assert "html_block" not in kinds
    inline_html = [c.content for t in tokens if t.children for c in t.children if c.type == "html_inline"]
    assert inline_html == []
    images = [c for t in tokens if t.children for c in t.children if c.type == "image"]
    assert images == []
    links = [c.attrs.get("href") for t in tokens if t.children for c in t.children if c.type == "link_open"]
    assert not [h for h in links if isinstance(h, str) and (any(e in h for e in EVIL_HOSTS) or "javascript" in h)]


def test_html_export_is_escaped_and_forbids_scripts(hostile_session: Session) -> None:
    html = export_session(hostile_session, "html")
    doc = parse(html)
    assert active(doc) == [], active(doc)
    assert doc.meta_csp, "no Content-Security-Policy"
    csp = doc.meta_csp[0].replace(" ", "").lower()
    assert "default-src'none'" in csp or "script-src'none'" in csp
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, escaped


def test_text_exports_to_a_terminal_have_no_raw_controls(hostile_session: Session) -> None:
    from advisor.textsafe import visible

    for fmt in ("markdown", "html", "text"):
        try:
            out = export_session(hostile_session, fmt)
        except ValueError:
            continue  # a format this build does not offer
        assert raw_controls(visible(out)) == []


def test_markdown_file_through_the_cli(hostile_session: Session, tmp_path: Path) -> None:
    """The whole path: stored session, `advisor export -o x.md`, the file rendered and parsed."""
    from advisor.cli import main
    from advisor.session.store import SessionStore

    store = SessionStore(tmp_path / "data", fsync=False)
    store.save(hostile_session.record)
    store.close()
    import os

    os.environ["ADVISOR_DATA_DIR"] = str(tmp_path / "data")
    try:
        for fmt in ("md", "html"):
            out = tmp_path / f"ticket.{fmt}"
            assert main(["export", hostile_session.id, "-o", str(out)]) == 0
            text = out.read_text()
            rendered = MarkdownIt("commonmark", {"html": True}).render(text) if fmt == "md" else text
            assert active(parse(rendered)) == []
    finally:
        del os.environ["ADVISOR_DATA_DIR"]
