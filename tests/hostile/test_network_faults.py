"""Network faults met by real yt-dlp and real requests: `castpub refresh` and `castpub media`.

Every fault is served by tests/mediaserver.py on 127.0.0.1: connection refused, a reset mid-body,
a slow drip (a byte every fifth of the socket timeout: no single read ever times out), HTTP 429 and 500, a
Content-Length shorter or longer than the body, and a redirect loop. Each run must end (a SIGALRM
guard fails the test instead of hanging it), exit with the documented code and one line naming
the failure, leave the store as it was apart from what succeeded before the fault, put no file
under a final media name, and leave feeds/ as a later build writes it from the last good state.

YouTube's extractor cannot be pointed at localhost: refresh's video URLs point at the server, so
yt-dlp's generic extractor reads the page (served as HTML, so the body is read to its end).
"""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hostile_support import build, snapshot

from castpub import cli_youtube, download, fetch
from castpub.config import Show, YouTubeSettings
from castpub.fetch import FetchFailed
from castpub.youtube import YouTube
from conftest import run_castpub
from mediaserver import MediaServer, Served, media_server, wav_bytes
from youtube_fakes import Recorder, stale_store

TIMEOUT = 0.3  # youtube.socket_timeout for every run here
HANG = 25  # seconds: far beyond any bound castpub sets with TIMEOUT, short of a real hang
PID = "PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_"
GOOD_VIDEO = "YE7VzlLtp-4"  # refreshed from recorded answers before the faulty requests
NEWER, OLDER = "Xq1yZ3bNm0w", "ban0Z7Cojfg"  # the audio project's videos, newest first
PAGE = b"<html><head><title>Interview</title></head><body>" + b"words " * 600 + b"</body></html>"


@pytest.fixture(autouse=True)
def quick_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """castpub allows yt-dlp 30 s of its own work in each stall window; a second is plenty once
    yt-dlp's extractors are loaded, and keeps each drip test to a few seconds."""
    warm_up_yt_dlp()
    monkeypatch.setattr(fetch, "YTDLP_WORK", 1.0)


@cache
def warm_up_yt_dlp() -> None:
    # The first extraction in a process loads yt-dlp's extractors (about 2 s), once.
    with media_server() as server:
        server.files["/page"] = Served(PAGE, type="text/html")
        with pytest.raises(FetchFailed):
            YouTube(YouTubeSettings(sleep=0), video_url=lambda v: server.url("/page")).video("x")


class Hang(Exception):
    pass


@contextmanager
def hang_guard(seconds: int = HANG) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts the blocked main thread (the CLI runs there)."""

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Fault:
    name: str
    served: Callable[[bytes], Served | None]  # None: the fault is a status, a loop or no server
    status: int | None = None


FAULTS = [
    Fault("refused", lambda body: None),
    Fault("reset", lambda body: Served(body, reset_after=100)),
    Fault("drip", lambda body: Served(body, drip=TIMEOUT / 5)),
    Fault("429", lambda body: None, status=429),
    Fault("500", lambda body: None, status=500),
    Fault("short", lambda body: Served(body, length=2 * len(body))),  # fewer bytes than announced
    Fault("long", lambda body: Served(body, length=len(body) // 2)),  # more bytes than announced
    Fault("loop", lambda body: None),
]


def serve(server: MediaServer, fault: Fault, path: str, body: bytes, kind: str) -> str:
    """Set up the fault at path on server; the URL to give castpub."""
    if fault.name == "refused":
        with socket.socket() as probe:  # a port nobody listens on once the probe closes
            probe.bind(("127.0.0.1", 0))
            return f"http://127.0.0.1:{probe.getsockname()[1]}{path}"
    if fault.name == "loop":
        server.redirects[path] = server.url(path + "-again")
        server.redirects[path + "-again"] = server.url(path)
    elif fault.status is not None:
        server.status[path] = fault.status
    else:
        served = fault.served(body)
        assert served is not None
        server.files[path] = replace(served, type=kind)
    return server.url(path)


def set_timeout(root: Path) -> None:
    yaml = root / "podcast.yaml"
    text = yaml.read_text()
    if "socket_timeout:" in text:
        lines = [ln for ln in text.splitlines() if "socket_timeout:" not in ln]
        text = "\n".join(lines) + "\n"
    yaml.write_text(text.replace("youtube:\n", f"youtube:\n  socket_timeout: {TIMEOUT}\n"))


def store_json(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "data" / "youtube.json").read_bytes())
    return data


def feeds_after_build(root: Path) -> dict[str, bytes]:
    result = build(root)
    assert result.exit_code == 0, result.output
    return snapshot(root / "feeds")


# refresh ---------------------------------------------------------------------------------------

# What each fault is reported as: the reason on the video's line, and whether the run stopped
# (network trouble) or went on to the next video. Every refresh with a failure exits 3 (stale).
REFRESH = {
    "refused": ("offline", True),
    "reset": ("offline", True),
    "drip": ("timeout", True),
    "429": ("rate-limited", True),
    "500": ("server error", True),
    "short": ("offline", True),
    "long": ("error", False),  # a page cut at its announced length: taken at its word
    "loop": ("error", False),
}


class _Fetcher:
    """The playlist and GOOD_VIDEO from recorded answers, every other video from the server."""

    def __init__(self, show: Show, url: str) -> None:
        self.recorded = Recorder().youtube(show.youtube)
        self.served = YouTube(show.youtube, video_url=lambda video_id: url)

    def video(self, video_id: str) -> dict[str, Any]:
        source = self.recorded if video_id == GOOD_VIDEO else self.served
        return source.video(video_id)

    def playlist(self, playlist_id: str) -> dict[str, Any]:
        return self.recorded.playlist(playlist_id)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_refresh_meets_a_network_fault(
    fault: Fault, make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    set_timeout(root)
    recorder = Recorder()
    monkeypatch.setattr(cli_youtube, "make_fetcher", lambda show: recorder.youtube(show.youtube))
    assert run_castpub(root, "refresh").exit_code == 0
    stale_store(root)
    feeds = feeds_after_build(root)
    before = store_json(root)

    with media_server() as server:
        url = serve(server, fault, "/watch", PAGE, "text/html")
        monkeypatch.setattr(cli_youtube, "make_fetcher", lambda show: _Fetcher(show, url))
        with hang_guard():
            result = run_castpub(root, "refresh")

    reason, stops = REFRESH[fault.name]
    assert "Traceback" not in result.output
    assert result.exit_code == 3, result.output
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("video M4gD1WSo5mA:")]
    assert line.startswith(f"video M4gD1WSo5mA: failed ({reason}: "), result.output
    if stops:
        assert result.stderr.startswith("warning: "), result.output
        assert result.stdout.splitlines()[-1].endswith(", 2 not asked"), result.output
    # Only what succeeded before the fault changed: the two fetch times, nothing else.
    after = store_json(root)
    for section, item in (("playlists", PID), ("videos", GOOD_VIDEO)):
        assert after[section][item]["fetched_at"] != before[section][item]["fetched_at"]
        before[section][item]["fetched_at"] = after[section][item]["fetched_at"]
    assert after == before
    assert feeds_after_build(root) == feeds


# media -----------------------------------------------------------------------------------------

# Downloads (yt-dlp): (exit code, the reason castpub names, whether the file arrived).
DOWNLOAD = {
    "refused": (3, "offline", False),
    "reset": (3, "offline", False),
    "drip": (3, "timeout", False),
    "429": (3, "rate-limited", False),
    "500": (3, "server error", False),
    "short": (3, "offline", False),
    "long": (0, None, True),  # the announced length is all any client can know of the file
    "loop": (0, "error", False),  # a broken link for this episode, not network trouble
}

# Front matter media (requests HEAD, then a counted GET when HEAD names no length).
LEARN = {
    "refused": (3, "offline"),
    "reset": (3, "offline"),
    "drip": (3, "timeout"),
    "429": (3, "rate-limited"),
    "500": (3, "server error"),
    "short": (3, "offline"),
    "long": (0, None),
    "loop": (0, "unavailable"),
}


@pytest.fixture
def audio(make_project: Callable[..., Path]) -> Path:
    root = make_project("audio")
    set_timeout(root)
    return root


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_media_download_meets_a_network_fault(
    fault: Fault, audio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = feeds_after_build(audio)
    store_bytes = (audio / "data" / "youtube.json").read_bytes()
    body = wav_bytes(1.0)
    with media_server() as server:
        url = serve(server, fault, f"/{NEWER}.wav", body, "audio/wav")
        server.files[f"/{OLDER}.wav"] = Served(wav_bytes(0.5))
        monkeypatch.setattr(download, "watch_url", lambda vid: url if vid == NEWER else "")
        with hang_guard():
            result = run_castpub(audio, "media")

    code, reason, arrived = DOWNLOAD[fault.name]
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    final = audio / "media" / f"{NEWER}.wav"
    if arrived:  # the file is what the server announced, and the record says so
        assert final.read_bytes() == body[: len(body) // 2]
        assert store_json(audio)["media"][NEWER]["length"] == len(body) // 2
        return
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith(f"failed {NEWER} ")]
    assert line.startswith(f"failed {NEWER} ({reason}): "), result.output
    assert not final.exists()
    if code == 3:
        assert f"stopped early ({reason})" in result.stderr
        assert (audio / "data" / "youtube.json").read_bytes() == store_bytes
        assert feeds_after_build(audio) == feeds
    else:  # the run went on to OLDER, whose empty URL fails on its own; NEWER is not recorded
        assert NEWER not in store_json(audio)["media"]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_media_lookup_meets_a_network_fault(
    fault: Fault, audio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"ID3" + bytes(4000)
    with media_server() as server:
        url = serve(server, fault, "/hosted.mp3", body, "audio/mpeg")
        if fault.name in ("reset", "drip", "short", "long"):
            # HEAD names no length, so castpub counts a GET body: the body faults reach it.
            server.files["/hosted.mp3"] = replace(server.files["/hosted.mp3"], head_length=False)
        episode = audio / "episodes" / "2017-06-01-hosted.md"
        episode.write_text(f"---\ntitle: Hosted\nmedia: {url}\n---\n\nHosted elsewhere.\n")
        feeds = feeds_after_build(audio)
        store_bytes = (audio / "data" / "youtube.json").read_bytes()
        monkeypatch.setattr(download, "watch_url", lambda vid: server.url("/nothing-here"))
        with hang_guard():
            result = run_castpub(audio, "media")

    code, reason = LEARN[fault.name]
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    if reason is None:  # taken at its word: the announced length
        assert store_json(audio)["media"][url]["length"] == len(body) // 2
        return
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith(f"failed {url} ")]
    assert line.startswith(f"failed {url} ({reason}): "), result.output
    assert url not in store_json(audio)["media"]
    if code == 3:
        assert f"stopped early ({reason})" in result.stderr
        assert (audio / "data" / "youtube.json").read_bytes() == store_bytes
        assert feeds_after_build(audio) == feeds
    if code == 3:  # the run stopped before any download: nothing under a final media name
        assert [p for p in (audio / "media").glob("*") if p.is_file()] == []
