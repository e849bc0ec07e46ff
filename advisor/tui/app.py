"""The SIP Trunk Advisor TUI: drives one `Session`, renders its diagnosis after every change.

All reasoning happens in `advisor.session` and `advisor.engine`; this app only
shows what they derive and forwards what the engineer enters. Screens ask for
things by posting the requests of `advisor.tui.messages`; the `@on` handlers
below act on them (the app owns the session, the store and the workers). Slow
work (the knowledge base, traces, exports) runs in thread workers with a visible
status line, cancellable with Esc.

Start-up: only textual and the start screen are imported here. The knowledge base
(from the compiled cache when current) loads in a worker after the first frame;
keys pressed before a session screen can take them are held and replayed in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.worker import get_current_worker

from advisor.tui import messages as msg
from advisor.tui.choices import LatestSession, StartChoices
from advisor.tui.commands import AdvisorCommands
from advisor.tui.safety import VisibleControls
from advisor.tui.screens.start import StartScreen
from advisor.tui.widgets.work import WorkStatus

if TYPE_CHECKING:
    # the engine, sessions and the other screens are imported when first needed (after the
    # start screen is on screen): `advisor` paints its first frame without loading them
    from advisor.context import TrunkContext
    from advisor.engine.diagnosis import Advisor, Diagnosis, NextQuestion
    from advisor.engine.observations import Observation
    from advisor.evidence.analyze import TraceAnalysis
    from advisor.session.core import Session
    from advisor.session.events import SessionRecord
    from advisor.session.store import SessionStore, SessionStoreError
    from advisor.tui.clipboard import Copied
    from advisor.tui.screens.answer import FactChoice
    from advisor.tui.screens.diagnosis import DiagnosisScreen
    from advisor.tui.screens.export import ExportRequest
    from advisor.tui.screens.probes import ProbesReported
    from advisor.tui.screens.session import SessionScreen

DARK, LIGHT = "textual-dark", "textual-light"
KEEP_KEYS = frozenset({"ctrl+q", "ctrl+c", "ctrl+p", "escape"})
"""Keys never held while a session is being opened (quit, palette, cancel act at once)."""


def _new_record() -> SessionRecord:
    from advisor.session.events import SessionRecord

    return SessionRecord()


class _Default:
    """Marker: open the user's SessionStore (None means: do not save sessions)."""


DEFAULT_STORE = _Default()


class AdvisorApp(App[int]):
    CSS_PATH = "advisor.tcss"
    TITLE = "SIP Trunk Advisor"
    COMMANDS = App.COMMANDS | {AdvisorCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_theme", "theme", show=False),
        Binding("ctrl+q", "quit", "quit", priority=True),
        Binding("p", "probes", "probes", show=False),
    ]

    def __init__(self, advisor: Advisor | None = None, *, kb_dir: str | None = None,
                 store: SessionStore | _Default | None = DEFAULT_STORE, resume: bool = False,
                 resume_id: str | None = None, new_record: Callable[[], SessionRecord] | None = None,
                 theme: str = DARK) -> None:
        super().__init__()
        self.advisor: Advisor | None = advisor
        self.kb_dir = kb_dir
        self._store_arg = store
        self.store: SessionStore | None = None
        self.resume = resume
        self.resume_id = resume_id
        self.new_record = new_record or _new_record
        self.initial_theme = theme
        self.session: Session | None = None
        self.diagnosis: Diagnosis | None = None
        self.read_only: ReadOnlyWalk | None = None
        self.latest_stored: LatestSession | None = None
        self.traces: dict[str, TraceAnalysis] = {}
        self.work_label: str | None = None
        self._work_style = (True, True)
        """How the running work is shown: (spinner, "Esc cancels")."""
        self.last_export: Path | None = None
        self.load_error: str | None = None
        self.cache_state = ""
        """How the knowledge base was loaded: "hit", "miss", "off" (compiled cache) or "" (given)."""
        self._pending_start: msg.StartSession | None = None
        self._held: list[events.Key] | None = None
        self._visible_controls = VisibleControls()
        self.open_training = False
        """Set when the engineer chose training: `advisor` then starts the training app after this one."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters plus ours: no control character in any drawn line reaches the terminal."""
        return [*super().get_line_filters(), self._visible_controls]

    # ---- start-up ----------------------------------------------------------------------
    def on_mount(self) -> None:
        from advisor.tui.startup import RESUME_AFTER_S, gc_paused, resume_gc

        if gc_paused():  # `advisor tui` paused the cycle collector for the start-up
            self.set_timer(RESUME_AFTER_S, resume_gc)
        self.theme = self.initial_theme
        if not self.resume:
            self.push_screen(self._start_screen())
        if self.advisor is None or isinstance(self._store_arg, _Default):
            # no spinner: its animation would compete with the load for the interpreter; a slow load
            # (over 0.5 s) still gets the status line
            self.set_timer(0.5, self._slow_load)
            # after the first frame: the start screen shows while the engine loads
            self.call_after_refresh(self._load_knowledge)
        else:
            self.store = self._store_arg
            self._knowledge_ready(self.advisor, self._latest())

    def _slow_load(self) -> None:
        if self.advisor is None and self.load_error is None:
            # a still line: a spinner would take the interpreter from the load it waits for
            self._set_work("Loading the knowledge base...", spinner=False, cancellable=False)

    def _start_screen(self) -> StartScreen:
        choices: StartChoices | None = None
        if self.advisor is not None:
            from advisor.tui.choices import choices_of

            choices = choices_of(self.advisor.kb)
        return StartScreen(choices, self.latest_stored, kb_dir=self.kb_dir)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_knowledge(self) -> None:
        from advisor.tui.loading import load_advisor, open_store, prepare_session_screen

        try:
            advisor = self.advisor
            if advisor is None:
                advisor, self.cache_state = load_advisor(self.kb_dir)
        except Exception as exc:
            self.call_from_thread(self._load_failed, exc)
            return
        if isinstance(self._store_arg, _Default):
            self.store, problem = open_store()
            if problem:
                self.call_from_thread(self.notify, f"Sessions will not be saved: {problem}", severity="warning",
                                      markup=False)
        else:
            self.store = self._store_arg
        latest = self._latest()
        prepare_session_screen()
        self.call_from_thread(self._knowledge_ready, advisor, latest)

    def _latest(self) -> LatestSession | None:
        from advisor.tui.loading import latest_session

        return latest_session(self.store)

    def _load_failed(self, exc: Exception) -> None:
        from advisor.kb.loader import KBError

        self._set_work(None)
        if len(self.screen_stack) < 2:
            self.push_screen(self._start_screen())
        detail = "\n".join(str(p) for p in exc.problems[:8]) if isinstance(exc, KBError) else str(exc)
        self.load_error = detail
        for screen in self.screen_stack:
            if isinstance(screen, StartScreen):
                screen.stay()
        self._pending_start = None
        self._release_keys(replay=False)
        self.notify(detail, title="The knowledge base could not be loaded", severity="error", timeout=30,
                    markup=False)

    def _knowledge_ready(self, advisor: Advisor, latest: LatestSession | None) -> None:
        from advisor.tui.choices import choices_of

        self.advisor = advisor
        self.latest_stored = latest
        self._set_work(None)
        choices = choices_of(advisor.kb)
        for screen in self.screen_stack:
            if isinstance(screen, StartScreen):
                screen.populate(choices)
                screen.show_resume(latest)
        if self.resume:
            self.resume = False
            self._resume(self.resume_id)
        elif self._pending_start is not None:
            pending, self._pending_start = self._pending_start, None
            self._start(pending)

    # ---- keys pressed before a screen can take them -------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if (self._held is not None and isinstance(event, events.Key) and not event.is_forwarded
                and event.key not in KEEP_KEYS):
            self._held.append(event)  # replayed, in order, once the session screen is up
            return
        await super().on_event(event)

    def _hold_keys(self) -> None:
        if self._held is None:
            self._held = []

    def _release_keys(self, replay: bool = True) -> None:
        held, self._held = self._held or [], None
        if replay:
            for key in held:
                self.post_message(events.Key(key.key, key.character))

    # ---- sessions ----------------------------------------------------------------------
    @on(msg.StartSession)
    def _on_start_session(self, request: msg.StartSession) -> None:
        if self.advisor is None:
            if self.load_error is not None:  # the list came from symptoms.yaml, but the knowledge base is broken
                self.notify(self.load_error, title="The knowledge base could not be loaded", severity="error",
                            markup=False)
                return
            self._pending_start = request  # started as soon as the knowledge base is in
            self._hold_keys()
            return
        self._start(request)

    def _start(self, request: msg.StartSession) -> None:
        if request.report:
            from advisor.tui.screens.intake import start_with_report

            # the engineer may be asked to confirm what the customer's words say: keys go to that dialog
            self._release_keys()
            start_with_report(self, request.family, request.symptom, report=request.report,
                              context=request.context, trace_path=request.trace_path)
            return
        self._hold_keys()
        try:
            self.start_session(request.family, request.symptom, context=request.context,
                               trace_path=request.trace_path)
        except Exception:
            self._release_keys(replay=False)  # never leave the keyboard held
            raise

    def start_session(self, family: str, symptom: str | None = None, *, report: str = "",
                      context: TrunkContext | None = None, trace_path: str | None = None,
                      report_observations: Sequence[Observation] = (), report_notes: Sequence[str] = ()) -> Session:
        from advisor.session.core import Session
        from advisor.tui.present import family_title

        assert self.advisor is not None
        session = Session(self.advisor, record=self.new_record())
        kb = self.advisor.kb
        parts = [p for p in ((context.customer, context.ticket) if context else ()) if p]
        session.record.title = " · ".join([*parts, family_title(kb, family)])
        if self.store is not None:
            self.store.attach(session, on_error=self._save_failed)
        session.choose_family(family, symptom)
        if report:  # what the engineer confirmed of the customer's words (screens/intake.py), the rest as notes
            session.report_text(report, report_observations)
            for note in report_notes:
                session.note(note)
        if context is not None and not context.is_empty():
            session.set_context(context)
        self.read_only = None
        self.open_session(session)
        if trace_path:
            self.attach_trace(trace_path)
        return session

    def open_session(self, session: Session) -> None:
        from advisor.tui.screens.session import SessionScreen

        self.session = session
        self.traces = {}
        d = session.diagnosis()
        self.diagnosis = d
        screen = SessionScreen(session, d, session.view().answered + 1, self.size.width,
                               read_only=self.read_only is not None)
        screen.sub_title = self._subtitle(session)
        if len(self.screen_stack) < 2 or isinstance(self.screen, StartScreen):
            # at once (not in a worker), so keys that follow already go to the new screen; the start
            # screen stays beneath (removing a screen a few ms after it mounted races its Header)
            self.push_screen(screen)
        else:
            self.run_worker(self._show_only(screen), group="screens")

    async def _show_only(self, screen: SessionScreen) -> None:
        """Put the session on screen, with nothing of an earlier session left under or above it."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(screen)

    @on(msg.OpenTraining)
    def _open_training(self) -> None:
        self.open_training = True
        self.exit(0)

    @on(msg.SessionShown)
    def _on_session_shown(self) -> None:
        from advisor.tui.startup import resume_gc

        self.refresh_session()
        self.call_after_refresh(self._release_keys)
        self.call_after_refresh(resume_gc)  # the start-up is over once this screen is drawn

    @on(msg.ResumeSession)
    def _on_resume(self, request: msg.ResumeSession) -> None:
        if request.session_id is None and self.latest_stored is None:
            self.notify("No stored session to resume.")
            return
        self._resume(request.session_id)

    def _resume(self, ref: str | None) -> None:
        from advisor.tui.loading import ResumeFailed, open_stored_session, open_transcript

        if self.advisor is None:
            self.resume, self.resume_id = True, ref
            return
        try:
            if ref is not None and Path(ref).is_file():
                walk = ReadOnlyWalk(open_transcript(Path(ref), self.advisor))
                self.read_only = walk
                session = walk.session
            else:
                session = open_stored_session(ref, self.advisor, self.store)
                self.read_only = None
                if self.store is not None:
                    self.store.attach(session, on_error=self._save_failed)
        except ResumeFailed as exc:
            self.notify(str(exc), title="Cannot resume", severity="error", markup=False)
            if len(self.screen_stack) < 2:
                self.push_screen(self._start_screen())
            return
        self.open_session(session)
        if self.read_only is not None:
            self.notify(f"Read-only: {Path(ref or '').name}. Walk through it with , and . (earlier/later "
                        "answer); nothing is saved.", markup=False, timeout=8)
        for file in [ev.file for ev in session.view().traces]:
            if Path(file).is_file():
                self._reanalyze(file)

    def resume_session(self, session_id: str | None) -> None:
        """Reopen a stored session (the latest when None) or, given a file, a transcript read-only."""
        self._resume(session_id)

    def _save_failed(self, exc: SessionStoreError) -> None:
        self.notify(str(exc), title="Session not saved", severity="error", markup=False)

    def session_screen(self) -> SessionScreen | None:
        from advisor.tui.screens.session import SessionScreen

        for screen in self.screen_stack:
            if isinstance(screen, SessionScreen):
                return screen
        return None

    def diagnosis_screen(self) -> DiagnosisScreen | None:
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        for screen in self.screen_stack:
            if isinstance(screen, DiagnosisScreen):
                return screen
        return None

    def refresh_session(self) -> None:
        """Recompute nothing here: ask the session for its diagnosis and show it everywhere."""
        with self.batch_update():
            self._refresh_session()

    def _refresh_session(self) -> None:
        from advisor.tui.present import CONCLUDED
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        session = self.session
        screen = self.session_screen()
        if session is None or screen is None or not screen.is_mounted:
            return
        d = session.diagnosis()
        self.diagnosis = d
        concluded = d.conclusion.status in CONCLUDED
        if concluded and self.read_only is None:
            session.conclude()  # recorded once (the Session guards it), before the log is drawn
        screen.render_state(d, session.view().answered + 1, focus=self.screen is screen)
        screen.sub_title = self._subtitle(session)
        if concluded and self.read_only is None:
            diag = self.diagnosis_screen()
            if diag is not None:
                diag.show(d)
            else:
                diag = DiagnosisScreen(session.advisor.kb, d)
                diag.sub_title = screen.sub_title
                self.push_screen(diag)
        else:
            diag = self.diagnosis_screen()
            if diag is not None and self.screen is diag:
                self.pop_screen()
            q = d.next_question
            if q is not None and self.read_only is None and not session.showing(q.id):
                # bookkeeping only (and a save): after the frame, so the answer shows sooner
                self.call_after_refresh(self._record_shown, session, q.id, q.observation)

    def _record_shown(self, session: Session, question: str, observation: str) -> None:
        d = self.diagnosis
        if session is self.session and d is not None and d.next_question is not None \
                and d.next_question.id == question:
            session.show_question(question, observation)

    def _subtitle(self, session: Session) -> str:
        from advisor.tui.present import context_badge

        badge = context_badge(session.context)
        sub = f"{badge} · {session.id}" if badge else session.id
        if self.read_only is not None:
            sub = f"read-only · {self.read_only.position()} · {sub}"
        return sub

    def _writable(self) -> bool:
        if self.read_only is not None:
            self.notify("This transcript is read-only: start a new session (Ctrl+P) to work on a case.")
            return False
        return self.session is not None

    @on(msg.Answer)
    def _on_answer(self, request: msg.Answer) -> None:
        self.apply_answer(request.observation, request.raw, request.question)

    def apply_answer(self, observation: str, raw: str | float, question: str | None = None) -> bool:
        if self.session is None or not self._writable():
            return False
        try:
            self.session.answer(observation, raw, question)
        except ValueError as exc:
            self.notify(str(exc), title="Not a valid answer", severity="error", markup=False)
            return False
        self.refresh_session()
        return True

    @on(msg.WalkStep)
    def _on_walk(self, request: msg.WalkStep) -> None:
        walk = self.read_only
        if walk is None or self.session is None:
            return
        if not walk.step(request.delta):
            self.bell()
            return
        self.refresh_session()

    # ---- dialogs -----------------------------------------------------------------------
    def _question(self) -> NextQuestion | None:
        return self.diagnosis.next_question if self.diagnosis is not None else None

    # ---- probes (advisor/tui/screens/probes.py) ---------------------------------------------
    @on(msg.OpenProbes)
    def action_probes(self) -> None:
        from advisor.tui.screens.probes import open_probes

        if self._writable():
            open_probes(self)

    def on_probes_reported(self, message: ProbesReported) -> None:
        if self.session is not None and self.read_only is None:
            for run in message.runs:
                self.session.record_probe(run)
            self.refresh_session()

    @on(msg.ShowHelp)
    def _on_help(self) -> None:
        from advisor.tui.screens.dialogs import InfoDialog, help_body

        q = self._question()
        if q is None or self.advisor is None:
            self.notify("No question is open.")
            return
        self.push_screen(InfoDialog("How to find this out", help_body(self.advisor.kb, q)))

    @on(msg.ShowWhy)
    def _on_why(self) -> None:
        from advisor.tui.screens.dialogs import InfoDialog, why_body

        q = self._question()
        if q is None or self.advisor is None:
            self.notify("No question is open.")
            return
        self.push_screen(InfoDialog("Why this question?", why_body(self.advisor.kb, q)))

    @on(msg.AddNote)
    def _on_note(self) -> None:
        from advisor.tui.screens.dialogs import TextDialog

        if not self._writable():
            return
        q = self._question()

        def done(text: str | None) -> None:
            if text and text.strip() and self.session is not None:
                self.session.note(text.strip(), q.id if q is not None else None)
                self.refresh_session()

        self.push_screen(TextDialog("Note", "A note for the session (kept in the log and the export):",
                                    placeholder="what the customer said, what you checked..."),
                         done)

    @on(msg.EditContext)
    def _on_context(self) -> None:
        from advisor.tui.screens.dialogs import ContextDialog

        if not self._writable() or self.session is None:
            return

        def done(ctx: TrunkContext | None) -> None:
            if ctx is not None and self.session is not None and ctx != self.session.context:
                self.session.set_context(ctx)
                self.refresh_session()

        self.push_screen(ContextDialog(self.session.context), done)

    @on(msg.ChangeAnswer)
    def _on_change(self, request: msg.ChangeAnswer) -> None:
        self.change_answer(request.observation, request.question)

    def change_answer(self, observation: str | None = None, question: str | None = None) -> None:
        from advisor.tui.present import answerable_facts, current_value
        from advisor.tui.screens.answer import AnswerDialog, PickFactDialog

        session = self.session
        if session is None or not self._writable():
            return
        kb = session.advisor.kb
        if observation is None:
            facts = answerable_facts(session)
            if not facts:
                self.notify("Nothing answered yet.")
                return

            def picked(choice: FactChoice | None) -> None:
                if choice is not None:
                    self.change_answer(choice.observation, choice.question)

            self.push_screen(PickFactDialog(kb, facts), picked)
            return
        current = current_value(session, observation)

        def done(raw: str | None) -> None:
            if raw is not None:
                self.apply_answer(observation, raw, question)

        self.push_screen(AnswerDialog(kb, observation, question, current.value if current else None), done)

    @on(msg.ShowCause)
    def _on_cause(self, request: msg.ShowCause) -> None:
        from advisor.tui.screens.cause import CauseDialog

        if self.diagnosis is None or self.advisor is None:
            return
        cause = next((c for c in self.diagnosis.causes if c.id == request.cause), None)
        if cause is None:
            return

        def done(source: str | None) -> None:
            if source:
                self.show_ladder(source)

        self.push_screen(CauseDialog(self.advisor.kb, cause), done)

    @on(msg.ShowDiagnosis)
    def _on_show_diagnosis(self) -> None:
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        if self.session is None or self.diagnosis is None:
            return
        if self.diagnosis_screen() is None:
            diag = DiagnosisScreen(self.session.advisor.kb, self.diagnosis)
            diag.sub_title = self._subtitle(self.session)
            self.push_screen(diag)

    @on(msg.BackToConversation)
    def _on_back(self) -> None:
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        if isinstance(self.screen, DiagnosisScreen):
            self.pop_screen()
            screen = self.session_screen()
            if screen is not None:
                self.call_after_refresh(screen.focus_question)

    @on(msg.StartOver)
    def _on_start_over(self) -> None:
        from advisor.tui.screens.dialogs import ConfirmDialog

        if self.read_only is not None:
            self.run_worker(self._reset_to_start(), exclusive=True, group="screens")
            return
        saved = "It stays saved" if self.store is not None else "It is not saved (no session store)"

        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._reset_to_start(), exclusive=True, group="screens")

        self.push_screen(ConfirmDialog(f"Start a new session? {saved}.", yes="Start over"), done)

    async def _reset_to_start(self) -> None:
        self.session = None
        self.diagnosis = None
        self.read_only = None
        self.traces = {}
        self.latest_stored = self._latest()
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(self._start_screen())
        else:
            await self.push_screen(self._start_screen())

    @on(msg.ToggleTheme)
    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    # ---- copy and export ---------------------------------------------------------------
    @on(msg.CopySummary)
    def _on_copy(self) -> None:
        from advisor.tui.present import summary_text

        if self.session is None or self.diagnosis is None:
            self.notify("Nothing to copy yet.")
            return
        copied = self._copy(summary_text(self.session, self.diagnosis))
        self.notify(f"Summary {copied.sentence}.", severity="information" if copied.ok else "warning",
                    markup=False)

    def _copy(self, text: str) -> Copied:
        from advisor.tui.clipboard import copy_text

        return copy_text(self, text)

    @on(msg.Export)
    def _on_export(self) -> None:
        from advisor.tui.screens.export import ExportDialog

        session = self.session
        if session is None:
            return

        def done(req: ExportRequest | None) -> None:
            if req is not None and self.session is not None:
                if not req.path and not req.copy:
                    return
                self._set_work(f"Exporting {req.format}...")
                self._export(self.session, req)

        self.push_screen(ExportDialog(f"advisor-{session.id}"), done)

    @work(thread=True, exclusive=True, group="work", exit_on_error=False)
    def _export(self, session: Session, req: ExportRequest) -> None:
        from advisor.session.export import export_session
        from advisor.tui.loading import ExportExists, write_export

        worker = get_current_worker()
        try:
            text = export_session(session, req.format, redact_numbers=req.redact_numbers)
            path = write_export(session.id, req.format, text, req.path, force=req.force) if req.path else None
        except ExportExists as exists:
            if not worker.is_cancelled:
                self.call_from_thread(self._confirm_overwrite, session, req, exists.path)
            return
        except Exception as exc:
            if not worker.is_cancelled:
                self.call_from_thread(self._work_failed, "Export failed", exc)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._export_done, req, path, text)

    def _confirm_overwrite(self, session: Session, req: ExportRequest, path: Path) -> None:
        from advisor.tui.screens.dialogs import ConfirmDialog

        self._set_work(None)

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_work(f"Exporting {req.format}...")
                self._export(session, dataclasses.replace(req, force=True))

        self.push_screen(ConfirmDialog(f"{path} already exists. Overwrite it?", yes="Overwrite"), answered)

    def _export_done(self, req: ExportRequest, path: Path | None, text: str) -> None:
        self._set_work(None)
        if self.session is None:
            return
        done = []
        writable = self.read_only is None
        if path is not None:
            self.last_export = path
            if writable:
                self.session.record_export(req.format, str(path))
            done.append(f"saved to {path}")
        ok = True
        if req.copy:
            copied = self._copy(text)
            ok = copied.ok
            if copied.ok and writable:
                self.session.record_export(req.format, "clipboard")
            done.append(copied.sentence)
        self.notify(f"Export ({req.format}) " + " and ".join(done) + ".", markup=False,
                    severity="information" if ok else "warning")
        self.refresh_session()

    # ---- traces --------------------------------------------------------------------------
    @on(msg.AttachTrace)
    def _on_attach_trace(self, request: msg.AttachTrace) -> None:
        from advisor.tui.screens.dialogs import TraceDialog

        if not self._writable():
            return
        if request.path:
            self.attach_trace(request.path)
            return
        self.push_screen(TraceDialog(), lambda path: self.attach_trace(path) if path else None)

    def attach_trace(self, path: str) -> None:
        if self.session is None or self.advisor is None:
            return
        self._set_work(f"Analysing {Path(path).name}...")
        self._trace(self.advisor, path, self.session.context)

    @work(thread=True, exclusive=True, group="work", exit_on_error=False)
    def _trace(self, advisor: Advisor, path: str, context: TrunkContext) -> None:
        from advisor.tui.loading import analyze_trace

        worker = get_current_worker()
        try:
            analysis = analyze_trace(advisor.kb, path, context)
        except Exception as exc:
            if not worker.is_cancelled:
                self.call_from_thread(self._work_failed, "Cannot read the trace", exc)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._trace_done, path, analysis)

    def _trace_done(self, path: str, analysis: TraceAnalysis) -> None:
        from advisor.session.consistency import trace_contradictions

        self._set_work(None)
        session = self.session
        if session is None:
            return
        file = str(Path(path).expanduser())
        warnings = trace_contradictions(session.view(), analysis)
        # the SIP lines the findings rest on travel with the session (tickets quote them after the file is gone);
        # the direction mismatch is one of Session.warnings() (computed, so CLI and tickets show it too): only
        # notified here, not recorded twice
        session.attach_analysis(file, analysis)
        self.traces[file] = analysis
        found = len(analysis.findings)
        self.notify(f"{Path(file).name}: {len(analysis.calls)} call(s), {found} fact(s) filled in from the trace.",
                    markup=False)
        for warning in warnings:
            self.notify(warning, title="The trace does not match this session", severity="warning", timeout=15,
                        markup=False)
        self.refresh_session()

    @work(thread=True, group="reanalyze", exit_on_error=False)
    def _reanalyze(self, file: str) -> None:
        from advisor.tui.loading import analyze_trace

        if self.advisor is None or self.session is None:
            return
        try:
            analysis = analyze_trace(self.advisor.kb, file, self.session.context)
        except Exception:
            return
        self.call_from_thread(self.traces.__setitem__, file, analysis)

    @on(msg.ShowLadder)
    def _on_ladder(self, request: msg.ShowLadder) -> None:
        self.show_ladder(request.source)

    def show_ladder(self, source: str | None = None) -> None:
        from advisor.tui.screens.trace import LadderScreen

        if not self.traces:
            self.notify("No trace with calls to show: attach one first (t).")
            return
        self.push_screen(LadderScreen(list(self.traces.values()), source))

    # ---- background work -----------------------------------------------------------------
    def _set_work(self, label: str | None, *, spinner: bool = True, cancellable: bool = True) -> None:
        self.work_label = label
        self._work_style = (spinner, cancellable)
        for screen in self.screen_stack:
            for status in screen.query(WorkStatus):
                if label is None:
                    status.stop()
                else:
                    status.start(label, spinner=spinner, cancellable=cancellable)

    @on(WorkStatus.Ready)
    def _on_status_ready(self, event: WorkStatus.Ready) -> None:
        if self.work_label is not None:
            spinner, cancellable = self._work_style
            event.status.start(self.work_label, spinner=spinner, cancellable=cancellable)

    def _work_failed(self, title: str, exc: BaseException) -> None:
        self._set_work(None)
        self.notify(str(exc) or type(exc).__name__, title=title, severity="error", markup=False)

    @on(msg.CancelWork)
    def _on_cancel(self, request: msg.CancelWork) -> None:
        if not self.cancel_work() and request.or_back:
            self._on_back()

    def cancel_work(self) -> bool:
        running = [w for w in self.workers if w.group == "work" and w.is_running]
        for w in running:
            w.cancel()
        if running:
            self._set_work(None)
            self.notify("Cancelled.")
        return bool(running)


class ReadOnlyWalk:
    """A recorded session opened read-only: the whole record, shown as it stood after any answer.

    The shown `session` holds a prefix of the record's events: as it stood when each
    question was answered (the question on screen, its answer not yet given), then the
    whole record; `step` moves between those. Nothing is ever saved.
    """

    def __init__(self, session: Session) -> None:
        self.full = list(session.record.events)
        self.session = session
        view = session.view()
        # cut points: just before each answer, and the whole record
        self.cuts = [*(step.index for step in view.answers), len(self.full)]
        self.at = len(self.cuts) - 1

    def position(self) -> str:
        return f"step {self.at + 1} of {len(self.cuts)}"

    def step(self, delta: int) -> bool:
        at = self.at + delta
        if not 0 <= at < len(self.cuts):
            return False
        self.at = at
        self.session.record.events = self.full[: self.cuts[at]]
        return True
