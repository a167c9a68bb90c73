"""The feedgen adapter: a Feed becomes RSS 2.0 (itunes, podcast, content, atom) and Atom 1.0 bytes.

Everything feedgen gets wrong by default is pinned here and only here: entries appended in order,
dates from the content, real enclosure lengths, itunes:explicit as true/false.
"""

from __future__ import annotations

import html
from typing import Any

from feedgen.feed import FeedGenerator

from castpub.config import Show
from castpub.errors import invalid
from castpub.links import FeedLinksExtension
from castpub.model import Feed, Item
from castpub.podcast20 import Podcast20EntryExtension, Podcast20Extension

GENERATOR = "castpub"


def _generator(show: Show, feed: Feed) -> FeedGenerator:
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
    for item in feed.items:
        _entry(fg, item)
    return fg


def _entry(fg: FeedGenerator, item: Item) -> None:
    fe = fg.add_entry(order="append")
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
