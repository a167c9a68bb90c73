"""The feedgen adapter: a Feed becomes RSS 2.0 (itunes, podcast, content, atom) and Atom 1.0 bytes.

Everything feedgen gets wrong by default is pinned here and only here: entries appended in order,
dates from the content, real enclosure lengths, itunes:explicit as true/false.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from feedgen.feed import FeedGenerator

from castpub.config import Show
from castpub.errors import invalid
from castpub.links import FeedLinksExtension
from castpub.model import Feed, Item
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
    fe.content(item.notes, type="html")
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


# The channel's closing tags as feedgen's pretty printer writes them after the last item.
RSS_TAIL = b"  </channel>\n</rss>\n"
ATOM_TAIL = b"</feed>\n"


@dataclass
class Serialized:
    """One feed file's bytes and where each item's fragment lies in them, by item key."""

    data: bytes
    items: list[tuple[str, int, int]] = field(default_factory=list)


# (format, item key) -> the fragment an earlier build wrote, or None
Reuse = Callable[[str, str], bytes | None]


ITEM_FIELDS = tuple(f.name for f in fields(Item))


def item_key(salt: str, item: Item) -> str:
    """Names an item's serialized fragment: every field of the item and the code that writes it.

    Strings go in whole with their length (no two items can give the same text), other values
    by repr; this costs a third of repr(item), which escapes the long show notes."""
    parts = [salt]
    for name in ITEM_FIELDS:
        value = getattr(item, name)
        parts.append(f"s{len(value)}:{value}" if isinstance(value, str) else f"r:{value!r}")
    # One encode and one update per item: per-field calls cost more than the hashing itself.
    data = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def serialize_feed(
    show: Show, feed: Feed, keys: list[str], reuse: Reuse
) -> tuple[Serialized, Serialized]:
    """(RSS, Atom) of one feed, byte for byte what render_feed writes, reusing fragments.

    Only the items an earlier build did not already write (by key) go through feedgen, in one
    feed of their own; its output is cut into the channel head, one fragment per item and the
    tail. Cutting is safe: pretty printing puts each <item> / <entry> on a line of its own at a
    fixed indent, and the same characters inside content are escaped (&lt;item&gt;)."""
    missing = [
        (item, key)
        for item, key in zip(feed.items, keys, strict=True)
        if reuse("rss", key) is None or reuse("atom", key) is None
    ]
    rss, atom = render_feed(show, replace(feed, items=tuple(item for item, _ in missing)))
    if len(missing) == len(keys):  # nothing to copy (a cold build): keep the bytes as they are
        return _spans(rss, RSS_ITEM, keys), _spans(atom, ATOM_ENTRY, keys)
    new_keys = [key for _, key in missing]
    return (
        _join(
            rss,
            RSS_ITEM,
            RSS_TAIL,
            keys,
            dict(zip(new_keys, _cut(rss, RSS_ITEM, RSS_TAIL), strict=True)),
            "rss",
            reuse,
        ),
        _join(
            atom,
            ATOM_ENTRY,
            ATOM_TAIL,
            keys,
            dict(zip(new_keys, _cut(atom, ATOM_ENTRY, ATOM_TAIL), strict=True)),
            "atom",
            reuse,
        ),
    )


RSS_ITEM = b"\n    <item>\n"
ATOM_ENTRY = b"\n  <entry>\n"


def _starts(data: bytes, marker: bytes) -> list[int]:
    """Where each item's first line begins."""
    found = []
    at = data.find(marker)
    while at != -1:
        found.append(at + 1)
        at = data.find(marker, at + 1)
    return found


def _spans(data: bytes, marker: bytes, keys: list[str]) -> Serialized:
    """Where each item of a whole feed lies, without copying its bytes."""
    starts = _starts(data, marker)
    if not keys:
        return Serialized(data, [])
    tail = RSS_TAIL if marker == RSS_ITEM else ATOM_TAIL
    ends = [*starts[1:], len(data) - len(tail)]
    spans = list(zip(keys, starts, ends, strict=True))
    return Serialized(data, spans)


def _cut(data: bytes, marker: bytes, tail: bytes) -> list[bytes]:
    if not data.endswith(tail):
        raise ValueError("unexpected feed layout from feedgen")
    starts = _starts(data, marker)
    if not starts:
        return []
    ends = [*starts[1:], len(data) - len(tail)]
    return [data[a:b] for a, b in zip(starts, ends, strict=True)]


def _join(
    data: bytes,
    marker: bytes,
    tail: bytes,
    keys: list[str],
    new: dict[str, bytes],
    kind: str,
    reuse: Reuse,
) -> Serialized:
    starts = _starts(data, marker)
    head = data[: starts[0]] if starts else data[: len(data) - len(tail)]
    parts = [head]
    offset = len(head)
    spans = []
    for key in keys:
        fragment = new.get(key) or reuse(kind, key)
        if fragment is None:  # cannot happen: a key is either reused or new
            raise ValueError(f"no {kind} fragment for item {key}")
        parts.append(fragment)
        spans.append((key, offset, offset + len(fragment)))
        offset += len(fragment)
    parts.append(tail)
    return Serialized(b"".join(parts), spans)
