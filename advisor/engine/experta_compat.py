"""Import experta on Python >= 3.10.

experta 1.9.4 (the last release) pins frozendict==1.2, whose class derives
from `collections.Mapping`; that alias was removed in Python 3.10, so a plain
`import experta` fails. Restoring the aliases from collections.abc before the
first import lets the pinned, unmodified packages work, so `pip install .`
needs no extra flags or forks. tests/test_experta_compat.py proves it in a
fresh interpreter.
"""

from __future__ import annotations

import collections
import collections.abc

for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Hashable", "Callable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

import experta  # noqa: E402
from experta import AND, Fact, KnowledgeEngine, P, Rule  # noqa: E402

__all__ = ["AND", "Fact", "KnowledgeEngine", "P", "Rule", "experta"]
