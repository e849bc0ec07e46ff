"""From candidate facts to what the text says: merge repeats, let refinements win,
show contradictions instead of resolving them, derive what follows, and name
the guide's headings that fit.

`Intake(kb).understand(text)` is the one entry point the CLI, the TUI and the
benchmark use.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from advisor.intake.inputs import find_inputs
from advisor.intake.matchers import Candidate, Found, Matchers
from advisor.intake.result import Mention, SymptomCandidate, Understanding, Understood
from advisor.intake.text import Lexicon, Normalised, normalise
from advisor.intake.vocabulary import Value, Vocabulary, load_vocabulary
from advisor.kb.loader import SYMPTOM_OBSERVATION, KnowledgeBase


@dataclass(slots=True)
class _Choice:
    value: Value
    confidence: float
    spans: list[tuple[int, int]]
    rule: str


class Intake:
    """The vocabulary compiled against one knowledge base."""

    def __init__(self, kb: KnowledgeBase, vocab: Vocabulary | None = None) -> None:
        self.kb = kb
        self.vocab = vocab if vocab is not None else load_vocabulary(kb)
        self.lexicon = Lexicon(self.vocab)
        self.matchers = Matchers(kb, self.vocab)
        self.filler = {" ".join(f.lower().split()) for f in self.vocab.filler}

    def understand(self, text: str, threshold: float | None = None) -> Understanding:
        limit = self.vocab.threshold if threshold is None else threshold
        full, text = text, text[:self.vocab.max_chars]
        norm = normalise(text, self.vocab, self.lexicon)
        found = self.matchers.find(norm)
        plain = [c for c in found.candidates if not c.only_with]
        conditional = [c for c in found.candidates if c.only_with]
        first = _resolve(norm, plain, limit, self.vocab, self.kb)
        known = {u.observation: u.value for u in first.understood if u.applied}
        extra = [c for c in conditional if all(_same(known.get(o), v) for o, v in c.only_with.items())]
        extra += self._derived(known, first, norm)
        result = _resolve(norm, plain + extra, limit, self.vocab, self.kb) if extra else first
        result.mentions = [Mention(kind="negated" if d.kind == "negated" else "working", rule=d.rule,
                                   words=norm.words(d.start, d.end)) for d in found.denials]
        result.inputs = find_inputs(text, self.vocab, self.matchers)
        result.notes = _not_understood(norm, found, [i.text.lower() for i in result.inputs], self.filler)
        self._symptoms(result)
        if len(full) > len(text):
            result.text = full
            result.warnings.append(f"Only the first {len(text)} of {len(full)} characters were read; "
                                   "attach logs as a trace (--trace) instead of pasting them as words.")
            result.notes.append(f"(not read: the last {len(full) - len(text)} characters)")
        return result

    def _derived(self, known: dict[str, Value], first: Understanding, norm: Normalised) -> list[Candidate]:
        out: list[Candidate] = []
        by_obs = {u.observation: u for u in first.understood if u.applied}
        for rule in self.vocab.derive:
            if not all(_same(known.get(o), v) for o, v in rule.when.items()):
                continue
            confidence = min([rule.confidence, *(by_obs[o].confidence for o in rule.when)])
            for obs, value in rule.set_.items():
                out.append(Candidate(obs, value, confidence, 0, 0, rule.id))
        return out

    def _symptoms(self, result: Understanding) -> None:
        applied = {u.observation: u for u in result.understood if u.applied}
        candidates: list[SymptomCandidate] = []
        for sym in self.kb.symptoms.values():
            if not sym.implies:
                continue
            matched, missing, clash = [], [], False
            for obs, value in sym.implies.items():
                got = applied.get(obs)
                if got is None:
                    missing.append(f"{obs}={value}")
                elif _same(got.value, value):
                    matched.append(f"{obs}={value}")
                else:
                    clash = True
            if clash or not matched or (missing and len(matched) < 2):
                continue  # a heading that shares one fact with the text (say, only the direction) is noise
            confs = [applied[m.split("=", 1)[0]].confidence for m in matched]
            share = len(matched) / len(sym.implies)
            candidates.append(SymptomCandidate(id=sym.id, title=sym.title, confidence=round(share * min(confs), 3),
                                               matched=matched, missing=missing, applied=False))
        candidates.sort(key=lambda s: (-len(s.matched) / (len(s.matched) + len(s.missing)), -len(s.matched), s.id))
        complete = [s for s in candidates if not s.missing]
        # a heading is applied only when the text gives all its facts, and more of them than of any other heading
        best = max(complete, key=lambda c: len(c.matched), default=None)
        dominant = best is not None and all(len(c.matched) < len(best.matched) for c in candidates if c is not best)
        if best is not None and dominant and SYMPTOM_OBSERVATION in self.kb.observations \
                and SYMPTOM_OBSERVATION not in applied:
            best.applied = True
            parts = [applied[m.split("=", 1)[0]] for m in best.matched]
            words = " … ".join(dict.fromkeys(u.words for u in parts if u.words))
            result.understood.append(Understood(
                observation=SYMPTOM_OBSERVATION, value=best.id, confidence=min(u.confidence for u in parts),
                words=words, rule=f"symptoms.yaml:{best.id}", applied=True))
        result.symptoms = candidates[:5]


def _same(a: Value | None, b: Value) -> bool:
    if a is None:
        return False
    if isinstance(a, float) or isinstance(b, (float, int)):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return str(a) == str(b)


def _resolve(norm: Normalised, candidates: list[Candidate], limit: float, vocab: Vocabulary,
             kb: KnowledgeBase) -> Understanding:
    """Merge candidates per observation and value; decide which are applied."""
    penalty = vocab.fuzzy.penalty
    grouped: dict[str, dict[str, _Choice]] = defaultdict(dict)
    for c in candidates:
        if c.observation not in kb.observations:
            continue
        corrected = bool(norm.corrected_in(c.start, c.end)) if c.end > c.start else False
        conf = round(max(0.0, c.confidence - (penalty if corrected else 0.0)), 3)
        key = str(c.value)
        choice = grouped[c.observation].get(key)
        span = (c.start, c.end)
        if choice is None:
            grouped[c.observation][key] = _Choice(c.value, conf, [span], c.rule)
        else:
            if span not in choice.spans:
                choice.spans.append(span)
            if conf > choice.confidence:
                choice.confidence, choice.rule = conf, c.rule
    refinements = {(o.observation, v): o.value for o in vocab.overrides for v in o.over}
    result = Understanding(text=norm.original, threshold=limit)
    for obs, choices in grouped.items():
        strong = {k for k, ch in choices.items() if ch.confidence >= limit}
        refined = {k: refinements[(obs, k)] for k in strong if refinements.get((obs, k)) in strong}
        contenders = strong - set(refined)
        conflict = len(contenders) > 1
        if conflict:
            said = "; ".join(f"{obs}={choices[k].value} ({_words(norm, choices[k])!r})" for k in sorted(contenders))
            result.warnings.append(f"The text contradicts itself on {obs}: {said}. Neither is applied; ask the customer.")
        for key, ch in choices.items():
            if key in refined:
                why = f"refined by {obs}={refined[key]}"
            elif conflict and key in contenders:
                why = "contradicted by another part of the text"
            elif key not in strong:
                why = f"confidence {ch.confidence:.2f} is below the threshold {limit:.2f}"
                if contenders and not conflict:
                    why += f"; the text also says {obs}={next(iter(contenders))}"
            else:
                why = ""
            result.understood.append(Understood(
                observation=obs, value=ch.value, confidence=ch.confidence, words=_words(norm, ch), rule=ch.rule,
                applied=not why, why_not=why,
                corrections=list(dict.fromkeys(f"{c.original} -> {c.corrected}" for s, e in ch.spans if e > s
                                               for c in norm.corrected_in(s, e)))))
    result.understood.sort(key=lambda u: (not u.applied, u.observation))
    return result


def _words(norm: Normalised, choice: _Choice) -> str:
    spans = sorted(s for s in choice.spans if s[1] > s[0])
    if not spans:
        return f"derived ({choice.rule})"
    merged = _merge_spans(spans)
    return " … ".join(dict.fromkeys(norm.words(s, e) for s, e in merged))


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted (start, end) spans with overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _not_understood(norm: Normalised, found: Found, inputs: list[str], filler: set[str]) -> list[str]:
    """Clauses no fact, denial or input came from, in the customer's words."""
    spans = sorted([(c.start, c.end) for c in found.candidates if c.end > c.start]
                   + [(d.start, d.end) for d in found.denials])
    merged = _merge_spans(spans)
    starts = [s for s, _ in merged]
    notes: list[str] = []
    for a, b in norm.clauses:
        i = bisect.bisect_left(starts, b) - 1  # the last used span starting before the clause ends
        if i >= 0 and merged[i][1] > a:
            continue
        words = norm.words(a, b).strip(" ,.;:!?-()\"'")
        if any(i and i in words.lower() for i in inputs):
            continue
        if not words or " ".join(norm.text[a:b].strip(" ,.;:!?-()\"'").split()) in filler:
            continue
        notes.append(words)
    return notes
