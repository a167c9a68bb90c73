"""podcast.yaml `limit`: the newest items in the subscription feeds, the rest on RFC 5005 pages."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from conftest import run_castpub
from publishing import FH_ARCHIVE, add_episodes, all_files, atom_links, configure, rss_titles

BASE = "https://www.rdoproject.org/feeds/"


def _show(make_project, count: int, limit: int = 3) -> Path:
    root: Path = make_project()
    add_episodes(root, count)
    configure(root, f"limit: {limit}")
    return root


def test_limit_keeps_newest_items_and_archives_the_rest_oldest_first(make_project) -> None:
    root = _show(make_project, 7)  # + the seed episode (2017): 8 items, limit 3
    result = run_castpub(root, "build")
    assert result.exit_code == 0, result.output
    feeds = root / "feeds"
    assert rss_titles(feeds / "podcast.xml") == ["Episode 006", "Episode 005", "Episode 004"]
    assert rss_titles(feeds / "archive/1/podcast.xml")[-1].startswith("Steve Hardy")
    assert rss_titles(feeds / "archive/1/podcast.xml")[:2] == ["Episode 001", "Episode 000"]
    assert rss_titles(feeds / "archive/2/podcast.xml") == ["Episode 003", "Episode 002"]
    assert not (feeds / "archive/3").exists()


def test_archive_pages_link_each_other_and_the_subscription_feed(make_project) -> None:
    root = _show(make_project, 7)
    run_castpub(root, "build")
    feeds = root / "feeds"
    assert atom_links(feeds / "podcast.xml")["prev-archive"] == BASE + "archive/2/podcast.xml"
    first = atom_links(feeds / "archive/1/podcast.xml")
    assert first["current"] == BASE + "podcast.xml"
    assert first["next-archive"] == BASE + "archive/2/podcast.xml"
    assert "prev-archive" not in first
    second = atom_links(feeds / "archive/2/atom.xml", in_rss=False)
    assert second["current"] == BASE + "atom.xml"
    assert second["prev-archive"] == BASE + "archive/1/atom.xml"
    assert "next-archive" not in second
    for page in ("archive/1/podcast.xml", "archive/2/atom.xml"):
        assert etree.parse(str(feeds / page)).getroot().find(f".//{FH_ARCHIVE}") is not None
    assert FH_ARCHIVE not in etree.tostring(etree.parse(str(feeds / "podcast.xml"))).decode()


def test_a_new_episode_leaves_full_archive_pages_untouched(make_project) -> None:
    root = _show(make_project, 8)  # 9 items: archive pages of 3 and 3, 3 current
    run_castpub(root, "build")
    page1 = (root / "feeds/archive/1/podcast.xml").read_bytes()
    add_episodes(root, 1, first=8)
    assert run_castpub(root, "build").exit_code == 0
    assert (root / "feeds/archive/1/podcast.xml").read_bytes() == page1
    assert rss_titles(root / "feeds/archive/3/podcast.xml") == ["Episode 005"]


def test_archives_are_deterministic_and_removed_when_the_limit_goes(make_project) -> None:
    root = _show(make_project, 7)
    run_castpub(root, "build")
    first = all_files(root / "feeds")
    assert run_castpub(root, "build").exit_code == 0
    assert all_files(root / "feeds") == first
    text = (root / "podcast.yaml").read_text().replace("limit: 3\n", "")
    (root / "podcast.yaml").write_text(text)
    assert run_castpub(root, "build").exit_code == 0
    assert not [p for p in (root / "feeds/archive").rglob("*") if p.is_file()]
    assert len(rss_titles(root / "feeds/podcast.xml")) == 8


def test_a_limited_feed_is_not_taken_for_a_shrunken_one(make_project) -> None:
    root = _show(make_project, 7)
    assert run_castpub(root, "build").exit_code == 0
    # The published podcast.xml now holds 3 of 8 items: the shrink guard must not count the
    # archived ones as dropped.
    add_episodes(root, 1, first=7)
    result = run_castpub(root, "build")
    assert result.exit_code == 0, result.output
