"""Derived facts: forward chaining over knowledge/implications.yaml in experta.

The stated facts (answers, trace findings, probes) go into a fresh working
memory; each implication is a generated rule whose action declares the facts
that follow, so derived facts trigger further implications (forward
chaining). A derived fact

  * keeps the premises it was derived from ("derived from X=a and Y=b"),
  * never overrides a stated fact: when a stated value differs from what the
    implication says, the pair is recorded as a conflict to resolve,
  * is the first derivation of that fact; a second implication deriving
    another value is a conflict as well.

`closure()` is the same forward chaining in plain Python for what-if
questions ("if the answer were v, what would follow?"), which the question
choice asks hundreds of times per step; tests keep both in agreement.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from advisor.engine.experta_compat import Fact, KnowledgeEngine, P, Rule, experta
from advisor.engine.observations import Observation, Source
from advisor.engine.rules import engine_state, flat_reset, freeze_deffacts, ordered_conflict_set, restore_engine
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN, Condition, ImplicationDef

Value = str | float


class Known(Fact):
    """A fact in the derivation memory: id, value, and whether it was derived."""


@dataclass(frozen=True)
class FactConflict:
    """A fact stated one way while the knowledge (or another source) says otherwise."""

    observation: str
    stated: Value
    stated_source: str
    other: Value
    other_source: str
    derived_from: tuple[str, ...] = ()
    rule: str | None = None
    why: str | None = None

    def question(self) -> str:
        if self.rule is None:
            return (f"{self.observation}: {self.stated_source} says {self.stated}, but {self.other_source} says "
                    f"{self.other}: which is right?")
        premises = " and ".join(self.derived_from)
        return (f"You said {self.observation} = {self.stated}, but {premises} implies {self.observation} = "
                f"{self.other} ({self.why}) Which is wrong?")


@dataclass
class Derivation:
    facts: dict[str, Observation]
    derived: dict[str, Observation] = field(default_factory=dict)
    conflicts: list[FactConflict] = field(default_factory=list)


def _tests(cond: Condition) -> list[Any]:
    if cond.is_ is not None:
        return [cond.is_]
    if cond.in_ is not None:
        return list(cond.in_)
    return [P(cond.holds)]


class Deriver:
    """The implications compiled once into an experta engine, plus an index for `closure`."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.implications = list(kb.implications)
        self._by_obs: dict[str, list[ImplicationDef]] = {}
        for imp in self.implications:
            for o in imp.when:
                self._by_obs.setdefault(o, []).append(imp)
        self._engine = self._build()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled into the compiled cache (advisor/engine/cache.py): all but the lock."""
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # ---- experta -----------------------------------------------------------
    def _build(self) -> KnowledgeEngine:
        attrs: dict[str, Any] = {}
        n = 0
        for imp in self.implications:
            names = list(imp.when)
            for combo in itertools.product(*(_tests(imp.when[o]) for o in names)):
                patterns = [getattr(experta.AS, f"f{i}") << Known(id=o, value=v)
                            for i, (o, v) in enumerate(zip(names, combo, strict=True))]
                attrs[f"i{n:04d}"] = Rule(*patterns)(_action(imp, len(names), n))
                n += 1

        def __init__(self: Any) -> None:
            KnowledgeEngine.__init__(self)
            self.deriver_state = None
            ordered_conflict_set(self)
            flat_reset(self)
            freeze_deffacts(self)

        attrs["__init__"] = __init__
        attrs["__getstate__"] = engine_state
        attrs["__setstate__"] = restore_engine
        engine_class: type[KnowledgeEngine] = type("GeneratedImplications", (KnowledgeEngine,), attrs)
        return engine_class()

    def derive(self, stated: dict[str, Observation]) -> Derivation:
        """Forward-chain from the stated facts; unknown answers are not facts but may be filled."""
        state = _State(stated={k: o for k, o in stated.items() if o.value != UNKNOWN})
        with self._lock:
            engine = self._engine
            engine.reset()
            engine.deriver_state = state
            # sorted: the same facts in any order give the same derivation (first derivation wins)
            facts = [Known(id=o.id, value=o.value) for _, o in sorted(state.stated.items())]
            if facts:
                engine.declare(*facts)
            engine.run()
            engine.deriver_state = None
        out = dict(stated)
        out.update(state.derived)
        return Derivation(facts=out, derived=state.derived, conflicts=state.conflicts)

    # ---- plain closure for what-if questions --------------------------------
    def closure(self, values: dict[str, Value], new: dict[str, Value]) -> dict[str, Value]:
        """The facts that `new` adds to `values` (itself included), by the same implications.

        `values` is taken as already closed; only implications touching a new
        fact are revisited. Known values are never overwritten.
        """
        facts = dict(values)
        added: dict[str, Value] = {}
        queue: list[str] = []
        for o, v in new.items():
            if facts.get(o, UNKNOWN) == UNKNOWN:
                facts[o] = v
                added[o] = v
                queue.append(o)
        while queue:
            o = queue.pop()
            for imp in self._by_obs.get(o, ()):
                if not _holds(imp.when, facts):
                    continue
                for t, v in imp.then.items():
                    if facts.get(t, UNKNOWN) == UNKNOWN:
                        facts[t] = v
                        added[t] = v
                        queue.append(t)
        return added


def _holds(when: dict[str, Condition], facts: dict[str, Value]) -> bool:
    for o, cond in when.items():
        v = facts.get(o, UNKNOWN)
        if v == UNKNOWN or not cond.holds(v):
            return False
    return True


@dataclass
class _State:
    stated: dict[str, Observation]
    derived: dict[str, Observation] = field(default_factory=dict)
    conflicts: list[FactConflict] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    def conclude(self, imp: ImplicationDef, premises: list[tuple[str, Value]]) -> list[Known]:
        chain = tuple(f"{o}={_text(v)}" for o, v in premises)
        new: list[Known] = []
        for o, v in imp.then.items():
            holder = self.stated.get(o) or self.derived.get(o)
            if holder is not None:
                if _same(holder.value, v):
                    continue
                key = (o, imp.id, _text(holder.value))
                if key not in self._seen:
                    self._seen.add(key)
                    self.conflicts.append(FactConflict(
                        observation=o, stated=holder.value, stated_source=holder.source.label(), other=v,
                        other_source=f"derived:{imp.id}", derived_from=chain, rule=imp.id, why=imp.why))
                continue
            if imp.id.startswith("symptom:"):  # the guide's heading: shown as before, as the symptom's implication
                source = Source(kind="symptom", detail=f"implied by {' and '.join(chain)}", derived_from=list(chain))
            else:
                source = Source(kind="derived", detail=f"derived from {' and '.join(chain)} ({imp.id})",
                                derived_from=list(chain))
            self.derived[o] = Observation(id=o, value=v, source=source, note=imp.why)
            new.append(Known(id=o, value=v))
        return new


def _same(a: Value, b: Value) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _text(v: Value) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _action(imp: ImplicationDef, arity: int, order: int) -> Callable[..., None]:
    def fire(self: Any, **bound: Any) -> None:
        state: _State | None = self.deriver_state
        if state is None:
            return
        premises = [(bound[f"f{i}"]["id"], bound[f"f{i}"]["value"]) for i in range(arity)]
        for fact in state.conclude(imp, premises):
            self.declare(fact)

    # the number first: the order in which simultaneous implications fire (`ordered_conflict_set`)
    fire.__name__ = f"implies_{order:04d}_" + imp.id.replace(".", "_").replace(":", "_").replace("-", "_")
    return fire


def derived_chain(facts: Iterable[Observation]) -> dict[str, list[str]]:
    """For tickets: each derived fact's premises, by observation id."""
    return {o.id: list(o.source.derived_from or []) for o in facts if o.source.kind == "derived"}
