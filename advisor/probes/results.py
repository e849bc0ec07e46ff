"""Reading a probe-results document (the kit's output, or `advisor probe --json`) with its limits."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from advisor.probes.model import MAX_RESULTS_BYTES, ProbeReport


class ResultsError(ValueError):
    """The file is not a probe-results document; the message is one line for the engineer."""


def read_results(path: Path) -> ProbeReport:
    try:
        if not path.is_file():
            raise ResultsError(f"{path}: not a file")
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise ResultsError(f"{path}: larger than {MAX_RESULTS_BYTES} bytes; not a probe-kit result")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read: {exc}") from None
    try:
        return ProbeReport.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ResultsError(f"{path}: not a probe-kit JSON document ({first})") from None
