"""Fuzzing the terminal boundary: random text with controls through the CLI text paths.

Reuses the trace fuzzer's SIP line vocabulary (tests/evidence/test_trace_fuzz.py)
with escape payloads spliced in, and random unicode in session fields. Every
run must end in exit 0 or one clear line (exit 2), and nothing printed may
hold a raw control character.
"""

from __future__ import annotations

import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.session.store import SessionStore, new_session
from tests.evidence.test_trace_fuzz import SIP_LINES
from tests.hostile.payloads import ALL, raw_controls

HOSTILE = st.sampled_from(list(ALL.values()))
NASTY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
FUZZ_TRACES = settings(max_examples=40, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow])
FUZZ_SESSIONS = settings(max_examples=25, deadline=timedelta(seconds=20),
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@FUZZ_TRACES
@given(lines=st.lists(st.tuples(st.sampled_from(SIP_LINES), HOSTILE, st.integers(0, 80)), min_size=1, max_size=40))
def test_mutated_traces_print_safely(lines: list[tuple[str, str, int]]) -> None:
    text = "\r\n".join(line[:cut] + payload + line[cut:] for line, payload, cut in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.log"
        path.write_text(text, encoding="utf-8")
        for argv in (["trace", str(path), "--full"], ["diagnose", "--trace", str(path)]):
            code, out, err = run(argv)
            assert code in (0, 2), (argv, err)
            if code == 2:
                assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
            assert raw_controls(out + err) == []


@FUZZ_SESSIONS
@given(customer=NASTY_TEXT, note=NASTY_TEXT, words=NASTY_TEXT, title=NASTY_TEXT)
def test_random_session_text_prints_safely(advisor: Advisor, monkeypatch: pytest.MonkeyPatch,
                                           customer: str, note: str, words: str, title: str) -> None:
    # the CLI's own code paths, minus compiling the engine again for every command (0.7 s each)
    monkeypatch.setattr("advisor.cli.session_cmd._advisor", lambda _args: advisor)
    with tempfile.TemporaryDirectory() as tmp:
        monkeypatch.setenv("ADVISOR_DATA_DIR", tmp)
        store = SessionStore(tmp, fsync=False)
        session = new_session(advisor, store)
        session.set_context(TrunkContext(customer=customer or None, ticket=title or None))
        session.choose_family("calls_out_fail")
        session.note(note)
        session.report_text(words)
        store.set_title(session.record, title)
        store.close()
        for argv in (["resume", session.id], ["history"], ["export", session.id],
                     ["export", session.id, "-f", "html"]):
            code, out, err = run(argv)
            assert code == 0, (argv, err)
            assert raw_controls(out + err) == [], argv
