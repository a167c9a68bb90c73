"""What the media network adapters (download.py, http.py) hand back: results, and failures
classified as refresh classifies them. Kept apart so planning and checks never import yt-dlp.

Each failure class decides what a run does next.

offline (or timed out, or the server erring) and rate-limited stop the run, since every further
request would fail the same way and hammering a host that limits us makes it worse; unavailable
skips that one episode and goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = ["Downloaded", "Failure", "FetchFailed", "Learnt", "Progress"]

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


class Failure(Enum):
    OFFLINE = "offline or timed out"
    RATE_LIMITED = "rate-limited"
    UNAVAILABLE = "unavailable"

    @property
    def stops_run(self) -> bool:
        return self is not Failure.UNAVAILABLE


class FetchFailed(Exception):
    def __init__(self, failure: Failure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
