"""castpub new: draft episode files that check accepts and that build into items once published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from castpub import cli_youtube
from castpub.config import Show
from castpub.newepisode import NewEpisode
from castpub.store import Store, load_store, save_store
from castpub.youtube import YouTube
from conftest import run_castpub
from youtube_fakes import WATCH, Recorder, playlist_of, recorded, video_of

PID = "PLt5yu3-wZAlQLfIN0MMgp0wVV6MP3bM4_"
PLACEHOLDER = (
    "<!-- Transcript: paste the conversation here, one paragraph per turn, each opening with the "
    "speaker's name, e.g. 'Rich: Welcome to the show.' -->"
)


@pytest.fixture
def show(make_project: Callable[..., Path]) -> Path:
    """The youtube test show without episodes, its store holding the recorded videos."""
    root = make_project("youtube")
    for path in (root / "episodes").iterdir():
        path.unlink()
    store = Store()
    for vid in ("YE7VzlLtp-4", "aqz-KE-bpKQ"):  # fresh whatever the day the tests run
        store.merge_video(recorded(vid), datetime.now(UTC).isoformat())
    store.merge_playlist(recorded(PID), "2026-11-26T12:00:00+00:00")  # long stale
    save_store(root / "data" / "youtube.json", store)
    return root


def use(monkeypatch: pytest.MonkeyPatch, recorder: Recorder) -> None:
    monkeypatch.setattr(cli_youtube, "make_fetcher", lambda show: recorder.youtube(show.youtube))


def publish(path: Path) -> None:
    path.write_text(path.read_text().replace("published: false", "published: true"))


def items(root: Path) -> list[tuple[str, str]]:
    parsed = feedparser.parse((root / "feeds" / "podcast.xml").read_bytes())
    assert not parsed.bozo
    return [(e.title, e.get("itunes_duration")) for e in parsed.entries]


def test_new_from_the_store_passes_check_and_builds_once_published(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(answers={})
    use(monkeypatch, recorder)
    result = run_castpub(show, "new", "https://youtu.be/YE7VzlLtp-4?t=3")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "wrote episodes/2008-05-29-big-buck-bunny.md (a draft: set 'published: true' to publish it)\n"
    )
    assert recorder.asked == []
    path = show / "episodes" / "2008-05-29-big-buck-bunny.md"
    assert path.read_text() == (
        "---\n"
        "title: Big Buck Bunny\n"
        "author: Test Host\n"
        "date: 2008-05-29 11:24:26 UTC\n"
        "tags: []\n"
        "published: false\n"
        "---\n\n"
        "In this episode: Big Buck Bunny\n\n"
        '<iframe width="560" height="315" src="https://www.youtube.com/embed/YE7VzlLtp-4" '
        'frameborder="0" allowfullscreen></iframe>\n\n'
        f"{PLACEHOLDER}\n"
    )
    check = run_castpub(show, "check")
    assert check.exit_code == 0, check.output
    assert check.stdout.splitlines() == [
        f"{path}: warning: draft (published: false): in no feed; set 'published: true' to "
        "publish it",
        "warning: video aqz-KE-bpKQ (Big Buck Bunny 60fps 4K - Official Blender Foundation Short "
        f"Film) of playlist {PID} has no episode file; castpub new --playlist {PID} writes a "
        "draft for each",
        "1 episode(s) checked: 0 errors, 2 warning(s)",
    ]
    publish(path)
    built = run_castpub(show, "build")
    assert built.exit_code == 0, built.output
    assert items(show) == [("Big Buck Bunny", "597")]
    notes = (show / "feeds" / "podcast.xml").read_text()
    assert "Transcript: paste" not in notes  # the placeholder is a comment: never published


def test_new_asks_youtube_for_a_video_the_store_does_not_know(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    use(monkeypatch, recorder)
    result = run_castpub(show, "new", "M4gD1WSo5mA", "--tags", "law, lecture")
    assert result.exit_code == 0, result.output
    assert recorder.asked == [WATCH + "M4gD1WSo5mA"]
    path = show / "episodes" / "2015-01-28-william-fisher-copyrightx-lecture-3-2-the-subject.md"
    text = path.read_text()
    assert text.startswith(
        "---\n"
        "title: 'William Fisher, CopyrightX: Lecture 3.2, The Subject Matter of Copyright: Drama "
        "and choreography'\n"
        "author: Test Host\n"
        "date: 2015-01-28 05:14:36 UTC\n"
        "tags: [law, lecture]\n"
        "published: false\n"
    )
    assert load_store(show / "data" / "youtube.json").videos["M4gD1WSo5mA"]["duration"] == 721
    publish(path)
    assert run_castpub(show, "build").exit_code == 0
    assert items(show) == [
        (
            "William Fisher, CopyrightX: Lecture 3.2, The Subject Matter of Copyright: Drama and "
            "choreography",
            "721",
        )
    ]


def test_new_offline_needs_title_and_date_and_then_asks_nothing(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def offline(config: Show) -> YouTube:
        def url(item_id: str) -> str:
            asked.append(item_id)
            return "http://youtube.invalid/watch"

        return YouTube(config.youtube, video_url=url, playlist_url=url)

    monkeypatch.setattr(cli_youtube, "make_fetcher", offline)
    failed = run_castpub(show, "new", "qVv6vCqciTM")
    assert failed.exit_code == 1
    assert failed.stderr.startswith(
        "error: video qVv6vCqciTM: the store does not know it and YouTube did not answer (offline: "
    )
    assert failed.stderr.endswith(
        "; pass --title and --date to write the episode offline\n"
        "1 problem found; nothing was written\n"
    )
    assert sorted(p.name for p in (show / "episodes").iterdir()) == []
    asked.clear()
    result = run_castpub(
        show, "new", "qVv6vCqciTM", "--title", "The stream: part one", "--date", "2024-03-01"
    )
    assert result.exit_code == 0, result.output
    assert asked == []
    path = show / "episodes" / "2024-03-01-the-stream-part-one.md"
    assert "title: 'The stream: part one'\n" in path.read_text()
    assert "date: 2024-03-01\n" in path.read_text()
    assert run_castpub(show, "check").exit_code == 0


def test_the_embed_names_the_followed_playlist_holding_the_video(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, Recorder(answers={}))
    result = run_castpub(show, "new", "aqz-KE-bpKQ")
    assert result.exit_code == 0, result.output
    (path,) = (show / "episodes").iterdir()
    assert f'src="https://www.youtube.com/embed/aqz-KE-bpKQ?list={PID}"' in path.read_text()
    publish(path)
    assert run_castpub(show, "build").exit_code == 0
    assert (show / "feeds" / "playlists" / "unlisted" / "podcast.xml").exists()


def test_new_never_overwrites(show: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, Recorder(answers={}))
    assert run_castpub(show, "new", "YE7VzlLtp-4").exit_code == 0
    path = show / "episodes" / "2008-05-29-big-buck-bunny.md"
    path.write_text(path.read_text() + "\nMy edits.\n")
    edited = path.read_text()
    again = run_castpub(show, "new", "YE7VzlLtp-4")
    assert again.exit_code == 1
    assert again.stderr == (
        f"error: {path}: already is the episode of video YE7VzlLtp-4; castpub new writes one "
        "file per video; edit that file\n1 problem found; nothing was written\n"
    )
    same_name = run_castpub(
        show, "new", "aqz-KE-bpKQ", "--title", "Big Buck Bunny", "--date", "2008-05-29"
    )
    assert same_name.exit_code == 1
    assert same_name.stderr == (
        f"error: {path}: already exists; castpub new never overwrites a file; rename or remove "
        "it, or pass another --title\n1 problem found; nothing was written\n"
    )
    assert path.read_text() == edited


def test_new_playlist_writes_the_videos_without_an_episode_and_check_lists_them(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [("aqz-KE-bpKQ", 635), ("newvideo001", 300), ("newvideo002", 400)]
    store = load_store(show / "data" / "youtube.json")
    # Fetched just now: `new --playlist` takes a playlist from the store while it is fresh.
    store.merge_playlist(playlist_of(PID, entries), datetime.now(UTC).isoformat())
    save_store(show / "data" / "youtube.json", store)
    recorder = Recorder(answers={})
    use(monkeypatch, recorder)
    assert run_castpub(show, "new", "aqz-KE-bpKQ").exit_code == 0
    before = run_castpub(show, "check")
    assert [line for line in before.stdout.splitlines() if "has no episode file" in line] == [
        f"warning: video {vid} (Video {vid}) of playlist {PID} has no episode file; "
        f"castpub new --playlist {PID} writes a draft for each"
        for vid in ("newvideo001", "newvideo002")
    ]
    recorder.answers = {WATCH + v: video_of(v, d, "20240105") for v, d in entries[1:]}
    result = run_castpub(show, "new", "--playlist", f"https://www.youtube.com/playlist?list={PID}")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote episodes/2024-01-05-video-newvideo001.md",
        "wrote episodes/2024-01-05-video-newvideo002.md",
        f"playlist {PID}: 3 video(s), 1 with an episode file, 2 draft(s) written",
    ]
    assert recorder.asked == [WATCH + "newvideo001", WATCH + "newvideo002"]
    after = run_castpub(show, "check")
    assert "has no episode file" not in after.stdout


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Café: ünïcode – talk!", "2024-01-01-cafe-unicode-talk.md"),
        ("日本語のインタビュー", "2024-01-01-video-YE7VzlLtp-4.md"),
        (
            "One two three four five six seven eight nine",
            "2024-01-01-one-two-three-four-five-six-seven-eight.md",
        ),
    ],
)
def test_file_names_are_readable_ascii_slugs(title: str, name: str) -> None:
    assert NewEpisode("YE7VzlLtp-4", None, title, "2024-01-01").file_name == name
