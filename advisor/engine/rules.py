"""Experta rules generated from the knowledge base: no hand-written rule per cause.

For each cause and each alternative of its `requires`:
  - one "satisfies" rule per combination of listed values (a list becomes
    several rules, never an OR field constraint, which explodes in Rete);
  - one "violates" rule per condition, firing when a known value breaks it.
For each `supports` / `contradicts` / `confirmed_by` condition: one rule noting the evidence.
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
    kind: str  # satisfies | violates | supports | contradicts | confirmed_by
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


def _recorder(firings: tuple[Firing, ...]) -> Callable[[Any], None]:
    def fire(self: Any) -> None:
        self.fired.extend(firings)

    first = firings[0]
    fire.__name__ = f"{first.kind}_{first.cause}_{first.alt}_{first.obs}".replace(".", "_")
    return fire


def _key(cond: Condition) -> str:
    """Identity of a condition's test, so equal tests share one rule."""
    return cond.model_dump_json(exclude={"weight"}, by_alias=True)


def build_engine_class(kb: KnowledgeBase) -> tuple[type[KnowledgeEngine], RuleStats]:
    """Generate the KnowledgeEngine subclass whose rules encode every cause.

    Single-observation rules with the same test (e.g. `call_direction =
    termination`, required or supported by many causes) are generated once and
    record every cause they concern: fewer Rete nodes, same verdicts.
    """
    attrs: dict[str, Any] = {}
    stats = RuleStats()
    shared: dict[tuple[str, str], tuple[Any, list[Firing]]] = {}

    def add(firings: tuple[Firing, ...], *patterns: Any) -> None:
        name = f"r{stats.rules:05d}"
        attrs[name] = Rule(*patterns)(_recorder(firings))
        stats.rules += 1
        for f in firings:
            stats.per_kind[f.kind] = stats.per_kind.get(f.kind, 0) + 1

    def add_single(firing: Firing, obs: str, test_key: str, test: Any) -> None:
        shared.setdefault((obs, test_key), (test, []))[1].append(firing)

    for cause in kb.causes.values():
        for ai, alt in enumerate(cause.requires):
            names = list(alt)
            for combo in itertools.product(*(_value_tests(alt[o]) for o in names)):
                add((Firing("satisfies", cause.id, ai),), *(Obs(id=o, value=v) for o, v in zip(names, combo, strict=True)))
            for o, cond in alt.items():
                add_single(Firing("violates", cause.id, ai, o), o, "not " + _key(cond), P(_negate(cond)))
        for role in ("supports", "contradicts", "confirmed_by"):
            for o, cond in getattr(cause, role).items():
                for v in _value_tests(cond):
                    add_single(Firing(role, cause.id, -1, o), o, _key(cond) if not isinstance(v, str) else "=" + v, v)
    for (obs, _), (test, firings) in shared.items():
        add(tuple(firings), Obs(id=obs, value=test))

    def __init__(self: Any) -> None:
        KnowledgeEngine.__init__(self)
        self.fired = []
        ordered_conflict_set(self)
        flat_reset(self)
        freeze_deffacts(self)

    def run_all(self: Any) -> None:
        """Fire every activation found in one matching pass.

        Our actions only record what matched and never change working memory,
        so no firing can create or remove activations: one pass of the
        matcher is complete, instead of experta's one pass per firing.
        """
        added, removed = self.get_activations()
        self.strategy.update_agenda(self.agenda, added, removed)
        while (activation := self.agenda.get_next()) is not None:
            activation.rule(self, **{k: v for k, v in activation.context.items() if not k.startswith("__")})

    attrs["__init__"] = __init__
    attrs["run_all"] = run_all
    attrs["__getstate__"] = engine_state
    attrs["__setstate__"] = restore_engine
    return type("GeneratedTrunkRules", (KnowledgeEngine,), attrs), stats


def ordered_conflict_set(engine: Any) -> None:
    """Walk the fixed Rete network for its conflict-set nodes once, in the rules' own order.

    experta walks the network on every get_activations(); and the order it finds the
    nodes in follows a set of rules hashed by identity, so it changes from one process
    to the next. Activations that tie on experta's strategy (same salience, same facts)
    fire in this node order: sorted by rule name (generated names carry their number),
    which implication wins "first derivation" is the same in every process.
    """
    nodes = sorted(engine.matcher._get_conflict_set_nodes(), key=lambda node: node.rule._wrapped.__name__)
    engine.matcher._get_conflict_set_nodes = lambda: nodes


def flat_reset(engine: Any) -> None:
    """Clear every node's memory once per reset.

    experta resets the network recursively from the root, visiting a node again for every
    parent it has (shared alpha tests are reached from several rules);
    every diagnosis starts with a reset, so the fixed set of distinct nodes is listed once.
    """
    nodes: list[Any] = []
    seen: set[int] = set()
    stack = [engine.matcher.root_node]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(child.node for child in node.children)

    def reset() -> None:
        for node in nodes:
            node._reset()

    engine.matcher.reset = reset


def freeze_deffacts(engine: Any) -> None:
    """reset() rediscovers the engine's DefFacts by introspection every time: look them up once.

    DefFacts remember the engine they were last read from, so this is redone when an
    engine is read back from the compiled cache (`restore_engine`), never copied.
    """
    deffacts = KnowledgeEngine.get_deffacts(engine)
    engine.get_deffacts = lambda: deffacts


def engine_state(engine: Any) -> dict[str, Any]:
    """What a generated engine pickles: everything but its DefFacts shortcut (see `freeze_deffacts`)."""
    state = dict(engine.__dict__)
    state.pop("get_deffacts", None)
    return state


def restore_engine(engine: Any, state: dict[str, Any]) -> None:
    engine.__dict__.update(state)
    freeze_deffacts(engine)


def _negate(cond: Condition) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        return not cond.holds(value)

    return test
