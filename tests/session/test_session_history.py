"""History index on 2,000 saved sessions: filters, ordering, rebuild, CLI output."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.context import TrunkContext
from advisor.engine.observations import Observation, Source
from advisor.session.events import (
    AnswerGiven,
    ContextEntered,
    DiagnosisReached,
    FamilyChosen,
    NoteTyped,
    SessionRecord,
)
from advisor.session.history import HistoryQuery
from advisor.session.store import SessionStore

N = 2000
CAUSES = ["term.403.acl_mismatch", "term.403.credentials_mismatch", "term.503.cps_limit",
          "orig.drop30.contact_private_ip", "audio.inbound.sdp_private_ip", None]
WORDS = ["firewall", "fibre", "reboot", "upgrade", "dialer", "ported"]
START = datetime(2025, 1, 1, tzinfo=UTC)


def make(i: int, rng: random.Random) -> SessionRecord:
    created = START + timedelta(hours=i * 4 + rng.randint(0, 3))
    cause = CAUSES[i % len(CAUSES)]
    word = WORDS[i % len(WORDS)]
    t = created
    events = [
        ContextEntered(at=t, context=TrunkContext(customer=f"Customer {i % 97}", ticket=f"ZD-{10000 + i}",
                                                  termination_uri=None, origination_uri=None,
                                                  pbx_public_address=None, cps_limit=None)),
        FamilyChosen(at=t + timedelta(seconds=30), family="calls_out_fail", symptom="term_403", observations=[]),
        AnswerGiven(at=t + timedelta(seconds=60), question="q.rejected_invite_had_credentials", observation=Observation(
            id="rejected_invite_had_credentials", value="no", note=None, source=Source(kind="answer", at=None))),
        NoteTyped(at=t + timedelta(seconds=90), text=f"Customer mentions the {word}", question=None),
    ]
    if cause is not None:
        events.append(DiagnosisReached(at=t + timedelta(seconds=120 + i % 600), status="confirmed", cause=cause,
                                       confidence=0.9, summary="Confirmed"))
    return SessionRecord(id=f"h-{i:05d}", created=created, title="", events=events)


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SessionRecord]]:
    root = tmp_path_factory.mktemp("history")
    store = SessionStore(root, fsync=False)
    rng = random.Random(5)
    records = [make(i, rng) for i in range(N)]
    for r in records:
        store.save(r)
    store.close()
    return root, records


def expected_ids(records: list[SessionRecord], pred: Callable[[SessionRecord], bool]) -> list[str]:
    hits = [r for r in records if pred(r)]
    return [r.id for r in sorted(hits, key=lambda r: (r.created, r.id), reverse=True)]


def cause_of(r: SessionRecord) -> str | None:
    return next((e.cause for e in r.events if isinstance(e, DiagnosisReached)), None)


def test_everything_indexed_newest_first(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    h = SessionStore(root).history
    assert h.count() == N
    got = h.query(HistoryQuery(limit=None))
    assert [e.id for e in got] == expected_ids(records, lambda r: True)
    first = got[0]
    assert first.customer and first.ticket and first.family == "calls_out_fail" and first.symptom == "term_403"
    assert first.duration_s > 0 and first.answers == 1 and first.notes == 1


def test_limit(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    got = SessionStore(root).history.query(HistoryQuery(limit=7))
    assert [e.id for e in got] == expected_ids(records, lambda r: True)[:7]


@pytest.mark.parametrize("cause", ["term.403.acl_mismatch", "term.503.cps_limit"])
def test_cause_exact(many: tuple[Path, list[SessionRecord]], cause: str) -> None:
    root, records = many
    got = SessionStore(root).history.query(HistoryQuery(cause=cause, limit=None))
    assert [e.id for e in got] == expected_ids(records, lambda r: cause_of(r) == cause)
    assert all(e.status == "confirmed" and e.concluded for e in got)


def test_cause_prefix_stops_at_dots(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    h = SessionStore(root).history
    got = h.query(HistoryQuery(cause="term.403", limit=None))
    assert [e.id for e in got] == expected_ids(records, lambda r: (cause_of(r) or "").startswith("term.403."))
    assert h.query(HistoryQuery(cause="term.40", limit=None)) == []  # not a dot boundary
    assert h.query(HistoryQuery(cause="term.403_", limit=None)) == []  # LIKE wildcards are escaped


def test_since_until(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    since = datetime(2025, 3, 1, tzinfo=UTC)
    until = datetime(2025, 4, 1, tzinfo=UTC)
    got = SessionStore(root).history.query(HistoryQuery(since=since, until=until, limit=None))
    want = expected_ids(records, lambda r: since <= r.created < until)
    assert [e.id for e in got] == want and 100 < len(want) < 300


def test_text_searches_notes_customer_ticket(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    h = SessionStore(root).history
    got = h.query(HistoryQuery(text="FIBRE", limit=None))
    assert [e.id for e in got] == expected_ids(records, lambda r: any(
        isinstance(e, NoteTyped) and "fibre" in e.text for e in r.events))
    assert [e.id for e in h.query(HistoryQuery(text="ZD-10042"))] == ["h-00042"]
    assert len(h.query(HistoryQuery(text="customer 5", limit=None))) > 0
    assert h.query(HistoryQuery(text="100%")) == []  # wildcards escaped


def test_combined_filters(many: tuple[Path, list[SessionRecord]]) -> None:
    root, records = many
    since = datetime(2025, 6, 1, tzinfo=UTC)
    got = SessionStore(root).history.query(HistoryQuery(cause="term.503", text="dialer", since=since, limit=None))
    want = expected_ids(records, lambda r: (cause_of(r) or "").startswith("term.503.") and r.created >= since
                        and any(isinstance(e, NoteTyped) and "dialer" in e.text for e in r.events))
    assert [e.id for e in got] == want


def test_cli_history_table_and_json(many: tuple[Path, list[SessionRecord]], monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    root, _records = many
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(root))
    assert main(["history", "--limit", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["Date", "Customer"] and "Diagnosis" in out[0] and "Duration" in out[0]
    assert len(out) == 2 + 5
    assert main(["history", "--cause", "term.403.acl_mismatch", "--since", "2025-02-01", "--until", "2025-02-28",
                 "--json", "--limit", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data and all(d["cause"] == "term.403.acl_mismatch" for d in data)
    lo = datetime(2025, 2, 1).astimezone()
    hi = datetime(2025, 3, 1).astimezone()
    assert all(lo <= datetime.fromisoformat(d["created"]) < hi for d in data)
    assert main(["history", "--text", "no-such-words-anywhere"]) == 0
    assert "No sessions found." in capsys.readouterr().out


@pytest.mark.parametrize("args", [["--since", "yesterday"], ["--until", "2025-13-01"], ["--limit", "-1"],
                                  ["--limit", "many"]])
def test_cli_history_bad_input(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_cli_reindex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    store = SessionStore(tmp_path, fsync=False)
    rng = random.Random(1)
    for i in range(20):
        store.save(make(i, rng))
    store.close()
    store.index_path.write_bytes(b"corrupt" * 50)
    for suffix in ("-wal", "-shm"):
        Path(str(store.index_path) + suffix).unlink(missing_ok=True)
    assert main(["history", "--reindex", "--limit", "0"]) == 0
    captured = capsys.readouterr()
    assert "indexed 20 session(s)" in captured.err
    assert len(captured.out.strip().splitlines()) == 2 + 20
