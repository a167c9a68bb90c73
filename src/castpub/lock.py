"""One build, refresh or media run at a time per show directory.

An flock(2) on `.castpub.lock`: the kernel drops it when its holder exits in any way, SIGKILL
included, so a killed run's lock is free for the next run without any stale-lock guessing. The
file itself stays (deleting it would let two runs lock two different files); it only holds the
holder's pid and command, for the message a waiting run prints.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from castpub.errors import CastpubError, ExitCode

LOCK_NAME = ".castpub.lock"
POLL_SECONDS = 0.1
DEFAULT_WAIT_SECONDS = 60.0


class Busy(CastpubError):
    """Another castpub run holds the show directory's lock: nothing was done; try again later."""

    exit_code = ExitCode.BUSY


@contextmanager
def project_lock(root: Path, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
    """Hold the show directory's lock for the block; wait up to wait_seconds, then raise Busy."""
    if not (root / "podcast.yaml").is_file():
        # No show here: nothing to protect, and the command itself says what is missing, without a
        # stray lock file left in the wrong directory.
        yield
        return
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise CastpubError(f"cannot open the lock file {path}: {exc}") from None
    try:
        _acquire(fd, path, wait_seconds)
        _record_holder(fd)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _acquire(fd: int, path: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + max(0.0, wait_seconds)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(_busy_message(path, wait_seconds)) from None
            time.sleep(POLL_SECONDS)


def _record_holder(fd: int) -> None:
    os.ftruncate(fd, 0)
    command = " ".join(sys.argv)[:200]
    os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)


def _busy_message(path: Path, wait_seconds: float) -> str:
    try:
        holder = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        holder = ""
    who = f" (pid and command: {holder})" if holder else ""
    return (
        f"another castpub run holds {path}{who}; waited {wait_seconds:g} s and did nothing. "
        "Run again later, or wait longer with --wait SECONDS"
    )
