"""Several writers on one data directory: an OS file lock and the merge of appended events.

Two `advisor resume ID --note ...` processes, or the TUI and the CLI, or two
engineers on a shared data directory may save the same session at once. Every
save of the store runs under `WriteLock` (an exclusive `fcntl.flock` on
``.write.lock`` in the data directory, held for the milliseconds of read-merge-write) and,
when the file changed since this process last read or wrote it, first merges
what the other writer appended (`merge_events`): the other writer's events stay,
ours follow them. Events are only ever appended, so nothing is lost and no
event is written twice.

A writer that cannot get the lock within `timeout_s` gets a one-line error
naming the process that holds it (its pid is written into the lock file).
On a platform without `fcntl` the lock is a no-op (the merge still runs).
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

from advisor.session.events import Event, SessionRecord

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".write.lock"
_PID_WIDTH = 12
"""Width the holder's pid is written at (Linux pids have at most 7 digits): every write covers the last."""


class LockBusy(Exception):
    """Another process holds the write lock for too long; str() names it."""


class LockUnavailable(Exception):
    """The lock file cannot be created (read-only or missing data directory); str() says why."""


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "another process"


@contextlib.contextmanager
def write_lock(directory: Path, timeout_s: float = 10.0) -> Iterator[None]:
    """Hold the exclusive write lock of `directory` (waiting up to `timeout_s`)."""
    path = directory / LOCK_FILE
    try:
        # never follow a planted symlink: the pid is written into the lock file
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0),
                     0o666)
    except OSError as exc:
        why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror or exc
        raise LockUnavailable(f"cannot create the lock file {path}: {why}") from None
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise LockUnavailable(f"cannot lock {path}: {exc.strerror or exc}") from None
                    if time.monotonic() >= deadline:
                        raise LockBusy(f"{_holder(path)} has been writing to {directory} for over "
                                       f"{timeout_s:g} s; try again when it is done") from None
                    time.sleep(0.005)
        with contextlib.suppress(OSError):
            # padded to a fixed width and written in place: truncating first cost a journal
            # commit (~3 ms on ext4) on every save
            os.pwrite(fd, f"{os.getpid():<{_PID_WIDTH}}".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def try_write_lock(directory: Path) -> bool:
    """True when nobody holds the write lock right now (it is released again at once)."""
    try:
        with write_lock(directory, timeout_s=0.0):
            return True
    except (LockBusy, LockUnavailable):
        return False


def stamp_of(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime in ns, size) of a file, None when it does not exist: changes whenever it is replaced."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def merge_events(ours: SessionRecord, theirs: SessionRecord) -> bool:
    """Make `ours` hold every event of `theirs` (the file on disk) plus ours that it lacks.

    The common prefix is kept as our objects; then come the events only the
    disk has (another writer's), then ours that the disk does not have yet.
    Events are compared by their JSON (what a save writes), so an event written
    by us and read back is recognised. `ours.events` is changed in place
    (listeners and projections see it). Returns True when anything changed.
    """
    mine = [e.model_dump_json() for e in ours.events]
    disk = [e.model_dump_json() for e in theirs.events]
    k = 0
    for a, b in zip(mine, disk, strict=False):
        if a != b:
            break
        k += 1
    on_disk = set(disk[k:])
    only_mine: list[Event] = [e for e, key in zip(ours.events[k:], mine[k:], strict=True) if key not in on_disk]
    changed = k < len(disk) or len(only_mine) != len(ours.events) - k
    if changed:
        ours.events[:] = [*ours.events[:k], *theirs.events[k:], *only_mine]
    if not ours.title and theirs.title:
        ours.title = theirs.title
        changed = True
    return changed


__all__ = ["LOCK_FILE", "LockBusy", "LockUnavailable", "merge_events", "stamp_of", "try_write_lock",
           "write_lock"]
