"""Build rules users rely on: same bytes, nothing rewritten, all or nothing, GUIDs kept."""

import gc
import os
import shutil
import stat
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

import pytest

import castpub.build
from castpub.build import FEWER_COLLECTIONS, PARALLEL_MIN, RenderAhead, Workers, load_project
from castpub.cache import feeds_files
from castpub.output import TEMP_SUFFIX
from castpub.parsecache import ParseCache
from castpub.unchanged import LastBuild, read_inputs
from conftest import run_castpub, write_episode
from test_store import import_all

NOW = "2026-01-01T00:00:00+00:00"


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    feeds = root / "feeds"
    return {
        str(p.relative_to(feeds)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(feeds.rglob("*"))
        if p.is_file()
    }


def build(root: Path, *args: str) -> str:
    result = run_castpub(root, "build", "--now", NOW, *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_two_builds_byte_identical_and_second_rewrites_nothing(make_project) -> None:
    root = make_project("varied")
    import_all(root)
    build(root)
    first = snapshot(root)
    out = build(root)
    assert snapshot(root) == first  # bytes and mtimes
    assert "0 file(s) written" in out


def test_separate_copies_give_identical_bytes(make_project) -> None:
    a, b = make_project("varied", "a"), make_project("varied", "b")
    build(a)
    build(b)
    assert {k: v[0] for k, v in snapshot(a).items()} == {k: v[0] for k, v in snapshot(b).items()}


def test_last_build_date_comes_from_content(make_project) -> None:
    root = make_project("seed")
    build(root)
    text = (root / "feeds" / "podcast.xml").read_text()
    assert "<lastBuildDate>Tue, 04 Apr 2017 19:26:24 +0000</lastBuildDate>" in text


def test_invalid_episodes_stop_build_listing_every_problem(make_project) -> None:
    root = make_project("varied")
    build(root)
    before = snapshot(root)
    write_episode(root, "2018-01-01-bad.md", "title: Bad\ndate: someday")
    write_episode(root, "2018-01-02-worse.md", "date: 2018-01-02")
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any("2018-01-01-bad.md:3: date 'someday' is not understood" in line for line in lines)
    assert any("2018-01-02-worse.md:2: no title; add a 'title:' line" in line for line in lines)
    assert lines[-1] == "2 problems found; nothing was written"
    assert snapshot(root) == before
    assert not list((root / "feeds").rglob("*.castpub-tmp"))


def test_drafts_and_scheduled_wait_until_due(make_project) -> None:
    root = make_project("seed")
    write_episode(root, "2030-05-01-future.md", "title: Future talk\ndate: 2030-05-01 09:00:00 UTC")
    out = build(root)
    assert "Future talk" not in (root / "feeds" / "podcast.xml").read_text()
    assert "next scheduled: 2030-05-01-future.md at 2030-05-01T09:00:00+00:00 (1 scheduled)" in out
    result = run_castpub(root, "build", "--now", "2030-05-01T09:00:01+00:00")
    assert result.exit_code == 0
    assert "Future talk" in (root / "feeds" / "podcast.xml").read_text()


def test_duplicate_guid_names_both_files(make_project) -> None:
    root = make_project("seed")
    write_episode(root, "2018-01-01-a.md", "title: A\nguid: same-guid")
    write_episode(root, "2018-01-02-b.md", "title: B\nguid: same-guid")
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    assert "2018-01-02-b.md:3: same GUID as 2018-01-01-a.md: same-guid" in result.stderr


def test_same_url_from_repeated_slug_is_an_error(make_project) -> None:
    root = make_project("seed")  # episode_url has no {day}
    write_episode(root, "2018-01-01-roundup.md", "title: Roundup 1")
    write_episode(root, "2018-01-15-roundup.md", "title: Roundup 2")
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    assert "2018-01-15-roundup.md: same URL as 2018-01-01-roundup.md" in result.stderr
    assert "give one of them its own 'slug:' or 'guid:'" in result.stderr


def test_changed_guid_of_published_episode_is_refused(make_project) -> None:
    root = make_project("varied")
    build(root)
    before = snapshot(root)
    path = root / "episodes" / "2017-04-04-cest-interview.html.md"
    path.write_text(path.read_text().replace("comments: true", "slug: renamed-interview"))
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    assert (
        'add the line guid: "https://example.org/blog/2017/04/04/cest-interview/" to its front matter'
        in result.stderr
    )
    assert snapshot(root) == before
    path.write_text(
        path.read_text().replace(
            "slug: renamed-interview",
            "slug: renamed-interview\nguid: https://example.org/blog/2017/04/04/cest-interview/",
        )
    )
    build(root)


def test_removed_episode_files_are_removed_from_feeds(make_project) -> None:
    root = make_project("varied")
    build(root)
    (root / "episodes" / "2017-07-01-blog-roundup.md").unlink()
    out = build(root)
    assert "1 removed" in out
    assert not (root / "feeds" / "transcripts" / "2017-07-01-blog-roundup.html").exists()


def test_shrink_guard(make_project) -> None:
    root = make_project("varied")
    build(root)
    for path in (root / "episodes").glob("2017-0*"):
        path.unlink()
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    assert "the build would drop 5 of the 8 published items" in result.stderr
    assert "run castpub build --allow-shrink" in result.stderr
    build(root, "--allow-shrink")


def test_refused_build_leaves_no_new_folder_or_temporary_file(make_project) -> None:
    """A build whose transcript and chapters folders are gone makes their files ahead, while
    it renders: when the guards then refuse it, feeds/ is left exactly as it was."""
    root = make_project("varied")
    import_all(root)
    build(root)
    shutil.rmtree(root / "feeds" / "transcripts")
    shutil.rmtree(root / "feeds" / "chapters")
    before = snapshot(root)
    folders = sorted(p for p in (root / "feeds").rglob("*") if p.is_dir())
    for path in (root / "episodes").glob("2017-0*"):
        path.unlink()
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1 and "--allow-shrink" in result.stderr
    assert snapshot(root) == before
    assert sorted(p for p in (root / "feeds").rglob("*") if p.is_dir()) == folders
    build(root, "--allow-shrink")
    assert (root / "feeds" / "transcripts").is_dir()
    assert not [p for p in (root / "feeds").rglob("*") if "castpub-tmp" in p.name]


def test_build_check_reports_out_of_date_files(make_project) -> None:
    root = make_project("varied")
    build(root)
    mtimes = snapshot(root)
    assert run_castpub(root, "build", "--check", "--now", NOW).exit_code == 0
    write_episode(root, "2018-01-01-new.md", "title: New one")
    result = run_castpub(root, "build", "--check", "--now", NOW)
    assert result.exit_code == 1
    assert "out of date: feeds/podcast.xml" in result.stdout
    assert "out of date: feeds/transcripts/2018-01-01-new.html" in result.stdout
    assert snapshot(root) == mtimes


def test_control_characters_never_crash(make_project) -> None:
    root = make_project("seed")
    path = write_episode(
        root,
        "2018-01-01-ctrl.md",
        'title: "Bell\\a and \\x0b tab"',
        "Body with \x00 NUL and \x0c form feed.\n",
    )
    assert path.exists()
    build(root)
    text = (root / "feeds" / "podcast.xml").read_text()
    assert "Bell and  tab" in text
    assert "\x00" not in text and "\x0c" not in text


def test_unchanged_files_keep_mtime_after_adding_an_episode(make_project) -> None:
    root = make_project("varied")
    build(root)
    transcript = root / "feeds" / "transcripts" / "2017-04-04-cest-interview.html"
    old = transcript.stat().st_mtime_ns
    os.utime(transcript, ns=(old - 10**9, old - 10**9))
    write_episode(root, "2018-01-01-new.md", "title: New one")
    build(root)
    assert transcript.stat().st_mtime_ns == old - 10**9


def test_unreadable_published_feed_stops_the_build(make_project) -> None:
    root = make_project("varied")
    build(root)
    feed = root / "feeds" / "podcast.xml"
    lines = feed.read_text().splitlines(keepends=True)
    conflicted = "".join(lines[:5]) + "<<<<<<< HEAD\n" + "".join(lines[5:])
    feed.write_text(conflicted)
    result = run_castpub(root, "build", "--now", NOW)
    assert result.exit_code == 1
    assert f"{feed}:6: the published feed is not well-formed XML" in result.stderr
    assert "git checkout -- podcast.xml" in result.stderr
    assert feed.read_text() == conflicted
    feed.unlink()
    build(root)  # deleting it is the way to publish anew


def _many_episodes(root: Path) -> None:
    """Enough episodes for the build to render them in worker processes (with two cores)."""
    import_all(root)
    for n in range(PARALLEL_MIN + 10):
        day = f"2019-{n // 28 + 1:02d}-{n % 28 + 1:02d}"
        video = "M4gD1WSo5mA" if n % 3 else "YE7VzlLtp-4"  # with chapters, without
        write_episode(
            root,
            f"{day}-guest-{n}.md",
            f"title: 'Guest {n}'\nauthor: rbowen\ndate: {day} 10:00:00 UTC",
            f"Guest {n} on *storage* & <b>upgrades</b>.\n\n"
            f'<iframe src="https://www.youtube.com/embed/{video}"></iframe>\n\n'
            f"Rich: What changed in {n}?\n\nAmy: The [docs](https://docs.example.org/{n}).\n",
        )


def test_transcripts_written_as_they_are_rendered_equal_those_written_one_by_one(
    make_project,
) -> None:
    """A build into a feeds/ without transcripts/ has each page written by whichever process
    renders its notes, into a folder renamed into place at the commit (and the chapters files
    likewise); a build into an existing transcripts/ stages file by file. Same bytes, and the
    files world-readable either way."""
    whole, one_by_one = make_project("seed", "whole"), make_project("seed", "one-by-one")
    for root in (whole, one_by_one):
        _many_episodes(root)
    (one_by_one / "feeds" / "transcripts").mkdir(parents=True)
    leftover = whole / "feeds" / f".transcripts.0123abcd{TEMP_SUFFIX}"
    leftover.mkdir(parents=True)  # as a build killed before its commit leaves it
    (leftover / "old.html").write_bytes(b"half")
    old_umask = os.umask(0o077)
    try:
        build(whole)
        build(one_by_one, "--no-cache")
    finally:
        os.umask(old_umask)
    assert {k: v[0] for k, v in snapshot(whole).items()} == {
        k: v[0] for k, v in snapshot(one_by_one).items()
    }
    pages = list((whole / "feeds" / "transcripts").iterdir())
    assert len(pages) == PARALLEL_MIN + 11  # and the seed episode
    chapters = list((whole / "feeds" / "chapters").iterdir())
    assert len(chapters) > PARALLEL_MIN // 2
    assert {stat.S_IMODE(p.stat().st_mode) for p in pages + chapters} == {0o644}
    assert not [p for p in (whole / "feeds").rglob("*") if TEMP_SUFFIX in p.name]


def test_a_build_records_each_file_as_it_lies_in_feeds(make_project) -> None:
    """The size and mtime the record keeps of each file are those feeds/ has after the commit,
    for the transcript and chapters files that worker processes wrote (and reported) as for the
    others: the next build trusts feeds/ only while they match."""
    root = make_project("seed")
    _many_episodes(root)
    build(root)
    recorded = LastBuild(root).files()
    on_disk = feeds_files(root / "feeds")
    assert recorded == on_disk
    assert sum(1 for path in on_disk if path.startswith(("transcripts/", "chapters/"))) > (
        PARALLEL_MIN
    )


def _odd_episodes(root: Path) -> dict[str, str]:
    """Episodes among _many_episodes' that the processes parsing them must leave to be rendered
    afterwards (not due), or that are unlike the others (their video named far into the file,
    in the front matter, or unknown to the store)."""
    odd = {
        "draft": "published: false",
        "scheduled": "date: 2026-06-01 10:00:00 UTC",
        "far": "",  # its watch link has a long query before v=
        "youtube": "youtube: YE7VzlLtp-4",  # the front matter names its video
        "unknown": "",  # a video the store does not know: rendered ahead without one
    }
    links = {
        "far": "https://www.youtube.com/watch?feature=" + "x" * 130 + "&v=M4gD1WSo5mA",
        "unknown": "https://youtu.be/Zz0123456-_",
    }
    for name, front in odd.items():
        date = "date: 2019-12-30 10:00:00 UTC" if "date" not in front else ""
        write_episode(
            root,
            f"2019-12-30-odd-{name}.md",
            f"title: 'Odd {name}'\n{date}\n{front}",
            f"Odd one.\n\n{links.get(name, '')}\n\nRich: Why {name}?\n",
        )
    return {name: f"2019-12-30-odd-{name}" for name in odd}


def test_episodes_rendered_as_they_are_parsed_equal_those_rendered_after(
    make_project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build has the processes that parse the episodes read them and render each one
    due as soon as it is parsed; the others are rendered afterwards. The feeds, pages and
    chapters are those of a build in one process, and the next build finds nothing changed."""
    ahead, alone = make_project("seed", "ahead"), make_project("seed", "alone")
    for root in (ahead, alone):
        _many_episodes(root)
        odd = _odd_episodes(root)
    build(ahead)
    monkeypatch.setattr(castpub.build, "available_cores", lambda: 1)
    build(alone)
    assert {k: v[0] for k, v in snapshot(ahead).items()} == {
        k: v[0] for k, v in snapshot(alone).items()
    }
    feed = (ahead / "feeds" / "podcast.xml").read_text()
    assert "Odd far" in feed and "Odd draft" not in feed and "Odd scheduled" not in feed
    assert "0 file(s) written" in build(ahead)  # every file's hash recorded as parsed

    inputs = read_inputs(ahead, defer=True)
    made = RenderAhead(datetime.fromisoformat(NOW), lambda show: None)
    with Workers(2) as workers:
        project = load_project(ahead, inputs, ParseCache(None, inputs.config), workers, made)
    due = {e.id for e in project.episodes if e.published and e.date <= made.now}
    assert set(made.rendered) == due
    assert odd["draft"] not in due and odd["scheduled"] not in due
    assert inputs.digests == read_inputs(ahead).digests


def test_a_store_changed_during_a_cold_build_is_not_rendered_from(make_project) -> None:
    """The processes that render ahead load the store themselves: one that is no longer what
    the build read leaves the episodes with a video to be rendered afterwards, from the store
    the build read."""
    root = make_project("seed")
    _many_episodes(root)
    write_episode(root, "2019-12-31-no-video.md", "title: 'No video'", "Rich: Hello.\n")
    inputs = read_inputs(root, defer=True)
    store = root / "data" / "youtube.json"
    store.write_bytes(store.read_bytes().replace(b"Big Buck Bunny", b"Big Buck Rabbit"))
    made = RenderAhead(datetime.fromisoformat(NOW), lambda show: None)
    with Workers(2) as workers:
        project = load_project(root, inputs, ParseCache(None, inputs.config), workers, made)
    assert set(made.rendered) == {"2019-12-31-no-video"}
    assert project.store.video("YE7VzlLtp-4").title == "Big Buck Bunny"


def _double_outside(job: tuple[int, int]) -> int:
    parent, n = job
    if os.getpid() != parent:
        os._exit(1)  # a worker killed mid-build, as the out-of-memory killer would
    return n * 2


def test_workers_that_die_leave_the_work_to_this_process() -> None:
    jobs = [(os.getpid(), n) for n in range(PARALLEL_MIN)]
    with Workers(2) as workers:
        assert workers.map(_double_outside, jobs) == [n * 2 for n in range(PARALLEL_MIN)]
        assert workers.count == 1


class _PoolThatFails:
    """Runs each batch at once, and fails to take the third (as a pool whose worker died)."""

    def __init__(self) -> None:
        self.batches = 0

    def submit(self, function: Callable[..., list[int]], *args: object) -> Future[list[int]]:
        self.batches += 1
        if self.batches == 3:
            raise OSError("the pool is gone")
        done: Future[list[int]] = Future()
        done.set_result(function(*args))
        return done


def test_workers_that_fail_while_given_jobs_leave_the_rest_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = range(PARALLEL_MIN * 2)
    pool = _PoolThatFails()
    with Workers(2) as workers:
        monkeypatch.setattr(workers, "_started", lambda: pool)
        assert workers.map(lambda n: n * 2, iter(jobs), len(jobs)) == [n * 2 for n in jobs]
        assert workers.count == 1
    assert pool.batches == 3


def _pid(_: int) -> int:
    return os.getpid()


def test_workers_started_while_reading_do_the_work() -> None:
    with Workers(2) as workers:
        workers.start_for(PARALLEL_MIN - 1)  # too few to pay for starting them
        assert set(workers.map(_pid, list(range(PARALLEL_MIN - 1)))) == {os.getpid()}
        workers.start_for(PARALLEL_MIN)
        pids = set(workers.map(_pid, list(range(PARALLEL_MIN))))
    assert pids and os.getpid() not in pids
    with Workers(2) as workers:
        workers.start_for(PARALLEL_MIN)  # and then not needed: closing waits for them
    assert workers.count == 2


def _thresholds(_: int) -> tuple[int, int, int]:
    return gc.get_threshold()


def test_workers_collect_garbage_as_rarely_as_the_build() -> None:
    with Workers(2) as workers:
        found = set(workers.map(_thresholds, list(range(PARALLEL_MIN))))
    assert found == {FEWER_COLLECTIONS}
