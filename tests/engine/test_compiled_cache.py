"""The compiled-advisor cache (advisor/engine/cache.py): a hit diagnoses exactly as a fresh build.

The cache stores experta's built Rete networks; a network that unpickled wrongly
would still diagnose, just wrongly, so every opening of the shipped knowledge base
and a few answer paths from each are compared, whole Diagnosis against whole
Diagnosis, between the cached advisor (read back in a fresh interpreter) and one
built from the YAML.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.engine.cache import PREFIX, load_compiled
from advisor.engine.diagnosis import Advisor, Diagnosis
from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KBError, KnowledgeBase
from advisor.kb.paths import default_knowledge_dir

ROOT = Path(__file__).resolve().parents[2]


def _paths(kb: KnowledgeBase, seed: int = 7, steps: int = 4) -> list[list[Observation]]:
    """Every (family, symptom) opening, then a few random answers from the question asked."""
    rnd = random.Random(seed)
    builder = Advisor(kb)
    out: list[list[Observation]] = []
    for family in kb.families:
        for symptom in [None, *kb.symptoms]:
            facts: dict[str, str | float] = dict(kb.families[family].implies)
            if symptom:
                facts.update(kb.symptoms[symptom].implies)
            obs = [Observation(id=k, value=v, source=Source(kind="symptom", detail=symptom or family))
                   for k, v in facts.items()]
            for _ in range(steps):
                out.append(list(obs))
                q = builder.diagnose(obs).next_question
                if q is None or not q.options:
                    break
                obs.append(Observation(id=q.observation, value=rnd.choice(q.options).value,
                                       source=Source(kind="answer", detail=q.id)))
    return out


def _diagnoses_in_child(cache: Path, paths: list[list[Observation]]) -> tuple[str, list[dict[str, object]]]:
    """Load the advisor from `cache` in a fresh interpreter and diagnose every path there."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from advisor.engine.cache import load_compiled\n"
        "from advisor.engine.observations import Observation\n"
        "advisor, how = load_compiled(None, Path(sys.argv[1]))\n"
        "paths = json.loads(sys.stdin.read())\n"
        "out = [advisor.diagnose([Observation.model_validate(o) for o in p]).model_dump(mode='json') for p in paths]\n"
        "print(json.dumps({'how': how, 'out': out}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ADVISOR_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", script, str(cache)], input=json.dumps(
        [[o.model_dump(mode="json") for o in p] for p in paths]), capture_output=True, text=True, env=env,
        check=True, timeout=300)
    data = json.loads(done.stdout)
    return data["how"], data["out"]


def test_a_cache_hit_diagnoses_every_opening_and_path_as_a_fresh_build(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh, how = load_compiled(None, cache)
    assert how == "miss"
    assert list(cache.glob(f"{PREFIX}*.pickle")), "the compiled advisor was not written"
    paths = _paths(fresh.kb)
    assert len(paths) > 100
    how, cached = _diagnoses_in_child(cache, paths)
    assert how == "hit"
    expected = [Advisor(fresh.kb).diagnose(p).model_dump(mode="json") for p in paths]
    assert len(cached) == len(expected)
    for path, got, want in zip(paths, cached, expected, strict=True):
        assert got == want, [o.id for o in path]


def test_a_hit_in_process_is_a_working_advisor(tmp_path: Path) -> None:
    load_compiled(None, tmp_path)
    advisor, how = load_compiled(None, tmp_path)
    assert how == "hit"
    d = advisor.diagnose([Observation(id="call_direction", value="termination", source=Source(kind="answer"))])
    assert isinstance(d, Diagnosis) and d.next_question is not None
    # the lock is recreated (two threads may share it) and the networks answer twice alike
    again = advisor.diagnose([Observation(id="call_direction", value="termination", source=Source(kind="answer"))])
    assert again == d


def test_a_corrupt_entry_is_rebuilt(tmp_path: Path) -> None:
    load_compiled(None, tmp_path)
    (entry,) = tmp_path.glob(f"{PREFIX}*.pickle")
    entry.write_bytes(entry.read_bytes()[: 5000])
    advisor, how = load_compiled(None, tmp_path)
    assert how == "miss"
    assert advisor.diagnose([]).causes
    assert load_compiled(None, tmp_path)[1] == "hit"


def test_an_edited_knowledge_file_is_a_new_key(tmp_path: Path) -> None:
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), kb_dir)
    cache = tmp_path / "cache"
    assert load_compiled(kb_dir, cache)[1] == "miss"
    assert load_compiled(kb_dir, cache)[1] == "hit"
    edited = kb_dir / "symptoms.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_compiled(kb_dir, cache)[1] == "miss"
    assert len(list(cache.glob(f"{PREFIX}*.pickle"))) == 1, "the entry of the old key is left behind"


def test_a_broken_knowledge_base_is_never_cached(tmp_path: Path) -> None:
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), kb_dir)
    (kb_dir / "symptoms.yaml").write_text("symptoms: [\n", encoding="utf-8")
    cache = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(KBError):
            load_compiled(kb_dir, cache)
    assert not list(cache.glob(f"{PREFIX}*.pickle"))


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_NO_CACHE", "1")
    advisor, how = load_compiled(None, tmp_path)
    assert how == "off" and not list(tmp_path.iterdir())
    assert advisor.diagnose([]).causes


def test_simultaneous_implications_fire_in_the_same_order_in_every_process() -> None:
    """Two implications derive call_answered = yes here; which one is shown as its source used to
    depend on identity hashes (it changed from one run to the next)."""
    script = (
        "from advisor.engine.diagnosis import Advisor\n"
        "from advisor.engine.observations import Observation, Source\n"
        "facts = {'call_direction': 'termination', 'call_outcome': 'audio_problem', 'invite_final_status': '2xx'}\n"
        "d = Advisor().diagnose([Observation(id=k, value=v, source=Source(kind='answer')) for k, v in facts.items()])\n"
        "print([(o.id, o.source.label()) for o in d.observations])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ADVISOR_NO_CACHE": "1"}
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
                           timeout=120).stdout for _ in range(3)}
    assert len(runs) == 1, runs
