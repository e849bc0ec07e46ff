"""The hand-off between capture readers and the SIP analysis.

Every reader (pcap/pcapng, raw text, sngrep, Asterisk, FreeSWITCH, tcpdump
text) turns its input into the same two record kinds, so that the SIP parser,
call grouping and findings never care which format the engineer pasted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The largest text log read by default (`advisor trace --max-size MB` raises it).  Captures have no
# limit: they are streamed and keep only SIP messages and per-stream RTP counters.
MAX_TEXT_BYTES = 512_000_000


@dataclass(slots=True)
class TraceRef:
    """Where a piece of evidence sits in the input: file plus frame or line."""

    file: str
    frame: int | None = None
    line: int | None = None

    def label(self) -> str:
        if self.frame is not None:
            return f"{self.file}#frame {self.frame}"
        if self.line is not None:
            return f"{self.file}:line {self.line}"
        return self.file


@dataclass(slots=True)
class SipRecord:
    """One SIP message as it was seen on the wire or in a log, not yet parsed.

    Addresses are optional because several text formats do not give them.
    `ts` is seconds since the epoch when the input has a date, else seconds
    since an arbitrary origin (still usable for intervals).
    """

    raw: bytes
    ref: TraceRef
    ts: float | None = None
    src: str | None = None
    sport: int | None = None
    dst: str | None = None
    dport: int | None = None
    transport: str = "udp"  # udp | tcp | tls | unknown
    ttl: int | None = None


@dataclass(slots=True)
class RtpStream:
    """Aggregate of one RTP flow (one SSRC on one 5-tuple); payloads never kept."""

    src: str
    sport: int
    dst: str
    dport: int
    ssrc: int
    payload_type: int
    packets: int = 0
    first_ts: float = 0.0
    last_ts: float = 0.0
    min_ttl: int = 255
    max_ttl: int = 0
    first_ref: TraceRef | None = None


@dataclass(slots=True)
class CaptureContents:
    """What one input file yielded."""

    file: str
    format: str  # pcap | pcapng | raw | sngrep_txt | asterisk_pjsip | asterisk_chan_sip | freeswitch_siptrace | tcpdump_text
    sip: list[SipRecord] = field(default_factory=list)
    rtp: list[RtpStream] = field(default_factory=list)
    packets: int = 0
    warnings: list[str] = field(default_factory=list)


class TraceError(Exception):
    """Unreadable or unsupported input; str() is the one-line message for the user."""
