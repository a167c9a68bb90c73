"""The feedgen adapter: a Feed becomes RSS 2.0 (itunes, podcast, content, atom) and Atom 1.0 bytes.

Everything feedgen gets wrong by default is pinned here and only here: entries appended in order,
dates from the content, real enclosure lengths, itunes:explicit as true/false. A build writes
items with castpub.items instead, which writes the same bytes far faster: render_feed, the whole
feed through feedgen, stays the reference it is tested against.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any

from feedgen.feed import FeedGenerator

from castpub.config import Show
from castpub.errors import invalid
from castpub.items import item_fragments, renumbered
from castpub.links import FeedLinksExtension
from castpub.model import Feed, Item
from castpub.output import ByteSink
from castpub.podcast20 import Podcast20EntryExtension, Podcast20Extension

GENERATOR = "castpub"


def _generator(show: Show, feed: Feed, entries: bool = True) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast", atom=False, rss=True)
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension(
        "podcast20", Podcast20Extension, Podcast20EntryExtension, atom=False, rss=True
    )
    fg.register_extension("links", FeedLinksExtension, atom=True, rss=True)
    fg.links.links = feed.links
    fg.links.archived = feed.archived
    fg.id(feed.rss_url)
    fg.title(feed.title)
    fg.description(feed.description)
    fg.subtitle(feed.description)
    fg.language(show.language)
    fg.author({"name": show.author, "email": show.owner_email})
    fg.generator(GENERATOR)
    fg.logo(show.image)
    fg.image(url=show.image, title=feed.title, link=feed.page_url or show.link)
    if show.copyright:
        fg.copyright(show.copyright)
    fg.lastBuildDate(feed.updated)
    p = fg.podcast
    p.itunes_author(show.author)
    p.itunes_owner(name=show.owner_name, email=show.owner_email)
    p.itunes_image(show.image)
    p.itunes_summary(feed.description)
    p.itunes_type(show.show_type)
    categories = [
        {"cat": c.name, **({"sub": c.subcategory} if c.subcategory else {})}
        for c in show.categories
    ]
    try:
        p.itunes_category(categories)
    except ValueError:
        raise invalid(
            show.root / "podcast.yaml",
            None,
            f"categories {[c.name for c in show.categories]} are not all Apple Podcasts categories",
            "use names (and subcategories) from Apple's category list",
        ) from None
    fg.podcast20.explicit = show.explicit
    fg.podcast20.locked = (True, show.owner_email)
    fg.podcast20.guid = feed.podcast_guid
    if entries:
        for item in feed.items:
            _entry(fg, item)
    return fg


def _entry(fg: FeedGenerator, item: Item) -> None:
    _fill(fg.add_entry(order="append"), item)


def _fill(fe: Any, item: Item) -> None:
    fe.id(item.guid)
    fe.guid(item.guid, permalink=item.guid_is_link)
    fe.title(item.title)
    fe.link(href=item.link, rel="alternate")
    fe.published(item.date)
    fe.updated(item.date)
    if item.summary:
        # The summary is plain text, but readers render RSS <description> as HTML: escaped and
        # declared html, "<script>" written in a transcript stays text in both formats.
        fe.summary(html.escape(item.summary, quote=False), type="html")
    fe.content(item.notes.decode("utf-8", "surrogatepass"), type="html")
    if item.author:
        fe.author({"name": item.author})
        fe.dc.dc_creator(item.author)
        fe.podcast.itunes_author(item.author)
    for tag in item.tags:
        fe.category(term=tag)
    if item.enclosure:
        fe.enclosure(item.enclosure.url, str(item.enclosure.length), item.enclosure.type)
    p = fe.podcast
    if item.duration is not None:
        p.itunes_duration(max(0, item.duration))
    if item.image:
        p.itunes_image(item.image)
    p.itunes_episode_type(item.episode_type)
    if item.number:
        p.itunes_episode(item.number)
    if item.season:
        p.itunes_season(item.season)
    x: Any = fe.podcast20
    x.explicit = item.explicit
    x.transcripts = [{"url": item.transcript_url, "type": "text/html"}]
    x.chapters = item.chapters_url
    x.season = item.season
    x.episode = item.number


def render_feed(show: Show, feed: Feed) -> tuple[bytes, bytes]:
    """(RSS bytes, Atom bytes) for one feed."""
    fg = _generator(show, feed)
    # feedgen takes the RSS <link> from the last link added, so the page comes after self.
    fg.link(href=feed.rss_url, rel="self", type="application/rss+xml")
    fg.link(href=feed.page_url or show.link, rel="alternate")
    rss = fg.rss_str(pretty=True)
    fg.link(href=feed.atom_url, rel="self", type="application/atom+xml", replace=True)
    fg.link(href=feed.page_url or show.link, rel="alternate")
    fg.id(feed.atom_url)
    atom = fg.atom_str(pretty=True)
    return bytes(rss), bytes(atom)


@dataclass
class Serialized:
    """One feed file's bytes and where each item's fragment lies in them, by item key."""

    data: bytes
    items: list[tuple[str, int, int]] = field(default_factory=list)


# (format, item key) -> the fragment an earlier build wrote, or None
Reuse = Callable[[str, str], bytes | None]


ITEM_FIELDS = tuple(f.name for f in fields(Item))
_NOTES_FIELDS = ("summary", "notes")  # what make_item takes from the rendered Notes
_ALL_FIELDS = attrgetter(*ITEM_FIELDS)
_OTHER_FIELDS = attrgetter(*(name for name in ITEM_FIELDS if name not in _NOTES_FIELDS))
# An item and its copy under another episode number differ in that field alone.
_BUT_NUMBER = attrgetter(*(name for name in ITEM_FIELDS if name != "number"))


def item_key(salt: str, item: Item, notes_key: str = "") -> str:
    """Names an item's serialized fragment: every field of the item and the code that writes it.

    The fields go in as the repr of their tuple, which tells every string, number, date and
    None apart in one call (a part per field cost twice as much at 20 000 items). With
    `notes_key`, the render key the item's notes and summary came from, that key stands for
    them: it names both, and hashing 10 000 show notes was a second of every rebuild."""
    values = _OTHER_FIELDS(item) if notes_key else _ALL_FIELDS(item)
    data = f"{salt}\0{len(notes_key)}:{notes_key}\0{values!r}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class Copies:
    """Items this build has already written into feed files, read back from those files (the
    page cache still holds them) instead of made again: a playlist's items are the main feed's,
    some under another episode number, and making them again was a third of a cold build's
    serializing."""

    def __init__(self) -> None:
        # by episode id: the item, then (descriptor, start, end) of its RSS and of its Atom
        self._written: dict[str, tuple[Item, int, int, int, int, int, int]] = {}
        self._fds: list[int] = []

    def add(
        self, items: Sequence[Item], rss: tuple[str, Serialized], atom: tuple[str, Serialized]
    ) -> None:
        """The items of an RSS and an Atom file just written out whole, at these paths."""
        rss_fd = os.open(rss[0], os.O_RDONLY)
        self._fds.append(rss_fd)
        atom_fd = os.open(atom[0], os.O_RDONLY)
        self._fds.append(atom_fd)
        for item, (_, rss_start, rss_end), (_, atom_start, atom_end) in zip(
            items, rss[1].items, atom[1].items, strict=True
        ):
            self._written.setdefault(
                item.episode_id, (item, rss_fd, rss_start, rss_end, atom_fd, atom_start, atom_end)
            )

    def fragments(self, item: Item) -> tuple[bytes, bytes] | None:
        """The item's (RSS, Atom) fragments, when a file written holds the item itself or the
        same item without an episode number."""
        found = self._written.get(item.episode_id)
        if found is None:
            return None
        source, rss_fd, rss_start, rss_end, atom_fd, atom_start, atom_end = found
        number = None if item is source else item.number  # the one to put in, if any
        if item is not source and (
            number is None or source.number is not None or _BUT_NUMBER(item) != _BUT_NUMBER(source)
        ):
            return None
        rss = os.pread(rss_fd, rss_end - rss_start, rss_start)
        atom = os.pread(atom_fd, atom_end - atom_start, atom_start)
        if len(rss) != rss_end - rss_start or len(atom) != atom_end - atom_start:
            return None
        return rss if number is None else renumbered(rss, number), atom

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def serialize_feed(
    show: Show,
    feed: Feed,
    keys: list[str],
    reuse: Reuse,
    memo: dict[tuple[str, str], bytes] | None = None,
    out: tuple[ByteSink, ByteSink] | None = None,
    copies: Copies | None = None,
    notes_checked: bool = False,
) -> tuple[Serialized, Serialized]:
    """(RSS, Atom) of one feed, byte for byte what render_feed writes, reusing fragments.

    feedgen writes only the channel (the feed without items); each item is copied from the
    fragments an earlier build wrote (by key) or written by items.item_fragments. `memo` carries
    the fragments written so far across the feeds of one build, so that an episode in both the
    main feed and a playlist is written once. Only written fragments go in, not copied ones: a
    warm build's memo stays as small as its set of changed items. With `out`, the RSS and Atom
    bytes go to those two files as they are made, and the results' data is empty.
    `notes_checked`: as items.item_fragments."""
    rss_head, atom_head = heads(show, feed)
    rss_out, atom_out = out or (None, None)
    rss, atom = Assembly(rss_head, RSS_TAIL, rss_out), Assembly(atom_head, ATOM_TAIL, atom_out)
    for item, key in zip(feed.items, keys, strict=True):
        rss_part, atom_part = _fragments(item, key, reuse, memo, copies, notes_checked)
        rss.add(key, rss_part)
        atom.add(key, atom_part)
    return rss.done(), atom.done()


# The channel's closing tags as feedgen's pretty printer writes them after the last item.
RSS_TAIL = b"  </channel>\n</rss>\n"
ATOM_TAIL = b"</feed>\n"


def heads(show: Show, feed: Feed) -> tuple[bytes, bytes]:
    """The feed up to its first item: items follow the channel's own elements in both formats,
    so a feed without items is the head followed by the tail."""
    rss, atom = render_feed(show, replace(feed, items=()))
    if not (rss.endswith(RSS_TAIL) and atom.endswith(ATOM_TAIL)):
        raise ValueError("unexpected feed layout from feedgen")
    return rss[: -len(RSS_TAIL)], atom[: -len(ATOM_TAIL)]


def _fragments(
    item: Item,
    key: str,
    reuse: Reuse,
    memo: dict[tuple[str, str], bytes] | None,
    copies: Copies | None,
    notes_checked: bool = False,
) -> tuple[bytes, bytes]:
    if memo is not None:
        rss, atom = memo.get(("rss", key)), memo.get(("atom", key))
        if rss is not None and atom is not None:
            return rss, atom
    rss, atom = reuse("rss", key), reuse("atom", key)
    if rss is not None and atom is not None:
        return rss, atom
    rss, atom = (copies and copies.fragments(item)) or item_fragments(item, notes_checked)
    if memo is not None:
        memo["rss", key] = rss
        memo["atom", key] = atom
    return rss, atom


class Assembly:
    """One feed file written item by item, and where each item lands.

    BytesIO rather than a list joined at the end: getvalue() hands over the buffer itself when
    nothing else holds it, so a feed's bytes are in memory once, not as fragments plus a copy."""

    def __init__(self, head: bytes, tail: bytes, out: ByteSink | None = None) -> None:
        self.buffer: io.BytesIO | None = None
        if out is None:
            self.buffer = out = io.BytesIO()
        self.out: ByteSink = out
        self.out.write(head)
        self.offset = len(head)  # counted, not asked: tell() on a buffered file flushes
        self.tail = tail
        self.items: list[tuple[str, int, int]] = []

    def add(self, key: str, fragment: bytes) -> None:
        self.out.write(fragment)
        self.items.append((key, self.offset, self.offset + len(fragment)))
        self.offset += len(fragment)

    def done(self) -> Serialized:
        self.out.write(self.tail)
        return Serialized(self.buffer.getvalue() if self.buffer else b"", self.items)
