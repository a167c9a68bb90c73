"""The YouTube adapter: the only module that imports yt_dlp.

It asks yt-dlp for one video (`watch?v=ID`) or one playlist (`playlist?list=ID`, flat) and
returns the sanitized info dict, or raises FetchFailed with the failure classified. It never asks
for an embed URL: yt-dlp reads `/embed/ID?list=...` as the whole playlist.

The yt-dlp options are built here from YouTubeSettings and nothing else, so nothing in
podcast.yaml can make yt-dlp run a command (no exec, postprocessors or external downloaders).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

import yt_dlp
from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import ExtractorError, YoutubeDLError

from castpub import fetch
from castpub.config import YouTubeSettings
from castpub.fetch import FetchFailed, Reason, watched

_RATE_LIMITED = re.compile(r"not a bot|rate.?limit|try again later|too many requests", re.I)
_TIMEOUT = re.compile(r"timed out|timeout", re.I)
_HTTP_STATUS = re.compile(r"HTTP Error (\d{3})")
_NETWORK = re.compile(r"timed out|connection|name or service|bytes read|network|refused", re.I)
# YouTube's own words for a video nobody may fetch, and the availability the store records
# (yt-dlp's availability values, plus "unavailable" for deleted or removed videos).
_UNAVAILABLE = (
    (re.compile(r"private video|video is private", re.I), "private"),
    (re.compile(r"members.only|join this channel", re.I), "subscriber_only"),
    (
        re.compile(r"confirm your age|age.restricted|inappropriate for some users", re.I),
        "needs_auth",
    ),
    (
        re.compile(
            r"video unavailable|has been removed|no longer available|account .* terminated|"
            r"does not exist|deleted video|this video is unavailable",
            re.I,
        ),
        "unavailable",
    ),
)


def classify(error: BaseException) -> FetchFailed:
    """Turn what yt-dlp raised into a reason, from the original exception it preserved."""
    cause = _cause(error)
    text = _message(error, cause)
    status = _status(cause, text)
    if status in (403, 429) or _RATE_LIMITED.search(text):
        return FetchFailed(Reason.RATE_LIMITED, text)
    if status is not None and status >= 500:
        return FetchFailed(Reason.SERVER_ERROR, text)
    if status is not None and status >= 400:  # 404, 410: gone for good, not network trouble
        return FetchFailed(Reason.UNAVAILABLE, text, "unavailable")
    if isinstance(cause, TransportError) or (status is None and _NETWORK.search(text)):
        reason = Reason.TIMEOUT if _TIMEOUT.search(text) else Reason.OFFLINE
        return FetchFailed(reason, text)
    for pattern, availability in _UNAVAILABLE:
        if pattern.search(text):
            return FetchFailed(Reason.UNAVAILABLE, text, availability)
    return FetchFailed(Reason.ERROR, text)


def _status(cause: BaseException, text: str) -> int | None:
    if isinstance(cause, HTTPError):
        return int(cause.status)
    # Errors raised inside the downloader lose their cause; their text still names the status.
    found = _HTTP_STATUS.search(text)
    return int(found.group(1)) if found else None


def _cause(error: BaseException) -> BaseException:
    exc_info = getattr(error, "exc_info", None)
    if isinstance(exc_info, tuple) and len(exc_info) > 1 and isinstance(exc_info[1], BaseException):
        return exc_info[1]
    return error


def _message(error: BaseException, cause: BaseException) -> str:
    if isinstance(cause, ExtractorError):
        return str(cause.orig_msg)
    text = str(cause) or str(error)
    lines = text.removeprefix("ERROR: ").strip().splitlines()
    return lines[0] if lines else text


class QuietLogger:
    """Keeps yt-dlp silent: castpub reports each outcome itself, and yt-dlp's error comes back as
    the exception anyway. (With a logger set, yt-dlp prints nothing on its own.)"""

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass

    def error(self, message: str) -> None:
        pass


def ydl_options(settings: YouTubeSettings, flat: bool) -> dict[str, Any]:
    """Every option castpub gives yt-dlp, chosen here; podcast.yaml only fills in values."""
    options: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": QuietLogger(),
        "skip_download": True,
        "cachedir": False,
        "socket_timeout": settings.socket_timeout,
        # Polite between the several requests one extraction makes; one retry (yt-dlp's default
        # is 3) still rides out a glitch, while offline each retry would cost a sleep for nothing.
        "sleep_interval_requests": settings.sleep,
        "extractor_retries": 1,
        # Metadata is what castpub wants; a video without playable formats still has a title.
        "ignore_no_formats_error": True,
    }
    if flat:
        options["extract_flat"] = "in_playlist"
    else:
        options["noplaylist"] = True  # a video is one video, whatever URL it came from
    if settings.cookies is not None:
        options["cookiefile"] = str(settings.cookies)
    if settings.proxy:
        options["proxy"] = settings.proxy
    return options


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def playlist_url(playlist_id: str) -> str:
    return f"https://www.youtube.com/playlist?list={playlist_id}"


YoutubeDLFactory = Callable[[dict[str, Any]], Any]


@dataclass
class YouTube:
    """Fetches info dicts. Tests swap the factory (recorded dicts) or the URLs (a loopback server)."""

    settings: YouTubeSettings
    _: KW_ONLY
    factory: YoutubeDLFactory = yt_dlp.YoutubeDL
    video_url: Callable[[str], str] = watch_url
    playlist_url: Callable[[str], str] = playlist_url

    def video(self, video_id: str) -> dict[str, Any]:
        return self._extract(self.video_url(video_id), flat=False)

    def playlist(self, playlist_id: str) -> dict[str, Any]:
        info = self._extract(self.playlist_url(playlist_id), flat=True)
        info["entries"] = [e for e in info.get("entries") or [] if isinstance(e, Mapping)]
        return info

    def _extract(self, url: str, flat: bool) -> dict[str, Any]:
        # One YoutubeDL per request: instances are not thread-safe, and this keeps no state.
        options = ydl_options(self.settings, flat)

        def extract(alive: Callable[[], None]) -> Any:
            with self.factory(options) as ydl:
                return ydl.sanitize_info(ydl.extract_info(url, download=False))

        # An extraction reports no progress, so the window bounds it whole: its few requests,
        # each allowed socket_timeout per read, and the polite sleeps between them.
        settings = self.settings
        window = fetch.STALL_FACTOR * (settings.socket_timeout + settings.sleep) + fetch.YTDLP_WORK
        try:
            info = watched(extract, window, url)
        except YoutubeDLError as exc:
            raise classify(exc) from exc
        if not isinstance(info, dict):
            raise FetchFailed(Reason.ERROR, f"yt-dlp returned nothing for {url}")
        return info
