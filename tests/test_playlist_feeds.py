"""Playlist membership from the store: an episode is in a playlist's feed when its embed says so
or the playlist's entries (from refresh) hold its video; its number there is its position."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import feedparser

from castpub.store import Store, save_store
from conftest import run_castpub
from youtube_fakes import playlist_of, recorded

PID = "PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_"


def show_with_playlist(make_project: Callable[..., Path]) -> Path:
    root = make_project("youtube")
    store = Store()
    for vid in ("YE7VzlLtp-4", "M4gD1WSo5mA", "qVv6vCqciTM", "aqz-KE-bpKQ"):
        store.merge_video(recorded(vid), "2026-11-26T12:00:00+00:00")
    # The lecture's embed names no list=: only the playlist's entries put it there, first.
    store.merge_playlist(
        playlist_of(PID, [("M4gD1WSo5mA", 721), ("aqz-KE-bpKQ", 635)]),
        "2026-11-26T12:00:00+00:00",
    )
    save_store(root / "data" / "youtube.json", store)
    return root


def numbers(root: Path) -> dict[str, str | None]:
    feed = root / "feeds" / "playlists" / "unlisted" / "podcast.xml"
    parsed = feedparser.parse(feed.read_bytes())
    return {e.title: e.get("itunes_episode") for e in parsed.entries}


def test_playlist_feed_holds_members_numbered_by_position(
    make_project: Callable[..., Path],
) -> None:
    root = show_with_playlist(make_project)
    assert run_castpub(root, "build").exit_code == 0
    assert numbers(root) == {"Big Buck Bunny in 4K": "2", "Copyright and choreography": "1"}


def test_playlist_numbers_can_be_turned_off(make_project: Callable[..., Path]) -> None:
    root = show_with_playlist(make_project)
    yaml = root / "podcast.yaml"
    yaml.write_text(yaml.read_text() + "playlist_episode_numbers: false\n")
    assert run_castpub(root, "build").exit_code == 0
    assert numbers(root) == {"Big Buck Bunny in 4K": None, "Copyright and choreography": None}
