"""A one-line progress strip for slow work (trace analysis, export, loading): spinner, label, Esc hint."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import LoadingIndicator, Static


class WorkStatus(Horizontal):
    """Hidden unless some worker is running; the app shows and hides it."""

    class Ready(Message):
        """A status line was mounted (on a new screen): the app starts it if work is running."""

        def __init__(self, status: WorkStatus) -> None:
            super().__init__()
            self.status = status

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="work-spinner")
        yield Static(id="work-label", markup=False)

    def on_mount(self) -> None:
        self.display = False
        self.post_message(self.Ready(self))

    def start(self, label: str, *, spinner: bool = True, cancellable: bool = True) -> None:
        """Show the label; the spinner animates only when asked (it redraws ~16 times a second,
        which a CPU-bound load in a worker thread would share the interpreter with)."""
        self.query_one("#work-label", Static).update(
            Text.assemble((label, "bold"), ("   Esc cancels" if cancellable else "", "dim")))
        self.query_one("#work-spinner", LoadingIndicator).display = spinner
        self.display = True

    def stop(self) -> None:
        self.display = False
