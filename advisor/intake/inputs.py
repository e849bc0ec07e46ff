"""Numbers, addresses, carrier hosts and countries the customer names: kept as
inputs for the number and address checks (probes, E.164 checks), never
turned into facts on their own."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

import phonenumbers

from advisor.intake.result import InputItem
from advisor.intake.text import phrase_regex
from advisor.intake.vocabulary import Vocabulary

if TYPE_CHECKING:
    from advisor.intake.matchers import Matchers

_PHONE = re.compile(r"(?<![\w.:/@=-])\+?\d[\d \-().]{5,18}\d(?![\w.]\d)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.]\d)")
_HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE)


def find_inputs(text: str, vocab: Vocabulary, matchers: Matchers) -> list[InputItem]:
    out: list[InputItem] = []
    seen: set[tuple[str, str]] = set()

    def add(item: InputItem) -> None:
        key = (item.kind, item.value)
        if key not in seen:
            seen.add(key)
            probe = vocab.input_probes.get(item.kind)
            out.append(item.model_copy(update={"probe": f"{probe}={item.value}"}) if probe else item)

    ips = [(m.start(), m.end()) for m in _IPV4.finditer(text)]
    for m in _IPV4.finditer(text):
        try:
            addr = ipaddress.ip_address(m.group())
        except ValueError:
            continue
        carrier = matchers.check("private_address", m.group()) is None
        lan = matchers.check("private_address", m.group()) == "yes"
        detail = "carrier address" if carrier else ("private" if lan else "public")
        add(InputItem(kind="ip_address", text=m.group(), value=str(addr), detail=detail))
    for m in _PHONE.finditer(text):
        raw = m.group().strip()
        if any(s < m.end() and e > m.start() for s, e in ips) or _DATE.match(raw):
            continue
        digits = re.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15:
            continue
        add(_phone(raw))
    for m in _HOST.finditer(text):
        host = m.group().lower()
        if _IPV4.fullmatch(host) or "." not in host:
            continue
        carrier = matchers.check("carrier_host", host) == "yes"
        if carrier or host.endswith((".com", ".net", ".org", ".local", ".io", ".lan")):
            add(InputItem(kind="host", text=m.group(), value=host, detail="carrier host" if carrier else ""))
    lowered = text.lower()
    for name, region in vocab.countries.items():
        for m in re.finditer(phrase_regex(name), lowered):
            add(InputItem(kind="country", text=text[m.start():m.end()], value=region))
    return out


def _phone(raw: str) -> InputItem:
    compact = re.sub(r"[\s\-().]", "", raw)
    if compact.startswith("+"):
        try:
            number = phonenumbers.parse(compact, None)
        except phonenumbers.NumberParseException:
            return InputItem(kind="phone_number", text=raw, value=compact, detail="not a parsable number")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        region = phonenumbers.region_code_for_number(number) or "unknown region"
        valid = "valid" if phonenumbers.is_valid_number(number) else "not a valid number"
        return InputItem(kind="phone_number", text=raw, value=e164, detail=f"E.164, {region}, {valid}")
    return InputItem(kind="phone_number", text=raw, value=compact, detail="not E.164 (no + and country code)")
