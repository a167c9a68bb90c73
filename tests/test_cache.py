"""The render cache and the reused feed fragments never change what a build writes: after every
kind of change, a build that reuses .castpub-cache/ and the old feeds/ equals, byte for byte, a
fresh build with no cache at all."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import pytest

import castpub.cache
import castpub.guard
from castpub.build import PARALLEL_MIN, Project, load_project, prepare, render_all
from castpub.cache import (
    MAX_PACKS,
    Entry,
    RenderCache,
    _dump_index,
    _encode,
    append_entry,
    code_salt,
    feed_salt,
)
from castpub.errors import InvalidInput
from castpub.feeds import item_key, render_feed, serialize_feed
from castpub.guard import PublishedIndex, published_items
from castpub.notes import Notes
from castpub.parsecache import ParseCache
from castpub.unchanged import LastBuild, build_salt, read_file, read_inputs
from conftest import run_castpub, write_episode

NOW = "2026-11-26T00:00:00+00:00"
PLAYLIST = "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S"
OTHER_PLAYLIST = "PLcacheTESTxxxxxxxxxxxxxxxxxxxxxxxx"


def video_id(n: int) -> str:
    return f"cacheVid{n:03d}"


def body(n: int, words: str = "containers") -> str:
    embed = f"https://www.youtube.com/embed/{video_id(n)}" + (
        f"?list={PLAYLIST}" if n % 2 else f"?list={OTHER_PLAYLIST}"
    )
    return (
        f"Guest {n} talks about *{words}* and [the docs](https://docs.example.org/{n}).\n\n"
        f'<iframe src="{embed}"></iframe>\n\n'
        f"Rich: What did you work on in cycle {n}?\n\n"
        f"Amy: Mostly **{words}**, & some <b>upgrades</b> ]]> too.\n"
    )


def store(titles: str = "Interview") -> dict[str, object]:
    videos = {}
    for n in range(6):
        record: dict[str, object] = {
            "id": video_id(n),
            "title": f"{titles} {n}",
            "duration": 600 + n,
            "thumbnail": f"https://i.ytimg.com/vi/{video_id(n)}/maxresdefault.jpg",
        }
        if n % 3 == 0:
            record["chapters"] = [
                {"start_time": 0, "end_time": 300, "title": "Start"},
                {"start_time": 300, "end_time": 600 + n, "title": f"{titles} part"},
            ]
        videos[video_id(n)] = record
    playlists = {
        pid: {"id": pid, "title": f"List {pid[-3:]}", "entries": [{"id": video_id(n)} for n in ns]}
        for pid, ns in ((PLAYLIST, (1, 3, 5)), (OTHER_PLAYLIST, (0, 2, 4)))
    }
    return {"version": 1, "videos": videos, "playlists": playlists, "media": {}}


def write_store(root: Path, titles: str = "Interview") -> None:
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "youtube.json").write_text(json.dumps(store(titles)), encoding="utf-8")


def add_episode(root: Path, n: int, words: str = "containers") -> None:
    write_episode(
        root,
        f"2020-01-{n + 1:02d}-guest-{n}.md",
        f"title: 'Guest {n}: cycle {n}'\nauthor: rbowen\ndate: 2020-01-{n + 1:02d} 10:00:00 UTC",
        body(n, words),
    )


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def show(make_project: Callable[..., Path]) -> Path:
    root = make_project()
    for n in range(5):
        add_episode(root, n)
    write_store(root)
    return root


def assert_same_as_fresh(root: Path, tmp_path: Path) -> None:
    """Build root with its cache, and a copy of it from nothing without one; compare feeds/."""
    cached = run_castpub(root, "build", "--now", NOW)
    assert cached.exit_code == 0, cached.output
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("feeds", ".castpub-cache"))
    uncached = run_castpub(fresh, "build", "--no-cache", "--now", NOW)
    assert uncached.exit_code == 0, uncached.output
    assert tree(root / "feeds") == tree(fresh / "feeds")


def test_cached_build_equals_uncached_after_each_change(show: Path, tmp_path: Path) -> None:
    assert_same_as_fresh(show, tmp_path)
    assert (show / ".castpub-cache" / "feeds.marshal").is_file()
    assert_same_as_fresh(show, tmp_path)  # nothing changed: everything from the cache
    add_episode(show, 2, words="storage")  # edit one episode
    assert_same_as_fresh(show, tmp_path)
    add_episode(show, 5)  # add one
    assert_same_as_fresh(show, tmp_path)
    write_store(show, titles="Talk")  # the store: embed labels and chapters change
    assert_same_as_fresh(show, tmp_path)
    yaml = show / "podcast.yaml"
    yaml.write_text(
        yaml.read_text().replace("RDO Community", "The RDO Team").replace("Technology", "News"),
        encoding="utf-8",
    )
    assert_same_as_fresh(show, tmp_path)
    yaml.write_text(yaml.read_text().replace("language: en", "language: fr"), encoding="utf-8")
    assert_same_as_fresh(show, tmp_path)
    (show / "episodes" / "2020-01-01-guest-0.md").unlink()  # remove one
    assert_same_as_fresh(show, tmp_path)


def test_no_change_rebuild_rewrites_nothing(show: Path) -> None:
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    again = run_castpub(show, "build", "--now", NOW)
    assert again.exit_code == 0
    assert " 0 file(s) written" in again.stdout


def notes_files(root: Path) -> tuple[Path, Path]:
    """The render cache's index and its one pack."""
    notes = root / ".castpub-cache" / "notes"
    (pack,) = notes.glob("*.pack")
    return notes / "index", pack


def test_corrupt_or_missing_cache_is_only_a_miss(show: Path, tmp_path: Path) -> None:
    assert_same_as_fresh(show, tmp_path)
    _, pack = notes_files(show)
    data = bytearray(pack.read_bytes())
    for at in range(100, len(data), 1000):  # damage every entry
        data[at] ^= 0x20
    pack.write_bytes(bytes(data))
    (show / ".castpub-cache" / "feeds.marshal").write_bytes(b"\x00garbage")
    add_episode(show, 1, words="networking")
    assert_same_as_fresh(show, tmp_path)
    _, pack = notes_files(show)
    pack.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])  # truncated
    add_episode(show, 1, words="storage")
    assert_same_as_fresh(show, tmp_path)
    index, _ = notes_files(show)
    index.write_bytes(b"{not an index")
    add_episode(show, 1, words="upgrades")
    assert_same_as_fresh(show, tmp_path)
    shutil.rmtree(show / ".castpub-cache")
    assert_same_as_fresh(show, tmp_path)


def test_feed_changed_by_hand_is_not_reused(show: Path, tmp_path: Path) -> None:
    assert_same_as_fresh(show, tmp_path)
    feed = show / "feeds" / "podcast.xml"
    data = feed.read_bytes()
    feed.write_bytes(data.replace(b"Guest 3 talks", b"Guest X talks"))
    stat = feed.stat()
    os.utime(feed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    add_episode(show, 4, words="edge")
    assert_same_as_fresh(show, tmp_path)


def test_per_episode_files_changed_by_hand_are_made_again(show: Path, tmp_path: Path) -> None:
    """Unchanged transcripts and chapters are kept, not made again; one edited, truncated or
    removed by anything else is."""
    assert_same_as_fresh(show, tmp_path)
    transcripts = sorted((show / "feeds" / "transcripts").iterdir())
    chapters = sorted((show / "feeds" / "chapters").iterdir())
    assert transcripts and chapters
    kept = transcripts[1].stat().st_mtime_ns
    edited = transcripts[0]
    data = edited.read_bytes()
    edited.write_bytes(data.replace(b"<h1>", b"<h1>X", 1)[: len(data)])  # same size
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 1_000_000_000))
    transcripts[2].write_bytes(b"")
    chapters[0].unlink()
    assert_same_as_fresh(show, tmp_path)
    assert transcripts[1].stat().st_mtime_ns == kept


def test_fragments_equal_whole_feed(show: Path) -> None:
    project = load_project(show)
    result, _ = prepare(project, datetime(2026, 11, 26, tzinfo=UTC))
    for feed in result.feeds:
        rss, atom = render_feed(project.show, feed)
        keys = [item_key("test", item) for item in feed.items]
        fresh = serialize_feed(project.show, feed, keys, lambda kind, key: None)
        assert (fresh[0].data, fresh[1].data) == (rss, atom)
        old = {("rss", k): fresh[0].data[a:b] for k, a, b in fresh[0].items}
        old.update({("atom", k): fresh[1].data[a:b] for k, a, b in fresh[1].items})
        old.pop(("rss", keys[0]), None)  # one item rebuilt, the others copied
        mixed = serialize_feed(
            project.show, feed, keys, lambda kind, key, o=old: o.get((kind, key))
        )
        assert (mixed[0].data, mixed[1].data) == (rss, atom)


def test_cache_keeps_only_what_the_last_build_used(show: Path) -> None:
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    add_episode(show, 2, words="storage")
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    entries = RenderCache.for_show(show).keys()
    assert len(entries) == len(list((show / "episodes").iterdir()))
    index, pack = notes_files(show)
    assert {p.name for p in index.parent.iterdir()} == {index.name, pack.name}


def test_cached_build_equals_uncached_with_archive_pages(show: Path, tmp_path: Path) -> None:
    yaml = show / "podcast.yaml"
    yaml.write_text(yaml.read_text() + "limit: 2\n", encoding="utf-8")
    assert_same_as_fresh(show, tmp_path)
    assert (show / "feeds" / "archive" / "1" / "podcast.xml").is_file()
    add_episode(show, 5)  # moves an item from the subscription feed onto an archive page
    assert_same_as_fresh(show, tmp_path)
    add_episode(show, 1, words="networking")
    assert_same_as_fresh(show, tmp_path)


FAST = "no input changed since the last build"


def build_verbose(root: Path, *args: str) -> str:
    result = run_castpub(root, "-v", "build", "--now", NOW, *args)
    assert result.exit_code == 0, result.output
    return result.output


def assert_full_build_then_fast(root: Path, tmp_path: Path) -> None:
    """The next build is a full one that equals a fresh uncached build; the one after is fast."""
    assert FAST not in build_verbose(root)
    assert_same_as_fresh(root, tmp_path)
    again = build_verbose(root)
    assert FAST in again
    assert " 0 file(s) written" in again
    assert_same_as_fresh(root, tmp_path)


@pytest.mark.parametrize("feeds", ["absent", "empty"])
def test_a_first_build_records_what_it_left(show: Path, tmp_path: Path, feeds: str) -> None:
    """A build into an empty feeds/ records what it staged, before its commit: the next build
    finds feeds/ exactly as recorded, and nothing to do."""
    if feeds == "empty":
        (show / "feeds").mkdir()
    assert FAST not in build_verbose(show)
    again = build_verbose(show)
    assert FAST in again and " 0 file(s) written" in again
    assert_same_as_fresh(show, tmp_path)


def test_no_change_fast_path_is_taken_and_equals_a_fresh_build(show: Path, tmp_path: Path) -> None:
    add_episode(show, 5)
    (show / "episodes" / "2020-01-06-guest-5.md").write_text(
        "---\ntitle: Draft\ndate: 2020-01-06 10:00:00 UTC\npublished: false\n---\nDraft.\n"
    )
    write_episode(
        show, "2026-12-01-later.md", "title: Later\ndate: 2026-12-01 10:00:00 UTC", "Soon.\n"
    )
    assert FAST not in build_verbose(show)
    fast = build_verbose(show)
    assert FAST in fast
    full = build_verbose(show, "--no-cache")  # nothing to write either, but parsed and rendered
    assert FAST not in full

    def said(output: str) -> list[str]:
        return [line for line in output.splitlines() if not line.startswith(("time: ", FAST))]

    # The same summary, counts, next scheduled episode and warnings as a full build says.
    assert said(fast) == said(full)
    assert "next scheduled: 2026-12-01-later.md" in fast
    assert "1 draft(s)" in fast
    assert_same_as_fresh(show, tmp_path)
    check = run_castpub(show, "build", "--check", "--now", NOW)
    assert check.exit_code == 0 and "up to date" in check.output


@pytest.mark.parametrize(
    "change",
    [
        "config",
        "store",
        "episode",
        "new episode",
        "renamed episode",
        "removed episode",
        "feed edited",
        "feed deleted",
        "stray file",
        "no-cache",
    ],
)
def test_fast_path_not_taken_after_any_change(show: Path, tmp_path: Path, change: str) -> None:
    build_verbose(show)
    assert FAST in build_verbose(show)
    episodes = show / "episodes"
    feed = show / "feeds" / "podcast.xml"
    if change == "config":  # same meaning, other bytes: still a full build
        yaml = show / "podcast.yaml"
        yaml.write_text(yaml.read_text() + "# a comment\n", encoding="utf-8")
    elif change == "store":
        write_store(show, titles="Talk")
    elif change == "episode":
        add_episode(show, 2, words="storage")
    elif change == "new episode":
        add_episode(show, 5)
    elif change == "renamed episode":
        (episodes / "2020-01-02-guest-1.md").rename(episodes / "2020-01-02-guest-1.markdown")
    elif change == "removed episode":
        (episodes / "2020-01-02-guest-1.md").unlink()
    elif change == "feed edited":  # same size, mtime moved
        feed.write_bytes(feed.read_bytes().replace(b"Guest 3 talks", b"Guest X talks"))
    elif change == "feed deleted":
        (show / "feeds" / "transcripts" / "2020-01-03-guest-2.html").unlink()
    elif change == "stray file":
        (show / "feeds" / "transcripts" / "old.html").write_text("old")
    elif change == "no-cache":
        assert FAST not in build_verbose(show, "--no-cache")
        assert not (show / ".castpub-cache" / "last-build.marshal").exists()
    assert_full_build_then_fast(show, tmp_path)


def test_fast_path_not_taken_when_now_makes_an_episode_due(show: Path) -> None:
    write_episode(
        show,
        "2026-12-01-later.md",
        "title: Later\ndate: 2026-12-01 10:00:00 UTC",
        "Scheduled.\n",
    )
    build_verbose(show)
    before = build_verbose(show)
    assert FAST in before
    assert "next scheduled: 2026-12-01-later.md" in before
    later = run_castpub(show, "-v", "build", "--now", "2026-12-02T00:00:00+00:00")
    assert later.exit_code == 0, later.output
    assert FAST not in later.output
    assert "Later" in (show / "feeds" / "podcast.xml").read_text()
    assert "next scheduled" not in later.output


def test_failed_build_is_not_recorded(show: Path) -> None:
    build_verbose(show)
    path = show / "episodes" / "2020-01-02-guest-1.md"
    good = path.read_bytes()
    path.write_text("no front matter\n")
    assert run_castpub(show, "build", "--now", NOW).exit_code != 0
    path.write_bytes(good)  # back to the bytes of the last successful build
    assert FAST in build_verbose(show)


def test_published_index_reads_what_the_feeds_hold(show: Path) -> None:
    """The guards' record of the written feeds equals parsing them; a feed changed afterwards is
    parsed again, so a GUID edited by hand is still seen."""
    write_episode(show, "2020-02-01-no-video.md", "title: No video\ndate: 2020-02-01", "Hi.\n")
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    feeds = show / "feeds"
    index = PublishedIndex.for_show(show, feeds)
    rss = sorted(str(p.relative_to(feeds)) for p in feeds.rglob("podcast.xml"))
    assert len(rss) == 3 and set(index.previous) == set(rss)
    for relpath in rss:
        parsed = published_items(feeds / relpath)
        assert parsed and index.items(relpath) == parsed
    assert any(i.video_id is None for i in index.items("podcast.xml"))
    feed = feeds / "podcast.xml"
    feed.write_bytes(feed.read_bytes().replace(b"/guest-3/<", b"/guest-X/<"))
    assert index.items("podcast.xml") == published_items(feed)
    recorded = [list(row) for row in index.previous["podcast.xml"][2]]
    assert [list(item) for item in index.items("podcast.xml")] != recorded
    assert index.guids("podcast.xml") == [item.guid for item in published_items(feed)]


def set_episode_mtimes(root: Path, offset_s: int) -> None:
    when = time.time_ns() + offset_s * 1_000_000_000
    for path in (root / "episodes").iterdir():
        os.utime(path, ns=(when, when))


def test_old_unchanged_files_are_not_read_again(show: Path) -> None:
    set_episode_mtimes(show, -3600)
    build_verbose(show)
    fresh = read_inputs(show)
    trusted = read_inputs(show, LastBuild(show).trusted())
    assert (trusted.names, trusted.digests) == (fresh.names, fresh.digests)
    assert len(fresh.data) == 6
    assert trusted.data == {}
    assert FAST in build_verbose(show)


def test_after_a_change_to_podcast_yaml_the_episode_files_are_read_where_parsed(
    show: Path, tmp_path: Path
) -> None:
    """Every episode is parsed again once podcast.yaml changes (the parse cache is keyed by
    it): the build leaves the files unread, to be read by the processes that parse them, and
    tells the workers how many there are before it looks at them."""
    set_episode_mtimes(show, -3600)
    build_verbose(show)
    last = LastBuild(show).record()["config"]
    told: list[int] = []
    same = read_inputs(show, LastBuild(show).trusted(), told.append, last_config=last)
    assert (same.unread, same.data, told) == (False, {}, [0])  # every file trusted, unread
    yaml = show / "podcast.yaml"
    yaml.write_text(yaml.read_text().replace("RDO Community", "The RDO Team"), encoding="utf-8")
    told.clear()
    changed = read_inputs(show, LastBuild(show).trusted(), told.append, last_config=last)
    assert changed.unread and changed.data == {}
    assert told == [len(changed.names)] == [6]
    assert changed.digests == [""] * 6
    assert_same_as_fresh(show, tmp_path)
    assert FAST in build_verbose(show)  # the hashes learnt as the files were parsed: recorded


def test_files_changed_near_the_last_build_are_read_again(show: Path) -> None:
    # An mtime at or after the moment the last build read the file proves nothing: the file may
    # have changed again within the same clock tick.
    set_episode_mtimes(show, 60)
    build_verbose(show)
    assert len(read_inputs(show, LastBuild(show).trusted()).data) == 6


def _unread_project(root: Path) -> Project:
    """The project as a rebuild loads it: old unchanged files from the parse cache, unread."""
    inputs = read_inputs(root, LastBuild(root).trusted())
    project = load_project(root, inputs, ParseCache.for_show(root, inputs.config))
    assert inputs.data == {} and all(e.body is None for e in project.episodes)
    return project


def test_notes_of_unread_files_are_rendered_from_the_file(show: Path, tmp_path: Path) -> None:
    set_episode_mtimes(show, -3600)
    assert_same_as_fresh(show, tmp_path)
    _unread_project(show)
    shutil.rmtree(show / ".castpub-cache" / "notes")
    write_store(show, titles="Talk")  # a miss for every episode, so every body is read
    assert_same_as_fresh(show, tmp_path)


def test_file_changed_while_building_is_an_error(show: Path, tmp_path: Path) -> None:
    set_episode_mtimes(show, -3600)
    assert_same_as_fresh(show, tmp_path)
    project = _unread_project(show)
    changed = project.episodes[0].path
    changed.write_text(changed.read_text() + "\nOne more line.\n")
    with pytest.raises(InvalidInput) as raised:
        render_all(project, project.episodes, RenderCache(tmp_path / "empty"))
    (problem,) = raised.value.problems
    assert problem.path == changed and "changed while castpub was building" in problem.what
    assert problem.fix == "run it again"


def test_edit_behind_a_restored_mtime_is_seen(show: Path, tmp_path: Path) -> None:
    set_episode_mtimes(show, -3600)
    build_verbose(show)
    assert FAST in build_verbose(show)
    path = show / "episodes" / "2020-01-03-guest-2.md"
    stat = path.stat()
    path.write_text(path.read_text().replace("containers", "containerZ"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime; new ctime
    assert_full_build_then_fast(show, tmp_path)
    assert "containerZ" in (show / "feeds" / "podcast.xml").read_text()


def sample_notes(n: int) -> Notes:
    html = f"<p>html {n} é</p>" * (n % 7 + 1)
    return Notes(html.encode(), f"summary {n}", f"<p>transcript {n}</p>".encode())


def filled(directory: Path, count: int) -> RenderCache:
    cache = RenderCache(directory)
    for n in range(count):
        cache.put(f"key{n}", sample_notes(n))
    cache.save()
    return cache


def test_render_cache_round_trip_and_prune(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    first = filled(directory, 20)
    assert first.get("key3") == sample_notes(3)  # read back from the pack just written
    later = RenderCache(directory)
    assert [later.get(f"key{n}") for n in range(20)] == [sample_notes(n) for n in range(20)]
    assert later.get("other") is None
    later.used -= {"key0", "key1"}
    later.put("key20", sample_notes(20))
    assert later.prune() == 2
    index = directory / "index"
    stamp = index.stat().st_mtime_ns
    assert (later.prune(), later.save(), later.prune()) == (0, None, 0)  # idempotent
    assert index.stat().st_mtime_ns == stamp
    last = RenderCache(directory)
    assert last.keys() == {f"key{n}" for n in range(2, 21)}
    assert last.get("key0") is None
    assert last.get("key20") == sample_notes(20)


def test_unsaved_entries_are_not_kept(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "notes")
    cache.put("key", sample_notes(1))
    assert cache.get("key") == sample_notes(1)
    assert RenderCache(tmp_path / "notes").get("key") is None


def test_damaged_truncated_or_replaced_pack_is_only_a_miss(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    filled(directory, 10)
    (pack,) = directory.glob("*.pack")
    data = pack.read_bytes()
    cut = len(data) * 2 // 3
    damaged = bytearray(data[:cut])
    damaged[40] ^= 1  # inside the first entry
    pack.write_bytes(bytes(damaged))
    cache = RenderCache(directory)
    found = [cache.get(f"key{n}") for n in range(10)]
    assert found[0] is None
    assert found[-1] is None  # beyond the cut
    assert all(f is None or f == sample_notes(n) for n, f in enumerate(found))
    assert any(f is not None for f in found)
    # Another cache's pack under this one's name: no entry is what this index says.
    other = tmp_path / "other"
    cache = RenderCache(other)
    for n in range(10):
        cache.put(f"key{n}", sample_notes(n + 100))
    cache.save()
    (other_pack,) = other.glob("*.pack")
    shutil.copyfile(other_pack, pack)
    cache = RenderCache(directory)
    assert all(cache.get(f"key{n}") in (None, sample_notes(n)) for n in range(10))
    pack.unlink()
    cache = RenderCache(directory)
    assert cache.get("key1") is None
    cache.put("key1", sample_notes(1))
    cache.save()
    assert RenderCache(directory).get("key1") == sample_notes(1)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "bad pack name"])
def test_damaged_index_is_only_a_miss(tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "notes"
    filled(directory, 5)
    index = directory / "index"
    data = index.read_bytes()
    if damage == "garbage":
        index.write_bytes(b"\x00" + data[1:])
    elif damage == "truncated":
        index.write_bytes(data[:-1])
    elif damage == "empty":
        index.write_bytes(b"")
    else:  # whole, but naming a file outside the folder
        (tmp_path / "escape.pack").write_bytes(b"not to be touched")
        index.write_bytes(_dump_index("../escape.pack", {"key1": ("../escape.pack", 0, 17, 0)}))
    cache = RenderCache(directory)
    assert cache.get("key1") is None
    cache.put("key1", sample_notes(1))
    assert cache.prune() == 0
    assert RenderCache(directory).keys() == {"key1"}
    assert len(list(directory.glob("*.pack"))) == 1  # the unreadable index's pack is gone
    assert not (tmp_path / "escape.pack").exists() or (
        (tmp_path / "escape.pack").read_bytes() == b"not to be touched"
    )


def test_pack_is_rewritten_once_mostly_garbage(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    filled(directory, 10)
    (pack,) = directory.glob("*.pack")
    for round_ in range(30):
        cache = RenderCache(directory)
        for n in range(10):
            assert cache.get(f"key{n}") == sample_notes(n + 10 * round_ if n == 0 else n)
        cache.put("key0", sample_notes(10 * (round_ + 1)))  # one entry changes every build
        cache.prune()
        packs = list(directory.glob("*.pack"))
        assert len(packs) == 1
        live = sum(
            len(_encode(f"key{n}", cache.get(f"key{n}") or Notes(b"", "", b""))) for n in range(10)
        )
        assert packs[0].stat().st_size < 2 * live + 2 * len(_encode("key0", sample_notes(0)))
    assert packs[0] != pack  # rewritten at least once


def test_old_one_file_per_entry_layout_is_removed(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    (directory / "ab").mkdir(parents=True)
    (directory / "ab" / f"ab{'0' * 38}.notes").write_bytes(b"castpub-notes 2\n0 0\n")
    (directory / ".index.x1.tmp").write_bytes(b"left by a killed save")
    filled(directory, 3)
    (pack,) = directory.glob("*.pack")
    assert {p.name for p in directory.iterdir()} == {"index", pack.name}


def test_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "notes"
    blocker.write_text("a file where the folder should be")
    cache = RenderCache(blocker)
    assert cache.get("key") is None
    cache.put("key", sample_notes(1))
    cache.save()
    assert cache.prune() == 0
    off = RenderCache(None)
    off.put("key", sample_notes(1))
    off.save()
    assert (off.get("key"), off.prune(), off.keys()) == (None, 0, set())


def test_any_text_round_trips_and_an_unstorable_entry_is_skipped(tmp_path: Path) -> None:
    odd = Notes("<p>\ud800 lone</p>".encode("utf-8", "surrogatepass"), "summary \udfff", b"")
    cache = RenderCache(tmp_path / "notes")
    cache.put("odd", odd)
    cache.save()
    assert RenderCache(tmp_path / "notes").get("odd") == odd
    cache.put("k" * 70_000, sample_notes(1))  # a key too long for the index
    cache.save()
    assert RenderCache(tmp_path / "notes").get("odd") == odd


def test_renders_are_kept_by_check_and_by_a_refused_build(show: Path) -> None:
    episodes = len(list((show / "episodes").glob("*.md")))
    check = run_castpub(show, "build", "--check", "--now", NOW)
    assert check.exit_code != 0 or "up to date" not in check.output
    # The build that follows renders nothing again.
    assert len(RenderCache.for_show(show).keys()) == episodes
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    shutil.rmtree(show / ".castpub-cache")
    # A GUID changed under a published episode: the guard refuses, the renders stay.
    write_episode(
        show,
        "2020-01-01-guest-0.md",
        "title: 'Guest 0'\nguid: other-guid\ndate: 2020-01-01 10:00:00 UTC",
        body(0),
    )
    refused = run_castpub(show, "build", "--now", NOW)
    assert refused.exit_code == 1 and "GUID" in refused.output
    assert len(RenderCache.for_show(show).keys()) == episodes


def test_an_episode_file_is_read_whole_whatever_its_stat_said(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-01-a.md"
    path.write_bytes(b"x" * 5000)
    for size in (0, 10, 4999, 5000, 5001, 1 << 20):  # grown, shrunk or the same since
        assert read_file(str(path), size) == b"x" * 5000
    big = bytes(range(256)) * (3 << 12)  # past one read's worth
    path.write_bytes(big)
    assert read_file(str(path), 10) == big


def _append_in_a_process_of_its_own(directory: Path, keys: range) -> list[tuple[str, Entry]]:
    """Entries appended by another process, as the workers of a cold build write them."""
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as other:
        return other.submit(_append_all, directory, keys).result()


def _append_all(directory: Path, keys: range) -> list[tuple[str, Entry]]:
    found = []
    for n in keys:
        entry = append_entry(directory, f"key{n}", sample_notes(n))
        assert entry is not None
        found.append((f"key{n}", entry))
    return found


def test_entries_written_by_other_processes_are_adopted_and_kept(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    cache = filled(directory, 3)  # in the pack save() appends to
    for n in range(MAX_PACKS - 1):
        for key, entry in _append_in_a_process_of_its_own(
            directory, range(10 * n + 3, 10 * n + 13)
        ):
            cache.adopt(key, entry)
        cache.save()
        assert len(list(directory.glob("*.pack"))) == n + 2  # none copied: each process's own
    later = RenderCache(directory)
    keys = range(10 * (MAX_PACKS - 1) + 3)
    assert [later.get(f"key{n}") for n in keys] == [sample_notes(n) for n in keys]
    later.put("more", sample_notes(1))  # appended to the first pack, not a process's
    later.save()
    assert len(list(directory.glob("*.pack"))) == MAX_PACKS
    for key, entry in _append_in_a_process_of_its_own(directory, range(1000, 1001)):
        later.adopt(key, entry)
    later.prune()  # one pack too many: the live entries go to one
    assert len(list(directory.glob("*.pack"))) == 1
    last = RenderCache(directory)
    assert [last.get(f"key{n}") for n in (*keys, 1000)] == [sample_notes(n) for n in (*keys, 1000)]
    assert last.get("more") == sample_notes(1)


def test_an_entry_damaged_in_a_process_pack_is_only_a_miss(tmp_path: Path) -> None:
    directory = tmp_path / "notes"
    directory.mkdir()
    cache = RenderCache(directory)
    written = _append_in_a_process_of_its_own(directory, range(5))
    for key, entry in written:
        cache.adopt(key, entry)
    cache.save()
    pack, offset, _, _ = written[2][1]
    with open(directory / pack, "r+b") as file:
        file.seek(offset + 30)
        file.write(b"!")
    later = RenderCache(directory)
    assert [later.get(f"key{n}") for n in range(5)] == [
        sample_notes(n) if n != 2 else None for n in range(5)
    ]


def test_notes_rendered_by_workers_are_read_back_as_rendered(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    """A cold build with enough episodes has its workers write the render cache's entries; a
    full rebuild then takes every episode's notes from them and equals a fresh build."""
    root = make_project()
    write_store(root)
    for n in range(PARALLEL_MIN + 5):
        write_episode(
            root,
            f"2019-{n // 28 + 1:02d}-{n % 28 + 1:02d}-guest-{n}.md",
            f"title: 'Guest {n}'\ndate: 2019-{n // 28 + 1:02d}-{n % 28 + 1:02d} 10:00:00 UTC",
            body(n % 6),
        )
    assert_same_as_fresh(root, tmp_path)
    packs = {p.name for p in (root / ".castpub-cache" / "notes").glob("*.pack")}
    assert len(RenderCache.for_show(root).keys()) == PARALLEL_MIN + 6  # and the seed episode
    yaml = root / "podcast.yaml"
    yaml.write_text(yaml.read_text().replace("RDO Community", "The RDO Team"), encoding="utf-8")
    assert_same_as_fresh(root, tmp_path)  # every item again, every show notes from the cache
    assert {p.name for p in (root / ".castpub-cache" / "notes").glob("*.pack")} == packs
    add_episode(root, 3, words="storage")  # one episode more: the others from the cache
    assert_same_as_fresh(root, tmp_path)
    assert len(RenderCache.for_show(root).keys()) == PARALLEL_MIN + 7


def test_entries_appended_after_this_process_pack_was_removed_are_kept(tmp_path: Path) -> None:
    """append_entry keeps its pack open between entries; a pack removed meanwhile (a cache
    pruned, or deleted by hand) is opened anew, not written to unseen."""
    directory = tmp_path / "notes"
    directory.mkdir()
    first = append_entry(directory, "key1", sample_notes(1))
    assert first is not None
    for pack in directory.glob("*.pack"):
        pack.unlink()
    second = append_entry(directory, "key2", sample_notes(2))
    assert second is not None and second[1] == 0  # at the start of a new file
    cache = RenderCache(directory)
    cache.adopt("key2", second)
    cache.save()
    assert RenderCache(directory).get("key2") == sample_notes(2)


@pytest.fixture
def upgrade(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Installs another castpub, as far as the caches can tell: its version, and so every salt
    made of it, changes."""
    salts = (code_salt, feed_salt, build_salt)

    def upgrade() -> None:
        monkeypatch.setattr(castpub.cache, "__version__", "999.0")
        for salt in salts:
            salt.cache_clear()

    yield upgrade
    monkeypatch.undo()
    for salt in salts:
        salt.cache_clear()


def test_the_first_build_after_an_upgrade_reads_no_feed_for_the_guards(
    show: Path, tmp_path: Path, upgrade: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guards' record of the feeds is kept across an upgrade of castpub (only the rules
    that read an item invalidate it): the build that follows parses none of the feeds it
    replaces, writes what a fresh build writes, and the next one takes the no-change path."""
    assert FAST not in build_verbose(show)
    read: list[Path] = []
    parse = castpub.guard.published_items
    monkeypatch.setattr(
        castpub.guard, "published_items", lambda path: read.append(path) or parse(path)
    )
    upgrade()
    assert FAST not in build_verbose(show)  # every record made of castpub's code is stale
    assert not [path for path in read if path.is_relative_to(show)]
    assert_same_as_fresh(show, tmp_path)
    assert FAST in build_verbose(show)


def test_the_guards_record_is_not_trusted_under_other_reading_rules(
    show: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What invalidates the guards' record: a change to the code that reads an item (or to the
    record's shape), whatever else stays."""
    assert run_castpub(show, "build", "--now", NOW).exit_code == 0
    assert PublishedIndex.for_show(show, show / "feeds").previous
    monkeypatch.setattr(castpub.guard, "INDEX_FORMAT", castpub.guard.INDEX_FORMAT + 1)
    castpub.guard.reading_salt.cache_clear()
    try:
        assert PublishedIndex.for_show(show, show / "feeds").previous == {}
    finally:
        monkeypatch.undo()
        castpub.guard.reading_salt.cache_clear()
    assert PublishedIndex.for_show(show, show / "feeds").previous
