"""Log events: facts a log line, a bare status line or a carrier artefact states in words.

Engineers paste console output (`Got SIP response 400 "Invalid phone number" back
from 54.172.60.1:5060`), stack logs that name the fault (`never received ACK`),
the carrier's debugger alerts and call-log exports far more often than whole SIP
messages. Each such line becomes one LogEvent with where it was found, and the
`logs` extractor turns events into observations when no full SIP message says the
same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from advisor.evidence.records import TraceRef

__all__ = ["EventKind", "LogEvent"]

EventKind = Literal[
    "response",  # a SIP response the log writer received or sent (status, reason, peer)
    "request",  # a SIP request the log writer received or sent (method, peer, URIs)
    "dial",  # the PBX dials out: the number it puts in the Request-URI ('' when empty)
    "dial_failed",  # the PBX's dial attempt failed without a SIP status (busy/congested)
    "hangup",  # a hangup cause (Q.850 name or number) with the SIP status when printed
    "refusal",  # the PBX refuses a request from a peer it does not identify or trust (fields: challenge)
    "fault",  # the stack names a fault: ack_timeout, transaction_timeout, dns_failure (peer: the name)
    "alert",  # a carrier debugger alert (code and/or text)
    "call_log",  # one row of the carrier's call-log export (fields by column header)
    "text",  # a prose line that may quote the carrier's wording (bounded, for phrase matching)
]


@dataclass(slots=True)
class LogEvent:
    kind: EventKind
    ref: TraceRef
    source: str  # the format that recognised it: asterisk, freeswitch, pjsua, livekit, kamailio, stack, ...
    text: str  # the line (at most 300 characters)
    ts: float | None = None
    status: int | None = None
    reason: str | None = None
    method: str | None = None
    peer: str | None = None  # the far end the line names (address or host)
    peer_port: int | None = None
    direction: Literal["sent", "received"] | None = None  # seen from the host that wrote the log
    number: str | None = None  # a dialled number ('' when the line shows an empty one)
    caller: str | None = None
    code: str | None = None  # a debugger alert code
    fault: str | None = None  # ack_timeout | transaction_timeout | dns_failure
    fields: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        return self.ref.label()
