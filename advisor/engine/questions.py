"""Which question next: best expected information gain per unit of cost.

The value of asking about observation o is
    (expected entropy drop over the candidates + LAMBDA * confirmation progress) / cost
where the answer distribution comes from the candidates' expectations (a
cause that says nothing about o is assumed to leave the engineer unsure half
the time), and confirmation progress rewards filling a required observation of
a likely candidate, so a lone survivor still gets confirmed. Observations
already known, including "I don't know", are never asked again.

A question is only asked when some answer would change something: rule a
candidate out, or confirm one (answers are judged with the facts they imply,
derived facts included). Answers that would keep no candidate are marked as
contradicting what is already known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from advisor.engine.derive import Deriver
from advisor.engine.inference import CauseState
from advisor.engine.model import CompiledModel
from advisor.kb.models import UNKNOWN, QuestionDef

DONT_KNOW_IF_UNCONSTRAINED = 0.5
LAMBDA = 0.6
MIN_SCORE = 1e-6


@dataclass
class AnswerSplit:
    value: str
    label: str
    keeps: list[str]
    rules_out: list[str]
    confirms: list[str] = field(default_factory=list)

    @property
    def decides(self) -> bool:
        return bool(self.rules_out or self.confirms)


@dataclass
class QuestionChoice:
    question: QuestionDef
    score: float
    gain: float
    progress: float
    splits: list[AnswerSplit]
    needed_by: list[str] = field(default_factory=list)


def _entropy(ps: list[float]) -> float:
    return -sum(p * math.log2(p) for p in ps if p > 0)


def missing_required(model: CompiledModel, state: CauseState, known: dict[str, str | float]) -> list[str]:
    """Observations still needed by the alternative closest to confirming the cause."""
    cause = model.kb.causes[state.cause]
    askable = {q.observation for q in model.kb.questions.values()}
    best: list[str] | None = None
    for a in state.open_alternatives():
        alt = cause.requires[a]
        if any(known.get(o) == UNKNOWN for o in alt):
            continue
        need = [o for o in alt if o not in known]
        if any(o not in askable for o in need):  # a fact only derivation fills: not a question to ask
            continue
        if best is None or len(need) < len(best):
            best = need
    return best or []


def breaks(model: CompiledModel, state: CauseState, obs: str, value: str | float,
           facts: dict[str, str | float] | None = None) -> bool:
    """Would this answer (with the facts it adds) rule the cause out: every open alternative broken?"""
    cause = model.kb.causes[state.cause]
    if facts is None:
        facts = {obs: value, **model.kb.implied_by(obs, value)}
    for o, v in facts.items():
        hard = cause.contradicts.get(o)
        if hard is not None and (hard.weight or 0) >= 1.0 and hard.holds(v):
            return True
    open_alts = state.open_alternatives()
    if not open_alts:
        return True
    return all(any(o in cause.requires[a] and not cause.requires[a][o].holds(v) for o, v in facts.items())
               for a in open_alts)


def confirms(model: CompiledModel, state: CauseState, known: dict[str, str | float],
             facts: dict[str, str | float]) -> bool:
    """Would these new facts (with what is known) complete one of the cause's open alternatives?"""
    cause = model.kb.causes[state.cause]
    after = {**known, **facts}
    for o, cond in cause.confirmed_by.items():
        if o in facts and cond.holds(facts[o]):
            return True
    for a in state.open_alternatives():
        alt = cause.requires[a]
        if any(o in facts for o in alt) and all(
                after.get(o, UNKNOWN) != UNKNOWN and cond.holds(after[o]) for o, cond in alt.items()):
            return True
    return False


def choose(model: CompiledModel, states: dict[str, CauseState], known: dict[str, str | float],
           deriver: Deriver | None = None) -> QuestionChoice | None:
    if any(st.status == "confirmed" for st in states.values()):
        return None
    alive = [st for st in states.values() if st.status != "ruled_out"]
    if not alive:
        return None
    total = sum(st.confidence for st in alive) or 1.0
    prior = {st.cause: st.confidence / total for st in alive}
    plogp = {c: p * math.log2(p) for c, p in prior.items() if p > 0}
    sum_plogp = sum(plogp.values())
    h0 = -sum_plogp
    needs = {st.cause: missing_required(model, st, known) for st in alive}
    progress_by_obs: dict[str, float] = {}
    for c, need in needs.items():
        for o in need:
            progress_by_obs[o] = progress_by_obs.get(o, 0.0) + prior[c] / len(need)
    ranked: list[QuestionChoice] = []
    for q in model.kb.questions.values():
        o = q.observation
        if o in known:
            continue
        gain = _expected_gain(model, o, prior, plogp, sum_plogp, h0)
        progress = progress_by_obs.get(o, 0.0)
        score = (max(gain, 0.0) + LAMBDA * progress) / q.cost
        if score <= MIN_SCORE:
            continue
        ranked.append(QuestionChoice(q, score, gain, progress, []))
    ranked.sort(key=lambda c: (-c.score, c.question.id))
    for choice in ranked:
        choice.splits = splits(model, alive, choice.question, known, deriver)
        if choice.progress > 0 or any(s.decides for s in choice.splits if s.value != UNKNOWN):
            choice.needed_by = sorted(c for c, need in needs.items() if choice.question.observation in need)
            return choice
    return None


def _expected_gain(model: CompiledModel, o: str, prior: dict[str, float], plogp: dict[str, float],
                   sum_plogp: float, h0: float) -> float:
    """Expected entropy drop over the candidates if o were answered.

    Causes that say nothing about o spread evenly over its n answers, so they
    are summed in closed form; only the causes that constrain o are visited:
    H = log2(z) - (1/z) * sum(x log2 x) for unnormalised posteriors x.
    """
    n = len(model.cells[o].labels)
    cons = [(prior[c], plogp.get(c, 0.0), model.like[c][o]) for c in model.constrainers[o] if c in prior]
    if not cons:
        return 0.0
    mass_con = sum(p for p, _, _ in cons)
    mass_free = max(1.0 - mass_con, 0.0)
    free_xlogx = ((sum_plogp - sum(pl for _, pl, _ in cons)) - mass_free * math.log2(n)) / n
    gain = 0.0
    for k in range(n):
        z = mass_free / n
        xlogx = free_xlogx
        for p, _, table in cons:
            x = p * table[k]
            z += x
            if x > 0:
                xlogx += x * math.log2(x)
        answer_p = z - mass_free / n + mass_free * (1 - DONT_KNOW_IF_UNCONSTRAINED) / n
        if z <= 0 or answer_p <= 0:
            continue
        gain += answer_p * (h0 - (math.log2(z) - xlogx / z))
    return gain


def splits(model: CompiledModel, alive: list[CauseState], q: QuestionDef,
           known: dict[str, str | float] | None = None, deriver: Deriver | None = None) -> list[AnswerSplit]:
    """For each possible answer: which candidates survive it, and which it would confirm (the "why")."""
    cells = model.cells[q.observation]
    known = known or {}
    out = []
    for label, sample in zip(cells.labels, cells.samples, strict=True):
        facts = (deriver.closure(known, {q.observation: sample}) if deriver is not None
                 else {q.observation: sample, **model.kb.implied_by(q.observation, sample)})
        keeps = [st.cause for st in alive if not breaks(model, st, q.observation, sample, facts)]
        gone = [st.cause for st in alive if st.cause not in keeps]
        confirmed = [c for c in keeps if confirms(model, next(st for st in alive if st.cause == c), known, facts)]
        out.append(AnswerSplit(str(sample) if cells.obs.type != "number" else label,
                               q.labels.get(str(sample), label), keeps, gone, confirmed))
    out.append(AnswerSplit(UNKNOWN, "I don't know", [st.cause for st in alive], []))
    return out
