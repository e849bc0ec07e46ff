"""Lay out a `SessionExport` as Markdown, HTML or plain text from one Jinja2 template.

`templates/ticket.j2` holds the ticket's order and wording once, for every
format; each format is a Jinja2 environment with its own small set of layout
filters (heading, paragraph, list item, inline code, SIP block) and its own
escaping, applied to every value the template prints:

- HTML: Jinja2's autoescaping (markupsafe); the page carries a
  Content-Security-Policy that forbids scripts and remote loads.
- Markdown: every printed value is escaped by `finalize` unless a layout
  filter already escaped it (they return `Markup`): inline markup characters
  are backslash-escaped, block markers at a line start too, URL-like tokens
  become code spans (never links), and SIP lines sit in fences longer than
  any backtick run inside them, so no user or trace text becomes HTML, a
  heading, a link or an image.
- Text: printed as is, wrapped.

Every format shows control characters visibly through the one sanitising
boundary, `advisor.textsafe.visible` (an export printed to a terminal must not
carry escape sequences; the JSON export escapes them and stays lossless). Markdown and text are wrapped at
100 columns for ticket systems; SIP lines longer than that are trimmed with
"…" (the JSON export and the HTML keep them whole).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from advisor.textsafe import visible

if TYPE_CHECKING:
    from advisor.session.excerpts import TraceExcerpt
    from advisor.session.export import SessionExport

WIDTH = 100
TEMPLATES = Path(__file__).with_name("templates")

def _flat(value: object) -> str:
    return " ".join(visible("" if value is None else str(value)).split())


def _wrap(text: str, indent: str = "", first: str | None = None, width: int = WIDTH) -> list[str]:
    lead = indent if first is None else first
    return textwrap.wrap(text, width=width, initial_indent=lead, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=True) or [lead.rstrip()]


def _trim(line: str, room: int) -> str:
    return line if len(line) <= room else line[: room - 1] + "…"


# ---- Markdown ------------------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&!{}])")
# URLs, e-mail-like and identifier-like tokens (ids with underscores) are shown as code: never a link,
# and no backslash noise inside ids.
_LINKISH = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)[^\s)>]+|[^\s@()<]+@[^\s@()]+\.[^\s@(),;>]+"
                      r"|\b[a-z0-9][\w./+-]*_[\w./+-]*[a-z0-9]\b"
                      r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}\b(?:/[^\s)>]*)?")  # host names: no fuzzy links
_MD_LINE_START = re.compile(r"^(\s*)([#=+\-*>]|\d+[.)])")


def _longest_run(text: str, ch: str = "`") -> int:
    return max((len(m) for m in re.findall(f"{re.escape(ch)}+", text)), default=0)


def md_code(text: object) -> Markup:
    """An inline code span that its content cannot close (a fence longer than any backtick run)."""
    s = _flat(text)
    fence = "`" * (_longest_run(s) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return Markup(f"{fence}{pad}{s}{pad}{fence}")


def md_escape(text: object) -> str:
    """Inline Markdown escaping: markup characters escaped, URL-like tokens as code spans."""
    s = _flat(text)
    out: list[str] = []
    pos = 0
    for m in _LINKISH.finditer(s):
        out.append(_MD_INLINE.sub(r"\\\1", s[pos:m.start()]))
        token = m.group()
        out.append(str(md_code(token)))
        pos = m.end()
    out.append(_MD_INLINE.sub(r"\\\1", s[pos:]))
    return "".join(out)


def _md_safe_starts(lines: list[str]) -> list[str]:
    """No wrapped line may start a heading, list, quote or thematic break."""
    def fix(line: str) -> str:
        m = _MD_LINE_START.match(line)
        if m is None:
            return line
        marker = m.group(2)
        if marker[0].isdigit():
            return f"{m.group(1)}{marker[:-1]}\\{marker[-1]}{line[m.end():]}"
        return f"{m.group(1)}\\{marker}{line[m.end():]}"

    return [fix(line) for line in lines]


def _md_text(value: object, indent: str = "", first: str | None = None) -> str:
    """Escaped (unless already Markup), wrapped, and no line starting a block of its own."""
    escaped = str(value) if isinstance(value, Markup) else md_escape(value)
    lead = indent if first is None else first
    lines = _wrap(escaped, indent, first, WIDTH - 1)  # room for the backslash a line start may need
    out = []
    for i, line in enumerate(lines):
        pad = lead if i == 0 else indent
        out.append(pad + _md_safe_starts([line[len(pad):]])[0])
    return "\n".join(out)


def _md_finalize(value: object) -> object:
    if isinstance(value, Markup | int | float) or value is None:
        return "" if value is None else value
    return md_escape(value)


def _md_fence(ex: TraceExcerpt, indent: str) -> list[str]:
    lines = [visible(line) for line in ex.lines]
    if ex.left_out:
        lines.append(f"[{ex.left_out} more line(s) of this message left out]")
    fence = "`" * max(3, _longest_run("\n".join(lines)) + 1)
    room = WIDTH - len(indent)
    return [indent + fence, *(indent + _trim(line, room) for line in lines), indent + fence]


class MarkdownDialect:
    def h1(self, text: object) -> Markup:
        return Markup(_trim("# " + md_escape(text), WIDTH))  # a heading is one line; the summary has it all

    def h2(self, text: object) -> Markup:
        return Markup(_trim("## " + md_escape(text), WIDTH))

    def para(self, text: object) -> Markup:
        return Markup(_md_text(text))

    def item(self, text: object, n: int | None = None, level: int = 0, extra: Markup | None = None,
             tag: object = None) -> Markup:
        marker = f"{n}. " if n is not None else "- "
        base = "  " * level if n is None else "   " * level
        body = Markup(md_escape(text) + (f" ({md_code(tag)})" if tag else ""))
        head = _md_text(body, base + " " * len(marker), base + marker)
        return Markup(head + (f"\n\n{extra}\n" if extra else ""))

    def open_list(self, numbered: bool = False) -> Markup:
        return Markup("")

    def close_list(self, numbered: bool = False) -> Markup:
        return Markup("")

    def code(self, text: object) -> Markup:
        return md_code(text)

    def strong(self, text: object) -> Markup:
        head, *rest = _wrap(f"**{md_escape(text)}**", width=WIDTH - 1)
        return Markup("\n".join([head, *_md_safe_starts(rest)]))

    def sip(self, ex: TraceExcerpt | None, level: int = 1) -> Markup:
        if ex is None:
            return Markup("")
        indent = "  " * level
        caption = f"{ex.ref}" + (f", sent by the {ex.sender}" if ex.sender else "")
        return Markup("\n".join([indent + "SIP lines from " + md_escape(caption) + ":", "", *_md_fence(ex, indent)]))

    def rule(self) -> Markup:
        return Markup("---")


# ---- plain text ----------------------------------------------------------------------------------
class TextDialect:
    def h1(self, text: object) -> Markup:
        lines = _wrap(_flat(text))
        return Markup("\n".join([*lines, "=" * max(map(len, lines))]))

    def h2(self, text: object) -> Markup:
        lines = _wrap(_flat(text).upper())
        return Markup("\n".join([*lines, "-" * max(map(len, lines))]))

    def para(self, text: object) -> Markup:
        return Markup("\n".join(_wrap(_flat(text))))

    def strong(self, text: object) -> Markup:
        return self.para(text)

    def item(self, text: object, n: int | None = None, level: int = 0, extra: Markup | None = None,
             tag: object = None) -> Markup:
        marker = f"{n}. " if n is not None else "- "
        base = "  " * level
        body = _flat(text) + (f" ({_flat(tag)})" if tag else "")
        head = "\n".join(_wrap(body, base + " " * len(marker), base + marker))
        return Markup(head + (f"\n{extra}" if extra else ""))

    def open_list(self, numbered: bool = False) -> Markup:
        return Markup("")

    def close_list(self, numbered: bool = False) -> Markup:
        return Markup("")

    def code(self, text: object) -> Markup:
        return Markup(_flat(text))

    def sip(self, ex: TraceExcerpt | None, level: int = 1) -> Markup:
        if ex is None:
            return Markup("")
        indent = "  " * level
        caption = f"{ex.ref}" + (f", sent by the {ex.sender}" if ex.sender else "")
        body = [indent + "| " + _trim(visible(line), WIDTH - len(indent) - 2) for line in ex.lines]
        if ex.left_out:
            body.append(f"{indent}| [{ex.left_out} more line(s) of this message left out]")
        return Markup("\n".join(_wrap(f"SIP lines from {_flat(caption)}:", indent) + body))

    def rule(self) -> Markup:
        return Markup("-" * 40)


# ---- HTML ------------------------------------------------------------------------------------------
def _h(value: object) -> Markup:
    return escape(visible("" if value is None else str(value)))


class HtmlDialect:
    def h1(self, text: object) -> Markup:
        return Markup("<h1>%s</h1>") % _h(text)

    def h2(self, text: object) -> Markup:
        return Markup("<h2>%s</h2>") % _h(text)

    def para(self, text: object) -> Markup:
        return Markup("<p>%s</p>") % _h(text)

    def item(self, text: object, n: int | None = None, level: int = 0, extra: Markup | None = None,
             tag: object = None) -> Markup:
        code = Markup(" (<code>%s</code>)") % _h(tag) if tag else ""
        return Markup("<li>%s%s%s</li>") % (_h(text), code, extra or "")

    def open_list(self, numbered: bool = False) -> Markup:
        return Markup("<ol>" if numbered else "<ul>")

    def close_list(self, numbered: bool = False) -> Markup:
        return Markup("</ol>" if numbered else "</ul>")

    def code(self, text: object) -> Markup:
        return Markup("<code>%s</code>") % _h(text)

    def strong(self, text: object) -> Markup:
        return Markup("<strong>%s</strong>") % _h(text)

    def sip(self, ex: TraceExcerpt | None, level: int = 1) -> Markup:
        if ex is None:
            return Markup("")
        caption = f"{ex.ref}" + (f", sent by the {ex.sender}" if ex.sender else "")
        lines = list(ex.lines) + ([f"[{ex.left_out} more line(s) of this message left out]"] if ex.left_out else [])
        return Markup('<figure class="sip"><figcaption>SIP lines from %s</figcaption><pre>%s</pre></figure>') % (
            _h(caption), _h("\n".join(lines)))

    def rule(self) -> Markup:
        return Markup("<hr>")


def _html_finalize(value: object) -> object:
    return "" if value is None else visible(value) if isinstance(value, str) and not isinstance(value, Markup) \
        else value


def _text_finalize(value: object) -> object:
    return "" if value is None else _flat(value) if isinstance(value, str) and not isinstance(value, Markup) \
        else value


_DIALECTS: dict[str, tuple[type[MarkdownDialect | TextDialect | HtmlDialect], bool,
                           Callable[[object], object]]] = {
    "markdown": (MarkdownDialect, False, _md_finalize),
    "text": (TextDialect, False, _text_finalize),
    "html": (HtmlDialect, True, _html_finalize),
}


@cache
def environment(fmt: str) -> Environment:
    """The Jinja2 environment of one format: its escaping and its layout filters."""
    dialect_cls, autoescape, finalize = _DIALECTS[fmt]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=autoescape, finalize=finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    d = dialect_cls()
    env.filters.update(h1=d.h1, h2=d.h2, para=d.para, item=d.item, code=d.code, strong=d.strong, sip=d.sip,
                       pct=lambda x: f"{round(float(x) * 100)}%", when=_when)
    env.globals.update(rule=d.rule, open_list=d.open_list, close_list=d.close_list, fmt=fmt)
    return env


def _when(dt: datetime | None) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if dt is not None else ""


_BLANKS = re.compile(r"\n{3,}")


def render_ticket(export: SessionExport, fmt: str) -> str:
    """The ticket in "markdown", "html" or "text"."""
    from advisor.session.export import duration_words

    env = environment(fmt)
    name = "page.html.j2" if fmt == "html" else "ticket.j2"
    text = env.get_template(name).render(e=export, t=export.ticket, duration=duration_words(export.duration_s),
                                         css=Markup(_css()) if fmt == "html" else "")
    if fmt == "html":
        return text.rstrip() + "\n"
    return _BLANKS.sub("\n\n", text).strip() + "\n"


@cache
def _css() -> str:
    return (TEMPLATES / "ticket.css").read_text(encoding="utf-8")
