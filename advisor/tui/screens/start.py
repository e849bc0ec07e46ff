"""Start screen: the problem family (and optionally the exact symptom), the customer's words,
trunk context, a trace file, or resuming the last stored session."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Collapsible, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from advisor.tui import messages as msg
from advisor.tui.choices import LatestSession, StartChoices, start_choices
from advisor.tui.widgets.context_form import ContextForm
from advisor.tui.widgets.footer import AdvisorFooter
from advisor.tui.widgets.header import AdvisorHeader
from advisor.tui.widgets.work import WorkStatus

ANY_SYMPTOM = "__any__"
FIELDS_AT_THE_LATEST_S = 1.0
"""When the knowledge base is slow to load, the optional fields appear after this long anyway."""


class StartScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "start", "Start", priority=True),
        Binding("ctrl+r", "resume", "Resume last", show=False),
        Binding("ctrl+t", "training", "Training", priority=True),
        Binding("1", "number(1)", "Choose", key_display="1-9", show=True),
        *[Binding(str(n), f"number({n})", show=False) for n in range(2, 10)],
        Binding("0", "number(0)", show=False),
        Binding("escape", "cancel_work", "Cancel", show=False),
    ]

    def __init__(self, choices: StartChoices | None = None, latest: LatestSession | None = None, *,
                 kb_dir: str | None = None) -> None:
        super().__init__()
        self.family: str | None = None
        self.initial_choices = choices
        self.latest = latest
        self.kb_dir = kb_dir
        self.ready = False
        """Composed and mounted: lists and the resume button can be filled."""
        self.choices: StartChoices | None = None
        """The families and their symptoms shown (read from symptoms.yaml until the knowledge base is loaded)."""
        self.leaving = False
        """A start was asked for: the optional fields are no longer worth mounting."""
        self._shown = False

    def compose(self) -> ComposeResult:
        yield AdvisorHeader("☎")
        with VerticalScroll(id="start-form"):
            yield Button("Resume last session", id="resume", compact=True)
            yield Label("1. What is failing?", classes="heading")
            yield OptionList(id="families", markup=False)
            yield Label("2. The exact symptom, if you know it (Enter starts)", classes="heading")
            yield OptionList(id="symptoms", markup=False)
            # the optional fields: mounted once the knowledge base is in (`show_fields`), so the first
            # frame and the load do not wait for them; an engineer who picks by number never needs them
            yield Vertical(id="start-more")
            yield Static(id="start-hint", markup=False)
        yield WorkStatus(id="work")
        yield AdvisorFooter()

    def on_mount(self) -> None:
        self.query_one("#resume", Button).display = False
        self.title = "SIP Trunk Advisor"
        self.sub_title = "new session"
        self.ready = True
        # before the knowledge base is loaded, its list of problems is quick to read from symptoms.yaml
        choices = self.initial_choices or start_choices(self.kb_dir)
        if choices is not None:
            self._show_choices(choices)
        self.show_resume(self.latest)
        if self.initial_choices is not None:  # the knowledge base is already in
            self.show_fields()
        else:
            self.set_timer(FIELDS_AT_THE_LATEST_S, self.show_fields)

    def stay(self) -> None:
        """The engineer is (back) on this screen after all: a start failed or was abandoned."""
        self.leaving = False
        self.show_fields()

    def on_screen_resume(self) -> None:
        if self._shown:
            self.stay()  # back from a session (start over) or from a start that did not happen
        self._shown = True

    def show_fields(self) -> None:
        """Mount the optional fields (customer's words, context, trace, Start) unless already there
        or the engineer has already started (the screen is being left)."""
        if self.leaving or not self.ready or self.query("#report"):
            return
        self.query_one("#start-more", Vertical).mount_all([
            Label("What the customer reports, in their words (optional)", classes="heading"),
            Input(placeholder="e.g. outbound calls get 403 since this morning", id="report"),
            # its fields are built when it is first opened: a dozen fewer widgets to style
            Collapsible(title="Trunk context (optional)", id="context-box"),
            Label("SIP trace file to attach (optional: pcap, pcapng, sngrep, PBX log)", classes="heading"),
            Input(placeholder="path/to/capture.pcap", id="trace-path"),
            Horizontal(Button("Start (Ctrl+S)", id="start-button", variant="primary", compact=True),
                       id="start-actions"),
        ])

    def show_resume(self, latest: LatestSession | None) -> None:
        self.latest = latest
        if not self.ready:
            return
        button = self.query_one("#resume", Button)
        if latest is None:
            button.display = False
            return
        title = f" - {latest.title}" if latest.title else ""
        button.label = Text(f"Resume last session {latest.id}{title} (Ctrl+R)")
        button.display = True

    def populate(self, choices: StartChoices) -> None:
        """Show the knowledge base's families and symptoms (nothing moves when they are already shown),
        and the optional fields."""
        if not self.ready:
            self.initial_choices = choices
            return
        if choices != self.choices:
            self._show_choices(choices)
        self.show_fields()

    def _show_choices(self, choices: StartChoices) -> None:
        self.choices = choices
        families = self.query_one("#families", OptionList)
        families.set_options([Option(Text.assemble((f"{i}  ", "bold"), title), id=fid)
                              for i, (fid, title) in enumerate(choices.families, 1)])
        families.highlighted = 0
        self._fill_symptoms(choices.families[0][0] if choices.families else None)
        families.focus()
        self.query_one("#start-hint", Static).update(Text(
            "Enter on a problem, then Enter on a symptom (or 'any') to start. Tab reaches the optional "
            "fields; context and traces can also be added later (k, t).", style="dim"))

    def _fill_symptoms(self, family: str | None) -> None:
        symptoms = self.query_one("#symptoms", OptionList)
        if family is None or self.choices is None:
            symptoms.clear_options()
            return
        items = self.choices.symptoms.get(family, [])
        content = [Option(Text.assemble(("0  ", "bold"), "Any / not sure which"), id=ANY_SYMPTOM)]
        content += [Option(Text.assemble((f"{i}  ", "bold"), title), id=sid)
                    for i, (sid, title) in enumerate(items, 1)]
        symptoms.set_options(content)
        symptoms.highlighted = 0

    # ---- events ----------------------------------------------------------------------
    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        box = event.collapsible
        if box.id == "context-box" and not box.query("#start-context"):
            box.query_one(Collapsible.Contents).mount(ContextForm(id="start-context"))
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "families" and event.option.id != self.family:
            self._fill_symptoms(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "families" and event.option.id is not None:
            self._choose_family(event.option.id)
        elif event.option_list.id == "symptoms":
            self.action_start(None if event.option.id == ANY_SYMPTOM else event.option.id)

    def _choose_family(self, family: str) -> None:
        self.family = family
        self._fill_symptoms(family)
        # at once (Screen.set_focus, not Widget.focus, which waits for the next idle): a digit typed
        # right after this one already picks from the symptoms
        self.set_focus(self.query_one("#symptoms", OptionList))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start-button":
            self.action_start()
        elif event.button.id == "resume":
            self.action_resume()

    # ---- actions ---------------------------------------------------------------------
    def action_number(self, n: int) -> None:
        focused = self.focused
        if not isinstance(focused, OptionList) or focused.id not in ("families", "symptoms"):
            return
        index = n - 1 if focused.id == "families" else n
        if not 0 <= index < focused.option_count:
            return
        focused.highlighted = index
        option = focused.get_option_at_index(index)
        # acted on here, not through OptionList's Selected message: keys typed quickly (or held
        # while the knowledge base loads) are handled before that message would arrive
        if focused.id == "families" and option.id is not None:
            self._choose_family(option.id)
        elif focused.id == "symptoms":
            self.action_start(None if option.id == ANY_SYMPTOM else option.id)

    def action_start(self, symptom: str | None = None) -> None:
        """Ask the app to start (it waits for the knowledge base if it is still loading)."""
        families = self.query_one("#families", OptionList)
        family = self.family
        if family is None and families.highlighted_option is not None:
            family = families.highlighted_option.id
        if family is None:
            self.notify("Choose what is failing first.", severity="warning")
            return
        if symptom is None:
            symptoms = self.query_one("#symptoms", OptionList)
            chosen = symptoms.highlighted_option
            if self.focused is symptoms and chosen is not None and chosen.id != ANY_SYMPTOM:
                symptom = chosen.id
        try:
            forms = self.query(ContextForm)
            context = forms.first().value() if forms else None
        except ValueError as exc:
            self.notify(str(exc), title="Trunk context", severity="error", markup=False)
            return
        report = self._field("#report")
        trace = self._field("#trace-path")
        self.leaving = True
        # the app runs the customer's words through intake (screens/intake.py) before it starts
        self.post_message(msg.StartSession(family, symptom, report=report, context=context,
                                           trace_path=trace or None))

    def _field(self, selector: str) -> str:
        """What was typed in an optional field ("" when the fields are not mounted yet)."""
        found = self.query(selector).results(Input)
        field = next(found, None)
        return field.value.strip() if field is not None else ""

    def action_training(self) -> None:
        self.post_message(msg.OpenTraining())

    def action_resume(self) -> None:
        if self.latest is not None:
            self.post_message(msg.ResumeSession(None))

    def action_cancel_work(self) -> None:
        self.post_message(msg.CancelWork())
