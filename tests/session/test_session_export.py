"""Exports: every section in Markdown, HTML and JSON; a session full of credentials comes out clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.engine.diagnosis import Advisor
from advisor.session.core import Session
from advisor.session.events import ExportMade
from advisor.session.export import SessionExport, build_export, export_session, render
from advisor.session.store import SessionStore, read_record

DATA = Path(__file__).resolve().parents[1] / "data" / "export"
CREDENTIALS = DATA / "credentials_session.json"
TRANSCRIPTS = Path(__file__).resolve().parents[2] / "transcripts"

# every secret planted in credentials_session.json
SECRETS = [
    "hunter2", "s3cr3t-value", "Sup3rS3cret", "Tr0ub4dor-3",
    "6629fae49393a05397450978507c4ef1", "e4b5c6d7a8f90123456789abcdef0123",  # digest response=
    "0a4f113b77c2", "f1e2d3c4",  # cnonce
    "Zk9aQ1ZtTnVjM1J5YVc1bg", "Yk8zR2hkY2xsdA", "5ccc069c403ebaf9f0171e9517f40e41",  # nonce, opaque
    "0123456789abcdef0123456789abcdef",  # account SID body
    "89abcdef0123456789abcdef01234567",  # API key SID body
    "9f8e7d6c5b4a39281706f5e4d3c2b1a0",  # auth token
    "eyJhbGciOiJIUzI1NiJ9", "ak_live_51HqLyjWDarjtT1zdp7dc", "tok_5f2a9c0e7b", "YWNtZTpodW50ZXIy",
]
NUMBERS = ["4155550123", "2079460958", "555-0199", "415) 555"]
FORMATS = ["markdown", "html", "text", "json"]


@pytest.fixture
def creds(advisor: Advisor) -> Session:
    return Session(advisor, read_record(CREDENTIALS))


@pytest.fixture
def worked(advisor: Advisor) -> Session:
    return Session(advisor, read_record(TRANSCRIPTS / "orig.drop30.contact_private_ip.json"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("numbers", [False, True])
def test_credentials_never_leak(creds: Session, fmt: str, numbers: bool) -> None:
    out = export_session(creds, fmt, redact_numbers=numbers)
    for secret in SECRETS:
        assert secret not in out, f"{secret} leaked in {fmt}"
    assert "[redacted]" in out
    assert "acme-trunk" in out  # the digest username may stay
    if numbers:
        for n in NUMBERS:
            assert n not in out, (n, fmt)
        assert "0123" in out and "0958" in out  # last digits kept
    else:
        assert "+14155550123" in out and "(415) 555-0199" in out
    # addresses, ports, cause ids, timestamps survive
    assert "203.0.113.50" in out and "term.403.credentials_mismatch" in out and "2026-02-03" in out
    assert "pbx.acme.example.com:5060" in out


def test_redaction_is_structural_too(creds: Session) -> None:
    model = build_export(creds, redact_numbers=True)
    blob = model.model_dump_json()
    for secret in SECRETS:
        assert secret not in blob
    assert model.context.numbers == ["+xxxxxxx0123", "+xxxxxxxx0958"]
    probe = model.probes[0]
    assert probe.details["password"] == "[redacted]" and probe.details["rtt_ms"] == 82
    # the final text pass would also catch what the structure missed
    raw = model.model_copy(update={"summary": "password=hunter2 response=\"abcdef123456\""})
    for fmt in FORMATS:
        text = render(raw, fmt)
        assert "hunter2" not in text and "abcdef123456" not in text


def test_markdown_reads_top_down(worked: Session) -> None:
    md = export_session(worked, "markdown")
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    order = ["Summary", "Fix: ", "Evidence that decides it", "Carrier guide section", "Path: questions and answers",
             "Still possible", "Ruled out", "Trunk context"]
    found = [next(i for i, h in enumerate(headings) if h.startswith(o)) for o in order]
    assert found == sorted(found), headings
    assert md.startswith("# ") and "Willow Creek Vet" in md and "ZD-41017" in md
    path = md.split("## Path: questions and answers")[1].split("\n## ")[0]
    assert len(re.findall(r"^\d+\. ", path, flags=re.M)) >= 3
    assert "(changed from: I don't know)" in " ".join(path.split())
    assert re.search(r"^1\. ", md.split("## Fix: ")[1], flags=re.M)


def test_probe_results_with_time(advisor: Advisor) -> None:
    md = export_session(Session(advisor, read_record(TRANSCRIPTS / "term.no_response.dns_unreachable.json")),
                        "markdown")
    probes = " ".join(md.split("## Evidence")[1].split("\n## ")[0].split())
    assert "Probe dns" in probes and "FAILED" in probes and "UTC" in probes
    assert "the dns probe" in probes


def test_html_self_contained_and_printable(worked: Session) -> None:
    html = export_session(worked, "html")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "@media print" in html and "<style>" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "<script" not in html
    for h in ["Summary", "Evidence that decides it", "Path: questions and answers", "Ruled out"]:
        assert f"<h2>{h}</h2>" in html, h
    assert "changed from" in html


def test_html_escapes_user_text(advisor: Advisor) -> None:
    session = Session(advisor)
    session.note("<script>alert(1)</script> & <b>bold</b>")
    html = export_session(session, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_json_is_the_export_model(worked: Session) -> None:
    data = json.loads(export_session(worked, "json"))
    model = SessionExport.model_validate(data)
    assert model.diagnosis.status == "confirmed"
    assert model.diagnosis.cause == "orig.drop30.contact_private_ip"
    assert model.diagnosis.fix and model.diagnosis.confidence > 0.5
    assert any(s.changed for s in model.path)
    assert model.ruled_out and all(c.because for c in model.ruled_out)
    assert model.context.customer == "Willow Creek Vet"


def test_empty_session_exports(advisor: Advisor) -> None:
    session = Session(advisor)
    for fmt in FORMATS:
        assert export_session(session, fmt)
    md = export_session(session, "markdown")
    assert "No questions answered." in md and "No trunk context entered." in md
    assert "## Fix" not in md and "In progress: what to check next" in md


def test_unknown_format(worked: Session) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_session(worked, "pdf")
    assert export_session(worked, "md").startswith("# ")  # alias


# ---- CLI -------------------------------------------------------------------------------
def _stored(advisor: Advisor, root: Path) -> str:
    store = SessionStore(root)
    record = read_record(CREDENTIALS)
    store.save(record)
    return record.id


def test_cli_export_stdout_records_export_event(advisor: Advisor, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    sid = _stored(advisor, tmp_path)
    assert main(["export", sid, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ") and "hunter2" not in out
    events = SessionStore(tmp_path).load(sid).events
    assert isinstance(events[-1], ExportMade)
    assert (events[-1].format, events[-1].destination) == ("markdown", "stdout")


def test_cli_export_to_file_format_from_suffix(advisor: Advisor, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    sid = _stored(advisor, tmp_path)
    target = tmp_path / "ticket.html"
    assert main(["export", sid[:12], "-o", str(target), "--redact-numbers"]) == 0
    html = target.read_text()
    assert "<!DOCTYPE html>" in html and "4155550123" not in html
    assert capsys.readouterr().out == ""
    last = SessionStore(tmp_path).load(sid).events[-1]
    assert isinstance(last, ExportMade) and last.format == "html" and last.destination == str(target.resolve())


def test_cli_export_a_file_path_records_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "t.json"
    copy.write_bytes((TRANSCRIPTS / "term.403.acl_mismatch.json").read_bytes())
    assert main(["export", str(copy), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["diagnosis"]["cause"] == "term.403.acl_mismatch"
    assert copy.read_bytes() == (TRANSCRIPTS / "term.403.acl_mismatch.json").read_bytes()


@pytest.mark.parametrize("args", [["export", "no-such-session"], ["export", "x", "--format", "pdf"],
                                  ["export"], ["export", "last"]])
def test_cli_export_errors(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_cli_export_unwritable_output(advisor: Advisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    sid = _stored(advisor, tmp_path)
    missing = tmp_path / "no" / "such" / "dir"
    assert main(["export", sid, "-o", str(missing / "t.md")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()  # never created silently
