"""castpub serve: feeds/ over loopback HTTP with the right Content-Types, rebuilt on changes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest

from castpub.serve import Watcher, content_type, make_server
from conftest import run_castpub, write_episode
from publishing import rss_titles


@pytest.fixture
def served(make_project) -> Iterator[tuple[Path, str]]:
    root: Path = make_project()
    assert run_castpub(root, "build").exit_code == 0
    server = make_server(root / "feeds", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/podcast.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/playlists/ptg-atlanta-2017/podcast.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type(served, path: str, expected: str) -> None:
    root, base = served
    with urlopen(base + path) as response:
        assert response.headers["Content-Type"] == expected
        body = response.read()
    local = root / "feeds" / (path.lstrip("/") or "index.html")
    assert body == local.read_bytes()


def test_archive_pages_and_chapters_types() -> None:
    assert content_type("archive/3/atom.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("chapters/x.json") == "application/json"


def test_watcher_rebuilds_when_an_episode_file_changes(make_project) -> None:
    root: Path = make_project()
    builds: list[int] = []

    def rebuild() -> None:
        builds.append(run_castpub(root, "build").exit_code)

    watcher = Watcher(root, rebuild)
    assert watcher.check_once() is False
    episode = write_episode(root, "2021-02-03-new.md", "title: New one\ndate: 2021-02-03 10:00 UTC")
    assert watcher.check_once() is True
    assert builds == [0]
    assert rss_titles(root / "feeds/podcast.xml")[0] == "New one"
    os.utime(episode, ns=(0, 0))  # an edit that keeps the size
    assert watcher.check_once() is True
    assert watcher.check_once() is False
    assert builds == [0, 0]
