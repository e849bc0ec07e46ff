"""The live reasoning panel: candidate causes ranked with confidence bars, ruled-out ones greyed.

Enter (or a click) on a cause asks for its details (evidence, fix, what is still needed).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from advisor.engine.diagnosis import CauseResult, Diagnosis
from advisor.tui.present import bar, percent, why_ruled_out

BAR_WIDTH = 8


def cause_prompt(cause: CauseResult) -> Text:
    if cause.status == "ruled_out":
        out = Text()
        out.append("✗ ", style="dim")
        out.append(cause.title, style="dim strike")
        out.append("\n  " + why_ruled_out(cause), style="dim italic")
        return out
    style = "bold green" if cause.status == "confirmed" else "cyan"
    out = Text()
    out.append(bar(cause.confidence, BAR_WIDTH), style=style)
    out.append(f" {percent(cause.confidence):>4} ", style="bold")
    if cause.status == "confirmed":
        out.append("CONFIRMED ", style="bold green")
    out.append(cause.title)
    return out


class ReasoningPanel(Vertical):
    """Every cause with its status; updated after every answer."""

    class CauseChosen(Message):
        def __init__(self, cause: str) -> None:
            super().__init__()
            self.cause = cause

    def compose(self) -> ComposeResult:
        yield Static(id="r-summary", markup=False)
        yield OptionList(id="r-causes", markup=False)

    def show(self, d: Diagnosis) -> None:
        alive = [c for c in d.causes if c.status != "ruled_out"]
        ruled = [c for c in d.causes if c.status == "ruled_out"]
        self.query_one("#r-summary", Static).update(
            Text.assemble((f"{len(alive)} possible", "bold"), f" · {len(ruled)} ruled out\n",
                          (d.conclusion.summary, "italic")))
        options = self.query_one("#r-causes", OptionList)
        highlighted = options.highlighted_option.id if options.highlighted_option is not None else None
        content: list[Option | None] = [Option(cause_prompt(c), id=c.id) for c in alive]
        if ruled:
            content.append(Option(Text(f"Ruled out ({len(ruled)})", style="bold dim"), disabled=True))
            content += [Option(cause_prompt(c), id=c.id) for c in ruled]
        options.set_options(content)
        if highlighted is not None:
            try:
                options.highlighted = options.get_option_index(highlighted)
            except Exception:
                options.highlighted = 0 if alive else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.CauseChosen(event.option.id))

    def focus_list(self) -> None:
        self.query_one("#r-causes", OptionList).focus()
