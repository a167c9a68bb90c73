"""Feed items written straight to bytes: exactly what feedgen and lxml's pretty printer write.

Building an lxml tree per item cost most of a cold build's serialize time and memory, while an
item's markup is fixed: a handful of elements in the order feedgen writes them, each on a line
of its own. feeds.render_feed stays the reference; tests compare items against it byte for byte.
Quirks kept on purpose because feedgen has them: an Atom <link> carries only its href (feedgen
reads rel and type back from the new element, which has none yet), the RSS description holds
the notes when there is no summary, and itunes:season/episode leave out 0 where
podcast:season/episode do not.
"""

from __future__ import annotations

import html
from datetime import datetime

from castpub.model import Item
from castpub.text import xml_utf8, xml_utf8_bytes

# What feedgen's setters accept; anything else raises there, with these messages.
ITUNES_IMAGE_SUFFIXES = (".jpg", ".png")
EPISODE_TYPES = ("full", "trailer", "bonus")

# feedgen formats pubDate under the C locale; spelling the names out gives the same text without
# switching the process-wide locale.
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def text(value: str) -> bytes:
    """Element text as libxml2 escapes it; a raw CR would be read back as a newline."""
    return escape_text(xml_utf8(value))


def escape_text(data: bytes) -> bytes:
    """text() of a text already in UTF-8 and checked (xml_utf8)."""
    return (
        data.replace(b"&", b"&amp;")
        .replace(b"<", b"&lt;")
        .replace(b">", b"&gt;")
        .replace(b"\r", b"&#13;")
    )


def attr(value: str) -> bytes:
    return quoted(text(value))


def quoted(escaped: bytes) -> bytes:
    """Escaped text made a double-quoted attribute value as libxml2 writes it: parsers would turn
    raw whitespace there into spaces."""
    return escaped.replace(b'"', b"&quot;").replace(b"\n", b"&#10;").replace(b"\t", b"&#9;")


def rfc822(date: datetime) -> str:
    names = f"{DAYS[date.weekday()]}, %d {MONTHS[date.month - 1]}"
    return date.strftime(f"{names} %Y %H:%M:%S %z")


def item_fragments(item: Item, notes_checked: bool = False) -> tuple[bytes, bytes]:
    """(RSS <item>, Atom <entry>) of one item, each as it lies in feedgen's pretty-printed feed:
    from the indent of its opening tag to the newline after its closing tag.

    Raises ValueError where feedgen or lxml would: a date without time zone, an episode image
    that is not .jpg/.png, an unknown episode type, characters XML cannot hold, no guid or
    title. `notes_checked`: the show notes are known to hold only characters XML can carry, as
    notes.render_notes makes them, and are not searched again (a third of making an item)."""
    if item.date.tzinfo is None:
        raise ValueError("Datetime object has no timezone info")
    if item.image and not item.image.endswith(ITUNES_IMAGE_SUFFIXES):
        raise ValueError("Image file must be png or jpg")
    if item.episode_type not in EPISODE_TYPES:
        raise ValueError("Invalid value for episodeType tag")
    escaped = _Escaped(item, notes_checked)
    rss = _rss(item, escaped)
    atom = _atom(item, escaped)
    if not (item.guid and item.title):
        raise ValueError("Required fields not set")
    return rss, atom


ITEM_END = b"    </item>\n"
_EPISODE_TYPE = b"      <itunes:episodeType>"


def renumbered(rss: bytes, number: int) -> bytes:
    """The RSS fragment of an item without an episode number, as item_fragments writes the same
    item numbered `number` (Item.numbered: its copy in a playlist feed). Atom has no number."""
    end = len(rss) - len(ITEM_END)
    if not rss.endswith(ITEM_END):
        raise ValueError("not an RSS item fragment")
    tail = b"      <podcast:episode>%d</podcast:episode>\n" % number
    if not number:  # as _itunes: no itunes:episode for 0
        return rss[:end] + tail + rss[end:]
    at = rss.rfind(_EPISODE_TYPE)
    if at < 0:
        raise ValueError("not an RSS item fragment")
    middle = b"      <itunes:episode>%d</itunes:episode>\n" % number
    return b"".join((rss[:at], middle, rss[at:end], tail, rss[end:]))


class _Escaped:
    """The values both formats write, escaped once: the notes are most of a feed's bytes."""

    def __init__(self, item: Item, notes_checked: bool = False) -> None:
        self.title = text(item.title)
        self.guid = text(item.guid)
        # From the bytes they are held in: decoding 6 KB of show notes to encode them again was
        # half of what making an item cost.
        self.notes = escape_text(item.notes if notes_checked else xml_utf8_bytes(item.notes))
        self.summary = text(html.escape(item.summary, quote=False)) if item.summary else b""
        self.author = text(item.author) if item.author else b""
        self.tags = [text(tag) for tag in item.tags]
        self.enclosure_url = attr(item.enclosure.url) if item.enclosure else b""


def _rss(item: Item, e: _Escaped) -> bytes:
    out = [b"    <item>\n      <title>", e.title, b"</title>\n"]
    if item.link:
        out += [b"      <link>", text(item.link), b"</link>\n"]
    # feedgen sets empty notes as text all the same, and lxml then writes both tags.
    if e.summary:
        out += [b"      <description>", e.summary, b"</description>\n"]
        out += [b"      <content:encoded>", e.notes, b"</content:encoded>\n"]
    else:
        out += [b"      <description>", e.notes, b"</description>\n"]
    permalink = b"true" if item.guid_is_link else b"false"
    out += [b'      <guid isPermaLink="', permalink, b'">', e.guid, b"</guid>\n"]
    for tag in e.tags:
        out += [b"      <category>", tag, b"</category>\n"]
    if item.enclosure:
        length = str(item.enclosure.length).encode()
        out += [b'      <enclosure url="', e.enclosure_url, b'" length="', length]
        out += [b'" type="', attr(item.enclosure.type), b'"/>\n']
    out += [b"      <pubDate>", rfc822(item.date).encode(), b"</pubDate>\n"]
    _itunes(item, e, out)
    if item.author:
        out += [b"      <dc:creator>", e.author, b"</dc:creator>\n"]
    _podcast20(item, out)
    out.append(ITEM_END)
    return b"".join(out)


def _itunes(item: Item, e: _Escaped, out: list[bytes]) -> None:
    """feedgen's podcast extension: loaded first, so it writes before dc and castpub's own."""
    if item.author:
        out += [b"      <itunes:author>", e.author, b"</itunes:author>\n"]
    if item.image:
        out += [b'      <itunes:image href="', attr(item.image), b'"/>\n']
    if item.duration is not None:
        out.append(b"      <itunes:duration>%d</itunes:duration>\n" % max(0, item.duration))
    if item.season:
        out.append(b"      <itunes:season>%d</itunes:season>\n" % item.season)
    if item.number:
        out.append(b"      <itunes:episode>%d</itunes:episode>\n" % item.number)
    out += [b"      <itunes:episodeType>", item.episode_type.encode(), b"</itunes:episodeType>\n"]


def _podcast20(item: Item, out: list[bytes]) -> None:
    """castpub.podcast20.Podcast20EntryExtension, registered last."""
    if item.explicit is not None:
        explicit = b"true" if item.explicit else b"false"
        out += [b"      <itunes:explicit>", explicit, b"</itunes:explicit>\n"]
    transcript = attr(item.transcript_url)
    out += [b'      <podcast:transcript url="', transcript, b'" type="text/html"/>\n']
    if item.chapters_url:
        out += [b'      <podcast:chapters url="', attr(item.chapters_url)]
        out.append(b'" type="application/json+chapters"/>\n')
    if item.season is not None:
        out.append(b"      <podcast:season>%d</podcast:season>\n" % item.season)
    if item.number is not None:
        out.append(b"      <podcast:episode>%d</podcast:episode>\n" % item.number)


def _atom(item: Item, e: _Escaped) -> bytes:
    date = item.date.isoformat().encode()
    out = [b"  <entry>\n    <id>", e.guid, b"</id>\n    <title>", e.title, b"</title>\n"]
    out += [b"    <updated>", date, b"</updated>\n"]
    if item.author:
        out += [b"    <author>\n      <name>", e.author, b"</name>\n    </author>\n"]
    # feedgen leaves empty content without text, and lxml closes such an element in its tag.
    if e.notes:
        out += [b'    <content type="html">', e.notes, b"</content>\n"]
    else:
        out.append(b'    <content type="html"/>\n')
    out += [b'    <link href="', attr(item.link), b'"/>\n']
    if item.enclosure:
        out += [b'    <link href="', e.enclosure_url, b'"/>\n']
    if e.summary:
        out += [b'    <summary type="html">', e.summary, b"</summary>\n"]
    for tag in e.tags:
        out += [b'    <category term="', quoted(tag), b'"/>\n']
    out += [b"    <published>", date, b"</published>\n  </entry>\n"]
    return b"".join(out)
