"""`advisor trace --json` is streamed call by call (advisor.evidence.report_json); it must be the very
text `TraceAnalysis.model_dump_json(indent=2)` gives, on every trace the tests hold."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import BaseModel

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.evidence.analyze import _report
from advisor.evidence.load import load_trace_detailed
from advisor.evidence.pipeline import analyze_parts
from advisor.evidence.report_json import _utc_text, _value, write_report_json
from advisor.kb.loader import KnowledgeBase

TESTS = Path(__file__).resolve().parents[1]
TRACE_SUFFIXES = {".pcap", ".pcapng", ".txt", ".log", ".csv", ".json"}
TRACES = sorted(p for d in (TESTS / "data", TESTS / "fixtures" / "text", TESTS / "fixtures" / "pcap")
                for p in d.rglob("*") if p.is_file() and p.suffix in TRACE_SUFFIXES)


def _both(kb: KnowledgeBase, paths: list[Path], raw: bool,
          context: TrunkContext | None = None) -> tuple[str, str] | None:
    try:
        loaded = [load_trace_detailed(p) for p in paths]
    except Exception:  # not a trace (a corpus index, an expected-results file): nothing to compare
        return None
    parts = analyze_parts(loaded, kb, context or TrunkContext())
    expected = _report(*parts, raw).model_dump_json(indent=2)  # what print_json(analysis) printed
    chunks: list[str] = []
    write_report_json(*parts, chunks.append, raw=raw)
    return "".join(chunks), expected


def test_the_corpus_is_there() -> None:
    assert len(TRACES) > 60


@pytest.mark.parametrize("path", TRACES, ids=lambda p: str(p.relative_to(TESTS)))
def test_streamed_json_is_the_models_json(kb: KnowledgeBase, path: Path) -> None:
    for raw in (False, True):
        got = _both(kb, [path], raw)
        if got is not None:
            assert got[0] == got[1]


def test_several_files_views_and_dialogs(kb: KnowledgeBase, tmp_path: Path) -> None:
    """A second copy of a trace makes views (also_in, view_of); OPTIONS/REGISTER make other_messages."""
    src = TESTS / "fixtures" / "text" / "sngrep_orig_415.txt"
    copy = tmp_path / "edge copy é.txt"
    shutil.copy(src, copy)
    got = _both(kb, [src, copy], raw=True)
    assert got is not None and got[0] == got[1]
    doc = json.loads(got[0])
    assert any(m["also_in"] for c in doc["calls"] for m in c["messages"])
    with_dialogs = [p for p in TRACES if p.suffix in (".pcap", ".pcapng", ".txt", ".log")]
    seen_other = False
    for p in with_dialogs:
        pair = _both(kb, [p], raw=False, context=TrunkContext(pbx_public_address="203.0.113.10"))
        if pair is not None:
            assert pair[0] == pair[1]
            seen_other = seen_other or bool(json.loads(pair[0])["other_messages"])
    assert seen_other, "no trace with messages outside calls: the other_messages part went untested"


def test_values_spelled_like_pydantic() -> None:
    class V(BaseModel):
        v: object

    samples: list[object] = [None, True, False, 0, -7, 10**20, 0.0, -0.0, 1.5, 6e-05, 1e-7, 1e16, 1.2345e21,
                             float("inf"), float("nan"), 1750000000.00006, "", "plain", 'q"b\\s', "\x00\x1f\x7f\n\t",
                             "é ü \u2028 😀", datetime(2025, 6, 15, 15, 6, 40, tzinfo=UTC),
                             datetime(2025, 6, 15, 15, 6, 40, 60, tzinfo=UTC), datetime(2025, 6, 15, 15, 6, 40, 120000),
                             datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=2))), [], ["a"], ["a", "b\n"]]
    for value in samples:
        expected = V(v=value).model_dump_json(indent=2)
        assert f'{{\n  "v": {_value(value, 2)}\n}}' == expected, value


def test_floats_spelled_like_pydantic_core() -> None:
    """Shortest repr digits; exponent -5 written out, smaller ones without zero padding (checked on random bits)."""
    import math
    import random
    import struct

    from pydantic_core import to_json

    from advisor.evidence.report_json import _float

    rng = random.Random(5060)
    values = [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(20000)]
    values += [rng.random() * 10.0 ** e for e in range(-30, 30) for _ in range(20)]
    values += [1e-5, -1e-5, 1.5e-5, 9.99999e-5, 1e-4, 5e-324, 1.7976931348623157e308, 0.0, -0.0]
    for v in values:
        if not (math.isnan(v) or math.isinf(v)):
            assert _float(v) == to_json(v).decode(), v


def test_capture_times_spelled_like_datetime() -> None:
    """A capture message's "time" from its epoch float, as datetime.fromtimestamp(ts, UTC) gives it
    (microseconds rounded half to even, carried into the next second), on random and edge values."""
    import math
    import random

    rng = random.Random(5061)
    values = [1e8, 1.7e9, 1.7e9 + 0.5e-6, 1.7e9 + 1.5e-6, 1.7e9 + 0.9999995, 1.7e9 + 0.9999999999, 99999999999.5]
    values += [rng.uniform(1e8, 1e11) for _ in range(20_000)]
    values += [round(rng.uniform(1e8, 4e9), rng.randint(0, 7)) for _ in range(20_000)]
    values += [math.floor(rng.uniform(1e8, 4e9)) + rng.randint(0, 999_999) / 1e6 + 5e-7 for _ in range(20_000)]
    for ts in values:
        assert _utc_text(ts) == _value(datetime.fromtimestamp(ts, UTC), 0), ts
    assert _utc_text(5e7) is None and _utc_text(math.inf) is None and _utc_text(math.nan) is None


def test_the_cli_prints_the_same_report(kb: KnowledgeBase) -> None:
    path = TESTS / "fixtures" / "text" / "sngrep_concurrent_503.txt"
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["trace", str(path), "--json"]) == 0
    got = _both(kb, [path], raw=False)
    assert got is not None and out.getvalue() == got[1] + "\n"
