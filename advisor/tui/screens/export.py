"""Export the session for a ticket: format, where to save it, and/or copy it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from advisor.tui.services import EXPORT_FORMATS, EXPORT_SUFFIX


@dataclass
class ExportRequest:
    format: str
    path: str | None
    copy: bool
    redact_numbers: bool


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_stem: str) -> None:
        super().__init__(classes="dialog-screen")
        self.default_stem = default_stem
        self.format = EXPORT_FORMATS[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Export to a ticket"), classes="dialog-title")
            with RadioSet(id="export-format"):
                for i, fmt in enumerate(EXPORT_FORMATS):
                    yield RadioButton(fmt, value=i == 0, id=f"fmt-{fmt}")
            yield Label("Save to (a file or a folder; empty: do not save)", classes="field-label")
            yield Input(value=self.default_stem + EXPORT_SUFFIX[self.format], id="export-path")
            yield Checkbox("Mask phone numbers", id="export-redact", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save (Enter)"), id="save", variant="primary", compact=True)
                yield Button(Text("Copy"), id="copy", compact=True)
                yield Button(Text("Save + copy"), id="both", compact=True)
                yield Button(Text("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        fmt = (event.pressed.id or "fmt-markdown").removeprefix("fmt-")
        path = self.query_one("#export-path", Input)
        old_suffix = EXPORT_SUFFIX[self.format]
        if path.value.endswith(old_suffix):
            path.value = path.value[: -len(old_suffix)] + EXPORT_SUFFIX[fmt]
        self.format = fmt

    def _request(self, save: bool, copy: bool) -> ExportRequest:
        path = self.query_one("#export-path", Input).value.strip() if save else ""
        return ExportRequest(self.format, path or None, copy, self.query_one("#export-redact", Checkbox).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self._request(True, False))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id in ("save", "copy", "both"):
            self.dismiss(self._request(event.button.id != "copy", event.button.id != "save"))

    def action_cancel(self) -> None:
        self.dismiss(None)
