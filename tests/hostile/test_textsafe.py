"""The sanitiser itself: every terminal control shown, everything else untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advisor.textsafe import is_safe, visible, visible_line
from tests.hostile.payloads import ESCAPES, raw_controls


def test_examples() -> None:
    assert visible("\x1b]52;c;aGk=\x07") == "␛]52;c;aGk=␇"
    assert visible("a\x9bb") == "a\\x9bb"
    assert visible("x\u202ey") == "x\\u202ey"
    assert visible("line1\r\nline2\tend\n") == "line1\nline2\tend\n"
    assert visible("ok\rFAKE") == "ok␍FAKE"
    assert visible("\x00\x7f") == "␀␡"
    assert visible_line("a\nb\tc") == "a␤b␉c"


def test_plain_text_is_returned_as_is() -> None:
    text = "INVITE sip:+14155550100@example.pstn.twilio.com SIP/2.0 — café ✔ 日本"
    assert visible(text) is text and visible_line(text) is text and is_safe(text)


def test_every_payload() -> None:
    for p in ESCAPES.values():
        assert raw_controls(visible(p)) == [] and raw_controls(visible_line(p)) == []
        assert not is_safe(p)


@given(st.text())
def test_nothing_a_terminal_acts_on_survives(text: str) -> None:
    shown = visible(text)
    assert raw_controls(shown) == []
    assert "\r" not in shown
    line = visible_line(text)
    assert raw_controls(line) == [] and "\n" not in line and "\t" not in line


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp"))))
def test_printable_text_unchanged(text: str) -> None:
    assert visible(text) == text == visible_line(text)
