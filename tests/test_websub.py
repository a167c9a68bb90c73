"""WebSub: feeds name the hub; a build that changed feeds tells a (loopback) hub about each one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from castpub.websub import Notifier
from conftest import run_castpub
from publishing import add_episodes, atom_links, configure

BASE = "https://www.rdoproject.org/feeds/"


@dataclass
class Hub:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, then 204
    posts: list[dict[str, list[str]]] = field(default_factory=list)

    @property
    def announced(self) -> list[str]:
        return [p["hub.url"][0] for p in self.posts]


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.posts.append(parse_qs(self.rfile.read(length).decode()))
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}/hub"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def test_feeds_carry_the_hub_and_a_changing_build_notifies_each_changed_feed(
    make_project, hub: Hub
) -> None:
    root: Path = make_project()
    configure(root, f"websub_hub: {hub.url}")
    assert run_castpub(root, "build").exit_code == 0
    assert atom_links(root / "feeds/podcast.xml")["hub"] == hub.url
    assert atom_links(root / "feeds/atom.xml", in_rss=False)["hub"] == hub.url
    assert sorted(hub.announced) == sorted(
        BASE + f
        for f in (
            "podcast.xml",
            "atom.xml",
            "playlists/ptg-atlanta-2017/podcast.xml",
            "playlists/ptg-atlanta-2017/atom.xml",
        )
    )
    assert all(p["hub.mode"] == ["publish"] for p in hub.posts)

    hub.posts.clear()
    assert run_castpub(root, "build").exit_code == 0
    assert hub.posts == []  # nothing changed, nothing to announce

    add_episodes(root, 1)  # not in the playlist: only the main feeds change
    assert run_castpub(root, "build").exit_code == 0
    assert sorted(hub.announced) == [BASE + "atom.xml", BASE + "podcast.xml"]


def test_archive_pages_carry_no_hub_and_are_not_announced(make_project, hub: Hub) -> None:
    root: Path = make_project()
    add_episodes(root, 4)
    configure(root, f"websub_hub: {hub.url}\nlimit: 2")
    assert run_castpub(root, "build").exit_code == 0
    assert "hub" not in atom_links(root / "feeds/archive/1/podcast.xml")
    assert not [u for u in hub.announced if "/archive/" in u]


def test_server_errors_are_retried_then_succeed(hub: Hub) -> None:
    hub.statuses = [500, 503]
    waits: list[float] = []
    failures = Notifier(hub.url, backoff=0.5, sleep=waits.append).notify([BASE + "podcast.xml"])
    assert failures == []
    assert len(hub.posts) == 3
    assert waits == [0.5, 1.0]


def test_a_refusal_is_not_retried_and_a_dead_hub_is_tried_once_per_further_feed(hub: Hub) -> None:
    hub.statuses = [400]
    failures = Notifier(hub.url, sleep=lambda s: None).notify([BASE + "podcast.xml"])
    assert len(hub.posts) == 1
    assert failures == [f"WebSub hub {hub.url} was not told about {BASE}podcast.xml: HTTP 400"]
    hub.posts.clear()
    hub.statuses = [500] * 4
    failures = Notifier(hub.url, sleep=lambda s: None).notify([BASE + "a.xml", BASE + "b.xml"])
    assert len(hub.posts) == 4  # 3 tries for the first, then 1 for the second
    assert len(failures) == 2


def test_a_failing_hub_never_fails_the_build(
    make_project, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("castpub.websub.BACKOFF_SECONDS", 0.0)
    root: Path = make_project()
    configure(root, f"websub_hub: {hub.url}")
    hub.statuses = [500] * 20
    result = run_castpub(root, "build")
    assert result.exit_code == 0, result.output
    assert "warning: WebSub hub" in result.stderr
    assert (root / "feeds/podcast.xml").is_file()
