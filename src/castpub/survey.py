"""feeds/ surveyed by a forked process while the build reads its records and inputs.

A rebuild trusts feeds/ only while every file in it has the size and mtime the last build
recorded: 12 000 stats at 10 000 episodes, a tenth of a second that this process would spend
in the kernel doing nothing else. A process forked at the start takes them on the other core
and hands back the result through a pipe. The stats describe feeds/ as it was when the build
started, which is what the comparison with the record is about.
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
import threading
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from castpub.cache import feeds_files
from castpub.output import write_all


class FeedsSurvey:
    """feeds_files(feeds_dir) for the build that holds it, taken ahead by a forked process
    where one can be forked, else when asked for. Used as a context manager: a survey no one
    asked for is stopped on the way out."""

    def __init__(self) -> None:
        self.feeds_dir: Path | None = None
        self._pid = 0
        self._pipe = -1
        self._files: dict[str, tuple[int, int]] | None = None

    def start(self, feeds_dir: Path) -> None:
        """Start surveying feeds_dir (once; later calls do nothing)."""
        if self.feeds_dir is not None:
            return
        self.feeds_dir = feeds_dir
        if not can_fork() or not feeds_dir.is_dir():
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the survey: nothing of the build's runs here, not even its exit handlers
            status = 1
            try:
                os.close(read_end)
                write_all(write_end, marshal.dumps(feeds_files(feeds_dir)))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def files(self, feeds_dir: Path) -> dict[str, tuple[int, int]]:
        """feeds_files(feeds_dir): from the survey when it was started there."""
        if feeds_dir != self.feeds_dir:
            return feeds_files(feeds_dir)
        if self._files is None:
            collected = self._collect()
            self._files = collected if collected is not None else feeds_files(feeds_dir)
        return self._files

    def _collect(self) -> dict[str, tuple[int, int]] | None:
        if not self._pid:
            return None
        chunks = []
        try:
            while chunk := os.read(self._pipe, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self._pipe)
            status = _reap(self._pid)
            self._pid = 0
        if status != 0 or not chunks:
            return None  # the survey failed: this process walks feeds/ itself
        try:
            found = marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None
        return found if isinstance(found, dict) else None

    def close(self) -> None:
        """Stop a survey still going: the build went another way."""
        if self._pid:
            os.close(self._pipe)
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            _reap(self._pid)
            self._pid = 0

    def __enter__(self) -> FeedsSurvey:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def can_fork() -> bool:
    """Whether a child may be forked from this process now: on Linux (elsewhere the C
    libraries do not all survive a fork), and with no other thread, whose locks a child would
    inherit held."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _reap(pid: int) -> int:
    """The child's wait status; -1 when it was reaped elsewhere."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return -1
