"""A one-line progress strip for slow work (trace analysis, export, loading): spinner, label, Esc hint."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import LoadingIndicator, Static


class WorkStatus(Horizontal):
    """Hidden unless some worker is running; the app shows and hides it."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="work-spinner")
        yield Static(id="work-label", markup=False)

    def on_mount(self) -> None:
        label = getattr(self.app, "work_label", None)
        if isinstance(label, str):
            self.start(label)
        else:
            self.display = False

    def start(self, label: str) -> None:
        self.query_one("#work-label", Static).update(
            Text.assemble((label, "bold"), ("   Esc cancels", "dim")))
        self.display = True

    def stop(self) -> None:
        self.display = False
