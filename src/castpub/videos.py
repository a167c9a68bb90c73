"""Finding the YouTube video (and playlist) an episode is about."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
PLAYLIST_ID = re.compile(r"^[A-Za-z0-9_-]{10,64}$")

# Every form authors paste: iframe embeds (youtube.com, youtube-nocookie.com), watch links with
# &list= and &t=, youtu.be short links, /shorts/ and /live/ links. Channel and playlist-only links
# are not videos. The match starts at "//": an optional "https:" before it would make the regex
# engine try every character of the body (80 times slower), and the scheme changes nothing.
_URL = re.compile(
    r"""//(?:www\.|m\.)?(?:youtube(?:-nocookie)?\.com|youtu\.be)/[^\s"'<>)\]]*""",
    re.IGNORECASE,
)
# The embed URL nearly every episode has, as YouTube's share dialog writes it: parse_video_url's
# result for it without a urlsplit and a parse_qs (a third of finding an episode's videos).
_PLAIN_EMBED = re.compile(
    r"(?:https?:)?//(?:www\.)?youtube(?:-nocookie)?\.com/embed/([A-Za-z0-9_-]{11})"
    r"(?:\?list=([A-Za-z0-9_-]{10,64}))?"
)


@dataclass(frozen=True)
class VideoRef:
    video_id: str
    playlist_id: str | None = None
    line: int = 0

    @property
    def watch_url(self) -> str:
        return f"https://www.youtube.com/watch?v={self.video_id}"


def parse_video_url(url: str, line: int = 0) -> VideoRef | None:
    """The video (and list=) a YouTube URL points to, or None for channels, playlists and junk."""
    plain = _PLAIN_EMBED.fullmatch(url)
    if plain is not None:
        return VideoRef(plain[1], plain[2], line)
    if VIDEO_ID.match(url):
        return VideoRef(url, None, line)
    try:
        parts = urlsplit(url if "//" in url else "https://" + url)
    except ValueError:  # e.g. an unclosed "[" taken for an IPv6 host
        return None
    host = (parts.hostname or "").lower()
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    candidate: str | None = None
    if host.endswith("youtu.be") and segments:
        candidate = segments[0]
    elif segments[:1] == ["watch"]:
        candidate = _first(query, "v")
    elif len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v", "e"):
        candidate = segments[1]
    if not candidate or not VIDEO_ID.match(candidate):
        return None
    playlist = _first(query, "list")
    if playlist is not None and not PLAYLIST_ID.match(playlist):
        playlist = None
    return VideoRef(candidate, playlist, line)


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def parse_playlist_id(text: str) -> str | None:
    """A playlist id from a bare id or any URL carrying list=."""
    if PLAYLIST_ID.match(text) and not VIDEO_ID.match(text):
        return text
    try:
        playlist = _first(parse_qs(urlsplit(text).query), "list")
    except ValueError:
        return None
    return playlist if playlist and PLAYLIST_ID.match(playlist) else None


def find_videos(body: str, first_line: int = 1) -> list[VideoRef]:
    """Every distinct video referenced in the body, in order, each with its line in the file."""
    found: list[VideoRef] = []
    seen: set[str] = set()
    for match in _URL.finditer(body):
        line = first_line + body.count("\n", 0, match.start())
        # Prose puts punctuation right after a bare link: "see https://youtu.be/ID."
        ref = parse_video_url(match.group(0).rstrip(".,;:!?*"), line)
        if ref and ref.video_id not in seen:
            seen.add(ref.video_id)
            found.append(ref)
    return found
