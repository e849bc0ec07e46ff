"""Export the session for a ticket: format, where to save it, and/or copy it.

Enter saves from anywhere in the dialog: on the format list (which picks the
format as it moves) as on the path field; the buttons copy, or save and copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from advisor.tui.loading import EXPORT_SUFFIX

FORMAT_HELP = {
    "markdown": "for ticket systems that render Markdown",
    "html": "a page to print or attach",
    "json": "everything, lossless, for tools",
    "text": "plain text for ticket systems without Markdown",
}


def export_formats() -> tuple[str, ...]:
    from advisor.session.export import FORMATS

    return tuple(FORMATS)


@dataclass
class ExportRequest:
    format: str
    path: str | None
    copy: bool
    redact_numbers: bool
    force: bool = False
    """Overwrite an existing file (only after the engineer confirmed it)."""


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default_stem: str, formats: tuple[str, ...] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.default_stem = default_stem
        self.formats = formats or export_formats()
        self.format = self.formats[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Export to a ticket"), classes="dialog-title")
            yield Label("Format (up/down; Enter saves)", classes="field-label")
            yield OptionList(*[Option(Text.assemble((f"{fmt:<9}", "bold"), (FORMAT_HELP.get(fmt, ""), "dim")),
                                      id=f"fmt-{fmt}") for fmt in self.formats],
                             id="export-format", markup=False)
            yield Label("Save to (a file or an existing folder; empty: do not save)", classes="field-label")
            yield Input(value=self.default_stem + EXPORT_SUFFIX.get(self.format, ".txt"), id="export-path")
            yield Checkbox("Mask phone numbers", id="export-redact", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save (Enter)"), id="save", variant="primary", compact=True)
                yield Button(Text("Copy"), id="copy", compact=True)
                yield Button(Text("Save + copy"), id="both", compact=True)
                yield Button(Text("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        formats = self.query_one("#export-format", OptionList)
        formats.highlighted = 0
        formats.focus()

    def _set_format(self, fmt: str) -> None:
        path = self.query_one("#export-path", Input)
        old_suffix = EXPORT_SUFFIX.get(self.format, ".txt")
        if path.value.endswith(old_suffix):
            path.value = path.value[: -len(old_suffix)] + EXPORT_SUFFIX.get(fmt, ".txt")
        self.format = fmt

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._set_format((event.option.id or "fmt-markdown").removeprefix("fmt-"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._set_format((event.option.id or "fmt-markdown").removeprefix("fmt-"))
        self.dismiss(self._request(True, False))

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
