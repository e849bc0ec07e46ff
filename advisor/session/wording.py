"""Facts and reasons in plain words, for tickets read by people who never saw the engine.

The engine explains itself in its own notation ("needs invite_final_status in
{none, 408}"); a ticket says "the final response to the INVITE is 403
Forbidden; this cause needs no response at all or 408". Names and labels come
from the knowledge base (question labels, observation units), so a new
observation reads well without code.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.engine.diagnosis import Reason
    from advisor.engine.observations import Source
    from advisor.kb.loader import KnowledgeBase
    from advisor.kb.models import Condition

_WORDS = {"sip": "SIP", "sdp": "SDP", "rtp": "RTP", "pbx": "PBX", "ttl": "TTL", "invite": "INVITE", "uri": "URI",
          "acl": "ACL", "cps": "CPS", "dns": "DNS", "ack": "ACK", "id": "ID", "ip": "IP", "e164": "E.164",
          "pcmu": "PCMU", "nat": "NAT", "alg": "ALG", "tls": "TLS", "srv": "SRV", "ok": "OK", "sbc": "SBC",
          "pstn": "PSTN", "cli": "CLI", "rpid": "Remote-Party-ID", "ms": "ms", "s": "s"}


def obs_name(obs_id: str) -> str:
    """`rtp_ttl` -> "RTP TTL", `call_direction` -> "call direction": the id in words, abbreviations upper case."""
    words = [_WORDS.get(w, w) for w in obs_id.split("_") if w]
    return " ".join(words) or obs_id


def sentence(text: str) -> str:
    """Upper-case the first letter (leaving "iNVITE"-style damage impossible: only a lower-case start changes)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def mid(label: str) -> str:
    """A label used inside a sentence: "It is rejected ..." -> "it is rejected ...", "PBX ..." unchanged."""
    return label[:1].lower() + label[1:] if len(label) > 1 and label[1:2].islower() else label


def value_words(kb: KnowledgeBase, obs_id: str, value: str | float | None) -> str:
    """A value's label for use inside a sentence."""
    return mid(value_label(kb, obs_id, value))


def value_label(kb: KnowledgeBase, obs_id: str, value: str | float | None) -> str:
    """A value as the questions word it ("403 Forbidden"), numbers with their unit."""
    if value is None:
        return "not known"
    if value == "unknown":
        return "not known (answered \"I don't know\")"
    q = kb.question_for.get(obs_id)
    label = q.labels.get(str(value)) if q else None
    if label:
        return label
    obs = kb.observations.get(obs_id)
    if isinstance(value, float):
        shown = f"{value:g}"
        return f"{shown} {obs.unit}" if obs is not None and obs.unit else shown
    return str(value)


def _unit(kb: KnowledgeBase, obs_id: str) -> str:
    obs = kb.observations.get(obs_id)
    return f" {obs.unit}" if obs is not None and obs.unit else ""


def _either(items: list[str], word: str = "or") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def condition_words(kb: KnowledgeBase, obs_id: str, cond: Condition) -> str:
    """A condition as words: "no response at all or 408", "anything but 200 OK", "below 10"."""
    def label(v: str) -> str:
        return value_words(kb, obs_id, v)

    if cond.is_ is not None:
        return mid(label(cond.is_))
    if cond.in_ is not None:
        return _either([label(v) for v in cond.in_])
    if cond.not_ is not None:
        return "anything but " + _either([label(v) for v in cond.not_])
    unit = _unit(kb, obs_id)
    parts = []
    if cond.gt is not None:
        parts.append(f"above {cond.gt:g}{unit}")
    if cond.ge is not None:
        parts.append(f"{cond.ge:g}{unit} or more")
    if cond.lt is not None:
        parts.append(f"below {cond.lt:g}{unit}")
    if cond.le is not None:
        parts.append(f"{cond.le:g}{unit} or less")
    return _either(parts, "and")


def fact(kb: KnowledgeBase, obs_id: str, value: str | float | None) -> str:
    """A fact as its question and answer, the way the engineer met it: "What is the final SIP response to
    the INVITE? 403 Forbidden"; without a question, "RTP TTL is 3 hops"."""
    q = kb.question_for.get(obs_id)
    if q is not None:
        return f"{q.text} {sentence(value_label(kb, obs_id, value))}"
    return f"{obs_name(obs_id)} is {value_words(kb, obs_id, value)}"


def asked(kb: KnowledgeBase, obs_id: str) -> str:
    """How to refer to a fact in a sentence: its question in quotes, else its name."""
    q = kb.question_for.get(obs_id)
    return f"\u201c{q.text}\u201d" if q is not None else f"the {obs_name(obs_id)}"


def source_words(source: Source) -> str:
    """Where a fact came from, for a reader: "the engineer's answer", "trace x.pcap, frame 12"."""
    if source.kind == "answer":
        return "the engineer's answer"
    if source.kind == "symptom":
        return "the symptom chosen" if not source.detail.startswith("implied by") else "implied by the symptom"
    if source.kind == "trace":
        where = source.file or source.detail
        if source.frame is not None:
            return f"trace {where}, frame {source.frame}"
        if source.line is not None:
            return f"trace {where}, line {source.line}"
        return f"trace {where}"
    if source.kind == "probe":
        return f"the {source.detail} probe" if source.detail else "a probe"
    if source.kind == "text":
        return "the customer's words"
    return "the trunk context"


def _condition_of(kb: KnowledgeBase, cause_id: str, reason: Reason) -> Condition | None:
    cause = kb.causes.get(cause_id)
    if cause is None:
        return None
    if reason.effect in ("excludes", "weakens"):
        return cause.contradicts.get(reason.observation)
    if reason.value is not None and reason.effect == "rules_out":
        for alt in cause.requires:
            cond = alt.get(reason.observation)
            if cond is not None and not cond.holds(reason.value):
                return cond
    for alt in cause.requires:
        if reason.observation in alt:
            return alt[reason.observation]
    return None


def needs(kb: KnowledgeBase, cause_id: str, reason: Reason) -> str:
    """What the cause would need of this fact instead: "it needs no response at all"."""
    cond = _condition_of(kb, cause_id, reason)
    if cond is None:
        return ""
    if reason.effect == "excludes":
        if cond.not_ is not None:
            return f"it only happens with {_either([value_words(kb, reason.observation, v) for v in cond.not_])}"
        return "it never happens with this answer"
    return f"it needs {condition_words(kb, reason.observation, cond)}"


def to_confirm(kb: KnowledgeBase, cause_id: str, reason: Reason) -> str:
    """A still-needed fact as a check: '"What IP TTL do the PBX's RTP packets have?" must be 10 hops or less'."""
    cond = _condition_of(kb, cause_id, reason)
    if cond is None:
        return f"find out {asked(kb, reason.observation)}"
    return f"{asked(kb, reason.observation)} must be {condition_words(kb, reason.observation, cond)}"


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
