"""The one test that talks to YouTube: run it with CASTPUB_LIVE=1 (see README, Live test)."""

from __future__ import annotations

import os

import pytest

from castpub.config import YouTubeSettings
from castpub.youtube import YouTube

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("CASTPUB_LIVE") != "1", reason="talks to YouTube; set CASTPUB_LIVE=1"
    ),
]


def test_youtube_still_answers_the_way_the_recorded_fixtures_say() -> None:
    youtube = YouTube(YouTubeSettings(sleep=1, socket_timeout=20))
    video = youtube.video("YE7VzlLtp-4")
    assert (video["id"], video["title"], video["duration"], video["upload_date"]) == (
        "YE7VzlLtp-4",
        "Big Buck Bunny",
        597,
        "20080529",
    )
    playlist = youtube.playlist("PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_")
    entries = [(e["id"], round(e["duration"])) for e in playlist["entries"]]
    assert ("aqz-KE-bpKQ", 635) in entries
    assert all(
        "upload_date" not in e for e in playlist["entries"]
    )  # flat: dates need a video request
