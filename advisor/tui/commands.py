"""Command palette (Ctrl+P): the main actions of a session."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from advisor.tui.app import AdvisorApp


class AdvisorCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("AdvisorApp", self.app)
        items: list[tuple[str, str, Callable[[], object]]] = [
            ("Why this question?", "what each answer keeps and rules out (w, ?)", app.show_why),
            ("Help for this question", "how to find the answer out (h, F1)", app.show_help),
            ("Attach a SIP trace", "read a capture or PBX log and fill in what it shows (t)", app.ask_trace),
            ("Show the trace ladder", "sequence diagram of each call in the attached traces (l)", app.show_ladder),
            ("Run probes", "test the trunk: DNS, OPTIONS, TLS, numbers, ports; the PBX kit (p)", app.action_probes),
            ("Change an earlier answer", "pick an answer and give another (c)", app.change_answer),
            ("Add a note", "a free-text note kept with the session (n)", app.add_note),
            ("Edit the trunk context", "customer, ticket, URIs, PBX address, numbers (k)", app.edit_context),
            ("Show the diagnosis", "the cause, evidence and fix so far (x)", app.show_diagnosis),
            ("Export to a ticket", "markdown, json or html; save and/or copy (e)", app.export),
            ("Copy the summary", "the diagnosis as plain text, to the clipboard (y)", app.copy_summary),
            ("Start over", "a new session; this one stays saved", app.start_over),
            ("Toggle dark/light theme", "switch between the dark and the light theme (F2)", app.action_toggle_theme),
        ]
        if app.latest_stored is not None:
            items.append(("Resume the last session", f"reopen {app.latest_stored.id}",
                          lambda: app.resume_session(None)))
        return items

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
