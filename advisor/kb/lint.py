"""Graph lint for `advisor kb check`: structural promises the engine relies on."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from advisor.engine.derive import Deriver
from advisor.engine.model import compile_model
from advisor.kb.consistency import check as check_consistency
from advisor.kb.graph import build_graph, node
from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import CauseDef


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Literal["error", "warning"]
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


def _breaks(kb: KnowledgeBase, cause: CauseDef, obs: str, value: str | float,
            deriver: Deriver | None = None) -> bool:
    """Would this single answer (with what it implies, derived facts included) rule the cause out on its own?"""
    facts = deriver.closure({}, {obs: value}) if deriver else {obs: value, **kb.implied_by(obs, value)}
    for o, v in facts.items():
        hard = cause.contradicts.get(o)
        if hard is not None and (hard.weight or 0) >= 1.0 and hard.holds(v):
            return True
    return all(any(o in alt and not alt[o].holds(v) for o, v in facts.items()) for alt in cause.requires)


def lint(kb: KnowledgeBase) -> list[Finding]:
    out: list[Finding] = []
    g = build_graph(kb)
    model = compile_model(kb)
    deriver = Deriver(kb)

    def at(owner: str, *path: str | int) -> tuple[str, int]:
        loc = kb.where.get(owner)
        return loc.at(*path) if loc else ("knowledge", 1)

    def err(owner: str, msg: str, *path: str | int, severity: Literal["error", "warning"] = "error") -> None:
        f, line = at(owner, *path)
        out.append(Finding(severity, f, line, msg))

    for cid in kb.catalog:
        if cid not in kb.causes:
            out.append(Finding("error", "knowledge/catalog.yaml", 1, f"catalog cause {cid!r} has no entry in causes/*.yaml"))

    roots = [n for n in g.nodes if n[0] in ("symptom", "family")]
    reachable: set[tuple[str, str]] = set()
    for r in roots:
        reachable |= nx.descendants(g, r)
    for cid in kb.causes:
        if node("cause", cid) not in reachable:
            err(cid, "cause is not reachable from any symptom", "symptom")
        if not any(b[0] == "fix" for b in g.successors(node("cause", cid))):
            err(cid, "cause has no fix", "fix")

    for q in kb.questions.values():
        samples = model.cells[q.observation].samples
        if not any(_breaks(kb, c, q.observation, v, deriver) for c in kb.causes.values() for v in samples):
            requires = any(q.observation in alt for c in kb.causes.values() for alt in c.requires) or any(
                q.observation in c.confirmed_by for c in kb.causes.values())
            soft = any(q.observation in c.supports or q.observation in c.contradicts for c in kb.causes.values())
            if not requires:
                err(q.id, f"question can never change the candidate set: no cause requires or excludes {q.observation}"
                    + (" (it only shifts likelihoods, so it is never asked)" if soft else ""), "observation",
                    severity="warning" if soft else "error")

    for a, b in itertools.combinations(kb.causes.values(), 2):
        declared = {x.cause for x in a.indistinguishable_from} | {x.cause for x in b.indistinguishable_from}
        if a.id in declared or b.id in declared:
            continue
        separable = False
        for obs in (a.required_observations() | b.required_observations() | set(a.contradicts) | set(b.contradicts)):
            if any(_breaks(kb, a, obs, v, deriver) != _breaks(kb, b, obs, v, deriver) for v in model.cells[obs].samples):
                separable = True
                break
        if not separable:
            err(a.id, f"no observation can tell {a.id} from {b.id} (declare indistinguishable_from with a reason)")

    cyclic = [c for c in nx.simple_cycles(g)]
    for cycle in cyclic[:5]:
        out.append(Finding("error", "knowledge", 1, "cycle in the decision graph: " + " -> ".join(f"{k}:{i}" for k, i in cycle)))

    def consistency(owner: str, message: str, path: tuple[str | int, ...]) -> None:
        err(owner, "inconsistent: " + message, *path)

    cells = {o: list(model.cells[o].samples) for o in kb.observations}
    check_consistency(kb, deriver, cells, consistency)

    used = {o for c in kb.causes.values() for o in (c.required_observations() | set(c.supports) | set(c.contradicts))}
    used |= {o for imp in kb.implications for o in (*imp.when, *imp.then)}
    for obs in kb.observations:
        if obs not in used:
            err(obs, f"observation {obs} is used by no cause", severity="warning")
    for cause in kb.causes.values():
        for role in ("supports", "contradicts"):
            for obs in getattr(cause, role):
                if all(obs in alt for alt in cause.requires):
                    err(cause.id, f"{obs} is both required and in {role}: the {role} entry is ignored", role, obs,
                        severity="warning")
    return out
