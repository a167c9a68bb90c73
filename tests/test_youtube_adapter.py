"""The yt-dlp adapter: which URLs and options it gives yt-dlp, and how it reads yt-dlp's failures.

Network failures use real yt-dlp (its generic extractor) against 127.0.0.1 or a .invalid host:
the YouTube extractor cannot be pointed at localhost, and classification only looks at the
exception yt-dlp preserved, which is the same for both extractors.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from castpub.config import YouTubeSettings
from castpub.fetch import FetchFailed, Reason
from castpub.youtube import YouTube, classify, ydl_options
from youtube_fakes import BOT, PRIVATE, REMOVED, Recorder, extractor_error, loopback

FAST = YouTubeSettings(sleep=0, socket_timeout=0.5)


def test_options_come_from_the_youtube_settings_only() -> None:
    settings = YouTubeSettings(
        cookies=Path("/show/cookies.txt"), proxy="socks5://127.0.0.1:1080", sleep=2.5
    )
    options = ydl_options(settings, flat=True)
    assert set(options) == {
        "quiet",
        "no_warnings",
        "noprogress",
        "logger",
        "skip_download",
        "cachedir",
        "socket_timeout",
        "sleep_interval_requests",
        "extractor_retries",
        "ignore_no_formats_error",
        "extract_flat",
        "cookiefile",
        "proxy",
    }
    assert options["cookiefile"] == "/show/cookies.txt"
    assert options["proxy"] == "socks5://127.0.0.1:1080"
    assert options["sleep_interval_requests"] == 2.5
    assert options["extract_flat"] == "in_playlist"
    video_options = ydl_options(YouTubeSettings(), flat=False)
    assert "extract_flat" not in video_options and video_options["noplaylist"] is True
    assert "cookiefile" not in ydl_options(YouTubeSettings(), flat=False)


def test_videos_and_playlists_are_asked_by_watch_and_playlist_urls() -> None:
    recorder = Recorder()
    youtube = recorder.youtube(FAST)
    video = youtube.video("YE7VzlLtp-4")
    playlist = youtube.playlist("PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_")
    assert recorder.asked == [
        "https://www.youtube.com/watch?v=YE7VzlLtp-4",
        "https://www.youtube.com/playlist?list=PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_",
    ]
    assert [o.get("extract_flat") for o in recorder.options] == [None, "in_playlist"]
    assert (video["title"], video["duration"], video["upload_date"]) == (
        "Big Buck Bunny",
        597,
        "20080529",
    )
    assert [(e["id"], e["duration"]) for e in playlist["entries"]] == [("aqz-KE-bpKQ", 635)]


@pytest.mark.parametrize(
    ("message", "reason", "availability"),
    [
        (PRIVATE, Reason.UNAVAILABLE, "private"),
        (REMOVED, Reason.UNAVAILABLE, "unavailable"),
        (BOT, Reason.RATE_LIMITED, None),
        (
            "This content isn't available, try again later. Your account has been "
            "rate-limited by YouTube for up to an hour",
            Reason.RATE_LIMITED,
            None,
        ),
        (
            "Join this channel to get access to members-only content like this video",
            Reason.UNAVAILABLE,
            "subscriber_only",
        ),
        (
            "Sign in to confirm your age. This video may be inappropriate for some users.",
            Reason.UNAVAILABLE,
            "needs_auth",
        ),
        ("Unable to extract yt initial data", Reason.ERROR, None),
    ],
)
def test_extractor_errors_are_classified(
    message: str, reason: Reason, availability: str | None
) -> None:
    failure = classify(extractor_error(message))
    assert (failure.reason, failure.availability, failure.message) == (
        reason,
        availability,
        message,
    )


def _loopback_youtube(url: str, settings: YouTubeSettings = FAST) -> YouTube:
    return YouTube(settings, video_url=lambda video_id: url, playlist_url=lambda pid: url)


def test_http_429_is_rate_limited_after_one_request(capsys: pytest.CaptureFixture[str]) -> None:
    with loopback(429) as server:
        with pytest.raises(FetchFailed) as caught:
            _loopback_youtube(server.url("watch")).video("YE7VzlLtp-4")
        assert server.requests == 1  # yt-dlp does not retry a 429 either
    assert caught.value.reason is Reason.RATE_LIMITED
    assert "HTTP Error 429" in caught.value.message
    assert capsys.readouterr() == ("", "")  # yt-dlp printed nothing itself


def test_connection_refused_is_offline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed) as caught:
        _loopback_youtube(f"http://127.0.0.1:{port}/watch").playlist("PLx")
    assert caught.value.reason is Reason.OFFLINE
    assert "Connection refused" in caught.value.message


def test_unknown_host_is_offline() -> None:
    with pytest.raises(FetchFailed) as caught:
        _loopback_youtube("http://youtube.invalid/watch").video("YE7VzlLtp-4")
    assert caught.value.reason is Reason.OFFLINE
    assert "youtube.invalid" in caught.value.message


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(FetchFailed) as caught:
            _loopback_youtube(f"http://127.0.0.1:{port}/watch").video("YE7VzlLtp-4")
    assert caught.value.reason is Reason.TIMEOUT
    assert "timed out" in caught.value.message
