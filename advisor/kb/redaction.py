"""knowledge/redaction.yaml: the rule set that masks secrets and phone numbers, as data.

Each rule is a regular expression with examples: text it must mask (and what
must survive around the secret) and, for the whole file, text nothing may
touch (Call-IDs, branch parameters, tags, addresses, timestamps). Adding a
credential format is a YAML edit; `advisor kb check` compiles every pattern
and runs every example, so a rule that stops working fails the check.

Regex pieces shared by several rules live under `fragments:` and are used as
``{{name}}`` inside patterns (expanded before compiling). Named groups decide
what is masked (`mask: value`): ``key``, ``kq`` and ``sep`` are kept, a quoted
value keeps its quotes (``q``/``qv``), an unquoted value (``uv``) becomes the
mask; `mask: whole` masks the whole match; number rules keep the last digits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.kb.yamlsrc import Problem, read_yaml

REDACTION_FILE = "redaction.yaml"
_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


class RedactionExample(BaseModel):
    """A text the rule must change: every `secret` substring gone, every `keep` substring still there."""

    model_config = ConfigDict(extra="forbid")
    text: str
    secret: list[str] = Field(min_length=1)
    keep: list[str] = Field(default_factory=list)


class RedactionRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    what: str = Field(min_length=5, description="what the rule masks and why, in one sentence")
    pattern: str
    ignore_case: bool = False
    mask: Literal["value", "whole", "phone"] = "value"
    unless_before: str | None = Field(
        None, description="regex tested against the 60 characters before a match (anchored at their end): "
                          "when it matches, the match is left alone (e.g. after 'Call-ID:')")
    source: str | None = Field(None, description="public documentation of the format (the carrier's docs)")
    examples: list[RedactionExample] = Field(min_length=1)


class RedactionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fragments: dict[str, str] = Field(default_factory=dict)
    secrets: list[RedactionRule] = Field(min_length=1)
    numbers: list[RedactionRule] = Field(min_length=1)
    untouched: list[str] = Field(min_length=1, description="texts that no rule (secrets or numbers) may change")


class CompiledRule:
    """A rule ready to run: its compiled pattern and context guard."""

    __slots__ = ("guard", "mask", "regex", "rule")

    def __init__(self, rule: RedactionRule, fragments: dict[str, str]) -> None:
        self.rule = rule
        self.mask = rule.mask
        flags = re.IGNORECASE if rule.ignore_case else 0
        self.regex = re.compile(expand(rule.pattern, fragments), flags)
        self.guard = re.compile(f"(?:{expand(rule.unless_before, fragments)})$", re.IGNORECASE) \
            if rule.unless_before else None


class RedactionRules:
    """The compiled rule set: secrets (always applied) and numbers (on request)."""

    def __init__(self, data: RedactionFile) -> None:
        self.data = data
        self.secrets = [CompiledRule(r, data.fragments) for r in data.secrets]
        self.numbers = [CompiledRule(r, data.fragments) for r in data.numbers]


class RedactionError(Exception):
    """The rule file is missing or broken: exports must not run unredacted. str() is `file:line: reason`."""


def expand(pattern: str, fragments: dict[str, str], depth: int = 0) -> str:
    """`pattern` with every ``{{name}}`` replaced by its fragment (fragments may use fragments)."""
    if depth > 5:
        raise ValueError("fragments nest deeper than 5 levels (a cycle?)")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fragments:
            raise ValueError(f"unknown fragment {{{{{name}}}}}")
        return expand(fragments[name], fragments, depth + 1)

    return _FRAGMENT.sub(sub, pattern.strip())


def read_rules(path: Path) -> tuple[RedactionRules | None, list[Problem]]:
    """Load and compile the rule file; (None, problems) when it cannot be used."""
    doc, problems = read_yaml(path, str(path))
    if doc is None:
        return None, problems
    try:
        data = RedactionFile.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(doc.file, doc.line_of(loc), f"{'.'.join(map(str, loc))}: {err['msg']}"))
        return None, problems
    for section in ("secrets", "numbers"):
        for i, rule in enumerate(getattr(data, section)):
            for field, text in (("pattern", rule.pattern), ("unless_before", rule.unless_before)):
                if text is None:
                    continue
                try:
                    re.compile(expand(text, data.fragments))
                except (re.error, ValueError) as exc:
                    problems.append(Problem(doc.file, doc.line_of((section, i, field)), f"{rule.id}: {exc}"))
    if problems:
        return None, problems
    return RedactionRules(data), problems


@lru_cache(maxsize=4)
def load_rules(path: Path) -> RedactionRules:
    """The compiled rules of `path` (cached); RedactionError when the file cannot be used."""
    rules, problems = read_rules(path)
    if rules is None:
        raise RedactionError("; ".join(str(p) for p in problems) or f"{path}: unusable")
    return rules


__all__ = ["REDACTION_FILE", "CompiledRule", "RedactionError", "RedactionExample", "RedactionFile",
           "RedactionRule", "RedactionRules", "expand", "load_rules", "read_rules"]
