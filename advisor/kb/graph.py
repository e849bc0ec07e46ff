"""The decision graph: family -> symptom -> observation -> cause -> fix, plus question -> observation.

Built with networkx from the validated knowledge; the lint walks it and
`advisor kb graph` draws it.
"""

from __future__ import annotations

import networkx as nx

from advisor.kb.loader import KnowledgeBase

Node = tuple[str, str]


def node(kind: str, ident: str) -> Node:
    return (kind, ident)


def build_graph(kb: KnowledgeBase) -> nx.DiGraph:
    g = nx.DiGraph()
    for fam in kb.families.values():
        g.add_node(node("family", fam.id), label=fam.title)
        for obs in fam.implies:
            g.add_edge(node("family", fam.id), node("observation", obs), role="implies")
    for sym in kb.symptoms.values():
        g.add_node(node("symptom", sym.id), label=sym.title)
        g.add_edge(node("family", sym.family), node("symptom", sym.id), role="contains")
        for obs in sym.implies:
            g.add_edge(node("symptom", sym.id), node("observation", obs), role="implies")
        if "symptom" in kb.observations:
            g.add_edge(node("symptom", sym.id), node("observation", "symptom"), role="is")
    for obs_def in kb.observations.values():
        g.add_node(node("observation", obs_def.id), label=obs_def.id)
    for q in kb.questions.values():
        g.add_node(node("question", q.id), label=q.text, cost=q.cost)
        g.add_edge(node("question", q.id), node("observation", q.observation), role="fills")
    for cause in kb.causes.values():
        c = node("cause", cause.id)
        g.add_node(c, label=cause.title)
        g.add_edge(node("symptom", cause.symptom), c, role="presents")
        for alt_index, alt in enumerate(cause.requires):
            for obs in alt:
                g.add_edge(node("observation", obs), c, role="requires", alternative=alt_index)
        for obs in cause.supports:
            if not g.has_edge(node("observation", obs), c):
                g.add_edge(node("observation", obs), c, role="supports")
        for obs in cause.contradicts:
            if not g.has_edge(node("observation", obs), c):
                g.add_edge(node("observation", obs), c, role="contradicts")
        g.add_node(node("fix", cause.id), label=" / ".join(cause.fix))
        g.add_edge(c, node("fix", cause.id), role="fixed_by")
    return g


def _safe(n: Node) -> str:
    return f"{n[0]}_{n[1]}".replace(".", "_").replace("-", "_")


def _text(s: str) -> str:
    return s.replace('"', "'").replace("\n", " ")[:80]


def to_mermaid(g: nx.DiGraph) -> str:
    shapes = {"family": ("([", "])"), "symptom": ("[/", "/]"), "observation": ("[", "]"),
              "question": ("{{", "}}"), "cause": ("[[", "]]"), "fix": ("(", ")")}
    lines = ["flowchart LR"]
    for n, data in g.nodes(data=True):
        left, right = shapes.get(n[0], ("[", "]"))
        label = n[1] if n[0] in ("observation", "cause", "question") else data.get("label", n[1])
        lines.append(f'  {_safe(n)}{left}"{_text(str(label))}"{right}')
    for a, b, data in g.edges(data=True):
        arrow = "-.->" if data.get("role") in ("supports", "contradicts") else "-->"
        lines.append(f"  {_safe(a)} {arrow}|{data.get('role', '')}| {_safe(b)}")
    return "\n".join(lines) + "\n"


def to_dot(g: nx.DiGraph) -> str:
    shapes = {"family": "folder", "symptom": "parallelogram", "observation": "ellipse",
              "question": "hexagon", "cause": "box", "fix": "note"}
    lines = ["digraph advisor {", "  rankdir=LR;", "  node [fontsize=10];"]
    for n, data in g.nodes(data=True):
        label = n[1] if n[0] in ("observation", "cause", "question") else data.get("label", n[1])
        lines.append(f'  "{_safe(n)}" [shape={shapes.get(n[0], "ellipse")}, label="{_text(str(label))}"];')
    for a, b, data in g.edges(data=True):
        style = "dashed" if data.get("role") in ("supports", "contradicts") else "solid"
        lines.append(f'  "{_safe(a)}" -> "{_safe(b)}" [label="{data.get("role", "")}", style={style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
