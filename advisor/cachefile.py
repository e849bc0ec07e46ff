"""One cache entry replaced atomically, the entries of older keys removed: shared by every cache.

The knowledge cache (advisor/kb/cache.py), the compiled-advisor cache
(advisor/engine/cache.py) and the trace knowledge cache (advisor/evidence/knowledge.py)
each keep one current entry per key in the user cache directory. A reader must never
see half an entry (temp file + rename), and an entry of an older key is garbage once
a new one is written. Caches are a speed-up only: every failure here is ignored and the
caller simply rebuilds next time. Standard library only (the trace path avoids heavier imports).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def replace_entry(entry: Path, write: Callable[[IO[bytes]], object], *, stale: str) -> None:
    """Write `entry` with `write(file)` atomically, then delete the files matching `stale` (a glob
    in the same directory) other than `entry`. Never raises."""
    where = entry.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{entry.name}.", suffix=".tmp", dir=where)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        for old in where.glob(stale):
            if old != entry:
                with contextlib.suppress(OSError):
                    old.unlink()
    except Exception:
        return
