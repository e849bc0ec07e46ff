"""A cache of the compiled advisor: the knowledge base *and* its built experta networks.

Building the Rete networks of the generated rules (~390 rules for the causes, ~100
for the implications) costs about 0.2 s CPU on every start, more than reading the
knowledge base itself; the result depends only on the knowledge files and our code.
experta's networks hold closures (its field checks, our rule actions), which the
standard pickler refuses, so they are written with cloudpickle (functions by value)
and read back with plain `pickle.loads` (~40 ms). experta's tuple-based node types
have constructors that do work on their arguments; they are rebuilt from their
stored fields instead of calling those constructors again.

The key is `advisor.kb.cache.knowledge_key` (knowledge files, kb/engine code, advisor,
Python and pydantic versions) plus the experta and cloudpickle versions. Any failure
(unreadable, truncated, foreign entry; no cache directory) falls back to building,
and a knowledge base with problems is never cached (the loader raises every time).
`ADVISOR_NO_CACHE=1` turns it off, `ADVISOR_CACHE_DIR` moves it (shared with the kb cache).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.engine.diagnosis import Advisor

PREFIX = "advisor-"
_RECURSION = 20_000
"""The networks are deep object graphs: pickling them needs more than Python's default 1,000 frames."""


def _versions() -> str:
    """What else shapes the pickled networks: experta's classes and cloudpickle's loaders.

    Read from the modules (imported anyway to load the entry), not from importlib.metadata,
    whose import costs more than reading the whole cache entry.
    """
    import cloudpickle

    import advisor.engine.experta_compat as compat

    return f"experta={compat.experta.__version__}|cloudpickle={cloudpickle.__version__}"


def compiled_key(root: Path) -> str:
    from advisor.kb.cache import knowledge_key

    return f"{knowledge_key(root)[:24]}{_digest(_versions())}"


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:8]


def load_compiled(directory: Path | None = None, cache: Path | None = None) -> tuple[Advisor, str]:
    """The compiled advisor, from the cache when current. Returns (advisor, how): "hit", "miss" or "off".

    Raises what `load_kb` raises (KBError with every problem) for a broken knowledge base.
    """
    from advisor.engine.diagnosis import Advisor
    from advisor.kb.cache import ENV_OFF, cache_dir, load_cached
    from advisor.kb.paths import default_knowledge_dir

    root = (directory or default_knowledge_dir()).resolve()
    if os.environ.get(ENV_OFF):
        kb, how = load_cached(root)
        return Advisor(kb), how
    try:
        where = cache or cache_dir()
        entry = where / f"{PREFIX}{compiled_key(root)}.pickle"
    except (OSError, ImportError):
        kb, _ = load_cached(root)
        return Advisor(kb), "off"
    advisor = _read(entry, root)
    if advisor is not None:
        return advisor, "hit"
    kb, _ = load_cached(root, where)
    advisor = Advisor(kb)
    _write(entry, advisor)
    return advisor, "miss"


def _read(entry: Path, root: Path) -> Advisor | None:
    from advisor.engine.diagnosis import Advisor

    try:
        data = entry.read_bytes()
    except OSError:
        return None
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _RECURSION))
        advisor = pickle.loads(data)
    except Exception:  # truncated, corrupt, or written by other code: rebuild it
        with contextlib.suppress(OSError):
            entry.unlink()
        return None
    finally:
        sys.setrecursionlimit(limit)
    if not isinstance(advisor, Advisor) or advisor.kb.root != root:
        return None
    return advisor


def _rebuild_tuple(cls: type[tuple[object, ...]], fields: tuple[object, ...],
                   state: dict[str, object] | None) -> tuple[object, ...]:
    """An experta node rebuilt from its stored fields (its own __new__ would recompute, or refuse, them)."""
    obj = tuple.__new__(cls, fields)
    if state:
        obj.__dict__.update(state)
    return obj


def dumps(advisor: Advisor) -> bytes:
    """The advisor as bytes `pickle.loads` can read (cloudpickle needed only here, to write)."""
    import cloudpickle

    class Writer(cloudpickle.CloudPickler):
        def reducer_override(self, obj: object) -> object:
            kind = type(obj)
            if (isinstance(obj, tuple) and kind.__module__.startswith("experta.")
                    and kind.__new__ is not tuple.__new__):
                return _rebuild_tuple, (kind, tuple(obj), getattr(obj, "__dict__", None) or None)
            return super().reducer_override(obj)

    out = io.BytesIO()
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, _RECURSION))
        Writer(out, protocol=pickle.HIGHEST_PROTOCOL).dump(advisor)
    finally:
        sys.setrecursionlimit(limit)
    return out.getvalue()


def _write(entry: Path, advisor: Advisor) -> None:
    """Write atomically; drop entries of other keys. Failures are ignored (advisor/cachefile.py)."""
    from advisor.cachefile import replace_entry

    try:
        data = dumps(advisor)
    except Exception:  # something in the networks cloudpickle cannot write: start without a cache
        return
    replace_entry(entry, lambda out: out.write(data), stale=f"{PREFIX}*.pickle")
