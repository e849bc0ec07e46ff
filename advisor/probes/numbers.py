"""Phone numbers with phonenumbers: valid, country, type, E.164 form, international or not.

Masked digits (`+1443XXXXXXX`, as customers paste them into tickets) are
"unknown", never "invalid": the digits that would decide are hidden.
"""

from __future__ import annotations

import re
import time

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from advisor.probes.wire import Detail, WireResult, utc_now

_MASK = re.compile(r"[xX*#?•]")
_TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed_line", PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
}


def _user_part(text: str) -> str:
    raw = text.strip()
    if raw.lower().startswith(("sip:", "sips:", "tel:")):
        raw = raw.split(":", 1)[1]
    return raw.split("@")[0].split(";")[0]


def check_number(text: str, *, role: str = "dialled", region: str | None = None) -> WireResult:
    """One number: is it written +E.164, is it a valid number, where and what kind."""
    started, t0 = utc_now(), time.monotonic()
    raw = _user_part(text)
    details: Detail = {"input": raw}

    def done(outcome: str, ok: bool, summary: str) -> WireResult:
        return WireResult("numbers", role, raw, outcome, ok, summary, started,
                          round((time.monotonic() - t0) * 1000, 2), details)

    compact = re.sub(r"[\s().\-/]", "", raw)
    written_e164 = compact.startswith("+")
    details["written_e164"] = written_e164
    if _MASK.search(compact):
        details["masked"] = True
        return done("masked", True, f"{raw}: digits are masked, so validity is unknown"
                    f" ({'written' if written_e164 else 'not written'} as +E.164)")
    try:
        number = phonenumbers.parse(compact, None if written_e164 else (region or None))
    except NumberParseException as exc:
        if not written_e164 and region is None:
            return done("not_e164", True, f"{raw}: not +E.164 (no plus sign and country code); give --region to"
                        " check it as a national number")
        return done("invalid", True, f"{raw}: not a phone number ({exc._msg})")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    valid = phonenumbers.is_valid_number(number)
    country = phonenumbers.region_code_for_number(number)
    details.update(e164=e164, valid=valid, country=country, country_code=number.country_code,
                   type=_TYPES.get(phonenumbers.number_type(number), "unknown"))
    if not valid:
        return done("invalid", True, f"{raw}: not a valid number ({e164} has no valid plan in {country or 'any country'})")
    if not written_e164:
        return done("not_e164", True, f"{raw}: valid {country} number but not written +E.164 (should be {e164})")
    return done("e164", True, f"{raw}: valid +E.164, {country} {details['type']}")


def compare_countries(dialled: WireResult, caller: WireResult) -> WireResult:
    """Whether the call is international: the dialled number's country differs from the caller's."""
    started = utc_now()
    a, b = dialled.details.get("country"), caller.details.get("country")
    details: Detail = {"dialled_country": a, "caller_country": b}
    target = f"{dialled.target} from {caller.target}"
    if not a or not b:
        return WireResult("numbers", "pair", target, "unknown", True,
                          "cannot tell whether the call is international: a country is unknown", started, 0.0, details)
    if a != b:
        return WireResult("numbers", "pair", target, "international", True,
                          f"international call: {b} caller to a {a} number", started, 0.0, details)
    return WireResult("numbers", "pair", target, "domestic", True, f"domestic call within {a}", started, 0.0, details)
