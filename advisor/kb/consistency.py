"""Consistency lint: do the causes agree with what the facts imply?

Each cause lists its own `requires`/`contradicts`; implications.yaml says
what facts imply about the call path. This module checks the two against
each other, so a cause can never be confirmed or kept alive by facts the
rest of the knowledge says are impossible:

  * an alternative of `requires` whose own facts (with what they imply) break
    it, or satisfy a weight-1 contradiction of the same cause: it could only
    ever be "confirmed" by facts that also rule the cause out;
  * a cause of one call direction that the other direction does not rule out;
  * a cause whose `requires` can still be met under a symptom of another
    problem family (the symptom's facts, with what they imply, break none of
    its alternatives) unless it declares that symptom in `also_under`;
  * a cause beyond the guide (not in the catalog) without `sources`.
"""

from __future__ import annotations

from collections.abc import Callable

from advisor.engine.derive import Deriver, Value
from advisor.kb.loader import KnowledgeBase, cause_direction
from advisor.kb.models import UNKNOWN, CauseDef, Condition

Report = Callable[[str, str, tuple[str | int, ...]], None]


def _witness(obs_type: str, cond: Condition, samples: list[Value]) -> Value | None:
    """One value that satisfies the condition (a sample of the observation's cells)."""
    return next((s for s in samples if cond.holds(s)), None)


def _broken(cause: CauseDef, facts: dict[str, Value]) -> str | None:
    """Why these facts rule the cause out, or None."""
    for o, cond in cause.contradicts.items():
        if (cond.weight or 0) >= 1.0 and o in facts and facts[o] != UNKNOWN and cond.holds(facts[o]):
            return f"{o} = {facts[o]} is a weight-1 contradiction"
    broken = []
    for alt in cause.requires:
        bad = [o for o, cond in alt.items() if o in facts and facts[o] != UNKNOWN and not cond.holds(facts[o])]
        if not bad:
            return None
        broken.append(bad[0])
    return "every alternative of requires is broken (" + ", ".join(f"{o} = {facts[o]}" for o in broken) + ")"


def check(kb: KnowledgeBase, deriver: Deriver, samples: dict[str, list[Value]], report: Report) -> None:
    """Run every consistency check; `report(owner, message, path)` records a finding."""
    directions = kb.observations.get("call_direction")
    for cause in kb.causes.values():
        # 1. alternatives that their own implications defeat
        for i, alt in enumerate(cause.requires):
            facts: dict[str, Value] = {}
            for o, cond in alt.items():
                w = _witness(kb.observations[o].type, cond, samples.get(o, []))
                if w is not None:
                    facts[o] = w
            added = deriver.closure({}, facts)
            closed = {**facts, **added}
            for o, cond in alt.items():
                if o in added and not cond.holds(added[o]):
                    report(cause.id, f"requires alternative {i + 1} can never hold: its own facts imply "
                                     f"{o} = {added[o]}", ("requires", i))
            for o, cond in cause.contradicts.items():
                if (cond.weight or 0) >= 1.0 and o in closed and cond.holds(closed[o]):
                    why = "it requires" if o in facts else "its requirements imply"
                    report(cause.id, f"could be confirmed by facts that also rule it out: {why} {o} = {closed[o]},"
                                     f" a weight-1 contradiction", ("requires", i))
        # 2. the other call direction must rule a directed cause out
        own = cause_direction(cause)
        if directions is not None and own != "any":
            for other in directions.values:
                if other != own:
                    facts = {"call_direction": other, **deriver.closure({}, {"call_direction": other})}
                    if _broken(cause, facts) is None:
                        report(cause.id, f"a {own} cause stays possible on a {other} call", ("id",))
        # 3. symptoms of another family must not leave it possible
        home = kb.symptoms.get(cause.symptom)
        for sym in kb.symptoms.values():
            if home is None or sym.family == home.family or sym.id in cause.also_under:
                continue
            facts = {"symptom": sym.id, **deriver.closure({}, {"symptom": sym.id})}
            if _broken(cause, facts) is None:
                report(cause.id, f"its requires can still be met under {sym.id} ({sym.family}), a symptom of "
                                 f"another family: rule it out there, or list the symptom in also_under", ("symptom",))
        # 4. beyond the guide: sources
        if kb.catalog and cause.id not in kb.catalog and not cause.sources:
            report(cause.id, "a cause beyond the guide needs `sources` (where each fact is documented)", ("id",))
