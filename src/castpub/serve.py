"""`castpub serve`: a local preview of feeds/ over HTTP, rebuilt when the show's sources change.

The standard library's http.server, with the Content-Types a static host should send (podcast apps
and browsers look at them), and a watcher that compares file modification times: no dependency,
nothing to install, good enough for one author previewing on their own machine.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONTENT_TYPES = {
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
}


def content_type(path: str) -> str:
    """What a static host should send for a file under feeds/."""
    name = posixpath.basename(path)
    if name == "atom.xml":
        return "application/atom+xml; charset=utf-8"
    if name.endswith(".xml"):
        return "application/rss+xml; charset=utf-8"
    extension = posixpath.splitext(name)[1].lower()
    return CONTENT_TYPES.get(extension, "application/octet-stream")


class FeedsHandler(SimpleHTTPRequestHandler):
    """Serves feeds/ read-only with castpub's Content-Types; logs through the server's say()."""

    def guess_type(self, path: str | Any) -> str:
        return content_type(str(path))

    def log_message(self, format: str, *args: Any) -> None:
        say = getattr(self.server, "say", None)
        if say is not None:
            say(f"{self.address_string()} {format % args}")


def make_server(
    feeds_dir: Path, host: str, port: int, say: Callable[[str], None] | None = None
) -> ThreadingHTTPServer:
    handler = partial(FeedsHandler, directory=str(feeds_dir))
    server = ThreadingHTTPServer((host, port), handler)
    server.say = say  # type: ignore[attr-defined]
    return server


def source_files(root: Path) -> list[Path]:
    """What a build reads: podcast.yaml, every file under episodes/, the store."""
    found = [root / "podcast.yaml", root / "data" / "youtube.json"]
    episodes = root / "episodes"
    if episodes.is_dir():
        found.extend(sorted(p for p in episodes.rglob("*") if p.is_file()))
    return found


def snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    stamps = {}
    for path in source_files(root):
        try:
            stat = path.stat()
        except OSError:
            continue
        stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


@dataclass
class Watcher:
    """Calls rebuild() whenever a source file appears, disappears or changes."""

    root: Path
    rebuild: Callable[[], None]
    seen: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.seen = snapshot(self.root)

    def check_once(self) -> bool:
        current = snapshot(self.root)
        if current == self.seen:
            return False
        self.seen = current
        self.rebuild()
        return True

    def run(self, stop: threading.Event, interval: float) -> None:
        while not stop.wait(interval):
            self.check_once()
