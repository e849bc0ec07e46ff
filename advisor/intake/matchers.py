"""Finders that read one kind of statement each (phrases, status codes, alert
codes, drops and durations, who hears what, pasted SIP lines, quoted numbers)
and return candidate facts with the span of words that triggered them.

Nothing here decides: contradictions, thresholds and derived facts are
settled in `advisor.intake.understand`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers

from advisor.intake.text import Normalised, phrase_regex, tokens_before
from advisor.intake.vocabulary import PhraseRule, Value, Vocabulary
from advisor.kb.loader import KnowledgeBase


@dataclass(slots=True)
class Candidate:
    observation: str
    value: Value
    confidence: float
    start: int
    end: int
    rule: str
    only_with: dict[str, Value] = field(default_factory=dict)


@dataclass(slots=True)
class Denial:
    kind: str  # "negated" | "working"
    rule: str
    start: int
    end: int


@dataclass(slots=True)
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    denials: list[Denial] = field(default_factory=list)

    def add(self, facts: dict[str, Value], confidence: float, start: int, end: int, rule: str,
            only_with: dict[str, Value] | None = None) -> None:
        for obs, value in facts.items():
            self.candidates.append(Candidate(obs, value, confidence, start, end, rule, dict(only_with or {})))

    def extend(self, other: Found) -> None:
        self.candidates += other.candidates
        self.denials += other.denials


def _alternation(phrases: Iterable[str]) -> str:
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return "|".join(phrase_regex(p) for p in ordered)


class Matchers:
    """The vocabulary compiled once; `find` reads one normalised text."""

    def __init__(self, kb: KnowledgeBase, vocab: Vocabulary) -> None:
        self.kb = kb
        self.vocab = vocab
        self.cues = {c.lower() for c in vocab.negation.cues}
        self.working = [re.compile(p) for p in vocab.working_cues]
        self.rules: list[tuple[PhraseRule, list[re.Pattern[str]], list[re.Pattern[str]]]] = [
            (r, [re.compile(phrase_regex(p)) for p in r.phrases] + [re.compile(p) for p in r.patterns],
             [re.compile(p) for p in r.skip_if_clause_has])
            for r in vocab.phrases]
        st = vocab.status
        self.codes = {c.code: c for c in st.codes}
        self.status_line = re.compile(r"sip/2\.0 +(?P<code>[1-6]\d\d)(?P<reason>[^\n]*)")
        self.bare_code = re.compile(r"(?<![\w.+:/@\-=])(?P<code>[1-6]\d\d)(?![\w])(?!\.\d)(?! ?\d)(?!\) ?\d)")
        self.count_after = re.compile(r"\s*(?:" + "|".join(re.escape(w) for w in st.count_words) + r")\b") \
            if st.count_words else None
        self.cue_words = {w.lower() for w in st.cue_words}
        self.code_phrases = {c.code: re.compile(_alternation(c.phrases)) for c in st.codes if c.phrases}
        self.alert = re.compile(vocab.alerts.pattern) if vocab.alerts else None
        dr = vocab.drops
        self.drop_verbs = re.compile(_alternation(dr.verbs))
        self.drop_skip = [re.compile(p) for p in dr.skip_if_clause_has]
        number = r"\d+(?:\.\d+)?"
        words = _alternation(dr.number_words) if dr.number_words else r"(?!x)x"
        units = "|".join(sorted((re.escape(u) for u in dr.units), key=len, reverse=True))
        self.duration = re.compile(
            rf"(?<![\w.])(?P<a>{number}|{words})(?:\s*(?:-|–|to|or)\s*(?:{number}\s*(?:-|–)\s*)*(?P<b>{number}|{words}))?"
            rf"\s*(?P<unit>{units})(?![\w])")
        self.vague = re.compile(_alternation(dr.vague)) if dr.vague else None
        self.fixed_durations = [(re.compile(phrase_regex(p)), s) for p, s in dr.fixed.items()]
        he = vocab.hearing
        sides = {side: _alternation(words) for side, words in he.sides.items()}
        self.side_of = {w.lower(): side for side, ws in he.sides.items() for w in ws}
        side_group = "(?P<side>" + "|".join(sides.values()) + ")"
        self.hears_nothing = [re.compile(t.replace("{side}", side_group)) for t in he.hears_nothing]
        self.captures = [(c, re.compile(c.pattern)) for c in vocab.captures]
        self.numbers = [(n, re.compile(n.pattern)) for n in vocab.numbers]
        carrier = kb.trace.carrier
        self.carrier_domains = [d.lower() for d in carrier.domains]
        self.carrier_internal = [ipaddress.ip_network(n, strict=False) for n in carrier.internal_networks]
        self.carrier_media = [ipaddress.ip_network(n.cidr, strict=False) for n in carrier.media_networks]

    # ---- helpers -------------------------------------------------------------------
    def negated(self, norm: Normalised, start: int, window: int) -> bool:
        a, _ = norm.clause_of(start)
        return any(t in self.cues or t.endswith("n't") for t in tokens_before(norm, start, a, window))

    def clause_text(self, norm: Normalised, pos: int) -> str:
        a, b = norm.clause_of(pos)
        return norm.text[a:b]

    def find(self, norm: Normalised) -> Found:
        found = Found()
        for finder in (self.phrases, self.status, self.alerts, self.drops, self.hearing, self.pasted, self.quantities):
            found.extend(finder(norm))
        return found

    # ---- phrases ---------------------------------------------------------------------
    def phrases(self, norm: Normalised) -> Found:
        out = Found()
        window = self.vocab.negation.window
        for rule, regexes, skips in self.rules:
            for rx in regexes:
                for m in rx.finditer(norm.text):
                    start, end = m.span()
                    clause = self.clause_text(norm, start)
                    if rule.skip_if_working and any(w.search(clause) for w in self.working):
                        out.denials.append(Denial("working", rule.id, start, end))
                        continue
                    if any(s.search(clause) for s in skips):
                        continue
                    if rule.negation == "drop" and self.negated(norm, start, window):
                        out.denials.append(Denial("negated", rule.id, start, end))
                        out.add(rule.negated_set, rule.confidence, start, end, rule.id, rule.only_with)
                        continue
                    out.add(rule.set_, rule.confidence, start, end, rule.id, rule.only_with)
                    implied = min(rule.confidence, rule.implied_confidence or rule.confidence)
                    out.add(rule.implies, implied, start, end, rule.id, rule.only_with)
        return out

    # ---- status codes ----------------------------------------------------------------
    def status(self, norm: Normalised) -> Found:
        st = self.vocab.status
        conf = st.confidence
        out = Found()
        mentions: list[tuple[str, float, int, int, bool]] = []  # code, confidence, start, end, negated
        on_lines: set[int] = set()
        text = norm.text
        for m in self.status_line.finditer(text):
            code, reason = m.group("code"), m.group("reason").strip()
            on_lines.add(m.start("code"))
            mentions.append((code, conf.status_line, m.start(), m.end("code") + len(m.group("reason").rstrip()), False))
            value = self._line_reason(reason, code) if reason and code[0] in "456" else None
            if value is not None:
                out.add({st.reason_observation: value}, conf.status_line if value == st.plain_value else 0.85,
                        m.start(), m.end(), "status.line_reason")
        for m in self.bare_code.finditer(text):
            code, start, end = m.group("code"), m.start("code"), m.end("code")
            if start in on_lines or code in st.provisional:
                continue
            known = self.codes.get(code)
            if known is None:
                continue
            after = text[end:end + 60]
            if self.count_after is not None and self.count_after.match(after):
                continue
            phrase_rx = self.code_phrases.get(code)
            with_reason = phrase_rx.match(after.lstrip(" '\"")) if phrase_rx else None
            if not known.bare and with_reason is None and not self._cue_near(norm, start, end):
                continue
            negated = self.negated(norm, start, st.negation_window)
            if with_reason is not None or self._specific_reason_follows(after):
                c = conf.with_reason
            elif self._cue_near(norm, start, end):
                c = conf.with_cue
            else:
                c = conf.bare
            reason_end = end + len(after) - len(after.lstrip(" '\"")) + with_reason.end() if with_reason else end
            mentions.append((code, c, start, reason_end, negated))
            if with_reason is not None and not negated and code[0] in "456":
                out.add({st.reason_observation: st.plain_value}, c, start, reason_end, "status.reason")
        # generic reason phrases on their own ("forbidden", "service unavailable")
        for code, rx in self.code_phrases.items():
            known = self.codes[code]
            if not known.bare:
                continue
            for m in rx.finditer(text):
                if self._preceded_by_code(text, m.start()):
                    continue
                if self.negated(norm, m.start(), self.vocab.negation.window):
                    out.denials.append(Denial("negated", f"status.{code}", m.start(), m.end()))
                    continue
                c = self.vocab.generic_reasons_confidence
                out.add({st.observation: known.value, st.reason_observation: st.plain_value}, c, m.start(), m.end(),
                        f"status.{code}.phrase")
                out.add(known.implies, c, m.start(), m.end(), f"status.{code}.phrase")
        self._codes_to_facts(mentions, out)
        return out

    def _codes_to_facts(self, mentions: list[tuple[str, float, int, int, bool]], out: Found) -> None:
        st = self.vocab.status
        positive = [m for m in mentions if not m[4]]
        finals = [m for m in positive if m[0] not in st.challenge_codes]
        for code, c, start, end, negated in mentions:
            rule = f"status.{code}"
            known = self.codes.get(code)
            if negated:
                out.denials.append(Denial("negated", rule, start, end))
                if code in st.challenge_codes and finals:
                    out.add(st.negated_challenge_sets, c, start, end, rule + ".negated")
                continue
            if code in st.challenge_codes and finals:
                out.add(st.challenge_sets, c, start, end, rule + ".challenge")
                continue
            if known is not None:
                value = known.value
                implies = known.implies
            elif code[0] == "2":
                value, implies = "2xx", {}
            elif code[0] in "456":
                value, implies = st.other_value, {}
            else:
                continue
            out.add({st.observation: value}, c, start, end, rule)
            out.add(implies, c, start, end, rule)

    def _line_reason(self, reason: str, code: str) -> str | None:
        """response_reason of a status line's phrase: None when a vocabulary phrase already says it,
        else the trace reader's reason patterns (knowledge/trace.yaml), the code's own phrase (plain), or other."""
        if self._specific_reason_follows(reason):
            return None
        phrase = reason.strip(" '\"")
        for rp in self.kb.trace.reason_patterns:
            if re.search(rp.pattern, phrase, re.IGNORECASE):
                return rp.value
        rx = self.code_phrases.get(code)
        if rx is not None and rx.match(phrase):
            return self.vocab.status.plain_value
        return self.vocab.status.other_value if self.vocab.status.other_value in self._reason_values() else None

    def _reason_values(self) -> list[str]:
        obs = self.kb.observations.get(self.vocab.status.reason_observation)
        return obs.values if obs is not None else []

    def _specific_reason_follows(self, after: str) -> bool:
        head = after.lstrip(" '\"(")[:60]
        for rule, regexes, _ in self.rules:
            if self.vocab.status.reason_observation in rule.set_ and any(rx.match(head) for rx in regexes):
                return True
        return False

    def _cue_near(self, norm: Normalised, start: int, end: int) -> bool:
        a, b = norm.clause_of(start)
        before = re.findall(r"[\w']+", norm.text[a:start])[-3:]
        after = re.findall(r"[\w']+", norm.text[end:b])[:2]
        return any(w in self.cue_words for w in before + after)

    def _preceded_by_code(self, text: str, pos: int) -> bool:
        return re.search(r"[1-6]\d\d[\s'\"(]*$", text[max(0, pos - 8):pos]) is not None

    # ---- alert codes -------------------------------------------------------------------
    def alerts(self, norm: Normalised) -> Found:
        out = Found()
        cfg = self.vocab.alerts
        if cfg is None or self.alert is None or cfg.observation not in self.kb.observations:
            return out
        allowed = self.kb.observations[cfg.observation].values
        for m in self.alert.finditer(norm.text):
            code = m.group(1) if m.groups() else m.group()
            value = code if code in allowed else cfg.other_value
            out.add({cfg.observation: value}, cfg.confidence, m.start(), m.end(), f"alert.{code}")
        return out

    # ---- drops and durations --------------------------------------------------------------
    def durations(self, norm: Normalised, a: int, b: int) -> list[tuple[float, int, int]]:
        """Durations in text[a:b] in seconds, first first; "15 minutes, 45 seconds" is one duration."""
        text = norm.text[a:b]
        found: list[tuple[float, int, int, float]] = []
        for rx, seconds in self.fixed_durations:
            for m in rx.finditer(text):
                found.append((seconds, a + m.start(), a + m.end(), 1.0))
        dr = self.vocab.drops
        for m in self.duration.finditer(text):
            if any(s <= a + m.start() < e for _, s, e, _ in found):
                continue
            first = self._number(m.group("a"))
            second = self._number(m.group("b")) if m.group("b") else None
            if first is None:
                continue
            value = (first + second) / 2 if second is not None else first
            unit = dr.units[m.group("unit")]
            found.append((value * unit, a + m.start(), a + m.end(), unit))
        found.sort(key=lambda d: d[1])
        merged: list[tuple[float, int, int, float]] = []
        for d in found:
            prev = merged[-1] if merged else None
            if prev is not None and prev[3] > d[3] and re.fullmatch(r"\s*(?:,|and)?\s*", norm.text[prev[2]:d[1]]):
                merged[-1] = (prev[0] + d[0], prev[1], d[2], d[3])
            else:
                merged.append(d)
        return [(secs, s, e) for secs, s, e, _ in merged]

    def _number(self, raw: str) -> float | None:
        try:
            return float(raw)
        except ValueError:
            words = {k.lower(): v for k, v in self.vocab.drops.number_words.items()}
            return words.get(" ".join(re.split(r"[\s\-]+", raw.strip())))

    def drops(self, norm: Normalised) -> Found:
        out = Found()
        dr = self.vocab.drops
        window = self.vocab.negation.window
        for m in self.drop_verbs.finditer(norm.text):
            start, end = m.span()
            a, b = norm.clause_of(start)
            if any(s.search(norm.text[a:b]) for s in self.drop_skip):
                continue
            if self.negated(norm, start, window):
                out.denials.append(Denial("negated", "drops.verb", start, end))
                continue
            durations = self.durations(norm, a, b)
            vague = self.vague.search(norm.text, a, b) if self.vague is not None else None
            if not durations and vague is not None:
                lo, hi = min(start, vague.start()), max(end, vague.end())
                out.add(dr.set_, dr.confidence_vague, lo, hi, "drops.vague")
                out.add(dr.implies, dr.confidence_vague, lo, hi, "drops.vague")
                continue
            if not durations:
                out.add(dr.set_, dr.confidence_without_duration, start, end, "drops.verb")
                out.add(dr.implies, dr.confidence_without_duration, start, end, "drops.verb")
                continue
            seconds, ds, de = durations[0]
            lo, hi = min(start, ds), max(end, de)
            c = dr.confidence_with_duration
            out.add({dr.seconds_observation: round(seconds, 1)}, c, lo, hi, "drops.duration")
            out.add(dr.implies, c, lo, hi, "drops.duration")
            if dr.window[0] <= seconds <= dr.window[1]:
                out.add(dr.set_, c, lo, hi, "drops.duration")
        return out

    # ---- who hears what ----------------------------------------------------------------------
    def hearing(self, norm: Normalised) -> Found:
        out = Found()
        he = self.vocab.hearing
        nothing: dict[str, list[tuple[int, int]]] = {"pbx": [], "pstn": []}
        for rx in self.hears_nothing:
            for m in rx.finditer(norm.text):
                side = self._side(m.group("side"))
                if side is not None:
                    nothing[side].append(m.span())
        spans = nothing["pbx"] + nothing["pstn"]
        if not spans:
            return out
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        key: Literal["pbx", "pstn", "both"] = "both" if nothing["pbx"] and nothing["pstn"] else (
            "pbx" if nothing["pbx"] else "pstn")
        out.add({he.observation: he.values[key]}, he.confidence, start, end, f"hearing.{key}")
        out.add(he.implies, he.confidence, start, end, f"hearing.{key}")
        return out

    def _side(self, words: str) -> str | None:
        return self.side_of.get(" ".join(re.split(r"[\s\-]+", words.strip())))

    # ---- pasted SIP lines, quoted numbers and addresses -------------------------------------
    def pasted(self, norm: Normalised) -> Found:
        out = Found()
        for cap, rx in self.captures:
            for m in rx.finditer(norm.text):
                verdict = self.check(cap.check, m.group("value"))
                if verdict is None:
                    continue
                out.add({cap.observation: cap.values[verdict]}, cap.confidence, m.start(), m.end(), cap.id)
        return out

    def check(self, kind: str, raw: str) -> Literal["yes", "no"] | None:
        """yes/no for a named check of a captured value, None when it cannot tell."""
        if kind == "e164":
            return "yes" if is_e164(raw) else "no"
        if kind in ("private_address", "lan_address"):
            try:
                addr = ipaddress.ip_address(raw)
            except ValueError:
                return None
            carrier = self.carrier_media + (self.carrier_internal if kind == "private_address" else [])
            if any(addr in net for net in carrier):
                return None  # the carrier's own addresses say nothing about the PBX
            return "yes" if any(addr in net for net in LAN_NETWORKS) else "no"
        host = raw.lower().rstrip(".")
        return "yes" if any(host == d or host.endswith("." + d) for d in self.carrier_domains) else "no"

    def quantities(self, norm: Normalised) -> Found:
        out = Found()
        for num, rx in self.numbers:
            for m in rx.finditer(norm.text):
                try:
                    value = float(m.group("n"))
                except (TypeError, ValueError):
                    continue
                out.add({num.observation: value}, num.confidence, m.start(), m.end(), num.id)
        return out


LAN_NETWORKS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "fc00::/7", "fe80::/10", "::1/128")]
"""Addresses that are not routable on the internet (RFC 1918, CGNAT, loopback, link-local); documentation
ranges such as 203.0.113.0/24 stand for public addresses in examples, so they count as public."""


def is_e164(raw: str) -> bool:
    """+, country code and a number that is possible for that country."""
    digits = re.sub(r"[\s\-().]", "", raw)
    if not re.fullmatch(r"\+[1-9]\d{6,14}", digits):
        return False
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(digits, None)))
    except phonenumbers.NumberParseException:
        return False
