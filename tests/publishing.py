"""Helpers for the publishing tests: shows with many episodes, podcast.yaml additions, feed reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from conftest import write_episode

ATOM = "{http://www.w3.org/2005/Atom}"
FH_ARCHIVE = "{http://purl.org/syndication/history/1.0}archive"
START = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)


def add_episodes(root: Path, count: int, first: int = 0) -> list[str]:
    """Write episodes numbered first..first+count-1, one a week, each with its own YouTube video."""
    titles = []
    for n in range(first, first + count):
        date = START + timedelta(weeks=n)
        title = f"Episode {n:03d}"
        video = f"vid{n:08d}"  # 11 characters, a well-formed video id
        write_episode(
            root,
            f"{date:%Y-%m-%d}-episode-{n:03d}.md",
            f"title: '{title}'\ndate: {date:%Y-%m-%d %H:%M:%S} UTC",
            f"Summary of episode {n}.\n\nhttps://www.youtube.com/watch?v={video}\n\n"
            f"Rich: Question {n}?\n\nGuest: Answer {n}.\n",
        )
        titles.append(title)
    return titles


def configure(root: Path, text: str) -> None:
    """Append keys to podcast.yaml."""
    path = root / "podcast.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text.strip() + "\n", encoding="utf-8")


def rss_titles(path: Path) -> list[str]:
    return [str(t) for t in etree.parse(str(path)).xpath("/rss/channel/item/title/text()")]


def atom_links(path: Path, in_rss: bool = True) -> dict[str, str]:
    """rel -> href of a feed's head links (atom:link in RSS, link in Atom), self excluded."""
    tree = etree.parse(str(path))
    parent = tree.find("channel") if in_rss else tree.getroot()
    assert parent is not None
    return {
        str(link.get("rel")): str(link.get("href"))
        for link in parent.findall(f"{ATOM}link")
        if link.get("rel") != "self"
    }


def all_files(feeds: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(feeds)): p.read_bytes() for p in sorted(feeds.rglob("*")) if p.is_file()
    }
