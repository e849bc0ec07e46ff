"""Trainee progress: every scored round, kept where the session history lives.

The truth is an append-only JSON-lines file (`training/attempts.jsonl` in the
data directory), written with an exclusive lock so two trainees on a shared
data directory never lose a round. The `training_attempts` table in the
history's SQLite database is an index of it for queries and reports; it is
rebuilt from the file whenever it is missing or behind, so a rebuilt or
discarded history index never loses training progress.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from advisor.session.store import INDEX_FILE, data_dir
from advisor.training.scoring import Score

ATTEMPTS_FILE = Path("training") / "attempts.jsonl"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS training_attempts (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    trainee TEXT NOT NULL,
    case_id TEXT NOT NULL,
    true_cause TEXT NOT NULL,
    family TEXT NOT NULL,
    concluded TEXT NOT NULL,
    correct INTEGER NOT NULL,
    fix_correct INTEGER NOT NULL,
    questions INTEGER NOT NULL,
    cost INTEGER NOT NULL,
    advisor_questions INTEGER NOT NULL,
    advisor_cost INTEGER NOT NULL,
    hints INTEGER NOT NULL,
    seconds REAL NOT NULL,
    score REAL NOT NULL,
    exam TEXT
);
CREATE INDEX IF NOT EXISTS training_by_trainee ON training_attempts(trainee, at);
"""


class ProgressError(Exception):
    """A one-line problem with the progress store (str() is the message)."""


class RoundRecord(BaseModel):
    """One scored round as stored."""

    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    trainee: str = Field(min_length=1, max_length=80)
    family: str
    exam: str | None = None
    score: Score


class ProgressStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else data_dir()
        self.file = self.root / ATTEMPTS_FILE
        self.db = self.root / INDEX_FILE

    # ---- the truth ---------------------------------------------------------------
    def add(self, record: RoundRecord) -> None:
        line = record.model_dump_json() + "\n"
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with self.file.open("a", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.write(line)
                fh.flush()
        except OSError as exc:
            raise ProgressError(f"cannot save the training round to {self.file}: {exc.strerror or exc}") from None
        with contextlib.suppress(sqlite3.Error, OSError):
            self._sync()

    def rounds(self, trainee: str | None = None) -> list[RoundRecord]:
        out: list[RoundRecord] = []
        for rec in self._read():
            if trainee is None or rec.trainee == trainee:
                out.append(rec)
        return out

    def _read(self) -> Iterator[RoundRecord]:
        try:
            text = self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ProgressError(f"cannot read {self.file}: {exc.strerror or exc}") from None
        for raw in text.splitlines():
            if not raw.strip():
                continue
            with contextlib.suppress(ValidationError, ValueError):
                yield RoundRecord.model_validate_json(raw)

    # ---- the SQLite index ------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        self.db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db, timeout=5.0, isolation_level=None)
        conn.executescript(_SCHEMA)
        return conn

    def _sync(self) -> int:
        """Bring the table up to the file (rows are numbered by their line); returns the row count."""
        records = list(self._read())
        conn = self._connect()
        try:
            have = conn.execute("SELECT COUNT(*) FROM training_attempts").fetchone()[0]
            if have > len(records):
                conn.execute("DELETE FROM training_attempts")
                have = 0
            rows = [(i, r.at.isoformat(), r.trainee, r.score.case, r.score.true_causes[0], r.family,
                     r.score.concluded, int(r.score.cause_correct), int(r.score.fix_correct), r.score.questions,
                     r.score.cost, r.score.advisor_questions, r.score.advisor_cost, r.score.hints, r.score.seconds,
                     r.score.total, r.exam) for i, r in enumerate(records[have:], have)]
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO training_attempts VALUES "
                             "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            conn.execute("COMMIT")
            return len(records)
        finally:
            conn.close()

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Read the index (synced first), for reports."""
        try:
            self._sync()
            conn = self._connect()
            try:
                return list(conn.execute(sql, params).fetchall())
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ProgressError(f"cannot read the training index {self.db}: {exc}") from None

    def trainees(self) -> list[str]:
        return sorted({r.trainee for r in self._read()})

    @staticmethod
    def dumps(records: list[RoundRecord]) -> str:
        return json.dumps([r.model_dump(mode="json") for r in records], indent=2)
