"""Escape payloads through every CLI text output path reach the terminal only as visible text.

Each payload goes into a trace (text and pcap: reason phrase, Call-ID,
User-Agent, display name) and into a stored session (customer, ticket, title,
note, customer words, trace name), then through `advisor trace`, `diagnose`,
`resume`, `history`, `export` to stdout and the one-line error path. Nothing
printed may hold a raw control character; the payload must still be there in
visible form (shown, not dropped). `--json` must stay lossless.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.session.store import SessionStore, new_session
from tests.hostile.payloads import ESCAPES, MARKUP, raw_controls, write_pcap, write_text_trace

NAMES = sorted(ESCAPES)


def _out(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    got = capsys.readouterr()
    return got.out, got.err


def _safe(text: str) -> None:
    assert raw_controls(text) == [], text[:400]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    return root


def hostile_session(advisor: Advisor, root: Path, p: str) -> str:
    session = new_session(advisor, SessionStore(root))
    session.set_context(TrunkContext(customer=f"ACME{p}", ticket=f"T-1{p}"))
    session.choose_family("calls_out_fail")
    session.answer("symptom", "term_403", "q.symptom")
    session.note(f"customer said{p} then hung up")
    session.report_text(f"they see 403{p}")
    session.attach_trace(f"trace{p}.pcap", [], "pcap", 1, [f"warning{p}"])
    SessionStore(root).set_title(session.record, f"title{p}")
    return session.id


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["text", "pcap"])
def test_trace_output_shows_escapes(name: str, kind: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    p = ESCAPES[name]
    path = (write_text_trace(tmp_path / "t.log", p) if kind == "text" else write_pcap(tmp_path / "t.pcap", p))
    binary = kind == "text" and "\x00" in p  # a NUL makes a text log binary: refused in one line
    for argv in (["trace", str(path)], ["trace", str(path), "--full"], ["diagnose", "--trace", str(path)]):
        code = main(argv)
        out, err = _out(capsys)
        _safe(out + err)
        if binary:
            assert code == 2 and len(err.strip().splitlines()) == 1 and "binary" in err
        else:
            assert code == 0 and "403" in out


def test_trace_json_stays_lossless(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = ESCAPES["osc52_clipboard"]
    path = write_text_trace(tmp_path / "t.log", p)
    assert main(["trace", str(path), "--json"]) == 0
    out, _ = _out(capsys)
    assert "\x1b" not in out  # JSON escapes it ...
    assert p in json.loads(out)["focus_call"]  # ... and keeps it


def test_payload_is_shown_not_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_text_trace(tmp_path / "t.log", ESCAPES["osc52_clipboard"])
    assert main(["trace", str(path)]) == 0
    out, _ = _out(capsys)
    assert "403 Forbidden␛]52;c;aGFja2Vk␇" in out


@pytest.mark.parametrize("name", NAMES)
def test_session_output_paths_show_escapes(name: str, data: Path, advisor: Advisor,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    p = ESCAPES[name]
    sid = hostile_session(advisor, data, p)
    runs = [["resume", sid], ["resume", sid, "--note", f"more{p}"], ["history"], ["history", "--reindex"],
            ["history", "--text", "customer"], ["export", sid], ["export", sid, "-f", "html"]]
    for argv in runs:
        assert main(argv) == 0, argv
        out, err = _out(capsys)
        _safe(out + err)
        assert out.strip(), argv
    assert main(["resume", sid, "--json"]) == 0
    json.loads(_out(capsys)[0])
    assert main(["export", sid, "-f", "json"]) == 0
    out, _ = _out(capsys)
    assert json.loads(out)["context"]["customer"] == f"ACME{p}"  # --json: lossless


def test_resume_shows_the_visible_form(data: Path, advisor: Advisor, capsys: pytest.CaptureFixture[str]) -> None:
    sid = hostile_session(advisor, data, ESCAPES["osc0_title"])
    assert main(["resume", sid]) == 0
    out, _ = _out(capsys)
    assert "ACME␛]0;pwned-title␇" in out


@pytest.mark.parametrize("name", NAMES)
def test_error_lines_show_escapes(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = ESCAPES[name]
    assert main(["trace", str(tmp_path / f"missing{p}.pcap")]) == 2
    out, err = _out(capsys)
    _safe(out + err)
    assert err.startswith("advisor:")
    assert main(["resume", f"nosuch{p}"]) == 2
    out, err = _out(capsys)
    _safe(out + err)


@pytest.mark.parametrize("name", sorted(MARKUP))
def test_markup_is_printed_literally(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = MARKUP[name].replace("\n", " ")
    path = write_text_trace(tmp_path / "t.log", p)
    assert main(["trace", str(path)]) == 0
    out, _ = _out(capsys)
    assert f"403 Forbidden{p}" in out
