"""Generate transcripts/: one worked example session per cause of the catalog.

Each transcript is a real Session driven through the advisor's own question
order: the engineer picks the cause's symptom on the start screen, then every
question the advisor asks is answered truthfully for that cause (from its
`requires`, else its `supports`), "I don't know" where the cause says nothing.
A fictional customer, a ticket, notes, and for some causes a probe or trace
finding make them readable training material; replay checks them in the tests.

    python -m advisor.session.transcripts [OUT_DIR] [--kb DIR] [--check]

Output is deterministic (fixed ids and timestamps), so regenerating after a
knowledge change shows exactly which sessions now go differently.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from advisor.context import TrunkContext
from advisor.engine.diagnosis import Advisor
from advisor.engine.observations import Observation, Source
from advisor.kb.loader import KnowledgeBase, load_kb
from advisor.kb.models import UNKNOWN, CauseDef, Condition, ObservationDef
from advisor.session.core import Session
from advisor.session.events import ProbeRun, SessionRecord
from advisor.session.projection import project
from advisor.session.store import dump_record

BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MAX_QUESTIONS = 40


@dataclass
class Fact:
    """A finding from a probe or a trace, added before the questions start."""

    kind: str  # "probe" | "trace"
    name: str  # probe name or trace file
    values: dict[str, str | float]
    summary: str = ""
    target: str = ""
    note: str | None = None  # SIP lines quoted for a trace finding
    frame: int | None = None
    line: int | None = None
    ok: bool = True


@dataclass
class Flavor:
    customer: str
    ticket: str
    slug: str
    opening: str  # the customer's words, first note
    closing: str  # the engineer's note before concluding
    facts: list[Fact] = field(default_factory=list)
    unsure_first: str | None = None  # an observation answered "unknown" first, then corrected
    pbx: str = "203.0.113.10"
    numbers: tuple[str, ...] = ("+12025550143",)


FLAVORS: dict[str, Flavor] = {
    "term.no_response.firewall_outbound": Flavor(
        "Harbor Light Dental", "ZD-41001", "harbor-light-dental",
        "Since the weekend no outbound call works; the phones just ring out into nothing.",
        "Firewall was replaced on Saturday; the new rule set has no outbound SIP rule. "
        "Sent them the carrier's signalling ranges.",
        facts=[Fact("probe", "options_ping", {"options_ping_to_carrier": "timeout"},
                    "OPTIONS to harbor-light-dental.pstn.twilio.com from the PBX LAN: "
                    "no answer after 7 tries",
                    target="harbor-light-dental.pstn.twilio.com", ok=False)]),
    "term.no_response.dns_unreachable": Flavor(
        "Quarry Street Books", "ZD-41002", "quarry-street-books",
        "Outbound calls fail instantly with 'all circuits busy' from the PBX.",
        "PBX uses 10.0.0.2 as its only resolver and that box was decommissioned. Pointed it at the new DNS.",
        facts=[Fact("probe", "dns", {"dns_resolves_termination_uri": "no"},
                    "quarry-street-books.pstn.twilio.com: SERVFAIL / timeout from resolver 10.0.0.2",
                    target="quarry-street-books.pstn.twilio.com", ok=False)]),
    "term.no_response.request_uri_mismatch": Flavor(
        "Pinecone Outfitters", "ZD-41003", "pinecone-outfitters",
        "New FreePBX install; outbound calls time out, nothing in the carrier's call log.",
        "INVITE goes to sip:+12025550177@54.172.60.0 - the trunk host is an IP, not the termination URI.",
        unsure_first="request_uri_host_matches_termination_uri"),
    "term.403.acl_mismatch": Flavor(
        "Blue Heron Logistics", "ZD-41004", "blue-heron-logistics",
        "Every outbound call fails with 403 since the office moved to the new fibre line.",
        "Via received= in the 403 shows 198.51.100.77, the new fibre address, not on the trunk's ACL.",
        pbx="198.51.100.77"),
    "term.403.credentials_mismatch": Flavor(
        "Copperline Accounting", "ZD-41005", "copperline-accounting",
        "Calls out get 'forbidden' after IT rotated passwords yesterday.",
        "407 challenge, retry with Proxy-Authorization, then 403: the PBX still has the old password. "
        "Customer re-entered the new one from the credential list.",
        facts=[Fact("trace", "copperline-pbx.log", {"rejected_invite_had_credentials": "yes"},
                    note='INVITE sip:+12025550190@copperline-accounting.pstn.twilio.com SIP/2.0\n'
                         'Proxy-Authorization: Digest username="copperline", realm="sip.twilio.com", '
                         'nonce="5f2a9c0e7b", response="0a4f113b9c2d7e8f6a5b4c3d2e1f0a9b"\n'
                         'SIP/2.0 403 Forbidden', line=212)]),
    "term.400.dialed_number_not_e164": Flavor(
        "Sunny Acres Realty", "ZD-41006", "sunny-acres-realty",
        "Calls to local numbers fail with 'invalid number', long distance is fine.",
        "Local dial plan strips the +1: Request-URI is sip:2025550148@... "
        "Add the +1 prefix in the outbound route."),
    "term.403.caller_id_not_e164": Flavor(
        "Maple Street Cafe", "ZD-41007", "maple-street-cafe",
        "Outbound calls rejected with 403 Invalid Caller ID after a PBX upgrade.",
        "From header carries 2025550101 without +1; the upgrade reset the outbound CID format."),
    "term.403.caller_id_not_verified": Flavor(
        "Northwind Tutors", "ZD-41008", "northwind-tutors",
        "Some extensions can call out, others get 403.",
        "Failing extensions present +12025550166, a number ported to another provider; not on the account "
        "and not verified."),
    "term.403.remote_party_id_invalid": Flavor(
        "Granite Peak Legal", "ZD-41009", "granite-peak-legal",
        "403 Invalid Caller ID although the From number is right.",
        "Remote-Party-ID carries the extension number 2104; the carrier uses RPID over From. Disable RPID "
        "or send the DID."),
    "term.403.destination_blocked": Flavor(
        "Riverbend Clinic", "ZD-41010", "riverbend-clinic",
        "One specific number cannot be reached, everything else works.",
        "Destination is on the carrier's block list (high-cost range); customer to open a case with the "
        "carrier if the number is legitimate."),
    "term.403.no_international_permission": Flavor(
        "Atlas Freight", "ZD-41011", "atlas-freight",
        "Calls to Germany fail; domestic calls are fine.",
        "Geo permissions only allow US/Canada. Customer's admin will enable Germany in the console."),
    "term.503.cps_limit": Flavor(
        "Brightside Collections", "ZD-41012", "brightside-collections",
        "The dialer campaign gets lots of 503s every morning at 9.",
        "Dialer fires about 5 INVITEs/s against a 1 CPS trunk. Throttle the dialer or raise the CPS limit."),
    "term.503.concurrent_limit": Flavor(
        "Tiny Sprout Daycare", "ZD-41013", "tiny-sprout-daycare",
        "Fifth simultaneous call always fails, the first four work.",
        "Trial account: 4 concurrent calls max. Upgrading the account removes the limit."),
    "term.drop30.ack_wrong_target": Flavor(
        "Lakeside Property Mgmt", "ZD-41014", "lakeside-property",
        "Outbound calls connect, audio fine, then cut off after about half a minute.",
        "ACK goes to the termination URI's address instead of the 200 OK's Contact; "
        "carrier keeps retransmitting the 200 OK and hangs up at 32 s.",
        facts=[Fact("trace", "lakeside-drop.pcap", {"ok_retransmitted": "yes", "seconds_until_drop": 32.0},
                    note="SIP/2.0 200 OK (retransmission 7)\nBYE sip:+12025550119@203.0.113.10:5060 SIP/2.0\n"
                         "Reason: Q.850;cause=16;text=\"ACK timeout\"", frame=57)]),
    "term.drop30.ack_ip_rewritten": Flavor(
        "Orchard Hill Winery", "ZD-41015", "orchard-hill-winery",
        "Calls out drop after 30 seconds since the SBC was put in front of the PBX.",
        "SBC's topology hiding rewrites the ACK Request-URI to its own public address. Exempt the carrier's "
        "private Contact from rewriting."),
    "orig.drop30.via_rewritten": Flavor(
        "Cedar Point Marina", "ZD-41016", "cedar-point-marina",
        "Inbound calls: no audio and the call drops after 30 seconds.",
        "PBX's 200 OK carries a Via it built itself instead of copying the carrier's Via headers."),
    "orig.drop30.contact_private_ip": Flavor(
        "Willow Creek Vet", "ZD-41017", "willow-creek-vet",
        "Inbound calls work with audio, then drop after about 30 seconds.",
        "200 OK Contact is sip:2001@192.168.10.20:5060; set the external address / NAT settings on the PBX.",
        unsure_first="ok_contact_private"),
    "orig.peers.not_trusted": Flavor(
        "Silver Lining Salon", "ZD-41018", "silver-lining-salon",
        "Inbound callers hear a fast busy; the carrier log shows the PBX answering 401.",
        "PBX challenges the carrier's INVITEs. Add the carrier's signalling ranges as trusted peers "
        "(no registration, no auth)."),
    "orig.timeout.origination_uri_wrong": Flavor(
        "Foxglove Florist", "ZD-41019", "foxglove-florist",
        "Inbound calls ring forever, then the caller gets a failure.",
        "Origination URI points at port 5080, the PBX listens on 5060."),
    "orig.firewall.carrier_not_allowed": Flavor(
        "Keystone Print Shop", "ZD-41020", "keystone-print",
        "Nobody can call in; outbound is fine.",
        "Edge capture shows the carrier's INVITEs arriving; the firewall drops them before the PBX. "
        "Allow the carrier's signalling ranges inbound."),
    "orig.422.session_expires_too_large": Flavor(
        "Bluebird Bakery", "ZD-41021", "bluebird-bakery",
        "Inbound calls fail right away; the carrier debugger shows a 422 from the PBX.",
        "PBX requires Min-SE 3600 but the carrier offers Session-Expires 1800. Lower the PBX's minimum."),
    "orig.not_delivered.origination_uri_unresolvable": Flavor(
        "Evergreen Tax Services", "ZD-41022", "evergreen-tax",
        "Inbound calls never reach us and the carrier has no record of them either.",
        "Origination URI is sip:pbx.evergreen-tax.example, a name that does not resolve in public DNS."),
    "orig.415.no_pcmu": Flavor(
        "Solstice Yoga", "ZD-41023", "solstice-yoga",
        "Inbound calls are rejected immediately with 415.",
        "PBX trunk only allows G.729 and Opus; enable PCMU (G.711 u-law)."),
    "audio.inbound.sdp_private_ip": Flavor(
        "Redwood Family Law", "ZD-41024", "redwood-family-law",
        "Calls connect but our side hears nothing.",
        "SDP c= line is 192.168.1.50: the PBX advertises its LAN address. Set the external media address."),
    "audio.inbound.firewall_blocks_rtp": Flavor(
        "Marigold Catering", "ZD-41025", "marigold-catering",
        "We can't hear callers, they can hear us.",
        "SDP is public and correct, RTP from the carrier never shows up on the PBX: firewall has no inbound "
        "RTP rule for the carrier's media ranges."),
    "audio.outbound.firewall_blocks_rtp": Flavor(
        "Hilltop Auto Repair", "ZD-41026", "hilltop-auto",
        "Customers we call hear silence; we hear them fine.",
        "Capture on the firewall's inside leg shows our RTP arriving and nothing leaving the outside leg."),
    "audio.outbound.isp_blocks_rtp": Flavor(
        "Coral Reef Diving", "ZD-41027", "coral-reef-diving",
        "The other side hears nothing on outbound and inbound calls.",
        "RTP leaves our edge with a normal TTL but never reaches the carrier; ISP is filtering UDP media. "
        "Ticket opened with the ISP."),
    "audio.outbound.rtp_ttl_too_low": Flavor(
        "Starlight Cinema", "ZD-41028", "starlight-cinema",
        "Callers can't hear us, we hear them.",
        "RTP leaves with TTL 4; the carrier's media edge is ~12 hops away. Raise the TTL on the PBX/SBC.",
        facts=[Fact("trace", "starlight-rtp.pcap", {"rtp_ttl": 4.0},
                    note="RTP 203.0.113.10:10000 -> 168.86.128.20:16384 PT 0 TTL 4 (first packet)",
                    frame=211)]),
}


# ---- truthful answers -------------------------------------------------------------
def satisfying(cond: Condition, obs: ObservationDef) -> str | float:
    """A plausible value that meets the condition."""
    if cond.is_ is not None:
        return cond.is_
    if cond.in_:
        return cond.in_[0]
    if cond.not_ is not None:
        for v in obs.values:
            if v not in cond.not_:
                return v
    lo = cond.gt * 1.5 if cond.gt is not None else cond.ge
    hi = cond.lt * 0.5 if cond.lt is not None else cond.le
    if cond.gt is not None and cond.gt <= 1:
        lo = cond.gt + 4
    if lo is not None and hi is not None:
        return float(round((lo + hi) / 2))
    if lo is not None:
        return float(round(lo))
    if hi is not None:
        return float(max(round(hi * 0.4), 1))
    return UNKNOWN


def chosen_alternative(kb: KnowledgeBase, cause: CauseDef) -> dict[str, Condition]:
    """The first `requires` alternative the cause's own symptom does not contradict."""
    implies = kb.symptoms[cause.symptom].implies if cause.symptom in kb.symptoms else {}
    for alt in cause.requires:
        if all(cond.holds(implies[o]) for o, cond in alt.items() if o in implies):
            return alt
    return cause.requires[0]


def truthful(kb: KnowledgeBase, cause: CauseDef, obs_id: str) -> str | float:
    obs = kb.observations[obs_id]
    alt = chosen_alternative(kb, cause)
    if obs_id in alt:
        return satisfying(alt[obs_id], obs)
    if obs_id in cause.supports:
        return satisfying(cause.supports[obs_id], obs)
    return UNKNOWN


# ---- building one transcript ----------------------------------------------------------
def build(advisor: Advisor, cause_id: str, index: int = 0) -> SessionRecord:
    kb = advisor.kb
    cause = kb.causes[cause_id]
    flavor = FLAVORS.get(cause_id) or Flavor("Example Customer", f"ZD-{49000 + index}", "example-customer",
                                             "The customer reports failing calls.", "Cause found.")
    symptom = kb.symptoms.get(cause.symptom)
    record = SessionRecord(id=f"transcript-{cause_id.replace('.', '-').replace('_', '-')}",
                           title=f"Worked example: {cause.title}")
    session = Session(advisor, record)
    session.set_context(TrunkContext(
        customer=flavor.customer, ticket=flavor.ticket,
        termination_uri=f"{flavor.slug}.pstn.twilio.com",
        origination_uri=f"sip:pbx.{flavor.slug}.example.com:5060",
        pbx_public_address=flavor.pbx, numbers=list(flavor.numbers), cps_limit=None))
    session.note(f"Customer: {flavor.opening}")
    if symptom is not None:
        # the engineer picks the family; the advisor then asks for the guide's heading itself
        session.choose_family(symptom.family)
    stamp = BASE_TIME + timedelta(days=index)
    for fact in flavor.facts:
        if fact.kind == "probe":
            source = Source(kind="probe", detail=fact.name, at=stamp)
        else:
            source = Source(kind="trace", detail=fact.name, file=fact.name, frame=fact.frame, line=fact.line,
                            at=None)
        obs = [Observation(id=k, value=v, note=fact.note, source=source.model_copy())
               for k, v in fact.values.items()]
        if fact.kind == "probe":
            session.record_probe(ProbeRun(probe=fact.name, target=fact.target, ok=fact.ok,
                                          summary=fact.summary, observations=obs))
        else:
            fmt = "pcap" if fact.name.endswith(".pcap") else "asterisk_pjsip"
            session.attach_trace(fact.name, obs, fmt=fmt, calls=1)
    corrected = False
    for _ in range(MAX_QUESTIONS):
        d = session.diagnosis()
        if d.conclusion.status == "confirmed" or d.next_question is None:
            break
        q = d.next_question
        session.show_question(q.id, q.observation)
        value = truthful(kb, cause, q.observation)
        if q.observation == flavor.unsure_first and not corrected:
            session.answer(q.observation, UNKNOWN, q.id)
            session.note("Customer will check the PBX log and call back.", q.id)
            session.answer(q.observation, value, q.id)
            corrected = True
        else:
            session.answer(q.observation, value, q.id)
    session.note(flavor.closing)
    session.conclude()
    # deterministic, readable timing: a few seconds to a minute between steps
    t = stamp
    record.created = t
    for i, ev in enumerate(record.events):
        t += timedelta(seconds=12 if i == 0 else 20 + (i * 17) % 45)
        ev.at = t
    for probe in project(record.events).probes:
        for o in probe.observations:
            o.source.at = probe.at
    return record


def check(record: SessionRecord, cause_id: str) -> str | None:
    last = record.events[-1]
    status = getattr(last, "status", None)
    cause = getattr(last, "cause", None)
    if (status, cause) != ("confirmed", cause_id):
        return f"{cause_id}: reached {status} {cause}"
    return None


def answers_of(record: SessionRecord) -> list[str]:
    return [f"{a.observation.id}={a.observation.value}" for a in project(record.events).answers]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m advisor.session.transcripts",
                                     description="Generate one worked example session per cause.")
    parser.add_argument("out", nargs="?", default="transcripts",
                        help="output directory (default: transcripts)")
    parser.add_argument("--kb", help="knowledge base directory")
    parser.add_argument("--check", action="store_true", help="only report, write nothing")
    args = parser.parse_args(argv)
    advisor = Advisor(load_kb(Path(args.kb)) if args.kb else load_kb())
    out = Path(args.out)
    problems = []
    for i, cause_id in enumerate(sorted(advisor.kb.causes)):
        record = build(advisor, cause_id, i)
        problem = check(record, cause_id)
        if problem:
            problems.append(problem + f" after {', '.join(answers_of(record))}")
        if not args.check:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{cause_id}.json").write_bytes(dump_record(record))
    for p in problems:
        print(p, file=sys.stderr)
    n = len(advisor.kb.causes)
    print(f"{n} transcript(s), {len(problems)} not reaching their cause", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
