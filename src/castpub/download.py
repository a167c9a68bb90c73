"""The yt-dlp download adapter: one video's audio into a partial folder, or a classified failure.

yt-dlp writes `<id>.<ext>.part` and renames it to `<id>.<ext>` only when every byte arrived; a
`.part` left by an interrupted run is resumed with a Range request. The caller moves the complete
file into the media directory, so nothing under a final name is ever partial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yt_dlp
from yt_dlp.utils import DownloadError

from castpub import fetch
from castpub.fetch import Downloaded, FetchFailed, Progress, Reason, watched
from castpub.youtube import classify

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
    video_id: str,
    partial_dir: Path,
    options: DownloadOptions,
    progress: Progress | None,
    alive: Callable[[], None],
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
    params["progress_hooks"] = [_hook(progress, alive)]
    return params


def _hook(progress: Progress | None, alive: Callable[[], None]) -> Callable[[dict[str, Any]], None]:
    def hook(status: dict[str, Any]) -> None:
        alive()  # each block that arrives proves the transfer moves
        done = status.get("downloaded_bytes")
        if progress is not None and isinstance(done, int):
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

    def run(alive: Callable[[], None]) -> Any:
        with yt_dlp.YoutubeDL(_params(video_id, partial_dir, options, progress, alive)) as ydl:
            return ydl.extract_info(url, download=True)

    # yt-dlp bounds each read, not the download: a drip would hold it for ever. Progress hooks
    # fire about once a second while bytes flow; the window also covers extraction and retries.
    window = fetch.STALL_FACTOR * options.socket_timeout + fetch.YTDLP_WORK
    try:
        info = watched(run, window, f"download {video_id}")
    except DownloadError as exc:
        raise classify(exc) from None
    path = _downloaded_path(info)
    if path is None or not path.is_file():
        raise FetchFailed(Reason.UNAVAILABLE, f"yt-dlp wrote no file for {video_id}")
    duration = info.get("duration")
    return Downloaded(path, float(duration) if isinstance(duration, int | float) else None)


def _downloaded_path(info: Any) -> Path | None:
    if not isinstance(info, dict):
        return None
    downloads = info.get("requested_downloads") or []
    filepath = downloads[0].get("filepath") if downloads else None
    return Path(filepath) if filepath else None
