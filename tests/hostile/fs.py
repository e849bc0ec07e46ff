"""Small real filesystems for the data-directory tests: a size-limited tmpfs, remounted read-only.

Mounting needs root (CI containers run as root); without it `tmpfs()` yields
None and the tests use the fallbacks: `chmod` for read-only (works for a
non-root user) and RLIMIT_FSIZE in a subprocess for "disk full".
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


def _run(*argv: str) -> bool:
    return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "2m") -> Iterator[Path | None]:
    """A fresh tmpfs of `size` mounted on `where` (None when mounting is not possible here)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0 or not _run("mount", "-t", "tmpfs", "-o", f"size={size}",
                                                          "tmpfs", str(where)):
        yield None
        return
    try:
        yield where
    finally:
        _run("umount", "-l", str(where))


def remount_read_only(mount: Path) -> bool:
    return _run("mount", "-o", "remount,ro", str(mount))


def remount_read_write(mount: Path) -> bool:
    return _run("mount", "-o", "remount,rw", str(mount))


def fill(mount: Path) -> None:
    """Fill a tmpfs to the last byte."""
    with contextlib.suppress(OSError), (mount / "filler").open("wb") as fh:
        while True:
            fh.write(b"\0" * 4096)
            fh.flush()
    with contextlib.suppress(OSError), (mount / "filler2").open("wb") as fh:
        while True:
            fh.write(b"\0")
            fh.flush()


def tree_state(root: Path) -> dict[str, bytes]:
    """Every regular file under root with its content (to show nothing changed)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}
