"""Experta rules generated from the knowledge base: no hand-written rule per cause.

For each cause and each alternative of its `requires`:
  - one "satisfies" rule per combination of listed values (a list becomes
    several rules, never an OR field constraint, which explodes in Rete);
  - one "violates" rule per condition, firing when a known value breaks it.
For each `supports` / `contradicts` condition: one rule noting the evidence.
Rule actions only record what fired; verdicts are derived from that record.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from advisor.engine.experta_compat import Fact, KnowledgeEngine, P, Rule
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import Condition


class Obs(Fact):
    """An observation fact: id, value and the source label (for the audit trail)."""


@dataclass(frozen=True, slots=True)
class Firing:
    kind: str  # satisfies | violates | supports | contradicts
    cause: str
    alt: int = -1
    obs: str = ""


@dataclass
class RuleStats:
    rules: int = 0
    per_kind: dict[str, int] = field(default_factory=dict)


def _value_tests(cond: Condition) -> list[Any]:
    """Alternatives of a condition as Rete field tests: literals where possible."""
    if cond.is_ is not None:
        return [cond.is_]
    if cond.in_ is not None:
        return list(cond.in_)
    return [P(cond.holds)]


def _recorder(firing: Firing) -> Callable[[Any], None]:
    def fire(self: Any) -> None:
        self.fired.append(firing)

    fire.__name__ = f"{firing.kind}_{firing.cause}_{firing.alt}_{firing.obs}".replace(".", "_")
    return fire


def build_engine_class(kb: KnowledgeBase) -> tuple[type[KnowledgeEngine], RuleStats]:
    """Generate the KnowledgeEngine subclass whose rules encode every cause."""
    attrs: dict[str, Any] = {}
    stats = RuleStats()

    def add(firing: Firing, *patterns: Any) -> None:
        name = f"r{stats.rules:05d}"
        attrs[name] = Rule(*patterns)(_recorder(firing))
        stats.rules += 1
        stats.per_kind[firing.kind] = stats.per_kind.get(firing.kind, 0) + 1

    for cause in kb.causes.values():
        for ai, alt in enumerate(cause.requires):
            names = list(alt)
            for combo in itertools.product(*(_value_tests(alt[o]) for o in names)):
                add(Firing("satisfies", cause.id, ai), *(Obs(id=o, value=v) for o, v in zip(names, combo, strict=True)))
            for o, cond in alt.items():
                add(Firing("violates", cause.id, ai, o), Obs(id=o, value=P(_negate(cond))))
        for o, cond in cause.supports.items():
            for v in _value_tests(cond):
                add(Firing("supports", cause.id, -1, o), Obs(id=o, value=v))
        for o, cond in cause.contradicts.items():
            for v in _value_tests(cond):
                add(Firing("contradicts", cause.id, -1, o), Obs(id=o, value=v))

    def __init__(self: Any) -> None:
        KnowledgeEngine.__init__(self)
        self.fired = []

    attrs["__init__"] = __init__
    return type("GeneratedTrunkRules", (KnowledgeEngine,), attrs), stats


def _negate(cond: Condition) -> Callable[[Any], bool]:
    return lambda value: not cond.holds(value)
