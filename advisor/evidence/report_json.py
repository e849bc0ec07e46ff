"""`advisor trace --json`, streamed and without pydantic: the same text as
`TraceAnalysis.model_dump_json(indent=2)`, written call by call.

A capture of 100,000 SIP messages would otherwise become 100,000 MessageView
objects and then one JSON string of all of them, both held at once; and the
models alone (pydantic) cost ~12 MB and ~0.1 s of every run.  Here every part
of the report comes from `advisor.evidence.report_values` (the very dicts
the models are built from) and is formatted the way pydantic-core writes
it: two-space indent, non-ASCII left as is, UTC times ending in "Z", small
floats spelled out (0.00006), inf and nan as null.  The rare value whose
spelling is not certain (a time with another UTC offset, a string that is
not valid UTF-8) is handed to pydantic-core's own `to_json`, imported only
then.  tests/evidence/test_report_json.py
compares both texts on every trace the tests hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring as _encode  # the C encoder, no ASCII escaping
from typing import Any

from advisor.evidence.calls import ABSOLUTE_TS, TEXT_FORMATS, CallSet, Message
from advisor.evidence.extract import FindingsResult
from advisor.evidence.report_values import (
    _PARTIES,
    _SIDES,
    Values,
    call_messages,
    call_origin,
    call_values,
    dialog_origin,
    event_values,
    file_values,
    finding_values,
    message_values,
    packet_values,
    rtp_values,
    warnings_of,
)
from advisor.evidence.sides import Sides

__all__ = ["write_report_json"]

_ZERO = timedelta(0)


def write_report_json(cs: CallSet, sides: Sides, result: FindingsResult, write: Callable[[str], object],
                      raw: bool = False) -> None:
    """Write the report of `pipeline.analyze_parts` as indented JSON (no trailing newline), piece by piece."""
    write('{\n  "schema_version": 1,\n  "files": ')
    write(_list((_object(v, 4) for v in file_values(cs, sides)), 2))
    write(',\n  "calls": ')
    if not cs.calls:
        write("[]")
    else:
        verdicts = {id(v.call): v for v in result.verdicts}
        lines: list[str] = []  # written some calls at a time (~256 messages, ~0.3 MB): fewer writes
        for i, call in enumerate(cs.calls):
            lines.append("[\n    {\n" if i == 0 else ",\n    {\n")
            for key, value in call_values(call, result, verdicts).items():
                lines.append(f'      "{key}": {_value(value, 6)},\n')
            lines.append('      "messages": ')
            _messages(lines, call_messages(call), call_origin(call), raw, 6)
            lines.append("\n    }")
            if len(lines) >= 256:
                write("".join(lines))
                lines.clear()
        lines.append("\n  ]")
        write("".join(lines))
    write(',\n  "other_messages": ')
    dialogs = [d for d in cs.dialogs if d.messages]
    if not dialogs:
        write("[]")
    else:
        for i, d in enumerate(dialogs):
            lines = [] if i == 0 else [","]
            _messages(lines, d.messages, dialog_origin(d), raw, 2, open_list=i == 0, close_list=False)
            write("".join(lines))
        write("\n  ]")
    write(',\n  "rtp": ')
    write(_list((_object(v, 4) for v in rtp_values(cs, sides)), 2))
    write(',\n  "packets": ')
    write(_list((_object(v, 4) for v in packet_values(cs)), 2))
    write(',\n  "events": ')
    write(_list((_object(v, 4) for v in event_values(cs)), 2))
    write(',\n  "findings": ')
    write(_list((_object(finding_values(f), 4) for f in result.findings), 2))
    focus = result.focus.call_id if result.focus is not None else None
    write(f',\n  "focus_call": {_value(focus, 2)},\n  "notes": {_value(result.notes, 2)}')
    write(f',\n  "warnings": {_value(warnings_of(cs, sides), 2)}\n}}')


def _list(items: Iterable[str], indent: int) -> str:
    """A JSON list of already formatted items (each starting at its own indentation)."""
    parts = list(items)
    if not parts:
        return "[]"
    return "[\n" + ",\n".join(parts) + f"\n{' ' * indent}]"


def _object(values: Values, indent: int) -> str:
    """A JSON object at the given indentation (its fields two spaces deeper)."""
    pad = " " * indent
    inner = pad + "  "
    fields = ",\n".join(f'{inner}"{key}": {_value(value, indent + 2)}' for key, value in values.items())
    return f"{pad}{{\n{fields}\n{pad}}}"


def _messages(out: list[str], messages: list[Message], origin: float | None, raw: bool, indent: int,
              open_list: bool = True, close_list: bool = True) -> None:
    """Append a JSON list of message objects (its items at indent + 2) to out."""
    if not messages and open_list and close_list:
        out.append("[]")
        return
    pad = " " * (indent + 2)
    inner = " " * (indent + 4)
    if open_list:
        out.append("[")
    template: str | None = None
    depth = indent + 4
    known = _STRINGS.get
    for i, m in enumerate(messages):
        if template is None:  # one %-template per list: the keys and indentation of every message
            keys = _message_keys(m, origin, raw)
            if keys == _MESSAGE_FIELDS:
                fast = True
                head = ",\n".join(f'{inner}"{key}": %s' for key in keys[:8])
                tail = ",\n".join(f'{inner}"{key}": %s' for key in keys[13:])
                template = _brace(f"\n{pad}{{{{\n{head},\n%s{tail}\n{pad}}}}}")
                run_fmt = "".join(f'{inner}"{key}": %s,\n' for key in keys[8:13])
            else:  # message_values has fields this writer does not know: the generic formatting
                fast = False
                body = ",\n".join(f'{inner}"{key}": %s' for key in keys)
                template = _brace(f"\n{pad}{{{{\n{body}\n{pad}}}}}")
        if fast:
            text = template % _message_texts(m, origin, raw, depth, run_fmt)
            out.append(text if i == 0 else "," + text)
            continue
        values = message_values(m, origin, raw)
        # _fast_value, with its commonest cases in line (19 fields a message, most of them a
        # string seen before, None, an int or a bool)
        texts = []
        for v in values.values():
            if v is None:
                texts.append("null")
            elif type(v) is str:
                texts.append(known(v) or _fast_value(v, depth))
            elif type(v) is int:
                texts.append(int.__repr__(v))
            elif type(v) is bool:
                texts.append("true" if v else "false")
            else:
                texts.append(_fast_value(v, depth))
        text = template % tuple(texts)
        out.append(text if i == 0 else "," + text)
    if close_list:
        out.append(f"\n{' ' * indent}]")


def _brace(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


_MESSAGE_FIELDS = ("index", "file", "line", "frame", "ref", "time", "ts", "offset", "src", "dst", "transport",
                   "sender", "party", "first_line", "summary", "retransmission", "view_of", "also_in", "raw")
"""message_values' keys, in order, as _message_texts formats them (checked once a run, _message_keys)."""

_KEYS_SEEN: list[tuple[str, ...]] = []


def _message_keys(m: Message, origin: float | None, raw: bool) -> tuple[str, ...]:
    """message_values' keys (the same for every message: a literal dict), asked of it once a run."""
    if not _KEYS_SEEN:
        _KEYS_SEEN.append(tuple(message_values(m, origin, raw)))
    return _KEYS_SEEN[0]


_RUNS: dict[tuple[object, ...], str] = {}
"""The formatted src, dst, transport, sender and party fields of a message, by their values and depth:
the same few runs repeat in every message a host sends."""


def _message_texts(m: Message, origin: float | None, raw: bool, depth: int, run_fmt: str) -> tuple[str, ...]:
    """The JSON texts of message_values(m, origin, raw), its fields src..party as one run, formatted
    the way _fast_value formats each value (test_report_json holds both to pydantic's text)."""
    rec = m.record
    ref = rec.ref
    ts = rec.ts
    known = _STRINGS.get
    file = m.file
    file_text = known(file) or _fast_value(file, depth)
    line, frame = ref.line, ref.frame
    ref_file = known(ref.file) or _fast_value(ref.file, depth)
    # RecordRef.label(), encoded: what follows the file name is plain ASCII, which JSON keeps as is
    if frame is not None:
        ref_text = f'{ref_file[:-1]}#frame {frame}"'
    elif line is not None:
        ref_text = f'{ref_file[:-1]}:line {line}"'
    else:
        ref_text = ref_file
    time_text = _utc_text(ts) if type(ts) is float and m.fmt not in TEXT_FORMATS else None
    if time_text is None:
        at = m.at
        time_text = "null" if at is None else _datetime(at)
    if ts is None:
        ts_text = offset_text = "null"
    else:
        ts_text = _float(ts) if type(ts) is float else _fast_value(ts, depth)
        if origin is None:
            offset_text = "null"
        else:
            offset = round(ts - origin, 6)
            offset_text = _float(offset) if type(offset) is float else _fast_value(offset, depth)
    key = (depth, rec.src, rec.sport, rec.dst, rec.dport, rec.transport, m.sender, m.party)
    run = _RUNS.get(key)
    if run is None:
        run = run_fmt % (_fast_value(m.endpoint("src"), depth), _fast_value(m.endpoint("dst"), depth),
                         _fast_value(rec.transport, depth), _fast_value(_SIDES.get(m.sender or ""), depth),
                         _fast_value(_PARTIES.get(m.party or ""), depth))
        if len(_RUNS) < 10_000:
            _RUNS[key] = run
    msg = m.msg
    summary = msg.summary()
    first_line = msg.first_line or f"({summary})"
    view_of = m.view_of
    views = m.views
    return (int.__repr__(m.index), file_text, "null" if line is None else _fast_value(line, depth),
            "null" if frame is None else _fast_value(frame, depth), ref_text,
            time_text, ts_text, offset_text, run,
            known(first_line) or _fast_value(first_line, depth), known(summary) or _fast_value(summary, depth),
            "true" if m.retransmission else "false", "null" if view_of is None else int.__repr__(view_of.index),
            _value([v.label for v in views], depth) if views else "[]",
            _fast_value(msg.text(), depth) if raw else "null")


_SECONDS: dict[int, str] = {}
"""'"YYYY-MM-DDTHH:MM:SS' (UTC) by whole epoch second (a capture's messages share a few seconds each)."""


def _utc_text(ts: float) -> str | None:
    """_datetime(Message.at) of a capture's epoch time, from the whole second's text and the microseconds
    rounded the way datetime.fromtimestamp rounds them (half to even, from the fraction); None for
    what that path must decide (not an epoch time, out of datetime's range)."""
    if not ABSOLUTE_TS <= ts < 1e11:
        return None
    frac, whole = math.modf(ts)
    us = round(frac * 1e6)
    if us >= 1_000_000:
        us -= 1_000_000
        whole += 1.0
    sec = int(whole)
    prefix = _SECONDS.get(sec)
    if prefix is None:
        prefix = '"' + datetime.fromtimestamp(sec, UTC).isoformat()[:-6]
        if len(_SECONDS) < 100_000:
            _SECONDS[sec] = prefix
    return f'{prefix}.{us:06d}Z"' if us else prefix + 'Z"'


def _pydantic_json(value: object) -> str:
    from pydantic_core import to_json

    return to_json(value).decode()


def _str(value: str) -> str:
    if value.isascii():
        return _encode(value)
    text = _encode(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a file name from the command line): pydantic decides
        return _pydantic_json(value)
    return text


def _float(value: float) -> str:
    """pydantic-core's spelling: Python's shortest repr, except that an exponent of -5 is written out
    (0.00006, not 6e-05) and smaller ones lose the zero padding (5e-6); inf and nan are null."""
    text = repr(value)
    if "n" in text:
        return "null"
    if "e-" not in text:
        return text
    mantissa, _, exp = text.partition("e-")
    e = int(exp)
    if e == 5:
        sign = "-" if mantissa.startswith("-") else ""
        return f"{sign}0.0000{mantissa.lstrip('-').replace('.', '')}"
    return f"{mantissa}e-{e}"


def _datetime(value: datetime) -> str:
    tz = value.tzinfo
    if tz is None:
        return f'"{value.isoformat()}"'
    if tz is UTC:  # what capture times carry: "+00:00" becomes "Z"
        return f'"{value.isoformat()[:-6]}Z"'
    if value.utcoffset() == _ZERO:
        return f'"{value.replace(tzinfo=None).isoformat()}Z"'
    return _pydantic_json(value)


_BY_TYPE: dict[type, Callable[[Any], str]] = {
    type(None): lambda v: "null",
    bool: lambda v: "true" if v else "false",
    int: int.__repr__,
    str: _str,
    float: _float,
    datetime: _datetime,
}


_STRINGS: dict[str, str] = {}
"""Encoded strings that repeat from message to message (file, addresses, transport, summaries)."""


def _fast_value(value: object, indent: int) -> str:
    """_value, with the common message fields short-cut (a message has 19 of them)."""
    if value is None:
        return "null"
    if type(value) is str:
        text = _STRINGS.get(value)
        if text is None:
            text = _str(value)
            if len(value) < 200 and len(_STRINGS) < 50_000:
                _STRINGS[value] = text
        return text
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is float:
        return _float(value)
    if type(value) is datetime:
        return _datetime(value)
    if type(value) is list and not value:
        return "[]"
    return _value(value, indent)


def _value(value: object, indent: int) -> str:
    """One JSON value as pydantic-core writes it with indent=2, at the given depth."""
    fmt = _BY_TYPE.get(type(value))
    if fmt is not None:
        return fmt(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        pad = " " * (indent + 2)
        items = ",\n".join(pad + _value(v, indent + 2) for v in value)
        return f"[\n{items}\n{' ' * indent}]"
    if isinstance(value, dict):
        return _object(value, indent)[indent:] if value else "{}"
    return _pydantic_json(value)
