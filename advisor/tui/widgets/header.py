"""The top line of every screen: icon, the screen's title and sub-title.

textual's Header composes four widgets (icon, title, clock space, and a container)
with their own styles and async title watchers; drawn on every screen, it was the
costliest single widget of the first frame (~60 ms of a 0.6 s cold start). This is
one Static that shows the same line, kept current by watching the screen's and the
app's title and sub-title. Untrusted text (a customer or ticket in the sub-title)
is shown literally (markup off); the app's line filter makes control characters visible.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class AdvisorHeader(Widget):
    DEFAULT_CSS = """
    AdvisorHeader {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, icon: str = "☎", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.icon = icon
        self._title = Text()

    def on_mount(self) -> None:
        for owner in (self.app, self.screen):
            self.watch(owner, "title", self._refresh_title, init=False)
            self.watch(owner, "sub_title", self._refresh_title, init=False)
        self._refresh_title()

    def _refresh_title(self, _value: object = None) -> None:
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub_title = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        line = Text(title or "", no_wrap=True)
        if sub_title:
            line.append(" — ", style="dim")
            line.append(sub_title, style="dim")
        self._title = line
        self.refresh()

    def render(self) -> Text:
        """The icon at the left (as textual's header has it), the title centred on the whole line."""
        width = self.size.width
        icon = f" {self.icon} "
        room = max(width - 2 * len(icon), 0)
        title = self._title.copy()
        title.truncate(room, overflow="ellipsis")
        left = max((width - title.cell_len) // 2, len(icon))
        line = Text(icon, no_wrap=True)
        line.append(" " * (left - len(icon)))
        line.append_text(title)
        return line
