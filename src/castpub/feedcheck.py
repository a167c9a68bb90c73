"""`castpub check --feeds`: the written RSS feeds against the PSP-1 rules that need no network.

PSP-1 (the Podcast Standards Project's podcast RSS specification) requires, per channel, an
atom:link rel=self, title, description (at most 4000 bytes), link, language, itunes:image,
itunes:category and itunes:explicit (true/false); per item, title, enclosure (url, length in bytes,
type) and a GUID that is unique. Node values are limited to 255 characters unless the spec says
otherwise; dates are RFC 2822; podcast:guid is a UUID. Each finding names its file and line.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import click
from lxml import etree

from castpub.errors import ExitCode, Problem

__all__ = ["check_feed", "check_feeds", "feed_files", "report_feeds"]

ATOM = "http://www.w3.org/2005/Atom"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
CONTENT = "http://purl.org/rss/1.0/modules/content/"

MAX_VALUE = 255
MAX_DESCRIPTION = 4000
# Elements PSP-1 or Apple give a longer limit than 255 characters (or none at all).
LONG = {
    "description",
    f"{{{CONTENT}}}encoded",
    f"{{{ITUNES}}}summary",
    f"{{{PODCAST}}}txt",
}
CHANNEL_REQUIRED = (
    ("title", "title"),
    ("description", "description"),
    ("link", "link"),
    ("language", "language"),
    (f"{{{ITUNES}}}category", "itunes:category"),
    (f"{{{ITUNES}}}explicit", "itunes:explicit"),
    (f"{{{ITUNES}}}image", "itunes:image"),
)
ITEM_REQUIRED = (("title", "title"), ("enclosure", "enclosure"), ("guid", "guid"))
_DAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_ZONE = r"(?:[+-]\d{4}|GMT|UT|UTC|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)"
RFC2822 = re.compile(rf"^{_DAY}\d{{1,2}} {_MONTH} \d{{4}} \d{{2}}:\d{{2}}(?::\d{{2}})? {_ZONE}$")
MIME = re.compile(r"^[\w.+-]+/[\w.+-]+$")
DURATION = re.compile(r"^(?:\d+|(?:\d+:)?[0-5]?\d:[0-5]\d)$")


def feed_files(feeds_dir: Path) -> list[Path]:
    """The RSS feeds a build writes: podcast.xml and one per playlist."""
    playlists = sorted((feeds_dir / "playlists").glob("*/podcast.xml"))
    return [feeds_dir / "podcast.xml", *playlists]


def check_feeds(feeds_dir: Path) -> list[Problem]:
    found = []
    for path in feed_files(feeds_dir):
        found.extend(check_feed(path))
    return found


def report_feeds(feeds_dir: Path) -> None:
    """Print every finding as file:line: message; exit 1 when there is any."""
    files = feed_files(feeds_dir)
    found = check_feeds(feeds_dir)
    for problem in found:
        click.echo(str(problem))
    click.echo(f"{len(files)} feed(s) checked against PSP-1: {len(found)} finding(s)")
    if found:
        sys.exit(ExitCode.INVALID_INPUT)


def check_feed(path: Path) -> list[Problem]:
    """Findings for one RSS feed file, in document order."""
    if not path.is_file():
        return [Problem(path, None, "no such feed", "run castpub build first")]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        return [Problem(path, exc.lineno, f"not well-formed XML: {exc.msg}")]
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return [Problem(path, _line(root), 'not an RSS 2.0 feed (<rss version="2.0"><channel>)')]
    return sorted(_findings(path, channel), key=lambda p: p.line or 0)


def _findings(path: Path, channel: etree._Element) -> Iterator[Problem]:
    yield from _channel(path, channel)
    guids: dict[str, int] = {}
    urls: dict[str, int] = {}
    for item in channel.iterfind("item"):
        yield from _item(path, item)
        yield from _unique(path, item.find("guid"), item.findtext("guid"), "GUID", guids)
        enclosure = item.find("enclosure")
        url = enclosure.get("url") if enclosure is not None else None
        yield from _unique(path, enclosure, url, "enclosure URL", urls)
    yield from _lengths(path, channel)


def _channel(path: Path, channel: etree._Element) -> Iterator[Problem]:
    yield from _required(path, channel, CHANNEL_REQUIRED, "the channel")
    if not any(link.get("rel") == "self" for link in channel.iterfind(f"{{{ATOM}}}link")):
        yield Problem(path, _line(channel), 'the channel has no <atom:link rel="self">')
    image = channel.find(f"{{{ITUNES}}}image")
    if image is not None and not image.get("href"):
        yield Problem(path, _line(image), "itunes:image has no href")
    yield from _description(path, channel.find("description"))
    yield from _explicit(path, channel.find(f"{{{ITUNES}}}explicit"))
    for name in ("pubDate", "lastBuildDate"):
        yield from _date(path, channel.find(name))
    yield from _podcast_guid(path, channel.find(f"{{{PODCAST}}}guid"))
    locked = channel.find(f"{{{PODCAST}}}locked")
    if locked is not None and (locked.text or "").strip() not in ("yes", "no"):
        yield Problem(path, _line(locked), f"podcast:locked is {locked.text!r}, not yes or no")


def _item(path: Path, item: etree._Element) -> Iterator[Problem]:
    yield from _required(path, item, ITEM_REQUIRED, "the item")
    yield from _enclosure(path, item.find("enclosure"))
    yield from _description(path, item.find("description"))
    yield from _date(path, item.find("pubDate"))
    yield from _explicit(path, item.find(f"{{{ITUNES}}}explicit"))
    duration = item.find(f"{{{ITUNES}}}duration")
    if duration is not None and not DURATION.match((duration.text or "").strip()):
        yield Problem(path, _line(duration), f"itunes:duration {duration.text!r} is not seconds")
    kind = item.find(f"{{{ITUNES}}}episodeType")
    if kind is not None and (kind.text or "").strip() not in ("full", "trailer", "bonus"):
        yield Problem(
            path, _line(kind), f"itunes:episodeType {kind.text!r} is not full, trailer or bonus"
        )
    for tag in (
        f"{{{ITUNES}}}episode",
        f"{{{ITUNES}}}season",
        f"{{{PODCAST}}}episode",
        f"{{{PODCAST}}}season",
    ):
        yield from _positive(path, item.find(tag))


def _required(
    path: Path, parent: etree._Element, names: tuple[tuple[str, str], ...], where: str
) -> Iterator[Problem]:
    for tag, label in names:
        elem = parent.find(tag)
        empty = elem is None or (not (elem.text or "").strip() and not len(elem.attrib))
        if empty:
            yield Problem(path, _line(parent), f"{where} has no <{label}> (PSP-1 requires it)")


def _enclosure(path: Path, enclosure: etree._Element | None) -> Iterator[Problem]:
    if enclosure is None:
        return
    line = _line(enclosure)
    url, length, kind = enclosure.get("url"), enclosure.get("length"), enclosure.get("type")
    if not url or not re.match(r"^https?://\S+$", url):
        yield Problem(path, line, f"enclosure url {url!r} is not an http(s) URL")
    if length is None or not length.isdigit():
        yield Problem(path, line, f"enclosure length {length!r} is not a number of bytes")
    elif int(length) == 0:
        yield Problem(path, line, "enclosure length is 0: the file's size in bytes is not known")
    if not kind or not MIME.match(kind):
        yield Problem(path, line, f"enclosure type {kind!r} is not a MIME type")


def _description(path: Path, elem: etree._Element | None) -> Iterator[Problem]:
    size = len((elem.text or "").encode()) if elem is not None else 0
    if elem is not None and size > MAX_DESCRIPTION:
        yield Problem(
            path, _line(elem), f"description is {size} bytes, more than {MAX_DESCRIPTION}"
        )


def _explicit(path: Path, elem: etree._Element | None) -> Iterator[Problem]:
    if elem is not None and (elem.text or "").strip() not in ("true", "false"):
        yield Problem(path, _line(elem), f"itunes:explicit is {elem.text!r}, not true or false")


def _date(path: Path, elem: etree._Element | None) -> Iterator[Problem]:
    if elem is None:
        return
    text = (elem.text or "").strip()
    if not RFC2822.match(text) or not _valid_date(text):
        yield Problem(
            path, _line(elem), f"{etree.QName(elem).localname} {text!r} is not an RFC 2822 date"
        )


def _valid_date(text: str) -> bool:
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return False
    day = text.split(",", 1)[0] if "," in text else None
    return day is None or value.strftime("%a") == day


def _podcast_guid(path: Path, elem: etree._Element | None) -> Iterator[Problem]:
    if elem is None:
        return
    text = (elem.text or "").strip()
    try:
        valid = uuid.UUID(text).version == 5 and str(uuid.UUID(text)) == text.lower()
    except ValueError:
        valid = False
    if not valid:
        yield Problem(path, _line(elem), f"podcast:guid {text!r} is not a UUIDv5")


def _positive(path: Path, elem: etree._Element | None) -> Iterator[Problem]:
    if elem is None:
        return
    text = (elem.text or "").strip()
    if not text.isdigit() or int(text) == 0:
        name = etree.QName(elem)
        prefix = "itunes" if name.namespace == ITUNES else "podcast"
        yield Problem(
            path,
            _line(elem),
            f"{prefix}:{name.localname} {text!r} is not a non-zero whole number",
        )


def _unique(
    path: Path, elem: etree._Element | None, value: str | None, label: str, seen: dict[str, int]
) -> Iterator[Problem]:
    if elem is None or not value:
        return
    key = value.strip()
    line = _line(elem) or 0
    if key in seen:
        yield Problem(path, line, f"{label} {key!r} is also used on line {seen[key]}")
    else:
        seen[key] = line


def _lengths(path: Path, channel: etree._Element) -> Iterator[Problem]:
    """PSP-1: node values are limited to 255 characters unless otherwise specified."""
    for elem in channel.iter():
        if not isinstance(elem.tag, str) or elem.tag in LONG:
            continue
        text = (elem.text or "").strip()
        if len(text) > MAX_VALUE:
            yield Problem(
                path,
                _line(elem),
                f"{_label(elem)} is {len(text)} characters, more than {MAX_VALUE}",
            )


def _line(elem: etree._Element) -> int | None:
    # lxml-stubs leave sourceline untyped; lxml gives an int, or None for built trees.
    value: object = elem.sourceline
    return value if isinstance(value, int) else None


def _label(elem: etree._Element) -> str:
    name = etree.QName(elem)
    prefixes = {ITUNES: "itunes:", PODCAST: "podcast:", ATOM: "atom:", CONTENT: "content:"}
    return prefixes.get(name.namespace or "", "") + name.localname
