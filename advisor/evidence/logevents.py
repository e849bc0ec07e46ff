"""Find log events by content: console and stack lines, carrier artefacts (JSON alerts, call-log CSV).

Every pattern is bounded and applied to lines of bounded length; lines are read
after the log prefix (Asterisk full log, syslog, docker timestamps) is removed.
Formats, as printed by the tools (see tests/data/logs for samples of each):

* Asterisk chan_sip: `-- Got SIP response 400 "Invalid phone number" back from 54.172.60.1:5060`,
  `handle_response_invite: Received response: "Forbidden" from '...'`
* Asterisk dialplan: `-- Called SIP/@twilio-termination`, `-- Executing [..] Dial("..", "PJSIP/+1..@twilio")`,
  `== Everyone is busy/congested at this time`
* FreeSWITCH console: `Hangup sofia/... [CS_EXECUTE] [CALL_REJECTED]`,
  `Channel sofia/... entering state [terminated][403]`, `sofia status` gateway rows
* Kamailio/OpenSIPS xlog: `<method> ... from <uri> (IP:1.2.3.4:5060)`
* pjsua (PJSIP apps): `Response msg 403/INVITE/cseq=5853 ... from TLS 54.172.61.54:10194`
* LiveKit SIP: `Unexpected StatusCode from INVITE response 403`, `processing invite {"fromIP": ...}`
* stacks naming the fault: `never received ACK`, `ACK timeout`, `Timer B`, `transaction timeout`, chan_sip's
  `Retransmission timeout reached on transmission ... (Critical Response)` (a 200 OK never ACKed)
* Asterisk refusing an inbound number: `Call from '...' (54.172.60.1:5060) to extension '+1...' rejected because
  extension not found in context '...'`
* name resolution failing for the host a request is sent to: Kamailio `could not resolve hostname: "x"`,
  `Unresolvable destination (478/SL)`, pjsip `DNS A/AAAA record resolution failed`, getaddrinfo's
  `Temporary failure in name resolution`
* the PBX's own registration to a remote (a trunk): Asterisk PJSIP `handle_registration_response: '405' fatal
  response received from 'sip:...' on registration attempt to 'sip:...'`, chan_sip `Registration for '...' failed`
* summaries: `a:p -> b:p  SIP/2.0 481 ...`, labelled legs `SBC → carrier : INVITE sip:+1...@host SIP/2.0`, `--> INVITE sip:... SIP/2.0 <-- SIP/2.0 407 ...`, sippts `[<=] ...`
* carrier artefacts: a debugger alert export (JSON: `alerts` list or one alert with `error_code`,
  `alert_text`), a call-log CSV export (a header row, then one row per call)
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable

from advisor.evidence.events import LogEvent
from advisor.evidence.records import TraceRef

__all__ = ["MAX_EVENTS", "scan_artefact", "scan_lines"]

MAX_EVENTS = 20_000
MAX_LINE = 4096  # structured (JSON) log lines run long; every pattern is bounded
MAX_TEXT_EVENTS = 2_000

_IP = r"\[?([0-9A-Fa-f:.]{2,45}?)\]?"
_GOT_RE = re.compile(r"Got SIP response (\d{3}) \"([^\"]{0,200})\" back from " + _IP + r":(\d{1,5})")
_RECEIVED_RE = re.compile(r"Received response: \"([^\"]{0,200})\" from '([^']{0,300})'")
_CALLED_RE = re.compile(r"\bCalled ((?:SIP|PJSIP|IAX2)/[^\s\"',)]{0,200})")
_DIAL_RE = re.compile(r"\bDial\(\"[^\"]{0,200}\", \"((?:SIP|PJSIP|IAX2)/[^\",&]{0,200})")
_BUSY_RE = re.compile(r"Everyone is busy/congested at this time|is circuit-busy|All circuits busy", re.IGNORECASE)
_FS_HANGUP_RE = re.compile(r"Hangup (sofia/\S{1,200}) \[(CS_\w{1,30})\] \[(\w{1,40})\]")
_FS_STATE_RE = re.compile(r"Channel (sofia/\S{1,200}) entering state \[(\w{1,20})\]\[(\d{3})\]")
_FS_GATEWAY_RE = re.compile(r"\bgateway\s+(sips?:\S{1,200})\s+(NOREG|REGED|FAIL_WAIT|FAILED|UNREGED|TRYING|DOWN|UP|"
                            r"UNREACHABLE|REGISTER)\b")
_PJSUA_RESP_RE = re.compile(r"(Incoming|Processing incoming message:|RX \d{1,6} bytes|Sending|TX \d{1,6} bytes|"
                            r"Received)?\s*Response msg (\d{3})/(\w{2,12})/cseq=(\d{1,10})"
                            r"(?:.{0,80}?\bfrom (?:UDP|TCP|TLS) " + _IP + r":(\d{1,5}))?")
_PJSUA_REQ_RE = re.compile(r"(Incoming|Received|RX \d{1,6} bytes|Sending|TX \d{1,6} bytes) Request msg (\w{2,12})/cseq=(\d{1,10})")
_LIVEKIT_RESP_RE = re.compile(r"(?:StatusCode from INVITE response|status from INVITE response:? sip status:?)\s*(\d{3})",
                              re.IGNORECASE)
_LIVEKIT_INVITE_RE = re.compile(r"(?:processing invite|Accepting the call)\b.{0,300}?\"fromIP\": \"" + _IP + r"(?::(\d{1,5}))?\"")
_JSON_FIELD_RE = re.compile(r"\"(to|from|address|fromUser|toUser|fromHost|toHost|status|reason)\": \"?([^\",}]{0,120})\"?")
_XLOG_RE = re.compile(r"\b(INVITE|ACK|BYE|CANCEL|OPTIONS|REGISTER)\b.{0,300}?\bfrom\b.{0,300}?"
                      r"\(\s*(?:IP:)?\"?([\w.:-]{1,64}?)\"?:(\d{1,5})\)")
_ACK_FAULT_RE = re.compile(r"never received ACK|\bACK timeout\b|onAckTimeout|No ACK (?:received|for 2xx)",
                           re.IGNORECASE)
# chan_sip giving up on a reliable transmission: a 200 OK never ACKed (Critical Response) or a request never
# answered (Critical Request)
_RETRANS_RE = re.compile(r"Retransmission timeout reached on transmission (\S{1,200}) for seqno (\d{1,10}) "
                         r"\(Critical (Response|Request)\)")
# Asterisk (chan_sip and PJSIP) receiving an INVITE for a number its inbound context does not route
_NO_EXTEN_RE = re.compile(r"Call from '([^']{0,80})' \((?:(?:UDP|TCP|TLS|WSS?):)?\[?([0-9A-Fa-f:.]{3,45}?)\]?:(\d{1,5})\)"
                          r" to extension '([^']{0,80})' rejected because extension not found in context '([^']{0,80})'")
_TIMEOUT_FAULT_RE = re.compile(r"\bTimer B\b|transaction time(?:d)?[ -]?out|timed out waiting for (?:a )?response|"
                               r"\bRequest Timeout\b", re.IGNORECASE)
# name resolution failing for a host the line names (the name is kept to judge whose it is)
_DNS_FAULT_RE = re.compile(r"(?:could not resolve hostname|failed to resolve|Unresolvable destination|"
                           r"DNS (?:A/AAAA |SRV )?record resolution (?:failed|error)|"
                           r"Temporary failure in name resolution|Name or service not known|Could not resolve host)"
                           r"(?::?\s*[\"']?([\w.-]{1,253})[\"']?)?", re.IGNORECASE)
_DNS_NAME_RE = re.compile(r"[\"'(]([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})[\"')]")
# the PBX registering to a remote: PJSIP outbound registration, chan_sip registration state
_PJSIP_REG_RE = re.compile(r"handle_registration_response: '(\d{3})' (?:fatal )?response received from "
                           r"'(sips?:[^']{1,300})' on registration attempt to '(sips?:[^']{1,300})'")
_CHAN_SIP_REG_RE = re.compile(r"Registration (?:for|to) '([^']{1,300})' (?:failed|timed out|rejected)"
                              r"(?:.{0,80}?\b(\d{3})\b)?", re.IGNORECASE)
# the PBX refusing a request from a peer it does not identify or trust (the classic "carrier not set up as a
# trusted peer" line): Asterisk PJSIP's distributor (it answers an unidentified INVITE with a 401 challenge),
# chan_sip (a fake 401 challenge for an unknown device), FreeSWITCH's ACL check falling back to digest (a 407)
_PJSIP_FAILED_RE = re.compile(r"Request '(\w{3,12})' from '([^']{0,300})' failed for '\[?([0-9A-Fa-f:.]{3,45}?)\]?:(\d{1,5})'"
                              r"(?: \(callid: [^)]{0,300}\))? - ([^\r\n]{1,80})")
_CHAN_SIP_AUTH_RE = re.compile(r"(?:Failed to authenticate device|Sending fake auth rejection for (?:device|peer))"
                               r" ([^\r\n]{1,300})")
_FS_ACL_RE = re.compile(r"IP \[?([0-9A-Fa-f:.]{3,45}?)\]? Rejected by acl \"?([\w.-]{1,64})\"?(.{0,40}Digest)?")
_URI_HOST_RE = re.compile(r"<?sips?:(?:[^@>;\s]{0,80}@)?([\w.-]{1,253})")
_SUMMARY_RE = re.compile(r"([0-9.]{7,15}):(\d{1,5})\s*(?:->|→)\s*([0-9.]{7,15}):(\d{1,5})\s+"
                         r"(?:SIP/2\.0 (\d{3})([^(\r\n]{0,80})|([A-Z]{3,9}) sips?:\S{1,200} SIP/2\.0)")
_LABELLED_RE = re.compile(r"^\s*([\w.-]{1,40})\s*(?:->|→|=>)\s*([\w.-]{1,40})\s*:\s*([A-Z]{3,9}) (sips?:\S{1,200}) SIP/2\.0")
_ARROW_RE = re.compile(r"(-->|<--)\s*(?:SIP/2\.0 (\d{3}) ([A-Za-z][A-Za-z /-]{0,60}?)\s*(?=-->|<--|New dialog|$)|"
                       r"([A-Z]{3,9}) sips?:\S{1,200} SIP/2\.0)")
_SIPPTS_RE = re.compile(r"\[(<=|=>)\] (?:Response .{0,100}?: (\d{3}) (.{0,80})|Request (\w{2,12})\b)")
_WORDS_RE = re.compile(r"[A-Za-z]{2,}")
_CODE_RE = re.compile(r"\b(3[0-9]{4})\b")
_HEADER_CELL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _./-]{0,40}$")


def _channel_host(channel: str) -> str | None:
    """The far host of a FreeSWITCH channel name: sofia/<profile>/<user>@<host>[:port]."""
    host = channel.rpartition("@")[2] if "@" in channel else ""
    return host.split(":", 1)[0] or None


def _number_of(target: str) -> tuple[str, str | None]:
    """(dialled number, peer) of a channel target: SIP/peer/number, SIP/number@peer, PJSIP/number@endpoint."""
    rest = target.split("/", 1)[1] if "/" in target else target
    if "@" in rest:
        number, _, peer = rest.partition("@")
        return number.rsplit("/", 1)[-1], peer or None
    if "/" in rest:
        peer, _, number = rest.partition("/")
        return number, peer or None
    return "", rest or None  # SIP/peer: no number at all


def _uri_host(uri: str) -> str | None:
    """The host of a SIP URI or a bare host[:port] ('sip:user@host:5060;transport=tcp' -> 'host')."""
    rest = uri.split(":", 1)[1] if uri.lower().startswith(("sip:", "sips:")) else uri
    host = rest.rpartition("@")[2].split(";", 1)[0]
    if host.startswith("["):
        return host[1:].split("]", 1)[0] or None
    return host.split(":", 1)[0] or None


_CALL_TAG_RE = re.compile(r"\]\[(C-[0-9a-f]{4,16})\]")


def scan_lines(lines: Iterable[str], file: str, raw: Iterable[str] | None = None) -> list[LogEvent]:
    """Every event in the lines (already stripped of log prefixes); line numbers are 1-based.

    `raw`, the same lines before the prefix was stripped, gives the Asterisk call tag
    ([C-0000001a]) that tells lines of different calls apart."""
    events: list[LogEvent] = []
    texts = 0
    raws = iter(raw) if raw is not None else None
    last_request: dict[str, str] = {}  # per summary-style source: the method of the last request line
    for n, line in enumerate(lines, start=1):
        original = next(raws, "") if raws is not None else ""
        if len(events) >= MAX_EVENTS:
            break
        if not line or len(line) > MAX_LINE:
            continue
        found = _scan_line(line, TraceRef(file=file, line=n), None)
        if found:
            tag = _CALL_TAG_RE.search(original[:200]) if original else None
            for e in found:
                if tag:
                    e.fields["call"] = tag.group(1)
                if e.kind == "request" and e.method:
                    last_request[e.source] = e.method
                elif e.kind == "response" and e.method is None and e.source in ("summary", "arrows", "sippts"):
                    e.method = last_request.get(e.source)
            events.extend(found)
            continue
        t = line.strip()
        if (texts < MAX_TEXT_EVENTS and len(t) <= 300 and not t.startswith("SIP/2.0") and " SIP/2.0" not in t
                and len(_WORDS_RE.findall(t)) >= 4 and ":" not in t[:30]):
            texts += 1
            code = _CODE_RE.search(t)
            events.append(LogEvent("text", TraceRef(file=file, line=n), "text", t,
                                   code=code.group(1) if code else None))
    return events


def _scan_line(line: str, ref: TraceRef, ts: float | None) -> list[LogEvent]:
    text = line.strip()[:300]
    out: list[LogEvent] = []

    def ev(kind: str, source: str, **kw: object) -> None:
        out.append(LogEvent(kind, ref, source, text, ts=ts, **kw))  # type: ignore[arg-type]

    if "SIP response" in line:
        m = _GOT_RE.search(line)
        if m:
            ev("response", "asterisk", status=int(m.group(1)), reason=m.group(2), peer=m.group(3),
               peer_port=int(m.group(4)), direction="received")
            return out
    if "Received response:" in line:
        m = _RECEIVED_RE.search(line)
        if m:
            host = re.search(r"@([\w.-]{1,253})", m.group(2))
            ev("response", "asterisk", reason=m.group(1), peer=host.group(1) if host else None, direction="received")
            return out
    if "Called " in line:
        m = _CALLED_RE.search(line)
        if m:
            number, peer = _number_of(m.group(1))
            ev("dial", "asterisk", number=number, peer=peer, fields={"target": m.group(1)})
            return out
    if "Dial(" in line:
        m = _DIAL_RE.search(line)
        if m:
            number, peer = _number_of(m.group(1))
            ev("dial", "asterisk", number=number, peer=peer, fields={"target": m.group(1)})
            return out
    if _BUSY_RE.search(line):
        ev("dial_failed", "asterisk")
        return out
    if "sofia/" in line:
        m = _FS_HANGUP_RE.search(line)
        if m:
            ev("hangup", "freeswitch", reason=m.group(3), peer=_channel_host(m.group(1)),
               fields={"channel": m.group(1), "state": m.group(2)})
            return out
        m = _FS_STATE_RE.search(line)
        if m:  # provisional and 2xx states too: read, though only failures decide anything
            ev("response", "freeswitch", status=int(m.group(3)), direction="received", peer=_channel_host(m.group(1)),
               fields={"channel": m.group(1), "state": m.group(2)})
            return out
    if "gateway" in line:
        m = _FS_GATEWAY_RE.search(line)
        if m:
            ev("request", "freeswitch", method="OPTIONS", peer=m.group(1), fields={"gateway_state": m.group(2)})
            return out
    if "msg " in line:
        m = _PJSUA_RESP_RE.search(line)
        if m:
            sent = (m.group(1) or "").startswith(("Sending", "TX"))
            ev("response", "pjsua", status=int(m.group(2)), method=m.group(3).upper(), peer=m.group(5),
               peer_port=int(m.group(6)) if m.group(6) else None, direction="sent" if sent else "received",
               fields={"cseq": m.group(4)})
            return out
        m = _PJSUA_REQ_RE.search(line)
        if m:
            sent = m.group(1).startswith(("Sending", "TX"))
            ev("request", "pjsua", method=m.group(2).upper(), direction="sent" if sent else "received",
               fields={"cseq": m.group(3)})
            return out
    if "INVITE response" in line or "invite response" in line.lower():
        m = _LIVEKIT_RESP_RE.search(line)
        if m:
            fields = {k: v.strip() for k, v in _JSON_FIELD_RE.findall(line)}
            ev("response", "livekit", status=int(m.group(1)), method="INVITE", direction="received",
               peer=fields.get("address"), number=fields.get("to"), caller=fields.get("from"), fields=fields)
            return out
    if "processing invite" in line or "Accepting the call" in line:
        m = _LIVEKIT_INVITE_RE.search(line)
        if m:
            fields = {k: v.strip() for k, v in _JSON_FIELD_RE.findall(line)}
            ev("request", "livekit", method="INVITE", direction="received", peer=m.group(1),
               peer_port=int(m.group(2)) if m.group(2) else None, number=fields.get("toUser"),
               caller=fields.get("fromUser"), fields=fields)
            return out
    if "failed for" in line:
        m = _PJSIP_FAILED_RE.search(line)
        if m:
            sender = _URI_HOST_RE.search(m.group(2))
            unidentified = "no matching endpoint" in m.group(5).lower()
            ev("refusal", "asterisk", method=m.group(1).upper(), peer=m.group(3), peer_port=int(m.group(4)),
               reason=m.group(5).strip(), direction="received",
               fields={"from": m.group(2), "from_host": sender.group(1) if sender else "",
                       "challenge": "with_401" if unidentified else "", "why": m.group(5).strip()})
            return out
    if "auth" in line:
        m = _CHAN_SIP_AUTH_RE.search(line)
        if m:
            sender = _URI_HOST_RE.search(m.group(1))
            ev("refusal", "asterisk", method="INVITE" if "handle_request_invite" in line else None,
               direction="received", fields={"from": m.group(1), "from_host": sender.group(1) if sender else "",
                                             "challenge": "with_401", "why": "chan_sip cannot authenticate the device"})
            return out
    if "Rejected by acl" in line:
        m = _FS_ACL_RE.search(line)
        if m:
            ev("refusal", "freeswitch", peer=m.group(1), direction="received",
               fields={"acl": m.group(2), "challenge": "with_407" if m.group(3) else "",
                       "why": f"not in the ACL {m.group(2)!r}"})
            return out
    if "Retransmission timeout" in line:
        m = _RETRANS_RE.search(line)
        if m:
            ev("fault", "asterisk", fault="ack_timeout" if m.group(3) == "Response" else "transaction_timeout",
               fields={"call": m.group(1), "seqno": m.group(2)})
            return out
    if "extension not found" in line:
        m = _NO_EXTEN_RE.search(line)
        if m:
            ev("request", "asterisk", method="INVITE", direction="received", peer=m.group(2), peer_port=int(m.group(3)),
               number=m.group(4), fields={"context": m.group(5), "not_routed": "yes"})
            return out
    if _ACK_FAULT_RE.search(line):
        ev("fault", "stack", fault="ack_timeout")
        return out
    if "registration" in line.lower():
        m = _PJSIP_REG_RE.search(line)
        if m:
            ev("response", "asterisk", status=int(m.group(1)), method="REGISTER", direction="received",
               peer=_uri_host(m.group(2)), fields={"server": m.group(2), "aor": m.group(3)})
            return out
        m = _CHAN_SIP_REG_RE.search(line)
        if m:
            ev("response", "asterisk", status=int(m.group(2)) if m.group(2) else None, method="REGISTER",
               direction="received", peer=_uri_host(m.group(1)), fields={"server": m.group(1)})
            return out
    m = _DNS_FAULT_RE.search(line)
    if m and not line.lstrip().startswith("SIP/2.0"):
        name = m.group(1) or next((n.group(1) for n in _DNS_NAME_RE.finditer(line)), None)
        ev("fault", "stack", fault="dns_failure", peer=name if name and "." in name else None)
        return out
    if _TIMEOUT_FAULT_RE.search(line) and not line.lstrip().startswith("SIP/2.0"):
        ev("fault", "stack", fault="transaction_timeout")
        return out
    if " from " in line and "(" in line:
        m = _XLOG_RE.search(line)
        if m:
            ev("request", "kamailio", method=m.group(1), peer=m.group(2), peer_port=int(m.group(3)),
               direction="received")
            return out
    if "->" in line or "→" in line or "=>" in line:
        m = _LABELLED_RE.search(line)
        if m:
            ev("request", "labelled", method=m.group(3), peer=_uri_host(m.group(4)), direction="sent",
               fields={"from_label": m.group(1), "to_label": m.group(2), "ruri": m.group(4)})
            return out
    if "->" in line or "→" in line:
        m = _SUMMARY_RE.search(line)
        if m:
            fields = {"src": f"{m.group(1)}:{m.group(2)}", "dst": f"{m.group(3)}:{m.group(4)}"}
            if m.group(5):
                ev("response", "summary", status=int(m.group(5)), reason=(m.group(6) or "").strip() or None,
                   peer=m.group(1), peer_port=int(m.group(2)), fields=fields)
            else:
                ev("request", "summary", method=m.group(7), peer=m.group(3), peer_port=int(m.group(4)), fields=fields)
            return out
    if "-->" in line or "<--" in line:
        for m in _ARROW_RE.finditer(line):
            direction = "sent" if m.group(1) == "-->" else "received"
            if m.group(2):
                ev("response", "arrows", status=int(m.group(2)), reason=(m.group(3) or "").strip() or None,
                   direction=direction)
            else:
                ev("request", "arrows", method=m.group(4), direction=direction)
        if out:
            return out
    if "[<=]" in line or "[=>]" in line:
        m = _SIPPTS_RE.search(line)
        if m:
            if m.group(2):
                ev("response", "sippts", status=int(m.group(2)), reason=(m.group(3) or "").strip() or None,
                   direction="received")
            else:
                ev("request", "sippts", method=m.group(4).upper(), direction="sent")
            return out
    return out


# --------------------------------------------------------------------------- carrier artefacts


def scan_artefact(text: str, file: str) -> list[LogEvent] | None:
    """A whole-file carrier artefact: a debugger alert export (JSON) or a call-log export (CSV).

    None when the text is neither (then it is read as a log)."""
    head = text.lstrip()[:1]
    if head in ("{", "["):
        return _alerts_json(text, file)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if first.count(",") >= 3 and not any(ch in first for ch in "<>") and "SIP/2.0" not in first:
        return _call_log_csv(text, file)
    return None


def _alerts_json(text: str, file: str) -> list[LogEvent] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    items: list[object]
    if isinstance(data, dict) and isinstance(data.get("alerts"), list):
        items = list(data["alerts"])
    elif isinstance(data, list):
        items = list(data)
    elif isinstance(data, dict):
        items = [data]
    else:
        return None
    events: list[LogEvent] = []
    lines = text.splitlines()
    for i, item in enumerate(items[:MAX_EVENTS]):
        if not isinstance(item, dict):
            continue
        code = item.get("error_code") or item.get("errorCode") or item.get("code")
        alert_text = item.get("alert_text") or item.get("alertText") or item.get("message") or ""
        if code is None and not alert_text:
            continue
        code_s = str(code) if code is not None else None
        line = _line_of(lines, code_s or str(alert_text)[:40], i)
        fields = {str(k): str(v)[:300] for k, v in item.items() if isinstance(v, str | int | float) and v is not None}
        events.append(LogEvent("alert", TraceRef(file=file, line=line), "debugger_json",
                               f"alert {code_s or '?'}: {str(alert_text)[:240]}", code=code_s, fields=fields))
    return events


def _line_of(lines: list[str], needle: str, occurrence: int) -> int | None:
    seen = 0
    for n, line in enumerate(lines, start=1):
        if needle and needle in line:
            if seen == occurrence:
                return n
            seen += 1
    return None


def _call_log_csv(text: str, file: str) -> list[LogEvent] | None:
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = next(reader)
    except (csv.Error, StopIteration):
        return None
    header = [h.strip() for h in header]
    if len(header) < 4 or not all(_HEADER_CELL_RE.match(h) for h in header):
        return None
    events: list[LogEvent] = []
    try:
        for n, row in enumerate(reader, start=2):
            if len(events) >= MAX_EVENTS:
                break
            if not row or len(row) != len(header):
                continue
            fields = {h: v.strip() for h, v in zip(header, row, strict=True)}
            events.append(LogEvent("call_log", TraceRef(file=file, line=n), "call_log_csv", ",".join(row)[:300],
                                   fields=fields))
    except csv.Error:
        return events or None
    return events or None
