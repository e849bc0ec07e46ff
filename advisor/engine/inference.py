"""Run the generated rules on a set of observations and derive each cause's verdict.

Every call starts from a fresh working memory (reset + declare all facts), so
changing an earlier answer gives exactly what a fresh run with the new answers
gives: experta has no truth maintenance to get wrong.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from advisor.engine.model import CompiledModel, compile_model
from advisor.engine.observations import Observation
from advisor.engine.rules import Firing, Obs, RuleStats, build_engine_class
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN

Status = Literal["confirmed", "candidate", "ruled_out"]

CONFIRMED_LEAK = 0.05
"""Share of belief left to unconfirmed candidates once a cause is confirmed."""


@dataclass
class CauseState:
    cause: str
    status: Status
    satisfied: set[int] = field(default_factory=set)
    violated: dict[int, list[str]] = field(default_factory=dict)
    supports: list[str] = field(default_factory=list)
    contradicts: list[str] = field(default_factory=list)
    excluded_by: list[str] = field(default_factory=list)
    confirmed_by: list[str] = field(default_factory=list)
    confidence: float = 0.0
    alternatives: int = 1
    held_back: str | None = None  # why a cause whose evidence is complete is not confirmed (a conflict)

    def open_alternatives(self) -> list[int]:
        return [a for a in range(self.alternatives) if a not in self.violated]


class Reasoner:
    """Compiled knowledge (rules + probability model), reusable across steps."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.model: CompiledModel = compile_model(kb)
        engine_class, stats = build_engine_class(kb)
        self.rule_stats: RuleStats = stats
        self._engine = engine_class()
        self._lock = threading.Lock()  # one working memory: one step at a time (TUI workers are threads)

    def __getstate__(self) -> dict[str, object]:
        """Pickled into the compiled cache (advisor/engine/cache.py): all but the lock."""
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def infer(self, known: dict[str, Observation], contested: frozenset[str] = frozenset()) -> dict[str, CauseState]:
        """Each cause's verdict. A confirmation never rests on a contested fact, and
        two causes that cannot both be true are never confirmed together: both
        stay candidates with `held_back` saying why."""
        with self._lock:
            fired = self._match(known)
        return self._verdicts(fired, known, contested)

    def proof(self, st: CauseState) -> set[str]:
        """The observations a confirmed cause's proof uses (a satisfied alternative, or its confirmer)."""
        cause = self.kb.causes[st.cause]
        used: set[str] = set(st.confirmed_by)
        for alt in st.satisfied - set(st.violated):
            used |= set(cause.requires[alt])
        return used

    def _match(self, known: dict[str, Observation]) -> list[Firing]:
        engine = self._engine
        engine.reset()
        engine.fired = []
        facts = [Obs(id=o.id, value=o.value, source=o.source.label()) for o in known.values()
                 if o.value != UNKNOWN and o.id in self.kb.observations]
        if facts:
            engine.declare(*facts)  # one call: experta matches once per declare() call
        engine.run_all()
        return list(engine.fired)

    def _verdicts(self, fired: list[Firing], known: dict[str, Observation],
                  contested: frozenset[str] = frozenset()) -> dict[str, CauseState]:
        states = {cid: CauseState(cid, "candidate", alternatives=len(c.requires))
                  for cid, c in self.kb.causes.items()}
        for f in fired:
            st = states[f.cause]
            if f.kind == "satisfies":
                st.satisfied.add(f.alt)
            elif f.kind == "violates":
                st.violated.setdefault(f.alt, []).append(f.obs)
            elif f.kind == "supports":
                if f.obs not in st.supports:
                    st.supports.append(f.obs)
            elif f.kind == "contradicts" and f.obs not in st.contradicts:
                st.contradicts.append(f.obs)
            elif f.kind == "confirmed_by" and f.obs not in st.confirmed_by:
                st.confirmed_by.append(f.obs)
        for cid, st in states.items():
            cause = self.kb.causes[cid]
            # Firing order follows declaration order; verdicts must not.
            st.supports = [o for o in cause.supports if o in st.supports]
            st.contradicts = [o for o in cause.contradicts if o in st.contradicts]
            for alt, broken in st.violated.items():
                st.violated[alt] = [o for o in cause.requires[alt] if o in broken]
            st.excluded_by = [o for o in st.contradicts if (cause.contradicts[o].weight or 0) >= 1.0]
            if len(st.violated) == len(cause.requires) or st.excluded_by:
                st.status = "ruled_out"
            elif st.satisfied - set(st.violated) or st.confirmed_by:
                st.status = "confirmed"
                decisive = {o for o, c in self.kb.causes[cid].contradicts.items() if (c.weight or 0) >= 1.0}
                resting = (self.proof(st) | decisive) & contested
                if resting:
                    st.status = "candidate"
                    st.held_back = "a fact that decides it is contested: " + ", ".join(sorted(resting))
        confirmed_now = [c for c, st in states.items() if st.status == "confirmed"]
        for cid in confirmed_now:
            others = [o for o in confirmed_now if o != cid and o not in self.kb.causes[cid].compatible_with
                      and cid not in self.kb.causes[o].compatible_with]
            if others:
                states[cid].held_back = "also proven: " + ", ".join(others) + " (they cannot both explain one call)"
        for cid in confirmed_now:
            if states[cid].held_back:
                states[cid].status = "candidate"
        values = {o.id: o.value for o in known.values()}
        alive = [c for c, st in states.items() if st.status != "ruled_out"]

        posterior = self.model.posterior(values, alive)
        confirmed = {c for c in alive if states[c].status == "confirmed"}
        if confirmed:
            # A confirmed cause has all its required evidence: it takes most of the mass.
            inside = sum(posterior[c] for c in confirmed) or 1.0
            outside = sum(p for c, p in posterior.items() if c not in confirmed) or 1.0
            for c, p in posterior.items():
                posterior[c] = (1 - CONFIRMED_LEAK) * p / inside if c in confirmed else CONFIRMED_LEAK * p / outside
        for cid, p in posterior.items():
            states[cid].confidence = p
        return states
