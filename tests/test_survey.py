"""The survey of feeds/ a forked process takes for a rebuild gives what walking feeds/ gives, and
leaves no process behind whichever way the build goes."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from castpub.cache import feeds_files
from castpub.survey import FeedsSurvey, can_fork

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux")


def children() -> set[str]:
    """This process's children, as Linux lists them."""
    found: set[str] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update((task / "children").read_text().split())
    return found


def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "playlists" / "PLx").mkdir(parents=True)
    (folder / "podcast.xml").write_bytes(b"<rss/>" * 1000)
    (folder / "playlists" / "PLx" / "atom.xml").write_text("<feed/>")
    for n in range(300):
        (folder / "transcripts" / f"episode-{n}.html").write_text("x" * n)
    os.symlink("podcast.xml", folder / "link.xml")
    return folder


@linux_only
def test_the_survey_equals_a_walk_of_feeds(tmp_path: Path) -> None:
    folder = feeds(tmp_path)
    before = children()
    with FeedsSurvey() as survey:
        survey.start(folder)
        assert len(children() - before) == 1  # taken by another process
        found = survey.files(folder)
    assert found == feeds_files(folder)
    assert len(found) == 303
    assert found["transcripts/episode-7.html"][0] == 7
    assert children() == before


def test_another_folder_is_walked_by_this_process(tmp_path: Path) -> None:
    folder = feeds(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.xml").write_text("a")
    with FeedsSurvey() as survey:
        survey.start(folder)
        assert list(survey.files(other)) == ["a.xml"]
        assert survey.files(folder) == feeds_files(folder)


@linux_only
def test_a_survey_no_one_asks_for_is_stopped(tmp_path: Path) -> None:
    folder = feeds(tmp_path)
    before = children()
    with FeedsSurvey() as survey:
        survey.start(folder)
    assert children() == before


def test_without_feeds_the_survey_finds_nothing(tmp_path: Path) -> None:
    with FeedsSurvey() as survey:
        survey.start(tmp_path / "feeds")
        assert survey.files(tmp_path / "feeds") == {}


@linux_only
def test_no_fork_while_another_thread_runs(tmp_path: Path) -> None:
    folder = feeds(tmp_path)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not can_fork()
        before = children()
        with FeedsSurvey() as survey:
            survey.start(folder)
            assert children() == before  # walked here, when asked
            assert survey.files(folder) == feeds_files(folder)
    finally:
        release.set()
        thread.join()
    assert can_fork()
