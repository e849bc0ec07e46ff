"""Small modal dialogs: information (help, why), a note, a yes/no, the trunk context, a trace path."""

from __future__ import annotations

from pathlib import Path

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from advisor.context import TrunkContext
from advisor.engine.diagnosis import NextQuestion
from advisor.kb.loader import KnowledgeBase
from advisor.tui.widgets.context_form import ContextForm


class InfoDialog(ModalScreen[None]):
    """Read-only text; Esc, Enter or q closes."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, title: str, body: RenderableType) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, markup=False, classes="dialog-text")
            yield Label(Text("Esc closes", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(".dialog-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def help_body(kb: KnowledgeBase, q: NextQuestion) -> Text:
    out = Text()
    out.append(q.text + "\n\n", style="bold")
    out.append("How to find this out\n", style="bold underline")
    out.append(q.help.strip() + "\n")
    obs = kb.observations.get(q.observation)
    if obs is not None:
        out.append("\nWhat it records\n", style="bold underline")
        out.append(f"{q.observation}: {obs.description.strip()}\n")
        if obs.type == "number" and obs.unit:
            out.append(f"A number in {obs.unit}.\n", style="dim")
    out.append("\nAnswering \"I don't know\" (0 or d) is always fine: the advisor then asks something else.",
               style="dim")
    return out


def why_body(kb: KnowledgeBase, q: NextQuestion) -> Text:
    def title(cid: str) -> str:
        c = kb.causes.get(cid)
        return c.title if c is not None else cid

    out = Text()
    out.append(q.text + "\n\n", style="bold")
    out.append(q.why + "\n", style="italic")
    alive = max((len(o.keeps) + len(o.rules_out) for o in q.options), default=0)
    for i, opt in enumerate(q.options, 1):
        key = "0" if opt.value == "unknown" else (str(i) if i <= 9 else " ")
        out.append(f"\n{key}  {opt.label}\n", style="bold")
        if not opt.keeps:
            out.append(f"   rules out all {alive}: no known cause fits that answer\n", style="red")
            continue
        out.append(f"   keeps {len(opt.keeps)}", style="green")
        out.append(f", rules out {len(opt.rules_out)}\n", style="red")
        for cid in opt.rules_out[:8]:
            out.append("     ✗ ", style="red")
            out.append(title(cid) + "\n", style="dim")
        if len(opt.rules_out) > 8:
            out.append(f"     ... and {len(opt.rules_out) - 8} more\n", style="dim")
        if opt.rules_out and len(opt.keeps) <= 6:
            for cid in opt.keeps:
                out.append("     ✔ ", style="green")
                out.append(title(cid) + "\n")
    return out


class TextDialog(ModalScreen[str | None]):
    """One line of text (a note, a path); Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str, *, placeholder: str = "", value: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.prompt = prompt
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(Text(self.prompt), markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="dialog-input")
            yield Label(Text("Enter saves · Esc cancels", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#dialog-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [
        Binding("escape", "answer(False)", "No"),
        Binding("n", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes", show=False),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Static(Text(self.question), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(f"{self.yes} (y)"), id="yes", variant="warning", compact=True)
                yield Button(Text("Cancel (n)"), id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ContextDialog(ModalScreen[TrunkContext | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, context: TrunkContext) -> None:
        super().__init__(classes="dialog-screen")
        self.context = context

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Trunk context"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield ContextForm(self.context, id="dialog-context")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save (Ctrl+S)"), id="save", variant="primary", compact=True)
                yield Button(Text("Cancel (Esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ctx-customer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        try:
            self.dismiss(self.query_one(ContextForm).value())
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TraceDialog(TextDialog):
    """Ask for the path of a trace file."""

    def __init__(self, value: str = "") -> None:
        super().__init__("Attach a SIP trace",
                         "Path of a pcap/pcapng capture, an sngrep .txt, or a PBX SIP log "
                         f"(relative to {Path.cwd()}):",
                         placeholder="capture.pcap", value=value)
