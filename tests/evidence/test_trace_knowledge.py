"""The trace's part of the knowledge base as plain data, and its cache (advisor.evidence.knowledge)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.evidence.knowledge import KnowledgeError, _from_json, load_trace_knowledge, trace_knowledge
from advisor.kb.loader import KnowledgeBase, load_kb

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "text" / "sngrep_concurrent_503.txt"


def test_plain_copy_holds_what_the_trace_reads(kb: KnowledgeBase) -> None:
    tk = trace_knowledge(kb)
    assert set(tk.carriers) == set(kb.carriers) and tk.default_carrier == kb.default_carrier
    for name, pack in kb.carriers.items():
        assert tk.carriers[name].signalling_networks == [n.cidr for n in pack.signalling_networks]
        assert [(r.pattern, r.value) for r in tk.carriers[name].reason_patterns] == [
            (r.pattern, r.value) for r in pack.reason_patterns]
    assert tk.thresholds.drop_window_seconds == tuple(kb.trace.thresholds.drop_window_seconds)
    assert tk.observations["invite_final_status"] == kb.observations["invite_final_status"].values
    assert set(tk.extractors) == set(kb.extractors)
    code = kb.alerts[0].code
    alert = tk.alert(code)
    assert alert is not None and kb.alert(code) is not None and alert.title == kb.alert(code).title  # type: ignore[union-attr]
    assert tk.alert("00000") is None
    assert trace_knowledge(kb) is tk  # made once per knowledge base


def test_same_cache_directory_as_the_knowledge_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.evidence.knowledge import _cache_dir
    from advisor.kb.cache import cache_dir

    assert _cache_dir() == cache_dir()
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path))
    assert _cache_dir() == cache_dir() == tmp_path


def test_json_round_trip_is_exact(kb: KnowledgeBase) -> None:
    tk = trace_knowledge(kb)
    assert _from_json(json.loads(json.dumps(asdict(tk)))) == tk


def test_cache_miss_hit_and_corrupt_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    cache = tmp_path / "cache"
    first = load_trace_knowledge(cache=cache)
    entries = list(cache.glob("trace-*.json"))
    assert len(entries) == 1 and first == trace_knowledge(kb)
    assert load_trace_knowledge(cache=cache) == first
    entries[0].write_text("{not json")
    assert load_trace_knowledge(cache=cache) == first  # rebuilt, not trusted
    assert json.loads(entries[0].read_text())["default_carrier"] == first.default_carrier


def test_an_edited_knowledge_file_is_read_again(kb_copy: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    cache = tmp_path / "cache"
    before = load_trace_knowledge(kb_copy, cache=cache)
    trace = kb_copy / "trace.yaml"
    text = trace.read_text()
    assert "low_rtp_ttl:" in text
    lines = [("  low_rtp_ttl: 3" if line.strip().startswith("low_rtp_ttl:") else line) for line in text.splitlines()]
    trace.write_text("\n".join(lines) + "\n")
    after = load_trace_knowledge(kb_copy, cache=cache)
    assert before.thresholds.low_rtp_ttl != 3 and after.thresholds.low_rtp_ttl == 3
    assert after == trace_knowledge(load_kb(kb_copy))
    assert len(list(cache.glob("trace-*.json"))) == 1  # the old entry is dropped


def test_a_broken_knowledge_base_is_reported_not_cached(kb_copy: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ADVISOR_NO_CACHE", raising=False)
    (kb_copy / "trace.yaml").write_text("reason_patterns: [\n")
    with pytest.raises(KnowledgeError) as err:
        load_trace_knowledge(kb_copy)
    assert any("trace.yaml" in p for p in err.value.problems)
    assert not list((tmp_path / "cache").glob("trace-*.json"))
    assert main(["--kb", str(kb_copy), "trace", str(SAMPLE), "--json"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "trace.yaml" in out.err


def test_trace_json_loads_neither_pydantic_nor_yaml_once_cached(tmp_path: Path) -> None:
    """What the memory floor of `advisor trace --json` rests on (measured by `advisor bench trace`)."""
    code = ("import sys, io, contextlib\n"
            "from advisor.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main(['trace', {str(SAMPLE)!r}, '--json'])\n"
            "print(rc, sorted(m for m in ('pydantic', 'yaml', 'advisor.kb.loader', 'advisor.evidence.analyze')"
            " if m in sys.modules), 'hashlib' in sys.modules)\n")
    env = {"PYTHONPATH": str(REPO), "ADVISOR_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split()[0] == "0"  # a cold cache loads and validates the knowledge base
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert second.stdout.strip() == "0 [] False", second.stdout + second.stderr
