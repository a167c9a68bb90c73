"""What asking the network can end in: one classification of failures for refresh, media and
HTTP, and what the media adapters hand back when they succeed.

Kept apart from youtube.py so that commands which never talk to YouTube never import yt-dlp
(a second of start-up).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# How many socket timeouts a fetch may go without progress before it is given up.
STALL_FACTOR = 8
# Seconds added to a yt-dlp window for its own work, which no socket timeout covers: loading its
# extractors (about 2 s on first use), parsing pages, solving YouTube's JavaScript challenges.
YTDLP_WORK = 30.0


class Reason(Enum):
    """Why a fetch failed; the first three mean "try again later", the store stays as it was."""

    OFFLINE = "offline"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate-limited"
    SERVER_ERROR = "server error"
    UNAVAILABLE = "unavailable"
    ERROR = "error"

    @property
    def network(self) -> bool:
        """Trouble reaching YouTube at all: asking again in this run would fail the same way."""
        return self in (Reason.OFFLINE, Reason.TIMEOUT, Reason.RATE_LIMITED, Reason.SERVER_ERROR)


class FetchFailed(Exception):
    def __init__(self, reason: Reason, message: str, availability: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        # For UNAVAILABLE: what the store records as the video's availability.
        self.availability = availability


def watched(work: Callable[[Callable[[], None]], T], window: float, what: str) -> T:
    """Run work(alive); give up with TIMEOUT when `window` seconds pass without a call to alive().

    requests and yt-dlp bound each read by the socket timeout, never a whole transfer: a server
    that drips a byte a second holds a read open for as long as it likes. Python cannot interrupt
    a read blocked in another thread, so the work runs in a daemon thread that is abandoned when it
    stalls: it ends with the process, and all it can leave is a file under a partial name (the
    caller, not the work, moves files to final names and records them).
    """
    last = [time.monotonic()]
    done = threading.Event()
    result: dict[str, Any] = {}

    def alive() -> None:
        last[0] = time.monotonic()

    def run() -> None:
        try:
            result["value"] = work(alive)
        except BaseException as exc:  # handed to the caller's thread as it is
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name=f"castpub fetch {what}").start()
    while not done.wait(max(0.0, last[0] + window - time.monotonic())):
        if time.monotonic() >= last[0] + window:
            raise FetchFailed(
                Reason.TIMEOUT,
                f"{what}: no progress for {window:g} s (the server is too slow or stalled)",
            )
    if "error" in result:
        raise result["error"]
    value: T = result["value"]
    return value


# What the media adapters (download.py, http.py) hand back when they succeed.
Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes if known)


@dataclass(frozen=True)
class Downloaded:
    path: Path  # the complete file, still in the partial folder
    duration: float | None


@dataclass(frozen=True)
class Learnt:
    url: str
    length: int
    type: str | None  # None when the server names none worth keeping
