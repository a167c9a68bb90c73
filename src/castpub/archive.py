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
    archived = feed.items[limit:][::-1]  # oldest first, so page 1 never changes
    chunks = [archived[i : i + limit] for i in range(0, len(archived), limit)]
    pages = [_page(show, feed, n, chunk) for n, chunk in enumerate(chunks, 1)]
    # Archive pages keep the page link but not the hub: nobody subscribes to an archive page.
    kept = tuple(link for link in feed.links if link.rel != "hub")
    linked = []
    for n, page in enumerate(pages):
        links = [_link("current", feed)]
        if n > 0:
            links.append(_link("prev-archive", pages[n - 1]))
        if n < len(pages) - 1:
            links.append(_link("next-archive", pages[n + 1]))
        linked.append(replace(page, links=(*kept, *links)))
    current = replace(
        feed, items=feed.items[:limit], links=(*feed.links, _link("prev-archive", pages[-1]))
    )
    return [current, *linked]


def _page(show: Show, feed: Feed, number: int, items: tuple[Item, ...]) -> Feed:
    rss_path = archive_path(feed.rss_path, number)
    atom_path = archive_path(feed.atom_path, number)
    return replace(
        feed,
        rss_path=rss_path,
        atom_path=atom_path,
        rss_url=show.feed_link(rss_path),
        atom_url=show.feed_link(atom_path),
        items=items[::-1],  # newest first, like every feed
        updated=max(i.date for i in items),
        archived=True,
    )


def _link(rel: str, target: Feed) -> FeedLink:
    """A link to the same format of `target`: RSS pages link RSS pages, Atom pages Atom pages."""
    return FeedLink(rel, target.rss_url, target.atom_url)
