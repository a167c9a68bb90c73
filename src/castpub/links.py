"""A feedgen extension for the links feedgen cannot write: feedgen puts only rel="self" into RSS,
and nothing of RFC 5005 (fh:archive) anywhere. Renders Feed.links and Feed.archived."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseExtension
from lxml import etree

from castpub.model import FeedLink

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"


class FeedLinksExtension(BaseExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.links: tuple[FeedLink, ...] = ()
        self.archived = False

    def extend_ns(self) -> dict[str, str]:
        # Declared only when used, so feeds without archives keep their bytes.
        return {"fh": FH_NS} if self.archived else {}

    def extend_rss(self, feed: Any) -> Any:
        self._append(feed[0], f"{{{ATOM_NS}}}link", rss=True)
        return feed

    def extend_atom(self, feed: Any) -> Any:
        # feedgen writes Atom with an xmlns attribute and un-namespaced children; a link in the
        # Atom namespace would come out as ns0:link, which validators frown on.
        self._append(feed, "link", rss=False)
        return feed

    def _append(self, parent: Any, tag: str, rss: bool) -> None:
        """feedgen runs feed extensions before it adds the entries, so these land in the feed's
        head, where Atom's grammar wants them."""
        for link in self.links:
            element = etree.SubElement(parent, tag)
            element.set("rel", link.rel)
            element.set("href", link.href if rss else link.atom_href or link.href)
            if link.type:
                element.set("type", link.type)
        if self.archived:
            etree.SubElement(parent, f"{{{FH_NS}}}archive")
