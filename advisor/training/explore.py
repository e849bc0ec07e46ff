"""Explore mode: the knowledge base as a tree a trainee can read and search.

family -> symptom (the guide's heading) -> cause -> how to know (the facts that
confirm it, what makes it likelier or rules it out) -> fix. The same tree backs
`advisor train explore` (text or JSON) and the TUI's explore screen.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from advisor.kb.loader import KnowledgeBase
from advisor.kb.models import Condition


class Node(BaseModel):
    kind: str = Field(description="family | symptom | cause | evidence | fix")
    id: str
    label: str
    detail: str = ""
    children: list[Node] = Field(default_factory=list)

    def matches(self, needle: str) -> bool:
        return needle in f"{self.id} {self.label} {self.detail}".lower()


def _cond(obs: str, cond: Condition) -> str:
    return f"{obs} {cond.describe()}"


def cause_node(kb: KnowledgeBase, cause_id: str) -> Node:
    cause = kb.causes[cause_id]
    evidence: list[Node] = []
    for i, alt in enumerate(cause.requires, 1):
        head = "confirmed when" if len(cause.requires) == 1 else f"confirmed when (way {i})"
        evidence.append(Node(kind="evidence", id=f"{cause_id}#requires{i}", label=head,
                             detail="; ".join(_cond(o, c) for o, c in alt.items())))
    if cause.supports:
        evidence.append(Node(kind="evidence", id=f"{cause_id}#supports", label="likelier when",
                             detail="; ".join(_cond(o, c) for o, c in cause.supports.items())))
    hard = {o: c for o, c in cause.contradicts.items() if (c.weight or 0) >= 1}
    if hard:
        evidence.append(Node(kind="evidence", id=f"{cause_id}#rules_out", label="ruled out when",
                             detail="; ".join(_cond(o, c) for o, c in hard.items())))
    fixes = [Node(kind="fix", id=f"{cause_id}#fix{i}", label=f"{i}. {step}") for i, step in enumerate(cause.fix, 1)]
    return Node(kind="cause", id=cause_id, label=cause.title, detail=f"{cause.mechanism} (guide: {cause.guide})",
                children=[*evidence, Node(kind="fix", id=f"{cause_id}#fix", label="fix", children=fixes)])


def build_tree(kb: KnowledgeBase) -> list[Node]:
    out: list[Node] = []
    for fam in kb.families.values():
        symptoms = []
        for sym in kb.symptoms.values():
            if sym.family != fam.id:
                continue
            causes = [cause_node(kb, cid) for cid, c in kb.causes.items() if c.symptom == sym.id]
            symptoms.append(Node(kind="symptom", id=sym.id, label=sym.title, detail=sym.guide, children=causes))
        out.append(Node(kind="family", id=fam.id, label=fam.title, children=symptoms))
    return out


def search(nodes: list[Node], needle: str) -> list[Node]:
    """Keep the branches where a node matches (a matching node keeps its whole subtree)."""
    needle = needle.lower().strip()
    if not needle:
        return nodes
    out: list[Node] = []
    for n in nodes:
        if n.matches(needle):
            out.append(n)
            continue
        kept = search(n.children, needle)
        if kept:
            out.append(n.model_copy(update={"children": kept}))
    return out


def render_text(nodes: list[Node], depth: int = 99) -> str:
    lines: list[str] = []

    def walk(items: list[Node], prefix: str, level: int) -> None:
        for i, n in enumerate(items):
            last = i == len(items) - 1
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{n.label}" + (f"  [{n.id}]" if n.kind in
                                                                           ("family", "symptom", "cause") else "")
                         + (f": {n.detail}" if n.kind == "evidence" else ""))
            if level < depth:
                walk(n.children, prefix + ("   " if last else "│  "), level + 1)

    walk(nodes, "", 1)
    return "\n".join(lines)
