"""The graph lint catches the structural mistakes authors make."""

from __future__ import annotations

from pathlib import Path

from advisor.kb.graph import build_graph, to_dot, to_mermaid
from advisor.kb.lint import lint
from advisor.kb.loader import KnowledgeBase, load_kb


def _errors(directory: Path) -> list[str]:
    return [str(f) for f in lint(load_kb(directory)) if f.severity == "error"]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_indistinguishable_causes_are_flagged_unless_declared(kb_copy: Path) -> None:
    f = kb_copy / "causes" / "termination.yaml"
    # make the CPS cause require exactly what the concurrent-limit cause requires
    _replace(f, "    - invite_final_status: \"503\"\n      response_reason: cps_limit\n"
                "    - invite_final_status: \"503\"\n      invite_rate_over_cps_limit: \"yes\"\n",
             "    - invite_final_status: \"503\"\n      response_reason: concurrent_limit\n"
             "    - invite_final_status: \"503\"\n      trial_account: \"yes\"\n      concurrent_calls: {gt: 4}\n")
    _replace(f, "    response_reason: {is: concurrent_limit, weight: 1.0}\n", "")
    _replace(f, "    response_reason: {is: cps_limit, weight: 1.0}\n", "")
    errors = _errors(kb_copy)
    assert any("no observation can tell term.503.cps_limit from term.503.concurrent_limit" in e for e in errors), errors
    _replace(f, "- id: term.503.cps_limit\n", "- id: term.503.cps_limit\n  indistinguishable_from:\n"
                "    - {cause: term.503.concurrent_limit, reason: test}\n")
    assert not any("no observation can tell" in e for e in _errors(kb_copy))


def test_question_that_changes_nothing_is_flagged(kb_copy: Path) -> None:
    _replace(kb_copy / "observations.yaml", "- id: trial_account\n",
             "- id: favourite_colour\n  type: enum\n  values: [red, blue]\n  description: irrelevant\n\n- id: trial_account\n")
    with (kb_copy / "questions.yaml").open("a") as fh:
        fh.write("\n- id: q.favourite_colour\n  observation: favourite_colour\n  cost: 1\n  text: Colour?\n  help: none\n")
    errors = _errors(kb_copy)
    assert any("q.favourite_colour" not in e and "can never change the candidate set" in e and "favourite_colour" in e
               for e in errors), errors


def test_unreachable_cause_is_flagged(kb: KnowledgeBase, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import advisor.kb.lint as lint_module

    def cut(kb_: KnowledgeBase):  # type: ignore[no-untyped-def]
        g = build_graph(kb_)
        g.remove_edges_from(list(g.in_edges(("cause", "orig.415.no_pcmu"))))  # cut every way in
        return g

    monkeypatch.setattr(lint_module, "build_graph", cut)
    errors = [str(f) for f in lint_module.lint(kb) if f.severity == "error"]
    assert any("causes/origination.yaml" in e and "not reachable from any symptom" in e for e in errors), errors


def test_graph_is_a_dag_and_draws(kb: KnowledgeBase) -> None:
    import networkx as nx

    g = build_graph(kb)
    assert nx.is_directed_acyclic_graph(g)
    for cid in kb.causes:
        assert ("fix", cid) in g.successors(("cause", cid))
    mermaid, dot = to_mermaid(g), to_dot(g)
    assert mermaid.startswith("flowchart LR") and "cause_term_403_acl_mismatch" in mermaid
    assert dot.startswith("digraph advisor") and dot.rstrip().endswith("}")
