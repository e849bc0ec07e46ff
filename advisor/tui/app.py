"""The SIP Trunk Advisor TUI: drives one `Session`, renders its diagnosis after every change.

All reasoning happens in `advisor.session` and `advisor.engine`; this app only
shows what they derive and forwards what the engineer enters. Slow work (the
knowledge base, traces, exports) runs in thread workers with a visible status
line, cancellable with Esc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.worker import get_current_worker

from advisor.tui import services
from advisor.tui.commands import AdvisorCommands
from advisor.tui.safety import VisibleControls
from advisor.tui.screens.start import StartScreen
from advisor.tui.widgets.work import WorkStatus

if TYPE_CHECKING:
    # the engine, sessions and the other screens are imported when first needed (after the
    # start screen is on screen): `advisor` paints its first frame without loading them
    from advisor.context import TrunkContext
    from advisor.engine.diagnosis import Advisor, Diagnosis
    from advisor.engine.observations import Observation
    from advisor.session.core import Session
    from advisor.session.events import SessionRecord
    from advisor.tui.screens.answer import FactChoice
    from advisor.tui.screens.diagnosis import DiagnosisScreen
    from advisor.tui.screens.export import ExportRequest
    from advisor.tui.screens.probes import ProbesReported
    from advisor.tui.screens.session import SessionScreen

DARK, LIGHT = "textual-dark", "textual-light"


def _new_record() -> SessionRecord:
    from advisor.session.events import SessionRecord

    return SessionRecord()


class _Default:
    pass


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
                 store: Any = DEFAULT_STORE, resume: bool = False, resume_id: str | None = None,
                 new_record: Callable[[], SessionRecord] | None = None, theme: str = DARK) -> None:
        super().__init__()
        self.advisor: Advisor | None = advisor
        self.kb_dir = kb_dir
        self._store_arg = store
        self.store: Any | None = None
        self.resume = resume
        self.resume_id = resume_id
        self.new_record = new_record or _new_record
        self.initial_theme = theme
        self.session: Session | None = None
        self.diagnosis: Diagnosis | None = None
        self.latest_stored: services.StoredSummary | None = None
        self.traces: dict[str, services.TraceResult] = {}
        self.work_label: str | None = None
        self.last_export: Path | None = None
        self.load_error: str | None = None
        self._visible_controls = VisibleControls()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters plus ours: no control character in any drawn line reaches the terminal."""
        return [*super().get_line_filters(), self._visible_controls]

    # ---- start-up ----------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme = self.initial_theme
        if not self.resume:
            self.push_screen(StartScreen())
        if self.advisor is None or self._store_arg is DEFAULT_STORE:
            self._set_work("Loading the knowledge base...")
            # after the first frame: the start screen shows while the engine loads
            self.call_after_refresh(self._load_knowledge)
        else:
            self.store = self._store_arg
            self._knowledge_ready(self.advisor, None)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load_knowledge(self) -> None:
        try:
            advisor = self.advisor or services.load_advisor(self.kb_dir)
        except Exception as exc:
            self.call_from_thread(self._load_failed, exc)
            return
        latest = None
        if self._store_arg is DEFAULT_STORE:
            try:
                self.store = services.make_store()
                latest = services.latest_stored(self.store)
            except Exception as exc:
                self.store = None
                self.call_from_thread(self.notify, f"Sessions will not be saved: {exc}", severity="warning",
                                      markup=False)
        else:
            self.store = self._store_arg
            latest = services.latest_stored(self.store)
        self.call_from_thread(self._knowledge_ready, advisor, latest)

    def _load_failed(self, exc: Exception) -> None:
        self._set_work(None)
        if len(self.screen_stack) < 2:
            self.push_screen(StartScreen())
        problems = getattr(exc, "problems", None)
        detail = "\n".join(str(p) for p in problems[:8]) if problems else str(exc)
        self.load_error = detail
        self.notify(detail, title="The knowledge base could not be loaded", severity="error", timeout=30,
                    markup=False)

    def _knowledge_ready(self, advisor: Advisor, latest: services.StoredSummary | None) -> None:
        self.advisor = advisor
        if latest is None and self.store is not None:
            latest = services.latest_stored(self.store)
        self.latest_stored = latest
        self._set_work(None)
        for screen in self.screen_stack:
            if isinstance(screen, StartScreen) and screen.mounted:
                screen.populate(advisor.kb)
                screen.show_resume()
        if self.resume:
            self.resume = False
            self.resume_session(self.resume_id)

    # ---- sessions ----------------------------------------------------------------------
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
        services.attach_store(self.store, session, self._save_failed)
        session.choose_family(family, symptom)
        if report:  # what the engineer confirmed of the customer's words (screens/intake.py), the rest as notes
            session.report_text(report, report_observations)
            for note in report_notes:
                session.note(note)
        if context is not None and not context.is_empty():
            session.set_context(context)
        self.open_session(session)
        if trace_path:
            self.attach_trace(trace_path)
        return session

    def open_session(self, session: Session) -> None:
        from advisor.tui.present import answered_count
        from advisor.tui.screens.session import SessionScreen

        self.session = session
        self.traces = {}
        d = session.diagnosis()
        self.diagnosis = d
        screen = SessionScreen(session, d, answered_count(session) + 1, self.size.width)
        screen.sub_title = self._subtitle(session)
        self.run_worker(self._show_only(screen), group="screens")

    async def _show_only(self, screen: SessionScreen) -> None:
        """Put the session on screen, with nothing of an earlier session left under or above it."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)

    def resume_session(self, session_id: str | None) -> None:
        if self.advisor is None:
            self.resume, self.resume_id = True, session_id
            return
        try:
            session = services.load_stored_session(session_id, self.advisor, self.store)
        except Exception as exc:
            self.notify(str(exc), title="Cannot resume", severity="error", markup=False)
            if len(self.screen_stack) < 2:
                self.push_screen(StartScreen())
            return
        if self.store is not None and not session.listeners:
            services.attach_store(self.store, session, self._save_failed)
        self.open_session(session)
        for file in [ev.file for ev in session.view().traces]:
            if Path(file).is_file():
                self._reanalyze(file)

    def _save_failed(self, exc: Exception) -> None:
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
        from advisor.tui.present import CONCLUDED, answered_count
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        session = self.session
        screen = self.session_screen()
        if session is None or screen is None or not screen.is_mounted:
            return
        d = session.diagnosis()
        self.diagnosis = d
        concluded = d.conclusion.status in CONCLUDED
        if concluded:
            session.conclude()  # recorded first (once), so the log shows it too
        screen.render_state(d, answered_count(session) + 1, focus=self.screen is screen)
        screen.sub_title = self._subtitle(session)
        if concluded:
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
            if q is not None and not session.showing(q.id):
                # bookkeeping only (and a save): after the frame, so the answer shows sooner
                self.call_after_refresh(self._record_shown, session, q.id, q.observation)

    def _record_shown(self, session: Session, question: str, observation: str) -> None:
        if session is self.session:
            d = self.diagnosis
            if d is not None and d.next_question is not None and d.next_question.id == question:
                session.show_question(question, observation)

    @staticmethod
    def _subtitle(session: Session) -> str:
        from advisor.tui.present import context_badge

        badge = context_badge(session.context)
        return f"{badge} · {session.id}" if badge else session.id

    def answer(self, observation: str, raw: str | float, question: str | None = None) -> bool:
        if self.session is None:
            return False
        try:
            self.session.answer(observation, raw, question)
        except ValueError as exc:
            self.notify(str(exc), title="Not a valid answer", severity="error", markup=False)
            return False
        self.refresh_session()
        return True

    # ---- dialogs -----------------------------------------------------------------------
    def _question(self) -> Any:
        return self.diagnosis.next_question if self.diagnosis is not None else None

    # ---- probes (advisor/tui/screens/probes.py) ---------------------------------------------
    def action_probes(self) -> None:
        from advisor.tui.screens.probes import open_probes

        open_probes(self)

    def on_probes_reported(self, message: ProbesReported) -> None:
        if self.session is not None:
            for run in message.runs:
                self.session.record_probe(run)
            self.refresh_session()

    def show_help(self) -> None:
        from advisor.tui.screens.dialogs import InfoDialog, help_body

        q = self._question()
        if q is None or self.advisor is None:
            self.notify("No question is open.")
            return
        self.push_screen(InfoDialog("How to find this out", help_body(self.advisor.kb, q)))

    def show_why(self) -> None:
        from advisor.tui.screens.dialogs import InfoDialog, why_body

        q = self._question()
        if q is None or self.advisor is None:
            self.notify("No question is open.")
            return
        self.push_screen(InfoDialog("Why this question?", why_body(self.advisor.kb, q)))

    def add_note(self) -> None:
        from advisor.tui.screens.dialogs import TextDialog

        if self.session is None:
            return
        q = self._question()

        def done(text: str | None) -> None:
            if text and text.strip() and self.session is not None:
                self.session.note(text.strip(), q.id if q is not None else None)
                self.refresh_session()

        self.push_screen(TextDialog("Note", "A note for the session (kept in the log and the export):",
                                    placeholder="what the customer said, what you checked..."),
                         done)

    def edit_context(self) -> None:
        from advisor.tui.screens.dialogs import ContextDialog

        if self.session is None:
            return

        def done(ctx: TrunkContext | None) -> None:
            if ctx is not None and self.session is not None and ctx != self.session.context:
                self.session.set_context(ctx)
                self.refresh_session()

        self.push_screen(ContextDialog(self.session.context), done)

    def change_answer(self, observation: str | None = None, question: str | None = None) -> None:
        from advisor.tui.present import answerable_facts, current_value
        from advisor.tui.screens.answer import AnswerDialog, PickFactDialog

        session = self.session
        if session is None:
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
                self.answer(observation, raw, question)

        self.push_screen(AnswerDialog(kb, observation, question, current.value if current else None), done)

    def show_cause(self, cause_id: str) -> None:
        from advisor.tui.screens.cause import CauseDialog

        if self.diagnosis is None or self.advisor is None:
            return
        cause = next((c for c in self.diagnosis.causes if c.id == cause_id), None)
        if cause is None:
            return

        def done(source: str | None) -> None:
            if source:
                self.show_ladder(source)

        self.push_screen(CauseDialog(self.advisor.kb, cause), done)

    def show_diagnosis(self) -> None:
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        if self.session is None or self.diagnosis is None:
            return
        if self.diagnosis_screen() is None:
            diag = DiagnosisScreen(self.session.advisor.kb, self.diagnosis)
            diag.sub_title = self._subtitle(self.session)
            self.push_screen(diag)

    def back_to_conversation(self) -> None:
        from advisor.tui.screens.diagnosis import DiagnosisScreen

        if isinstance(self.screen, DiagnosisScreen):
            self.pop_screen()
            screen = self.session_screen()
            if screen is not None:
                self.call_after_refresh(screen.query_one("#question").focus)

    def start_over(self) -> None:
        from advisor.tui.screens.dialogs import ConfirmDialog

        saved = "It stays saved" if self.store is not None else "It is not saved (no session store)"

        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._reset_to_start(), exclusive=True, group="screens")

        self.push_screen(ConfirmDialog(f"Start a new session? {saved}.", yes="Start over"), done)

    async def _reset_to_start(self) -> None:
        self.session = None
        self.diagnosis = None
        self.traces = {}
        if self.store is not None:
            self.latest_stored = services.latest_stored(self.store)
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        if len(self.screen_stack) == 2:
            await self.switch_screen(StartScreen())
        else:
            await self.push_screen(StartScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    # ---- copy and export ---------------------------------------------------------------
    def copy_summary(self) -> None:
        from advisor.tui.present import summary_text

        if self.session is None or self.diagnosis is None:
            self.notify("Nothing to copy yet.")
            return
        self.copy_to_clipboard(summary_text(self.session, self.diagnosis))
        self.notify("Summary copied to the clipboard.")

    def export(self) -> None:
        from advisor.tui.screens.export import ExportDialog

        session = self.session
        if session is None:
            return
        if not services.export_available():
            self.notify("Export is not available yet (the session export module is missing). "
                        "Copy the summary instead (y).", severity="warning")
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
        worker = get_current_worker()
        try:
            text = services.export_text(session, req.format, req.redact_numbers)
            path = None
            if req.path:
                path = services.write_export(session, req.format, req.path, req.redact_numbers)
        except Exception as exc:
            if not worker.is_cancelled:
                self.call_from_thread(self._work_failed, "Export failed", exc)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._export_done, req, path, text)

    def _export_done(self, req: ExportRequest, path: Path | None, text: str) -> None:
        self._set_work(None)
        if self.session is None:
            return
        done = []
        if path is not None:
            self.last_export = path
            self.session.record_export(req.format, str(path))
            done.append(f"saved to {path}")
        if req.copy:
            self.copy_to_clipboard(text)
            self.session.record_export(req.format, "clipboard")
            done.append("copied to the clipboard")
        self.notify(f"Export ({req.format}) " + " and ".join(done) + ".", markup=False)
        self.refresh_session()

    # ---- traces --------------------------------------------------------------------------
    def ask_trace(self) -> None:
        from advisor.tui.screens.dialogs import TraceDialog

        if self.session is None:
            return
        if not services.trace_available():
            self.notify("Trace analysis is not available yet (advisor.evidence.analyze is missing).",
                        severity="warning")
            return
        self.push_screen(TraceDialog(), lambda path: self.attach_trace(path) if path else None)

    def attach_trace(self, path: str) -> None:
        if self.session is None or self.advisor is None:
            return
        if not services.trace_available():
            self.notify("Trace analysis is not available yet (advisor.evidence.analyze is missing).",
                        severity="warning")
            return
        self._set_work(f"Analysing {Path(path).name}...")
        self._trace(self.advisor, path, self.session.context)

    @work(thread=True, exclusive=True, group="work", exit_on_error=False)
    def _trace(self, advisor: Advisor, path: str, context: TrunkContext) -> None:
        worker = get_current_worker()
        try:
            result = services.analyze_trace(advisor.kb, path, context)
        except Exception as exc:
            if not worker.is_cancelled:
                self.call_from_thread(self._work_failed, "Cannot read the trace", exc)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._trace_done, result)

    def _trace_done(self, result: services.TraceResult) -> None:
        self._set_work(None)
        if self.session is None:
            return
        self.session.attach_trace(result.file, result.observations, result.format, result.calls, result.warnings)
        self.traces[result.file] = result
        found = len(result.observations)
        self.notify(f"{Path(result.file).name}: {result.calls} call(s), {found} fact(s) filled in from the trace.",
                    markup=False)
        self.refresh_session()

    @work(thread=True, group="reanalyze", exit_on_error=False)
    def _reanalyze(self, file: str) -> None:
        if self.advisor is None or self.session is None:
            return
        try:
            result = services.analyze_trace(self.advisor.kb, file, self.session.context)
        except Exception:
            return
        self.call_from_thread(self.traces.__setitem__, result.file, result)

    def show_ladder(self, source: str | None = None) -> None:
        analyses = [t for t in self.traces.values() if t.analysis is not None]
        if not analyses:
            self.notify("No trace with calls to show: attach one first (t).")
            return
        try:
            from advisor.tui.screens.trace import LadderScreen
        except ImportError:
            self.notify("The ladder view is not available in this build.", severity="warning")
            return
        self.push_screen(LadderScreen(analyses, source))

    # ---- background work -----------------------------------------------------------------
    def _set_work(self, label: str | None) -> None:
        self.work_label = label
        for screen in self.screen_stack:
            for status in screen.query(WorkStatus):
                if label is None:
                    status.stop()
                else:
                    status.start(label)

    def _work_failed(self, title: str, exc: BaseException) -> None:
        self._set_work(None)
        self.notify(str(exc) or type(exc).__name__, title=title, severity="error", markup=False)

    def cancel_work(self) -> bool:
        running = [w for w in self.workers if w.group == "work" and w.is_running]
        for w in running:
            w.cancel()
        if running:
            self._set_work(None)
            self.notify("Cancelled.")
        return bool(running)
