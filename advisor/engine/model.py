"""The probabilistic side of the knowledge: P(answer | cause) per observation.

Rules decide what is confirmed or ruled out; this model ranks what remains and
lets question choice predict how each answer would split the candidates.
Numbers are cut into cells at the thresholds causes mention, so a TTL of 8 and
one of 10 count as the same answer when no cause tells them apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import UNKNOWN, CauseDef, Condition, ObservationDef

EPS = 1e-6
CONFIRMER_WEIGHT = 0.95
"""How strongly a `confirmed_by` fact ranks its cause while it is still unknown which value it has."""


@dataclass(slots=True)
class Cells:
    """The distinguishable answers of one observation."""

    obs: ObservationDef
    labels: list[str]
    samples: list[str | float]
    conditions: list[Condition] = field(default_factory=list)

    def index(self, value: str | float) -> int | None:
        if self.obs.type != "number":
            try:
                return self.labels.index(str(value))
            except ValueError:
                return None
        try:
            x = float(value)
        except (TypeError, ValueError):
            return None
        signature = tuple(c.holds(x) for c in self.conditions)
        for i, sample in enumerate(self.samples):
            if tuple(c.holds(sample) for c in self.conditions) == signature:
                return i
        return None


def _cells(obs: ObservationDef, conditions: list[Condition]) -> Cells:
    if obs.type != "number":
        return Cells(obs, list(obs.values), list(obs.values), conditions)
    points: set[float] = {0.0}
    for cond in conditions:
        for t in cond.thresholds():
            points.update({t - 1, t, t + 1})
    groups: dict[tuple[bool, ...], float] = {}
    for x in sorted(points):
        groups.setdefault(tuple(c.holds(x) for c in conditions), x)
    samples: list[str | float] = [v for v in groups.values()]
    labels = [_range_label(float(s), conditions) for s in samples]
    return Cells(obs, labels, samples, conditions)


def _range_label(x: float, conditions: list[Condition]) -> str:
    held = [c.describe() for c in conditions if c.holds(x)]
    return f"{x:g}" + (f" ({'; '.join(sorted(set(held)))})" if held else "")


@dataclass
class CompiledModel:
    kb: KnowledgeBase
    cells: dict[str, Cells]
    like: dict[str, dict[str, list[float]]]  # cause -> obs -> P(cell | cause)
    prior: dict[str, float]
    constrainers: dict[str, list[str]] = field(default_factory=dict)  # obs -> causes with a table for it

    def likelihood(self, cause: str, obs: str, cell: int) -> float:
        table = self.like[cause].get(obs)
        if table is None:
            return 1.0 / len(self.cells[obs].labels)
        return table[cell]

    def constrains(self, cause: str, obs: str) -> bool:
        return obs in self.like[cause]

    def posterior(self, known: dict[str, str | float], candidates: list[str]) -> dict[str, float]:
        """Normalised P(cause | known) over the given candidates."""
        logs: dict[str, float] = {}
        for c in candidates:
            s = math.log(self.prior[c])
            for obs, value in sorted(known.items()):  # a fixed order: the same facts give the same float sum
                if value == UNKNOWN or obs not in self.cells:
                    continue
                k = self.cells[obs].index(value)
                if k is not None:
                    s += math.log(max(self.likelihood(c, obs, k), EPS))
            logs[c] = s
        if not logs:
            return {}
        top = max(logs.values())
        weights = {c: math.exp(v - top) for c, v in logs.items()}
        total = sum(weights.values())
        return {c: w / total for c, w in weights.items()}


def _distribution(cells: Cells, cond: Condition) -> list[float]:
    hits = [cond.holds(s) for s in cells.samples]
    n_hit = sum(hits) or 1
    return [1.0 / n_hit if h else 0.0 for h in hits]


def _mix(parts: list[tuple[float, list[float]]], n: int) -> list[float]:
    out = [0.0] * n
    for w, dist in parts:
        for i, p in enumerate(dist):
            out[i] += w * p
    total = sum(out) or 1.0
    return [max(p / total, EPS) for p in out]


def _cause_table(cause: CauseDef, cells: dict[str, Cells]) -> dict[str, list[float]]:
    table: dict[str, list[float]] = {}
    required = cause.required_observations()
    for obs in required:
        c = cells[obs]
        n = len(c.labels)
        uniform = [1.0 / n] * n
        parts = []
        for alt in cause.requires:
            parts.append((1.0, _distribution(c, alt[obs]) if obs in alt else uniform))
        table[obs] = _mix(parts, n)
    evidence = dict(cause.supports)
    for obs, cond in cause.confirmed_by.items():
        values = [*(evidence[obs].named_values() if obs in evidence else []), *cond.named_values()]
        evidence[obs] = (Condition.model_validate({"in": values, "weight": CONFIRMER_WEIGHT}) if values
                         else cond.model_copy(update={"weight": CONFIRMER_WEIGHT}))
    for obs, cond in evidence.items():
        if obs in required:
            continue
        c = cells[obs]
        n = len(c.labels)
        w = cond.weight if cond.weight is not None else 0.7
        table[obs] = _mix([(w, _distribution(c, cond)), (1 - w, [1.0 / n] * n)], n)
    for obs, cond in cause.contradicts.items():
        if obs in required:
            continue
        c = cells[obs]
        n = len(c.labels)
        w = cond.weight if cond.weight is not None else 0.7
        against = [0.0 if cond.holds(s) else 1.0 for s in c.samples]
        rest = sum(against) or 1.0
        base = table.get(obs, [1.0 / n] * n)
        shifted = [(1 - w) * b + w * (a / rest) * 1.0 for b, a in zip(base, against, strict=True)]
        table[obs] = _mix([(1.0, shifted)], n)
    return table


def compile_model(kb: KnowledgeBase) -> CompiledModel:
    conds: dict[str, list[Condition]] = {o: [] for o in kb.observations}
    for cause in kb.causes.values():
        for alt in cause.requires:
            for obs, cond in alt.items():
                conds[obs].append(cond)
        for role in (cause.supports, cause.contradicts, cause.confirmed_by):
            for obs, cond in role.items():
                conds[obs].append(cond)
    cells = {o: _cells(kb.observations[o], cs) for o, cs in conds.items()}
    like = {cid: _cause_table(cause, cells) for cid, cause in kb.causes.items()}
    prior = {cid: cause.prior for cid, cause in kb.causes.items()}
    constrainers: dict[str, list[str]] = {o: [] for o in kb.observations}
    for cid, table in like.items():
        for obs in table:
            constrainers[obs].append(cid)
    return CompiledModel(kb, cells, like, prior, constrainers)
