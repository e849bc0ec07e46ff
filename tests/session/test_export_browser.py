"""The HTML ticket in a real headless Chromium: it renders, prints to a few PDF pages, runs no script.

Screenshots and PDFs are kept as test artefacts: in $ADVISOR_TEST_ARTEFACTS when set (CI can
upload that directory), else in pytest's temporary directory (printed with -rA / on failure).
Skipped only when no Chromium is installed (CI installs the `chromium` package).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from advisor.engine.diagnosis import Advisor
from advisor.evidence.analyze import analyze_files
from advisor.session.core import Session
from advisor.session.export import export_session

DATA = Path(__file__).resolve().parents[1] / "data" / "export"
BROWSER = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


@pytest.fixture(autouse=True)
def _browser() -> None:
    """The ticket must be checked in a real browser: a missing Chromium fails, never skips
    (.ci/run installs it; README "Set-up" lists it)."""
    if BROWSER is None:
        pytest.fail("no Chromium on PATH: install it (apt-get install chromium) to check the HTML ticket")


# no network, no profile, no updates: only the local file is loaded
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-extensions", "--mute-audio"]


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("ADVISOR_TEST_ARTEFACTS")
    if configured:
        path = Path(configured) / "export-html"
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("artefacts")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([BROWSER, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=120, check=False)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def _sessions(advisor: Advisor) -> dict[str, Session]:
    confirmed = Session(advisor)
    confirmed.choose_family("calls_out_fail")
    trace = DATA / "raw_plain_403_acl.txt"
    confirmed.attach_analysis(str(trace), analyze_files([trace], advisor.kb))
    confirmed.answer("source_ip_in_acl", "no")
    progress = Session(advisor)
    progress.choose_family("calls_out_fail")
    progress.note("<script>document.title='pwned'</script> customer says calls fail since Monday")
    return {"confirmed": confirmed, "in-progress": progress}


def test_html_ticket_renders_and_prints(advisor: Advisor, artefacts: Path) -> None:
    for name, session in _sessions(advisor).items():
        page = artefacts / f"ticket-{name}.html"
        page.write_text(export_session(session, "html"), encoding="utf-8")
        for width in (1100, 794):  # a desktop window, and the width of an A4 page at 96 dpi
            shot = artefacts / f"ticket-{name}-{width}.png"
            result = _chromium(f"--window-size={width},1600", f"--screenshot={shot}", page.as_uri())
            assert shot.is_file(), result.stderr[-2000:]
            png = shot.read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a rendered page, not a blank one
        pdf_path = artefacts / f"ticket-{name}.pdf"
        result = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", page.as_uri())
        assert pdf_path.is_file(), result.stderr[-2000:]
        pdf = pdf_path.read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert 1 <= _pages(pdf) <= 6, (name, _pages(pdf))
        # the DOM after load: our text is there, and nothing ran
        dom = _chromium("--dump-dom", page.as_uri()).stdout
        assert "<h2>Summary</h2>" in dom and "pwned" not in dom.split("<body")[0]
    print(f"export artefacts in {artefacts}")


def test_content_security_policy_blocks_script_even_if_one_got_in(advisor: Advisor, tmp_path: Path) -> None:
    """Belt and braces: were escaping ever to fail, the page's own CSP still refuses to run a script."""
    html = export_session(_sessions(advisor)["in-progress"], "html")
    tampered = html.replace("</main>", "<script>document.body.setAttribute('data-ran','yes')</script></main>")
    page = tmp_path / "tampered.html"
    page.write_text(tampered, encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri()).stdout
    assert "<h2>Summary</h2>" in dom
    assert 'data-ran="yes"' not in dom
    control = tmp_path / "control.html"  # the same script without our CSP does run: the check can fail
    control.write_text(tampered.replace("Content-Security-Policy", "X-Nothing"), encoding="utf-8")
    assert 'data-ran="yes"' in _chromium("--dump-dom", control.as_uri()).stdout
