"""Command palette (Ctrl+P): the main actions of a session, each posting its request to the app."""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from advisor.tui import messages as msg

COMMANDS: list[tuple[str, str, Callable[[], msg.Request]]] = [
    ("Why this question?", "what each answer keeps and rules out (w, ?)", msg.ShowWhy),
    ("Help for this question", "how to find the answer out (h, F1)", msg.ShowHelp),
    ("Attach a SIP trace", "read a capture or PBX log and fill in what it shows (t)", msg.AttachTrace),
    ("Show the trace ladder", "sequence diagram of each call in the attached traces (l)", msg.ShowLadder),
    ("Run probes", "test the trunk: DNS, OPTIONS, TLS, numbers, ports; the PBX kit (p)", msg.OpenProbes),
    ("Change an earlier answer", "pick an answer and give another (c)", msg.ChangeAnswer),
    ("Add a note", "a free-text note kept with the session (n)", msg.AddNote),
    ("Edit the trunk context", "customer, ticket, URIs, PBX address, numbers (k)", msg.EditContext),
    ("Show the diagnosis", "the cause, evidence and fix so far (x)", msg.ShowDiagnosis),
    ("Export to a ticket", "markdown, json or html; save and/or copy (e)", msg.Export),
    ("Copy the summary", "the diagnosis as plain text, to the clipboard (y)", msg.CopySummary),
    ("Start over", "a new session; this one stays saved", msg.StartOver),
    ("Toggle dark/light theme", "switch between the dark and the light theme (F2)", msg.ToggleTheme),
    ("Resume the last session", "reopen the most recent stored session (Ctrl+R on the start screen)",
     msg.ResumeSession),
]


class AdvisorCommands(Provider):
    def _post(self, request: Callable[[], msg.Request]) -> Callable[[], None]:
        def post() -> None:
            self.app.post_message(request())

        return post

    async def discover(self) -> Hits:
        for name, help_text, request in COMMANDS:
            yield DiscoveryHit(name, self._post(request), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, request in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._post(request), help=help_text)
