"""What the media network adapters (download.py, http.py) hand back when they succeed.

Failures are fetch.FetchFailed, classified as refresh classifies them: a network reason (offline,
timed out, rate-limited, server error) stops the run, since every further request would fail the
same way and hammering a host that limits us makes it worse; anything else skips that one episode.
Kept apart so planning and checks never import yt-dlp.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Downloaded", "Learnt", "Progress"]

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
