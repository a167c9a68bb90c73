"""castpub refresh and build --refresh, with recorded info dicts or real yt-dlp against loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

import castpub
from castpub import cli_youtube
from castpub.config import Show, load_show
from castpub.refresh import Pacer, Refresh, prepare
from castpub.store import Store, load_store, save_store
from castpub.youtube import YouTube
from conftest import run_castpub, write_episode
from youtube_fakes import (
    BOT,
    PRIVATE,
    WATCH,
    Recorder,
    extractor_error,
    loopback,
    playlist_of,
    stale_store,
)
from youtube_fakes import video_of as recorded_video

PID = "PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def use(monkeypatch: pytest.MonkeyPatch, make: Callable[[Show], Any]) -> None:
    monkeypatch.setattr(cli_youtube, "make_fetcher", make)


def filled(root: Path, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Refresh the show from the recorded info dicts, as a first run online would."""
    recorder = Recorder()
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 0, result.output
    return recorder


def durations(root: Path) -> dict[str, str]:
    parsed = feedparser.parse((root / "feeds" / "podcast.xml").read_bytes())
    return {e.title: e.get("itunes_duration") for e in parsed.entries}


ALL_DURATIONS = {
    "Big Buck Bunny": "597",
    "Copyright and choreography": "721",
    "The stream": "4438",
    "Big Buck Bunny in 4K": "635",
}


def test_first_refresh_fetches_playlists_then_videos_and_fills_the_store(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    recorder = Recorder()
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"playlist {PID}: updated",
        "video YE7VzlLtp-4: updated",
        "video M4gD1WSo5mA: updated",
        "video qVv6vCqciTM: updated",
        "video aqz-KE-bpKQ: updated",
        "refresh: 5 updated, 0 unchanged, 0 already fresh, 0 failed",
    ]
    assert recorder.asked[0] == f"https://www.youtube.com/playlist?list={PID}"
    store = load_store(root / "data" / "youtube.json")
    bunny = store.video("YE7VzlLtp-4")
    assert bunny is not None
    assert (bunny.duration, bunny.upload_date, bunny.availability) == (597, "20080529", "public")
    lecture = store.video("M4gD1WSo5mA")
    assert lecture is not None and len(lecture.chapters) == 4
    assert store.videos["qVv6vCqciTM"]["live_status"] == "was_live"
    assert [e.id for e in store.playlist(PID).entries] == ["aqz-KE-bpKQ"]
    assert "formats" not in store.videos["YE7VzlLtp-4"]
    schema = json.loads(
        (Path(castpub.__file__).parent / "schemas" / "store.schema.json").read_text()
    )
    jsonschema.validate(json.loads((root / "data" / "youtube.json").read_bytes()), schema)


def test_a_second_refresh_asks_nothing_and_all_refetches(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    before = (root / "data" / "youtube.json").read_bytes()
    recorder = Recorder()
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    again = run_castpub(root, "refresh")
    assert again.exit_code == 0
    assert again.stdout == "refresh: 0 updated, 0 unchanged, 5 already fresh, 0 failed\n"
    assert recorder.asked == []
    assert (root / "data" / "youtube.json").read_bytes() == before
    forced = run_castpub(root, "refresh", "--all")
    assert forced.stdout.splitlines()[-1] == (
        "refresh: 0 updated, 5 unchanged, 0 already fresh, 0 failed"
    )
    assert len(recorder.asked) == 5


def test_dry_run_lists_what_would_be_fetched(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    recorder = Recorder()
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"would fetch playlist {PID}",
        "would fetch video YE7VzlLtp-4",
        "would fetch video M4gD1WSo5mA",
        "would fetch video qVv6vCqciTM",
        "would fetch video aqz-KE-bpKQ",
        "refresh --dry-run: 5 to fetch, 0 already fresh",
    ]
    assert recorder.asked == []
    assert not (root / "data" / "youtube.json").exists()


def test_an_offline_first_refresh_writes_no_store(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    url = "http://youtube.invalid/x"
    use(
        monkeypatch,
        lambda show: YouTube(show.youtube, video_url=lambda v: url, playlist_url=lambda p: url),
    )
    assert run_castpub(root, "refresh").exit_code == 3
    assert not (root / "data").exists()


def test_offline_refresh_stops_at_once_keeps_the_store_and_the_build_keeps_durations(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    store_path = root / "data" / "youtube.json"
    before = store_path.read_bytes()
    asked: list[str] = []

    def offline(show: Show) -> YouTube:
        # Real yt-dlp; a .invalid host fails DNS at once, as YouTube does on an offline machine.
        def url(item_id: str) -> str:
            asked.append(item_id)
            return f"http://youtube.invalid/watch?v={item_id}"

        return YouTube(show.youtube, video_url=url, playlist_url=url)

    use(monkeypatch, offline)
    result = run_castpub(root, "refresh", "--all")
    assert result.exit_code == 3
    assert asked == [PID]  # the first failure stopped the run: no request per record
    assert result.stdout.splitlines()[-1] == (
        "refresh: 0 updated, 0 unchanged, 0 already fresh, 1 failed (1 offline), 4 not asked"
    )
    assert result.stderr.startswith("warning: offline: YouTube cannot be reached (")
    assert "Run castpub refresh again when online.\n" in result.stderr
    assert result.stderr.endswith(
        "some records are stale: builds use what the store already knew\n"
    )
    assert store_path.read_bytes() == before
    built = run_castpub(root, "build")
    assert built.exit_code == 0, built.output
    assert durations(root) == ALL_DURATIONS


def test_build_refresh_offline_still_builds_and_exits_stale(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    url = "http://youtube.invalid/x"
    use(
        monkeypatch,
        lambda show: YouTube(show.youtube, video_url=lambda v: url, playlist_url=lambda p: url),
    )
    fresh = run_castpub(root, "build", "--refresh")
    assert fresh.exit_code == 0, fresh.output  # the store was fresh: nothing asked
    stale_store(root)
    result = run_castpub(root, "build", "--refresh")
    assert result.exit_code == 3, result.output
    assert "built 2 feeds with 4 items" in result.stdout
    assert "warning: offline: YouTube cannot be reached" in result.stderr
    assert durations(root) == ALL_DURATIONS


def test_429_stops_after_the_first_429_and_keeps_only_prior_successes(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    before = stale_store(root)
    show = load_show(root)
    recorder = Recorder()
    with loopback(429) as server:
        # The playlist comes from the recorded answers; every video request meets the 429 server.
        videos = YouTube(show.youtube, video_url=lambda vid: server.url(f"watch?v={vid}"))
        fetcher = _Split(playlists=recorder.youtube(show.youtube), videos=videos)
        store = load_store(show.store_path)
        work, wanted = prepare(show, store, NOW, force=False)
        summary = Refresh(show, store, fetcher, NOW).run(work, wanted)
        assert server.requests == 1
    assert summary.stale and summary.stopped_by is not None
    assert summary.line() == (
        "refresh: 0 updated, 1 unchanged, 0 already fresh, 1 failed (1 rate-limited), 3 not asked"
    )
    expected = load_store_bytes(before)
    expected.playlists[PID]["fetched_at"] = "2026-11-26T12:00:00+00:00"
    assert show.store_path.read_bytes() == expected.to_json()


def load_store_bytes(data: bytes) -> Store:
    raw = json.loads(data)
    return Store(raw["videos"], raw["playlists"], raw.get("media", {}))


class _Split:
    def __init__(self, playlists: YouTube, videos: YouTube) -> None:
        self.playlists, self.videos = playlists, videos

    def video(self, video_id: str) -> dict[str, Any]:
        return self.videos.video(video_id)

    def playlist(self, playlist_id: str) -> dict[str, Any]:
        return self.playlists.playlist(playlist_id)


def test_429_through_the_cli_exits_stale_and_says_when_to_retry(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    before = stale_store(root)
    with loopback(429) as server:
        use(
            monkeypatch,
            lambda show: YouTube(show.youtube, video_url=server.url, playlist_url=server.url),
        )
        result = run_castpub(root, "refresh")
        assert server.requests == 1
    assert result.exit_code == 3
    assert result.stdout.splitlines()[-1] == (
        "refresh: 0 updated, 0 unchanged, 0 already fresh, 1 failed (1 rate-limited), 4 not asked"
    )
    assert result.stderr.startswith("warning: YouTube is rate-limiting this machine (")
    assert (
        "stopped asking for the rest of this run. Try again in an hour or more; setting "
        "youtube.cookies in podcast.yaml to a cookies.txt exported from a signed-in browser "
        "helps.\n"
    ) in result.stderr
    assert (root / "data" / "youtube.json").read_bytes() == before


def test_not_a_bot_stops_asking_and_keeps_what_came_before(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    recorder = Recorder()
    recorder.answers[WATCH + "M4gD1WSo5mA"] = extractor_error(BOT, "M4gD1WSo5mA")
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 3
    assert len(recorder.asked) == 3  # playlist, YE7VzlLtp-4, then the bot wall
    store = load_store(root / "data" / "youtube.json")
    assert sorted(store.videos) == ["YE7VzlLtp-4", "aqz-KE-bpKQ"]
    # The playlist entry gave aqz-KE-bpKQ its duration though its own request was never made.
    assert store.videos["aqz-KE-bpKQ"] == {
        "id": "aqz-KE-bpKQ",
        "title": "Big Buck Bunny 60fps 4K - Official Blender Foundation Short Film",
        "duration": 635,
    }


def test_a_private_video_keeps_its_last_known_info_and_check_warns(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    recorder = Recorder()
    recorder.answers[WATCH + "YE7VzlLtp-4"] = extractor_error(PRIVATE, "YE7VzlLtp-4")
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh", "--all")
    assert result.exit_code == 0  # a definite answer, not stale data
    assert f"video YE7VzlLtp-4: failed (unavailable: {PRIVATE})" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "refresh: 0 updated, 4 unchanged, 0 already fresh, 1 failed (1 unavailable)"
    )
    record = load_store(root / "data" / "youtube.json").videos["YE7VzlLtp-4"]
    assert (record["title"], record["duration"], record["availability"]) == (
        "Big Buck Bunny",
        597,
        "private",
    )
    check = run_castpub(root, "check")
    assert check.exit_code == 0
    assert (
        f"{root / 'episodes' / '2024-01-01-bunny.md'}:9: warning: video YE7VzlLtp-4 is private "
        "on YouTube; make it public or unlisted, or point the episode at another video"
    ) in check.stdout.splitlines()


def test_requests_are_playlists_plus_videos_needing_a_full_extraction(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """N = 12 episodes over P = 3 playlists; 9 videos already fresh in the store: 3 + 3 requests."""
    root = make_project("youtube")
    for path in (root / "episodes").iterdir():
        path.unlink()
    yaml = root / "podcast.yaml"
    yaml.write_text(yaml.read_text().replace(f"playlists:\n  {PID}:\n    slug: unlisted\n", ""))
    playlists = {
        f"PLcount{p}xxxxxxxxxxxxxxx": [f"vid{p}{n}xxxxxx"[:11] for n in range(4)] for p in range(3)
    }
    recorder = Recorder(answers={})
    store = Store()
    for pid, videos in playlists.items():
        recorder.answers[f"https://www.youtube.com/playlist?list={pid}"] = playlist_of(
            pid, [(v, 100 + n) for n, v in enumerate(videos)]
        )
        for n, vid in enumerate(videos):
            write_episode(
                root,
                f"2024-02-0{n + 1}-{vid}.md",
                f"title: {vid}\ndate: 2024-02-0{n + 1} 10:00:00 UTC",
                f"<iframe src='https://www.youtube.com/embed/{vid}?list={pid}'></iframe>\n",
            )
            recorder.answers[WATCH + vid] = recorded_video(vid, 100 + n)
            if n > 0:  # the first video of each playlist is new
                store.merge_video(recorded_video(vid, 100 + n), datetime.now(UTC).isoformat())
    save_store(root / "data" / "youtube.json", store)
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 0, result.output
    new_videos = sorted(WATCH + videos[0] for videos in playlists.values())
    assert sorted(recorder.asked[:3]) == sorted(
        f"https://www.youtube.com/playlist?list={pid}" for pid in playlists
    )
    assert sorted(recorder.asked[3:]) == new_videos
    assert len(recorder.asked) == 3 + 3


def test_concurrency_is_bounded(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    yaml = root / "podcast.yaml"
    yaml.write_text(yaml.read_text().replace("concurrency: 1", "concurrency: 2"))
    recorder = Recorder()
    both = threading.Barrier(2, timeout=10)
    # Each video request waits for a second one: only two requests in flight at once get through.
    recorder.pause = lambda url: both.wait() if url.startswith(WATCH) else None
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 0
    assert len(recorder.asked) == 5
    assert recorder.most_in_flight == 2


def test_an_empty_answer_never_empties_a_known_playlist(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("youtube")
    filled(root, monkeypatch)
    before = stale_store(root)
    recorder = Recorder()
    recorder.answers[f"https://www.youtube.com/playlist?list={PID}"] = playlist_of(PID, [])
    use(monkeypatch, lambda show: recorder.youtube(show.youtube))
    result = run_castpub(root, "refresh")
    assert result.exit_code == 3
    assert (
        f"playlist {PID}: failed (error: YouTube listed no videos; the store keeps the 1 it knew)"
        in result.stdout
    )
    after = json.loads((root / "data" / "youtube.json").read_bytes())
    assert after["playlists"][PID] == json.loads(before)["playlists"][PID]


class _Stop(threading.Event):
    """Records how long the pacer waits instead of waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def test_the_pacer_spaces_request_starts_by_the_sleep_setting() -> None:
    stop = _Stop()
    pacer = Pacer(2.5, stop, clock=lambda: 100.0)  # three requests at the same instant
    for _ in range(3):
        pacer.wait()
    assert stop.waits == [2.5, 5.0]
