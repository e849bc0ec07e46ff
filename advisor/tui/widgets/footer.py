"""Textual's compact Footer, without its two costs on every focus change.

* Textual's Footer recomposes (removes and mounts all its keys) whenever the screen's
  bindings *may* have changed, which is every focus change: every answer moves the focus.
  This one recomposes only when the keys it shows really differ.
* Each compact key sets its "-compact" class after it is mounted, a style update per key;
  here the class is set before mounting. It looks exactly the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen


class AdvisorFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._shown: tuple[Any, ...] | None = None

    def _signature(self) -> tuple[Any, ...]:
        try:
            active = self.screen.active_bindings
        except Exception:
            return ()
        return tuple((node_binding[1].key, node_binding[1].action, node_binding[1].description, node_binding[2],
                      node_binding[3]) for node_binding in active.values()
                     if node_binding[1].show or node_binding[1].action == "app.command_palette")

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._signature()
        for widget in super().compose():
            if isinstance(widget, FooterKey) and self.compact:
                widget.set_class(True, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (self._bindings_ready and self._shown is not None and self.is_attached and screen is self.screen
                and self._signature() == self._shown):
            return
        super().bindings_changed(screen)
