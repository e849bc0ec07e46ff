"""A cache of the validated knowledge base, keyed by a hash of everything it was built from.

Reading and validating the YAML (C YAML parse, pydantic validation, cross-checks) is a
good part of a cold start; the result is the same until a knowledge file or the code
that reads it changes. So the validated `KnowledgeBase` is pickled into the user cache
directory under a key made of the knowledge files' contents, the kb/engine code, the
advisor, Python and pydantic versions. Any change gives a new key (old entries are
removed); an unreadable, truncated or foreign entry is ignored and rewritten. The cache
is a speed-up only: every failure falls back to `load_kb`, and a knowledge base with
problems is never cached (the loader raises, with file:line, every time).

`ADVISOR_CACHE_DIR` overrides the directory; `ADVISOR_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.kb.loader import KnowledgeBase

ENV_DIR = "ADVISOR_CACHE_DIR"
ENV_OFF = "ADVISOR_NO_CACHE"
PREFIX = "kb-"
_CODE = ("kb", "engine")
"""Packages whose code shapes the cached objects (a change there invalidates the cache)."""


def cache_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sip-trunk-advisor"))


def knowledge_key(root: Path) -> str:
    """A digest of every knowledge file (path and bytes) and of the code that reads them."""
    from advisor import __version__

    h = hashlib.sha256()
    h.update(f"{__version__}|{sys.version}|{_pydantic_version()}".encode())
    package = Path(__file__).resolve().parent.parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    code = sorted(p for sub in _CODE for p in (package / sub).glob("*.py"))
    for base, group in ((root, files), (package, code)):
        for p in group:
            h.update(str(p.relative_to(base)).encode() + b"\0")
            h.update(p.read_bytes())
            h.update(b"\0")
    return h.hexdigest()[:32]


def _pydantic_version() -> str:
    import pydantic  # needed anyway: the cached objects are pydantic models

    return str(pydantic.VERSION)


def load_cached(directory: Path | None = None, cache: Path | None = None) -> tuple[KnowledgeBase, str]:
    """The knowledge base, from the cache when it is current. Returns (kb, how): "hit", "miss" or "off".

    Raises what `load_kb` raises (KBError with every problem) for a broken knowledge base.
    """
    from advisor.kb.paths import default_knowledge_dir

    root = (directory or default_knowledge_dir()).resolve()
    if os.environ.get(ENV_OFF):
        return _load(root), "off"
    try:
        where = cache or cache_dir()
        key = knowledge_key(root)
    except (OSError, ImportError):
        return _load(root), "off"
    entry = where / f"{PREFIX}{key}.pickle"
    kb = _read(entry, root)
    if kb is not None:
        return kb, "hit"
    kb = _load(root)
    _write(entry, kb)
    return kb, "miss"


def _load(root: Path) -> KnowledgeBase:
    from advisor.kb.loader import load_kb

    return load_kb(root)


def _read(entry: Path, root: Path) -> KnowledgeBase | None:
    from advisor.kb.loader import KnowledgeBase

    try:
        data = entry.read_bytes()
    except OSError:
        return None
    try:
        kb = pickle.loads(data)
    except Exception:  # truncated, corrupt, or pickled by other code: rebuild it
        with contextlib.suppress(OSError):
            entry.unlink()
        return None
    if not isinstance(kb, KnowledgeBase) or kb.root != root:
        return None
    return kb


def _write(entry: Path, kb: KnowledgeBase) -> None:
    """Write atomically; drop entries of other keys. Failures are ignored (advisor/cachefile.py)."""
    from advisor.cachefile import replace_entry

    replace_entry(entry, lambda out: pickle.dump(kb, out, protocol=pickle.HIGHEST_PROTOCOL),
                  stale=f"{PREFIX}*.pickle")
