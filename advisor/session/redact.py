"""Mask secrets (always) and phone numbers (on request) in anything leaving the advisor.

Two layers, so no export format can leak: `redact_data` walks a structure
(pydantic dump, dict, list) and masks every string in it plus every value whose
key names a secret; `redact_text` masks the final rendered text again
(markdown, HTML, JSON text alike). Both are idempotent.

What counts as a secret, and what a phone number looks like, is data: the
rules, with examples, are in knowledge/redaction.yaml (see
`advisor.kb.redaction`), checked by `advisor kb check`. This module only
applies them: a rule's named groups say what to keep (key, separator, quotes)
and what to mask; phone numbers keep their last digits (4 for long numbers,
fewer for short ones) and their punctuation, the other digits become "x".
A missing or broken rule file raises RedactionError: nothing is exported
unredacted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from advisor.kb.redaction import REDACTION_FILE, CompiledRule, RedactionRules, expand, load_rules, read_rules
from advisor.kb.yamlsrc import Problem, read_yaml

MASK = "[redacted]"
_GUARD_WINDOW = 60


def rules_path(knowledge_dir: Path | None = None) -> Path:
    from advisor.kb.paths import default_knowledge_dir

    return (knowledge_dir or default_knowledge_dir()) / REDACTION_FILE


def _rules() -> RedactionRules:
    return load_rules(rules_path())


def _mask_value(m: re.Match[str]) -> str:
    groups = m.groupdict()
    key, sep = groups.get("key") or "", groups.get("sep") or ""
    kq = groups.get("kq") or ""
    q = groups.get("q")
    if q is not None:
        if groups.get("qv") == MASK:
            return m.group(0)
        return f"{key}{kq}{sep}{q}{MASK}{q}"
    if groups.get("uv") is not None and m.string.startswith(MASK, m.start("uv")):
        return m.group(0)
    return f"{key}{kq}{sep}{MASK}"


_DATE_LIKE = re.compile(r"^\d{4}[-./]\d{2}[-./]\d{2}$|^\d{2}[-./]\d{2}[-./]\d{4}$")


def _mask_phone(m: re.Match[str]) -> str:
    raw = m.group(0)
    if _DATE_LIKE.match(raw.strip()):
        return raw
    digits = sum(ch.isdigit() for ch in raw)
    if digits < 7:
        return raw
    keep = 4 if digits >= 10 else 3 if digits >= 8 else 2
    out: list[str] = []
    seen = 0
    for ch in raw:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else "x")
        else:
            out.append(ch)
    return "".join(out)


def _apply(rule: CompiledRule, text: str) -> str:
    def replace(m: re.Match[str]) -> str:
        if rule.guard is not None and rule.guard.search(m.string, max(0, m.start() - _GUARD_WINDOW), m.start()):
            return m.group(0)
        if rule.mask == "whole":
            return MASK
        if rule.mask == "phone":
            return _mask_phone(m)
        return _mask_value(m)

    return rule.regex.sub(replace, text)


def redact_secrets(text: str, rules: RedactionRules | None = None) -> str:
    """Mask every credential-like value in free text, whatever the notation."""
    if not text:
        return text
    for rule in (rules or _rules()).secrets:
        text = _apply(rule, text)
    return text


def redact_numbers(text: str, rules: RedactionRules | None = None) -> str:
    """Mask phone numbers, keeping their last 2-4 digits."""
    if not text:
        return text
    for rule in (rules or _rules()).numbers:
        text = _apply(rule, text)
    return text


def redact_text(text: str, numbers: bool = False) -> str:
    """The final pass over rendered text: secrets always, phone numbers on request."""
    text = redact_secrets(text)
    return redact_numbers(text) if numbers else text


# ---- checking the rule file (advisor kb check) --------------------------------
def check_rules(path: Path) -> list[Problem]:
    """Every rule compiles, every example is masked as it says, no `untouched` text changes."""
    rules, problems = read_rules(path)
    if rules is None:
        return problems
    doc, _ = read_yaml(path, str(path))
    line_of = doc.line_of if doc is not None else (lambda _p: 1)
    for section, compiled in (("secrets", rules.secrets), ("numbers", rules.numbers)):
        run = redact_secrets if section == "secrets" else redact_numbers
        for i, rule in enumerate(compiled):
            for j, ex in enumerate(rule.rule.examples):
                out = run(ex.text, rules)
                where = line_of((section, i, "examples", j))
                for part in [*ex.secret, *ex.keep]:
                    if part not in ex.text:  # an example that could not fail
                        problems.append(Problem(str(path), where, f"{rule.rule.id}: {part!r} is not in the example"))
                for gone in ex.secret:
                    if gone in out:
                        problems.append(Problem(str(path), where, f"{rule.rule.id}: {gone!r} not masked in {out!r}"))
                for kept in ex.keep:
                    if kept not in out:
                        problems.append(Problem(str(path), where, f"{rule.rule.id}: {kept!r} lost in {out!r}"))
                if run(out, rules) != out:
                    problems.append(Problem(str(path), where, f"{rule.rule.id}: masking twice changes {out!r}"))
    for k, text in enumerate(rules.data.untouched):
        out = redact_numbers(redact_secrets(text, rules), rules)
        if out != text:
            problems.append(Problem(str(path), line_of(("untouched", k)), f"untouched text changed: {out!r}"))
    return problems


# ---- structures --------------------------------------------------------------
def is_secret_key(key: str) -> bool:
    """A structure key that names a secret (password, api_key, authToken...): its whole value is masked."""
    return bool(_key_re().match(key.strip()))


def _key_re() -> re.Pattern[str]:
    rules = _rules()
    cached = _KEY_RES.get(id(rules))
    if cached is None:
        keys = expand("{{secret_keys}}", rules.data.fragments)
        cached = _KEY_RES[id(rules)] = re.compile(f"(?i)^(?:[\\w.-]*[_.-])?(?:{keys})$")
    return cached


_KEY_RES: dict[int, re.Pattern[str]] = {}


def redact_data(data: Any, numbers: bool = False) -> Any:
    """Redact every string of a JSON-like structure; values under secret-named keys are masked whole."""
    def fn(s: str) -> str:
        return redact_text(s, numbers)

    return _walk(data, fn)


def _walk(data: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        for k, v in data.items():
            secret = isinstance(k, str) and is_secret_key(k)
            if secret and v not in (None, "", MASK) and not isinstance(v, bool):
                out[k] = MASK
            else:
                out[k] = _walk(v, fn)
        return out
    if isinstance(data, list | tuple):
        return [_walk(v, fn) for v in data]
    return data


M = TypeVar("M", bound=BaseModel)


def redact_model(model: M, numbers: bool = False) -> M:
    """A redacted copy of a pydantic model (validated again, so the type holds)."""
    data = redact_data(model.model_dump(mode="json"), numbers)
    return type(model).model_validate(data)
