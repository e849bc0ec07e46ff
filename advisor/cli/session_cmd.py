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

from advisor.cli.common import emit, fail, load_kb_or_exit, print_json, progress, progress_done, warn

LIST_FORMATS = "\0list"


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
    p.add_argument("--trace", "-t", action="append", default=[], metavar="FILE",
                   help="attach a SIP trace (pcap, pcapng or a SIP log) and save (repeatable)")
    p.add_argument("--conclude", action="store_true", help="record the current diagnosis as reached")
    p.add_argument("--json", action="store_true",
                   help="print the session id, its answers and the Diagnosis as JSON")
    p.set_defaults(handler=run_resume)

    p = sub.add_parser(
        "history", help="list past sessions",
        description="Past sessions, newest first: date, customer/ticket, problem family, symptom, diagnosis, duration.")
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
        "export", help="export a session as a ticket (Markdown, HTML, text) or lossless JSON",
        description="Render a saved session as a ticket that reads top-down: summary, fix (when confirmed), "
                    "the SIP lines that prove it, the guide section, the path, what is still possible and "
                    "what was ruled out. Secrets are always masked. `--format` alone lists the formats.")
    p.add_argument("id", nargs="?", help="session id, unique prefix, 'last', or a session JSON file")
    p.add_argument("--format", "-f", nargs="?", const=LIST_FORMATS, default=None, metavar="FORMAT",
                   help="markdown, html, text or json (default: from --output's suffix, else markdown); "
                        "without a value: list the formats")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write to FILE instead of stdout (its directory must exist; never follows a symlink)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it already exists")
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

    store = SessionStore()
    problem = store.unusable_root()
    if problem:
        fail(problem)
    return store


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
        for path in args.trace:
            from advisor.cli.trace_cmd import analyze_or_fail, require_evidence

            analysis = analyze_or_fail(advisor.kb, [path], session.context)
            require_evidence(analysis)
            session.attach_analysis(path, analysis)
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
    for w in d.warnings:
        out.append(f"warning: {w}")
    if d.next_question:
        out += ["", *next_question_commands(rec.id, d.next_question)]
    out += ["", f"Continue in the TUI: advisor tui --resume {rec.id}"]
    return "\n".join(out)


def next_question_commands(session_id: str, q: Any) -> list[str]:
    """The next question with one shell-pastable command per answer (the meaning after a `#`)."""
    import shlex

    out = [f"Next question: {q.text}"]
    if q.help:
        out.append(f"  {' '.join(q.help.split())}")
    if q.type == "number":
        unit = f" in {q.unit}" if q.unit else ""
        out.append(f"  Answer with the number you measured{unit}; what matters is the range:")
    rows = []
    for opt in q.options:
        value, meaning = _option_value(opt.value, opt.label, q.type)
        rows.append((f"advisor resume {shlex.quote(session_id)} --answer {shlex.quote(f'{q.observation}={value}')}",
                     meaning))
    width = max(len(cmd) for cmd, _ in rows)
    out += [f"  {cmd:<{width}}  # {meaning}" for cmd, meaning in rows]
    return out


def _option_value(value: str, label: str, kind: str) -> tuple[str, str]:
    """A number option's value is "11 (> 10)": the command takes the number, the comment the range."""
    if kind != "number" or value == "unknown":
        return value, label
    number, _, rng = value.partition(" (")
    meaning = rng.rstrip(")") if rng else "any value outside the other ranges"
    return number, (meaning if label in (value, number) else f"{meaning}: {label}")


# ---- history --------------------------------------------------------------------------
def run_history(args: argparse.Namespace) -> int:
    from pydantic import TypeAdapter

    from advisor.session.history import HistoryEntry, HistoryQuery, IndexCorrupt, IndexUnavailable

    if args.limit is not None and args.limit < 0:
        fail("--limit takes a number >= 0")
    since = _date(args.since, "--since") if args.since else None
    until = _date(args.until, "--until", end=True) if args.until else None
    store = _store()
    query = HistoryQuery(cause=args.cause, since=since, until=until, text=args.text, limit=args.limit or None)
    try:
        if args.reindex:
            advisor = _advisor(args)
            try:
                n, problems = store.reindex(advisor, progress=_reindex_progress)
            except (IndexUnavailable, IndexCorrupt) as exc:
                progress_done()
                fail(f"cannot rebuild the history index: {exc}")
            progress_done()
            for p in problems:
                warn(f"advisor: skipped {p}")
            warn(f"advisor: indexed {n} session(s) from {store.sessions_dir}")
        entries, notes = store.query_history(query)
    except _store_errors() as exc:
        fail(str(exc))
    for note in notes:
        warn(f"advisor: {note}")
    if not entries and not args.json:
        saved = len(store.ids())
        filtered = any(x is not None for x in (args.cause, since, until, args.text))
        if saved and filtered:
            emit(f"No sessions found. None of the {saved} saved in {store.sessions_dir} match.")
            return 0
        if saved:
            emit(f"No readable sessions: {saved} session file(s) in {store.sessions_dir} could not be read.")
            return 0
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
    rows = [("Date", "Customer / ticket", "Family", "Symptom", "Diagnosis", "Duration", "Session")]
    for e in entries:
        who = " / ".join(x for x in (e.customer, e.ticket) if x) or "-"  # only what was entered as such
        family, symptom = e.family or "-", e.symptom or "-"  # one kind of id per column
        if e.status is None:
            verdict = "-"
        elif e.status == "confirmed":
            verdict = f"{e.cause} (confirmed {e.confidence:.0%})"
        elif e.status == "no_candidates":
            verdict = "no candidates"
        else:
            verdict = f"{e.cause or '-'} ({e.status.replace('_', ' ')})"
        rows.append((time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created.timestamp())), who, family,
                     symptom, verdict, _duration(e.duration_s), e.id))
    caps = (16, 30, 16, 26, 58, 8, 40)
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
    from advisor.session.export import FORMAT_HELP, SUFFIX, export_session, normalize_format
    from advisor.session.safe_write import ExportTargetError, check_target, write_text_safely
    from advisor.session.store import read_record

    if args.format == LIST_FORMATS:
        width = max(map(len, FORMAT_HELP))
        print("\n".join(f"{name:<{width}}  {SUFFIX[name]:<6} {text}" for name, text in FORMAT_HELP.items()))
        return 0
    if not args.id:
        fail("export needs a session id (or 'last', or a session JSON file); `--format` alone lists the formats")
    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = {v: k for k, v in SUFFIX.items()}.get(suffix, {".htm": "html", ".markdown": "markdown"}.get(
            suffix, "markdown"))
    try:
        fmt = normalize_format(fmt)
        if args.output:
            check_target(Path(args.output), args.force)  # refuse before the work, not after
    except ValueError as exc:
        fail(str(exc))
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
        try:
            destination = str(write_text_safely(Path(args.output), text, args.force))
        except ExportTargetError as exc:
            fail(str(exc))
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
        except _store_errors() as exc:  # a read-only or full data directory: the export itself is done
            warn(f"advisor: exported, but not recorded in the session: {exc}")
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
