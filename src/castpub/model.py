"""What a feed holds once assembled: plain data between assemble.py and the writers."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Enclosure:
    url: str
    length: int
    type: str


@dataclass(frozen=True)
class Item:
    """An episode as it appears in a feed."""

    episode_id: str
    guid: str
    guid_is_link: bool
    title: str
    link: str
    date: datetime
    summary: str
    notes: bytes  # the show notes' HTML in UTF-8 (surrogatepass), as Notes.html
    transcript_url: str
    author: str | None = None
    tags: tuple[str, ...] = ()
    video_id: str | None = None
    duration: int | None = None
    image: str | None = None
    chapters_url: str | None = None
    enclosure: Enclosure | None = None
    episode_type: str = "full"
    season: int | None = None
    number: int | None = None
    explicit: bool | None = None

    def numbered(self, number: int | None) -> Item:
        """This item under another episode number (its position in a playlist). A copy with one
        field set, not dataclasses.replace, which builds the item again through __init__: half
        the time, for every playlist item of every build."""
        item = copy.copy(self)
        object.__setattr__(item, "number", number)
        return item


@dataclass(frozen=True)
class FeedLink:
    """An extra <atom:link> a feed carries: the WebSub hub, the show's page, RFC 5005 archives.

    Archive pages exist in both formats, so the Atom feed may link another URL than the RSS one.
    """

    rel: str
    href: str
    atom_href: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class Feed:
    """One RSS + Atom pair: the show's main feed or one playlist's."""

    rss_path: str  # relative to feeds/
    atom_path: str
    rss_url: str
    atom_url: str
    title: str
    description: str
    items: tuple[Item, ...]  # newest first
    updated: datetime
    podcast_guid: str
    playlist_id: str | None = None
    page_url: str | None = None
    links: tuple[FeedLink, ...] = ()
    archived: bool = False  # an RFC 5005 archive page (fh:archive): its items no longer change
