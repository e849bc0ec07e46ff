"""The customer's text made matchable: lower-cased, respelled, typos corrected,
split into clauses, with every character traceable to the original words.

Why a position map: every understood fact quotes the exact words that
triggered it, from the text as the customer wrote it, even after "outbund"
was read as "outbound".
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from advisor.intake.vocabulary import Vocabulary

_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_CLAUSE_PUNCT = re.compile(r"[.;:!?\n()]+(?!\d)|,(?!\s*\d)|\s[-–—]+\s|->|→")
"""Clause ends; a comma before a number continues the clause ("15 minutes, 45 seconds")."""


@dataclass(frozen=True, slots=True)
class Correction:
    original: str
    corrected: str
    start: int
    """Position in the original text."""


@dataclass(slots=True)
class Normalised:
    """Matchable text plus, for each of its characters, the original position it came from."""

    original: str
    text: str
    origin: list[int]
    corrections: list[Correction] = field(default_factory=list)
    clauses: list[tuple[int, int]] = field(default_factory=list)
    _starts_cache: list[int] | None = None

    def words(self, start: int, end: int) -> str:
        """The customer's own words behind text[start:end]."""
        if start >= end or not self.origin:
            return ""
        a = self.origin[min(start, len(self.origin) - 1)]
        b = self.origin[min(end, len(self.origin)) - 1] + 1
        return " ".join(self.original[a:b].split())

    def corrected_in(self, start: int, end: int) -> list[Correction]:
        if not self.origin or not self.corrections:
            return []
        a = self.origin[min(start, len(self.origin) - 1)]
        b = self.origin[min(end, len(self.origin)) - 1] + 1
        starts = [c.start for c in self.corrections]  # in text order
        return self.corrections[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]

    def clause_of(self, pos: int) -> tuple[int, int]:
        """The clause holding `pos` (binary search: clauses are sorted and disjoint)."""
        i = bisect.bisect_right(self._clause_starts, pos) - 1
        if 0 <= i < len(self.clauses) and self.clauses[i][0] <= pos < self.clauses[i][1]:
            return self.clauses[i]
        return 0, len(self.text)

    @property
    def _clause_starts(self) -> list[int]:
        if self._starts_cache is None or len(self._starts_cache) != len(self.clauses):
            self._starts_cache = [a for a, _ in self.clauses]
        return self._starts_cache


class Lexicon:
    """The vocabulary's words, for typo correction."""

    def __init__(self, vocab: Vocabulary) -> None:
        words: set[str] = set(vocab.fuzzy.extra_words)
        phrase_lists = [r.phrases for r in vocab.phrases] + [c.phrases for c in vocab.status.codes]
        phrase_lists += [vocab.drops.verbs, list(vocab.drops.number_words), list(vocab.drops.fixed),
                         list(vocab.drops.units), *vocab.hearing.sides.values(), list(vocab.countries),
                         vocab.status.cue_words]
        for phrases in phrase_lists:
            for phrase in phrases:
                words.update(_WORD.findall(phrase.lower()))
        self.min_length = vocab.fuzzy.min_length
        self.words = sorted(w for w in words if len(w) >= self.min_length)
        self.known = words | {w.lower() for w in vocab.fuzzy.never_correct}
        self.cutoff = vocab.fuzzy.min_similarity
        self._seen: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """The vocabulary word this one is a typo of, or None (remembered per word: texts repeat words)."""
        if len(word) < self.min_length or word in self.known or "'" in word:
            return None
        if word not in self._seen:
            if len(self._seen) > 50_000:
                self._seen.clear()
            best = process.extractOne(word, self.words, scorer=DamerauLevenshtein.normalized_similarity,
                                      score_cutoff=self.cutoff)
            self._seen[word] = str(best[0]) if best is not None else None
        return self._seen[word]


def normalise(text: str, vocab: Vocabulary, lexicon: Lexicon) -> Normalised:
    """Lower-case, respell, correct typos; remember where each character came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        low = ch.lower()
        if len(low) != 1:
            low = ch
        chars.append(low)
        origin.append(i)
    out = Normalised(text, "".join(chars), origin)
    for src, dst in vocab.respell.items():
        _replace_all(out, re.compile(rf"(?<![\w']){re.escape(src.lower())}(?![\w'])" if src[0].isalnum()
                                     else re.escape(src)), dst)
    _correct_typos(out, lexicon)
    out.clauses = _clauses(out.text, vocab.clause_breaks)
    return out


def _replace_all(norm: Normalised, pattern: re.Pattern[str], replacement: str) -> None:
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for m in pattern.finditer(norm.text):
        pieces.append(norm.text[last:m.start()])
        origin += norm.origin[last:m.start()]
        pieces.append(replacement)
        span = norm.origin[m.start():m.end()] or [norm.origin[m.start() - 1] if m.start() else 0]
        origin += [span[min(k * len(span) // max(len(replacement), 1), len(span) - 1)] for k in range(len(replacement))]
        last = m.end()
    pieces.append(norm.text[last:])
    origin += norm.origin[last:]
    norm.text = "".join(pieces)
    norm.origin = origin


def _correct_typos(norm: Normalised, lexicon: Lexicon) -> None:
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _WORD.finditer(norm.text):
        fixed = lexicon.correct(m.group())
        if fixed is None:
            continue
        pieces.append(norm.text[last:m.start()])
        origin += norm.origin[last:m.start()]
        span = norm.origin[m.start():m.end()]
        pieces.append(fixed)
        origin += [span[min(k, len(span) - 1)] for k in range(len(fixed))]
        norm.corrections.append(Correction(norm.original[span[0]:span[-1] + 1], fixed, span[0]))
        last = m.end()
    pieces.append(norm.text[last:])
    origin += norm.origin[last:]
    norm.text = "".join(pieces)
    norm.origin = origin


def _clauses(text: str, breaks: list[str]) -> list[tuple[int, int]]:
    cuts = {0, len(text)}
    for m in _CLAUSE_PUNCT.finditer(text):
        cuts.update((m.start(), m.end()))
    if breaks:
        words = "|".join(re.escape(b.lower()) for b in breaks)
        for m in re.finditer(rf"(?<![\w'])(?:{words})(?![\w'])", text):
            cuts.add(m.start())
    edges = sorted(cuts)
    return [(a, b) for a, b in itertools.pairwise(edges) if text[a:b].strip()]


def phrase_regex(phrase: str) -> str:
    """A phrase as a whole-word regex where spaces and hyphens are interchangeable."""
    tokens = [t for t in re.split(r"[\s\-]+", phrase.lower().strip()) if t]
    body = r"[\s\-]*".join(re.escape(t) for t in tokens)
    return rf"(?<![\w']){body}(?![\w'])"


def tokens_before(norm: Normalised, pos: int, clause_start: int, count: int) -> list[str]:
    """The `count` words before `pos` within its clause, nearest last."""
    head = norm.text[clause_start:pos]
    return re.findall(r"[\w']+", head)[-count:]
