"""The shrink guard: a build that would drop more than podcast.yaml max_shrink of the items feeds/
publishes (a deleted episodes/ folder, a bad merge) refuses unless run with --allow-shrink."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from hostile_support import SHOW, assert_refused, build, snapshot
from lxml import etree

from conftest import write_episode


def _show(make_project: Callable[..., Path], episodes: int = 4) -> Path:
    root = make_project(name=SHOW)
    for n in range(1, episodes):
        write_episode(root, f"2020-01-{n:02d}-extra-{n}.md", f"title: Extra {n}")
    assert build(root).exit_code == 0
    return root


def _guids(root: Path) -> list[str]:
    return [g.text or "" for g in etree.parse(str(root / "feeds" / "podcast.xml")).iter("guid")]


def test_deleted_episodes_folder_is_refused(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = _show(make_project)
    shutil.rmtree(root / "episodes")
    result = assert_refused(
        tmp_path, root, "would drop 4 of the 4 published items", "--allow-shrink"
    )
    assert f"error: {root / 'feeds' / 'podcast.xml'}: " in result.stderr


def test_allow_shrink_publishes_the_smaller_feed(make_project: Callable[..., Path]) -> None:
    root = _show(make_project)
    shutil.rmtree(root / "episodes")
    result = build(root, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert _guids(root) == []
    assert not list((root / "feeds" / "transcripts").glob("*"))


def test_dropping_a_share_within_max_shrink_proceeds(make_project: Callable[..., Path]) -> None:
    root = _show(make_project)
    before = _guids(root)
    (root / "episodes" / "2020-01-01-extra-1.md").unlink()  # 1 of 4: 25% < 50%
    assert build(root).exit_code == 0
    assert len(_guids(root)) == 3 and set(_guids(root)) < set(before)


def test_drafting_most_episodes_counts_as_shrinking(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = _show(make_project)
    for n in range(1, 4):
        write_episode(root, f"2020-01-{n:02d}-extra-{n}.md", f"title: Extra {n}\npublished: false")
    assert_refused(tmp_path, root, "would drop 3 of the 4 published items")


def test_max_shrink_zero_refuses_any_loss(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    root = _show(make_project)
    with (root / "podcast.yaml").open("a") as f:
        f.write("max_shrink: 0\n")
    (root / "episodes" / "2020-01-01-extra-1.md").unlink()
    assert_refused(tmp_path, root, "would drop 1 of the 4 published items")
    feeds = snapshot(root / "feeds")
    assert build(root, "--allow-shrink").exit_code == 0
    assert snapshot(root / "feeds") != feeds


def test_growing_is_never_refused(make_project: Callable[..., Path]) -> None:
    root = _show(make_project, episodes=1)
    for n in range(1, 20):
        write_episode(root, f"2021-01-{n:02d}-new-{n}.md", f"title: New {n}")
    assert build(root).exit_code == 0
    assert len(_guids(root)) == 20


def test_a_playlist_feed_that_would_vanish_is_refused(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    """Membership known only from the store: losing the store must not delete the playlist feed."""
    root = make_project(name=SHOW)
    seed = next((root / "episodes").iterdir())
    seed.write_text(seed.read_text().replace("?list=PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S", ""))
    store = {
        "version": 1,
        "videos": {},
        "media": {},
        "playlists": {
            "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S": {
                "id": "PLOuHvpVx7kYksG0NFaCaQsSkrUlj3Oq4S",
                "entries": [{"id": "ban0Z7Cojfg"}],
            }
        },
    }
    (root / "data").mkdir()
    (root / "data" / "youtube.json").write_text(json.dumps(store))
    assert build(root).exit_code == 0
    playlist = root / "feeds" / "playlists" / "ptg-atlanta-2017" / "podcast.xml"
    assert playlist.is_file()
    (root / "data" / "youtube.json").unlink()
    assert_refused(tmp_path, root, f"error: {playlist}: the build would drop 1 of the 1")
    assert build(root, "--allow-shrink").exit_code == 0
    assert not playlist.exists()
