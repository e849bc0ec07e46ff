"""From parsed messages to transactions, dialogs and calls.

* A call is everything with one Call-ID that contains an INVITE (or a response
  to one); other Call-IDs (OPTIONS pings, REGISTER...) are kept as dialogs
  without a call.
* Transactions are keyed by the top Via branch plus CSeq number and method
  (RFC 3261 17.2.3); an ACK for a 2xx and a CANCEL are transactions of their own.
* A message equal to an earlier one of the same file (same request with the
  same branch, or same response) is a retransmission; the same message in a
  second file is a second view of it (another capture point), not a
  retransmission.
* Within a call, every message is sent by the caller (the From tag of the
  initial INVITE) or the callee; which of them is the carrier is decided in
  `advisor.evidence.sides`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from advisor.evidence.headless import infer_kind
from advisor.evidence.load import LoadedTrace
from advisor.evidence.records import SipRecord
from advisor.evidence.sipmsg import SipMessage, SipParseError, parse_message

__all__ = ["Call", "CallSet", "Message", "Transaction", "build_calls"]

ABSOLUTE_TS = 1e8  # below this a ts is "seconds since some origin", not an epoch time

TEXT_FORMATS = frozenset({"raw", "sngrep_txt", "asterisk_pjsip", "asterisk_chan_sip", "freeswitch_siptrace",
                          "tcpdump_text", "json_log"})


@dataclass(eq=False, slots=True)
class Message:
    """One kept SIP message: the record (raw bytes), its compact parse, and where it sits.

    The tags and branch that group messages into calls and transactions are
    kept as plain strings (set by build_calls), so grouping never goes back
    to the parsed header objects.
    """

    index: int
    record: SipRecord
    msg: SipMessage
    file: str
    file_index: int
    seq: int  # position in its file
    fmt: str
    direction: str | None = None  # sent | received, seen from the host that wrote the log
    party: str | None = None  # caller | callee (within its call)
    sender: str | None = None  # carrier | customer (set by sides)
    retransmission: bool = False
    fragment: bool = False  # a partial message (no Call-ID or CSeq): evidence, not a transaction member
    # headers with no start line: "request" | "response" when a header proves it, else "unknown" (headless.py)
    headless: str | None = None
    view_of: Message | None = None
    views: list[Message] = field(default_factory=list)
    from_tag: str | None = None
    to_tag: str | None = None
    branch: str | None = None
    _hosts: tuple[str | None, str | None, str | None] | None = None
    _audio: tuple[str, int] | None = None  # the SDP's audio address and port (set with _hosts)

    def hosts(self) -> tuple[str | None, str | None, str | None]:
        """(top Via host, first Contact's host, SDP audio address): what side detection reads of
        every message, several times.  Kept as three short strings, so the passes over all
        messages do not parse the Via, Contact and SDP again once the parsed-object memo
        (sipmsg._MEMO_LIMIT) has dropped them."""
        h = self._hosts
        if h is None:
            top = self.msg.top_via_host_branch()
            h, self._audio = _light_hosts(self.msg, top[0] if top is not None else None)
            self._hosts = h
        return h

    def audio_target(self) -> tuple[str, int] | None:
        """Where this message's SDP wants audio (address, port), like extract.base.sdp_target of an
        SDP with an audio stream and both parts; None otherwise.  Read with hosts(), kept as a pair."""
        if self._hosts is None:
            self.hosts()
        return self._audio

    @property
    def ts(self) -> float | None:
        return self.record.ts

    @property
    def absolute(self) -> bool:
        return self.record.ts is not None and self.record.ts >= ABSOLUTE_TS

    @property
    def line(self) -> int | None:
        return self.record.ref.line

    @property
    def frame(self) -> int | None:
        return self.record.ref.frame

    @property
    def label(self) -> str:
        return self.record.ref.label()

    @property
    def at(self) -> datetime | None:
        """Message time as a datetime: UTC for captures, the log's own wall clock (naive) for text."""
        ts = self.record.ts
        if ts is None or ts < ABSOLUTE_TS:
            return None
        try:
            dt = datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return dt.replace(tzinfo=None) if self.fmt in TEXT_FORMATS else dt

    @property
    def is_request(self) -> bool:
        return self.msg.is_request

    @property
    def method(self) -> str | None:
        return self.msg.method

    @property
    def status(self) -> int | None:
        return self.msg.status

    @property
    def src(self) -> str | None:
        return self.record.src

    @property
    def dst(self) -> str | None:
        return self.record.dst

    def endpoint(self, which: str) -> str | None:
        host = self.record.src if which == "src" else self.record.dst
        port = self.record.sport if which == "src" else self.record.dport
        if host is None:
            return None
        h = f"[{host}]" if ":" in host else host
        return f"{h}:{port}" if port is not None else h

    def all_views(self) -> list[Message]:
        return [self, *self.views]

    def short(self) -> str:
        return self.msg.summary()


_HOSTS: dict[str, str] = {}


def _light_hosts(msg: SipMessage, via_host: str | None) -> tuple[tuple[str | None, str | None, str | None],
                                                                tuple[str, int] | None]:
    contact = msg.first_contact_host()
    sdp = msg.sdp_audio()
    if sdp is None:
        return (_shared(via_host), _shared(contact), None), None
    addr, port = sdp
    shared = _shared(addr)
    return (_shared(via_host), _shared(contact), shared), ((shared or addr, port) if addr and port else None)


def _shared(host: str | None) -> str | None:
    """One string object per distinct host (a capture repeats a few hosts in every message)."""
    if host is None:
        return None
    if len(_HOSTS) > 100_000:
        return host
    return _HOSTS.setdefault(host, host)


@dataclass(eq=False)
class Transaction:
    method: str
    cseq: int
    branch: str | None
    requests: list[Message] = field(default_factory=list)
    responses: list[Message] = field(default_factory=list)

    @property
    def request(self) -> Message | None:
        return self.requests[0] if self.requests else None

    @property
    def sends(self) -> int:
        return len(self.requests)

    @property
    def final(self) -> Message | None:
        for r in self.responses:
            if r.status is not None and r.status >= 200:
                return r
        return None

    def finals(self) -> list[Message]:
        return [r for r in self.responses if r.status is not None and r.status >= 200]

    @property
    def provisional(self) -> list[Message]:
        return [r for r in self.responses if r.status is not None and r.status < 200]

    @property
    def has_credentials(self) -> bool:
        req = self.request
        return bool(req and (req.msg.has("authorization") or req.msg.has("proxy-authorization")))


@dataclass(eq=False)
class Call:
    call_id: str
    messages: list[Message] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    caller_tag: str | None = None
    carrier_party: str | None = None  # caller | callee
    sides_note: str = ""
    # INVITE transactions on the carrier's leg, when the trace also holds another leg of the
    # same Call-ID (a proxy or SBC between PBX and carrier); set by sides
    carrier_leg: set[int] | None = None

    # -- structure
    @property
    def invites(self) -> list[Transaction]:
        """Initial INVITE transactions (no To tag), in order: the challenge chain."""
        out = []
        for t in self.transactions:
            if t.method != "INVITE" or t.request is None:
                continue
            if not t.request.to_tag:
                out.append(t)
        if not out:  # only a re-INVITE, or only the responses were captured
            out = [t for t in self.transactions if t.method == "INVITE"][:1]
        if self.carrier_leg:
            on_leg = [t for t in out if id(t) in self.carrier_leg]
            out = on_leg or out
        return out

    @property
    def initial_invite(self) -> Message | None:
        invs = self.invites
        return invs[0].request if invs and invs[0].request else None

    @property
    def last_invite(self) -> Transaction | None:
        invs = self.invites
        return invs[-1] if invs else None

    @property
    def direction(self) -> str | None:
        if self.carrier_party == "callee":
            return "termination"
        if self.carrier_party == "caller":
            return "origination"
        return None

    def ok_transaction(self) -> Transaction | None:
        for t in self.invites:
            f = t.final
            if f is not None and f.status is not None and 200 <= f.status < 300:
                return t
        return None

    def oks(self) -> list[Message]:
        """Every 2xx to the answered initial INVITE (first one plus retransmissions)."""
        t = self.ok_transaction()
        if t is None:
            return []
        return [r for r in t.responses if r.status is not None and 200 <= r.status < 300]

    def acks_for(self, ok: Message) -> list[Message]:
        """ACKs for a 2xx: same CSeq number, method ACK, own transaction (RFC 3261 13.2.2.4)."""
        cseq = ok.msg.cseq
        if cseq is None:
            return []
        return [m for m in self.messages if m.is_request and m.method == "ACK" and m.msg.cseq
                and m.msg.cseq[0] == cseq[0] and m.to_tag]

    def requests(self, method: str) -> list[Message]:
        return [m for m in self.messages if m.is_request and m.method == method]

    def first_bye(self) -> Message | None:
        byes = [m for m in self.requests("BYE") if not m.retransmission]
        return byes[0] if byes else None

    def cancelled(self) -> bool:
        return any(m.method == "CANCEL" for m in self.messages if m.is_request)

    def start_ts(self) -> float | None:
        ts = [m.ts for m in self.messages if m.ts is not None]
        return min(ts) if ts else None

    def files(self) -> list[str]:
        out: list[str] = []
        for m in self.messages:
            for v in m.all_views():
                if v.file not in out:
                    out.append(v.file)
        return out

    def other(self, party: str) -> str:
        return "callee" if party == "caller" else "caller"

    @property
    def carrier_sends(self) -> str | None:
        return self.carrier_party

    @property
    def customer_party(self) -> str | None:
        return self.other(self.carrier_party) if self.carrier_party else None


@dataclass
class CallSet:
    messages: list[Message]
    calls: list[Call]
    dialogs: list[Call]  # Call-IDs without an INVITE (OPTIONS, REGISTER, ...)
    warnings: list[str]
    loaded: list[LoadedTrace]


def _key(m: Message) -> tuple[object, ...]:
    msg = m.msg
    cseq = msg.cseq or (0, "")
    if msg.method is not None:
        return ("req", msg.call_id, msg.method, cseq[0], m.branch or "", m.from_tag or "", m.to_tag or "",
                msg.request_uri or "")
    return ("resp", msg.call_id, msg.status, cseq[0], cseq[1], m.branch or "", m.to_tag or "")


def build_calls(loaded: list[LoadedTrace]) -> CallSet:
    warnings: list[str] = []
    messages: list[Message] = []
    for fi, lt in enumerate(loaded):
        cc = lt.contents
        for seq, rec in enumerate(cc.sip):
            fragment = False
            try:
                msg = parse_message(rec.raw)
            except SipParseError as exc:
                try:  # cut by the paste (no Call-ID/CSeq, or no start line): kept as a fragment with what it shows
                    msg = parse_message(rec.raw, headless=True)
                except SipParseError:
                    warnings.append(f"{rec.ref.label()}: skipped a malformed SIP message: {exc}")
                    continue
                fragment = True
                if msg.method is None and msg.status is None:
                    warnings.append(f"{rec.ref.label()}: kept headers with no start line as a fragment"
                                    f" ({msg.summary()})")
                else:
                    warnings.append(f"{rec.ref.label()}: kept a partial message as a fragment: {exc}")
            for w in msg.warnings:
                warnings.append(f"{rec.ref.label()}: {w}")
            direction = lt.directions[seq] if seq < len(lt.directions) else None
            top = msg.top_via_host_branch()  # read once: the branch groups, the host tells sides
            messages.append(Message(index=len(messages), record=rec, msg=msg, file=cc.file, file_index=fi, seq=seq,
                                    fmt=cc.format, direction=direction, from_tag=msg.from_tag,
                                    to_tag=msg.to_tag, branch=top[1] if top is not None else None,
                                    fragment=fragment,
                                    headless=infer_kind(msg) if msg.method is None and msg.status is None
                                    else None))
            messages[-1]._hosts, messages[-1]._audio = _light_hosts(msg, top[0] if top is not None else None)
    # Retransmissions (same file) and views (other files).
    # per key, its primaries (first sightings, in order); a file's n-th sighting of a key is a view
    # of the n-th primary when that one is from another file.  How often this file has shown the key
    # is counted from the primaries and their views (no count kept per key and file): one hash of
    # the key for a repeat, two for a first sighting
    groups: dict[tuple[object, ...], list[Message]] = {}
    for m in messages:
        k = _key(m)
        prim = groups.get(k)
        if prim is None:
            groups[k] = [m]
            continue
        fi = m.file_index
        own = n = 0
        for p in prim:
            if p.file_index == fi:
                own += 1
            elif p.views:
                n += sum(1 for v in p.views if v.file_index == fi)
        n += own
        if n < len(prim) and prim[n].file_index != fi:
            m.view_of = prim[n]
            prim[n].views.append(m)
            continue
        if own:
            m.retransmission = True
        prim.append(m)
    by_call: dict[str, Call] = {}
    order: list[str] = []
    ties = _fragment_ties(messages)
    for m in messages:
        if m.view_of is not None:
            continue
        cid = m.msg.call_id or ties.get(m.index, "")
        if cid not in by_call:
            by_call[cid] = Call(call_id=cid)
            order.append(cid)
        by_call[cid].messages.append(m)
    calls: list[Call] = []
    dialogs: list[Call] = []
    for cid in order:
        call = by_call[cid]
        _sort(call)
        _transactions(call)
        _parties(call)
        if any(t.method == "INVITE" for t in call.transactions):
            calls.append(call)
        else:
            dialogs.append(call)
    return CallSet(messages=messages, calls=calls, dialogs=dialogs, warnings=warnings, loaded=loaded)


def _fragment_ties(messages: list[Message]) -> dict[int, str]:
    """Call-IDs for fragments that lost theirs, from what they still share with a whole message:
    a dialog tag (From/To tag) or the top Via branch. Nothing is tied on order alone.

    Uses the tags and branch build_calls keeps on each Message (the same values the parsed
    From/To/Via give), and costs nothing when every message has its Call-ID."""
    lost = [m for m in messages if not m.msg.call_id]
    if not lost:
        return {}
    by_tag: dict[str, str] = {}
    by_branch: dict[str, str] = {}
    for m in messages:
        cid = m.msg.call_id
        if not cid:
            continue
        for tag in (m.from_tag, m.to_tag):
            if tag:
                by_tag.setdefault(tag, cid)
        if m.branch:
            by_branch.setdefault(m.branch, cid)
    ties: dict[int, str] = {}
    for m in lost:
        found = (by_branch.get(m.branch or "") or by_tag.get(m.from_tag or "") or by_tag.get(m.to_tag or ""))
        if found:
            ties[m.index] = found
    return ties


def _headless_party(m: Message, caller_tag: str | None) -> str | None:
    """Who sent headers with no start line: only when their kind is proven and the From tag is known."""
    if m.headless not in ("request", "response") or caller_tag is None or m.from_tag is None:
        return None
    requester = "caller" if m.from_tag == caller_tag else "callee"
    return requester if m.headless == "request" else ("callee" if requester == "caller" else "caller")


def _sort(call: Call) -> None:
    msgs = call.messages
    if len({m.file_index for m in msgs}) > 1 and all(m.absolute for m in msgs):
        msgs.sort(key=lambda m: (m.ts or 0.0, m.file_index, m.seq))
    else:
        msgs.sort(key=lambda m: (m.file_index, m.seq))


def _transactions(call: Call) -> None:
    index: dict[tuple[object, ...], Transaction] = {}
    cut: list[Message] = []  # responses that lost their CSeq: placed by their Via branch below
    for m in call.messages:
        cseq = m.msg.cseq
        if m.headless is not None:
            continue  # no start line: not a transaction member (extract/fragments.py reads it)
        if cseq is None:
            if not m.is_request and m.msg.branch:
                cut.append(m)
            continue
        num, cmethod = cseq
        if m.is_request:
            method = m.method or cmethod
            key: tuple[object, ...] = (method, num, m.branch or m.from_tag or "")
            t = index.get(key)
            if t is None:
                t = Transaction(method=method, cseq=num, branch=m.branch)
                index[key] = t
                call.transactions.append(t)
            t.requests.append(m)
        else:
            key = (cmethod, num, m.branch or m.from_tag or "")
            t = index.get(key)
            if t is None:
                # response whose request is not in the trace
                t = Transaction(method=cmethod, cseq=num, branch=m.branch)
                index[key] = t
                call.transactions.append(t)
            t.responses.append(m)
    for m in cut:
        t = next((t for t in call.transactions if t.branch == m.msg.branch and t.requests), None)
        if t is not None:
            t.responses.append(m)


def _parties(call: Call) -> None:
    inv = call.initial_invite
    caller_tag = inv.from_tag if inv is not None else None
    if caller_tag is None:
        for m in call.messages:
            if m.msg.cseq_method in ("INVITE", "ACK", "CANCEL"):
                caller_tag = m.from_tag
                if caller_tag:
                    break
    call.caller_tag = caller_tag
    caller_addr = inv.src if inv is not None else None
    for m in call.messages:
        ftag = m.from_tag
        if m.headless is not None:
            m.party = _headless_party(m, caller_tag)
            continue
        if caller_tag is not None and ftag is not None:
            requester = "caller" if ftag == caller_tag else "callee"
        elif m.is_request and m.method in ("INVITE", "ACK", "CANCEL") and m.to_tag is None:
            requester = "caller"
        elif caller_addr is not None and m.src is not None:
            sent_by_caller = m.src == caller_addr
            requester = ("caller" if sent_by_caller else "callee") if m.is_request else (
                "callee" if sent_by_caller else "caller")
        else:
            requester = "caller" if (m.msg.cseq_method in ("INVITE", "ACK", "CANCEL")) else "callee"
        m.party = requester if m.is_request else call.other(requester)
        for v in m.views:
            v.party = m.party
