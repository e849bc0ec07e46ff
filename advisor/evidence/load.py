"""One entry point for every trace file: pcap/pcapng by magic number, text by content."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.evidence.records import CaptureContents, TraceError
from advisor.evidence.textlogs import read_text_detailed

__all__ = ["LoadedTrace", "load_trace", "load_trace_detailed"]

MAX_TEXT_BYTES = 512 * 1024 * 1024


@dataclass
class LoadedTrace:
    contents: CaptureContents
    # Per SIP record: "sent"/"received" seen from the host that wrote the log, or None.
    directions: list[str | None] = field(default_factory=list)


def _capture_reader() -> Any:
    try:
        from advisor.evidence import pcap_reader
    except ImportError:  # pragma: no cover - the binary reader is optional while it is being written
        return None
    return pcap_reader


def load_trace(path: str | os.PathLike[str]) -> CaptureContents:
    """Read a capture or text trace; raise TraceError (one line) when it cannot be used."""
    return load_trace_detailed(path).contents


def load_trace_detailed(path: str | os.PathLike[str]) -> LoadedTrace:
    p = Path(path)
    name = str(path)
    try:
        if not p.exists():
            raise TraceError(f"{name}: no such file")
        if p.is_dir():
            raise TraceError(f"{name}: is a directory, not a trace file")
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise TraceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if size == 0:
        raise TraceError(f"{name}: empty file")
    reader = _capture_reader()
    if reader is not None and reader.is_capture(head):
        contents = reader.read_capture(name)
        return LoadedTrace(contents, [None] * len(contents.sip))
    if head[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a"):
        raise TraceError(f"{name}: pcap/pcapng capture, but the capture reader is not available")
    if size > MAX_TEXT_BYTES:
        raise TraceError(f"{name}: {size // (1024 * 1024)} MB of text is more than this reader takes "
                         f"({MAX_TEXT_BYTES // (1024 * 1024)} MB); cut the log to the failing call")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TraceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    text = _decode(data, name)
    contents, directions = read_text_detailed(text, p.name)  # refs name the file like the capture reader does
    return LoadedTrace(contents, directions or [None] * len(contents.sip))


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TraceError(f"{name}: UTF-16 text that does not decode") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sample = data[:65536]
    nul = sample.find(b"\x00")
    if nul >= 0:
        line = sample[:nul].count(b"\n") + 1
        if data[:2] == b"\x1f\x8b":
            raise TraceError(f"{name}: gzip-compressed; decompress it first (gunzip)")
        raise TraceError(f"{name}: line {line}: binary data, not a pcap/pcapng capture or a text log")
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if len(sample) > 64 and control > len(sample) // 10:
        raise TraceError(f"{name}: binary data, not a pcap/pcapng capture or a text log")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
