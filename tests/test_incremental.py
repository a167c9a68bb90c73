"""The changed-episodes rebuild: after each kind of change to episode files it is taken, says so,
and writes exactly what a fresh build writes (same bytes, same summary, same files written);
wherever it must not apply, the full path runs and reports as it always did."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from castpub.output import read_record, write_record
from conftest import Run, run_castpub, write_episode
from test_cache import (
    OTHER_PLAYLIST,
    PLAYLIST,
    add_episode,
    store,
    tree,
    video_id,
    write_store,
)

NOW = "2026-11-26T00:00:00+00:00"
CHANGED = "only the changed episode files were built"
RECORD = Path(".castpub-cache") / "items.marshal"


@pytest.fixture
def show(make_project: Callable[..., Path]) -> Path:
    root = make_project()
    for n in range(12):
        add_episode(root, n)
    write_store(root)
    return root


def build(root: Path, *args: str, now: str = NOW) -> Run:
    return run_castpub(root, "-v", "build", "--now", now, *args)


def said(run: Run) -> list[str]:
    """What a build reports, but for its timings and which path it took."""
    return sorted(
        line
        for line in run.output.splitlines()
        if not line.startswith(("time: ", CHANGED, "no input changed"))
    )


def check_against_full(
    root: Path,
    tmp_path: Path,
    change: Callable[[Path], None],
    *args: str,
    now: str = NOW,
    taken: bool = True,
) -> Run:
    """Apply change to root and to a copy of it whose items record is gone (so it builds on the
    full path, with every other cache), build both, and compare everything they said and wrote;
    then compare with a fresh build without any cache."""
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(root, full, symlinks=True)
    change(root)
    change(full)
    (full / RECORD).unlink(missing_ok=True)
    incremental = build(root, *args, now=now)
    reference = build(full, *args, now=now)
    assert (CHANGED in incremental.output) is taken, incremental.output
    assert CHANGED not in reference.output
    assert incremental.exit_code == reference.exit_code, incremental.output + reference.output
    assert said(incremental) == [line.replace(str(full), str(root)) for line in said(reference)]
    assert tree(root / "feeds") == tree(full / "feeds")
    if incremental.exit_code == 0:
        fresh = tmp_path / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("feeds", ".castpub-cache"))
        assert run_castpub(fresh, "build", "--no-cache", "--now", now, *args).exit_code == 0
        assert tree(root / "feeds") == tree(fresh / "feeds")
    return incremental


def episode(root: Path, n: int) -> Path:
    return root / "episodes" / f"2020-01-{n + 1:02d}-guest-{n}.md"


def edit(n: int, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = episode(root, n)
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def test_each_kind_of_episode_change(show: Path, tmp_path: Path) -> None:
    assert build(show).exit_code == 0
    steps: list[Callable[[Path], None]] = [
        lambda root: add_episode(root, 12),  # a new episode, newest, in a playlist
        lambda root: add_episode(root, 3, words="storage"),  # its notes edited
        edit(4, "title: 'Guest 4: cycle 4'", "title: 'Guest 4 & <friends>'"),
        edit(6, "2020-01-07 10:00:00 UTC", "2020-01-07 12:00:00 UTC"),  # same day, new time
        edit(7, "author: rbowen", "author: Someone Else"),
        lambda root: episode(root, 8).unlink(),  # removed
        edit(9, "author: rbowen", "author: rbowen\npublished: false"),  # becomes a draft
        edit(9, "\npublished: false", ""),  # published again
        lambda root: write_episode(  # an old episode, placed among the others, no video
            root,
            "2019-12-31-old-one.md",
            "title: Old one\ndate: 2019-12-31 08:00:00 +0200",
            "Before the others.\n\nRich: Hello.\n",
        ),
        edit(3, f"?list={PLAYLIST}", ""),  # no list= in its embed (the store still has it)
        edit(5, f"?list={PLAYLIST}", f"?list={OTHER_PLAYLIST}"),  # and in a second playlist
    ]
    for step in steps:
        check_against_full(show, tmp_path, step)


def later_episode(root: Path, n: int, words: str = "containers") -> Path:
    """Episode n of those after the fixture's twelve, one a day from February 2020, with no
    video (the store knows six)."""
    day = date(2020, 2, 1) + timedelta(days=n)
    name = f"{day}-later-{n}.md"
    front = f"title: 'Later {n}'\nauthor: rbowen\ndate: {day} 10:00:00 UTC"
    text = f"Guest {n} on *{words}*.\n\nRich: What changed in cycle {n}?\n\nAmy: **{words}**.\n"
    write_episode(root, name, front, text)
    return root / "episodes" / name


def test_changes_scattered_through_the_feeds_in_one_rebuild(show: Path, tmp_path: Path) -> None:
    """Kept items between removed, edited and new ones are copied in stretches: every stretch
    lands where a full build puts it (a show of 100 episodes takes up to five changes)."""
    for n in range(88):
        later_episode(show, n)
    assert build(show).exit_code == 0

    def scatter(root: Path) -> None:
        later_episode(root, 1).unlink()
        later_episode(root, 40).unlink()
        later_episode(root, 60, "storage")
        later_episode(root, 200)

    check_against_full(show, tmp_path, scatter)
    check_against_full(show, tmp_path, lambda root: episode(root, 0).unlink())
    check_against_full(show, tmp_path, lambda root: later_episode(root, 87).unlink())


def test_scheduled_episode_comes_due_and_draft_stays_out(show: Path, tmp_path: Path) -> None:
    write_episode(
        show, "2026-12-01-later.md", "title: Later\ndate: 2026-12-01 10:00:00 UTC", "Scheduled.\n"
    )
    assert build(show).exit_code == 0
    check_against_full(show, tmp_path, lambda root: None, now="2026-12-02T00:00:00+00:00")
    assert "Later" in (show / "feeds" / "podcast.xml").read_text(encoding="utf-8")
    check_against_full(  # and back out of the feeds, for an earlier --now
        show, tmp_path, lambda root: None, "--allow-shrink", now=NOW
    )


def test_many_rebuilds_in_a_row_keep_the_records_true(show: Path, tmp_path: Path) -> None:
    """Each rebuild starts from the records the last changed-episodes rebuild wrote."""
    assert build(show).exit_code == 0
    for n in range(12, 17):
        check_against_full(show, tmp_path, lambda root, n=n: add_episode(root, n))
    check_against_full(show, tmp_path, edit(13, "containers", "kernels"))
    nothing = build(show)
    assert "no input changed" in nothing.output and " 0 file(s) written" in nothing.output


@pytest.mark.parametrize(
    "case",
    [
        "new playlist",
        "duplicate link",
        "problem in the file",
        "video shared",
        "guid would change",
        "feed edited by hand",
        "record damaged",
        "spans damaged",
        "archive pages",
        "store changed",
    ],
)
def test_full_path_where_this_one_must_not_go(show: Path, tmp_path: Path, case: str) -> None:
    if case == "archive pages":
        yaml = show / "podcast.yaml"
        yaml.write_text(yaml.read_text(encoding="utf-8") + "limit: 5\n", encoding="utf-8")
    assert build(show).exit_code == 0
    change: Callable[[Path], None]
    if case == "new playlist":
        change = edit(1, f"?list={PLAYLIST}", "?list=PLnewLISTxxxxxxxxxxxxxxxxxxxxxxxxxx")
    elif case == "duplicate link":
        change = edit(1, "title:", "slug: guest-0\ntitle:")
    elif case == "problem in the file":
        change = edit(1, "date: 2020-01-02 10:00:00 UTC", "date: 2020-02-31 10:00:00 UTC")
    elif case == "video shared":
        change = edit(1, video_id(1), video_id(2))
    elif case == "guid would change":
        change = edit(1, "date: 2020-01-02 10:00:00 UTC", "date: 2020-03-02 10:00:00 UTC")
    elif case == "feed edited by hand":

        def change(root: Path) -> None:
            add_episode(root, 12)
            feed = root / "feeds" / "atom.xml"
            feed.write_bytes(feed.read_bytes().replace(b"Guest 3 talks", b"Guest X talks"))
    elif case == "record damaged":

        def change(root: Path) -> None:
            add_episode(root, 12)
            write_record(root / RECORD, {"salt": "x"})
    elif case == "spans damaged":

        def change(root: Path) -> None:  # every span one byte off; the feeds untouched
            add_episode(root, 12)
            manifest = root / ".castpub-cache" / "feeds.marshal"
            data = read_record(manifest)
            for entry in data["files"].values():
                entry[3] = [start + 1 for start in entry[3]]
                entry[4] = [end + 1 for end in entry[4]]
            write_record(manifest, data)

    elif case == "archive pages":
        change = edit(1, "containers", "storage")
    else:

        def change(root: Path) -> None:
            data = store("Talk")
            (root / "data" / "youtube.json").write_text(json.dumps(data), encoding="utf-8")

    run = check_against_full(show, tmp_path, change, taken=False)
    if case in ("duplicate link", "problem in the file", "guid would change"):
        assert run.exit_code != 0
        assert "episodes/2020-01-02-guest-1.md" in run.output


def test_playlist_left_empty_goes_the_full_way(show: Path, tmp_path: Path) -> None:
    """Every episode of one playlist unpublished: the guard refuses as it always did, and with
    --allow-shrink the full path removes the playlist's feeds."""
    assert build(show).exit_code == 0

    def unpublish(root: Path) -> None:
        for n in range(0, 12, 2):  # OTHER_PLAYLIST's episodes
            edit(n, "author: rbowen", "author: rbowen\npublished: false")(root)

    refused = check_against_full(show, tmp_path, unpublish, taken=False)
    assert refused.exit_code != 0 and "--allow-shrink" in refused.output
    check_against_full(show, tmp_path, lambda root: None, "--allow-shrink", taken=False)
    assert not (show / "feeds" / "playlists" / OTHER_PLAYLIST).exists()


def test_no_cache_never_takes_it(show: Path) -> None:
    assert build(show).exit_code == 0
    add_episode(show, 12)
    run = build(show, "--no-cache")
    assert run.exit_code == 0 and CHANGED not in run.output
    add_episode(show, 13)
    assert CHANGED not in build(show).output  # --no-cache left no records to trust
    add_episode(show, 14)
    assert CHANGED in build(show).output


def test_dates_in_a_dst_fold_sort_as_in_a_full_build(show: Path, tmp_path: Path) -> None:
    """Wall times in the hour a zone repeats compare as wall times in Python, not as instants:
    such items are sorted the full build's way."""
    yaml = show / "podcast.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("timezone: UTC", "timezone: Europe/Berlin"),
        encoding="utf-8",
    )
    for minute in (10, 50):
        write_episode(
            show,
            f"2020-10-25-fold-{minute}.md",
            f"title: Fold {minute}\ndate: 2020-10-25 02:{minute}:00",
            "In the repeated hour.\n",
        )
    write_episode(  # the same instant as a wall time of the fold, written in UTC
        show, "2020-10-25-utc.md", "title: In UTC\ndate: 2020-10-25 00:30:00 UTC", "UTC.\n"
    )
    assert build(show).exit_code == 0
    check_against_full(show, tmp_path, lambda root: add_episode(root, 12))
    check_against_full(
        show,
        tmp_path,
        lambda root: write_episode(
            root, "2020-10-25-fold-30.md", "title: Fold 30\ndate: 2020-10-25 02:30:00", "Also.\n"
        ),
    )
    titles = (show / "feeds" / "podcast.xml").read_text(encoding="utf-8")
    assert titles.index("Fold 50") < titles.index("Fold 30") < titles.index("Fold 10")


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "rdo-blog"
CORPUS_CONFIG = CORPUS.parents[1] / "acceptance" / "rdo-blog.podcast.yaml"


def test_corpus_changes_built_both_ways_are_the_same(tmp_path: Path) -> None:
    """The RDO blog's 306 posts (zones like CEST and IST, drafts, five videos or none, repeated
    slugs): a post edited, one removed, one put back, one added, each built both ways."""
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    root = tmp_path / "rdo"
    shutil.copytree(CORPUS, root / "episodes")
    shutil.copy(CORPUS_CONFIG, root / "podcast.yaml")
    assert build(root).exit_code == 0
    posts = sorted((root / "episodes").iterdir())
    interview = next(p for p in posts if "steve-hardy" in p.name)
    removed = posts[100].read_bytes()

    def edit_interview(show: Path) -> None:
        path = show / "episodes" / interview.name
        path.write_text(path.read_text(encoding="utf-8") + "\nSteve: One more thing.\n")

    def add_post(show: Path) -> None:
        write_episode(
            show,
            "2017-04-05-after-the-ptg.html.md",
            "title: After the PTG\nauthor: rbowen\ndate: 2017-04-05 10:00:00 CEST",
            "What came out of Atlanta.\n\nRich: So, what next?\n",
        )

    steps: list[Callable[[Path], None]] = [
        edit_interview,
        lambda show: (show / "episodes" / posts[100].name).unlink(),
        lambda show: (show / "episodes" / posts[100].name).write_bytes(removed),
        add_post,
    ]
    for step in steps:
        check_against_full(root, tmp_path, step)
