"""Trunk context fields (customer, ticket, URIs, PBX address, numbers), used on the start screen and in a dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from advisor.tui.fields import CONTEXT_FIELDS, parse_numbers

if TYPE_CHECKING:  # pydantic is loaded with the engine, after the start screen is drawn
    from advisor.context import TrunkContext

PLACEHOLDERS = {
    "customer": "e.g. ACME Corp",
    "ticket": "e.g. CS-12345",
    "termination_uri": "e.g. example.pstn.twilio.com",
    "origination_uri": "e.g. sip:pbx.example.com:5060",
    "pbx_public_address": "e.g. 203.0.113.10",
    "numbers": "E.164, separated by spaces or commas",
}


class ContextForm(Vertical):
    def __init__(self, context: TrunkContext | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="context-form")
        self.initial = context

    def compose(self) -> ComposeResult:
        for name, label in CONTEXT_FIELDS:
            value = getattr(self.initial, name) if self.initial is not None else None
            if isinstance(value, list):
                value = " ".join(value)
            yield Label(label, markup=False, classes="field-label")
            yield Input(value=value or "", placeholder=PLACEHOLDERS.get(name, ""), id=f"ctx-{name}",
                        classes="ctx-input")

    def value(self) -> TrunkContext:
        from advisor.context import TrunkContext

        data: dict[str, object] = {}
        for name, _ in CONTEXT_FIELDS:
            raw = self.query_one(f"#ctx-{name}", Input).value.strip()
            if name == "numbers":
                data[name] = parse_numbers(raw)
            else:
                data[name] = raw or None
        if self.initial is not None:
            data["cps_limit"] = self.initial.cps_limit
        return TrunkContext.model_validate(data)
