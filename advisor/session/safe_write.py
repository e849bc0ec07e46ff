"""Writing an export where the engineer asked, and nowhere else.

An export target is a path typed by a person (or pasted from a ticket), so it
is checked before anything is written: the directory must already exist
(a typo must not create a directory tree), an existing file is only replaced
when asked (`--force` in the CLI, a confirmation in the TUI), a symbolic link
is never followed (it could point at any file the user can write), and FIFOs,
devices, sockets and directories are refused (writing to a FIFO blocks for
ever). The text goes to a temporary file in the same directory first and is
renamed into place, so a failed write never leaves half a ticket. A new file
is readable by its owner only (tickets quote customer data).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class ExportTargetError(ValueError):
    """The target path cannot or may not be written; the message says why, in one line."""


def check_target(path: Path, force: bool = False) -> Path:
    """The absolute target path, or ExportTargetError saying why it is refused."""
    target = Path(os.path.abspath(path.expanduser()))
    parent = target.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise ExportTargetError(f"cannot write {path}: the directory {parent} {what} (create it first)")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise ExportTargetError(f"cannot write {path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise ExportTargetError(f"cannot write {path}: it is a symbolic link (not followed); "
                                "give the real path")
    if stat.S_ISDIR(st.st_mode):
        raise ExportTargetError(f"cannot write {path}: it is a directory")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
        raise ExportTargetError(f"cannot write {path}: it is {kind}, not a regular file")
    if not force:
        raise ExportTargetError(f"{path} already exists; use --force to overwrite it")
    return target


def write_text_safely(path: Path, text: str, force: bool = False) -> Path:
    """Write text to path under the rules above; returns the absolute path written."""
    target = check_target(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        with contextlib.suppress(FileNotFoundError):  # an overwritten file keeps its permissions
            os.chmod(tmp, stat.S_IMODE(os.lstat(target).st_mode))
        if not force and os.path.lexists(target):  # appeared meanwhile: never replace without asking
            raise ExportTargetError(f"{path} already exists; use --force to overwrite it")
        os.replace(tmp, target)  # replaces the name itself, never a link's target
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ExportTargetError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
