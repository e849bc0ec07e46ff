"""`advisor resume | history | export | replay`: saved sessions from the command line.

Sessions live in $ADVISOR_DATA_DIR (default: the platform's user data
directory). Exit codes: 0 ok, 1 a replayed diagnosis changed, 2 bad usage or
input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from advisor.cli.common import CliError, emit, fail, load_kb_or_exit, print_json, progress, progress_done, warn


def register(sub: Any) -> None:
    p = sub.add_parser(
        "resume", help="show where a saved session stopped (and continue it)",
        description="Restore a saved session exactly where it stopped: answers so far, the current "
                    "diagnosis and the next question. --answer/--note continue it from there.")
    p.add_argument("id", nargs="?", help="session id or unique prefix (default: the last session)")
    p.add_argument("--answer", "-a", action="append", default=[], metavar="OBSERVATION=VALUE",
                   help="answer a question and save (repeatable); VALUE 'unknown' means I don't know")
    p.add_argument("--note", action="append", default=[], metavar="TEXT",
                   help="add a note and save (repeatable)")
    p.add_argument("--conclude", action="store_true", help="record the current diagnosis as reached")
    p.add_argument("--json", action="store_true",
                   help="print the session id, its answers and the Diagnosis as JSON")
    p.set_defaults(handler=run_resume)

    p = sub.add_parser(
        "history", help="list past sessions",
        description="Past sessions, newest first: date, customer/ticket, symptom, diagnosis, duration.")
    p.add_argument("--cause", help="only sessions diagnosed with this cause id (or id prefix, e.g. term.403)")
    p.add_argument("--since", metavar="DATE", help="started on or after DATE (YYYY-MM-DD or ISO date-time)")
    p.add_argument("--until", metavar="DATE",
                   help="started on or before DATE (a date includes the whole day)")
    p.add_argument("--text", help="words to find in notes, title, customer, ticket, customer text")
    p.add_argument("--limit", type=int, default=50, help="at most N sessions (default 50; 0 = all)")
    p.add_argument("--json", action="store_true", help="print a JSON list of HistoryEntry")
    p.add_argument("--reindex", action="store_true", help="rebuild the index from the session files first")
    p.set_defaults(handler=run_history)

    p = sub.add_parser(
        "export", help="export a session as a ticket or transcript (Markdown, HTML, JSON)",
        description="Render a saved session for a ticket: context, symptom, questions and answers, notes, "
                    "evidence, probes, diagnosis and fix, what is still possible and what was ruled out. "
                    "Secrets are always masked.")
    p.add_argument("id", help="session id, unique prefix, 'last', or a session JSON file")
    p.add_argument("--format", "-f", choices=["markdown", "md", "html", "json"], default=None,
                   help="output format (default: from --output's suffix, else markdown)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--redact-numbers", action="store_true",
                   help="also mask phone numbers (keeping their last digits)")
    p.set_defaults(handler=run_export)

    p = sub.add_parser(
        "replay", help="re-run recorded sessions and check their diagnosis is unchanged",
        description="Replay each recorded session (or directory of them) against the current knowledge "
                    "base. Exit 1 if any diagnosis changed, 2 if a file is unreadable.")
    p.add_argument("files", nargs="+", metavar="FILE", help="session JSON files or directories of them")
    p.add_argument("--json", action="store_true", help="print the ReplayReport as JSON")
    p.set_defaults(handler=run_replay)


# ---- helpers ------------------------------------------------------------------------
def _store() -> Any:
    from advisor.session.store import SessionStore

    return SessionStore()


def _store_errors() -> tuple[type[Exception], ...]:
    from advisor.session.store import SessionStoreError

    return (SessionStoreError,)


def _advisor(args: argparse.Namespace) -> Any:
    from advisor.engine.diagnosis import Advisor

    return Advisor(load_kb_or_exit(args))


def _date(text: str, option: str, end: bool = False) -> datetime:
    """A local date or date-time; with end=True a bare date means the end of that day."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} takes a date (YYYY-MM-DD) or ISO date-time, not {text!r}")
    if value.tzinfo is None:
        value = value.astimezone()  # naive = local time
    if end and len(text.strip()) <= 10:
        value += timedelta(days=1)
    return value


def _local(dt: datetime) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


# ---- resume --------------------------------------------------------------------------
def run_resume(args: argparse.Namespace) -> int:
    from advisor.session.store import load_session

    advisor = _advisor(args)
    try:
        session = load_session(args.id, store=_store(), advisor=advisor, attach=True)
        for pair in args.answer:
            name, sep, raw = pair.partition("=")
            if not sep or not name.strip():
                fail(f"--answer takes OBSERVATION=VALUE, got {pair!r}")
            qid = advisor.kb.question_for.get(name.strip())
            try:
                session.answer(name.strip(), raw, qid.id if qid else None)
            except ValueError as exc:
                fail(str(exc))
        for text in args.note:
            session.note(text)
        if args.conclude:
            session.conclude()
    except _store_errors() as exc:
        fail(str(exc))
    if args.json:
        from pydantic import BaseModel

        from advisor.engine.diagnosis import Diagnosis
        from advisor.session.events import AnswerChanged, AnswerGiven

        class ResumeState(BaseModel):
            session_id: str
            title: str
            events: int
            answers: list[AnswerGiven | AnswerChanged]
            diagnosis: Diagnosis

        print_json(ResumeState(session_id=session.id, title=session.record.title,
                               events=len(session.record.events), answers=session.answers(),
                               diagnosis=session.diagnosis()))
        return 0
    emit(render_resume(session))
    return 0


def render_resume(session: Any) -> str:
    """Where a session stands: who, symptom, answers so far, the current diagnosis, the next question."""
    kb = session.advisor.kb
    rec = session.record
    ctx = session.context
    d = session.diagnosis()
    who = " / ".join(x for x in (ctx.customer, f"ticket {ctx.ticket}" if ctx.ticket else None) if x)
    out = [f"Session {rec.id}" + (f" - {rec.title}" if rec.title else "") + (f" - {who}" if who else ""),
           f"  started {_local(rec.created)}, {len(rec.events)} events"]
    view = session.view()
    if view.family is not None:
        what = kb.symptoms[view.chosen_symptom].title if view.chosen_symptom in kb.symptoms else (
            kb.families[view.family].title if view.family in kb.families else view.family)
        out.append(f"  symptom: {what}")
    answers = view.answers
    out += ["", f"Answers so far ({len(answers)}):" if answers else "No answers yet."]
    for i, step in enumerate(answers, 1):
        o = step.observation
        q = kb.questions.get(step.question or "") or kb.question_for.get(o.id)
        value = o.value if not isinstance(o.value, float) else f"{o.value:g}"
        label = q.labels.get(str(o.value), str(value)) if q else str(value)
        changed = f"  (changed from {step.previous})" if step.changed else ""
        out.append(f"  {i}. {q.text if q else o.id} -> {label} [{o.id}={value}]{changed}")
    notes = view.notes
    if notes:
        out.append(f"Notes ({len(notes)}), last: {' '.join(notes[-1].text.split())[:100]}")
    out += ["", f"Diagnosis: {d.conclusion.summary}"]
    live = [c for c in d.causes if c.status != "ruled_out"]
    for c in live[:5]:
        out.append(f"  {c.status:<9} {c.confidence:5.0%}  {c.id}  {c.title}")
    if len(live) > 5:
        out.append(f"  ... {len(live) - 5} more possible")
    ruled = len(d.causes) - len(live)
    if ruled:
        out.append(f"  {ruled} ruled out")
    if d.conclusion.status == "confirmed" and d.conclusion.cause:
        top = next(c for c in d.causes if c.id == d.conclusion.cause)
        out += ["", "Fix:"] + [f"  {i}. {step}" for i, step in enumerate(top.fix, 1)]
    if d.next_question:
        q = d.next_question
        out += ["", f"Next question: {q.text}", f"  {q.help}" if q.help else ""]
        for opt in q.options:
            out.append(f"  advisor resume {rec.id} --answer {q.observation}={opt.value:<22} {opt.label}")
        out.append(f"  advisor resume {rec.id} --answer {q.observation}=unknown")
    return "\n".join(line for line in out if line is not None)


# ---- history --------------------------------------------------------------------------
def run_history(args: argparse.Namespace) -> int:
    from pydantic import TypeAdapter

    from advisor.session.history import HistoryEntry, HistoryQuery, IndexCorrupt

    if args.limit is not None and args.limit < 0:
        fail("--limit takes a number >= 0")
    since = _date(args.since, "--since") if args.since else None
    until = _date(args.until, "--until", end=True) if args.until else None
    store = _store()
    try:
        if args.reindex:
            advisor = _advisor(args)
            n, problems = store.reindex(advisor, progress=_reindex_progress)
            progress_done()
            for p in problems:
                warn(f"advisor: skipped {p}")
            warn(f"advisor: indexed {n} session(s) from {store.sessions_dir}")
        query = HistoryQuery(cause=args.cause, since=since, until=until, text=args.text,
                             limit=args.limit or None)
        try:
            entries = store.history.query(query)
        except IndexCorrupt:
            store.close()
            store.reindex()
            entries = store.history.query(query)
    except _store_errors() as exc:
        fail(str(exc))
    except Exception as exc:
        import sqlite3

        if isinstance(exc, sqlite3.Error):
            fail(f"history index {store.index_path}: {exc} (try `advisor history --reindex`)")
        raise
    if args.json:
        sys.stdout.write(TypeAdapter(list[HistoryEntry]).dump_json(entries, indent=2).decode() + "\n")
        return 0
    emit(render_history(entries))
    return 0


def _reindex_progress(n: int, total: int) -> None:
    if n == total or n % 200 == 0:
        progress(f"indexing {n}/{total}")


def render_history(entries: list[Any]) -> str:
    if not entries:
        return "No sessions found."
    rows = [("Date", "Customer / ticket", "Symptom", "Diagnosis", "Duration", "Session")]
    for e in entries:
        who = " / ".join(x for x in (e.customer, e.ticket) if x) or e.title or "-"
        symptom = e.symptom or e.family or "-"
        if e.status is None:
            verdict = "-"
        elif e.status == "confirmed":
            verdict = f"{e.cause} (confirmed {e.confidence:.0%})"
        elif e.status == "no_candidates":
            verdict = "no candidates"
        else:
            verdict = f"{e.cause or '-'} ({e.status.replace('_', ' ')})"
        rows.append((time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created.timestamp())), who, symptom,
                     verdict, _duration(e.duration_s), e.id))
    caps = (16, 30, 26, 58, 8, 40)
    columns = list(zip(*rows, strict=True))
    cut = [[c if len(c) <= w else c[: w - 1] + "…" for c in col] for col, w in zip(columns, caps, strict=True)]
    padded = [[c.ljust(w) for c in col] for col in cut for w in (max(map(len, col)),)]
    padded[-1] = cut[-1]  # the last column needs no padding
    lines = ["  ".join(r) for r in zip(*padded, strict=True)]
    lines.insert(1, "  ".join("-" * max(map(len, col)) for col in cut))
    return "\n".join(lines)


# ---- export -----------------------------------------------------------------------------
def run_export(args: argparse.Namespace) -> int:
    from advisor.session.core import Session
    from advisor.session.export import SUFFIX, export_session, normalize_format
    from advisor.session.store import read_record

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = {v: k for k, v in SUFFIX.items()}.get(suffix, {".htm": "html", ".markdown": "markdown"}.get(
            suffix, "markdown"))
    fmt = normalize_format(fmt)
    advisor = _advisor(args)
    store = None
    try:
        ref = Path(args.id)
        if args.id.endswith(".json") and ref.is_file():
            session = Session(advisor, read_record(ref))  # a file, not a stored session: nothing recorded
        else:
            store = _store()
            session = Session(advisor, store.load(store.resolve(args.id)))
        text = export_session(session, fmt, redact_numbers=args.redact_numbers)
    except _store_errors() as exc:
        fail(str(exc))
    destination = "stdout"
    if args.output:
        out = Path(args.output)
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror or exc}")
        destination = str(out.resolve())
    else:
        if fmt == "json":
            sys.stdout.write(text)  # lossless: JSON escapes control characters itself
        else:
            emit(text, end="")
        sys.stdout.flush()
    if store is not None:
        try:
            store.attach(session)
            session.record_export(fmt, destination)
        except _store_errors() as exc:
            raise CliError(f"advisor: exported, but could not record it in the session: {exc}", 2) from None
    if args.output:
        warn(f"advisor: wrote {destination}")
    return 0


# ---- replay ------------------------------------------------------------------------------
def run_replay(args: argparse.Namespace) -> int:
    from advisor.session.replay import expand_paths, replay_files

    paths = expand_paths(args.files)
    if not paths:
        fail("no session files to replay (a directory holds no *.json)")
    advisor = _advisor(args)
    report = replay_files(paths, advisor)
    if args.json:
        print_json(report)
    else:
        emit(report.render())
        for r in report.results:
            if r.outcome == "error":
                warn(f"advisor: {r.file}: {r.message}")
    return report.exit_code


__all__ = ["register", "render_history", "render_resume"]
