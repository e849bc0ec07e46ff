"""Opening a trace file safely: regular files only, and errors in the user's terms.

A trace path comes from the engineer (or a ticket): it may name a FIFO (an
open would block until a writer appears), a device (endless data), a
directory, a dangling symlink or a symlink loop.  `open_regular` refuses all
of those with one line that says what the path is, never with an exception
class name, and opens the file without blocking.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from advisor.evidence.records import TraceError

__all__ = ["describe_os_error", "open_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str | None:
    for test, text in _KINDS:
        if test(mode):
            return text
    return None if stat.S_ISREG(mode) else "not a regular file"


def describe_os_error(name: str, exc: OSError, path: str | None = None) -> str:
    """One line for an OSError met while opening or reading `name` (path: where it is, when not name)."""
    code = exc.errno
    if code == errno.ELOOP:
        return f"{name}: symbolic link loop (the link leads back to itself); give the file itself"
    if code == errno.ENOENT:
        if os.path.islink(path or name):
            return f"{name}: symbolic link to a file that does not exist"
        return f"{name}: no such file"
    if code in (errno.EACCES, errno.EPERM):
        return f"{name}: permission denied"
    if code == errno.ENOTDIR:
        return f"{name}: a part of the path is a file, not a directory"
    if code == errno.ENAMETOOLONG:
        return f"{name}: the path is too long"
    if code == errno.EISDIR:
        return f"{name}: is a directory, not a trace file"
    if code == errno.EIO:
        return f"{name}: read error on the device (I/O error)"
    return f"{name}: cannot read ({exc.strerror or 'operating system error'})"


def open_regular(path: str | os.PathLike[str], label: str | None = None) -> tuple[BinaryIO, int]:
    """Open a regular file for reading: (binary file, size).  TraceError (one line) for anything else.

    The type is checked before opening (a FIFO is never opened) and again on
    the open descriptor (the path may have been swapped in between); the open
    itself is non-blocking for the same reason.
    """
    where = os.fspath(path)
    where = where if isinstance(where, str) else os.fsdecode(where)
    name = label or where
    try:
        kind = _kind(os.stat(where).st_mode)
        if kind is not None:
            raise TraceError(f"{name}: is {kind}, not a trace file; save the trace to a regular file first")
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise TraceError(describe_os_error(name, exc, where)) from None
    try:
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind is not None:
            raise TraceError(f"{name}: is {kind}, not a trace file; save the trace to a regular file first")
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise
