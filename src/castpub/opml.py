"""feeds/feeds.opml: every subscription feed the build writes (main and per playlist, RSS and
Atom), for readers that import a list. OPML 2.0; dateModified comes from the content, not now."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime

from lxml import etree

from castpub.config import Show
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


def feeds_opml(show: Show, feeds: list[Feed]) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = show.title
    updated = max(feed.updated for feed in feeds)
    etree.SubElement(head, "dateModified").text = format_datetime(
        updated.astimezone(UTC), usegmt=True
    )
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
