"""`advisor bench session`: what an event costs a user's session, saving alone, history queries.

0. The headline - the path users hit: an attached `Session` on the shipped knowledge
   base takes 500 events the way a long TUI session does (questions shown, answers,
   changed answers, "I don't know", notes, traces); each step is the event, the
   store's listener (save + history row, the live diagnosis after fact events) and
   the `session.diagnosis()` the screen asks for. Goal: p95 < 50 ms per step, and
   the save's share (timed inside SessionStore.save) p95 < 10 ms.
1. Bare store, save after event: a 500-event session (answers, changed answers, notes,
   questions shown, traces with SIP snippets, probes) is built one event at a
   time and saved by `SessionStore.save` after each one, exactly as the
   attached listener does: whole-file JSON rewrite to a temp file, fsync,
   os.replace (directory fsync for a new file), history upsert. Three runs,
   the median one (by p95) is reported. Goal: p95 < 10 ms.
2. History queries: 10,000 sessions in the index; each query is timed the way
   `advisor history` runs it (fresh store, open the index, query, render).
   Goal: every query < 200 ms.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from advisor.session.events import Event
    from advisor.session.history import HistoryEntry

SAVE_GOAL_MS = 10.0
STEP_GOAL_MS = 50.0
QUERY_GOAL_MS = 200.0


class Timing(BaseModel):
    n: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_s: list[float]) -> Timing:
        ms = sorted(x * 1000 for x in samples_s)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return cls(n=len(ms), mean_ms=round(statistics.fmean(ms), 3), p50_ms=round(statistics.median(ms), 3),
                   p95_ms=round(p95, 3), max_ms=round(ms[-1], 3))


class QueryTiming(BaseModel):
    name: str
    args: str
    rows: int
    timing: Timing
    goal: bool = True
    """False for whole-table dumps (--limit 0): printing thousands of rows, shown for information."""


class SessionBench(BaseModel):
    events: int
    sessions: int
    directory: str
    fsync: bool
    file_kb: float
    save: Timing
    save_last_100: Timing
    attached: StepTimings | None
    history_fill_s: float
    queries: list[QueryTiming]
    save_goal_ms: float = SAVE_GOAL_MS
    step_goal_ms: float = STEP_GOAL_MS
    query_goal_ms: float = QUERY_GOAL_MS
    step_goal_met: bool | None
    """p95 of the attached step < 50 ms and p95 of its save < 10 ms (None: no knowledge base)."""
    save_goal_met: bool
    query_goal_met: bool
    goals_met: bool

    def render(self) -> str:
        ok = {True: "met", False: "NOT met"}
        s, last = self.save, self.save_last_100
        out = [f"Session store in {self.directory} (fsync {'on' if self.fsync else 'off'})", ""]
        if self.attached is not None:
            a = self.attached
            out += [
                f"What a user's session costs per event, attached Session, {self.events} events "
                f"({a.facts} re-run the engine): event + save + live diagnosis",
                f"  whole step      mean {a.step.mean_ms:6.2f} ms  p50 {a.step.p50_ms:6.2f}  p95 {a.step.p95_ms:6.2f}  "
                f"max {a.step.max_ms:6.2f}",
                f"  last 100 events mean {a.step_last_100.mean_ms:6.2f} ms  p50 {a.step_last_100.p50_ms:6.2f}  "
                f"p95 {a.step_last_100.p95_ms:6.2f}  max {a.step_last_100.max_ms:6.2f}",
                f"  of which save   mean {a.save.mean_ms:6.2f} ms  p50 {a.save.p50_ms:6.2f}  p95 {a.save.p95_ms:6.2f}  "
                f"max {a.save.max_ms:6.2f}",
                f"  goal p95 < {self.step_goal_ms:g} ms per step, save p95 < {self.save_goal_ms:g} ms: "
                f"{ok[bool(self.step_goal_met)]}",
                "",
            ]
        out += [
            f"Bare store: save after event, {self.events}-event generated session ({self.file_kb:.0f} KB JSON "
            "at the end):",
            f"  all events      mean {s.mean_ms:6.2f} ms  p50 {s.p50_ms:6.2f}  p95 {s.p95_ms:6.2f}  "
            f"max {s.max_ms:6.2f}",
            f"  last 100 events mean {last.mean_ms:6.2f} ms  p50 {last.p50_ms:6.2f}  p95 {last.p95_ms:6.2f}  "
            f"max {last.max_ms:6.2f}",
        ]
        out += [f"  goal p95 < {self.save_goal_ms:g} ms: {ok[self.save_goal_met]}", "",
                f"History on {self.sessions:,} sessions (index filled in {self.history_fill_s:.2f} s); "
                "each run = open index + query + render:"]
        for q in self.queries:
            t = q.timing
            out.append(f"  {q.name:<22} {q.args:<50} {q.rows:>6} rows  mean {t.mean_ms:7.2f} ms  "
                       f"max {t.max_ms:7.2f}{'' if q.goal else '  (no goal)'}")
        out.append(f"  goal every query < {self.query_goal_ms:g} ms (whole-table dumps excepted): "
                   f"{ok[self.query_goal_met]}")
        return "\n".join(out)


# ---- a long session ---------------------------------------------------------------
def build_events(n: int, seed: int = 7) -> list[Event]:
    """n realistic events (no knowledge base needed): the mix a long TUI session produces."""
    from advisor.context import TrunkContext
    from advisor.engine.observations import Observation, Source
    from advisor.session.events import (
        AnswerChanged,
        AnswerGiven,
        ContextEntered,
        FamilyChosen,
        NoteTyped,
        ProbeRun,
        QuestionShown,
        TraceAttached,
    )

    rng = random.Random(seed)
    obs_ids = [f"observation_{i}" for i in range(40)]
    given: set[str] = set()
    events: list[Event] = [
        ContextEntered(context=TrunkContext(customer="Bench Customer", ticket="ZD-1", cps_limit=None,
                                            termination_uri="bench.pstn.twilio.com", origination_uri=None,
                                            pbx_public_address="203.0.113.10", numbers=["+12025550143"])),
        FamilyChosen(family="calls_out_fail", symptom="term_403", observations=[
            Observation(id="call_direction", value="termination", note=None,
                        source=Source(kind="symptom", detail="symptom term_403", at=None))]),
    ]
    while len(events) < n:
        roll = rng.random()
        oid = rng.choice(obs_ids)
        if roll < 0.35:
            events.append(QuestionShown(question=f"q.{oid}", observation=oid))
        elif roll < 0.7:
            o = Observation(id=oid, value=rng.choice(["yes", "no", "unknown"]), note=None,
                            source=Source(kind="answer", detail=f"q.{oid}", at=None))
            events.append(AnswerChanged(observation=o, previous="unknown", question=f"q.{oid}") if oid in given
                          else AnswerGiven(observation=o, question=f"q.{oid}"))
            given.add(oid)
        elif roll < 0.85:
            events.append(NoteTyped(text="Customer says the PBX was rebooted at 09:40; checking the log again. "
                                         * rng.randint(1, 3), question=None))
        elif roll < 0.95:
            snippet = ("INVITE sip:+12025550190@bench.pstn.twilio.com SIP/2.0\nVia: SIP/2.0/UDP 203.0.113.10:5060"
                       ";branch=z9hG4bK776asdhds\nSIP/2.0 403 Forbidden")
            events.append(TraceAttached(file=f"capture-{len(events)}.pcap", format="pcap", calls=3, observations=[
                Observation(id=rng.choice(obs_ids), value="yes", note=snippet,
                            source=Source(kind="trace", detail="bench", file="capture.pcap", frame=12 + i, at=None))
                for i in range(3)], warnings=[]))
        else:
            events.append(ProbeRun(probe="options_ping", target="bench.pstn.twilio.com", ok=False,
                                   summary="no answer after 7 tries", details={"tries": 7, "rtt_ms": None},
                                   observations=[]))
    return events[:n]


def _time_saves(root: Path, events: list[Event], fsync: bool) -> tuple[list[float], float]:
    from advisor.session.events import SessionRecord
    from advisor.session.store import SessionStore

    store = SessionStore(root, fsync=fsync)
    record = SessionRecord(id="bench-save")
    samples = []
    for ev in events:
        record.events.append(ev)
        t0 = time.perf_counter()
        store.save(record)
        samples.append(time.perf_counter() - t0)
    size = store.path(record.id).stat().st_size / 1024
    store.close()
    return samples, size


class StepTimings(BaseModel):
    """The attached-Session path, per event: the whole step, and the save's share of it."""

    step: Timing
    save: Timing
    step_last_100: Timing
    facts: int
    """Fact events (answers, changes, traces) among them: these re-run the engine."""


def _time_attached(root: Path, n: int, fsync: bool) -> StepTimings | None:
    """What a user's session does per event: Session.add -> store listener (save + history row, the live
    diagnosis after fact events) -> the UI asks session.diagnosis(). Real knowledge base, valid answers,
    the mix of a long TUI session (questions shown, answers, changed answers, notes, traces)."""
    try:
        from advisor.engine.diagnosis import Advisor
        from advisor.engine.observations import Observation, Source
        from advisor.session.core import Session
        from advisor.session.events import SessionRecord
        from advisor.session.history import Verdict
        from advisor.session.projection import SessionView
        from advisor.session.store import SessionStore

        advisor = Advisor()
    except Exception:  # no knowledge base available: skip this part
        return None

    class TimedStore(SessionStore):
        """Notes how long each save takes (the rest of a step is the engine and the bookkeeping)."""

        saves: list[float] = []

        def save(self, record: SessionRecord, verdict: Verdict | None = None,
                 view: SessionView | None = None) -> Path:
            t0 = time.perf_counter()
            try:
                return super().save(record, verdict, view)
            finally:
                self.saves.append(time.perf_counter() - t0)

    kb = advisor.kb
    rng = random.Random(11)
    store = TimedStore(root, fsync=fsync)
    store.saves = []
    session = Session(advisor)
    store.attach(session)
    questions = [q for q in kb.questions.values() if q.observation in kb.observations]
    steps: list[float] = []
    saves: list[float] = []
    facts = 0

    def step(fn: Callable[..., object], *args: object) -> None:
        before = len(store.saves)
        t0 = time.perf_counter()
        fn(*args)
        session.diagnosis()  # what the screen shows after every change
        steps.append(time.perf_counter() - t0)
        saves.append(sum(store.saves[before:]))

    step(session.choose_family, "calls_out_fail")
    while len(steps) < n:
        q = rng.choice(questions)
        obs = kb.observations[q.observation]
        value: str = rng.choice([*obs.values, "unknown"]) if obs.values else str(rng.randint(1, 60))
        roll = rng.random()
        if roll < 0.35:
            step(session.show_question, q.id, q.observation)
        elif roll < 0.75:
            facts += 1
            step(session.answer, q.observation, value, q.id)
        elif roll < 0.92:
            step(session.note, "Customer says the PBX was rebooted at 09:40; checking the log again.")
        else:
            facts += 1
            found = [Observation(id=q.observation, value=value if obs.values else float(value),
                                 source=Source(kind="trace", detail="bench", file="capture.pcap", frame=12))]
            step(session.attach_trace, f"capture-{len(steps)}.pcap", found, "pcap", 3)
    store.close()
    return StepTimings(step=Timing.of(steps), save=Timing.of(saves), step_last_100=Timing.of(steps[-100:]),
                       facts=facts)


# ---- history ------------------------------------------------------------------------
def _fill_history(root: Path, sessions: int, seed: int = 3) -> float:
    from advisor.session.history import HistoryEntry
    from advisor.session.store import SessionStore

    causes = ["term.403.acl_mismatch", "term.403.credentials_mismatch", "term.503.cps_limit",
              "orig.drop30.contact_private_ip", "audio.inbound.sdp_private_ip", "term.no_response.dns_unreachable",
              "orig.415.no_pcmu", "term.drop30.ack_wrong_target", None]
    words = ["firewall", "moved office", "new fibre", "password rotated", "upgrade", "SBC", "dialer", "trial",
             "ported number", "geo permissions", "NAT", "reboot"]
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def rows() -> Iterator[tuple[HistoryEntry, str]]:
        for i in range(sessions):
            created = start + timedelta(minutes=rng.randint(0, 525_600))
            cause = rng.choice(causes)
            customer = f"Customer {i % 1500:04d}"
            ticket = f"ZD-{50000 + i}"
            notes = " ".join(rng.sample(words, 3))
            entry = HistoryEntry(id=f"bench-{i:05d}", created=created,
                                 updated=created + timedelta(seconds=rng.randint(60, 3600)),
                                 duration_s=float(rng.randint(60, 3600)), title="", customer=customer,
                                 ticket=ticket, family="calls_out_fail", symptom="term_403",
                                 status="confirmed" if cause else "in_progress", cause=cause,
                                 confidence=0.9, concluded=cause is not None, events=rng.randint(5, 80),
                                 answers=rng.randint(1, 12), notes=2, path="")
            yield entry, f"{customer}\n{ticket}\n{notes}".lower()

    store = SessionStore(root)
    t0 = time.perf_counter()
    store.history.upsert_many(rows())
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def _time_queries(root: Path, repeat: int) -> list[QueryTiming]:
    from advisor.cli.session_cmd import render_history
    from advisor.session.history import HistoryQuery
    from advisor.session.store import SessionStore

    local = datetime(2025, 6, 1).astimezone()
    june = {"since": local, "until": local + timedelta(days=30)}
    cases = [
        ("default listing", "", HistoryQuery(), True),
        ("cause exact", "--cause term.403.acl_mismatch", HistoryQuery(cause="term.403.acl_mismatch"), True),
        ("cause prefix", "--cause term.403", HistoryQuery(cause="term.403"), True),
        ("text search", "--text 'new fibre'", HistoryQuery(text="new fibre"), True),
        ("date range", "--since 2025-06-01 --until 2025-06-30", HistoryQuery(**june), True),
        ("combined", "--cause term.503 --text dialer --since 2025-03-01",
         HistoryQuery(cause="term.503", text="dialer", since=datetime(2025, 3, 1).astimezone()), True),
        ("date range, all rows", "--since 2025-06-01 --until 2025-06-30 --limit 0",
         HistoryQuery(limit=None, **june), True),
        ("cause prefix, all rows", "--cause term.403 --limit 0", HistoryQuery(cause="term.403", limit=None), True),
        ("everything", "--limit 0", HistoryQuery(limit=None), False),
    ]
    out = []
    for name, args, q, goal in cases:
        samples = []
        rows = 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            store = SessionStore(root)
            entries = store.history.query(q)
            render_history(entries)
            samples.append(time.perf_counter() - t0)
            store.close()
            rows = len(entries)
        out.append(QueryTiming(name=name, args=args, rows=rows, timing=Timing.of(samples), goal=goal))
    return out


def run_session_bench(events: int = 500, sessions: int = 10_000, root: Path | str | None = None,
                      fsync: bool = True, repeat: int = 5, listener: bool = True,
                      save_runs: int = 3) -> SessionBench:
    """Measure save-after-event on an `events`-long session and history queries on `sessions` sessions.

    The save series is run `save_runs` times (a fresh session each time) and the run with the median
    p95 is reported, so one burst of disk activity from elsewhere does not decide the verdict.
    """
    with tempfile.TemporaryDirectory(prefix="advisor-session-bench-", dir=root) as tmp:
        base = Path(tmp)
        built = build_events(events)
        runs = [_time_saves(base / f"save-{i}", built, fsync) for i in range(max(1, save_runs))]
        runs.sort(key=lambda r: Timing.of(r[0]).p95_ms)
        samples, size = runs[len(runs) // 2]
        attached = _time_attached(base / "attached", events, fsync) if listener else None
        fill = _fill_history(base / "history", sessions)
        queries = _time_queries(base / "history", repeat)
    save = Timing.of(samples)
    save_ok = save.p95_ms < SAVE_GOAL_MS
    query_ok = all(q.timing.max_ms < QUERY_GOAL_MS for q in queries if q.goal)
    step_ok = None if attached is None else (attached.step.p95_ms < STEP_GOAL_MS
                                              and attached.save.p95_ms < SAVE_GOAL_MS)
    return SessionBench(events=events, sessions=sessions, directory=str(Path(root) if root else Path(tmp).parent),
                        fsync=fsync, file_kb=round(size, 1), save=save, save_last_100=Timing.of(samples[-100:]),
                        attached=attached, history_fill_s=round(fill, 3), queries=queries,
                        step_goal_met=step_ok, save_goal_met=save_ok, query_goal_met=query_ok,
                        goals_met=save_ok and query_ok and step_ok is not False)
