"""The probes panel: which probes would answer the open questions, where they must run, with progress.

Probes that count from the engineer's machine run here (an async worker, Esc
cancels every probe at once); those that only count from the PBX host go into
the probe kit (Ctrl+K writes it, Ctrl+O imports what it printed). Results
reach the app as one `ProbesReported` message; the app records them in the
session, where the engineer's own answers still win over them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Log, OptionList, Static
from textual.widgets.option_list import Option

from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.header import AdvisorHeader

if TYPE_CHECKING:
    from advisor.context import TrunkContext
    from advisor.engine.diagnosis import Diagnosis
    from advisor.kb.loader import KnowledgeBase
    from advisor.probes.catalog import ProbeCatalog
    from advisor.probes.model import ProbeReport, ProbeResult
    from advisor.probes.plan import Suggestion
    from advisor.probes.spec import ProbeRequest
    from advisor.session.events import ProbeRun
    from advisor.tui.app import AdvisorApp

KIT_FILE = "advisor-probe-kit.py"


class ProbesReported(Message):
    """Probe results, as session events, for the app to record."""

    def __init__(self, runs: list[ProbeRun]) -> None:
        super().__init__()
        self.runs = runs


class ProbesScreen(Screen[None]):
    CSS_PATH = "../probes.tcss"
    BINDINGS = [
        Binding("escape", "cancel_or_close", "back / cancel"),
        Binding("ctrl+r", "run_spec", "run", priority=True),
        Binding("ctrl+k", "write_kit", "PBX kit", priority=True),
        Binding("ctrl+o", "import_results", "import kit results", priority=True),
    ]

    def __init__(self, kb: KnowledgeBase, catalog: ProbeCatalog, diagnosis: Diagnosis, context: TrunkContext,
                 *, timeout: float = 3.0, kit_dir: Path | None = None) -> None:
        super().__init__()
        from advisor.probes.plan import suggest

        self.kb = kb
        self.catalog = catalog
        self.context = context
        self.timeout = timeout
        self.kit_dir = kit_dir or Path.cwd()
        self.suggestions: list[Suggestion] = suggest(catalog, diagnosis, context, kb)
        self.running = False

    def compose(self) -> ComposeResult:
        yield AdvisorHeader("☎")
        yield Static(Text("Probes that would answer the open questions. Enter on one puts it in the line below;"
                          " Enter there (or Ctrl+R) runs it from this machine. Probes that only count from the"
                          " PBX host go into the kit (Ctrl+K); import its output with Ctrl+O."), id="probes-intro")
        options = OptionList(*[self._option(i, s) for i, s in enumerate(self.suggestions)], id="probes-suggestions")
        options.border_title = "Would answer an open question"
        yield options
        yield Input(placeholder="NAME=TARGET[,key=value] e.g. options=sip:example.pstn.twilio.com",
                    id="probes-spec")
        log = Log(id="probes-log", highlight=False)
        log.border_title = "Progress and results"
        yield log
        yield AdvisorFooter()

    def _option(self, i: int, s: Suggestion) -> Option:
        where = "here or on the PBX host" if s.runs_here and "pbx_host" in s.where else (
            "here" if s.runs_here else "on the PBX host only (kit)")
        target = s.target or "no target in the trunk context"
        line = Text(f"{s.probe} ({s.role}) -> {target} · runs {where} · answers {', '.join(s.observations)}")
        if not s.runs_here:
            line.stylize("dim")
        return Option(line, id=f"s{i}")

    def on_mount(self) -> None:
        if not self.suggestions:
            self.write("No probe answers the open questions; any probe can still be typed below.")
        self.query_one("#probes-spec", Input).focus() if not self.suggestions else \
            self.query_one(OptionList).focus()

    def write(self, line: str) -> None:
        from advisor.textsafe import visible

        self.query_one(Log).write_line(visible(line))  # results carry text from the network

    # ---- choosing and running ------------------------------------------------------------
    @on(OptionList.OptionSelected, "#probes-suggestions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        s = self.suggestions[int(str(event.option.id)[1:])]
        spec = self.query_one("#probes-spec", Input)
        spec.value = s.text()
        spec.focus()
        if not s.runs_here:
            self.write(f"{s.probe} ({s.role}) only counts from the PBX host: Ctrl+K puts it in the kit.")

    @on(Input.Submitted, "#probes-spec")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run_spec()

    def action_run_spec(self) -> None:
        from advisor.probes.runner import prepare
        from advisor.probes.spec import parse_spec
        from advisor.probes.wire import HostLimiter

        text = self.query_one("#probes-spec", Input).value.strip()
        if not text:
            self.write("Type a probe, or pick one above.")
            return
        if self.running:
            self.write("Probes are running; Esc cancels them.")
            return
        try:
            request = parse_spec(text)
            prepare([request], self.catalog, self.kb, timeout=self.timeout, limiter=HostLimiter(), dry_run=True)
        except ValueError as exc:
            self.write(f"Not run: {exc}")
            return
        self.running = True
        self.write(f"Running {request.text()} from this machine (timeout {self.timeout:g} s)...")
        self._run([request])

    @work(exclusive=True, group="probes", exit_on_error=False)
    async def _run(self, requests: list[ProbeRequest]) -> None:
        from advisor.probes.runner import run_probes

        def progress(text: str, result: ProbeResult | None) -> None:
            if result is not None:
                self.write(f"  {result.probe} {result.target}: {result.outcome}: {result.summary}")

        try:
            report = await run_probes(requests, self.catalog, self.kb, timeout=self.timeout, where="engineer",
                                      progress=progress)
        finally:
            self.running = False
        self.write(f"Done in {report.wall_ms / 1000:.2f} s (one after another: {report.sequential_ms / 1000:.2f} s).")
        self._report(report)

    def _report(self, report: ProbeReport) -> None:
        from advisor.probes.plan import runs_from_report

        runs = runs_from_report(self.catalog, report)
        for run in runs:
            if run.observations:
                self.write("  answers: " + ", ".join(f"{o.id}={o.value}" for o in run.observations)
                           + " (your own answers still win; change them with c)")
            else:
                self.write(f"  {run.probe}: {run.summary}")
        self.app.post_message(ProbesReported(runs))

    def action_cancel_or_close(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "probes")
            self.running = False
            self.write("Cancelled: every probe of this run was stopped.")
            return
        self.dismiss(None)

    # ---- the kit for the PBX host ----------------------------------------------------------
    def action_write_kit(self) -> None:
        from advisor.probes.kit import KIT_PROBES, build_kit, plan_items

        wanted: list[ProbeRequest] = []
        for s in self.suggestions:
            req = s.request()
            if req is not None and "pbx_host" in s.where and s.probe in KIT_PROBES and req not in wanted:
                wanted.append(req)
        if not wanted:
            self.write("No PBX-host probe has a target yet: fill in the termination URI in the trunk context (k).")
            return
        path = self.kit_dir / KIT_FILE
        try:
            plan = plan_items(wanted, {i: r.role or "" for i, r in enumerate(wanted)})
            path.write_text(build_kit(plan), encoding="utf-8")
        except (OSError, ValueError) as exc:
            self.write(f"Kit not written: {exc}")
            return
        self.write(f"Wrote {path} ({len(plan)} probe(s)). The customer runs on the PBX host:")
        self.write(f"    python3 {KIT_FILE} > probe-results.json")
        self.write("and sends probe-results.json back; import it here with Ctrl+O.")

    def action_import_results(self) -> None:
        from advisor.tui.screens.dialogs import TextDialog

        self.app.push_screen(TextDialog("Import probe-kit results", "Path of the JSON the kit printed:",
                                        value=str(self.kit_dir / "probe-results.json")), self._import)

    def _import(self, path: str | None) -> None:
        from advisor.probes.results import ResultsError, read_results

        if not path:
            return
        try:
            report = read_results(Path(path))
        except ResultsError as exc:
            self.write(f"Not imported: {exc}")
            return
        self.write(f"Imported {len(report.results)} result(s) from {report.where} ({report.host}).")
        self._report(report)


def open_probes(app: AdvisorApp) -> None:
    """Push the probes panel for the app's open session (the app's whole hook is this call)."""
    from advisor.probes.catalog import ProbeCatalogError, load_catalog

    session, advisor = app.session, app.advisor
    if session is None or advisor is None:
        app.notify("Start or resume a session first: probes answer its open questions.")
        return
    try:
        catalog = load_catalog(advisor.kb)
    except ProbeCatalogError as exc:
        app.notify("\n".join(str(p) for p in exc.problems[:5]), title="knowledge/probes.yaml has problems",
               severity="error", markup=False)
        return
    app.push_screen(ProbesScreen(advisor.kb, catalog, session.diagnosis(), session.context))
