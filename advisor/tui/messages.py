"""What screens and widgets ask the app to do.

Screens never reach into the app: they post one of these requests, which bubbles
from the widget to its screen and on to `AdvisorApp`, where one `@on` handler acts
(the app owns the Session, the store and the workers). So the dependency runs one
way (app -> screens), a renamed handler is a type error rather than a silent no-op,
and tests can assert on the stream of requests (`run_test(message_hook=...)`).

To add a feature (a probes panel, an intake step, a training screen): define its
request here (or in the new module, subclassing `Request`), post it from the
screen, and add one `@on(...)` handler in the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from advisor.context import TrunkContext


class Request(Message):
    """Base of every request to the app (a marker: handy for filtering the message stream)."""


class StartSession(Request):
    """Start a new session (from the start screen); held until the knowledge base is in."""

    def __init__(self, family: str, symptom: str | None = None, *, report: str = "",
                 context: TrunkContext | None = None, trace_path: str | None = None) -> None:
        super().__init__()
        self.family = family
        self.symptom = symptom
        self.report = report
        self.context = context
        self.trace_path = trace_path


class ResumeSession(Request):
    """Reopen a stored session (None: the latest)."""

    def __init__(self, session_id: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id


class OpenTraining(Request):
    """Leave the troubleshooting session for training mode (`advisor train`)."""


class SessionShown(Request):
    """The session screen is mounted: the app shows the current state and replays held keys."""


class Answer(Request):
    """The engineer answered (raw: an option value, a number, or "unknown")."""

    def __init__(self, observation: str, raw: str | float, question: str | None = None) -> None:
        super().__init__()
        self.observation = observation
        self.raw = raw
        self.question = question


class ChangeAnswer(Request):
    """Change an earlier answer (None: let the engineer pick which)."""

    def __init__(self, observation: str | None = None, question: str | None = None) -> None:
        super().__init__()
        self.observation = observation
        self.question = question


class ShowCause(Request):
    def __init__(self, cause: str) -> None:
        super().__init__()
        self.cause = cause


class ShowLadder(Request):
    """The ladder of the attached traces, on the message behind `source` (an evidence label) if given."""

    def __init__(self, source: str | None = None) -> None:
        super().__init__()
        self.source = source


class AttachTrace(Request):
    """Attach a trace file (None: ask for its path)."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.path = path


class ShowHelp(Request):
    """How to find out the answer to the open question."""


class ShowWhy(Request):
    """Why the open question: what each answer keeps and rules out."""


class OpenProbes(Request):
    """The probes panel (advisor/tui/screens/probes.py) for the open session."""


class AddNote(Request):
    pass


class EditContext(Request):
    pass


class ShowDiagnosis(Request):
    pass


class BackToConversation(Request):
    pass


class Export(Request):
    pass


class CopySummary(Request):
    pass


class StartOver(Request):
    pass


class ToggleTheme(Request):
    pass


class CancelWork(Request):
    """Cancel slow work (Esc); with `or_back`, go back to the conversation when nothing was running."""

    def __init__(self, or_back: bool = False) -> None:
        super().__init__()
        self.or_back = or_back


class WalkStep(Request):
    """In a read-only transcript: show the session as it was `delta` answers later (or earlier)."""

    def __init__(self, delta: int) -> None:
        super().__init__()
        self.delta = delta
