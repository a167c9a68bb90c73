"""Paged archives (RFC 5005 §4): a feed over podcast.yaml `limit` keeps its newest items, the
older ones move to archive pages that readers reach through prev-archive links.

Pages are cut from the oldest item up, so page 1 is always the same first `limit` items: a new
episode changes the subscription feed and at most the newest archive page, never the older pages
(RFC 5005 wants archive documents to stay put). Pure: no I/O.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from castpub.config import Show
from castpub.model import Feed, FeedLink, Item

ARCHIVE_DIR = "archive"


def archive_path(feed_path: str, number: int) -> str:
    """feeds/-relative path of archive page `number` (1 = oldest) of a feed file."""
    folder, name = posixpath.split(feed_path)
    return posixpath.join(folder, ARCHIVE_DIR, str(number), name)


def paginate(show: Show, feed: Feed, limit: int | None) -> list[Feed]:
    """The subscription feed (newest `limit` items) followed by its archive pages, oldest first."""
    if limit is None or len(feed.items) <= limit:
        return [feed]
    oldest_first = feed.items[::-1]
    archived = oldest_first[:-limit]
    chunks = [archived[i : i + limit] for i in range(0, len(archived), limit)]
    pages = [_page(show, feed, n, chunk, len(chunks)) for n, chunk in enumerate(chunks, 1)]
    newest_archive = pages[-1]
    current = replace(
        feed,
        items=feed.items[:limit],
        links=(*feed.links, _link("prev-archive", newest_archive)),
    )
    return [current, *pages]


def _page(show: Show, feed: Feed, number: int, items: tuple[Item, ...], count: int) -> Feed:
    rss_path = archive_path(feed.rss_path, number)
    atom_path = archive_path(feed.atom_path, number)
    page = replace(
        feed,
        rss_path=rss_path,
        atom_path=atom_path,
        rss_url=show.feed_link(rss_path),
        atom_url=show.feed_link(atom_path),
        items=items[::-1],  # newest first, like every feed
        updated=max(i.date for i in items),
        archived=True,
    )
    # Archive pages link the subscription feed and their neighbours; the hub is left out, since an
    # archive page is not something one subscribes to.
    links = [FeedLink("current", feed.rss_url, feed.atom_url)]
    if number > 1:
        links.append(_neighbour(show, feed, "prev-archive", number - 1))
    if number < count:
        links.append(_neighbour(show, feed, "next-archive", number + 1))
    kept = tuple(link for link in feed.links if link.rel != "hub")
    return replace(page, links=(*kept, *links))


def _neighbour(show: Show, feed: Feed, rel: str, number: int) -> FeedLink:
    return FeedLink(
        rel,
        show.feed_link(archive_path(feed.rss_path, number)),
        show.feed_link(archive_path(feed.atom_path, number)),
    )


def _link(rel: str, page: Feed) -> FeedLink:
    return FeedLink(rel, page.rss_url, page.atom_url)
