"""feeds/feeds.opml: every subscription feed the build writes (main and per playlist, RSS and
Atom), for readers that import a list. OPML 2.0; dateModified comes from the content, not now."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from castpub.config import Show
from castpub.items import DAYS, MONTHS
from castpub.model import Feed

OPML_PATH = "feeds.opml"


def _outline(
    parent: etree._Element, feed: Feed, url: str, version: str, kind: str, page: str
) -> None:
    etree.SubElement(
        parent,
        "outline",
        type="rss",
        version=version,
        text=f"{feed.title} ({kind})",
        title=feed.title,
        xmlUrl=url,
        htmlUrl=page,
    )


def rfc822_gmt(date: datetime) -> str:
    """The date in UTC as RFC 822 writes it, "GMT" for the zone (email.utils.format_datetime
    with usegmt, whose import, with the socket module's, was a hundredth of a second of every
    rebuild)."""
    utc = date.astimezone(UTC)
    day, month = DAYS[utc.weekday()], MONTHS[utc.month - 1]
    clock = f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    return f"{day}, {utc.day:02d} {month} {utc.year:04d} {clock} GMT"


def feeds_opml(show: Show, feeds: list[Feed]) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = show.title
    updated = max(feed.updated for feed in feeds)
    etree.SubElement(head, "dateModified").text = rfc822_gmt(updated)
    etree.SubElement(head, "ownerName").text = show.owner_name
    etree.SubElement(head, "ownerEmail").text = show.owner_email
    body = etree.SubElement(root, "body")
    # Podcast apps import RSS, feed readers often prefer Atom: one group each, so an importer can
    # pick one without subscribing twice.
    rss = etree.SubElement(body, "outline", text="Podcast feeds (RSS)")
    atom = etree.SubElement(body, "outline", text="Atom feeds")
    for feed in feeds:
        page = feed.page_url or show.link
        _outline(rss, feed, feed.rss_url, "RSS2", "RSS", page)
        _outline(atom, feed, feed.atom_url, "ATOM", "Atom", page)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
