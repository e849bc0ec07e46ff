"""`advisor trace --json`, streamed: the same text as `TraceAnalysis.model_dump_json(indent=2)`,
written call by call.

A capture of 100,000 SIP messages would otherwise become 100,000 MessageView
objects and then one JSON string of all of them, both held at once.  Here the
small parts of the report (files, RTP streams, findings, notes...) still go
through the pydantic models, and every call's messages are formatted from
`analyze.message_values` (the fields MessageView is built from) straight to
the output, one call at a time.  Values the simple formatter cannot be sure
to spell like pydantic (floats in exponent notation, non-UTC datetimes,
strings that are not valid UTF-8) are handed to pydantic-core's own
`to_json`, so the bytes stay identical (tests/evidence/test_report_json.py
compares both on every sample).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic_core import to_json

from advisor.evidence.analyze import (
    _report,
    call_messages,
    call_origin,
    call_values,
    dialog_origin,
    message_values,
)
from advisor.evidence.calls import CallSet, Message
from advisor.evidence.extract import FindingsResult
from advisor.evidence.sides import Sides

__all__ = ["write_report_json"]

_SPLIT = '\n  "calls": [],\n  "other_messages": [],\n'
_ZERO = timedelta(0)
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def write_report_json(cs: CallSet, sides: Sides, result: FindingsResult, write: Callable[[str], object],
                      raw: bool = False) -> None:
    """Write the report of `analyze_parts` as indented JSON (no trailing newline), piece by piece."""
    head = _report(cs, sides, result, raw, messages=False).model_dump_json(indent=2)
    cut = head.index(_SPLIT)  # unique: nested lines are indented deeper, strings hold no raw newline
    write(head[:cut])
    write('\n  "calls": ')
    if not cs.calls:
        write("[]")
    else:
        verdicts = {id(v.call): v for v in result.verdicts}
        for i, call in enumerate(cs.calls):
            lines = ["[\n    {\n" if i == 0 else ",\n    {\n"]
            for key, value in call_values(call, result, verdicts).items():
                lines.append(f'      "{key}": {_value(value, 6)},\n')
            origin = call_origin(call)
            lines.append('      "messages": ')
            _messages(lines, call_messages(call), origin, raw, 6)
            lines.append("\n    }")
            write("".join(lines))
        write("\n  ]")
    write(',\n  "other_messages": ')
    dialogs = [d for d in cs.dialogs if d.messages]
    if not dialogs:
        write("[]")
    else:
        first = True
        for d in dialogs:
            lines = [] if first else [","]
            _messages(lines, d.messages, dialog_origin(d), raw, 2, open_list=first, close_list=False)
            first = False
            write("".join(lines))
        write("\n  ]")
    write(",\n" + head[cut + len(_SPLIT):])


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
    for i, m in enumerate(messages):
        out.append(f"\n{pad}{{\n" if i == 0 else f",\n{pad}{{\n")
        fields = [f'{inner}"{key}": {_value(value, indent + 4)}'
                  for key, value in message_values(m, origin, raw).items()]
        out.append(",\n".join(fields))
        out.append(f"\n{pad}}}")
    if close_list:
        out.append(f"\n{' ' * indent}]")


def _value(value: object, indent: int) -> str:
    """One JSON value as pydantic-core writes it with indent=2, at the given depth."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        if value.isascii():
            return _dumps(value)
        try:
            text = _dumps(value)
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a file name from the command line): pydantic decides
            return to_json(value).decode()
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "n" in text:  # inf, nan: a model writes null
            return "null"
        if "e" in text:  # exponent: pydantic-core spells small ones out (0.00006, not 6e-05)
            return to_json(value).decode()
        return text
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return f'"{value.isoformat()}"'
        if value.utcoffset() == _ZERO:
            return f'"{value.replace(tzinfo=None).isoformat()}Z"'
        return to_json(value).decode()
    if isinstance(value, list):
        if not value:
            return "[]"
        pad = " " * (indent + 2)
        items = ",\n".join(pad + _value(v, indent + 2) for v in value)
        return f"[\n{items}\n{' ' * indent}]"
    return to_json(value).decode()
