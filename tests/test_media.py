"""castpub media: real yt-dlp and real requests against a loopback server serving a real WAV file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from castpub import download
from conftest import Run, run_castpub, write_episode
from mediaserver import MediaServer, Served, media_server, wav_bytes

NEWER, OLDER = "Xq1yZ3bNm0w", "ban0Z7Cojfg"  # the audio project's two videos
MEDIA_URL = "https://media.rdoproject.org/audio/"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaServer]:
    """A loopback server with one WAV per video; yt-dlp is pointed at it instead of YouTube."""
    with media_server() as state:
        for video_id, seconds in ((NEWER, 1.5), (OLDER, 1.0)):
            state.files[f"/{video_id}.wav"] = Served(wav_bytes(seconds))
        monkeypatch.setattr(download, "watch_url", lambda vid: state.url(f"/{vid}.wav"))
        yield state


@pytest.fixture
def show(make_project: Callable[..., Path]) -> Path:
    return make_project("audio")


def store(root: Path) -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads((root / "data/youtube.json").read_text())
    return data["media"]


def snapshot(root: Path) -> dict[str, bytes]:
    feeds = root / "feeds"
    return {
        str(p.relative_to(feeds)): p.read_bytes() for p in sorted(feeds.rglob("*")) if p.is_file()
    }


def media(root: Path, *args: str) -> Run:
    return run_castpub(root, "media", *args)


def test_media_downloads_records_and_the_build_writes_exact_enclosures(
    show: Path, server: MediaServer
) -> None:
    result = media(show)
    assert result.exit_code == 0, result.output
    assert "media: 2 downloaded, 0 learnt, 0 failed, 0 left" in result.stdout
    records = store(show)
    for video_id in (NEWER, OLDER):
        path = show / "media" / f"{video_id}.wav"
        assert path.read_bytes() == server.files[f"/{video_id}.wav"].body
        record = records[video_id]
        assert record["file"] == f"{video_id}.wav"
        assert record["length"] == path.stat().st_size
        assert record["type"] == "audio/wav"
    # The generic extractor knows no duration; the store's video record gives it.
    assert records[NEWER]["duration"] == 1801
    assert not list((show / "media" / ".partial").iterdir())

    assert run_castpub(show, "build").exit_code == 0
    xml = (show / "feeds/podcast.xml").read_bytes()
    sizes = {
        f"{MEDIA_URL}{v}.wav": (show / "media" / f"{v}.wav").stat().st_size for v in (NEWER, OLDER)
    }
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    found = {
        e.enclosures[0].href: (int(e.enclosures[0].length), e.enclosures[0].type)
        for e in parsed.entries
    }
    assert found == {url: (size, "audio/wav") for url, size in sizes.items()}
    gpodder = podcastparser.parse("podcast.xml", __import__("io").BytesIO(xml))
    found = {
        e["enclosures"][0]["url"]: (
            e["enclosures"][0]["file_size"],
            e["enclosures"][0]["mime_type"],
        )
        for e in gpodder["episodes"]
    }
    assert found == {url: (size, "audio/wav") for url, size in sizes.items()}


def test_a_download_killed_halfway_leaves_no_record_and_the_next_run_resumes_it(
    show: Path, server: MediaServer
) -> None:
    served = server.files[f"/{NEWER}.wav"]
    served.die_after = len(served.body) // 2
    first = media(show)
    assert first.exit_code == 3, first.output
    assert "stopped early (server error)" in first.stderr
    assert NEWER not in store(show)
    assert not (show / "media" / f"{NEWER}.wav").exists()
    [part] = (show / "media/.partial").iterdir()
    assert part.name == f"{NEWER}.wav.part" and 0 < part.stat().st_size < len(served.body)
    assert OLDER not in store(show), "an offline failure stops the run"

    del server.status[f"/{NEWER}.wav"]  # the server is back
    count, part_size = len(server.requests), part.stat().st_size
    second = media(show)
    assert second.exit_code == 0, second.output
    assert (show / "media" / f"{NEWER}.wav").read_bytes() == served.body
    assert store(show)[NEWER]["length"] == len(served.body)
    resumed = ("GET", f"/{NEWER}.wav", f"bytes={part_size}-")
    assert resumed in server.requests[count:], "the second run resumes the .part with a Range"


def test_deleting_the_media_directory_and_rebuilding_gives_identical_feeds(
    show: Path, server: MediaServer
) -> None:
    assert media(show).exit_code == 0
    assert run_castpub(show, "build").exit_code == 0
    before = snapshot(show)
    shutil.rmtree(show / "media")
    shutil.rmtree(show / "feeds")
    assert run_castpub(show, "build").exit_code == 0
    assert snapshot(show) == before
    assert b'<enclosure url="https://media.rdoproject.org/audio/' in before["podcast.xml"]


def test_limit_downloads_the_newest_first_and_leaves_the_rest(
    show: Path, server: MediaServer
) -> None:
    result = media(show, "--limit", "1")
    assert result.exit_code == 0
    assert "1 downloaded, 0 learnt, 0 failed, 1 left for a later run" in result.stdout
    assert set(store(show)) == {NEWER}
    again = media(show)
    assert "1 downloaded" in again.stdout and set(store(show)) == {NEWER, OLDER}
    assert "0 downloaded" in media(show).stdout, "recorded media is never downloaded again"


def test_keep_last_removes_old_files_but_never_their_enclosures(
    show: Path, server: MediaServer
) -> None:
    with (show / "podcast.yaml").open("a") as f:
        f.write("keep_last: 1\n")
    result = media(show)
    assert result.exit_code == 0 and "1 old file(s) removed" in result.stdout
    assert (show / "media" / f"{NEWER}.wav").is_file()
    assert not (show / "media" / f"{OLDER}.wav").exists()
    assert set(store(show)) == {NEWER, OLDER}
    assert media(show).stdout.startswith("media: 0 downloaded"), (
        "a pruned file is not fetched again"
    )
    assert run_castpub(show, "build").exit_code == 0
    assert (show / "feeds/podcast.xml").read_bytes().count(b"<enclosure ") == 2


def test_an_unavailable_video_is_skipped_and_the_run_goes_on(
    show: Path, server: MediaServer
) -> None:
    server.status[f"/{NEWER}.wav"] = 404
    result = media(show)
    assert result.exit_code == 0, result.output
    assert f"failed {NEWER} (unavailable)" in result.stderr
    assert set(store(show)) == {OLDER}


def test_rate_limiting_stops_the_run_with_exit_3(show: Path, server: MediaServer) -> None:
    server.status[f"/{NEWER}.wav"] = 429
    result = media(show)
    assert result.exit_code == 3
    assert "(rate-limited)" in result.stderr and "stopped early (rate-limited)" in result.stderr
    assert store(show) == {}
    assert not [r for r in server.requests if r[1] == f"/{OLDER}.wav"]


def test_offline_stops_the_run_with_exit_3(show: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with media_server() as gone:
        url = gone.url("/")
    monkeypatch.setattr(download, "watch_url", lambda vid: url + vid)  # nobody listens there now
    result = media(show)
    assert result.exit_code == 3, result.output
    assert "stopped early (offline)" in result.stderr
    assert store(show) == {}


def test_media_needs_media_url(make_project: Callable[..., Path]) -> None:
    root = make_project("seed")
    result = media(root)
    assert result.exit_code == 1
    assert "podcast.yaml has no 'media_url'" in result.stderr


@pytest.mark.parametrize(
    ("served", "expected_type"),
    [
        (Served(b"ID3" + bytes(5000), type="audio/mpeg"), "audio/mpeg"),
        (Served(b"ID3" + bytes(5000), type="audio/mpeg", send_length=False), "audio/mpeg"),
        (Served(b"ID3" + bytes(5000), type="application/octet-stream"), "audio/mpeg"),
    ],
    ids=["content-length", "no-content-length", "generic-type"],
)
def test_front_matter_media_is_learnt_once_with_head(
    show: Path, server: MediaServer, served: Served, expected_type: str
) -> None:
    server.files["/files/ep.mp3"] = served
    server.redirects["/ep.mp3"] = server.url("/files/ep.mp3")
    url = server.url("/ep.mp3")
    write_episode(show, "2017-06-01-hosted.md", f"title: Hosted\nmedia: {url}")
    result = media(show, "--limit", "1")
    assert result.exit_code == 0, result.output
    assert store(show)[url] == {
        "id": url,
        "url": url,
        "length": 5003,
        "type": expected_type,
        "fetched_at": store(show)[url]["fetched_at"],
    }
    assert ("HEAD", "/ep.mp3", None) in server.requests, "redirects are followed"
    count = len(server.requests)
    media(show)
    assert not [r for r in server.requests[count:] if r[1].endswith("ep.mp3")], "learnt once"
    assert run_castpub(show, "build").exit_code == 0
    item = feedparser.parse((show / "feeds/podcast.xml").read_bytes()).entries[0]
    assert (item.enclosures[0].href, item.enclosures[0].length) == (url, "5003")


def test_front_matter_media_that_is_missing_is_not_recorded(
    show: Path, server: MediaServer
) -> None:
    url = server.url("/missing.mp3")
    write_episode(show, "2017-06-01-hosted.md", f"title: Hosted\nmedia: {url}")
    result = media(show)
    assert result.exit_code == 0
    assert f"failed {url} (unavailable)" in result.stderr and "404" in result.stderr
    assert url not in store(show)
    check = run_castpub(show, "check")
    assert f"the length of {url} is not known" in check.stdout


def test_require_media_leaves_out_items_without_enclosure(show: Path, server: MediaServer) -> None:
    server.status[f"/{OLDER}.wav"] = 404
    assert media(show).exit_code == 0
    assert run_castpub(show, "build").exit_code == 0
    assert len(feedparser.parse((show / "feeds/podcast.xml").read_bytes()).entries) == 2
    check = run_castpub(show, "check")
    assert "podcast apps will skip it" in check.stdout
    with (show / "podcast.yaml").open("a") as f:
        f.write("require_media: true\n")
    assert run_castpub(show, "build", "--allow-shrink").exit_code == 0
    entries = feedparser.parse((show / "feeds/podcast.xml").read_bytes()).entries
    assert [e.title for e in entries] == ["Emilien Macchi: Puppet OpenStack"]
    assert "require_media leaves it out" in run_castpub(show, "check").stdout


def test_items_are_psp1_complete(show: Path, server: MediaServer) -> None:
    assert media(show).exit_code == 0
    assert run_castpub(show, "build").exit_code == 0
    channel = etree.parse(str(show / "feeds/podcast.xml")).getroot().find("channel")
    assert channel is not None
    items = {i.findtext("title"): i for i in channel.iterfind("item")}
    newer, older = items["Emilien Macchi: Puppet OpenStack"], items["Steve Hardy: TripleO in Ocata"]
    for item in (newer, older):
        assert item.find("enclosure") is not None
        assert item.findtext(f"{ITUNES}explicit") == "false"
        assert item.findtext(f"{ITUNES}episodeType") == "full"
    assert newer.findtext(f"{ITUNES}duration") == "1801"
    # A webp thumbnail is not accepted as itunes:image: the show's square artwork is used.
    show_art = channel.find(f"{ITUNES}image").get("href")
    assert newer.find(f"{ITUNES}image").get("href") == show_art
    assert older.find(f"{ITUNES}image").get("href").endswith(f"/{OLDER}/maxresdefault.jpg")
    podcast = "{https://podcastindex.org/namespace/1.0}"
    assert (newer.findtext(f"{podcast}season"), newer.findtext(f"{podcast}episode")) == ("1", "2")
    assert run_castpub(show, "check", "--feeds").exit_code == 0


def test_a_published_enclosure_url_never_changes(show: Path, server: MediaServer) -> None:
    assert media(show).exit_code == 0
    assert run_castpub(show, "build").exit_code == 0
    data = json.loads((show / "data/youtube.json").read_text())
    data["media"][NEWER]["file"] = f"{NEWER}.m4a"
    (show / "data/youtube.json").write_text(json.dumps(data))
    result = run_castpub(show, "build")
    assert result.exit_code == 1
    assert f"this episode was published with enclosure {MEDIA_URL}{NEWER}.wav" in result.stderr
