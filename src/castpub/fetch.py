"""What asking the network can end in: one classification for refresh, media and HTTP.

Kept apart from youtube.py so that commands which never talk to YouTube never import yt-dlp
(a second of start-up).
"""

from __future__ import annotations

from enum import Enum


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
