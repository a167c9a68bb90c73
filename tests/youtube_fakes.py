"""Test doubles at yt-dlp's boundary: recorded info dicts, and a loopback HTTP server for real yt-dlp.

castpub's adapter takes a factory for the YoutubeDL object; RecordedYoutubeDL answers from
tests/fixtures/youtube/ (or raises the DownloadError yt-dlp would), and logs every URL asked.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yt_dlp.utils import DownloadError, ExtractorError

from castpub.config import YouTubeSettings
from castpub.youtube import YouTube

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"
WATCH = "https://www.youtube.com/watch?v="
PLAYLIST = "https://www.youtube.com/playlist?list="
BOT = (
    "Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the "
    "authentication. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies-to-yt-dlp"
    "  for how to manually pass cookies"
)
PRIVATE = "Private video. Sign in if you've been granted access to this video"
REMOVED = "Video unavailable. This video has been removed by the uploader"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def extractor_error(message: str, video_id: str = "x") -> DownloadError:
    """The DownloadError yt-dlp raises for an ExtractorError (exc_info keeps the original)."""
    try:
        raise ExtractorError(message, expected=True, video_id=video_id, ie="youtube")
    except ExtractorError:
        # As YoutubeDL.trouble does: without an underlying exception, exc_info is the error itself.
        return DownloadError(f"ERROR: [youtube] {video_id}: {message}", sys.exc_info())


def playlist_of(playlist_id: str, entries: list[tuple[str, int]]) -> dict[str, Any]:
    """A flat playlist of the recorded shape with the given (video id, duration) entries."""
    info = recorded("PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_")
    template = info["entries"][0]
    info.update(id=playlist_id, title=f"Playlist {playlist_id[-4:]}", playlist_count=len(entries))
    info["entries"] = [
        {**template, "id": vid, "url": WATCH + vid, "title": f"Video {vid}", "duration": duration}
        for vid, duration in entries
    ]
    return info


def video_of(video_id: str, duration: int, upload_date: str = "20240101") -> dict[str, Any]:
    info = recorded("YE7VzlLtp-4")
    info.update(
        id=video_id,
        title=f"Video {video_id}",
        duration=duration,
        upload_date=upload_date,
        timestamp=None,
        webpage_url=WATCH + video_id,
    )
    return info


def default_answers() -> dict[str, Any]:
    answers: dict[str, Any] = {
        WATCH + vid: recorded(vid)
        for vid in ("YE7VzlLtp-4", "M4gD1WSo5mA", "qVv6vCqciTM", "aqz-KE-bpKQ")
    }
    pid = "PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_"
    answers[PLAYLIST + pid] = recorded(pid)
    return answers


@dataclass
class Recorder:
    """Answers by URL: a dict is returned, a DownloadError raised. Logs each URL and its options."""

    answers: dict[str, Any] = field(default_factory=default_answers)
    asked: list[str] = field(default_factory=list)
    options: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    pause: Callable[[str], object] = lambda url: None

    def factory(self, options: dict[str, Any]) -> RecordedYoutubeDL:
        self.options.append(options)
        return RecordedYoutubeDL(self)

    def youtube(self, settings: YouTubeSettings) -> YouTube:
        return YouTube(settings, factory=self.factory)


class RecordedYoutubeDL:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def __enter__(self) -> RecordedYoutubeDL:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def extract_info(self, url: str, download: bool = True) -> dict[str, Any]:
        assert download is False
        r = self.recorder
        with r.lock:
            r.asked.append(url)
            r.in_flight += 1
            r.most_in_flight = max(r.most_in_flight, r.in_flight)
        try:
            r.pause(url)
            answer = r.answers.get(url) or extractor_error(REMOVED, url[-11:])
            if isinstance(answer, BaseException):
                raise answer
            return json.loads(json.dumps(answer))
        finally:
            with r.lock:
                r.in_flight -= 1

    def sanitize_info(self, info: dict[str, Any]) -> dict[str, Any]:
        return info


@dataclass
class Loopback:
    """A real HTTP server on 127.0.0.1 answering every GET with one status; counts requests."""

    status: int
    requests: int = 0
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@contextmanager
def loopback(status: int) -> Iterator[Loopback]:
    state = Loopback(status)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            self.send_response(state.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Too Many Requests")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def stale_store(root: Path) -> bytes:
    """A store with every record fetched long ago: a refresh asks for all of them again."""
    path = root / "data" / "youtube.json"
    data = json.loads(path.read_text())
    for section in ("videos", "playlists"):
        for record in data[section].values():
            record["fetched_at"] = "2020-01-01T00:00:00+00:00"
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path.read_bytes()
