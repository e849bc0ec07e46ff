"""Explore mode: the knowledge base as a searchable tree (family > symptom > cause > evidence > fix)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, Tree
from textual.widgets.tree import TreeNode

from advisor.kb.loader import KnowledgeBase
from advisor.training.explore import Node, build_tree, search

STYLES = {"family": "bold", "symptom": "cyan", "cause": "bold yellow", "evidence": "", "fix": "green"}


class ExploreScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+f", "focus_search", "Search", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__()
        self.kb = kb
        self.nodes = build_tree(kb)

    def compose(self) -> ComposeResult:
        with Vertical(id="explore"):
            yield Input(placeholder="search the knowledge base (a cause, a header, a code...)", id="explore-search")
            tree: Tree[Node] = Tree("Knowledge base", id="explore-tree")
            tree.show_root = False
            yield tree
            yield Static("", id="explore-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#explore-tree", Tree).focus()

    def _fill(self, needle: str) -> None:
        tree: Tree[Node] = self.query_one("#explore-tree", Tree)
        tree.clear()
        nodes = search(self.nodes, needle)

        def add(parent: TreeNode[Node], items: list[Node], expand: bool) -> None:
            for n in items:
                label = Text(n.label, style=STYLES.get(n.kind, ""))
                if n.kind == "evidence":
                    label.append(f": {n.detail}", style="dim")
                if n.children:
                    child = parent.add(label, data=n, expand=expand)
                    add(child, n.children, (expand and n.kind not in ("cause",)) or bool(needle))
                else:
                    parent.add_leaf(label, data=n)

        add(tree.root, nodes, expand=bool(needle))
        tree.root.expand()
        if not nodes:
            self.query_one("#explore-detail", Static).update(Text(f"Nothing mentions {needle!r}.", style="yellow"))

    @on(Input.Changed, "#explore-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Tree.NodeHighlighted, "#explore-tree")
    def _show(self, event: Tree.NodeHighlighted[Node]) -> None:
        n = event.node.data
        if n is not None and n.detail:
            self.query_one("#explore-detail", Static).update(Text(n.detail))

    def action_focus_search(self) -> None:
        self.query_one("#explore-search", Input).focus()
