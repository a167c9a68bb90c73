"""The yt-dlp download adapter: one video's audio into a partial folder, or a classified failure.

yt-dlp writes `<id>.<ext>.part` and renames it to `<id>.<ext>` only when every byte arrived; a
`.part` left by an interrupted run is resumed with a Range request. The caller moves the complete
file into the media directory, so nothing under a final name is ever partial.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.networking.exceptions import HTTPError, TransportError
from yt_dlp.utils import DownloadError, ExtractorError

from castpub.fetching import Downloaded, Failure, FetchFailed, Progress

__all__ = ["DownloadOptions", "classify", "download_audio", "watch_url"]


def watch_url(video_id: str) -> str:
    """Where yt-dlp fetches a video; tests point this at a loopback server."""
    return f"https://www.youtube.com/watch?v={video_id}"


@dataclass(frozen=True)
class DownloadOptions:
    format: str
    socket_timeout: float = 15.0
    cookies: Path | None = None
    proxy: str | None = None
    retries: int = 3


class _Logger:
    """Keeps yt-dlp quiet; its error text is what the failure carries."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def debug(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        pass

    def error(self, message: str) -> None:
        self.errors.append(message)


def _params(
    video_id: str, partial_dir: Path, options: DownloadOptions, progress: Progress | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "format": options.format,
        # Named by our video id, not yt-dlp's: a direct URL's id is its file name.
        "outtmpl": {"default": str(partial_dir / f"{video_id}.%(ext)s")},
        "quiet": True,
        "noprogress": True,
        "noplaylist": True,
        "continuedl": True,
        "cachedir": False,
        "retries": options.retries,
        "socket_timeout": options.socket_timeout,
        "logger": _Logger(),
    }
    if options.cookies:
        params["cookiefile"] = str(options.cookies)
    if options.proxy:
        params["proxy"] = options.proxy
    if progress is not None:
        params["progress_hooks"] = [_hook(progress)]
    return params


def _hook(progress: Progress) -> Callable[[dict[str, Any]], None]:
    def hook(status: dict[str, Any]) -> None:
        done = status.get("downloaded_bytes")
        if isinstance(done, int):
            total = status.get("total_bytes") or status.get("total_bytes_estimate")
            progress(done, int(total) if total else None)

    return hook


def download_audio(
    video_id: str,
    url: str,
    partial_dir: Path,
    options: DownloadOptions,
    progress: Progress | None = None,
) -> Downloaded:
    """Download the audio of one video into partial_dir; raise FetchFailed when it fails."""
    partial_dir.mkdir(parents=True, exist_ok=True)
    params = _params(video_id, partial_dir, options, progress)
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            info = ydl.extract_info(url, download=True)
    except DownloadError as exc:
        raise FetchFailed(*classify(exc)) from None
    path = _downloaded_path(info)
    if path is None or not path.is_file():
        raise FetchFailed(Failure.UNAVAILABLE, f"yt-dlp wrote no file for {video_id}")
    duration = info.get("duration")
    return Downloaded(path, float(duration) if isinstance(duration, int | float) else None)


def _downloaded_path(info: Any) -> Path | None:
    if not isinstance(info, dict):
        return None
    downloads = info.get("requested_downloads") or []
    filepath = downloads[0].get("filepath") if downloads else None
    return Path(filepath) if filepath else None


_STATUS = re.compile(r"HTTP Error (\d{3})")


def classify(exc: DownloadError) -> tuple[Failure, str]:
    """Which failure class a yt-dlp error belongs to, and a one-line message without 'ERROR:'."""
    message = re.sub(r"^ERROR:\s*", "", str(exc)).strip().splitlines()[0]
    cause = exc.exc_info[1] if exc.exc_info else None
    lowered = message.lower()
    if isinstance(cause, HTTPError):
        status: int | None = cause.status
    else:
        found = _STATUS.search(message)
        status = int(found.group(1)) if found else None
    if status == 429 or "not a bot" in lowered or "rate-limited" in lowered:
        return Failure.RATE_LIMITED, message
    if status is not None and status >= 500:
        return Failure.OFFLINE, message
    if status is not None or isinstance(cause, ExtractorError):
        return Failure.UNAVAILABLE, message
    if isinstance(cause, TransportError) or _looks_like_network(lowered):
        return Failure.OFFLINE, message
    return Failure.UNAVAILABLE, message


def _looks_like_network(lowered: str) -> bool:
    # Errors raised inside the downloader lose their cause; their text still says what happened.
    words = ("timed out", "connection", "name or service", "bytes read", "network", "refused")
    return any(word in lowered for word in words)
